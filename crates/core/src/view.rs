//! The effective view (contract §3): everything a principal may do, fully resolved.

use crate::flags::Flag;
use crate::model::VIEW_FORMAT;
use crate::policy::{Policy, Subject};
use crate::principal::{Principal, Status};
use crate::shape::{self, get_str, get_strings, Spec, Ty};
use crate::tree::Node;
use crate::FxIndexMap as IndexMap;
use crate::Op;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct View {
    pub format: String,
    pub workspace_id: String,
    pub revision: u64,
    pub principal: Principal,
    pub status: Status,
    pub roles: Vec<String>,
    pub objects: IndexMap<String, ObjectView>,
    pub permission_flags: IndexMap<String, bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectView {
    pub can_read: bool,
    pub can_update: bool,
    pub can_soft_delete: bool,
    pub can_destroy: bool,
    pub fields: IndexMap<String, FieldView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldView {
    pub can_read: bool,
    pub can_update: bool,
}

static FIELD_VIEW: Spec = Spec { what: "FieldView", keys: &[("canRead", Ty::Bool, true), ("canUpdate", Ty::Bool, true)] };
static OBJECT_VIEW: Spec = Spec {
    what: "ObjectView",
    keys: &[
        ("canRead", Ty::Bool, true),
        ("canUpdate", Ty::Bool, true),
        ("canSoftDelete", Ty::Bool, true),
        ("canDestroy", Ty::Bool, true),
        ("fields", Ty::Map(&Ty::Obj(&FIELD_VIEW)), true),
    ],
};
static VIEW: Spec = Spec {
    what: "View",
    keys: &[
        ("format", Ty::Str, true),
        ("workspaceId", Ty::Str, true),
        ("revision", Ty::Uint, true),
        ("principal", Ty::Any, true), // read by `Principal::read`
        ("status", Ty::OneOf(&["active", "revoked", "expired", "noRole"]), true),
        ("roles", Ty::Arr(&Ty::Str), true),
        ("objects", Ty::Map(&Ty::Obj(&OBJECT_VIEW)), true),
        ("permissionFlags", Ty::Map(&Ty::Bool), true),
    ],
};

impl View {
    /// Reads a view (contract §3) from JSON: the derived Deserialize's answer, in its words
    /// with the JSON path of the problem, without its code (the npm package's `fromView`).
    pub fn from_value(v: &Value) -> Result<View, String> {
        Self::from_node(v)
    }

    /// [`View::from_value`] of JSON text.
    pub fn from_json(text: &str) -> Result<View, String> {
        Self::from_node(&crate::tree::Json::parse(text).map_err(|e| e.to_string())?)
    }

    fn from_node<N: Node>(v: &N) -> Result<View, String> {
        if let Some(e) = shape::first_error(Ty::Obj(&VIEW), v, "") {
            return Err(e);
        }
        let field = |k: &str| v.get(k);
        let principal = Principal::read(field("principal").ok_or("missing field `principal`")?, "principal")?;
        let bools = |o: &N, k: &str| o.get(k).and_then(Node::as_bool).unwrap_or_default();
        fn entries<'a, N: Node>(o: &'a N, k: &str) -> impl Iterator<Item = (String, &'a N)> {
            o.get(k).and_then(Node::entries).into_iter().flatten().map(|(k, v)| (k.to_string(), v))
        }
        Ok(View {
            format: get_str(v, "format"),
            workspace_id: get_str(v, "workspaceId"),
            revision: field("revision").and_then(Node::as_u64).unwrap_or_default(),
            principal,
            status: match field("status").and_then(Node::as_str) {
                Some("revoked") => Status::Revoked,
                Some("expired") => Status::Expired,
                Some("noRole") => Status::NoRole,
                _ => Status::Active,
            },
            roles: get_strings(v, "roles"),
            objects: entries(v, "objects")
                .map(|(name, o)| {
                    let fields = entries(o, "fields")
                        .map(|(f, fv)| (f, FieldView { can_read: bools(fv, "canRead"), can_update: bools(fv, "canUpdate") }))
                        .collect();
                    let view = ObjectView {
                        can_read: bools(o, "canRead"),
                        can_update: bools(o, "canUpdate"),
                        can_soft_delete: bools(o, "canSoftDelete"),
                        can_destroy: bools(o, "canDestroy"),
                        fields,
                    };
                    (name, view)
                })
                .collect(),
            permission_flags: entries(v, "permissionFlags").map(|(k, b)| (k, b.as_bool().unwrap_or_default())).collect(),
        })
    }
}

impl ObjectView {
    pub fn get(&self, op: Op) -> bool {
        match op {
            Op::Read => self.can_read,
            Op::Update => self.can_update,
            Op::SoftDelete => self.can_soft_delete,
            Op::Destroy => self.can_destroy,
        }
    }
}

/// Builds the view of a resolved subject. Objects and fields in schema order (implicit fields
/// after declared ones), every known flag.
pub fn effective_view(policy: &Policy, principal: &Principal, subject: &Subject) -> View {
    let mut objects = IndexMap::with_capacity_and_hasher(policy.objects().len(), Default::default());
    for (i, o) in policy.objects().iter().enumerate() {
        objects.insert(o.name.to_string(), object_view(policy, subject, crate::ObjectId(i as u32)));
    }
    let permission_flags = Flag::all().map(|f| (f.key().to_string(), policy.has_flag(subject, f))).collect();
    View {
        format: VIEW_FORMAT.to_string(),
        workspace_id: policy.workspace_id().to_string(),
        revision: policy.revision(),
        principal: principal.clone(),
        status: subject.status(),
        roles: policy.subject_roles(subject).into_iter().map(String::from).collect(),
        objects,
        permission_flags,
    }
}

/// One object of [`effective_view`]: its four decisions and its fields in schema order.
pub fn object_view(policy: &Policy, subject: &Subject, oid: crate::ObjectId) -> ObjectView {
    let o = policy.object(oid);
    let mut fields = IndexMap::with_capacity_and_hasher(o.fields.len(), Default::default());
    for fid in o.field_ids() {
        fields.insert(
            o.field(fid).name.to_string(),
            FieldView {
                can_read: policy.can_field(subject, oid, fid, Op::Read),
                can_update: policy.can_field(subject, oid, fid, Op::Update),
            },
        );
    }
    ObjectView {
        can_read: policy.can_object(subject, oid, Op::Read),
        can_update: policy.can_object(subject, oid, Op::Update),
        can_soft_delete: policy.can_object(subject, oid, Op::SoftDelete),
        can_destroy: policy.can_object(subject, oid, Op::Destroy),
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `View::from_value` answers like the derived Deserialize (kept for Rust callers).
    #[test]
    fn reader_matches_derived_deserialize() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/workspace.json");
        let snap = crate::Snapshot::from_json(&std::fs::read_to_string(p).unwrap()).unwrap();
        let policy = Policy::compile(snap).unwrap();
        let mut cases = Vec::new();
        for principal in [Principal::Role("intern".into()), Principal::Agent("agent-research".into()), Principal::Member("m-ada".into())] {
            let subject = policy.resolve(&principal, 0).unwrap();
            cases.push(serde_json::to_value(effective_view(&policy, &principal, &subject)).unwrap());
        }
        let good = cases[0].clone();
        let with = |path: &[&str], value: Value| {
            let mut v = good.clone();
            let mut at = &mut v;
            for k in &path[..path.len() - 1] {
                at = &mut at[*k];
            }
            match value {
                Value::Null if path.last() == Some(&"-") => {}
                value => {
                    at[path[path.len() - 1]] = value;
                }
            }
            v
        };
        let without = |path: &[&str]| {
            let mut v = good.clone();
            let mut at = &mut v;
            for k in &path[..path.len() - 1] {
                at = &mut at[*k];
            }
            at.as_object_mut().unwrap().shift_remove(path[path.len() - 1]);
            v
        };
        cases.extend([
            with(&["format"], json!(1)),
            with(&["revision"], json!(-1)),
            with(&["revision"], json!(1.5)),
            with(&["revision"], json!("7")),
            with(&["principal"], json!({"role": "r", "member": "m"})),
            with(&["principal"], json!({"rol": "r"})),
            with(&["principal"], json!({"role": 1})),
            with(&["principal"], json!("intern")),
            with(&["status"], json!("gone")),
            with(&["roles"], json!("intern")),
            with(&["roles"], json!([1])),
            with(&["objects"], json!([])),
            with(&["objects", "person"], json!(null)),
            with(&["objects", "person", "canRead"], json!("yes")),
            with(&["objects", "person", "canReed"], json!(true)),
            with(&["objects", "person", "fields"], json!({"name": {"canRead": true}})),
            with(&["objects", "person", "fields", "name", "canUpdate"], json!(null)),
            with(&["objects", "person", "fields", "name", "extra"], json!(1)),
            with(&["permissionFlags", "AI"], json!("no")),
            with(&["permissionFlags"], json!(["AI"])),
            with(&["extra"], json!(true)),
            without(&["roles"]),
            without(&["objects", "person", "fields"]),
            without(&["objects", "person", "canDestroy"]),
            json!(null),
            json!("view"),
        ]);
        // serde took an array for a struct; a view is an object
        assert!(View::from_value(&json!([])).is_err());
        for v in &cases {
            let derived = View::deserialize(v).map_err(|e| e.to_string());
            shape::assert_same_answer(View::from_value(v), derived, v);
        }
    }
}
