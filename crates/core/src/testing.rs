//! Policy tests (contract §4): users assert who may do what and run the assertions in CI.
//!
//! [`run_suite`] is I/O-free (the caller supplies a loader for snapshot paths), so the same
//! runner serves the CLI, `cargo test`, the npm package and the worker.

use crate::error::{codes, Error, Result};
use crate::flags::Flag;
use crate::ops::{apply, Operation};
use crate::policy::Policy;
use crate::principal::Principal;
use crate::{Op, Snapshot};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Suite {
    #[serde(default)]
    name: Option<String>,
    snapshot: Value,
    tests: Vec<Case>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Case {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "as")]
    principal: Option<Value>,
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    flag: Option<String>,
    #[serde(default)]
    expect: Option<Value>,
    #[serde(default)]
    operation: Option<Value>,
    #[serde(default)]
    expect_error: Option<String>,
    #[serde(default)]
    then: Option<Vec<Case>>,
}

/// One failing test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// Test names from the outermost to this one, joined with ` > `.
    pub test: String,
    pub expected: Value,
    pub actual: Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SuiteReport {
    pub name: String,
    pub passed: usize,
    pub failed: usize,
    pub failures: Vec<Failure>,
}

impl SuiteReport {
    fn fail(&mut self, test: String, expected: Value, actual: Value) {
        self.failed += 1;
        self.failures.push(Failure { test, expected, actual });
    }
    /// Lines for humans: one per failure (expected and actual).
    pub fn failure_lines(&self) -> Vec<String> {
        self.failures.iter().map(|f| format!("FAIL {} :: {}: expected {}, got {}", self.name, f.test, f.expected, f.actual)).collect()
    }
}

fn error_value(e: &Error) -> Value {
    json!({ "error": e.code(), "message": e.issues[0].message, "path": e.path() })
}

/// Runs one test suite (a parsed test file). `load` reads a snapshot given as a path
/// (relative to the test file); `now` (Unix seconds) decides API-key expiry.
pub fn run_suite(suite: &Value, name: &str, load: &dyn Fn(&str) -> Result<String>, now: i64) -> SuiteReport {
    let mut report = SuiteReport { name: name.to_string(), ..Default::default() };
    let suite: Suite = match Suite::deserialize(suite) {
        Ok(s) => s,
        Err(e) => {
            report.fail("(test file)".into(), json!("a test file {name?, snapshot, tests}"), json!(e.to_string()));
            return report;
        }
    };
    if let Some(n) = &suite.name {
        report.name = format!("{name} ({n})");
    }
    let snapshot = match &suite.snapshot {
        Value::String(path) => load(path).and_then(|text| Snapshot::from_json(&text)),
        v => Snapshot::from_value(v),
    };
    let snapshot = match snapshot {
        Ok(s) => s,
        Err(e) => {
            report.fail("(snapshot)".into(), json!("a valid snapshot"), error_value(&e));
            return report;
        }
    };
    run_cases(&snapshot, &suite.tests, "", now, &mut report);
    report
}

fn run_cases(snapshot: &Snapshot, cases: &[Case], prefix: &str, now: i64, report: &mut SuiteReport) {
    let mut policy: Option<std::result::Result<Policy, Error>> = None;
    for (i, case) in cases.iter().enumerate() {
        let label = case.name.clone().unwrap_or_else(|| format!("#{}", i + 1));
        let label = if prefix.is_empty() { label } else { format!("{prefix} > {label}") };
        // keys the test's kind does not read are a mistake to report, never silently passed
        if let Some(why) = misplaced(case) {
            report.fail(label, json!("a well-formed test"), json!({ "error": codes::INVALID_ARG, "message": why }));
            continue;
        }
        if let Some(op) = &case.operation {
            run_operation(snapshot, case, op, &label, now, report);
            continue;
        }
        let policy = policy.get_or_insert_with(|| Policy::compile(snapshot.clone()));
        let policy = match policy {
            Ok(p) => p,
            Err(e) => {
                report.fail(label, json!("a valid snapshot"), error_value(e));
                continue;
            }
        };
        match run_assertion(policy, case, now) {
            Ok(None) if case.expect_error.is_some() => {
                report.fail(label, json!({ "error": case.expect_error }), case.expect.clone().unwrap_or(json!("no error")))
            }
            Ok(None) => report.passed += 1,
            Ok(Some((expected, actual))) => report.fail(label, expected, actual),
            Err(e) => match &case.expect_error {
                Some(code) if e.has_code(code) => report.passed += 1,
                _ => report.fail(label, case.expect.clone().unwrap_or(Value::Null), error_value(&e)),
            },
        }
    }
}

