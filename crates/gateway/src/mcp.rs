//! MCP (`POST /mcp`, JSON-RPC 2.0, single and batched): Twenty's per-object data tools for AI
//! clients. Protocol methods pass, `tools/list` is filtered to the tools the principal may use
//! (with their input schemas pruned to readable / updatable fields), `tools/call` is decided
//! from the tool's object and operation and its arguments, and results are redacted, JSON inside
//! text content included. Unknown methods and tools are denied.

use crate::fields::{Ctx, Denied};
use rolegate_core::write::{check_write, WriteOp};
use rolegate_core::{Flag, ObjectId, Op};
use serde_json::{json, Map, Value};

/// What a tool does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Find(ObjectId),
    FindOne(ObjectId),
    Create(ObjectId),
    Update(ObjectId),
    SoftDelete(ObjectId),
    /// A tool gated by a tool permission flag.
    Flagged(Flag),
}

const FLAG_TOOLS: &[(&str, &str)] = &[
    ("send_email", "SEND_EMAIL_TOOL"),
    ("http_request", "HTTP_REQUEST_TOOL"),
    ("code_interpreter", "CODE_INTERPRETER_TOOL"),
    ("create_calendar_event", "CREATE_CALENDAR_EVENT_TOOL"),
];

/// Maps a tool name to its object and operation (Twenty's naming), or a flag.
pub fn tool(ctx: &Ctx, name: &str) -> Option<Tool> {
    if let Some((_, flag)) = FLAG_TOOLS.iter().find(|(n, _)| *n == name) {
        return Flag::parse(flag).map(Tool::Flagged);
    }
    let p = ctx.policy;
    if let Some(rest) = name.strip_prefix("find_one_") {
        return p.object_id(rest).map(Tool::FindOne);
    }
    if let Some(rest) = name.strip_prefix("find_") {
        return p.object_id_by_plural(rest).map(Tool::Find);
    }
    if let Some(rest) = name.strip_prefix("create_") {
        return p.object_id(rest).map(Tool::Create);
    }
    if let Some(rest) = name.strip_prefix("update_") {
        return p.object_id(rest).map(Tool::Update);
    }
    if let Some(rest) = name.strip_prefix("soft_delete_") {
        return p.object_id(rest).map(Tool::SoftDelete);
    }
    None
}

fn allowed(ctx: &Ctx, t: Tool) -> bool {
    match t {
        Tool::Find(o) | Tool::FindOne(o) => ctx.can(o, Op::Read),
        Tool::Create(o) | Tool::Update(o) => ctx.can(o, Op::Read) && ctx.can(o, Op::Update),
        Tool::SoftDelete(o) => ctx.can(o, Op::SoftDelete),
        Tool::Flagged(f) => ctx.policy.has_flag(ctx.subject, f),
    }
}

/// How to treat the response to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Passthrough,
    ToolsList,
    Records(ObjectId),
}

#[derive(Debug, Clone)]
pub struct McpPlan {
    /// Response handling by JSON-RPC id (notifications have none).
    pub replies: Vec<(Value, Reply)>,
    pub methods: Vec<String>,
    pub tools: Vec<String>,
    pub objects: Vec<String>,
}

const PROTOCOL: &[&str] = &["initialize", "ping", "notifications/initialized", "notifications/cancelled", "tools/list"];

