//! One principal's permissions behind one facade, built either from a snapshot (full engine)
//! or from an effective view (contract §3, what the gateway serves to a browser). The npm
//! package's `Permissions` class is a thin binding over this type.
//!
//! A view carries no schema beyond object and field names, so a view-backed instance:
//! redacts field by field without following relations into their targets (data from the
//! gateway is already redacted), treats `<relation>Id` as the join column of a readable
//! relation field `<relation>`, and explains decisions by the view alone.

use crate::error::{codes, Error, Result};
use crate::explain::{explain_subject, Explanation, Level};
use crate::flags::Flag;
use crate::model::RelationKind;
use crate::policy::{ObjectId, Policy, Subject};
use crate::principal::{Principal, Status};
use crate::redact::{redact_value, RedactStats, RESERVED_KEYS};
use crate::tree::Node;
use crate::view::{effective_view, ObjectView, View};
use crate::write::{check_write_node, each_record, FieldViolation, Violation, WriteCheck, WriteOp};
use crate::{Op, Snapshot};
use serde_json::Value;

pub struct Permissions {
    inner: Inner,
}

enum Inner {
    Snapshot { policy: Box<Policy>, principal: Principal, subject: Subject },
    View(Box<View>),
}

fn unknown_object(object: &str) -> Error {
    Error::one(codes::OBJECT_METADATA_NOT_FOUND, "object", format!("unknown object \"{object}\""))
}

fn unknown_field(object: &str, field: &str) -> Error {
    Error::one(codes::FIELD_METADATA_NOT_FOUND, "field", format!("unknown field \"{object}.{field}\""))
}

impl Permissions {
    /// From a validated snapshot and a principal (resolved at `now`, Unix seconds).
    pub fn from_snapshot(snapshot: Snapshot, principal: Principal, now: i64) -> Result<Permissions> {
        Self::from_policy(Policy::compile(snapshot)?, principal, now)
    }

    /// From a compiled policy (e.g. [`Policy::from_json`]) and a principal resolved at `now`.
    pub fn from_policy(policy: Policy, principal: Principal, now: i64) -> Result<Permissions> {
        let subject = policy.resolve(&principal, now)?;
        Ok(Permissions { inner: Inner::Snapshot { policy: Box::new(policy), principal, subject } })
    }

    /// From an effective view (checked: format, every object with its four booleans, and
    /// nothing an effective view never holds; see [`check_view`]).
    pub fn from_view(view: View) -> Result<Permissions> {
        if view.format != crate::model::VIEW_FORMAT {
            return Err(Error::one(codes::INVALID_ARG, "format", format!("unsupported view format \"{}\"", view.format)));
        }
        check_view(&view)?;
        Ok(Permissions { inner: Inner::View(Box::new(view)) })
    }