/// What is wrong with a test's keys, if anything: a test either applies an operation (with
/// `expectError`, or `then` tests run on the result) or asserts as a principal (an object,
/// maybe a field, or a flag, with `expect` or `expectError`).
fn misplaced(case: &Case) -> Option<&'static str> {
    let asserts = case.principal.is_some() || case.object.is_some() || case.field.is_some() || case.flag.is_some() || case.expect.is_some();
    if case.operation.is_some() {
        if asserts {
            return Some("a test with \"operation\" takes \"expectError\" or \"then\"; \"as\", \"object\", \"field\", \"flag\" and \"expect\" belong in its \"then\" tests");
        }
        if case.then.is_some() && case.expect_error.is_some() {
            return Some("\"then\" runs on the result of a successful operation: not with \"expectError\"");
        }
        return None;
    }
    if case.then.is_some() {
        return Some("\"then\" needs \"operation\"");
    }
    if case.flag.is_some() && (case.object.is_some() || case.field.is_some()) {
        return Some("a flag test takes no \"object\" or \"field\"");
    }
    if case.field.is_some() && case.object.is_none() {
        return Some("\"field\" needs \"object\"");
    }
    None
}

fn run_operation(snapshot: &Snapshot, case: &Case, op: &Value, label: &str, now: i64, report: &mut SuiteReport) {
    let result = Operation::from_value(op).and_then(|op| apply(snapshot, &op));
    match (result, &case.expect_error) {
        (Err(e), Some(code)) if e.has_code(code) => report.passed += 1,
        (Err(e), Some(code)) => report.fail(
            label.to_string(),
            json!({ "error": code }),
            json!({ "errors": e.issues.iter().map(|i| i.code).collect::<Vec<_>>(), "message": e.issues[0].message }),
        ),
        (Err(e), None) => report.fail(label.to_string(), json!("success"), error_value(&e)),
        (Ok(_), Some(code)) => report.fail(label.to_string(), json!({ "error": code }), json!("success")),
        (Ok(next), None) => {
            report.passed += 1;
            if let Some(then) = &case.then {
                run_cases(&next, then, label, now, report);
            }
        }
    }
}

/// `Ok(None)` = pass, `Ok(Some((expected, actual)))` = mismatch.
fn run_assertion(policy: &Policy, case: &Case, now: i64) -> Result<Option<(Value, Value)>> {
    let Some(p) = &case.principal else {
        return Err(Error::one(codes::INVALID_ARG, "", "a test needs \"operation\" or \"as\""));
    };
    let principal = Principal::from_value(p)?;
    let subject = policy.resolve(&principal, now)?;
    let expect = case.expect.clone().unwrap_or(Value::Null);
    if let Some(flag) = &case.flag {
        let f = Flag::parse(flag).ok_or_else(|| Error::one(codes::UNKNOWN_FLAG, "flag", format!("unknown permission flag \"{flag}\"")))?;
        let actual = policy.has_flag(&subject, f);
        return Ok(match expect {
            Value::Bool(b) if b == actual => None,
            _ => Some((expect, Value::Bool(actual))),
        });
    }
    let Some(object) = &case.object else {
        return Err(Error::one(codes::INVALID_ARG, "", "a test with \"as\" needs \"object\" or \"flag\""));
    };
    let (oid, fid) = policy.resolve_names(object, case.field.as_deref())?;
    let Value::Object(expect_map) = &expect else {
        return Err(Error::one(codes::INVALID_ARG, "expect", "\"expect\" must be an object such as {\"canRead\": true}"));
    };
    let mut actual = Map::new();
    let mut ok = true;
    for (k, v) in expect_map {
        let op = Op::ALL
            .into_iter()
            .find(|op| op.rule_key() == k)
            .ok_or_else(|| Error::one(codes::INVALID_ARG, format!("expect.{k}"), format!("unknown expectation \"{k}\"")))?;
        let got = match fid {
            Some(f) => policy.can_field(&subject, oid, f, op),
            None => policy.can_object(&subject, oid, op),
        };
        ok &= v.as_bool() == Some(got);
        actual.insert(k.clone(), Value::Bool(got));
    }
    Ok(if ok { None } else { Some((expect, Value::Object(actual))) })
}

