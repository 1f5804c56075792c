//! `explain`: the decision and the level that decided it (contract §3).
//!
//! This evaluates straight from the snapshot's rules (not from the compiled tables), so it
//! doubles as a cross-check of the compiled policy in the tests.

use crate::flags::Flag;
use crate::model::{ObjectMeta, Role, Snapshot, IMPLICIT_FIELDS};
use crate::policy::{role_default, role_flags, role_object_perms, ObjectKind, Policy, Subject};
use crate::principal::{Principal, Status};
use crate::{Op, Result};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Level {
    /// A fixed rule of Twenty: workflow objects, `workspaceMember`, system-object default,
    /// `agentChatThread`.
    Implicit,
    ObjectRule,
    AllObjects,
    FieldRule,
    LabelIdentifier,
    Intersection,
    NoRole,
    Revoked,
    Expired,
    UnknownPrincipal,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Implicit => "implicit",
            Level::ObjectRule => "objectRule",
            Level::AllObjects => "allObjects",
            Level::FieldRule => "fieldRule",
            Level::LabelIdentifier => "labelIdentifier",
            Level::Intersection => "intersection",
            Level::NoRole => "noRole",
            Level::Revoked => "revoked",
            Level::Expired => "expired",
            Level::UnknownPrincipal => "unknownPrincipal",
        }
    }
}

/// One role's part of a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDecision {
    pub role: String,
    pub allowed: bool,
    pub level: Level,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    pub principal: Principal,
    pub object: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub op: Op,
    pub decision: &'static str,
    pub allowed: bool,
    pub level: Level,
    /// The role that decided (the denying role of an intersection).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub reason: String,
    /// Each role's own decision, when roles apply.
    pub roles: Vec<RoleDecision>,
}

fn op_words(op: Op) -> &'static str {
    match op {
        Op::Read => "read",
        Op::Update => "update (and create)",
        Op::SoftDelete => "soft-delete (and restore)",
        Op::Destroy => "destroy",
    }
}

/// Object-level decision of one role, with its level and a sentence.
pub(crate) fn explain_role_object(role: &Role, obj: &ObjectMeta, op: Op) -> RoleDecision {
    let flags = role_flags(role);
    let allowed = role_object_perms(role, obj)[op as usize];
    let name = &obj.name_singular;
    let rid = &role.id;
    let (level, reason) = match ObjectKind::of(name) {
        ObjectKind::Workflow => (
            Level::Implicit,
            format!(
                "workflow object \"{name}\" follows canUpdateAllSettings or the WORKFLOWS flag (object and field rules are ignored); role \"{rid}\" {}",
                if allowed { "has it" } else { "has neither" }
            ),
        ),
        ObjectKind::WorkspaceMember if op == Op::Read => {
            (Level::Implicit, "workspaceMember is always readable".to_string())
        }
        ObjectKind::WorkspaceMember => (
            Level::Implicit,
            format!(
                "writes to workspaceMember need canUpdateAllSettings or the WORKSPACE_MEMBERS flag; role \"{rid}\" {}",
                if allowed { "has it" } else { "has neither" }
            ),
        ),
        kind => {
            let rule = role.object_permissions.iter().find(|r| &r.object == name).and_then(|r| r.get(op));
            if kind == ObjectKind::AgentChatThread && flags & Flag::AI.bit() == 0 {
                (
                    Level::Implicit,
                    format!("agentChatThread needs AI tool access (canAccessAllTools or the AI flag); role \"{rid}\" has none"),
                )
            } else if let Some(v) = rule {
                (
                    Level::ObjectRule,
                    format!("role \"{rid}\" has an object rule on \"{name}\" that {} {}", if v { "grants" } else { "denies" }, op_words(op)),
                )
            } else if obj.is_system {
                (Level::Implicit, format!("\"{name}\" is a system object without a rule: allowed by default"))
            } else {
                let d = role_default(role, op);
                (
                    Level::AllObjects,
                    format!(
                        "role \"{rid}\" has no rule for \"{name}\"; its all-objects default {} {}",
                        if d { "allows" } else { "denies" },
                        op_words(op)
                    ),
                )
            }
        }
    };
    RoleDecision { role: role.id.clone(), allowed, level, reason }
}

