//! Runs the `rolegate` binary on the fixture and on broken inputs: messages and exit codes.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn shared() -> PathBuf {
    match std::env::var_os("ROLEGATE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

fn fixture() -> String {
    shared().join("fixtures/workspace.json").display().to_string()
}

fn rolegate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rolegate")).args(args).output().expect("run rolegate")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code (no signal)")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str, content: &str) -> String {
    let dir = std::env::temp_dir().join(format!("rolegate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.display().to_string()
}

fn no_panic(o: &Output) {
    let e = stderr(o);
    assert!(!e.contains("panicked") && !e.contains("RUST_BACKTRACE"), "panic: {e}");
}

#[test]
fn validate_fixture() {
    let o = rolegate(&["validate", &fixture()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("valid: workspace 6f1c2d3e"), "{}", stdout(&o));
}

#[test]
fn effective_json_is_the_contract_view() {
    let o = rolegate(&["effective", "--snapshot", &fixture(), "--api-key", "5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["format"], "rolegate-view/v1");
    assert_eq!(v["principal"]["apiKey"], "5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f");
    assert_eq!(v["objects"]["person"]["fields"]["address"]["canRead"], false);
    assert_eq!(v["objects"]["opportunity"]["canRead"], false);
}

#[test]
fn effective_for_agent_in_workflow_and_unknown_principal() {
    let o = rolegate(&["effective", "--snapshot", &fixture(), "--agent", "agent-sales", "--workflow", "wf-enrich", "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["roles"], serde_json::json!(["sales-agent", "workflow-runner"]));
    let o = rolegate(&["effective", "--snapshot", &fixture(), "--member", "m-nobody"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("UNKNOWN_PRINCIPAL") && stderr(&o).contains("m-nobody"), "{}", stderr(&o));
    let o = rolegate(&["effective", "--snapshot", &fixture(), "--role", "intern", "--workflow", "wf-enrich"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("only go with --agent"), "{}", stderr(&o));
}

#[test]
fn explain_exit_codes() {
    let f = fixture();
    let o = rolegate(&["explain", "--snapshot", &f, "--role", "intern", "--object", "person", "--field", "address", "--op", "read"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("DENY read person.address") && stdout(&o).contains("fieldRule"), "{}", stdout(&o));
    let o = rolegate(&[
        "explain", "--snapshot", &f, "--role", "intern", "--object", "person", "--field", "jobTitle", "--op", "update", "--format", "json",
    ]);
    assert_eq!(code(&o), 0);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!((v["decision"].as_str(), v["level"].as_str()), (Some("allow"), Some("objectRule")));
    let o = rolegate(&["explain", "--snapshot", &f, "--role", "intern", "--object", "persons", "--op", "read"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("OBJECT_METADATA_NOT_FOUND"), "{}", stderr(&o));
    let o = rolegate(&["explain", "--snapshot", &f, "--role", "intern", "--object", "person", "--op", "delete-everything"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("unknown op"), "{}", stderr(&o));
}

#[test]
fn broken_inputs_get_precise_errors() {
    let text = std::fs::read_to_string(fixture()).unwrap();
    let truncated = tmp("truncated.json", &text[..text.len() / 3]);
    let o = rolegate(&["validate", &truncated]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("INVALID_JSON") && stderr(&o).contains("line"), "{}", stderr(&o));
    no_panic(&o);

    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["roles"][2]["canReed"] = serde_json::json!(true);
    let o = rolegate(&["validate", &tmp("unknown-key.json", &v.to_string())]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("INVALID_ARG at roles[2].canReed") && stderr(&o).contains("role \"intern\""), "{}", stderr(&o));

    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["apiKeys"][0]["roleId"] = serde_json::json!("ghost");
    v["defaultRoleId"] = serde_json::json!("nope");
    let o = rolegate(&["validate", &tmp("dangling.json", &v.to_string()), "--format", "json"]);
    assert_eq!(code(&o), 2);
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let codes: Vec<&str> = out["error"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"ROLE_NOT_FOUND") && codes.contains(&"DEFAULT_ROLE_NOT_FOUND"), "{codes:?}");

    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["roles"][2]["objectPermissions"] = serde_json::json!([{"object": "company", "canRead": false, "canUpdate": true}]);
    let o = rolegate(&["validate", &tmp("write-without-read.json", &v.to_string())]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("CANNOT_GIVE_WRITING_PERMISSION_ON_NON_READABLE_OBJECT at roles[2].objectPermissions[0].canUpdate"),
        "{}",
        stderr(&o)
    );

    let o = rolegate(&["validate", "/nonexistent/ws.json"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot read /nonexistent/ws.json"));
    let o = rolegate(&["validate", &tmp("binary.json", "\u{0}\u{1}garbage")]);
    assert_eq!(code(&o), 2);
    no_panic(&o);
    let o = rolegate(&["frobnicate"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn policy_tests_pass_and_fail_with_the_right_exit_code() {
    let conf = shared().join("conformance/intern-example.json").display().to_string();
    let o = rolegate(&["test", &conf]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).trim_end().ends_with("43 passed, 0 failed"), "{}", stdout(&o));

    let failing = tmp(
        "failing.json",
        &format!(
            r#"{{"name":"wrong on purpose","snapshot":{:?},"tests":[
              {{"name":"intern sees addresses (false)","as":{{"role":"intern"}},"object":"person","field":"address","expect":{{"canRead":true}}}},
              {{"name":"intern reads people","as":{{"role":"intern"}},"object":"person","expect":{{"canRead":true}}}}]}}"#,
            fixture()
        ),
    );
    let o = rolegate(&["test", &failing]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains("intern sees addresses (false): expected {\"canRead\":true}, got {\"canRead\":false}"), "{out}");
    assert!(out.trim_end().ends_with("1 passed, 1 failed"), "{out}");

    let o = rolegate(&["test", "/nonexistent/tests.json"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("0 passed, 1 failed"), "{}", stdout(&o));
}

#[test]
fn management_commands_write_new_snapshots() {
    let f = fixture();
    let out = tmp("managed.json", "");
    let o = rolegate(&[
        "rule", "field", "--snapshot", &f, "--role", "intern", "--object", "person", "--field", "jobTitle", "--update", "false", "--out",
        &out,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = rolegate(&["explain", "--snapshot", &out, "--role", "intern", "--object", "person", "--field", "jobTitle", "--op", "update"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["revision"], 13);

    let o = rolegate(&["role", "delete", "--snapshot", &f, "--id", "admin"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("ROLE_NOT_EDITABLE"), "{}", stderr(&o));
    let o = rolegate(&["assign", "member", "--snapshot", &f, "--id", "m-ada", "--role", "member", "--actor", "m-carol"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("CANNOT_UNASSIGN_LAST_ADMIN"), "{}", stderr(&o));
    let o = rolegate(&[
        "role", "create", "--snapshot", &f, "--id", "support", "--label", "Support", "--read", "--update", "--assignable",
        "users,api-keys", "--flags", "EXPORT_CSV",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["roles"][6]["id"], "support");
    assert_eq!(v["roles"][6]["canBeAssignedToAgents"], false);
    let o = rolegate(&["rule", "flags", "--snapshot", &f, "--role", "intern", "--flags", "EXPORT_PDF"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("INVALID_SETTING at flags[0]"), "{}", stderr(&o));
    let o =
        rolegate(&["api-key", "revoke", "--snapshot", &f, "--id", "5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f", "--at", "2026-01-01T00:00:00Z"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["apiKeys"][0]["revokedAt"], "2026-01-01T00:00:00Z");
    let o = rolegate(&["member", "add", "--snapshot", &f, "--id", "m-new", "--name", "New"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["members"][5]["roleId"], "member");
    let o = rolegate(&["apply", "--snapshot", &f, "--operation", r#"{"op":"setDefaultRole","roleId":"sales-agent"}"#]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("ROLE_CANNOT_BE_ASSIGNED_TO_USERS"), "{}", stderr(&o));
}

#[test]
fn help_has_examples() {
    let o = rolegate(&["--help"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("Examples:") && stdout(&o).contains("rolegate explain"));
    let o = rolegate(&["rule", "field", "--help"]);
    assert!(stdout(&o).contains("Example:"));
}

#[test]
fn keygen_sign_verify() {
    let dir = std::env::temp_dir().join(format!("rolegate-keys-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("key.json").display().to_string();
    let env = dir.join("env.json").display().to_string();
    let o = rolegate(&["keygen", "--key-id", "k7", "--out", &key]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let public: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert!(public["k7"].as_str().unwrap().len() >= 43);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // never overwrite a key
    let o = rolegate(&["keygen", "--out", &key]);
    assert_eq!(code(&o), 2);
    let o = rolegate(&["sign", "--key", &key, "--snapshot", &fixture(), "--out", &env]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let keys = public.to_string();
    let o = rolegate(&["verify", "--envelope", &env, "--public-keys", &keys, "--workspace", "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("revision 12"));
    let o = rolegate(&["verify", "--envelope", &env, "--public-keys", &keys, "--min-revision", "13", "--format", "json"]);
    assert_eq!(code(&o), 1);
    assert_eq!(serde_json::from_str::<Value>(&stdout(&o)).unwrap()["code"], "STALE_REVISION");
    // push checks the envelope's shape even without public keys: what the worker would refuse
    // is not written
    let o = rolegate(&["push", "--envelope", &env, "--local", "--dry-run"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("kv key put workspace:6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"), "{}", stdout(&o));
    let good: Value = serde_json::from_str(&std::fs::read_to_string(&env).unwrap()).unwrap();
    for (key, value, why) in [
        ("format", "bogus", "MALFORMED_ENVELOPE"),
        ("signature", "not-a-signature", "MALFORMED_ENVELOPE"),
        ("keyId", "", "MALFORMED_ENVELOPE"),
    ] {
        let mut e = good.clone();
        e[key] = Value::String(value.into());
        let path = tmp(&format!("bad-envelope-{key}.json"), &e.to_string());
        let o = rolegate(&["push", "--envelope", &path, "--local", "--dry-run"]);
        no_panic(&o);
        assert_eq!(code(&o), 2, "{key}: {}", stdout(&o));
        assert!(stderr(&o).contains(why), "{key}: {}", stderr(&o));
    }
    // tampering breaks the signature
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(&env).unwrap()).unwrap();
    e["payload"] = Value::String(e["payload"].as_str().unwrap().replace("\"Intern\"", "\"Admin2\""));
    std::fs::write(&env, e.to_string()).unwrap();
    let o = rolegate(&["verify", "--envelope", &env, "--public-keys", &keys]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("BAD_SIGNATURE"), "{}", stdout(&o));
    // signing an invalid snapshot is refused with the validation error
    let bad = tmp("bad-snapshot.json", "{\"format\":\"rolegate/v1\"}");
    let o = rolegate(&["sign", "--key", &key, "--snapshot", &bad]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("missing required key"), "{}", stderr(&o));
}

#[test]
fn agent_and_api_key_tokens() {
    let f = fixture();
    let run =
        |args: &[&str], env: (&str, &str)| Command::new(env!("CARGO_BIN_EXE_rolegate")).args(args).env(env.0, env.1).output().unwrap();
    let o = run(
        &["token", "agent", "--snapshot", &f, "--agent", "agent-sales", "--workflow", "wf-enrich", "--ttl", "15m"],
        ("AGENT_TOKEN_SECRET", "s3cret"),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let token = stdout(&o).trim().to_string();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    use base64::Engine;
    let claims: Value = serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["type"], "AGENT");
    assert_eq!(claims["agentId"], "agent-sales");
    assert_eq!(claims["workflowId"], "wf-enrich");
    let ttl = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(ttl, 900);
    let o = run(&["token", "agent", "--snapshot", &f, "--agent", "agent-ghost"], ("AGENT_TOKEN_SECRET", "s3cret"));
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("UNKNOWN_PRINCIPAL"), "{}", stderr(&o));
    let o = run(&["token", "agent", "--snapshot", &f, "--agent", "agent-sales"], ("UNRELATED", "x"));
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("AGENT_TOKEN_SECRET"));
    // agent tokens live at most 24 h (the gateway refuses longer ones)
    let o = run(&["token", "agent", "--snapshot", &f, "--agent", "agent-sales", "--ttl", "2d"], ("AGENT_TOKEN_SECRET", "s3cret"));
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--ttl") && stderr(&o).contains("24h"), "{}", stderr(&o));
    let o = run(&["token", "agent", "--snapshot", &f, "--agent", "agent-sales", "--ttl", "24h"], ("AGENT_TOKEN_SECRET", "s3cret"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(
        &["token", "api-key", "--snapshot", &f, "--api-key", "5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f", "--ttl", "2h"],
        ("TWENTY_APP_SECRET", "app"),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).trim().split('.').count(), 3);
    let o = run(&["token", "api-key", "--snapshot", &f, "--api-key", "nope", "--ttl", "2x"], ("TWENTY_APP_SECRET", "app"));
    assert_eq!(code(&o), 2);
}

// --- admin tooling: import, sync, diff, who-can --------------------------------------------

fn twenty(file: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/twenty").join(file).display().to_string()
}

fn import_to(out: &str, extra: &[&str]) -> Output {
    let (o, r, k, m) = (twenty("objects.json"), twenty("roles.json"), twenty("api-keys.json"), twenty("members.json"));
    let mut args = vec!["import", "twenty", "--objects", &o, "--roles", &r, "--api-keys", &k, "--members", &m, "--out", out];
    args.extend_from_slice(extra);
    rolegate(&args)
}

#[test]
fn import_twenty_writes_a_valid_snapshot_and_reports_it() {
    let out = tmp("imported.json", "");
    let o = import_to(&out, &["--revision", "7"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("imported workspace 6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f revision 7: 14 objects, 7 roles"),
        "{}",
        stderr(&o)
    );
    let v = rolegate(&["validate", &out]);
    assert_eq!(code(&v), 0, "{}", stderr(&v));
    // JSON report on stdout when the snapshot goes to a file; --previous bumps the revision and shows changes.
    let next = tmp("imported-next.json", "");
    let o = import_to(&next, &["--previous", &out, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rep: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(rep["revision"], 8);
    assert_eq!(rep["changes"]["widens"], false);
    assert_eq!(rep["objects"], 14);
    // Without --revision or --previous, the revision is the current time (a later import supersedes).
    let later = tmp("imported-later.json", "");
    assert_eq!(code(&import_to(&later, &[])), 0);
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&later).unwrap()).unwrap();
    assert!(s["revision"].as_u64().unwrap() > 1_700_000_000);
}

#[test]
fn import_twenty_errors_name_the_file_and_path() {
    let mut roles: Value = serde_json::from_str(&std::fs::read_to_string(twenty("roles.json")).unwrap()).unwrap();
    roles["data"]["getRoles"][2]["fieldPermissions"][0]["fieldMetadataId"] = serde_json::json!("not-a-field");
    let bad = tmp("roles-bad.json", &roles.to_string());
    let objects = twenty("objects.json");
    let o = rolegate(&["import", "twenty", "--objects", &objects, "--roles", &bad]);
    assert_eq!(code(&o), 2);
    no_panic(&o);
    let e = stderr(&o);
    assert!(
        e.contains("FIELD_METADATA_NOT_FOUND at roles.json:data.getRoles[2].fieldPermissions[0].fieldMetadataId")
            && e.contains("not-a-field"),
        "{e}"
    );
    let o = rolegate(&["import", "twenty", "--objects", &objects, "--roles", &objects]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("getRoles"), "{}", stderr(&o));
    let o = rolegate(&["import", "twenty", "--queries"]);
    assert_eq!(code(&o), 0);
    let q = stdout(&o);
    assert!(
        q.contains("getRoles {") && q.contains("objects(paging: { first: 1000 })") && q.contains("curl -sS \"$TWENTY_URL/metadata\""),
        "{q}"
    );
}

#[test]
fn sync_fails_clearly_without_a_key_or_a_server() {
    let o = rolegate(&["sync", "--url", "http://127.0.0.1:9", "--api-key-env", "ROLEGATE_TEST_UNSET_KEY"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("ROLEGATE_TEST_UNSET_KEY"), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(["sync", "--url", "http://127.0.0.1:9", "--api-key-env", "ROLEGATE_TEST_KEY", "--timeout", "5"])
        .env("ROLEGATE_TEST_KEY", "k")
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    no_panic(&o);
    assert!(stderr(&o).contains("cannot reach http://127.0.0.1:9/metadata"), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(["sync", "--url", "ftp://x", "--api-key-env", "ROLEGATE_TEST_KEY"])
        .env("ROLEGATE_TEST_KEY", "k")
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("https://"), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(["sync", "--url", "https://", "--api-key-env", "ROLEGATE_TEST_KEY"])
        .env("ROLEGATE_TEST_KEY", "k")
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("needs a host"), "{}", stderr(&o));
}

#[test]
fn diff_exit_code_gates_widening() {
    let fx = fixture();
    let wider = tmp("wider.json", "");
    let o = rolegate(&[
        "rule", "field", "--snapshot", &fx, "--role", "intern", "--object", "person", "--field", "address", "--read", "null", "--update",
        "null", "--out", &wider,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = rolegate(&["diff", &fx, &wider]);
    assert_eq!(code(&o), 1, "widening exits 1: {}", stdout(&o));
    let text = stdout(&o);
    assert!(text.lines().any(|l| l == "Intern gains: read person.address"), "{text}");
    assert!(text.lines().any(|l| l == "API key Zapier gains: read person.address"), "{text}");
    assert!(text.contains("access widens"), "{text}");
    // The reverse only narrows: exit 0, and JSON for scripts.
    let o = rolegate(&["diff", &wider, &fx, "--format", "json"]);
    assert_eq!(code(&o), 0);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["widens"], false);
    assert!(v["losses"].as_u64().unwrap() >= 2);
    let intern = v["subjects"].as_array().unwrap().iter().find(|s| s["kind"] == "role" && s["id"] == "intern").unwrap();
    assert_eq!(intern["losses"][0], serde_json::json!({"op": "read", "object": "person", "field": "address"}));
    let o = rolegate(&["diff", &fx, &fx]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("no changes"), "{}", stdout(&o));
    let o = rolegate(&["diff", &fx, "/nonexistent.json"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn who_can_lists_holders_with_levels() {
    let fx = fixture();
    let o = rolegate(&["who-can", "--snapshot", &fx, "--object", "person", "--field", "address", "--op", "read"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t = stdout(&o);
    assert!(t.starts_with("who can read person.address"), "{t}");
    assert!(t.lines().any(|l| l.trim_start().starts_with("Role Admin") && l.contains("allObjects")), "{t}");
    assert!(!t.contains("Role Intern") && !t.contains("Zapier") && !t.contains("Bob Kahn"), "{t}");
    let o = rolegate(&["who-can", "--snapshot", &fx, "--flag", "EXPORT_CSV", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let intern = v["allowed"].as_array().unwrap().iter().find(|h| h["id"] == "intern").unwrap();
    assert_eq!((intern["kind"].as_str(), intern["level"].as_str()), (Some("role"), Some("flag")));
    for (args, needle) in [
        (vec!["who-can", "--snapshot", &fx, "--flag", "NOPE"], "UNKNOWN_FLAG"),
        (vec!["who-can", "--snapshot", &fx, "--object", "persn", "--op", "read"], "OBJECT_METADATA_NOT_FOUND"),
        (vec!["who-can", "--snapshot", &fx, "--object", "person", "--op", "fly"], "unknown op"),
    ] {
        let o = rolegate(&args);
        assert_eq!(code(&o), 2, "{args:?}");
        assert!(stderr(&o).contains(needle), "{}", stderr(&o));
    }
}

#[test]
fn readme_documents_the_exact_import_queries() {
    let readme = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap();
    for (file, endpoint, query) in rolegate_core::twenty::QUERIES {
        assert!(
            readme.contains(query),
            "README.md must show the query for {file} ({endpoint}) exactly as `rolegate import twenty --queries` prints it"
        );
    }
}

#[test]
fn import_twenty_queries_as_json() {
    for args in [["import", "twenty", "--queries", "--format", "json"], ["--format", "json", "import", "twenty", "--queries"]] {
        let o = rolegate(&args);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", stdout(&o)));
        let q = v["queries"].as_array().expect("queries");
        assert_eq!(q.len(), 4);
        for (got, (file, endpoint, query)) in q.iter().zip(rolegate_core::twenty::QUERIES) {
            assert_eq!((got["file"].as_str(), got["endpoint"].as_str(), got["query"].as_str()), (Some(file), Some(endpoint), Some(query)));
            let body: Value = serde_json::from_str(got["body"].as_str().unwrap()).unwrap();
            assert_eq!(body["query"], query);
            assert!(got["curl"].as_str().unwrap().starts_with(&format!("curl -sS \"$TWENTY_URL{endpoint}\"")));
        }
    }
    // --queries still goes alone.
    let o = rolegate(&["import", "twenty", "--queries", "--roles", "r.json"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn sync_refuses_unusable_arguments_before_fetching_anything() {
    // The server is unreachable: every error below must come first, with nothing on stdout.
    let key = tmp("not-a-key.json", "{}");
    let out = tmp("sync-never.json", "");
    std::fs::remove_file(&out).unwrap();
    for (args, needle) in [
        (vec!["--sign-key", key.as_str()], "--sign-key needs --out"),
        (vec!["--sign-key", key.as_str(), "--out", out.as_str(), "--push"], "--push needs --local or --namespace-id"),
        (vec!["--sign-key", key.as_str(), "--out", out.as_str()], "not a rolegate key file"),
        (vec!["--sign-key", "/nonexistent/key.json", "--out", out.as_str()], "/nonexistent/key.json"),
    ] {
        let mut all = vec!["sync", "--url", "http://127.0.0.1:9", "--api-key-env", "ROLEGATE_TEST_KEY", "--timeout", "5"];
        all.extend(args.iter());
        let o = Command::new(env!("CARGO_BIN_EXE_rolegate")).args(&all).env("ROLEGATE_TEST_KEY", "k").output().unwrap();
        assert_eq!(code(&o), 2, "{all:?}");
        no_panic(&o);
        assert!(stderr(&o).contains(needle) && !stderr(&o).contains("fetching"), "{all:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{all:?}: {}", stdout(&o));
        assert!(std::fs::metadata(&out).is_err(), "{all:?}: nothing written");
    }
}

#[test]
fn import_after_the_last_possible_revision_is_an_error_not_an_overflow() {
    let mut s: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    s["revision"] = serde_json::json!(u64::MAX);
    let prev = tmp("previous-max.json", &s.to_string());
    let out = tmp("after-max.json", "");
    let o = import_to(&out, &["--previous", &prev, "--workspace-id", s["workspaceId"].as_str().unwrap()]);
    no_panic(&o);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--previous") && stderr(&o).contains("18446744073709551615"), "{}", stderr(&o));
}

#[test]
fn sync_timeout_out_of_range_is_refused() {
    for t in ["18446744073709551615", "0"] {
        let o = Command::new(env!("CARGO_BIN_EXE_rolegate"))
            .args(["sync", "--url", "http://127.0.0.1:9", "--api-key-env", "ROLEGATE_TEST_KEY", "--timeout", t])
            .env("ROLEGATE_TEST_KEY", "k")
            .output()
            .unwrap();
        no_panic(&o);
        assert_eq!(code(&o), 2, "{t}");
        assert!(stderr(&o).contains("--timeout") && !stderr(&o).contains("fetching"), "{t}: {}", stderr(&o));
    }
}

enum Closed {
    Stdout,
    Stderr,
}

/// Runs rolegate with stdout or stderr a pipe whose reading end is closed at once.
fn run_with_closed_pipe(args: &[&str], closed: Closed) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    match closed {
        Closed::Stdout => drop(child.stdout.take()),
        Closed::Stderr => drop(child.stderr.take()),
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_reader_that_stops_early_is_not_a_panic() {
    // `rolegate diff a b | head -1`: the output pipe closes before everything is written.
    let fx = fixture();
    let wider = tmp("wider-pipe.json", "");
    assert_eq!(
        code(&rolegate(&[
            "rule", "field", "--snapshot", &fx, "--role", "intern", "--object", "person", "--field", "address", "--read", "null",
            "--update", "null", "--out", &wider
        ])),
        0
    );
    for (args, exit) in [
        (vec!["diff", fx.as_str(), wider.as_str()], 1),
        (vec!["diff", fx.as_str(), wider.as_str(), "--format", "json"], 1),
        (vec!["who-can", "--snapshot", fx.as_str(), "--object", "person", "--op", "read"], 0),
        (vec!["import", "twenty", "--queries"], 0),
        (vec!["effective", "--snapshot", fx.as_str(), "--role", "intern"], 0),
        (vec!["effective", "--snapshot", fx.as_str(), "--role", "intern", "--format", "json"], 0),
        (vec!["validate", fx.as_str()], 0),
        (vec!["explain", "--snapshot", fx.as_str(), "--role", "intern", "--object", "opportunity", "--op", "read"], 1),
    ] {
        let o = run_with_closed_pipe(&args, Closed::Stdout);
        no_panic(&o);
        assert_eq!(code(&o), exit, "{args:?}: the exit code still says what happened");
    }
}

#[test]
fn a_closed_standard_error_is_not_a_panic() {
    // a log reader that went away (stderr is a pipe nobody reads): messages are lost, the exit code is not.
    let fx = fixture();
    let bad = tmp("bad-stderr.json", r#"{"format":"rolegate/v1"}"#);
    let key = tmp("stderr-key.json", "");
    let _ = std::fs::remove_file(&key);
    for (args, exit) in [
        (vec!["validate", bad.as_str()], 2),
        (vec!["keygen", "--key-id", "k9", "--out", key.as_str()], 0),
        (vec!["effective", "--snapshot", fx.as_str(), "--role", "nope"], 2),
    ] {
        let o = run_with_closed_pipe(&args, Closed::Stderr);
        no_panic(&o);
        assert_eq!(code(&o), exit, "{args:?}: the exit code still says what happened");
    }
}

/// The CLI reads JSON as the npm package and the gateway do: every key is just a key (serde_json's
/// Value parser would read this principal as {"role":"intern"}; Principal::from_json refuses it).
#[test]
fn json_arguments_are_read_literally() {
    let magic = r#"{"$serde_json::private::RawValue": "{\"role\":\"intern\"}"}"#;
    let o = rolegate(&["effective", "--snapshot", &fixture(), "--principal", magic, "--format", "json"]);
    no_panic(&o);
    assert_ne!(code(&o), 0, "{}", stdout(&o));
    let said = stdout(&o) + &stderr(&o);
    assert!(said.contains("unknown field `$serde_json::private::RawValue`"), "{said}");
    let o = rolegate(&["effective", "--snapshot", &fixture(), "--principal", r#"{"role":"intern"}"#, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}
