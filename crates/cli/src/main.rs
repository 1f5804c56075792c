//! `rolegate`: validate snapshots, inspect effective permissions, explain decisions, run
//! policy tests, and manage roles, rules and assignments.
//!
//! Exit codes: 0 ok / allowed, 1 denied or failing tests, 2 invalid input.

/// `say!` for every report line of every command: a reader that stops early (`| head`)
/// ends the output, not the command (no panic, and the exit code still says what happened).
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

/// `eprintln!` that never panics: when standard error is a pipe whose reader went away (EPIPE),
/// `eprintln!` panics (exit 101); this loses the message, not the command's exit code.
macro_rules! warn {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($t)*);
    }};
}

mod admin;
mod args;
mod audit;
mod keys;

use args::*;
use clap::Parser;
use rolegate_core::explain::{explain, Explanation};
use rolegate_core::ops::{apply, Operation};
use rolegate_core::testing::run_file;
use rolegate_core::view::{effective_view, View};
use rolegate_core::{codes, Error, Op, Policy, Principal, Snapshot};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.format;
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            report_error(&e, format);
            ExitCode::from(2)
        }
    }
}

fn report_error(e: &Error, format: Format) {
    match format {
        Format::Json => say!("{}", json!({ "error": e.issues })),
        Format::Text => {
            for i in &e.issues {
                if i.path.is_empty() {
                    warn!("error: {}: {}", i.code, i.message);
                } else {
                    warn!("error: {} at {}: {}", i.code, i.path, i.message);
                }
            }
        }
    }
}

pub(crate) fn read_input(path: &str) -> Result<String, Error> {
    let io_err = |e: std::io::Error| Error::one(codes::INVALID_ARG, "", format!("cannot read {path}: {e}"));
    if path == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(io_err)?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(io_err)
    }
}

pub(crate) fn load_snapshot(path: &str) -> Result<Snapshot, Error> {
    Snapshot::from_json(&read_input(path)?).map_err(|mut e| {
        for i in &mut e.issues {
            i.message = format!("{path}: {}", i.message);
        }
        e
    })
}

pub(crate) fn now_secs(now: &Option<String>) -> Result<i64, Error> {
    match now {
        None => Ok(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)),
        Some(s) => {
            s.parse::<i64>().ok().or_else(|| rolegate_core::model::parse_timestamp(s)).ok_or_else(|| {
                Error::one(codes::INVALID_ARG, "--now", format!("--now \"{s}\" is neither an RFC 3339 time nor Unix seconds"))
            })
        }
    }
}

