//! The `rolegate/v1` snapshot model (contract §1), strict: unknown keys are errors.
//!
//! Use [`crate::Snapshot::from_json`] / [`crate::Snapshot::from_value`] to load one: they run the
//! shape check (every unknown/missing/mistyped key, with its path) before the typed parse, then
//! the semantic validation of [`crate::validate`].

use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "rolegate/v1";
pub const VIEW_FORMAT: &str = "rolegate-view/v1";

/// The four implicit fields every record has, in view order.
pub const IMPLICIT_FIELDS: [&str; 4] = ["id", "createdAt", "updatedAt", "deletedAt"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Snapshot {
    pub format: String,
    pub workspace_id: String,
    pub revision: u64,
    pub admin_role_id: String,
    pub default_role_id: String,
    #[serde(default)]
    pub options: Options,
    pub objects: Vec<ObjectMeta>,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub members: Vec<Member>,
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
    #[serde(default)]
    pub agents: Vec<Agent>,
    #[serde(default)]
    pub workflows: Vec<Workflow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Options {
    #[serde(default)]
    pub api_keys_without_role: ApiKeysWithoutRole,
}

/// What an API key without a role may do (contract §2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ApiKeysWithoutRole {
    /// The workspace's current default role (the documented behaviour).
    #[default]
    DefaultRole,
    /// Nothing (what recent Twenty servers do).
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectMeta {
    pub name_singular: String,
    pub name_plural: String,
    #[serde(default)]
    pub is_system: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_identifier_field: Option<String>,
    pub fields: Vec<FieldMeta>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldMeta {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<Relation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RelationKind {
    ManyToOne,
    OneToMany,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Relation {
    pub kind: RelationKind,
    pub target: String,
    pub inverse: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_column: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Role {
    pub id: String,
    pub label: String,
    #[serde(default = "yes")]
    pub is_editable: bool,
    pub can_update_all_settings: bool,
    pub can_access_all_tools: bool,
    pub can_read_all_object_records: bool,
    pub can_update_all_object_records: bool,
    pub can_soft_delete_all_object_records: bool,
    pub can_destroy_all_object_records: bool,
    #[serde(default = "yes")]
    pub can_be_assigned_to_users: bool,
    #[serde(default = "yes")]
    pub can_be_assigned_to_agents: bool,
    #[serde(default = "yes")]
    pub can_be_assigned_to_api_keys: bool,
    #[serde(default)]
    pub permission_flags: Vec<String>,
    #[serde(default)]
    pub object_permissions: Vec<ObjectPermission>,
    #[serde(default)]
    pub field_permissions: Vec<FieldPermission>,
}

/// An object-level rule. Each value is tri-state: `None` inherits, `Some(true)` grants,
/// `Some(false)` denies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectPermission {
    pub object: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_read: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_update: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_soft_delete: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_destroy: Option<bool>,
}

impl ObjectPermission {
    pub fn get(&self, op: crate::Op) -> Option<bool> {
        match op {
            crate::Op::Read => self.can_read,
            crate::Op::Update => self.can_update,
            crate::Op::SoftDelete => self.can_soft_delete,
            crate::Op::Destroy => self.can_destroy,
        }
    }
}

/// A field-level rule: restrictions only (`Some(false)` or `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldPermission {
    pub object: String,
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_read: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_update: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Member {
    pub id: String,
    pub name: String,
    /// Always set in a workspace Twenty manages; `null` is tolerated and means "no access".
    pub role_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub role_id: Option<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Agent {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub role_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Workflow {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub role_id: Option<String>,
}

impl Snapshot {
    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }
    pub fn role_mut(&mut self, id: &str) -> Option<&mut Role> {
        self.roles.iter_mut().find(|r| r.id == id)
    }
    pub fn object(&self, name: &str) -> Option<&ObjectMeta> {
        self.objects.iter().find(|o| o.name_singular == name)
    }
}

// Typed values from shape-checked JSON (`shape::SNAPSHOT`, `shape::ROLE`): built by hand, not
// with serde's derived Deserialize, which was most of the npm package's WebAssembly. Defaults
// are those of the serde attributes above (tests compare both ways on the fixtures).
use crate::shape::{get_bool, get_items, get_opt_bool, get_opt_str, get_str, get_strings};
use crate::tree::{Kind, Node};

impl Snapshot {
    /// A snapshot from a value that passed `shape::check(&shape::SNAPSHOT, ..)`.
    pub(crate) fn from_checked(v: &impl Node) -> Snapshot {
        let principals = |key: &str| get_items(v, key).iter().map(|x| (get_str(x, "id"), get_str(x, "name"), get_opt_str(x, "roleId")));
        Snapshot {
            format: get_str(v, "format"),
            workspace_id: get_str(v, "workspaceId"),
            revision: v.get("revision").and_then(Node::as_u64).unwrap_or_default(),
            admin_role_id: get_str(v, "adminRoleId"),
            default_role_id: get_str(v, "defaultRoleId"),
            options: Options {
                api_keys_without_role: match v.get("options").and_then(|o| o.get("apiKeysWithoutRole")).and_then(Node::as_str) {
                    Some("deny") => ApiKeysWithoutRole::Deny,
                    _ => ApiKeysWithoutRole::DefaultRole,
                },
            },
            objects: get_items(v, "objects").iter().map(ObjectMeta::from_checked).collect(),
            roles: get_items(v, "roles").iter().map(Role::from_checked).collect(),
            members: principals("members").map(|(id, name, role_id)| Member { id, name, role_id }).collect(),
            api_keys: get_items(v, "apiKeys")
                .iter()
                .map(|k| ApiKey {
                    id: get_str(k, "id"),
                    name: get_str(k, "name"),
                    role_id: get_opt_str(k, "roleId"),
                    expires_at: get_opt_str(k, "expiresAt"),
                    revoked_at: get_opt_str(k, "revokedAt"),
                })
                .collect(),
            agents: principals("agents").map(|(id, name, role_id)| Agent { id, name, role_id }).collect(),
            workflows: principals("workflows").map(|(id, name, role_id)| Workflow { id, name, role_id }).collect(),
        }
    }
}

impl ObjectMeta {
    fn from_checked(v: &impl Node) -> ObjectMeta {
        ObjectMeta {
            name_singular: get_str(v, "nameSingular"),
            name_plural: get_str(v, "namePlural"),
            is_system: get_bool(v, "isSystem", false),
            label_identifier_field: get_opt_str(v, "labelIdentifierField"),
            fields: get_items(v, "fields")
                .iter()
                .map(|f| FieldMeta {
                    name: get_str(f, "name"),
                    field_type: get_str(f, "type"),
                    relation: f.get("relation").filter(|r| r.kind() == Kind::Object).map(|r| Relation {
                        kind: if r.get("kind").and_then(Node::as_str) == Some("ONE_TO_MANY") {
                            RelationKind::OneToMany
                        } else {
                            RelationKind::ManyToOne
                        },
                        target: get_str(r, "target"),
                        inverse: get_str(r, "inverse"),
                        join_column: get_opt_str(r, "joinColumn"),
                    }),
                })
                .collect(),
        }
    }
}

impl Role {
    /// A role from a value that passed `shape::check(&shape::ROLE, ..)`.
    pub(crate) fn from_checked(v: &impl Node) -> Role {
        Role {
            id: get_str(v, "id"),
            label: get_str(v, "label"),
            is_editable: get_bool(v, "isEditable", true),
            can_update_all_settings: get_bool(v, "canUpdateAllSettings", false),
            can_access_all_tools: get_bool(v, "canAccessAllTools", false),
            can_read_all_object_records: get_bool(v, "canReadAllObjectRecords", false),
            can_update_all_object_records: get_bool(v, "canUpdateAllObjectRecords", false),
            can_soft_delete_all_object_records: get_bool(v, "canSoftDeleteAllObjectRecords", false),
            can_destroy_all_object_records: get_bool(v, "canDestroyAllObjectRecords", false),
            can_be_assigned_to_users: get_bool(v, "canBeAssignedToUsers", true),
            can_be_assigned_to_agents: get_bool(v, "canBeAssignedToAgents", true),
            can_be_assigned_to_api_keys: get_bool(v, "canBeAssignedToApiKeys", true),
            permission_flags: get_strings(v, "permissionFlags"),
            object_permissions: get_items(v, "objectPermissions")
                .iter()
                .map(|r| ObjectPermission {
                    object: get_str(r, "object"),
                    can_read: get_opt_bool(r, "canRead"),
                    can_update: get_opt_bool(r, "canUpdate"),
                    can_soft_delete: get_opt_bool(r, "canSoftDelete"),
                    can_destroy: get_opt_bool(r, "canDestroy"),
                })
                .collect(),
            field_permissions: get_items(v, "fieldPermissions")
                .iter()
                .map(|r| FieldPermission {
                    object: get_str(r, "object"),
                    field: get_str(r, "field"),
                    can_read: get_opt_bool(r, "canRead"),
                    can_update: get_opt_bool(r, "canUpdate"),
                })
                .collect(),
        }
    }
}

impl ObjectMeta {
    pub fn field(&self, name: &str) -> Option<&FieldMeta> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Parses an RFC 3339 timestamp into Unix seconds (fractions of a second are dropped).
///
/// Accepts exactly what the `time` crate's `Rfc3339` parser accepted before it was replaced by
/// this function (to keep the npm package's WebAssembly small): `YYYY-MM-DD`, any one byte as
/// the separator, `HH:MM:SS`, an optional `.` and one or more digits, then `Z`/`z` or
/// `±HH:MM` (offset hours ≤ 23, minutes ≤ 59). Dates and times must exist; a leap second
/// (`:60`) only where it can be one (23:59:60 UTC on the last day of a month), read as :59.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |n, d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0')))
    };
    let lit = |at: usize, c: u8| b.get(at) == Some(&c);
    // YYYY-MM-DD?HH:MM:SS (position 10, the separator, may be any byte)
    if !(lit(4, b'-') && lit(7, b'-') && lit(13, b':') && lit(16, b':')) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    b.get(10)?;
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let mut i = 19;
    if lit(i, b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' => {
            i += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if !lit(i + 3, b':') || h > 23 || m > 59 {
                return None;
            }
            i += 6;
            let o = h * 3600 + m * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    if i != b.len() || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second.min(59);
    let utc = local - offset;
    if second == 60 {
        // read as 23:59:59.999999999, which must be the last second of a month in UTC
        let (y, m, d) = civil_from_days(utc.div_euclid(86_400));
        if utc.rem_euclid(86_400) != 86_399 || d != days_in_month(y, m) {
            return None;
        }
    }
    Some(utc)
}

/// Formats Unix seconds as an RFC 3339 timestamp (`2026-01-01T00:00:00Z`); outside years
/// 0000–9999 the plain number of seconds.
pub fn format_timestamp(secs: i64) -> String {
    const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    if !(MIN..=MAX).contains(&secs) {
        return secs.to_string();
    }
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", t / 3600, t / 60 % 60, t % 60)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape;
    use serde::Deserialize;
    use serde_json::Value;

    /// Every snapshot and role in the fixtures and conformance corpora (`"snapshot"` and
    /// `"role"` values), shape-checked.
    fn corpus() -> (Vec<Value>, Vec<Value>) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = vec![root.join("../shared/fixtures/workspace.json"), root.join("fixtures/workspace-agents.json")];
        for dir in [root.join("../shared/conformance"), root.join("tests/conformance")] {
            for e in std::fs::read_dir(dir).unwrap() {
                files.push(e.unwrap().path());
            }
        }
        let (mut snapshots, mut roles) = (Vec::new(), Vec::new());
        fn walk(v: &Value, snapshots: &mut Vec<Value>, roles: &mut Vec<Value>) {
            match v {
                Value::Object(m) => {
                    if m.contains_key("format") && m.contains_key("roles") {
                        snapshots.push(v.clone());
                    }
                    if let Some(r) = m.get("role").filter(|r| r.is_object()) {
                        roles.push(r.clone());
                    }
                    m.values().for_each(|x| walk(x, snapshots, roles));
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, snapshots, roles)),
                _ => {}
            }
        }
        for f in files {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            walk(&v, &mut snapshots, &mut roles);
        }
        let ok = |spec: &'static shape::Spec, v: &Value| {
            let mut issues = Vec::new();
            shape::check(spec, v, "", &mut issues);
            issues.is_empty()
        };
        snapshots.retain(|v| ok(&shape::SNAPSHOT, v));
        roles.retain(|v| ok(&shape::ROLE, v));
        (snapshots, roles)
    }

    #[test]
    fn hand_built_snapshots_and_roles_equal_derived_deserialize() {
        let (mut snapshots, roles) = corpus();
        let role = |id: &str| {
            serde_json::json!({"id": id, "label": id, "canUpdateAllSettings": true, "canAccessAllTools": false,
            "canReadAllObjectRecords": true, "canUpdateAllObjectRecords": false, "canSoftDeleteAllObjectRecords": true,
            "canDestroyAllObjectRecords": false, "isEditable": false, "canBeAssignedToAgents": false, "permissionFlags": ["AI"],
            "objectPermissions": [{"object": "o", "canRead": null, "canUpdate": true, "canDestroy": false}],
            "fieldPermissions": [{"object": "o", "field": "f", "canRead": false, "canUpdate": null}]})
        };
        for options in [
            serde_json::json!({}),
            serde_json::json!({"apiKeysWithoutRole": "deny"}),
            serde_json::json!({"apiKeysWithoutRole": "defaultRole"}),
        ] {
            snapshots.push(serde_json::json!({"format": "rolegate/v1", "workspaceId": "w", "revision": 3, "adminRoleId": "a",
                "defaultRoleId": "a", "options": options,
                "objects": [{"nameSingular": "o", "namePlural": "os", "labelIdentifierField": null, "isSystem": true, "fields": [
                    {"name": "f", "type": "TEXT", "relation": null},
                    {"name": "g", "type": "RELATION", "relation": {"kind": "ONE_TO_MANY", "target": "o", "inverse": "f", "joinColumn": null}},
                    {"name": "h", "type": "RELATION", "relation": {"kind": "MANY_TO_ONE", "target": "o", "inverse": "g", "joinColumn": "hId"}}]}],
                "roles": [role("a"), role("b")],
                "members": [{"id": "m", "name": "M", "roleId": null}, {"id": "n", "name": "N", "roleId": "a"}],
                "apiKeys": [{"id": "k", "name": "K", "roleId": null, "expiresAt": null, "revokedAt": "2020-01-01T00:00:00Z"},
                    {"id": "l", "name": "L", "expiresAt": "2030-01-01T00:00:00Z"}],
                "agents": [{"id": "x", "name": "X"}, {"id": "y", "name": "Y", "roleId": null}],
                "workflows": [{"id": "w", "name": "W", "roleId": "a"}]}));
        }
        snapshots.push(serde_json::json!({"format": "rolegate/v1", "workspaceId": "w", "revision": 0, "adminRoleId": "a",
            "defaultRoleId": "a", "objects": [], "roles": []}));
        assert!(snapshots.len() > 20 && roles.len() > 3, "{} snapshots, {} roles", snapshots.len(), roles.len());
        for v in &snapshots {
            assert_eq!(Snapshot::from_checked(v), Snapshot::deserialize(v).unwrap());
            for role in v["roles"].as_array().unwrap() {
                assert_eq!(Role::from_checked(role), Role::deserialize(role).unwrap());
            }
        }
        for v in &roles {
            assert_eq!(Role::from_checked(v), Role::deserialize(v).unwrap());
        }
    }
}
