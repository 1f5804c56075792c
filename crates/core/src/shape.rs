//! Shape check of a snapshot (or role) JSON value: every unknown key, missing key and wrong
//! type is reported with its JSON path, before the typed parse (which would stop at the first).
//!
//! [`first_error`] checks a value against the same kind of description but answers like
//! serde's derived `deny_unknown_fields` deserializer would (its first error, in its words,
//! plus the JSON path when nested), for operations, principals and views. The typed values
//! are then built from the checked `Value` by hand ([`get_str`] and friends): serde's derived
//! deserializers were most of the npm package's WebAssembly.

use crate::error::{codes, Issue};
use crate::tree::{Kind, Node};

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
    /// any JSON value
    Any,
    /// `null` or the inner type
    Opt(&'static Ty),
    /// an object with any keys, each value of the inner type
    Map(&'static Ty),
}

pub(crate) struct Spec {
    /// A human name in shape-check messages (`role`); the Rust type name in [`first_error`]'s.
    pub what: &'static str,
    pub keys: &'static [(&'static str, Ty, bool)],
}

pub(crate) const REQ: bool = true;
pub(crate) const OPT: bool = false;

pub(crate) static OPTIONS: Spec = Spec { what: "options", keys: &[("apiKeysWithoutRole", Ty::OneOf(&["defaultRole", "deny"]), OPT)] };
pub(crate) static RELATION: Spec = Spec {
    what: "relation",
    keys: &[
        ("kind", Ty::OneOf(&["MANY_TO_ONE", "ONE_TO_MANY"]), REQ),
        ("target", Ty::Str, REQ),
        ("inverse", Ty::Str, REQ),
        ("joinColumn", Ty::NullStr, OPT),
    ],
};
pub(crate) static FIELD: Spec =
    Spec { what: "field", keys: &[("name", Ty::Str, REQ), ("type", Ty::Str, REQ), ("relation", Ty::NullObj(&RELATION), OPT)] };
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
    keys: &[("object", Ty::Str, REQ), ("field", Ty::Str, REQ), ("canRead", Ty::NullBool, OPT), ("canUpdate", Ty::NullBool, OPT)],
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
pub(crate) static MEMBER: Spec =
    Spec { what: "member", keys: &[("id", Ty::Str, REQ), ("name", Ty::Str, REQ), ("roleId", Ty::NullStr, REQ)] };
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
pub(crate) static AGENT: Spec = Spec { what: "agent", keys: &[("id", Ty::Str, REQ), ("name", Ty::Str, REQ), ("roleId", Ty::NullStr, OPT)] };
pub(crate) static WORKFLOW: Spec =
    Spec { what: "workflow", keys: &[("id", Ty::Str, REQ), ("name", Ty::Str, REQ), ("roleId", Ty::NullStr, OPT)] };
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

fn describe(v: &impl Node) -> &'static str {
    match v.kind() {
        Kind::Null => "null",
        Kind::Bool => "a boolean",
        Kind::Number => "a number",
        Kind::String => "a string",
        Kind::Array => "an array",
        Kind::Object => "an object",
    }
}

/// A short name for an element, e.g. `role "intern"`, used in messages.
fn element_name(spec: &Spec, v: &impl Node) -> String {
    let name = ["id", "nameSingular", "name", "object"].iter().find_map(|k| v.get(k).and_then(Node::as_str));
    match name {
        Some(n) => format!("{} \"{}\"", spec.what, n),
        None => spec.what.to_string(),
    }
}

