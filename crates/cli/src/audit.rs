//! `rolegate audit`: who did what, from the gateway's decision log lines.
//!
//! Accepts plain JSON lines (`wrangler dev` output, where other lines are skipped) and
//! `wrangler tail --format json` events (`{"logs":[{"message":["<json line>"]}], ...}`).

use crate::args::{AuditArgs, Format};
use crate::{print_json, read_input};
use indexmap::IndexMap;
use rolegate_core::Error;
use serde_json::{json, Value};

#[derive(Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    principal: String,
    kind: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    contexts: Vec<String>,
    requests: usize,
    allowed: usize,
    redacted: usize,
    denied: usize,
    operations: IndexMap<String, usize>,
    objects: Vec<String>,
    denials: Vec<String>,
}

/// Decision records found in one input line.
fn records(line: &str) -> Vec<Value> {
    let Some(start) = line.find('{') else { return vec![] };
    let Ok(v) = rolegate_core::tree::value_from_str(&line[start..]) else { return vec![] };
    let mut out = Vec::new();
    if v.get("event").and_then(Value::as_str) == Some("request") {
        out.push(v);
    } else if let Some(logs) = v.get("logs").and_then(Value::as_array) {
        for l in logs {
            for m in l.get("message").and_then(Value::as_array).into_iter().flatten() {
                if let Some(s) = m.as_str() {
                    out.extend(records(s));
                } else if m.get("event").and_then(Value::as_str) == Some("request") {
                    out.push(m.clone());
                }
            }
        }
    }
    out
}

pub fn run(a: &AuditArgs, format: Format) -> Result<u8, Error> {
    let text = read_input(&a.file)?;
    let mut by: IndexMap<String, Summary> = IndexMap::new();
    for r in text.lines().flat_map(records) {
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let list = |k: &str| {
            r.get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        let kind = if s("principalKind").is_empty() { "anonymous".to_string() } else { s("principalKind") };
        let id = if s("principalId").is_empty() { "(no valid credential)".to_string() } else { s("principalId") };
        let decision = s("decision");
        let objects = list("objects");
        if a.principal.as_deref().is_some_and(|p| p != id) || a.decision.as_deref().is_some_and(|d| d != decision) {
            continue;
        }
        if a.object.as_deref().is_some_and(|o| !objects.iter().any(|x| x == o)) {
            continue;
        }
        let e =
            by.entry(format!("{kind}:{id}")).or_insert_with(|| Summary { principal: id.clone(), kind: kind.clone(), ..Default::default() });
        for ctx in [("workflowId", "workflow "), ("onBehalfOf", "on behalf of ")] {
            let v = s(ctx.0);
            if !v.is_empty() {
                let c = format!("{}{v}", ctx.1);
                if !e.contexts.contains(&c) {
                    e.contexts.push(c);
                }
            }
        }
        e.requests += 1;
        match decision.as_str() {
            "allow" => e.allowed += 1,
            "redacted" => e.redacted += 1,
            _ => e.denied += 1,
        }
        let mut ops = list("operations");
        ops.extend(list("tools").into_iter().map(|t| format!("tool:{t}")));
        if ops.is_empty() {
            ops.push(format!("{} {}", s("method"), s("route")));
        }
        for op in ops {
            *e.operations.entry(op).or_default() += 1;
        }
        for o in objects {
            if !e.objects.contains(&o) {
                e.objects.push(o);
            }
        }
        if decision == "deny" {
            let why = format!("{} {}: {}", s("method"), s("route"), s("reason"));
            if !e.denials.contains(&why) {
                e.denials.push(why);
            }
        }
    }
    let list: Vec<&Summary> = by.values().collect();
    match format {
        Format::Json => print_json(&json!({ "principals": list })),
        Format::Text => {
            if list.is_empty() {
                say!("no decision records found");
            }
            for s in &list {
                let ctx = if s.contexts.is_empty() { String::new() } else { format!(" ({})", s.contexts.join(", ")) };
                say!(
                    "{} {}{}: {} requests, {} allowed, {} redacted, {} denied",
                    s.kind,
                    s.principal,
                    ctx,
                    s.requests,
                    s.allowed,
                    s.redacted,
                    s.denied
                );
                let ops: Vec<String> = s.operations.iter().map(|(k, v)| format!("{k} x{v}")).collect();
                say!("  did: {}", ops.join(", "));
                if !s.objects.is_empty() {
                    say!("  objects: {}", s.objects.join(", "));
                }
                for d in &s.denials {
                    say!("  denied: {d}");
                }
            }
        }
    }
    Ok(0)
}