    fn view_object<'v>(&self, view: &'v View, object: &str) -> Result<&'v ObjectView> {
        view.objects.get(object).ok_or_else(|| unknown_object(object))
    }

    /// Object-level (`field` = None) or field-level decision. Unknown names are errors.
    pub fn can(&self, object: &str, field: Option<&str>, op: Op) -> Result<bool> {
        match &self.inner {
            Inner::Snapshot { policy, subject, .. } => policy.check(subject, object, field, op),
            Inner::View(view) => {
                let o = view.objects.get(object).ok_or_else(|| unknown_object(object))?;
                match (field, op) {
                    (None, op) | (Some(_), op @ (Op::SoftDelete | Op::Destroy)) => {
                        if let Some(f) = field {
                            o.fields.get(f).ok_or_else(|| unknown_field(object, f))?;
                        }
                        Ok(o.get(op))
                    }
                    (Some(f), op) => {
                        let fv = o.fields.get(f).ok_or_else(|| unknown_field(object, f))?;
                        Ok(if op == Op::Read { fv.can_read } else { fv.can_update })
                    }
                }
            }
        }
    }

    pub fn has_flag(&self, flag: &str) -> Result<bool> {
        let f = Flag::parse(flag).ok_or_else(|| Error::one(codes::UNKNOWN_FLAG, "flag", format!("unknown permission flag \"{flag}\"")))?;
        Ok(match &self.inner {
            Inner::Snapshot { policy, subject, .. } => policy.has_flag(subject, f),
            Inner::View(view) => view.permission_flags.get(f.key()).copied().unwrap_or(false),
        })
    }

    /// Fields in schema order (implicit ones last) that pass `op` (read or update).
    pub fn fields_with(&self, object: &str, op: Op) -> Result<Vec<String>> {
        match &self.inner {
            Inner::Snapshot { policy, subject, .. } => {
                let oid = policy.object_id(object).ok_or_else(|| unknown_object(object))?;
                let o = policy.object(oid);
                Ok(o.field_ids().filter(|f| policy.can_field(subject, oid, *f, op)).map(|f| o.field(f).name.to_string()).collect())
            }
            Inner::View(view) => {
                let o = self.view_object(view, object)?;
                Ok(o.fields
                    .iter()
                    .filter(|(_, f)| if op == Op::Read { f.can_read } else { f.can_update })
                    .map(|(n, _)| n.clone())
                    .collect())
            }
        }
    }

    /// Twenty's front-end rule (twenty-permissions §6): a field is read-only when the record
    /// is soft-deleted, the object cannot be updated, or the field cannot be updated; a
    /// one-to-many relation field also when its target object cannot be updated.
    pub fn is_field_read_only(&self, object: &str, field: &str, record_deleted: bool) -> Result<bool> {
        let updatable = self.can(object, Some(field), Op::Update)?;
        let object_updatable = self.can(object, None, Op::Update)?;
        let mut ro = record_deleted || !object_updatable || !updatable;
        if let Inner::Snapshot { policy, subject, .. } = &self.inner {
            let oid = policy.object_id(object).ok_or_else(|| unknown_object(object))?;
            let o = policy.object(oid);
            if let Some(rel) = o.field_id(field).and_then(|f| o.field(f).relation.as_ref()) {
                if rel.kind == RelationKind::OneToMany && !policy.can_object(subject, rel.target, Op::Update) {
                    ro = true;
                }
            }
        }
        Ok(ro)
    }

    /// Removes what the principal cannot read from a record, an array or a connection.
    pub fn redact(&self, object: &str, value: &mut Value) -> Result<RedactStats> {
        match &self.inner {
            Inner::Snapshot { policy, subject, .. } => {
                let oid = policy.object_id(object).ok_or_else(|| unknown_object(object))?;
                Ok(redact_value(policy, subject, oid, value))
            }
            Inner::View(view) => {
                let o = self.view_object(view, object)?;
                let mut stats = RedactStats::default();
                redact_by_view(o, value, &mut stats);
                Ok(stats)
            }
        }
    }

    /// Whether a write is allowed, and every field of the body that may not be written.
    pub fn check_write(&self, object: &str, op: WriteOp, body: Option<&Value>) -> Result<WriteCheck> {
        self.check_write_node(object, op, body)
    }

    fn check_write_node<N: Node>(&self, object: &str, op: WriteOp, body: Option<&N>) -> Result<WriteCheck> {
        match &self.inner {
            Inner::Snapshot { policy, subject, .. } => {
                let oid: ObjectId = policy.object_id(object).ok_or_else(|| unknown_object(object))?;
                Ok(check_write_node(policy, subject, oid, op, body))
            }
            Inner::View(view) => {
                let o = self.view_object(view, object)?;
                let operation_allowed = o.get(op.gate());
                let mut violations = Vec::new();
                if let Some(body) = body.filter(|_| op.writes_fields()) {
                    each_record(body, |record, prefix| view_check_record(object, o, record, prefix, &mut violations));
                }
                Ok(WriteCheck { allowed: operation_allowed && violations.is_empty(), operation_allowed, violations })
            }
        }
    }

    /// [`Permissions::check_write`] of a body given as JSON text (`INVALID_JSON` at `body` if
    /// it is not JSON): read into the plain tree the snapshot is read into, so a caller that
    /// only has text (the npm package) needs no `serde_json::Value`.
    pub fn check_write_json(&self, object: &str, op: WriteOp, body: Option<&str>) -> Result<WriteCheck> {
        let body = body
            .map(crate::tree::Json::parse)
            .transpose()
            .map_err(|e| Error::one(codes::INVALID_JSON, "body", format!("body is not valid JSON: {e}")))?;
        self.check_write_node(object, op, body.as_ref())
    }

    pub fn explain(&self, object: &str, field: Option<&str>, op: Op) -> Result<Explanation> {
        match &self.inner {
            Inner::Snapshot { policy, principal, subject } => explain_subject(policy, principal, subject, object, field, op),
            Inner::View(view) => {
                let allowed = self.can(object, field, op)?;
                let (level, reason) = match view.status {
                    Status::Revoked => (Level::Revoked, "the principal is revoked: no access".to_string()),
                    Status::Expired => (Level::Expired, "the principal is expired: no access".to_string()),
                    Status::NoRole => (Level::NoRole, "the principal has no role: no access".to_string()),
                    Status::Active => (
                        if view.roles.len() > 1 { Level::Intersection } else { Level::AllObjects },
                        "decided by the effective view served by the gateway (it carries the result, not the rules)".to_string(),
                    ),
                };
                Ok(Explanation {
                    principal: view.principal.clone(),
                    object: object.to_string(),
                    field: field.map(String::from),
                    op,
                    decision: if allowed { "allow" } else { "deny" },
                    allowed,
                    level,
                    role: view.roles.first().cloned(),
                    reason,
                    roles: Vec::new(),
                })
            }
        }
    }

    /// One object of the effective view (as in [`Permissions::view`]), by `nameSingular`;
    /// computed for that object alone. Unknown names are errors.
    pub fn object_view(&self, object: &str) -> Result<std::borrow::Cow<'_, ObjectView>> {
        match &self.inner {
            Inner::Snapshot { policy, subject, .. } => {
                let oid = policy.object_id(object).ok_or_else(|| unknown_object(object))?;
                Ok(std::borrow::Cow::Owned(crate::view::object_view(policy, subject, oid)))
            }
            Inner::View(view) => Ok(std::borrow::Cow::Borrowed(self.view_object(view, object)?)),
        }
    }

    /// The effective view (contract §3): computed for a snapshot, borrowed for a view.
    pub fn view(&self) -> std::borrow::Cow<'_, View> {
        match &self.inner {
            Inner::Snapshot { policy, principal, subject } => std::borrow::Cow::Owned(effective_view(policy, principal, subject)),
            Inner::View(v) => std::borrow::Cow::Borrowed(v),
        }
    }

    pub fn status(&self) -> Status {
        match &self.inner {
            Inner::Snapshot { subject, .. } => subject.status(),
            Inner::View(v) => v.status,
        }
    }
}