pub(crate) fn print_json(v: &impl serde::Serialize) {
    // A reader that stops early (`| head`) ends the output, not the command: no panic.
    let _ = writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

fn run(cli: Cli) -> Result<u8, Error> {
    let format = cli.format;
    match cli.command {
        Command::Validate(a) => {
            let path =
                a.snapshot.or(a.file).ok_or_else(|| Error::one(codes::INVALID_ARG, "", "give the snapshot as FILE or --snapshot FILE"))?;
            let s = load_snapshot(&path)?;
            let msg = format!("valid: {}", admin::summary(&s));
            match format {
                Format::Json => print_json(&json!({"valid": true, "workspaceId": s.workspace_id, "revision": s.revision})),
                Format::Text => say!("{msg}"),
            }
            Ok(0)
        }
        Command::Effective(a) => {
            let policy = Policy::compile(load_snapshot(&a.snapshot)?)?;
            let principal = a.principal.principal()?;
            let subject = policy.resolve(&principal, now_secs(&a.now)?)?;
            let view = effective_view(&policy, &principal, &subject);
            match format {
                Format::Json => print_json(&view),
                Format::Text => print_view_text(&view),
            }
            Ok(0)
        }
        Command::Explain(a) => {
            let policy = Policy::compile(load_snapshot(&a.snapshot)?)?;
            let principal = a.principal.principal()?;
            let op = Op::parse(&a.op).ok_or_else(|| {
                Error::one(
                    codes::INVALID_ARG,
                    "--op",
                    format!("unknown op \"{}\" (read, update, softDelete, destroy, create, restore)", a.op),
                )
            })?;
            let e = explain(&policy, &principal, now_secs(&a.now)?, &a.object, a.field.as_deref(), op)?;
            match format {
                Format::Json => print_json(&e),
                Format::Text => print_explain_text(&e),
            }
            if e.level == rolegate_core::explain::Level::UnknownPrincipal {
                if format == Format::Text {
                    warn!("error: {}: {}", codes::UNKNOWN_PRINCIPAL, e.reason);
                }
                return Ok(2);
            }
            Ok(if e.allowed { 0 } else { 1 })
        }
        Command::Test(a) => {
            let now = now_secs(&a.now)?;
            let reports: Vec<_> = a.files.iter().map(|f| run_file(std::path::Path::new(f), now)).collect();
            let passed: usize = reports.iter().map(|r| r.passed).sum();
            let failed: usize = reports.iter().map(|r| r.failed).sum();
            match format {
                Format::Json => print_json(&json!({"passed": passed, "failed": failed, "suites": reports})),
                Format::Text => {
                    for r in &reports {
                        for line in r.failure_lines() {
                            say!("{line}");
                        }
                    }
                    say!("{passed} passed, {failed} failed");
                }
            }
            Ok(if failed > 0 { 1 } else { 0 })
        }
        Command::Role(r) => manage_op(r.operation()?, format),
        Command::Rule(r) => manage_op(r.operation()?, format),
        Command::Assign(r) => manage_op(r.operation()?, format),
        Command::Member(r) => manage_op(r.operation()?, format),
        Command::ApiKey(r) => {
            let ApiKeyCmd::Revoke(a) = &r.cmd;
            manage_op(r.operation(now_secs(&a.at)?)?, format)
        }
        Command::Keygen(a) => keys::keygen(&a, format),
        Command::Sign(a) => keys::sign(&a, format),
        Command::Verify(a) => keys::verify(&a, format),
        Command::Push(a) => keys::push(&a, format),
        Command::Audit(a) => audit::run(&a, format),
        Command::Token(TokenArgs { cmd: TokenCmd::Agent(a) }) => {
            let s = load_snapshot(&a.snapshot)?;
            let principal = match (&a.workflow, &a.on_behalf_of) {
                (Some(w), _) => Principal::AgentInWorkflow { agent: a.agent.clone(), workflow: w.clone() },
                (_, Some(m)) => Principal::AgentOnBehalfOf { agent: a.agent.clone(), member: m.clone() },
                _ => Principal::Agent(a.agent.clone()),
            };
            Policy::compile(s.clone())?.resolve(&principal, 0)?;
            let secret = secret_from_env(&a.secret_env, "the gateway's AGENT_TOKEN_SECRET")?;
            let (now, exp) = lifetime(&a.ttl)?;
            if exp - now > rolegate_gateway::auth::MAX_AGENT_TOKEN_SECONDS {
                let max = rolegate_gateway::auth::MAX_AGENT_TOKEN_SECONDS / 3600;
                return Err(Error::one(
                    codes::INVALID_ARG,
                    "--ttl",
                    format!("agent tokens live at most {max}h (the gateway refuses longer ones)"),
                ));
            }
            let mut jti = [0u8; 12];
            getrandom::getrandom(&mut jti).map_err(|e| Error::one(codes::INTERNAL, "", format!("no randomness: {e}")))?;
            let jti: String = jti.iter().map(|b| format!("{b:02x}")).collect();
            let token = rolegate_gateway::auth::mint_agent_token(
                &secret,
                &s.workspace_id,
                &a.agent,
                a.workflow.as_deref(),
                a.on_behalf_of.as_deref(),
                now,
                exp,
                &jti,
            );
            say!("{token}");
            Ok(0)
        }
        Command::Token(TokenArgs { cmd: TokenCmd::ApiKey(a) }) => {
            let s = load_snapshot(&a.snapshot)?;
            if !s.api_keys.iter().any(|k| k.id == a.api_key) {
                return Err(Error::one(
                    codes::API_KEY_NOT_FOUND,
                    "--api-key",
                    format!("API key \"{}\" is not in {}", a.api_key, a.snapshot),
                ));
            }
            let secret = secret_from_env(&a.secret_env, "Twenty's APP_SECRET")?;
            let (now, exp) = lifetime(&a.ttl)?;
            let token = rolegate_gateway::auth::mint_api_key_token(&secret, &s.workspace_id, &a.api_key, now, exp, "API_KEY");
            say!("{token}");
            Ok(0)
        }
        Command::Import(ImportArgs { cmd: ImportCmd::Twenty(a) }) => admin::import_twenty(&a, format),
        Command::Sync(a) => admin::sync(&a, format),
        Command::Diff(a) => admin::diff_cmd(&a, format),
        Command::WhoCan(a) => admin::who_can_cmd(&a, format),
        Command::Apply(a) => {
            let op = a.operation_value()?;
            manage(&a.snapshot, a.out.as_deref(), op, format)
        }
    }
}

/// A signing secret from the environment variable `name` (never from the command line).
fn secret_from_env(name: &str, what: &str) -> Result<String, Error> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::one(codes::INVALID_ARG, "--secret-env", format!("set {name} to {what}")))
}