/// A JSON path as the checks descend, kept on the stack and written out only for a problem
/// (a snapshot has thousands of keys and array elements, nearly always all fine).
#[derive(Clone, Copy)]
enum At<'a> {
    Base(&'a str),
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn render(&self) -> String {
        match self {
            At::Base(path) => path.to_string(),
            At::Key(parent, key) => join(&parent.render(), key),
            At::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

pub(crate) fn check(spec: &'static Spec, v: &impl Node, path: &str, out: &mut Vec<Issue>) {
    check_ty(Ty::Obj(spec), v, &At::Base(path), out)
}

/// `expected ... at PATH, found ...`. Out of line and cold, as every message here: `check_ty`
/// runs once per value of a snapshot, nearly always finding nothing.
#[cold]
#[inline(never)]
fn bad(expected: &str, v: &impl Node, at: &At, out: &mut Vec<Issue>) {
    let path = at.render();
    let place = if path.is_empty() { "the top level" } else { &path };
    let message = format!("expected {expected} at {place}, found {}", describe(v));
    out.push(Issue::new(codes::INVALID_ARG, path, message))
}

#[cold]
#[inline(never)]
fn bad_one_of(options: &[&str], v: &impl Node, at: &At, out: &mut Vec<Issue>) {
    let list = options.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(" or ");
    bad(&list, v, at, out)
}

#[cold]
#[inline(never)]
fn unknown_key(spec: &Spec, k: &str, v: &impl Node, at: &At, out: &mut Vec<Issue>) {
    out.push(Issue::new(codes::INVALID_ARG, join(&at.render(), k), format!("unknown key \"{k}\" in {}", element_name(spec, v))))
}

#[cold]
#[inline(never)]
fn missing_key(spec: &Spec, name: &str, v: &impl Node, at: &At, out: &mut Vec<Issue>) {
    out.push(Issue::new(
        codes::INVALID_ARG,
        join(&at.render(), name),
        format!("missing required key \"{name}\" in {}", element_name(spec, v)),
    ))
}

fn check_ty<N: Node>(ty: Ty, v: &N, at: &At, out: &mut Vec<Issue>) {
    let kind = v.kind();
    match ty {
        Ty::Str => {
            if kind != Kind::String {
                bad("a string", v, at, out)
            }
        }
        Ty::Bool => {
            if kind != Kind::Bool {
                bad("a boolean", v, at, out)
            }
        }
        Ty::Uint => {
            if v.as_u64().is_none() {
                bad("a non-negative integer", v, at, out)
            }
        }
        Ty::NullBool => {
            if !matches!(kind, Kind::Bool | Kind::Null) {
                bad("true, false or null", v, at, out)
            }
        }
        Ty::NullStr => {
            if !matches!(kind, Kind::String | Kind::Null) {
                bad("a string or null", v, at, out)
            }
        }
        Ty::OneOf(options) => match v.as_str() {
            Some(s) if options.contains(&s) => {}
            _ => bad_one_of(options, v, at, out),
        },
        Ty::Arr(inner) => match v.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check_ty(*inner, item, &At::Index(at, i), out);
                }
            }
            None => bad("an array", v, at, out),
        },
        Ty::NullObj(spec) => {
            if kind != Kind::Null {
                check_ty(Ty::Obj(spec), v, at, out)
            }
        }
        Ty::Any => {}
        Ty::Opt(inner) => {
            if kind != Kind::Null {
                check_ty(*inner, v, at, out)
            }
        }
        Ty::Map(inner) => match v.entries() {
            Some(entries) => entries.for_each(|(k, val)| check_ty(*inner, val, &At::Key(at, k), out)),
            None => bad("an object", v, at, out),
        },
        Ty::Obj(spec) => {
            let Some(entries) = v.entries() else {
                return bad("an object", v, at, out);
            };
            // which of the spec's keys are present (no hashing: a spec has at most 64 keys)
            let mut seen = 0u64;
            for (k, val) in entries {
                match spec.keys.iter().position(|(name, _, _)| *name == k) {
                    Some(i) => {
                        seen |= 1 << i;
                        check_ty(spec.keys[i].1, val, &At::Key(at, k), out)
                    }
                    None => unknown_key(spec, k, v, at, out),
                }
            }
            for (i, (name, _, required)) in spec.keys.iter().enumerate() {
                if *required && seen & (1 << i) == 0 {
                    missing_key(spec, name, v, at, out);
                }
            }
        }
    }
}

/// How serde names an unexpected value (`invalid type: {this}, expected ...`).
pub(crate) fn unexpected(v: &impl Node) -> String {
    match (v.kind(), v.as_number()) {
        (Kind::Null, _) => "null".to_string(), // serde says "unit value" for a borrowed Value
        (Kind::Bool, _) => format!("boolean `{}`", v.as_bool().unwrap_or_default()),
        (_, Some(n)) if n.is_f64() => format!("floating point `{n}`"),
        (_, Some(n)) => format!("integer `{n}`"),
        (Kind::String, _) => format!("string {}", quoted(v.as_str().unwrap_or_default())),
        (Kind::Array, _) => "sequence".to_string(),
        _ => "map".to_string(),
    }
}