/// Decides an MCP request body. On denial: the JSON-RPC id and why.
#[inline(never)]
pub fn decide(ctx: &Ctx, body: &Value) -> Result<McpPlan, (Value, Denied)> {
    let messages: Vec<&Value> = match body {
        Value::Array(items) if !items.is_empty() && items.len() <= 20 => items.iter().collect(),
        Value::Array(_) => return Err((Value::Null, Denied("a JSON-RPC batch holds 1 to 20 messages".into()))),
        v => vec![v],
    };
    let mut plan = McpPlan { replies: Vec::new(), methods: Vec::new(), tools: Vec::new(), objects: Vec::new() };
    for m in messages {
        let id = m.get("id").cloned().unwrap_or(Value::Null);
        let fail = |why: String| Err((id.clone(), Denied(why)));
        let Some(obj) = m.as_object() else { return fail("a JSON-RPC message is an object".into()) };
        if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return fail("not a JSON-RPC 2.0 message".into());
        }
        for k in obj.keys() {
            if !["jsonrpc", "id", "method", "params"].contains(&k.as_str()) {
                return fail(format!("unknown key \"{k}\" in a JSON-RPC request"));
            }
        }
        // Replies are matched to requests by id, so no two messages of a batch may share one
        // (compared as the upstream will: 1 and 1.0 are one id, an absent id is null): with two,
        // a tool result could be matched to the plan of the other message and skip redaction.
        if plan.replies.iter().any(|(i, _)| same_id(i, &id)) {
            return fail("JSON-RPC ids must be unique within a batch".into());
        }
        let Some(method) = obj.get("method").and_then(Value::as_str) else { return fail("a JSON-RPC request needs a method".into()) };
        plan.methods.push(method.to_string());
        if PROTOCOL.contains(&method) {
            plan.replies.push((id, if method == "tools/list" { Reply::ToolsList } else { Reply::Passthrough }));
            continue;
        }
        if method != "tools/call" {
            return fail(format!("MCP method \"{method}\" is not allowed by the gateway"));
        }
        let params = obj.get("params").and_then(Value::as_object).cloned().unwrap_or_default();
        let Some(name) = params.get("name").and_then(Value::as_str) else { return fail("tools/call needs params.name".into()) };
        plan.tools.push(name.to_string());
        let Some(t) = tool(ctx, name) else { return fail(format!("tool \"{name}\" is not allowed by the gateway")) };
        let args = match params.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(a)) => a.clone(),
            Some(_) => return fail("tool arguments must be an object".into()),
        };
        if let Err(d) = check_call(ctx, t, &args) {
            return Err((id, d));
        }
        let reply = match t {
            Tool::Flagged(_) => Reply::Passthrough,
            Tool::Find(o) | Tool::FindOne(o) | Tool::Create(o) | Tool::Update(o) | Tool::SoftDelete(o) => {
                let n = ctx.name(o).to_string();
                if !plan.objects.contains(&n) {
                    plan.objects.push(n);
                }
                Reply::Records(o)
            }
        };
        plan.replies.push((id, reply));
    }
    Ok(plan)
}

const QUERY_ARGS: &[&str] = &["limit", "offset", "after", "before", "first", "last", "id"];

fn check_call(ctx: &Ctx, t: Tool, args: &Map<String, Value>) -> Result<(), Denied> {
    match t {
        Tool::Flagged(f) => {
            if ctx.policy.has_flag(ctx.subject, f) {
                Ok(())
            } else {
                Err(Denied(format!("this tool needs the {} permission", f.key())))
            }
        }
        Tool::Find(o) | Tool::FindOne(o) => {
            ctx.require(o, Op::Read)?;
            for (k, v) in args {
                match k.as_str() {
                    "filter" => ctx.check_filter(o, v)?,
                    "orderBy" => ctx.check_keyed(o, v, 0)?,
                    "after" | "before" => ctx.check_cursor(o, v)?,
                    q if QUERY_ARGS.contains(&q) => {}
                    // Any other argument is a field to match on, checked as a filter of its
                    // own: a relation's value filters the related records (found in review).
                    field => {
                        let mut one = Map::new();
                        one.insert(field.to_string(), v.clone());
                        ctx.check_filter(o, &Value::Object(one))?;
                    }
                }
            }
            Ok(())
        }
        Tool::Create(o) | Tool::Update(o) => {
            ctx.require(o, Op::Update)?;
            // With `data`, the record is that object and nothing may sit beside it but the
            // update's `id`: Twenty's tools merge remaining arguments into the record too, so a
            // field there would be written unchecked (found in review).
            if args.contains_key("data") {
                if let Some(k) = args.keys().find(|k| !(k.as_str() == "data" || (k.as_str() == "id" && matches!(t, Tool::Update(_))))) {
                    return Err(Denied(format!("unknown argument \"{k}\" beside \"data\"")));
                }
            }
            let (op, record) = match (t, args.get("data")) {
                (Tool::Create(_), Some(d)) => (WriteOp::Create, d.clone()),
                (Tool::Create(_), None) => (WriteOp::Create, Value::Object(args.clone())),
                (_, Some(d)) => (WriteOp::Update, d.clone()),
                (_, None) => {
                    let mut a = args.clone();
                    a.remove("id");
                    (WriteOp::Update, Value::Object(a))
                }
            };
            let check = check_write(ctx.policy, ctx.subject, o, op, Some(&record));
            match check.violations.first() {
                Some(v) => Err(Denied(v.message.clone())),
                None => ctx.check_audit_fields(o, &record),
            }
        }
        Tool::SoftDelete(o) => {
            ctx.require(o, Op::SoftDelete)?;
            for k in args.keys() {
                if k != "id" {
                    return Err(Denied(format!("unknown argument \"{k}\" for a soft delete")));
                }
            }
            Ok(())
        }
    }
}

