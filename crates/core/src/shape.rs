//! Shape check of a snapshot (or role) JSON value: every unknown key, missing key and wrong
//! type is reported with its JSON path, before the typed parse (which would stop at the first).

use crate::error::{codes, Issue};
use serde_json::Value;

#[derive(Clone, Copy)]
pub(crate) enum Ty {
    Str,
    Bool,
    Uint,
    /// `true`, `false` or `null`.
    NullBool,
    /// a string or `null`.
    NullStr,
    OneOf(&'static [&'static str]),
    Obj(&'static Spec),
    NullObj(&'static Spec),
    Arr(&'static Ty),
}

pub(crate) struct Spec {
    pub what: &'static str,
    pub keys: &'static [(&'static str, Ty, bool)],
}

const REQ: bool = true;
const OPT: bool = false;

pub(crate) static OPTIONS: Spec = Spec {
    what: "options",
    keys: &[("apiKeysWithoutRole", Ty::OneOf(&["defaultRole", "deny"]), OPT)],
};
pub(crate) static RELATION: Spec = Spec {
    what: "relation",
    keys: &[
        ("kind", Ty::OneOf(&["MANY_TO_ONE", "ONE_TO_MANY"]), REQ),
        ("target", Ty::Str, REQ),
        ("inverse", Ty::Str, REQ),
        ("joinColumn", Ty::NullStr, OPT),
    ],
};
pub(crate) static FIELD: Spec = Spec {
    what: "field",
    keys: &[("name", Ty::Str, REQ), ("type", Ty::Str, REQ), ("relation", Ty::NullObj(&RELATION), OPT)],
};
pub(crate) static OBJECT: Spec = Spec {
    what: "object",
    keys: &[
        ("nameSingular", Ty::Str, REQ),
        ("namePlural", Ty::Str, REQ),
        ("isSystem", Ty::Bool, OPT),
        ("labelIdentifierField", Ty::NullStr, OPT),
        ("fields", Ty::Arr(&Ty::Obj(&FIELD)), REQ),
    ],
};
pub(crate) static OBJECT_PERMISSION: Spec = Spec {
    what: "object rule",
    keys: &[
        ("object", Ty::Str, REQ),
        ("canRead", Ty::NullBool, OPT),
        ("canUpdate", Ty::NullBool, OPT),
        ("canSoftDelete", Ty::NullBool, OPT),
        ("canDestroy", Ty::NullBool, OPT),
    ],
};
pub(crate) static FIELD_PERMISSION: Spec = Spec {
    what: "field rule",
    keys: &[
        ("object", Ty::Str, REQ),
        ("field", Ty::Str, REQ),
        ("canRead", Ty::NullBool, OPT),
        ("canUpdate", Ty::NullBool, OPT),
    ],
};
pub(crate) static ROLE: Spec = Spec {
    what: "role",
    keys: &[
        ("id", Ty::Str, REQ),
        ("label", Ty::Str, REQ),
        ("isEditable", Ty::Bool, OPT),
        ("canUpdateAllSettings", Ty::Bool, REQ),
        ("canAccessAllTools", Ty::Bool, REQ),
        ("canReadAllObjectRecords", Ty::Bool, REQ),
        ("canUpdateAllObjectRecords", Ty::Bool, REQ),
        ("canSoftDeleteAllObjectRecords", Ty::Bool, REQ),
        ("canDestroyAllObjectRecords", Ty::Bool, REQ),
        ("canBeAssignedToUsers", Ty::Bool, OPT),
        ("canBeAssignedToAgents", Ty::Bool, OPT),
        ("canBeAssignedToApiKeys", Ty::Bool, OPT),
        ("permissionFlags", Ty::Arr(&Ty::Str), OPT),
        ("objectPermissions", Ty::Arr(&Ty::Obj(&OBJECT_PERMISSION)), OPT),
        ("fieldPermissions", Ty::Arr(&Ty::Obj(&FIELD_PERMISSION)), OPT),
    ],
};
pub(crate) static MEMBER: Spec = Spec {
    what: "member",
    keys: &[("id", Ty::Str, REQ), ("name", Ty::Str, REQ), ("roleId", Ty::NullStr, REQ)],
};
pub(crate) static API_KEY: Spec = Spec {
    what: "API key",
    keys: &[
        ("id", Ty::Str, REQ),
        ("name", Ty::Str, REQ),
        ("roleId", Ty::NullStr, OPT),
        ("expiresAt", Ty::NullStr, OPT),
        ("revokedAt", Ty::NullStr, OPT),
    ],
};
pub(crate) static AGENT: Spec = Spec {
    what: "agent",
    keys: &[("id", Ty::Str, REQ), ("name", Ty::Str, REQ), ("roleId", Ty::NullStr, OPT)],
};
pub(crate) static WORKFLOW: Spec = Spec {
    what: "workflow",
    keys: &[("id", Ty::Str, REQ), ("name", Ty::Str, REQ), ("roleId", Ty::NullStr, OPT)],
};
pub(crate) static SNAPSHOT: Spec = Spec {
    what: "snapshot",
    keys: &[
        ("format", Ty::Str, REQ),
        ("workspaceId", Ty::Str, REQ),
        ("revision", Ty::Uint, REQ),
        ("adminRoleId", Ty::Str, REQ),
        ("defaultRoleId", Ty::Str, REQ),
        ("options", Ty::Obj(&OPTIONS), OPT),
        ("objects", Ty::Arr(&Ty::Obj(&OBJECT)), REQ),
        ("roles", Ty::Arr(&Ty::Obj(&ROLE)), REQ),
        ("members", Ty::Arr(&Ty::Obj(&MEMBER)), OPT),
        ("apiKeys", Ty::Arr(&Ty::Obj(&API_KEY)), OPT),
        ("agents", Ty::Arr(&Ty::Obj(&AGENT)), OPT),
        ("workflows", Ty::Arr(&Ty::Obj(&WORKFLOW)), OPT),
    ],
};

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short name for an element, e.g. `role "intern"`, used in messages.
fn element_name(spec: &Spec, v: &Value) -> String {
    let name = ["id", "nameSingular", "name", "object"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str));
    match name {
        Some(n) => format!("{} \"{}\"", spec.what, n),
        None => spec.what.to_string(),
    }
}

