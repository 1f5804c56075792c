//! Admin tooling: `rolegate import twenty`, `rolegate sync`, `rolegate diff`, `rolegate who-can`.

use crate::args::{DiffArgs, Format, ImportTwenty, MappingArgs, PushArgs, SignArgs, SyncArgs, WhoCanArgs};
use crate::{load_snapshot, now_secs, print_json, read_input};
use rolegate_core::diff::{diff, Diff};
use rolegate_core::twenty::{self, Answers, Imported};
use rolegate_core::who_can::{who_can, Query};
use rolegate_core::{codes, Error, Flag, Op, Policy, Snapshot};
use serde_json::{json, Value};
use std::time::Duration;

fn bad(path: &str, msg: String) -> Error {
    Error::one(codes::INVALID_ARG, path, msg)
}

fn parse_answer(path: &str, flag: &str) -> Result<Value, Error> {
    let text = read_input(path)?;
    rolegate_core::tree::value_from_str(&text).map_err(|e| Error::one(codes::INVALID_JSON, flag, format!("{path} is not valid JSON: {e}")))
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(1)
}

fn options(m: &MappingArgs) -> Result<(twenty::Options, Option<Snapshot>), Error> {
    let previous = m.previous.as_deref().map(load_snapshot).transpose()?;
    let revision = match (&previous, m.revision) {
        (Some(p), _) => p.revision.checked_add(1).ok_or_else(|| {
            bad("--previous", format!("the previous snapshot's revision {} is the last possible one: no later revision exists", p.revision))
        })?,
        (None, Some(r)) => r,
        (None, None) => unix_now(),
    };
    Ok((
        twenty::Options {
            workspace_id: m.workspace_id.clone(),
            default_role: m.default_role.clone(),
            admin_role: m.admin_role.clone(),
            revision,
            api_keys_without_role: m.api_keys_without_role.clone(),
            previous: previous.clone(),
        },
        previous,
    ))
}

fn write_out(out: &Option<String>, snapshot: &Snapshot) -> Result<(), Error> {
    let text = snapshot.to_json_pretty() + "\n";
    match out.as_deref() {
        Some(p) if p != "-" => std::fs::write(p, text).map_err(|e| bad("--out", format!("cannot write {p}: {e}"))),
        _ => {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush())
                .map_err(|e| bad("--out", format!("cannot write the snapshot to standard output: {e}")))
        }
    }
}

/// One line on a snapshot: what it holds (`validate` and `import` print it).
pub(crate) fn summary(s: &Snapshot) -> String {
    let rules: usize = s.roles.iter().map(|r| r.object_permissions.len() + r.field_permissions.len()).sum();
    format!(
        "workspace {} revision {}: {} objects, {} roles ({rules} object and field rules), {} members, {} API keys, {} agents, {} workflows",
        s.workspace_id,
        s.revision,
        s.objects.len(),
        s.roles.len(),
        s.members.len(),
        s.api_keys.len(),
        s.agents.len(),
        s.workflows.len()
    )
}

/// The diff against the previous snapshot, printed on standard error (text) for the admin.
fn show_changes(previous: &Option<Snapshot>, new: &Snapshot) -> Result<Option<Diff>, Error> {
    let Some(p) = previous else { return Ok(None) };
    let d = diff(&Policy::compile(p.clone())?, &Policy::compile(new.clone())?, unix_now() as i64);
    Ok(Some(d))
}

