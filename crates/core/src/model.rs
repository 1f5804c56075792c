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
    let year = num(0, 4)?;
    if !lit(4, b'-') {
        return None;
    }
    let month = num(5, 2)?;
    if !lit(7, b'-') {
        return None;
    }
    let day = num(8, 2)?;
    b.get(10)?; // the separator: any byte
    let hour = num(11, 2)?;
    if !lit(13, b':') {
        return None;
    }
    let minute = num(14, 2)?;
    if !lit(16, b':') {
        return None;
    }
    let second = num(17, 2)?;
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