/// Refuses a view that says what no effective view says (contract §3), rather than answer
/// from it: a grant in a view whose status is not `active` (such a principal may do nothing),
/// a field readable in an unreadable object, a field updatable that is not readable or whose
/// object is not updatable, an object writable that is not readable.
#[inline(never)]
fn check_view(view: &View) -> Result<()> {
    let bad = |path: String, why: &str| Err(Error::one(codes::INVALID_ARG, &path, format!("not an effective view: {why} (at {path})")));
    let active = view.status == Status::Active;
    if !active {
        if let Some((flag, _)) = view.permission_flags.iter().find(|(_, &on)| on) {
            return bad(format!("permissionFlags.{flag}"), "a principal whose status is not active has no permission flag");
        }
    }
    for (name, o) in &view.objects {
        let writes = [("canUpdate", o.can_update), ("canSoftDelete", o.can_soft_delete), ("canDestroy", o.can_destroy)];
        if !active {
            if let Some((key, _)) = [("canRead", o.can_read)].into_iter().chain(writes).find(|(_, on)| *on) {
                return bad(format!("objects.{name}.{key}"), "a principal whose status is not active may do nothing");
            }
        }
        if let Some((key, _)) = writes.into_iter().find(|(_, on)| *on && !o.can_read) {
            return bad(format!("objects.{name}.{key}"), "an object that is not readable is not writable");
        }
        for (f, fv) in &o.fields {
            if fv.can_read && !o.can_read {
                return bad(format!("objects.{name}.fields.{f}.canRead"), "a field of an object that is not readable is not readable");
            }
            if fv.can_update && !(fv.can_read && o.can_update) {
                return bad(
                    format!("objects.{name}.fields.{f}.canUpdate"),
                    "a field is updatable only if it is readable and its object is updatable",
                );
            }
        }
    }
    Ok(())
}