fn report_import(imported: &Imported, changes: &Option<Diff>, out: &Option<String>, format: Format, extra: Value) {
    let to_stdout = out.as_deref().is_none_or(|p| p == "-");
    match format {
        Format::Json => {
            let mut v = json!({
                "ok": true,
                "workspaceId": imported.snapshot.workspace_id,
                "revision": imported.snapshot.revision,
                "objects": imported.snapshot.objects.len(),
                "roles": imported.snapshot.roles.len(),
                "members": imported.snapshot.members.len(),
                "apiKeys": imported.snapshot.api_keys.len(),
                "agents": imported.snapshot.agents.len(),
                "notes": imported.notes,
                "out": out,
                "changes": changes,
            });
            if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
                o.extend(e.clone());
            }
            // With the snapshot on standard output, the report goes to standard error.
            if to_stdout {
                warn!("{}", serde_json::to_string(&v).unwrap_or_default());
            } else {
                print_json(&v);
            }
        }
        Format::Text => {
            for n in &imported.notes {
                warn!("note: {n}");
            }
            if let Some(d) = changes {
                let lines = d.lines();
                if lines.is_empty() {
                    warn!("no permission changes since revision {}", d.old_revision);
                } else {
                    warn!("changes since revision {}:", d.old_revision);
                    for l in lines {
                        warn!("  {l}");
                    }
                }
            }
            warn!(
                "imported {}{}",
                summary(&imported.snapshot),
                out.as_deref().filter(|p| *p != "-").map(|p| format!(" -> {p}")).unwrap_or_default()
            );
        }
    }
}

fn print_queries(format: Format) {
    let commands: Vec<Value> = twenty::QUERIES
        .iter()
        .map(|(file, endpoint, query)| {
            let body = serde_json::to_string(&json!({ "query": query })).unwrap_or_default();
            let curl = format!(
                "curl -sS \"$TWENTY_URL{endpoint}\" -H \"Authorization: Bearer $TWENTY_API_KEY\" -H 'content-type: application/json' \\\n  --data '{}' > {file}",
                body.replace('\'', "'\\''")
            );
            json!({"file": file, "endpoint": endpoint, "query": query, "body": body, "curl": curl})
        })
        .collect();
    if format == Format::Json {
        print_json(&json!({ "queries": commands }));
        return;
    }
    say!("# The answers `rolegate import twenty` reads. Run each against your Twenty server");
    say!("# (an API key whose role has the Roles, Data model and API keys settings permissions):");
    say!("#   export TWENTY_URL=https://crm.example.com TWENTY_API_KEY=...");
    for c in &commands {
        say!(
            "\n# {}  (POST {})\n{}\n",
            c["file"].as_str().unwrap_or_default(),
            c["endpoint"].as_str().unwrap_or_default(),
            c["query"].as_str().unwrap_or_default()
        );
        say!("{}", c["curl"].as_str().unwrap_or_default());
    }
}

pub fn import_twenty(a: &ImportTwenty, format: Format) -> Result<u8, Error> {
    if a.queries {
        print_queries(format);
        return Ok(0);
    }
    let (objects, roles) = match (&a.objects, &a.roles) {
        (Some(o), Some(r)) => (o, r),
        _ => return Err(bad("--objects", "give --objects and --roles (or --queries)".into())),
    };
    let objects = parse_answer(objects, "--objects")?;
    let roles = parse_answer(roles, "--roles")?;
    let api_keys = a.api_keys.as_deref().map(|p| parse_answer(p, "--api-keys")).transpose()?;
    let members = a.members.as_deref().map(|p| parse_answer(p, "--members")).transpose()?;
    let (opts, previous) = options(&a.mapping)?;
    let imported =
        twenty::import(&Answers { objects: &objects, roles: &roles, api_keys: api_keys.as_ref(), members: members.as_ref() }, &opts)?;
    let changes = show_changes(&previous, &imported.snapshot)?;
    write_out(&a.out, &imported.snapshot)?;
    report_import(&imported, &changes, &a.out, format, json!({}));
    Ok(0)
}