/// A string in double quotes, escaped as Rust's `{:?}` does for the usual characters (serde
/// formats unexpected strings with `{:?}`; this avoids pulling in its Unicode tables).
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// serde's list of expected names: `` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` ``.
pub(crate) fn one_of(names: &[&str]) -> String {
    match names {
        [a] => format!("`{a}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        _ => format!("one of {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
    }
}

fn at(message: String, at: &At) -> String {
    let path = at.render();
    if path.is_empty() {
        message
    } else {
        format!("{message} at {path}")
    }
}

/// The first error serde's derived deserializer (with `deny_unknown_fields`) would report for
/// `v` as `ty`, in its words, followed by ` at PATH` when the problem is nested. Keys are
/// looked at in document order, missing required keys afterwards in declaration order.
pub(crate) fn first_error(ty: Ty, v: &impl Node, path: &str) -> Option<String> {
    if let Ty::Obj(spec) = ty {
        if is_plain_strings(spec, v) {
            return None;
        }
    }
    first_error_at(ty, v, &At::Base(path))
}

fn first_error_at<N: Node>(ty: Ty, v: &N, here: &At) -> Option<String> {
    let invalid = |expected: &str| Some(at(format!("invalid type: {}, expected {expected}", unexpected(v)), here));
    match ty {
        Ty::Any => None,
        Ty::Str => (v.kind() != Kind::String).then(|| invalid("a string")).flatten(),
        Ty::Bool => (v.kind() != Kind::Bool).then(|| invalid("a boolean")).flatten(),
        Ty::Uint => match v.as_number() {
            _ if v.as_u64().is_some() => None,
            Some(n) if n.is_i64() => Some(at(format!("invalid value: integer `{n}`, expected u64"), here)),
            _ => invalid("u64"),
        },
        Ty::NullBool => first_error_at(Ty::Opt(&Ty::Bool), v, here),
        Ty::NullStr => first_error_at(Ty::Opt(&Ty::Str), v, here),
        Ty::NullObj(spec) => {
            if v.kind() == Kind::Null {
                None
            } else {
                first_error_at(Ty::Obj(spec), v, here)
            }
        }
        Ty::Opt(inner) => {
            if v.kind() == Kind::Null {
                None
            } else {
                first_error_at(*inner, v, here)
            }
        }
        Ty::OneOf(options) => match v.as_str() {
            Some(s) if options.contains(&s) => None,
            Some(s) => Some(at(format!("unknown variant `{s}`, expected {}", one_of(options)), here)),
            None => invalid(&one_of(options)),
        },
        Ty::Arr(inner) => match v.as_array() {
            Some(items) => items.iter().enumerate().find_map(|(i, item)| first_error_at(*inner, item, &At::Index(here, i))),
            None => invalid("a sequence"),
        },
        Ty::Map(inner) => match v.entries() {
            Some(mut entries) => entries.find_map(|(k, val)| first_error_at(*inner, val, &At::Key(here, k))),
            None => invalid("a map"),
        },
        Ty::Obj(spec) => match v.kind() {
            Kind::Object => fields_error(spec, v, here, None),
            _ => invalid(&format!("struct {}", spec.what)),
        },
    }
}

/// Whether `v` is an object of `spec` with only declared keys, each holding a string where a
/// string is expected (or null where null is allowed), and with every required key: then
/// [`first_error_at`] finds nothing. [`first_error`] asks this first, so the code that words
/// its messages runs, and is compiled (WebAssembly compiles a function on its first call), only
/// for input that needs it (a principal such as `{"role":"intern"}` never does).
fn is_plain_strings(spec: &Spec, v: &impl Node) -> bool {
    let Some(entries) = v.entries() else {
        return false;
    };
    let mut seen = 0u64;
    for (k, val) in entries {
        let Some(i) = spec.keys.iter().position(|(name, _, _)| *name == k) else {
            return false;
        };
        let fits = matches!((spec.keys[i].1, val.kind()), (Ty::Str | Ty::NullStr, Kind::String) | (Ty::NullStr, Kind::Null));
        if !fits {
            return false;
        }
        seen |= 1 << i;
    }
    spec.keys.iter().enumerate().all(|(i, (_, _, required))| !*required || seen & (1 << i) != 0)
}

/// [`first_error`] for the keys of an object (but `skip`, an enum tag already read).
pub(crate) fn first_field_error(spec: &Spec, object: &impl Node, path: &str, skip: Option<&str>) -> Option<String> {
    fields_error(spec, object, &At::Base(path), skip)
}

fn fields_error<N: Node>(spec: &Spec, object: &N, here: &At, skip: Option<&str>) -> Option<String> {
    for (k, val) in object.entries()? {
        if Some(k) == skip {
            continue;
        }
        match spec.keys.iter().find(|(name, _, _)| *name == k) {
            Some((_, t, _)) => {
                if let Some(e) = first_error_at(*t, val, &At::Key(here, k)) {
                    return Some(e);
                }
            }
            None => {
                let names: Vec<&str> = spec.keys.iter().map(|(n, _, _)| *n).collect();
                let expected = if names.is_empty() { "there are no fields".to_string() } else { format!("expected {}", one_of(&names)) };
                return Some(at(format!("unknown field `{k}`, {expected}"), here));
            }
        }
    }
    let missing = spec.keys.iter().find(|(name, _, required)| *required && object.get(name).is_none())?;
    Some(at(format!("missing field `{}`", missing.0), here))
}

// Typed values from checked ones (after `check` or `first_error` found nothing wrong).

pub(crate) fn get_str(v: &impl Node, key: &str) -> String {
    v.get(key).and_then(Node::as_str).unwrap_or_default().to_string()
}

pub(crate) fn get_opt_str(v: &impl Node, key: &str) -> Option<String> {
    v.get(key).and_then(Node::as_str).map(String::from)
}

pub(crate) fn get_bool(v: &impl Node, key: &str, default: bool) -> bool {
    v.get(key).and_then(Node::as_bool).unwrap_or(default)
}

pub(crate) fn get_opt_bool(v: &impl Node, key: &str) -> Option<bool> {
    v.get(key).and_then(Node::as_bool)
}

/// Absent → `None`, `null` → `Some(None)`, a boolean → `Some(Some(b))`.
pub(crate) fn get_tri(v: &impl Node, key: &str) -> Option<Option<bool>> {
    v.get(key).map(Node::as_bool)
}

pub(crate) fn get_items<'a, N: Node>(v: &'a N, key: &str) -> &'a [N] {
    v.get(key).and_then(Node::as_array).unwrap_or(&[])
}