/// Runs a test file from disk (snapshot paths relative to it).
pub fn run_file(path: &std::path::Path, now: i64) -> SuiteReport {
    let name = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let mut r = SuiteReport { name, ..Default::default() };
            r.fail("(test file)".into(), json!("a readable file"), json!(e.to_string()));
            return r;
        }
    };
    let value: Value = match crate::tree::value_from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            let mut r = SuiteReport { name, ..Default::default() };
            r.fail("(test file)".into(), json!("valid JSON"), json!(e.to_string()));
            return r;
        }
    };
    let dir = path.parent().map(|p| p.to_path_buf()).unwrap_or_default();
    let load = |rel: &str| -> Result<String> {
        let p = dir.join(rel);
        std::fs::read_to_string(&p)
            .map_err(|e| Error::one(codes::INVALID_ARG, "snapshot", format!("cannot read snapshot {}: {e}", p.display())))
    };
    run_suite(&value, &name, &load, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Value {
        json!({
            "format": "rolegate/v1", "workspaceId": "w", "revision": 1, "adminRoleId": "admin", "defaultRoleId": "admin",
            "objects": [{"nameSingular": "person", "namePlural": "people", "fields": [{"name": "name", "type": "TEXT"}]}],
            "roles": [{"id": "admin", "label": "Admin", "isEditable": false, "canUpdateAllSettings": true, "canAccessAllTools": true,
                "canReadAllObjectRecords": true, "canUpdateAllObjectRecords": true, "canSoftDeleteAllObjectRecords": true,
                "canDestroyAllObjectRecords": true, "canBeAssignedToAgents": false}],
            "members": [{"id": "m", "name": "M", "roleId": "admin"}]
        })
    }

    fn no_files(p: &str) -> Result<String> {
        Err(Error::one(codes::INVALID_ARG, "snapshot", format!("no file {p}")))
    }

    #[test]
    fn counts_nested_and_reports_mismatches() {
        let suite = json!({"snapshot": snapshot(), "tests": [
            {"name": "ok", "as": {"role": "admin"}, "object": "person", "expect": {"canRead": true}},
            {"name": "wrong", "as": {"role": "admin"}, "object": "person", "field": "name", "expect": {"canUpdate": false}},
            {"name": "flag", "as": {"member": "m"}, "flag": "ROLES", "expect": true},
            {"name": "op", "operation": {"op": "addMember", "member": {"id": "n", "name": "N"}}, "then": [
                {"name": "new member", "as": {"member": "n"}, "object": "person", "expect": {"canDestroy": true}}]},
            {"name": "err", "operation": {"op": "deleteRole", "roleId": "admin"}, "expectError": "ROLE_NOT_EDITABLE"},
            {"name": "err mismatch", "operation": {"op": "deleteRole", "roleId": "admin"}, "expectError": "ROLE_NOT_FOUND"}
        ]});
        let r = run_suite(&suite, "unit", &no_files, 0);
        assert_eq!((r.passed, r.failed), (5, 2), "{:?}", r.failures);
        assert_eq!(r.failures[0].test, "wrong");
        assert_eq!(r.failures[0].actual, json!({"canUpdate": true}));
        assert_eq!(r.failures[1].actual["errors"], json!(["ROLE_NOT_EDITABLE"]));
        assert!(r.failure_lines()[0].starts_with("FAIL unit :: wrong: expected {\"canUpdate\":false}"));
    }

    /// A key the test's kind does not read fails the test: none of these checks anything.
    #[test]
    fn keys_a_test_would_ignore_fail_it() {
        let member = json!({"op": "addMember", "member": {"id": "n", "name": "N"}});
        let suite = json!({"snapshot": snapshot(), "tests": [
            {"name": "op + expect", "operation": member, "as": {"role": "admin"}, "object": "person", "expect": {"canRead": false}},
            {"name": "then without op", "as": {"role": "admin"}, "object": "person", "expect": {"canRead": true},
                "then": [{"as": {"role": "admin"}, "object": "person", "expect": {"canRead": false}}]},
            {"name": "then + expectError", "operation": {"op": "deleteRole", "roleId": "admin"}, "expectError": "ROLE_NOT_EDITABLE",
                "then": [{"as": {"role": "admin"}, "object": "person", "expect": {"canRead": false}}]},
            {"name": "flag + object", "as": {"member": "m"}, "flag": "ROLES", "object": "nosuchobject", "field": "f", "expect": true},
            {"name": "field without object", "as": {"member": "m"}, "field": "name", "expect": {"canRead": true}},
            {"name": "expectError, no error", "as": {"role": "admin"}, "object": "person", "expect": {"canRead": true}, "expectError": "UNKNOWN_PRINCIPAL"},
            {"name": "expectError, error", "as": {"role": "nobody"}, "object": "person", "expectError": "UNKNOWN_PRINCIPAL"}
        ]});
        let r = run_suite(&suite, "unit", &no_files, 0);
        let failed: Vec<&str> = r.failures.iter().map(|f| f.test.as_str()).collect();
        assert_eq!(
            failed,
            ["op + expect", "then without op", "then + expectError", "flag + object", "field without object", "expectError, no error"],
            "{:?}",
            r.failures
        );
        assert_eq!(r.passed, 1, "{:?}", r.failures);
        assert_eq!(r.failures[0].actual["error"], json!("INVALID_ARG"));
    }

    #[test]
    fn unreadable_or_invalid_snapshots_fail_loudly() {
        let r = run_suite(&json!({"snapshot": "missing.json", "tests": []}), "unit", &no_files, 0);
        assert_eq!((r.passed, r.failed), (0, 1));
        let mut bad = snapshot();
        bad["extra"] = json!(true);
        let r =
            run_suite(&json!({"snapshot": bad, "tests": [{"as": {"role": "admin"}, "flag": "AI", "expect": true}]}), "unit", &no_files, 0);
        assert_eq!((r.passed, r.failed), (0, 1));
        let r = run_suite(
            &json!({"snapshot": snapshot(), "tests": [{"as": {"role": "admin"}, "flag": "NOPE", "expect": true},
            {"as": {"role": "ghost"}, "object": "person", "expect": {"canRead": true}}, {"name": "empty"}]}),
            "unit",
            &no_files,
            0,
        );
        assert_eq!((r.passed, r.failed), (0, 3));
        let r = run_suite(&json!({"tests": []}), "unit", &no_files, 0);
        assert_eq!(r.failed, 1);
    }
}