/// One GraphQL call to the Twenty server, with errors that say what to fix.
fn post(agent: &ureq::Agent, url: &str, key: &str, query: &str, what: &str) -> Result<Value, Error> {
    let body = serde_json::to_string(&json!({ "query": query })).unwrap_or_default();
    let net = |e: ureq::Error| Error::one(codes::INTERNAL, "--url", format!("{what}: cannot reach {url}: {e}"));
    let mut resp = agent
        .post(url)
        .header("Authorization", &format!("Bearer {key}"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .send(body.as_str())
        .map_err(net)?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().with_config().limit(256 << 20).read_to_string().map_err(net)?;
    let hint = match status {
        401 => " (is the API key valid, not revoked or expired?)",
        403 => " (does the API key's role have the Roles, Data model and API keys settings permissions?)",
        404 => " (is --url the Twenty server's base URL?)",
        _ => "",
    };
    if !(200..300).contains(&status) {
        let snippet: String = text.chars().take(300).collect();
        return Err(Error::one(codes::INTERNAL, "--url", format!("{what}: {url} answered HTTP {status}{hint}: {snippet}")));
    }
    rolegate_core::tree::value_from_str(&text)
        .map_err(|e| Error::one(codes::INVALID_JSON, "--url", format!("{what}: {url} did not answer JSON: {e}")))
}

pub fn sync(a: &SyncArgs, format: Format) -> Result<u8, Error> {
    let key = std::env::var(&a.api_key_env)
        .ok()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| bad("--api-key-env", format!("the environment variable {} (a Twenty API key) is not set", a.api_key_env)))?;
    let base = a.url.trim_end_matches('/');
    let host = a.url.strip_prefix("https://").or_else(|| a.url.strip_prefix("http://")).map(|h| h.trim_matches('/'));
    if host.is_none_or(str::is_empty) {
        let what =
            if host.is_some() { "needs a host after the scheme" } else { "must start with https:// (or http:// for a local server)" };
        return Err(bad("--url", format!("--url \"{}\" {what}", a.url)));
    }
    // What signing and pushing need is checked before the server is asked anything.
    let snap_path = match (&a.sign_key, a.out.as_deref()) {
        (Some(_), Some(p)) if p != "-" => Some(p.to_string()),
        (Some(_), _) => return Err(bad("--out", "--sign-key needs --out FILE (the snapshot that is signed)".into())),
        (None, _) => None,
    };
    if a.push && !a.local && a.namespace_id.is_none() {
        return Err(bad("--push", "--push needs --local or --namespace-id".into()));
    }
    if let Some(k) = &a.sign_key {
        crate::keys::check_signing_key(k).map_err(|mut e| {
            for i in &mut e.issues {
                i.path = "--sign-key".into();
            }
            e
        })?;
    }
    let (opts, previous) = options(&a.mapping)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(a.timeout)))
        .http_status_as_error(false)
        .user_agent(concat!("rolegate/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut answers = Vec::with_capacity(twenty::QUERIES.len());
    for (file, endpoint, query) in twenty::QUERIES {
        let url = format!("{base}{endpoint}");
        let what = file.trim_end_matches(".json");
        {
            use std::io::Write as _;
            let _ = write!(std::io::stderr().lock(), "fetching {what} from {url} ... ");
        }
        let v = post(&agent, &url, &key, query, what).inspect_err(|_| warn!())?;
        let count = count_items(&v);
        warn!("{count}");
        if let Some(dir) = &a.save_answers {
            std::fs::create_dir_all(dir).map_err(|e| bad("--save-answers", format!("cannot create {dir}: {e}")))?;
            let p = std::path::Path::new(dir).join(file);
            std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap_or_default() + "\n")
                .map_err(|e| bad("--save-answers", format!("cannot write {}: {e}", p.display())))?;
        }
        answers.push(v);
    }
    warn!("mapping Twenty's ids to names and validating ...");
    let imported = twenty::import(
        &Answers { objects: &answers[0], roles: &answers[1], api_keys: Some(&answers[2]), members: Some(&answers[3]) },
        &opts,
    )?;
    let changes = show_changes(&previous, &imported.snapshot)?;
    write_out(&a.out, &imported.snapshot)?;
    let mut extra = json!({"url": base});
    if let (Some(k), Some(snap_path)) = (&a.sign_key, snap_path) {
        let env_path = a.envelope_out.clone().unwrap_or_else(|| format!("{}.envelope.json", snap_path.trim_end_matches(".json")));
        crate::keys::sign(&SignArgs { key: k.clone(), snapshot: snap_path.clone(), out: Some(env_path.clone()) }, Format::Text)?;
        extra["envelope"] = json!(env_path);
        if a.push {
            warn!("pushing revision {} to KV ...", imported.snapshot.revision);
            crate::keys::push(
                &PushArgs {
                    envelope: env_path,
                    local: a.local,
                    namespace_id: a.namespace_id.clone(),
                    binding: a.binding.clone(),
                    public_keys: None,
                    wrangler: a.wrangler.clone(),
                    dry_run: false,
                },
                Format::Text,
            )?;
            extra["pushed"] = json!(true);
        }
    }
    report_import(&imported, &changes, &a.out, format, extra);
    Ok(0)
}