pub(crate) fn check(spec: &'static Spec, v: &Value, path: &str, out: &mut Vec<Issue>) {
    check_ty(Ty::Obj(spec), v, path, out)
}

fn check_ty(ty: Ty, v: &Value, path: &str, out: &mut Vec<Issue>) {
    let bad = |expected: &str, out: &mut Vec<Issue>| {
        out.push(Issue::new(
            codes::INVALID_ARG,
            path,
            format!("expected {expected} at {}, found {}", if path.is_empty() { "the top level" } else { path }, describe(v)),
        ))
    };
    match ty {
        Ty::Str => {
            if !v.is_string() {
                bad("a string", out)
            }
        }
        Ty::Bool => {
            if !v.is_boolean() {
                bad("a boolean", out)
            }
        }
        Ty::Uint => {
            if !v.is_u64() {
                bad("a non-negative integer", out)
            }
        }
        Ty::NullBool => {
            if !(v.is_boolean() || v.is_null()) {
                bad("true, false or null", out)
            }
        }
        Ty::NullStr => {
            if !(v.is_string() || v.is_null()) {
                bad("a string or null", out)
            }
        }
        Ty::OneOf(options) => match v.as_str() {
            Some(s) if options.contains(&s) => {}
            _ => {
                let list = options.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(" or ");
                bad(&list, out)
            }
        },
        Ty::Arr(inner) => match v.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check_ty(*inner, item, &format!("{path}[{i}]"), out);
                }
            }
            None => bad("an array", out),
        },
        Ty::NullObj(spec) => {
            if !v.is_null() {
                check_ty(Ty::Obj(spec), v, path, out)
            }
        }
        Ty::Obj(spec) => {
            let Some(map) = v.as_object() else {
                return bad("an object", out);
            };
            let who = element_name(spec, v);
            for (k, val) in map {
                match spec.keys.iter().find(|(name, _, _)| name == k) {
                    Some((_, t, _)) => check_ty(*t, val, &join(path, k), out),
                    None => out.push(Issue::new(
                        codes::INVALID_ARG,
                        join(path, k),
                        format!("unknown key \"{k}\" in {who}"),
                    )),
                }
            }
            for (name, _, required) in spec.keys {
                if *required && !map.contains_key(*name) {
                    out.push(Issue::new(
                        codes::INVALID_ARG,
                        join(path, name),
                        format!("missing required key \"{name}\" in {who}"),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issues(spec: &'static Spec, v: serde_json::Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        check(spec, &v, "", &mut out);
        out.into_iter().map(|i| (i.path, i.message)).collect()
    }

    #[test]
    fn unknown_missing_and_mistyped_keys_all_reported() {
        let got = issues(&FIELD_PERMISSION, json!({"object": 1, "field": "f", "canRead": "no", "canReed": false}));
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got.iter().any(|(p, m)| p == "object" && m.contains("expected a string")));
        assert!(got.iter().any(|(p, m)| p == "canRead" && m.contains("true, false or null")));
        assert!(got.iter().any(|(p, m)| p == "canReed" && m.contains("unknown key")));
        let got = issues(&MEMBER, json!({"id": "m"}));
        assert_eq!(got.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["name", "roleId"]);
    }

    #[test]
    fn nested_paths_and_names() {
        let got = issues(&ROLE, json!({"id": "intern", "label": "I", "canUpdateAllSettings": false, "canAccessAllTools": false,
            "canReadAllObjectRecords": true, "canUpdateAllObjectRecords": false, "canSoftDeleteAllObjectRecords": false,
            "canDestroyAllObjectRecords": false, "objectPermissions": [{"object": "x"}, {"object": "y", "canRead": 1}]}));
        assert_eq!(got, [("objectPermissions[1].canRead".to_string(), "expected true, false or null at objectPermissions[1].canRead, found a number".to_string())]);
        let got = issues(&OPTIONS, json!({"apiKeysWithoutRole": "allow"}));
        assert!(got[0].1.contains("\"defaultRole\" or \"deny\""), "{got:?}");
        assert!(issues(&SNAPSHOT, json!([])).iter().any(|(_, m)| m.contains("expected an object at the top level")));
        assert!(issues(&SNAPSHOT, json!({"revision": -1})).iter().any(|(p, m)| p == "revision" && m.contains("non-negative integer")));
    }
}
