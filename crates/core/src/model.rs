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

impl ObjectMeta {
    pub fn field(&self, name: &str) -> Option<&FieldMeta> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Parses an RFC 3339 timestamp into Unix seconds.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Formats Unix seconds as an RFC 3339 timestamp (`2026-01-01T00:00:00Z`).
pub fn format_timestamp(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| secs.to_string())
}