/// `(now, now + ttl)` in Unix seconds.
fn lifetime(ttl: &str) -> Result<(i64, i64), Error> {
    let now = now_secs(&None)?;
    Ok((now, now + args::parse_ttl(ttl)?))
}

fn manage_op((snapshot, out, op): (String, Option<String>, Value), format: Format) -> Result<u8, Error> {
    manage(&snapshot, out.as_deref(), op, format)
}

/// Applies an operation and writes the new snapshot to `out` (or stdout).
fn manage(snapshot_path: &str, out: Option<&str>, op: Value, format: Format) -> Result<u8, Error> {
    let snapshot = load_snapshot(snapshot_path)?;
    let op = Operation::from_value(&op)?;
    let next = apply(&snapshot, &op)?;
    let text = serde_json::to_string_pretty(&next).unwrap_or_default() + "\n";
    match out {
        Some(path) if path != "-" => {
            std::fs::write(path, text).map_err(|e| Error::one(codes::INVALID_ARG, "--out", format!("cannot write {path}: {e}")))?;
            let msg = format!("{}: {} applied; revision {} -> {}", path, op.name(), snapshot.revision, next.revision);
            match format {
                Format::Json => print_json(&json!({"ok": true, "op": op.name(), "revision": next.revision, "out": path})),
                Format::Text => warn!("{msg}"),
            }
        }
        _ => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            let _ = lock.write_all(text.as_bytes());
        }
    }
    Ok(0)
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "-"
    }
}

fn print_view_text(v: &View) {
    say!(
        "{} (status {}, roles: {}) in workspace {} revision {}",
        principal_words(&v.principal),
        v.status.as_str(),
        if v.roles.is_empty() { "none".to_string() } else { v.roles.join(", ") },
        v.workspace_id,
        v.revision
    );
    say!();
    say!("{:<22} {:>5} {:>7} {:>11} {:>8}", "object", "read", "update", "softDelete", "destroy");
    for (name, o) in &v.objects {
        say!("{:<22} {:>5} {:>7} {:>11} {:>8}", name, yes(o.can_read), yes(o.can_update), yes(o.can_soft_delete), yes(o.can_destroy));
        if o.can_read {
            let hidden: Vec<&str> = o.fields.iter().filter(|(_, f)| !f.can_read).map(|(n, _)| n.as_str()).collect();
            let see_only: Vec<&str> =
                o.fields.iter().filter(|(_, f)| f.can_read && !f.can_update && o.can_update).map(|(n, _)| n.as_str()).collect();
            if !hidden.is_empty() {
                say!("    no access: {}", hidden.join(", "));
            }
            if !see_only.is_empty() {
                say!("    see only:  {}", see_only.join(", "));
            }
        }
    }
    let flags: Vec<&str> = v.permission_flags.iter().filter(|(_, b)| **b).map(|(k, _)| k.as_str()).collect();
    say!();
    say!("flags: {}", if flags.is_empty() { "none".to_string() } else { flags.join(", ") });
}

fn principal_words(p: &Principal) -> String {
    p.to_string()
}

fn print_explain_text(e: &Explanation) {
    let target = match &e.field {
        Some(f) => format!("{}.{}", e.object, f),
        None => e.object.clone(),
    };
    say!("{} {} {} for {}", e.decision.to_uppercase(), e.op.as_str(), target, e.principal);
    say!("  decided by: {}{}", e.level.as_str(), e.role.as_ref().map(|r| format!(" (role \"{r}\")")).unwrap_or_default());
    say!("  because: {}", e.reason);
    if e.roles.len() > 1 {
        for r in &e.roles {
            say!("  - role \"{}\": {} ({}): {}", r.role, if r.allowed { "allows" } else { "denies" }, r.level.as_str(), r.reason);
        }
    }
}
