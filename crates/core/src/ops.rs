//! Management operations (contract §5): pure functions, snapshot in, new snapshot or error out.
//! Every successful operation re-validates the whole snapshot and bumps the revision by one.

use crate::error::{codes, Error, Issue, Result};
use crate::flags::Flag;
use crate::model::*;
use crate::shape;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Distinguishes an absent key (`None`) from `null` (`Some(None)`).
fn double<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum Operation {
    CreateRole(CreateRole),
    UpdateRole(UpdateRole),
    DeleteRole(DeleteRole),
    SetDefaultRole(SetDefaultRole),
    AddMember(AddMember),
    AssignRole(AssignRole),
    UpsertObjectPermissions(UpsertObjectPermissions),
    UpsertFieldPermissions(UpsertFieldPermissions),
    SetPermissionFlags(SetPermissionFlags),
    RevokeApiKey(RevokeApiKey),
    Validate(ValidateSnapshot),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRole {
    /// A role object as in §1 (checked key by key, with paths under `role`).
    pub role: Value,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_update_all_settings: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_access_all_tools: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_read_all_object_records: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_update_all_object_records: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_soft_delete_all_object_records: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_destroy_all_object_records: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_be_assigned_to_users: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_be_assigned_to_agents: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_be_assigned_to_api_keys: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateRole {
    pub role_id: String,
    pub changes: RoleChanges,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_role_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteRole {
    pub role_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_role_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetDefaultRole {
    pub role_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMember {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddMember {
    pub member: NewMember,
}

/// `{"member": M}`, `{"apiKey": K}` or `{"agent": A}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignTarget {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignRole {
    pub target: AssignTarget,
    /// `null` removes the role of an API key or agent (members always hold one).
    pub role_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_member_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectRuleRow {
    pub object: String,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    pub can_read: Option<Option<bool>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    pub can_update: Option<Option<bool>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    pub can_soft_delete: Option<Option<bool>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    pub can_destroy: Option<Option<bool>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpsertObjectPermissions {
    pub role_id: String,
    pub rows: Vec<ObjectRuleRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldRuleRow {
    pub object: String,
    pub field: String,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    pub can_read: Option<Option<bool>>,
    #[serde(default, deserialize_with = "double", skip_serializing_if = "Option::is_none")]
    pub can_update: Option<Option<bool>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpsertFieldPermissions {
    pub role_id: String,
    pub rows: Vec<FieldRuleRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetPermissionFlags {
    pub role_id: String,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RevokeApiKey {
    pub api_key_id: String,
    /// RFC 3339 time of revocation (no hidden clock: the caller passes it).
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValidateSnapshot {
    pub snapshot: Value,
}

impl Operation {
    pub fn from_value(v: &Value) -> Result<Operation> {
        Self::read(v).map_err(|e| {
            let op = v.get("op").and_then(Value::as_str).unwrap_or("?");
            Error::one(codes::INVALID_ARG, "operation", format!("invalid operation \"{op}\": {e}"))
        })
    }

    /// What the derived Deserialize answers (its first error, in its words, with the JSON path
    /// when nested), without its code: `shape::first_error` checks the keys against
    /// [`OPERATIONS`], then the operation is read from the checked value by hand.
    fn read(v: &Value) -> std::result::Result<Operation, String> {
        let Some(map) = v.as_object() else {
            return Err(format!("invalid type: {}, expected internally tagged enum Operation", shape::unexpected(v)));
        };
        let tag = match map.get("op") {
            None => return Err("missing field `op`".to_string()),
            Some(Value::String(s)) => s.as_str(),
            Some(other) => return Err(format!("invalid type: {}, expected variant identifier", shape::unexpected(other))),
        };
        let Some((_, spec)) = OPERATIONS.iter().find(|(name, _)| *name == tag) else {
            let names: Vec<&str> = OPERATIONS.iter().map(|(n, _)| *n).collect();
            return Err(format!("unknown variant `{tag}`, expected {}", shape::one_of(&names)));
        };
        if let Some(e) = shape::first_field_error(spec, v, "", Some("op")) {
            return Err(e);
        }
        use shape::{get_items, get_opt_bool, get_opt_str, get_str, get_strings, get_tri};
        let role_id = || get_str(v, "roleId");
        let actors = || v.get("actorRoleIds").filter(|a| a.is_array()).map(|_| get_strings(v, "actorRoleIds"));
        Ok(match tag {
            "createRole" => Operation::CreateRole(CreateRole { role: v["role"].clone() }),
            "updateRole" => {
                let c = &v["changes"];
                Operation::UpdateRole(UpdateRole {
                    role_id: role_id(),
                    changes: RoleChanges {
                        label: get_opt_str(c, "label"),
                        can_update_all_settings: get_opt_bool(c, "canUpdateAllSettings"),
                        can_access_all_tools: get_opt_bool(c, "canAccessAllTools"),
                        can_read_all_object_records: get_opt_bool(c, "canReadAllObjectRecords"),
                        can_update_all_object_records: get_opt_bool(c, "canUpdateAllObjectRecords"),
                        can_soft_delete_all_object_records: get_opt_bool(c, "canSoftDeleteAllObjectRecords"),
                        can_destroy_all_object_records: get_opt_bool(c, "canDestroyAllObjectRecords"),
                        can_be_assigned_to_users: get_opt_bool(c, "canBeAssignedToUsers"),
                        can_be_assigned_to_agents: get_opt_bool(c, "canBeAssignedToAgents"),
                        can_be_assigned_to_api_keys: get_opt_bool(c, "canBeAssignedToApiKeys"),
                    },
                    actor_role_ids: actors(),
                })
            }
            "deleteRole" => Operation::DeleteRole(DeleteRole { role_id: role_id(), actor_role_ids: actors() }),
            "setDefaultRole" => Operation::SetDefaultRole(SetDefaultRole { role_id: role_id() }),
            "addMember" => {
                let m = &v["member"];
                Operation::AddMember(AddMember { member: NewMember { id: get_str(m, "id"), name: get_str(m, "name") } })
            }
            "assignRole" => {
                let t = &v["target"];
                Operation::AssignRole(AssignRole {
                    target: AssignTarget {
                        member: get_opt_str(t, "member"),
                        api_key: get_opt_str(t, "apiKey"),
                        agent: get_opt_str(t, "agent"),
                    },
                    role_id: get_opt_str(v, "roleId"),
                    actor_member_id: get_opt_str(v, "actorMemberId"),
                })
            }
            "upsertObjectPermissions" => Operation::UpsertObjectPermissions(UpsertObjectPermissions {
                role_id: role_id(),
                rows: get_items(v, "rows")
                    .iter()
                    .map(|r| ObjectRuleRow {
                        object: get_str(r, "object"),
                        can_read: get_tri(r, "canRead"),
                        can_update: get_tri(r, "canUpdate"),
                        can_soft_delete: get_tri(r, "canSoftDelete"),
                        can_destroy: get_tri(r, "canDestroy"),
                    })
                    .collect(),
            }),
            "upsertFieldPermissions" => Operation::UpsertFieldPermissions(UpsertFieldPermissions {
                role_id: role_id(),
                rows: get_items(v, "rows")
                    .iter()
                    .map(|r| FieldRuleRow {
                        object: get_str(r, "object"),
                        field: get_str(r, "field"),
                        can_read: get_tri(r, "canRead"),
                        can_update: get_tri(r, "canUpdate"),
                    })
                    .collect(),
            }),
            "setPermissionFlags" => {
                Operation::SetPermissionFlags(SetPermissionFlags { role_id: role_id(), flags: get_strings(v, "flags") })
            }
            "revokeApiKey" => Operation::RevokeApiKey(RevokeApiKey { api_key_id: get_str(v, "apiKeyId"), at: get_str(v, "at") }),
            _ => Operation::Validate(ValidateSnapshot { snapshot: v["snapshot"].clone() }),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Operation::CreateRole(_) => "createRole",
            Operation::UpdateRole(_) => "updateRole",
            Operation::DeleteRole(_) => "deleteRole",
            Operation::SetDefaultRole(_) => "setDefaultRole",
            Operation::AddMember(_) => "addMember",
            Operation::AssignRole(_) => "assignRole",
            Operation::UpsertObjectPermissions(_) => "upsertObjectPermissions",
            Operation::UpsertFieldPermissions(_) => "upsertFieldPermissions",
            Operation::SetPermissionFlags(_) => "setPermissionFlags",
            Operation::RevokeApiKey(_) => "revokeApiKey",
            Operation::Validate(_) => "validate",
        }
    }
}

// The operations' keys as serde's derived Deserialize sees them (for `Operation::read`):
// `Option` fields may be absent, `null` or of the inner type.
use shape::{Spec, Ty, OPT, REQ};
const STRINGS: Ty = Ty::Arr(&Ty::Str);
const ACTORS: Ty = Ty::Opt(&STRINGS);
static ROLE_CHANGES: Spec = Spec {
    what: "RoleChanges",
    keys: &[
        ("label", Ty::NullStr, OPT),
        ("canUpdateAllSettings", Ty::NullBool, OPT),
        ("canAccessAllTools", Ty::NullBool, OPT),
        ("canReadAllObjectRecords", Ty::NullBool, OPT),
        ("canUpdateAllObjectRecords", Ty::NullBool, OPT),
        ("canSoftDeleteAllObjectRecords", Ty::NullBool, OPT),
        ("canDestroyAllObjectRecords", Ty::NullBool, OPT),
        ("canBeAssignedToUsers", Ty::NullBool, OPT),
        ("canBeAssignedToAgents", Ty::NullBool, OPT),
        ("canBeAssignedToApiKeys", Ty::NullBool, OPT),
    ],
};
static NEW_MEMBER: Spec = Spec { what: "NewMember", keys: &[("id", Ty::Str, REQ), ("name", Ty::Str, REQ)] };
static ASSIGN_TARGET: Spec =
    Spec { what: "AssignTarget", keys: &[("member", Ty::NullStr, OPT), ("apiKey", Ty::NullStr, OPT), ("agent", Ty::NullStr, OPT)] };
static OBJECT_RULE_ROW: Spec = Spec {
    what: "ObjectRuleRow",
    keys: &[
        ("object", Ty::Str, REQ),
        ("canRead", Ty::NullBool, OPT),
        ("canUpdate", Ty::NullBool, OPT),
        ("canSoftDelete", Ty::NullBool, OPT),
        ("canDestroy", Ty::NullBool, OPT),
    ],
};
static FIELD_RULE_ROW: Spec = Spec {
    what: "FieldRuleRow",
    keys: &[("object", Ty::Str, REQ), ("field", Ty::Str, REQ), ("canRead", Ty::NullBool, OPT), ("canUpdate", Ty::NullBool, OPT)],
};

/// Every operation (`"op"`) with its other keys, in declaration order.
static OPERATIONS: [(&str, Spec); 11] = [
    ("createRole", Spec { what: "CreateRole", keys: &[("role", Ty::Any, REQ)] }),
    (
        "updateRole",
        Spec {
            what: "UpdateRole",
            keys: &[("roleId", Ty::Str, REQ), ("changes", Ty::Obj(&ROLE_CHANGES), REQ), ("actorRoleIds", ACTORS, OPT)],
        },
    ),
    ("deleteRole", Spec { what: "DeleteRole", keys: &[("roleId", Ty::Str, REQ), ("actorRoleIds", ACTORS, OPT)] }),
    ("setDefaultRole", Spec { what: "SetDefaultRole", keys: &[("roleId", Ty::Str, REQ)] }),
    ("addMember", Spec { what: "AddMember", keys: &[("member", Ty::Obj(&NEW_MEMBER), REQ)] }),
    (
        "assignRole",
        Spec {
            what: "AssignRole",
            keys: &[("target", Ty::Obj(&ASSIGN_TARGET), REQ), ("roleId", Ty::NullStr, OPT), ("actorMemberId", Ty::NullStr, OPT)],
        },
    ),
    (
        "upsertObjectPermissions",
        Spec { what: "UpsertObjectPermissions", keys: &[("roleId", Ty::Str, REQ), ("rows", Ty::Arr(&Ty::Obj(&OBJECT_RULE_ROW)), REQ)] },
    ),
    (
        "upsertFieldPermissions",
        Spec { what: "UpsertFieldPermissions", keys: &[("roleId", Ty::Str, REQ), ("rows", Ty::Arr(&Ty::Obj(&FIELD_RULE_ROW)), REQ)] },
    ),
    ("setPermissionFlags", Spec { what: "SetPermissionFlags", keys: &[("roleId", Ty::Str, REQ), ("flags", STRINGS, REQ)] }),
    ("revokeApiKey", Spec { what: "RevokeApiKey", keys: &[("apiKeyId", Ty::Str, REQ), ("at", Ty::Str, REQ)] }),
    ("validate", Spec { what: "ValidateSnapshot", keys: &[("snapshot", Ty::Any, REQ)] }),
];

fn err(code: &'static str, path: impl Into<String>, msg: impl Into<String>) -> Error {
    Error::one(code, path, msg)
}

fn role_index(s: &Snapshot, id: &str, path: &str) -> Result<usize> {
    s.roles.iter().position(|r| r.id == id).ok_or_else(|| err(codes::ROLE_NOT_FOUND, path, format!("role \"{id}\" does not exist")))
}

fn editable_role_index(s: &Snapshot, id: &str) -> Result<usize> {
    let i = role_index(s, id, "roleId")?;
    if !s.roles[i].is_editable {
        return Err(err(codes::ROLE_NOT_EDITABLE, "roleId", format!("role \"{id}\" is not editable (system role)")));
    }
    Ok(i)
}

/// Applies an operation to a snapshot (which must be valid). Returns the new, validated
/// snapshot with `revision + 1`; `validate` returns the validated snapshot it carries.
pub fn apply(snapshot: &Snapshot, op: &Operation) -> Result<Snapshot> {
    let mut s = snapshot.clone();
    match op {
        Operation::Validate(v) => return Snapshot::from_value(&v.snapshot),
        Operation::CreateRole(c) => create_role(&mut s, &c.role)?,
        Operation::UpdateRole(u) => update_role(&mut s, u)?,
        Operation::DeleteRole(d) => delete_role(&mut s, d)?,
        Operation::SetDefaultRole(d) => {
            let i = role_index(&s, &d.role_id, "roleId")?;
            if !s.roles[i].can_be_assigned_to_users {
                return Err(err(
                    codes::ROLE_CANNOT_BE_ASSIGNED_TO_USERS,
                    "roleId",
                    format!("role \"{}\" cannot be assigned to users, so it cannot be the default role", d.role_id),
                ));
            }
            s.default_role_id = d.role_id.clone();
        }
        Operation::AddMember(a) => {
            if s.members.iter().any(|m| m.id == a.member.id) {
                return Err(err(codes::INVALID_ARG, "member.id", format!("member \"{}\" already exists", a.member.id)));
            }
            s.members.push(Member { id: a.member.id.clone(), name: a.member.name.clone(), role_id: Some(s.default_role_id.clone()) });
        }
        Operation::AssignRole(a) => assign_role(&mut s, a)?,
        Operation::UpsertObjectPermissions(u) => upsert_object_permissions(&mut s, u)?,
        Operation::UpsertFieldPermissions(u) => upsert_field_permissions(&mut s, u)?,
        Operation::SetPermissionFlags(f) => {
            let i = editable_role_index(&s, &f.role_id)?;
            let mut issues = Vec::new();
            for (k, flag) in f.flags.iter().enumerate() {
                if Flag::parse(flag).is_none() {
                    issues.push(Issue::new(codes::INVALID_SETTING, format!("flags[{k}]"), format!("unknown permission flag \"{flag}\"")));
                } else if f.flags[..k].contains(flag) {
                    issues.push(Issue::new(
                        codes::INVALID_SETTING,
                        format!("flags[{k}]"),
                        format!("permission flag \"{flag}\" is listed twice"),
                    ));
                }
            }
            if !issues.is_empty() {
                return Err(Error::from_issues(issues));
            }
            s.roles[i].permission_flags = f.flags.clone();
        }
        Operation::RevokeApiKey(r) => {
            let Some(k) = s.api_keys.iter_mut().find(|k| k.id == r.api_key_id) else {
                return Err(err(codes::API_KEY_NOT_FOUND, "apiKeyId", format!("API key \"{}\" does not exist", r.api_key_id)));
            };
            if parse_timestamp(&r.at).is_none() {
                return Err(err(codes::INVALID_ARG, "at", format!("\"{}\" is not an RFC 3339 timestamp", r.at)));
            }
            if k.revoked_at.is_none() {
                k.revoked_at = Some(r.at.clone());
            }
        }
    }
    s.revision = s.revision.checked_add(1).ok_or_else(|| {
        err(codes::INVALID_ARG, "revision", format!("revision {} is the last possible one: no later revision exists", s.revision))
    })?;
    let issues = crate::validate::validate(&s);
    if issues.is_empty() {
        Ok(s)
    } else {
        Err(Error::from_issues(issues))
    }
}

fn create_role(s: &mut Snapshot, role: &Value) -> Result<()> {
    let mut issues = Vec::new();
    shape::check(&shape::ROLE, role, "role", &mut issues);
    if !issues.is_empty() {
        return Err(Error::from_issues(issues));
    }
    let role = Role::from_checked(role);
    if s.role(&role.id).is_some() {
        return Err(err(codes::INVALID_ARG, "role.id", format!("role id \"{}\" already exists", role.id)));
    }
    if let Some(other) = s.roles.iter().find(|r| r.label == role.label) {
        return Err(err(
            codes::ROLE_LABEL_ALREADY_EXISTS,
            "role.label",
            format!("label \"{}\" is already used by role \"{}\"", role.label, other.id),
        ));
    }
    s.roles.push(role);
    Ok(())
}

fn update_role(s: &mut Snapshot, u: &UpdateRole) -> Result<()> {
    let i = editable_role_index(s, &u.role_id)?;
    let c = &u.changes;
    let role = &s.roles[i];
    if let Some(actor) = &u.actor_role_ids {
        let holds = actor.contains(&role.id);
        let keeps_roles_flag = role.permission_flags.iter().any(|f| f == "ROLES");
        if holds && role.can_update_all_settings && c.can_update_all_settings == Some(false) && !keeps_roles_flag {
            return Err(err(
                codes::CANNOT_REVOKE_OWN_SETTINGS_ACCESS,
                "changes.canUpdateAllSettings",
                format!("you hold role \"{}\": removing its settings access without an explicit ROLES flag would lock you out", role.id),
            ));
        }
    }
    if let Some(label) = &c.label {
        if let Some(other) = s.roles.iter().find(|r| r.label == *label && r.id != u.role_id) {
            return Err(err(
                codes::ROLE_LABEL_ALREADY_EXISTS,
                "changes.label",
                format!("label \"{label}\" is already used by role \"{}\"", other.id),
            ));
        }
    }
    let r = &mut s.roles[i];
    if let Some(v) = &c.label {
        r.label = v.clone();
    }
    let set = |dst: &mut bool, v: Option<bool>| {
        if let Some(v) = v {
            *dst = v
        }
    };
    set(&mut r.can_update_all_settings, c.can_update_all_settings);
    set(&mut r.can_access_all_tools, c.can_access_all_tools);
    set(&mut r.can_read_all_object_records, c.can_read_all_object_records);
    set(&mut r.can_update_all_object_records, c.can_update_all_object_records);
    set(&mut r.can_soft_delete_all_object_records, c.can_soft_delete_all_object_records);
    set(&mut r.can_destroy_all_object_records, c.can_destroy_all_object_records);
    set(&mut r.can_be_assigned_to_users, c.can_be_assigned_to_users);
    set(&mut r.can_be_assigned_to_agents, c.can_be_assigned_to_agents);
    set(&mut r.can_be_assigned_to_api_keys, c.can_be_assigned_to_api_keys);
    Ok(())
}

fn delete_role(s: &mut Snapshot, d: &DeleteRole) -> Result<()> {
    let i = editable_role_index(s, &d.role_id)?;
    if s.default_role_id == d.role_id {
        return Err(err(
            codes::DEFAULT_ROLE_CANNOT_BE_DELETED,
            "roleId",
            format!("role \"{}\" is the default role; choose another default first", d.role_id),
        ));
    }
    if d.actor_role_ids.as_ref().is_some_and(|a| a.contains(&d.role_id)) {
        return Err(err(codes::CANNOT_DELETE_OWN_ROLE, "roleId", format!("you hold role \"{}\" and cannot delete it", d.role_id)));
    }
    s.roles.remove(i);
    let gone = Some(d.role_id.clone());
    let default = s.default_role_id.clone();
    for m in &mut s.members {
        if m.role_id == gone {
            m.role_id = Some(default.clone());
        }
    }
    for k in &mut s.api_keys {
        if k.role_id == gone {
            k.role_id = None;
        }
    }
    for a in &mut s.agents {
        if a.role_id == gone {
            a.role_id = None;
        }
    }
    for w in &mut s.workflows {
        if w.role_id == gone {
            w.role_id = None;
        }
    }
    Ok(())
}

fn assign_role(s: &mut Snapshot, a: &AssignRole) -> Result<()> {
    /// The target, found (its index).
    enum Found {
        Member(usize),
        ApiKey(usize),
        Agent(usize),
    }
    let t = &a.target;
    let count = [t.member.is_some(), t.api_key.is_some(), t.agent.is_some()].iter().filter(|x| **x).count();
    if count != 1 {
        return Err(err(codes::INVALID_ARG, "target", "target must be exactly one of {\"member\"}, {\"apiKey\"} or {\"agent\"}"));
    }
    // the documented order: target exists, role exists, assignability, self, last Admin
    let found = if let Some(mid) = &t.member {
        let i = s.members.iter().position(|m| &m.id == mid);
        Found::Member(i.ok_or_else(|| err(codes::WORKSPACE_MEMBER_NOT_FOUND, "target.member", format!("member \"{mid}\" does not exist")))?)
    } else if let Some(kid) = &t.api_key {
        let i = s.api_keys.iter().position(|k| &k.id == kid);
        Found::ApiKey(i.ok_or_else(|| err(codes::API_KEY_NOT_FOUND, "target.apiKey", format!("API key \"{kid}\" does not exist")))?)
    } else {
        let aid = t.agent.as_deref().unwrap_or_default();
        let i = s.agents.iter().position(|x| x.id == aid);
        Found::Agent(i.ok_or_else(|| err(codes::AGENT_NOT_FOUND, "target.agent", format!("agent \"{aid}\" does not exist")))?)
    };
    let role = match &a.role_id {
        Some(r) => Some(&s.roles[role_index(s, r, "roleId")?]),
        None => None,
    };
    match found {
        Found::Member(mi) => {
            let mid = &s.members[mi].id;
            let Some(role) = role else {
                return Err(err(codes::INVALID_ARG, "roleId", format!("member \"{mid}\" must hold a role")));
            };
            if !role.can_be_assigned_to_users {
                return Err(err(
                    codes::ROLE_CANNOT_BE_ASSIGNED_TO_USERS,
                    "roleId",
                    format!("role \"{}\" cannot be assigned to users", role.id),
                ));
            }
            if a.actor_member_id.as_deref() == Some(mid.as_str()) {
                return Err(err(codes::CANNOT_UPDATE_SELF_ROLE, "target.member", format!("member \"{mid}\" cannot change their own role")));
            }
            let admin = s.admin_role_id.as_str();
            if s.members[mi].role_id.as_deref() == Some(admin) && role.id != admin {
                let admins = s.members.iter().filter(|m| m.role_id.as_deref() == Some(admin)).count();
                if admins <= 1 {
                    return Err(err(
                        codes::CANNOT_UNASSIGN_LAST_ADMIN,
                        "target.member",
                        format!("member \"{mid}\" is the last Admin; make someone else Admin first"),
                    ));
                }
            }
            let rid = role.id.clone();
            s.members[mi].role_id = Some(rid);
        }
        Found::ApiKey(ki) => {
            if let Some(role) = role.filter(|r| !r.can_be_assigned_to_api_keys) {
                return Err(err(
                    codes::ROLE_CANNOT_BE_ASSIGNED_TO_API_KEYS,
                    "roleId",
                    format!("role \"{}\" cannot be assigned to API keys", role.id),
                ));
            }
            s.api_keys[ki].role_id = role.map(|r| r.id.clone());
        }
        Found::Agent(ai) => {
            if let Some(role) = role.filter(|r| !r.can_be_assigned_to_agents) {
                return Err(err(
                    codes::ROLE_CANNOT_BE_ASSIGNED_TO_AGENTS,
                    "roleId",
                    format!("role \"{}\" cannot be assigned to agents", role.id),
                ));
            }
            s.agents[ai].role_id = role.map(|r| r.id.clone());
        }
    }
    Ok(())
}

fn merge(dst: &mut Option<bool>, v: Option<Option<bool>>) {
    if let Some(v) = v {
        *dst = v;
    }
}

fn upsert_object_permissions(s: &mut Snapshot, u: &UpsertObjectPermissions) -> Result<()> {
    let i = editable_role_index(s, &u.role_id)?;
    if u.rows.is_empty() {
        return Err(err(codes::INVALID_ARG, "rows", "rows must not be empty"));
    }
    let mut issues = Vec::new();
    for (k, row) in u.rows.iter().enumerate() {
        if s.object(&row.object).is_none() {
            issues.push(Issue::new(
                codes::OBJECT_METADATA_NOT_FOUND,
                format!("rows[{k}].object"),
                format!("unknown object \"{}\"", row.object),
            ));
        } else if u.rows[..k].iter().any(|r| r.object == row.object) {
            issues.push(Issue::new(
                codes::INVALID_SETTING,
                format!("rows[{k}].object"),
                format!("object \"{}\" appears twice in rows", row.object),
            ));
        }
    }
    if !issues.is_empty() {
        return Err(Error::from_issues(issues));
    }
    let role = &mut s.roles[i];
    for row in &u.rows {
        let pos = match role.object_permissions.iter().position(|r| r.object == row.object) {
            Some(p) => p,
            None => {
                role.object_permissions.push(ObjectPermission { object: row.object.clone(), ..Default::default() });
                role.object_permissions.len() - 1
            }
        };
        let rule = &mut role.object_permissions[pos];
        merge(&mut rule.can_read, row.can_read);
        merge(&mut rule.can_update, row.can_update);
        merge(&mut rule.can_soft_delete, row.can_soft_delete);
        merge(&mut rule.can_destroy, row.can_destroy);
        if rule.can_read.is_none() && rule.can_update.is_none() && rule.can_soft_delete.is_none() && rule.can_destroy.is_none() {
            role.object_permissions.remove(pos);
        }
    }
    Ok(())
}

fn upsert_field_permissions(s: &mut Snapshot, u: &UpsertFieldPermissions) -> Result<()> {
    let i = editable_role_index(s, &u.role_id)?;
    if u.rows.is_empty() {
        return Err(err(codes::INVALID_ARG, "rows", "rows must not be empty"));
    }
    let mut issues = Vec::new();
    let mut rows: Vec<FieldRuleRow> = Vec::new();
    for (k, row) in u.rows.iter().enumerate() {
        let p = format!("rows[{k}]");
        for (key, v) in [("canRead", row.can_read), ("canUpdate", row.can_update)] {
            if v == Some(Some(true)) {
                issues.push(Issue::new(
                    codes::ONLY_FIELD_RESTRICTION_ALLOWED,
                    format!("{p}.{key}"),
                    format!(
                        "field rule on \"{}.{}\" sets {key} true; field rules can only restrict (false or null)",
                        row.object, row.field
                    ),
                ));
            }
        }
        let Some(obj) = s.object(&row.object) else {
            issues.push(Issue::new(codes::OBJECT_METADATA_NOT_FOUND, format!("{p}.object"), format!("unknown object \"{}\"", row.object)));
            continue;
        };
        if obj.is_system {
            issues.push(Issue::new(
                codes::CANNOT_ADD_FIELD_PERMISSION_ON_SYSTEM_OBJECT,
                format!("{p}.object"),
                format!("\"{}\" is a system object: field rules are not allowed on it", row.object),
            ));
            continue;
        }
        let Some(field) = obj.field(&row.field) else {
            issues.push(Issue::new(
                codes::FIELD_METADATA_NOT_FOUND,
                format!("{p}.field"),
                format!("unknown field \"{}.{}\"", row.object, row.field),
            ));
            continue;
        };
        if u.rows[..k].iter().any(|r| r.object == row.object && r.field == row.field) {
            issues.push(Issue::new(
                codes::INVALID_ARG,
                format!("{p}.field"),
                format!("field \"{}.{}\" appears twice in rows", row.object, row.field),
            ));
            continue;
        }
        rows.push(row.clone());
        // Mirror relation rules on the inverse field (unless the input names it, or the
        // inverse lives on a system object, where field rules are not allowed).
        if let Some(rel) = &field.relation {
            let named = u.rows.iter().any(|r| r.object == rel.target && r.field == rel.inverse);
            let target_system = s.object(&rel.target).is_some_and(|t| t.is_system);
            if !named && !target_system {
                rows.push(FieldRuleRow {
                    object: rel.target.clone(),
                    field: rel.inverse.clone(),
                    can_read: row.can_read,
                    can_update: row.can_update,
                });
            }
        }
    }
    if !issues.is_empty() {
        return Err(Error::from_issues(issues));
    }
    let role = &mut s.roles[i];
    for row in rows {
        let pos = match role.field_permissions.iter().position(|r| r.object == row.object && r.field == row.field) {
            Some(p) => p,
            None => {
                role.field_permissions.push(FieldPermission { object: row.object.clone(), field: row.field.clone(), ..Default::default() });
                role.field_permissions.len() - 1
            }
        };
        let rule = &mut role.field_permissions[pos];
        merge(&mut rule.can_read, row.can_read);
        merge(&mut rule.can_update, row.can_update);
        if rule.can_read.is_none() && rule.can_update.is_none() {
            role.field_permissions.remove(pos);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_and_null_are_different_in_rows() {
        let op = Operation::from_value(&json!({"op": "upsertObjectPermissions", "roleId": "r",
            "rows": [{"object": "o", "canRead": null, "canUpdate": false}]}))
        .unwrap();
        let Operation::UpsertObjectPermissions(u) = op else { panic!() };
        assert_eq!(u.rows[0].can_read, Some(None));
        assert_eq!(u.rows[0].can_update, Some(Some(false)));
        assert_eq!(u.rows[0].can_destroy, None);
    }

    /// assignRole checks the target before the role, and both before assignability.
    #[test]
    fn assign_role_checks_the_target_first() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/workspace.json");
        let s = Snapshot::from_json(&std::fs::read_to_string(p).unwrap()).unwrap();
        for (target, role, code) in [
            (json!({"member": "m-ghost"}), "ghost", codes::WORKSPACE_MEMBER_NOT_FOUND),
            (json!({"apiKey": "nokey"}), "member", codes::API_KEY_NOT_FOUND),
            (json!({"agent": "ghost"}), "admin", codes::AGENT_NOT_FOUND),
            (json!({"agent": "agent-research"}), "ghost", codes::ROLE_NOT_FOUND),
        ] {
            let op = Operation::from_value(&json!({"op": "assignRole", "target": target, "roleId": role})).unwrap();
            assert_eq!(apply(&s, &op).unwrap_err().code(), code, "{target} {role}");
        }
    }

    #[test]
    fn operations_are_strict() {
        for bad in [
            json!({"op": "deleteRole"}),
            json!({"op": "deleteRole", "roleId": "r", "cascade": true}),
            json!({"op": "assignRole", "target": {"member": "m", "team": "t"}, "roleId": "r"}),
            json!({"op": "createRole"}),
            json!({"roleId": "r"}),
        ] {
            assert_eq!(Operation::from_value(&bad).unwrap_err().code(), "INVALID_ARG", "{bad}");
        }
        let op = Operation::from_value(&json!({"op": "setPermissionFlags", "roleId": "r", "flags": []})).unwrap();
        assert_eq!(op.name(), "setPermissionFlags");
    }

    /// The hand-written reader answers like the derived Deserialize (kept as the oracle), on
    /// every operation of the conformance corpus and on broken ones. (Not covered, on purpose:
    /// serde also took a JSON array for a struct and a variant index for `op`.)
    #[test]
    fn reader_matches_derived_deserialize() {
        let mut cases = vec![
            json!({"op": "createRole", "role": {"id": "x"}}),
            json!({"op": "createRole"}),
            json!({"op": "updateRole", "roleId": "r", "changes": {}}),
            json!({"op": "updateRole", "roleId": "r", "changes": {"label": "L", "canUpdateAllSettings": false, "canAccessAllTools": true,
                "canReadAllObjectRecords": null, "canUpdateAllObjectRecords": true, "canSoftDeleteAllObjectRecords": false,
                "canDestroyAllObjectRecords": true, "canBeAssignedToUsers": false, "canBeAssignedToAgents": true,
                "canBeAssignedToApiKeys": null}, "actorRoleIds": ["a", "b"]}),
            json!({"op": "updateRole", "roleId": "r", "changes": {"label": null}, "actorRoleIds": null}),
            json!({"op": "updateRole", "roleId": "r", "changes": {"canReed": true}}),
            json!({"op": "updateRole", "roleId": "r", "changes": {"canUpdateAllSettings": "yes"}}),
            json!({"op": "updateRole", "roleId": "r", "changes": "all"}),
            json!({"op": "updateRole", "roleId": "r", "changes": null}),
            json!({"op": "updateRole", "roleId": "r"}),
            json!({"op": "updateRole", "roleId": "r", "changes": {}, "actorRoleIds": "a"}),
            json!({"op": "updateRole", "roleId": "r", "changes": {}, "actorRoleIds": ["a", 1]}),
            json!({"op": "deleteRole", "roleId": "r"}),
            json!({"op": "deleteRole", "roleId": "r", "actorRoleIds": []}),
            json!({"op": "deleteRole"}),
            json!({"op": "deleteRole", "roleId": "r", "cascade": true}),
            json!({"op": "deleteRole", "cascade": true, "roleId": 5}),
            json!({"op": "deleteRole", "roleId": 5, "cascade": true}),
            json!({"op": "deleteRole", "roleId": 1.5}),
            json!({"op": "deleteRole", "roleId": -2}),
            json!({"op": "deleteRole", "roleId": null}),
            json!({"op": "deleteRole", "roleId": {"id": "r"}}),
            json!({"op": "setDefaultRole", "roleId": "r"}),
            json!({"op": "setDefaultRole", "roleId": "r", "op2": 1}),
            json!({"op": "addMember", "member": {"id": "m", "name": "M"}}),
            json!({"op": "addMember", "member": {"id": "m"}}),
            json!({"op": "addMember", "member": {"id": "m", "name": "M", "roleId": "r"}}),
            json!({"op": "addMember", "member": "m"}),
            json!({"op": "assignRole", "target": {"member": "m"}, "roleId": "r"}),
            json!({"op": "assignRole", "target": {"apiKey": "k"}, "roleId": null}),
            json!({"op": "assignRole", "target": {"agent": "a", "member": null}}),
            json!({"op": "assignRole", "target": {"member": "m", "team": "t"}, "roleId": "r"}),
            json!({"op": "assignRole", "target": {}, "roleId": "r", "actorMemberId": "m"}),
            json!({"op": "assignRole", "target": {"member": 1}}),
            json!({"op": "assignRole", "roleId": "r"}),
            json!({"op": "upsertObjectPermissions", "roleId": "r", "rows": [{"object": "o", "canRead": null, "canUpdate": false},
                {"object": "p", "canSoftDelete": true, "canDestroy": false}]}),
            json!({"op": "upsertObjectPermissions", "roleId": "r", "rows": []}),
            json!({"op": "upsertObjectPermissions", "roleId": "r", "rows": [{"object": "o"}, {"canRead": true}]}),
            json!({"op": "upsertObjectPermissions", "roleId": "r", "rows": [{"object": "o", "canRead": "no"}]}),
            json!({"op": "upsertObjectPermissions", "roleId": "r", "rows": [{"object": "o", "field": "f"}]}),
            json!({"op": "upsertObjectPermissions", "roleId": "r", "rows": {"object": "o"}}),
            json!({"op": "upsertObjectPermissions", "roleId": "r", "rows": ["o"]}),
            json!({"op": "upsertFieldPermissions", "roleId": "r", "rows": [{"object": "o", "field": "f", "canRead": false, "canUpdate": null}]}),
            json!({"op": "upsertFieldPermissions", "roleId": "r", "rows": [{"object": "o"}]}),
            json!({"op": "upsertFieldPermissions", "roleId": "r", "rows": [{"object": "o", "field": "f", "canSoftDelete": false}]}),
            json!({"op": "setPermissionFlags", "roleId": "r", "flags": ["AI", "WORKFLOWS"]}),
            json!({"op": "setPermissionFlags", "roleId": "r", "flags": "AI"}),
            json!({"op": "setPermissionFlags", "roleId": "r", "flags": [true]}),
            json!({"op": "setPermissionFlags", "roleId": "r"}),
            json!({"op": "revokeApiKey", "apiKeyId": "k", "at": "2026-01-01T00:00:00Z"}),
            json!({"op": "revokeApiKey", "apiKeyId": "k"}),
            json!({"op": "revokeApiKey", "apiKeyId": "k", "at": 1767225600}),
            json!({"op": "validate", "snapshot": {"format": "x"}}),
            json!({"op": "validate", "snapshot": null}),
            json!({"op": "validate"}),
            json!({"op": "validate", "snapshot": {}, "extra": "a \"quoted\" \\ text\t\u{1}"}),
            json!({"op": "fly"}),
            json!({"op": "DeleteRole", "roleId": "r"}),
            json!({"op": null}),
            json!({"op": true}),
            json!({"op": ["deleteRole"]}),
            json!({"roleId": "r"}),
            json!({}),
            json!("deleteRole"),
            json!(null),
            json!(3),
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        fn walk(v: &Value, out: &mut Vec<Value>) {
            match v {
                Value::Object(m) => {
                    if let Some(op) = m.get("operation") {
                        out.push(op.clone());
                    }
                    m.values().for_each(|x| walk(x, out));
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        let before = cases.len();
        for dir in [root.join("../shared/conformance"), root.join("tests/conformance")] {
            for e in std::fs::read_dir(dir).unwrap() {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap();
                walk(&v, &mut cases);
            }
        }
        assert!(cases.len() > before + 20, "{} operations in the corpus", cases.len() - before);
        for v in &cases {
            let derived = Operation::deserialize(v).map_err(|e| e.to_string());
            crate::shape::assert_same_answer(Operation::read(v), derived, v);
        }
        // serde's quirks, refused now: the contract writes operations as objects
        assert!(Operation::deserialize(&json!(["deleteRole", "r"])).is_ok());
        assert!(Operation::read(&json!(["deleteRole", "r"])).is_err());
        assert!(Operation::read(&json!({"op": "addMember", "member": ["m", "M"]})).is_err());
    }

    #[test]
    fn merge_semantics() {
        let mut v = Some(false);
        merge(&mut v, None);
        assert_eq!(v, Some(false));
        merge(&mut v, Some(None));
        assert_eq!(v, None);
        merge(&mut v, Some(Some(true)));
        assert_eq!(v, Some(true));
    }
}