/// `14 objects`, `6 roles`, ... for progress lines.
fn count_items(v: &Value) -> String {
    let d = v.get("data").unwrap_or(v);
    let n = |x: &Value| x.as_array().map(Vec::len).or_else(|| x.get("edges").and_then(Value::as_array).map(Vec::len));
    let mut parts = Vec::new();
    for (k, label) in [("objects", "objects"), ("getRoles", "roles"), ("apiKeys", "API keys"), ("workspaceMembers", "workspace members")] {
        if let Some(c) = d.get(k).and_then(n) {
            parts.push(format!("{c} {label}"));
        }
    }
    if parts.is_empty() {
        "answered".into()
    } else {
        parts.join(", ")
    }
}

pub fn diff_cmd(a: &DiffArgs, format: Format) -> Result<u8, Error> {
    let old = Policy::compile(load_snapshot(&a.old)?)?;
    let new = Policy::compile(load_snapshot(&a.new)?)?;
    let d = diff(&old, &new, now_secs(&a.now)?);
    match format {
        Format::Json => print_json(&d),
        Format::Text => {
            let lines = d.lines();
            for l in &lines {
                say!("{l}");
            }
            if lines.is_empty() {
                say!("no changes: revision {} → {} grants exactly the same", d.old_revision, d.new_revision);
            } else {
                say!(
                    "{} gained, {} lost across {} roles and principals (revision {} → {}){}",
                    d.gains,
                    d.losses,
                    d.subjects.len(),
                    d.old_revision,
                    d.new_revision,
                    if d.widens { ": access widens" } else { "" }
                );
            }
        }
    }
    Ok(if d.widens { 1 } else { 0 })
}

pub fn who_can_cmd(a: &WhoCanArgs, format: Format) -> Result<u8, Error> {
    let policy = Policy::compile(load_snapshot(&a.snapshot)?)?;
    let query = match (&a.flag, &a.object, &a.op) {
        (Some(f), _, _) => Query::Flag(
            Flag::parse(f).ok_or_else(|| Error::one(codes::UNKNOWN_FLAG, "--flag", format!("unknown permission flag \"{f}\"")))?,
        ),
        (None, Some(o), Some(op)) => Query::Op {
            object: o.clone(),
            field: a.field.clone(),
            op: Op::parse(op)
                .ok_or_else(|| bad("--op", format!("unknown op \"{op}\" (read, update, softDelete, destroy, create, restore)")))?,
        },
        _ => return Err(bad("--object", "give --object with --op (and optionally --field), or --flag".into())),
    };
    let w = who_can(&policy, &query, now_secs(&a.now)?)?;
    match format {
        Format::Json => print_json(&w),
        Format::Text => {
            say!(
                "who can {} (workspace {} revision {}): {} of {} roles and principals",
                w.query,
                w.workspace_id,
                w.revision,
                w.allowed.len(),
                w.considered
            );
            let snap = policy.snapshot();
            let title = |h: &rolegate_core::who_can::Holder| match h.kind {
                rolegate_core::diff::Kind::Role => format!("Role {}", h.name),
                k => format!("{}{}", k.prefix(), h.name),
            };
            let width = w.allowed.iter().map(|h| title(h).chars().count()).max().unwrap_or(0);
            for h in &w.allowed {
                // Name roles by their labels in the sentence (ids are Twenty's UUIDs after an import).
                let mut reason = h.reason.clone();
                for r in &snap.roles {
                    reason = reason.replace(&format!("role \"{}\"", r.id), &format!("role \"{}\"", r.label));
                }
                say!("  {:<width$}  {:<15} {reason}", title(h), h.level);
            }
        }
    }
    Ok(0)
}