/// The view's relation-field name for a join column (`companyId` → `company`).
fn join_field<'a>(o: &'a ObjectView, key: &str) -> Option<&'a str> {
    let base = key.strip_suffix("Id")?;
    o.fields.get_key_value(base).map(|(k, _)| k.as_str())
}

fn redact_by_view(o: &ObjectView, v: &mut Value, stats: &mut RedactStats) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| redact_by_view(o, i, stats)),
        Value::Object(map) => map.retain(|k, val| {
            let keep = match o.fields.get(k.as_str()) {
                Some(f) => f.can_read,
                None => match join_field(o, k) {
                    Some(rel) => o.fields[rel].can_read,
                    None => match k.as_str() {
                        "__typename" | "pageInfo" | "totalCount" => true,
                        "edges" => {
                            // as the snapshot path has them
                            crate::redact::redact_edges_with(val, stats, &mut |node, stats| redact_by_view(o, node, stats));
                            true
                        }
                        _ => false,
                    },
                },
            };
            if !keep {
                stats.removed += 1;
            }
            keep
        }),
        _ => {}
    }
}

fn view_check_record(object: &str, o: &ObjectView, v: &impl Node, prefix: &str, out: &mut Vec<FieldViolation>) {
    let Some(map) = v.entries() else {
        out.push(FieldViolation {
            path: prefix.to_string(),
            field: String::new(),
            violation: Violation::NotAnObject,
            message: format!("a {object} record must be a JSON object"),
        });
        return;
    };
    for (k, _) in map {
        let path = if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
        let field = o.fields.get(k).map(|_| k).or_else(|| join_field(o, k));
        let Some(name) = field else {
            out.push(FieldViolation {
                path,
                field: k.to_string(),
                violation: Violation::UnknownField,
                message: format!("unknown field \"{k}\" on \"{object}\""),
            });
            continue;
        };
        let f = &o.fields[name];
        let violation = if !f.can_update {
            // A field's canUpdate already includes the object's update permission.
            let v = if f.can_read { Violation::NotUpdatable } else { Violation::NotReadable };
            Some((v, format!("no permission to write field \"{name}\" on \"{object}\"")))
        } else if name == "deletedAt" && !o.can_soft_delete {
            // Writing `deletedAt` soft-deletes or restores the record: it needs the soft-delete
            // permission too, as on the snapshot path.
            Some((Violation::NotUpdatable, format!("no permission to write field \"deletedAt\" on \"{object}\": setting it soft-deletes or restores the record, which needs soft-delete permission")))
        } else {
            None
        };
        if let Some((violation, message)) = violation {
            out.push(FieldViolation { path, field: name.to_string(), violation, message });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture() -> Snapshot {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/workspace.json");
        Snapshot::from_json(&std::fs::read_to_string(p).unwrap()).unwrap()
    }

    /// A snapshot-backed and a view-backed instance answer every question the same way.
    #[test]
    fn view_and_snapshot_agree() {
        let snap = fixture();
        for principal in [
            Principal::Role("intern".into()),
            Principal::ApiKey("8d4e6f10-2c3b-4a5d-8e9f-1a2b3c4d5e6f".into()),
            Principal::AgentInWorkflow { agent: "agent-sales".into(), workflow: "wf-enrich".into() },
            Principal::Agent("agent-research".into()),
            Principal::Agent("agent-sales".into()),
        ] {
            let a = Permissions::from_snapshot(fixture(), principal.clone(), 0).unwrap();
            let view: View = serde_json::from_value(serde_json::to_value(a.view()).unwrap()).unwrap();
            let b = Permissions::from_view(view).unwrap();
            for (name, o) in &a.view().objects {
                // one object computed alone is that object of the whole view
                assert_eq!(&*a.object_view(name).unwrap(), o, "{principal} {name}");
                assert_eq!(&*b.object_view(name).unwrap(), o, "{principal} {name}");
                for p in [&a, &b] {
                    assert_eq!(p.object_view("persons").unwrap_err().code(), codes::OBJECT_METADATA_NOT_FOUND);
                }
                for op in Op::ALL {
                    assert_eq!(a.can(name, None, op).unwrap(), b.can(name, None, op).unwrap());
                    for f in o.fields.keys() {
                        assert_eq!(a.can(name, Some(f), op).unwrap(), b.can(name, Some(f), op).unwrap(), "{principal} {name}.{f}");
                    }
                }
                assert_eq!(a.fields_with(name, Op::Read).unwrap(), b.fields_with(name, Op::Read).unwrap());
                assert_eq!(a.fields_with(name, Op::Update).unwrap(), b.fields_with(name, Op::Update).unwrap());
                for f in o.fields.keys() {
                    let (x, y) = (a.is_field_read_only(name, f, false).unwrap(), b.is_field_read_only(name, f, false).unwrap());
                    // one-to-many relations also look at the target object, which a view cannot
                    let to_many = snap
                        .object(name)
                        .and_then(|ob| ob.field(f))
                        .and_then(|ff| ff.relation.as_ref())
                        .is_some_and(|r| r.kind == RelationKind::OneToMany);
                    if !to_many {
                        assert_eq!(x, y, "{principal} {name}.{f}");
                    }
                }
            }
            for flag in ["AI", "EXPORT_CSV", "WORKFLOWS", "DATA_MODEL"] {
                assert_eq!(a.has_flag(flag).unwrap(), b.has_flag(flag).unwrap());
            }
            let rec =
                json!({"id": "1", "jobTitle": "x", "address": {"addressCity": "y"}, "emails": {"primaryEmail": "z"}, "companyId": "c"});
            let (mut r1, mut r2) = (rec.clone(), rec.clone());
            a.redact("person", &mut r1).unwrap();
            b.redact("person", &mut r2).unwrap();
            assert_eq!(r1, r2, "{principal}");
            // connections of any shape: edges not an array, edges that are not objects, keys
            // beside node in an edge
            for conn in [
                json!({"edges": {"node": {"address": {"addressCity": "SECRET"}}}, "totalCount": 1}),
                json!({"edges": [{"node": rec.clone(), "x": {"address": "SECRET"}, "cursor": "c"}, [{"address": "SECRET2"}], 3, null]}),
            ] {
                let (mut c1, mut c2) = (conn.clone(), conn.clone());
                a.redact("person", &mut c1).unwrap();
                b.redact("person", &mut c2).unwrap();
                assert_eq!(c1, c2, "{principal} {conn}");
                assert!(!c2.to_string().contains("SECRET"), "{principal} {c2}");
            }
            for body in [json!({"jobTitle": "x", "emails": {}, "companyId": "c"}), json!({"deletedAt": "2024-01-01T00:00:00Z"})] {
                let (w1, w2) = (
                    a.check_write("person", WriteOp::Update, Some(&body)).unwrap(),
                    b.check_write("person", WriteOp::Update, Some(&body)).unwrap(),
                );
                assert_eq!((w1.allowed, w1.violations.len()), (w2.allowed, w2.violations.len()), "{principal} {body}");
                assert_eq!(
                    w1.violations.iter().map(|v| &v.violation).collect::<Vec<_>>(),
                    w2.violations.iter().map(|v| &v.violation).collect::<Vec<_>>()
                );
            }
        }
    }

    /// A view that grants what no effective view grants is refused, naming where.
    #[test]
    fn contradictory_views_are_refused() {
        let a = Permissions::from_snapshot(fixture(), Principal::Role("intern".into()), 0).unwrap();
        let good = serde_json::to_value(a.view()).unwrap();
        assert!(Permissions::from_view(serde_json::from_value(good.clone()).unwrap()).is_ok());
        type Edit = fn(&mut Value);
        let cases: [(&str, Edit); 6] = [
            ("permissionFlags.EXPORT_CSV", |v| v["status"] = json!("revoked")),
            ("objects.person.canRead", |v| {
                v["status"] = json!("expired");
                v["permissionFlags"]["EXPORT_CSV"] = json!(false);
                for o in v["objects"].as_object_mut().unwrap().values_mut() {
                    *o = json!({"canRead": false, "canUpdate": false, "canSoftDelete": false, "canDestroy": false, "fields": {}});
                }
                v["objects"]["person"]["canRead"] = json!(true);
            }),
            ("objects.person.fields.address.canUpdate", |v| v["objects"]["person"]["fields"]["address"]["canUpdate"] = json!(true)),
            ("objects.opportunity.fields.name.canRead", |v| v["objects"]["opportunity"]["fields"]["name"]["canRead"] = json!(true)),
            ("objects.opportunity.canDestroy", |v| v["objects"]["opportunity"]["canDestroy"] = json!(true)),
            ("objects.company.fields.name.canUpdate", |v| {
                v["objects"]["company"]["canUpdate"] = json!(false);
                v["objects"]["company"]["fields"]["name"] = json!({"canRead": true, "canUpdate": true});
            }),
        ];
        for (path, edit) in cases {
            let mut v = good.clone();
            edit(&mut v);
            let e = Permissions::from_view(serde_json::from_value(v).unwrap()).err().unwrap_or_else(|| panic!("{path} accepted"));
            assert_eq!((e.code(), e.path()), (codes::INVALID_ARG, path));
        }
    }

    /// The npm package reads bodies, principals and views from JSON text into `tree::Json`;
    /// Rust callers pass `serde_json::Value`s. Both answer the same, for snapshot- and
    /// view-backed instances, on valid and broken input.
    #[test]
    fn text_and_value_readers_agree() {
        let snap = fixture();
        let a = Permissions::from_snapshot(snap.clone(), Principal::Role("intern".into()), 0).unwrap();
        let b = Permissions::from_view(a.view().into_owned()).unwrap();
        let bodies = [
            r#"{"jobTitle": "x", "emails": {}, "companyId": "c"}"#,
            r#"[{"jobTitle": "x"}, {"address": {"addressCity": "y"}}, 3, {"nope": 1}]"#,
            r#"{"company": {"connect": {"where": {"name": "Acme"}}}, "taskTargets": null}"#,
            r#"{"company": {"connect": [{"where": {"id": "1"}}, {"where": {}}]}, "jobTitle": 1, "jobTitle": "y"}"#,
            r#"{"company": {"connect": {"where": {"id": "1"}, "x": 1}}, "company": {"disconnect": true}}"#,
            r#"{"company": {}, "companyId": {"id": 1}}"#,
            r#""text""#,
            "null",
        ];
        for p in [&a, &b] {
            for text in bodies {
                let v: Value = serde_json::from_str(text).unwrap();
                for op in [WriteOp::Create, WriteOp::Update, WriteOp::Destroy] {
                    assert_eq!(
                        format!("{:?}", p.check_write_json("person", op, Some(text))),
                        format!("{:?}", p.check_write("person", op, Some(&v))),
                        "{text}"
                    );
                }
            }
            assert_eq!(
                format!("{:?}", p.check_write_json("person", WriteOp::Update, None)),
                format!("{:?}", p.check_write("person", WriteOp::Update, None))
            );
            let e = p.check_write_json("person", WriteOp::Update, Some("{\"a\":")).unwrap_err();
            assert_eq!((e.code(), e.path()), ("INVALID_JSON", "body"));
        }
        for text in [
            r#"{"role": "intern"}"#,
            r#"{"agent": "a", "workflow": "w"}"#,
            r#"{"agent": "a", "onBehalfOf": "m", "agent": "b"}"#,
            r#"{"role": 1}"#,
            r#"{"role": "x", "apiKey": "y"}"#,
            r#"{"rol": "x"}"#,
            r#"[]"#,
            r#"{}"#,
        ] {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(format!("{:?}", Principal::from_json(text)), format!("{:?}", Principal::from_value(&v)), "{text}");
        }
        assert_eq!(Principal::from_json("{").unwrap_err().code(), "INVALID_JSON");
        let view = serde_json::to_value(a.view()).unwrap();
        let mut broken = view.clone();
        broken["objects"]["person"]["fields"]["name"]["canRead"] = json!("yes");
        for v in [view, broken, json!({"format": "rolegate-view/v1"}), json!([])] {
            assert_eq!(View::from_json(&v.to_string()), View::from_value(&v), "{v}");
        }
    }

    #[test]
    fn errors_for_unknown_names_and_read_only_rules() {
        let p = Permissions::from_snapshot(fixture(), Principal::Role("intern".into()), 0).unwrap();
        assert_eq!(p.can("persons", None, Op::Read).unwrap_err().code(), "OBJECT_METADATA_NOT_FOUND");
        assert_eq!(p.can("person", Some("salary"), Op::Read).unwrap_err().code(), "FIELD_METADATA_NOT_FOUND");
        assert_eq!(p.has_flag("EXPORT_PDF").unwrap_err().code(), "UNKNOWN_FLAG");
        assert!(p.is_field_read_only("person", "emails", false).unwrap());
        assert!(!p.is_field_read_only("person", "jobTitle", false).unwrap());
        assert!(p.is_field_read_only("person", "jobTitle", true).unwrap());
        assert!(p.is_field_read_only("company", "name", false).unwrap());
        // one-to-many into a target the Intern cannot update
        assert_eq!(p.is_field_read_only("person", "taskTargets", false).unwrap(), !p.can("taskTarget", None, Op::Update).unwrap());
        assert!(Permissions::from_snapshot(fixture(), Principal::Member("m-zed".into()), 0).is_err());
        let mut v = p.view().into_owned();
        v.format = "rolegate-view/v9".into();
        assert!(Permissions::from_view(v).is_err());
    }
}

impl Permissions {
    /// Redacts JSON bytes (a record, an array or a connection) into `out`. Snapshot-backed
    /// instances stream without building a DOM; view-backed ones go through a `Value`.
    pub fn redact_json(&self, object: &str, input: &[u8], out: &mut Vec<u8>) -> Result<RedactStats> {
        match &self.inner {
            Inner::Snapshot { policy, subject, .. } => {
                let oid = policy.object_id(object).ok_or_else(|| unknown_object(object))?;
                crate::redact::redact_json(policy, subject, oid, input, out)
            }
            Inner::View(_) => {
                let mut v = crate::tree::value_from_slice(input)
                    .map_err(|e| Error::one(codes::INVALID_JSON, "", format!("records are not valid JSON: {e}")))?;
                let stats = self.redact(object, &mut v)?;
                serde_json::to_writer(out, &v).map_err(|e| Error::one(codes::INTERNAL, "", e.to_string()))?;
                Ok(stats)
            }
        }
    }
}

/// How to treat one key of a record in a redaction plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum PlanEntry {
    /// Keep the value as it is (`1` in JSON), or remove it (`0`, see [`reserved_drop`]).
    Keep(u8),
    /// Keep, and redact the value as records of this object.
    Records(String),
}

/// Entries in order with unique keys, serialised as a JSON object: what the redaction plan is
/// made of. (Built once and serialised at once: no lookups, so no map and its table code.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T: serde::Serialize> serde::Serialize for Ordered<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// See [`Permissions::redaction_plan`].
pub type Plan = Ordered<Ordered<PlanEntry>>;

/// Lists a hidden key as removed (`0`) when its name is one of [`RESERVED_KEYS`]: a plan
/// applier keeps those when they are not listed, but as a field of the object it is hidden.
fn reserved_drop(keys: &mut Vec<(String, PlanEntry)>, name: &str) {
    if RESERVED_KEYS.contains(&name) {
        keys.push((name.to_string(), PlanEntry::Keep(0)));
    }
}

impl Permissions {
    /// The redaction rules as data, for callers that apply them to in-memory records
    /// (the npm package does, to avoid serialising): for every object, the keys that stay
    /// and the relations to follow. Keys not listed are removed, except `__typename`,
    /// `pageInfo`, `totalCount` (kept) and `edges` (each `node` redacted as the same object);
    /// a hidden field (or join column) of the object with one of those names is listed as `0`
    /// (removed), as the core's own redaction looks a key up as a field first.
    /// Object names are unique in a valid snapshot and in a view, and so are the keys of each
    /// object: field names, and join columns (which validation keeps apart from field names and
    /// from each other).
    pub fn redaction_plan(&self) -> Plan {
        let mut out = Vec::new();
        match &self.inner {
            Inner::Snapshot { policy, subject, .. } => {
                for (i, o) in policy.objects().iter().enumerate() {
                    let oid = ObjectId(i as u32);
                    let mut keys = Vec::new();
                    for fid in o.field_ids() {
                        let f = o.field(fid);
                        let readable = policy.can_field(subject, oid, fid, Op::Read);
                        match &f.relation {
                            None if readable => keys.push((f.name.to_string(), PlanEntry::Keep(1))),
                            Some(rel) if readable && policy.can_object(subject, rel.target, Op::Read) => {
                                keys.push((f.name.to_string(), PlanEntry::Records(policy.object(rel.target).name.to_string())));
                                if let Some(jc) = &rel.join_column {
                                    keys.push((jc.to_string(), PlanEntry::Keep(1)));
                                }
                            }
                            _ => {
                                reserved_drop(&mut keys, &f.name);
                                if let Some(jc) = f.relation.as_ref().and_then(|r| r.join_column.as_ref()) {
                                    reserved_drop(&mut keys, jc);
                                }
                            }
                        }
                    }
                    out.push((o.name.to_string(), Ordered(keys)));
                }
            }
            Inner::View(view) => {
                for (name, o) in &view.objects {
                    let mut keys = Vec::new();
                    for (f, fv) in &o.fields {
                        if fv.can_read {
                            keys.push((f.clone(), PlanEntry::Keep(1)));
                            let jc = format!("{f}Id");
                            if !o.fields.contains_key(&jc) {
                                keys.push((jc, PlanEntry::Keep(1)));
                            }
                        } else {
                            reserved_drop(&mut keys, f);
                        }
                    }
                    out.push((name.clone(), Ordered(keys)));
                }
            }
        }
        Ordered(out)
    }
}