pub(crate) fn get_strings(v: &impl Node, key: &str) -> Vec<String> {
    get_items(v, key).iter().filter_map(Node::as_str).map(String::from).collect()
}

/// For tests comparing a hand-written reader with serde's derived one: the same value, or the
/// same error message, possibly followed by ` at PATH` (`null` where serde says `unit value`).
#[cfg(test)]
pub(crate) fn assert_same_answer<T: PartialEq + std::fmt::Debug>(
    ours: std::result::Result<T, String>,
    derived: std::result::Result<T, String>,
    input: &serde_json::Value,
) {
    let derived = derived.map_err(|e| e.replace("unit value", "null"));
    match (&ours, &derived) {
        (Err(a), Err(b)) if a.strip_prefix(b.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with(" at ")) => {}
        _ => assert_eq!(ours, derived, "{input}"),
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

    proptest::proptest! {
        /// The fast path never passes what the full check refuses.
        #[test]
        fn plain_strings_have_no_first_error(
            entries in proptest::collection::vec((0usize..8, 0usize..6), 0..6),
        ) {
            let keys = ["role", "member", "apiKey", "agent", "workflow", "onBehalfOf", "bogus", "Role"];
            let values = [json!("x"), json!(null), json!(1), json!(true), json!(["x"]), json!({"id": "x"})];
            let v: serde_json::Value = entries.iter().map(|&(k, x)| (keys[k].to_string(), values[x].clone())).collect::<serde_json::Map<_, _>>().into();
            for spec in [&crate::principal::PRINCIPAL, &MEMBER, &API_KEY] {
                if is_plain_strings(spec, &v) {
                    proptest::prop_assert_eq!(first_error_at(Ty::Obj(spec), &v, &At::Base("")), None, "{} {}", spec.what, v);
                }
            }
            proptest::prop_assert!(!is_plain_strings(&crate::principal::PRINCIPAL, &json!("role")));
        }
    }

    #[test]
    fn specs_fit_the_seen_mask() {
        for spec in [
            &OPTIONS, &RELATION, &FIELD, &OBJECT, &OBJECT_PERMISSION, &FIELD_PERMISSION, &ROLE, &MEMBER, &API_KEY, &AGENT, &WORKFLOW,
            &SNAPSHOT,
        ] {
            assert!(spec.keys.len() <= 64, "{}", spec.what);
        }
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
        let got = issues(
            &ROLE,
            json!({"id": "intern", "label": "I", "canUpdateAllSettings": false, "canAccessAllTools": false,
            "canReadAllObjectRecords": true, "canUpdateAllObjectRecords": false, "canSoftDeleteAllObjectRecords": false,
            "canDestroyAllObjectRecords": false, "objectPermissions": [{"object": "x"}, {"object": "y", "canRead": 1}]}),
        );
        assert_eq!(
            got,
            [(
                "objectPermissions[1].canRead".to_string(),
                "expected true, false or null at objectPermissions[1].canRead, found a number".to_string()
            )]
        );
        let got = issues(&OPTIONS, json!({"apiKeysWithoutRole": "allow"}));
        assert!(got[0].1.contains("\"defaultRole\" or \"deny\""), "{got:?}");
        assert!(issues(&SNAPSHOT, json!([])).iter().any(|(_, m)| m.contains("expected an object at the top level")));
        assert!(issues(&SNAPSHOT, json!({"revision": -1})).iter().any(|(p, m)| p == "revision" && m.contains("non-negative integer")));
    }
}