/// A JSON-RPC error for a denial, with Twenty's permission message.
pub fn denial(id: &Value, why: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {
        "code": -32001,
        "message": format!("{}: {why}", crate::respond::PERMISSION_MESSAGE),
        "data": {"code": "PERMISSION_DENIED"}
    }})
}

/// JSON-RPC ids as the upstream compares them: numbers by value, strings exactly, absent = null.
fn same_id(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64().zip(y.as_f64()).is_some_and(|(x, y)| x == y),
        _ => a == b,
    }
}

/// Redacts MCP responses in place; returns how many things were removed.
#[inline(never)]
pub fn redact(ctx: &Ctx, plan: &McpPlan, body: &mut Value) -> usize {
    let mut removed = 0;
    match body {
        Value::Array(items) => items.iter_mut().for_each(|m| removed += redact_one(ctx, plan, m)),
        m => removed += redact_one(ctx, plan, m),
    }
    removed
}

fn redact_one(ctx: &Ctx, plan: &McpPlan, m: &mut Value) -> usize {
    // Anything but a JSON-RPC message object is nothing the gateway can check: it does not pass.
    let Value::Object(msg) = m else {
        *m = Value::Null;
        return 1;
    };
    let id = msg.get("id").cloned().unwrap_or(Value::Null);
    let reply = plan.replies.iter().find(|(i, _)| same_id(i, &id)).map(|(_, r)| r.clone());
    let mut removed = 0;
    // An error keeps its code and message; its `data` is free-form (it could carry records).
    if let Some(Value::Object(e)) = msg.get_mut("error") {
        let before = e.len();
        e.retain(|k, _| k == "code" || k == "message");
        removed += before - e.len();
    }
    let Some(result) = msg.get_mut("result") else { return removed };
    removed
        + match reply {
            Some(Reply::Passthrough) => 0,
            Some(Reply::ToolsList) => filter_tools(ctx, result),
            Some(Reply::Records(o)) => redact_tool_result(ctx, o, result),
            // a response we did not ask for: nothing of it passes
            None => {
                *result = Value::Null;
                1
            }
        }
}

fn filter_tools(ctx: &Ctx, result: &mut Value) -> usize {
    let Some(tools) = result.get_mut("tools").and_then(Value::as_array_mut) else { return 0 };
    let before = tools.len();
    tools.retain(|t| t.get("name").and_then(Value::as_str).and_then(|n| tool(ctx, n)).is_some_and(|t| allowed(ctx, t)));
    let mut removed = before - tools.len();
    for t in tools.iter_mut() {
        let Some(kind) = t.get("name").and_then(Value::as_str).and_then(|n| tool(ctx, n)) else { continue };
        if let Some(schema) = t.get_mut("inputSchema") {
            removed += prune_schema(ctx, kind, schema, 0);
        }
    }
    removed
}

/// Removes schema properties naming fields the principal may not read (find tools) or update
/// (create/update tools); nested `filter` and `data` schemas are pruned too.
fn prune_schema(ctx: &Ctx, kind: Tool, schema: &mut Value, depth: usize) -> usize {
    let (object, op) = match kind {
        Tool::Find(o) | Tool::FindOne(o) => (o, Op::Read),
        Tool::Create(o) | Tool::Update(o) => (o, Op::Update),
        _ => return 0,
    };
    if depth > 4 {
        return 0;
    }
    let mut removed = Vec::new();
    let mut count = 0;
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        let names: Vec<String> = props.keys().cloned().collect();
        for name in names {
            if ["filter", "data"].contains(&name.as_str()) {
                if let Some(inner) = props.get_mut(&name) {
                    count += prune_schema(ctx, kind, inner, depth + 1);
                }
                continue;
            }
            if name == "orderBy" {
                // an array of {field: direction}: its items name every sortable field
                if let Some(inner) = props.get_mut(&name) {
                    count += prune_schema(ctx, kind, inner, depth + 1);
                    if let Some(items) = inner.get_mut("items") {
                        count += prune_schema(ctx, kind, items, depth + 1);
                    }
                }
                continue;
            }
            if QUERY_ARGS.contains(&name.as_str()) {
                continue;
            }
            let ok = match ctx.resolve(object, &name) {
                Some(_) if op == Op::Read => ctx.readable(object, &name).is_ok(),
                Some(
                    crate::fields::Resolved::Field(f)
                    | crate::fields::Resolved::Relation(f, ..)
                    | crate::fields::Resolved::JoinColumn(f, _),
                ) => ctx.policy.can_field(ctx.subject, object, f, Op::Update),
                None => false,
            };
            if !ok {
                props.remove(&name);
                removed.push(name);
                count += 1;
            }
        }
    }
    if let Some(req) = schema.get_mut("required").and_then(Value::as_array_mut) {
        req.retain(|r| r.as_str().is_none_or(|n| !removed.iter().any(|x| x == n)));
    }
    // Twenty adds a definition `<field>Filter` per option field (its values listed): one for a
    // field the principal may not see goes too.
    for key in ["definitions", "$defs"] {
        if let Some(defs) = schema.get_mut(key).and_then(Value::as_object_mut) {
            let before = defs.len();
            defs.retain(|name, _| {
                let Some(field) = name.strip_suffix("Filter") else { return true };
                op != Op::Read || ctx.resolve(object, field).is_none() || ctx.readable(object, field).is_ok()
            });
            count += before - defs.len();
        }
    }
    count
}