/// Field-level decision of one role (read or update).
pub(crate) fn explain_role_field(role: &Role, obj: &ObjectMeta, field: &str, op: Op) -> RoleDecision {
    if matches!(op, Op::SoftDelete | Op::Destroy) {
        return explain_role_object(role, obj, op);
    }
    let read_obj = explain_role_object(role, obj, Op::Read);
    if !read_obj.allowed {
        return read_obj;
    }
    let implicit = IMPLICIT_FIELDS.contains(&field);
    let name = &obj.name_singular;
    let rid = &role.id;
    let afp = ObjectKind::of(name).applies_field_permissions();
    let rule = if implicit || !afp { None } else { role.field_permissions.iter().find(|r| &r.object == name && r.field == field) };
    let is_label = obj.label_identifier_field.as_deref() == Some(field);
    let mk = |allowed, level, reason: String| RoleDecision { role: rid.clone(), allowed, level, reason };
    // read
    let read_denied_by_rule = rule.is_some_and(|r| r.can_read == Some(false));
    if read_denied_by_rule && !is_label {
        return mk(false, Level::FieldRule, format!("role \"{rid}\" has a field rule: No Access to \"{name}.{field}\""));
    }
    // a search vector follows the fields it is built from (policy.rs)
    let vector = obj.fields.iter().any(|f| f.name == field && f.field_type == crate::policy::TS_VECTOR);
    if vector {
        let hidden = obj
            .fields
            .iter()
            .filter(|f| f.field_type != crate::policy::TS_VECTOR)
            .map(|f| f.name.as_str())
            .find(|f| !explain_role_field(role, obj, f, Op::Read).allowed);
        if let Some(hidden) = hidden {
            return mk(
                false,
                Level::FieldRule,
                format!(
                    "\"{name}.{field}\" is a search vector built from the record's fields, and role \"{rid}\" hides \"{name}.{hidden}\""
                ),
            );
        }
    }
    if op == Op::Read {
        if read_denied_by_rule && is_label {
            return mk(
                true,
                Level::LabelIdentifier,
                format!("\"{name}.{field}\" is the label identifier, always readable when \"{name}\" is (its read restriction is ignored)"),
            );
        }
        let mut d = read_obj;
        if implicit {
            d.reason = format!("implicit field \"{field}\" follows the object: {}", d.reason);
        }
        return d;
    }
    // update
    let upd_obj = explain_role_object(role, obj, Op::Update);
    if !upd_obj.allowed {
        return upd_obj;
    }
    if rule.is_some_and(|r| r.can_update == Some(false)) {
        return mk(false, Level::FieldRule, format!("role \"{rid}\" has a field rule: \"{name}.{field}\" is See only"));
    }
    let mut d = upd_obj;
    if implicit {
        d.reason = format!("implicit field \"{field}\" follows the object: {}", d.reason);
    }
    d
}

fn status_level(status: Status) -> Level {
    match status {
        Status::Revoked => Level::Revoked,
        Status::Expired => Level::Expired,
        Status::NoRole | Status::Active => Level::NoRole,
    }
}

fn status_reason(p: &Principal, status: Status) -> String {
    match status {
        Status::Revoked => format!("{p} is revoked: no access"),
        Status::Expired => format!("{p} is expired: no access"),
        _ => format!("{p} has no role (or its intersection misses one): no access"),
    }
}

/// Explains a decision for an already resolved subject.
pub fn explain_subject(
    policy: &Policy,
    principal: &Principal,
    subject: &Subject,
    object: &str,
    field: Option<&str>,
    op: Op,
) -> Result<Explanation> {
    policy.resolve_names(object, field)?;
    let snap: &Snapshot = policy.snapshot();
    let obj = snap.object(object).expect("resolved above");
    let role_ids = policy.subject_roles(subject);
    let mut base = Explanation {
        principal: principal.clone(),
        object: object.to_string(),
        field: field.map(String::from),
        op,
        decision: "deny",
        allowed: false,
        level: Level::NoRole,
        role: None,
        reason: String::new(),
        roles: Vec::new(),
    };
    if role_ids.is_empty() {
        base.level = status_level(subject.status());
        base.reason = status_reason(principal, subject.status());
        return Ok(base);
    }
    for rid in &role_ids {
        let role = snap.role(rid).expect("compiled role exists");
        base.roles.push(match field {
            Some(f) => explain_role_field(role, obj, f, op),
            None => explain_role_object(role, obj, op),
        });
    }
    let denier = base.roles.iter().find(|d| !d.allowed);
    base.allowed = denier.is_none();
    base.decision = if base.allowed { "allow" } else { "deny" };
    if base.roles.len() == 1 {
        let d = &base.roles[0];
        base.level = d.level;
        base.role = Some(d.role.clone());
        base.reason = d.reason.clone();
    } else {
        base.level = Level::Intersection;
        match denier {
            Some(d) => {
                base.role = Some(d.role.clone());
                base.reason = format!("every role must allow; role \"{}\" denies: {}", d.role, d.reason);
            }
            None => base.reason = format!("every role allows ({})", role_ids.join(", ")),
        }
    }
    Ok(base)
}

/// Resolves the principal and explains. An unknown principal gives a deny at level
/// `unknownPrincipal` (not an error), so callers can show why; unknown object or field names
/// are errors.
pub fn explain(policy: &Policy, principal: &Principal, now: i64, object: &str, field: Option<&str>, op: Op) -> Result<Explanation> {
    match policy.resolve(principal, now) {
        Ok(subject) => explain_subject(policy, principal, &subject, object, field, op),
        Err(e) => {
            policy.resolve_names(object, field)?;
            Ok(Explanation {
                principal: principal.clone(),
                object: object.to_string(),
                field: field.map(String::from),
                op,
                decision: "deny",
                allowed: false,
                level: Level::UnknownPrincipal,
                role: None,
                reason: e.issues[0].message.clone(),
                roles: Vec::new(),
            })
        }
    }
}
