//! Write checks: whether an operation is allowed at all, and every field of a body the
//! subject may not write (including join columns and Twenty's `connect` form).

use crate::model::RelationKind;
use crate::policy::{FieldId, ObjectId, Policy, Subject};
use crate::tree::{Kind, Node};
use crate::Op;
use serde::Serialize;

/// A write operation on records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum WriteOp {
    Create,
    Update,
    /// Create or update (Twenty's upsert): gated by update.
    Upsert,
    SoftDelete,
    Restore,
    Destroy,
}

impl WriteOp {
    pub fn parse(s: &str) -> Option<WriteOp> {
        Some(match s {
            "create" | "insert" => WriteOp::Create,
            "update" => WriteOp::Update,
            "upsert" => WriteOp::Upsert,
            "softDelete" | "delete" => WriteOp::SoftDelete,
            "restore" => WriteOp::Restore,
            "destroy" => WriteOp::Destroy,
            _ => return None,
        })
    }
    /// The object permission that gates it (insert needs update, restore needs soft delete).
    pub fn gate(self) -> Op {
        match self {
            WriteOp::Create | WriteOp::Update | WriteOp::Upsert => Op::Update,
            WriteOp::SoftDelete | WriteOp::Restore => Op::SoftDelete,
            WriteOp::Destroy => Op::Destroy,
        }
    }
    /// Whether a body's fields are written.
    pub fn writes_fields(self) -> bool {
        matches!(self, WriteOp::Create | WriteOp::Update | WriteOp::Upsert)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Violation {
    /// The field is readable but not updatable (See only).
    NotUpdatable,
    /// The field cannot be read, so it cannot be written either.
    NotReadable,
    /// A relation into an object the subject cannot read.
    RelationTargetNotReadable,
    /// A one-to-many relation edits rows of a target object the subject cannot update.
    RelationTargetNotUpdatable,
    /// A relation value that is not `null`, an id or `{connect}` / `{disconnect}`.
    UnsupportedRelationForm,
    /// Not a field of the object.
    UnknownField,
    /// A body (or batch element) that is not a JSON object.
    NotAnObject,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldViolation {
    /// Path in the body, e.g. `emails` or `[2].companyId`.
    pub path: String,
    /// The field concerned (the relation field for a join column).
    pub field: String,
    pub violation: Violation,
    /// Twenty's wording: `no permission to write field "emails" on "person"`.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteCheck {
    /// The operation is allowed and no field violates.
    pub allowed: bool,
    /// The object permission for the operation.
    pub operation_allowed: bool,
    pub violations: Vec<FieldViolation>,
}

/// Checks a write. `body` is a record, or an array of records for batch operations; it is
/// ignored for soft delete, restore and destroy.
pub fn check_write(policy: &Policy, s: &Subject, object: ObjectId, op: WriteOp, body: Option<&serde_json::Value>) -> WriteCheck {
    check_write_node(policy, s, object, op, body)
}

/// [`check_write`] of any JSON tree (`serde_json::Value` or `tree::Json`).
pub(crate) fn check_write_node<N: Node>(policy: &Policy, s: &Subject, object: ObjectId, op: WriteOp, body: Option<&N>) -> WriteCheck {
    let operation_allowed = policy.can_object(s, object, op.gate());
    let mut violations = Vec::new();
    if let Some(body) = body.filter(|_| op.writes_fields()) {
        each_record(body, |record, prefix| check_record(policy, s, object, record, prefix, &mut violations));
    }
    WriteCheck { allowed: operation_allowed && violations.is_empty(), operation_allowed, violations }
}

/// Each record of a write body, with its path prefix: the body itself (`""`), or each item of an
/// array (`[i]`, batch operations).
pub(crate) fn each_record<N: Node>(body: &N, mut f: impl FnMut(&N, &str)) {
    match body.as_array() {
        Some(items) => items.iter().enumerate().for_each(|(i, item)| f(item, &format!("[{i}]"))),
        None => f(body, ""),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn check_record<N: Node>(policy: &Policy, s: &Subject, object: ObjectId, v: &N, prefix: &str, out: &mut Vec<FieldViolation>) {
    let obj = policy.object(object);
    let Some(map) = v.entries() else {
        out.push(FieldViolation {
            path: prefix.to_string(),
            field: String::new(),
            violation: Violation::NotAnObject,
            message: format!("a {} record must be a JSON object", obj.name),
        });
        return;
    };
    for (key, value) in map {
        let path = join(prefix, key);
        let (fid, via_join) = match obj.field_id(key) {
            Some(f) => (f, false),
            None => match obj.join_column_field(key) {
                Some(f) => (f, true),
                None => {
                    out.push(FieldViolation {
                        path,
                        field: key.to_string(),
                        violation: Violation::UnknownField,
                        message: format!("unknown field \"{key}\" on \"{}\"", obj.name),
                    });
                    continue;
                }
            },
        };
        if let Some(v) = check_field(policy, s, object, fid, value, via_join) {
            let f = obj.field(fid);
            let message = match v {
                Violation::NotUpdatable if f.implicit && &*f.name == "deletedAt" => format!(
                    "no permission to write field \"deletedAt\" on \"{}\": setting it soft-deletes or restores the record, which needs soft-delete permission",
                    obj.name
                ),
                Violation::NotReadable | Violation::NotUpdatable => {
                    format!("no permission to write field \"{}\" on \"{}\"", f.name, obj.name)
                }
                Violation::RelationTargetNotReadable | Violation::RelationTargetNotUpdatable => {
                    let target = f.relation.as_ref().map(|r| &*policy.object(r.target).name).unwrap_or("?");
                    format!(
                        "no permission to write field \"{}\" on \"{}\": relation target \"{target}\" is not {}",
                        f.name,
                        obj.name,
                        if v == Violation::RelationTargetNotReadable { "readable" } else { "updatable" }
                    )
                }
                _ => format!("unsupported value for relation field \"{}\" on \"{}\"", f.name, obj.name),
            };
            out.push(FieldViolation { path, field: f.name.to_string(), violation: v, message });
        } else if let Some((target, hidden)) = connect_where_hidden(policy, s, object, fid, value) {
            // `{"connect": {"where": {...}}}` finds the record by the fields it names: a field the
            // subject may not read would answer whether a record with that value exists
            let (t, f) = (&policy.object(target).name, &obj.field(fid).name);
            out.push(match hidden {
                Some(hidden) => FieldViolation {
                    path: format!("{path}.connect.where.{hidden}"),
                    field: f.to_string(),
                    violation: Violation::NotReadable,
                    message: format!(
                        "no permission to read field \"{hidden}\" on \"{t}\" (named in connect.where of \"{f}\" on \"{}\")",
                        obj.name
                    ),
                },
                None => FieldViolation {
                    path: format!("{path}.connect"),
                    field: f.to_string(),
                    violation: Violation::UnsupportedRelationForm,
                    message: format!(
                        "unsupported value for relation field \"{f}\" on \"{}\": connect takes {{\"where\": {{...}}}}",
                        obj.name
                    ),
                },
            });
        }
    }
}

/// The first key of a relation value's `connect.where` that names no field of the target the
/// subject may read (an unknown name counts: the where form is refused rather than guessed);
/// `None` as the name: a `connect` that is not `{"where": {...}}`.
fn connect_where_hidden<N: Node>(
    policy: &Policy,
    s: &Subject,
    object: ObjectId,
    fid: FieldId,
    value: &N,
) -> Option<(ObjectId, Option<String>)> {
    let target = policy.object(object).field(fid).relation.as_ref()?.target;
    let connect = value.get("connect")?;
    // one `{"where": ...}`, or a list of them (one-to-many relations)
    let each = connect.as_array().unwrap_or(std::slice::from_ref(connect));
    for one in each {
        let only_where = one.entries().is_some_and(|mut c| c.next().is_some() && c.next().is_none());
        let Some(wheres) = one.get("where").filter(|w| only_where && w.entries().is_some_and(|mut e| e.next().is_some())) else {
            return Some((target, None));
        };
        for (key, _) in wheres.entries().into_iter().flatten() {
            match policy.field_id(target, key) {
                Some(f) if policy.can_field(s, target, f, Op::Read) => {}
                _ => return Some((target, Some(key.to_string()))),
            }
        }
    }
    None
}

fn check_field<N: Node>(policy: &Policy, s: &Subject, object: ObjectId, fid: FieldId, value: &N, via_join: bool) -> Option<Violation> {
    if !policy.can_field(s, object, fid, Op::Update) {
        return Some(if policy.can_field(s, object, fid, Op::Read) { Violation::NotUpdatable } else { Violation::NotReadable });
    }
    let f = policy.object(object).field(fid);
    // Writing `deletedAt` soft-deletes (or restores) the record: that door needs the soft-delete
    // permission, whatever update allows.
    if f.implicit && &*f.name == "deletedAt" && !policy.can_object(s, object, Op::SoftDelete) {
        return Some(Violation::NotUpdatable);
    }
    let rel = f.relation.as_ref()?;
    if !policy.can_object(s, rel.target, Op::Read) {
        return Some(Violation::RelationTargetNotReadable);
    }
    let kind = value.kind();
    if rel.kind == RelationKind::OneToMany && kind != Kind::Null && !policy.can_object(s, rel.target, Op::Update) {
        return Some(Violation::RelationTargetNotUpdatable);
    }
    if via_join {
        return (!matches!(kind, Kind::String | Kind::Null)).then_some(Violation::UnsupportedRelationForm);
    }
    let ok = match value.entries() {
        None => matches!(kind, Kind::Null | Kind::String),
        Some(mut m) => {
            let mut any = false;
            m.all(|(k, _)| {
                any = true;
                k == "connect" || k == "disconnect"
            }) && any
        }
    };
    (!ok).then_some(Violation::UnsupportedRelationForm)
}