/// A tool result keeps `content`, `structuredContent` and `isError`, each checked; any other
/// key, or a result that is not an object, could carry records past the check and does not pass.
fn redact_tool_result(ctx: &Ctx, object: ObjectId, result: &mut Value) -> usize {
    let Value::Object(r) = result else {
        *result = Value::Null;
        return 1;
    };
    let before = r.len();
    r.retain(|k, v| match k.as_str() {
        "content" | "structuredContent" => true,
        "isError" => v.is_boolean(),
        _ => false,
    });
    let mut removed = before - r.len();
    if let Some(sc) = result.get_mut("structuredContent") {
        removed += redact_records(ctx, object, sc);
    }
    if let Some(items) = result.get_mut("content").and_then(Value::as_array_mut) {
        let before = items.len();
        items.retain_mut(|item| {
            if item.get("type").and_then(Value::as_str) != Some("text") {
                return false; // images, resources: nothing the gateway can check passes
            }
            let Some(text) = item.get("text").and_then(Value::as_str) else { return false };
            match crate::json::parse_strict(text.as_bytes()) {
                Ok(mut v) => {
                    removed += redact_records(ctx, object, &mut v);
                    item["text"] = Value::String(v.to_string());
                    true
                }
                // prose could quote anything: it does not pass
                Err(_) => false,
            }
        });
        removed += before - items.len();
    }
    removed
}

/// Records, arrays of records, or envelopes with records under any key, nested (Twenty's find
/// tools answer `{success, message, result: {records, count}, recordReferences}`).
///
/// An object with an `id` is a record. Any other object is an envelope: arrays in it are
/// records, objects in it are envelopes again (to [`MAX_ENVELOPE_DEPTH`], then records), and
/// of its scalars only counts and status (`totalCount`, `count`, `message`, `success`,
/// `hasNextPage`) stay, and only when no hidden field of the object has that name. Whether a
/// key names a field does not make an envelope a record: an object with a field `result`
/// would otherwise have had the whole `result` kept.
fn redact_records(ctx: &Ctx, object: ObjectId, v: &mut Value) -> usize {
    redact_envelope(ctx, object, v, 0)
}

/// How deep envelopes nest before what is inside is read as records.
const MAX_ENVELOPE_DEPTH: usize = 4;

fn redact_envelope(ctx: &Ctx, object: ObjectId, v: &mut Value, depth: usize) -> usize {
    let policy = ctx.policy;
    match v {
        Value::Object(m) if depth < MAX_ENVELOPE_DEPTH && !m.contains_key("id") => {
            let mut n = 0;
            for (k, val) in m.iter_mut() {
                if val.is_object() {
                    n += redact_envelope(ctx, object, val, depth + 1);
                } else if val.is_array() {
                    n += rolegate_core::redact::redact_value(policy, ctx.subject, object, val).removed;
                } else {
                    let status = ["totalCount", "count", "message", "success", "hasNextPage"].contains(&k.as_str());
                    let hidden_field = ctx.resolve(object, k).is_some() && ctx.readable(object, k).is_err();
                    if !status || hidden_field {
                        *val = Value::Null;
                        n += 1;
                    }
                }
            }
            n
        }
        _ => rolegate_core::redact::redact_value(policy, ctx.subject, object, v).removed,
    }
}
