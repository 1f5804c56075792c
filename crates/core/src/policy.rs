//! The compiled policy: built once from a validated snapshot; every decision afterwards is a
//! constant-time lookup with no allocation.

use crate::error::{codes, Error, Result};
use crate::flags::{Flag, SETTINGS_MASK, TOOLS_MASK};
use crate::model::*;
use crate::principal::{Principal, Status};
use crate::FxHashMap;
use crate::Op;

/// Index of an object in the policy (schema order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(pub u32);

/// Index of a field within its object: declared fields in schema order, then the implicit
/// fields `id`, `createdAt`, `updatedAt`, `deletedAt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u32);

/// Objects whose permissions Twenty computes by a fixed rule (twenty-permissions §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// Any other object (system objects default to allowed).
    Regular,
    /// `workflow`, `workflowRun`, `workflowVersion`: settings-admin OR WORKFLOWS; rules ignored.
    Workflow,
    /// `workspaceMember`: always readable; writes need settings-admin OR WORKSPACE_MEMBERS.
    WorkspaceMember,
    /// `agentChatThread`: additionally needs AI tool access.
    AgentChatThread,
}

impl ObjectKind {
    pub fn of(name: &str) -> ObjectKind {
        match name {
            "workflow" | "workflowRun" | "workflowVersion" => ObjectKind::Workflow,
            "workspaceMember" => ObjectKind::WorkspaceMember,
            "agentChatThread" => ObjectKind::AgentChatThread,
            _ => ObjectKind::Regular,
        }
    }
    /// Whether field rules apply on objects of this kind.
    pub fn applies_field_permissions(self) -> bool {
        self != ObjectKind::Workflow
    }
}

#[derive(Debug, Clone)]
pub struct CRelation {
    pub kind: RelationKind,
    pub target: ObjectId,
    pub inverse: FieldId,
    pub join_column: Option<Box<str>>,
}

#[derive(Debug, Clone)]
pub struct CField {
    pub name: Box<str>,
    pub field_type: Box<str>,
    pub implicit: bool,
    pub relation: Option<CRelation>,
}

/// Names to numbers: the one hash map type of a compiled policy. Objects, fields, roles and
/// principals are all looked up through it (each map type is its own copy of the table code
/// in the WebAssembly builds: six of them were ~4 KB of the npm package's module and of the
/// code a fresh worker isolate compiles first).
#[derive(Debug, Clone, Default)]
struct Names(FxHashMap<Box<str>, u32>);

/// A principal without a role, in [`Names`].
const NO_ROLE: u32 = u32::MAX;

impl Names {
    fn with_capacity(n: usize) -> Names {
        Names(FxHashMap::with_capacity_and_hasher(n, Default::default()))
    }
    #[inline]
    fn get(&self, name: &str) -> Option<u32> {
        self.0.get(name).copied()
    }
    /// A later entry for the same name replaces the earlier one.
    fn insert(&mut self, name: &str, n: u32) {
        self.0.insert(name.into(), n);
    }
    fn capacity(&self) -> usize {
        self.0.capacity()
    }
    /// A role as stored for a principal.
    fn role(r: Option<u16>) -> u32 {
        r.map_or(NO_ROLE, u32::from)
    }
    /// The principal named `name`, if any, and its role.
    fn principal(&self, name: &str) -> Option<Option<u16>> {
        self.get(name).map(|r| if r == NO_ROLE { None } else { Some(r as u16) })
    }
}

impl<'a> FromIterator<(&'a str, u32)> for Names {
    fn from_iter<I: IntoIterator<Item = (&'a str, u32)>>(iter: I) -> Names {
        let mut names = Names::default();
        for (k, v) in iter {
            names.insert(k, v);
        }
        names
    }
}

#[derive(Debug, Clone)]
pub struct CObject {
    pub name: Box<str>,
    pub plural: Box<str>,
    pub is_system: bool,
    pub kind: ObjectKind,
    pub label_field: Option<FieldId>,
    pub fields: Vec<CField>,
    /// Number of declared (non-implicit) fields; implicit ones follow.
    pub declared: u32,
    field_index: Names,
    join_index: Names,
    offset: u32,
}

impl CObject {
    pub fn field_id(&self, name: &str) -> Option<FieldId> {
        self.field_index.get(name).map(FieldId)
    }
    /// The relation field whose join column is `column` (`companyId` → `company`).
    pub fn join_column_field(&self, column: &str) -> Option<FieldId> {
        self.join_index.get(column).map(FieldId)
    }
    pub fn field(&self, id: FieldId) -> &CField {
        &self.fields[id.0 as usize]
    }
    pub fn field_ids(&self) -> impl Iterator<Item = FieldId> {
        (0..self.fields.len() as u32).map(FieldId)
    }
}

const OBJ_BITS: [u8; 4] = [1, 2, 4, 8];
const F_READ: u8 = 1;
/// Twenty's search-vector field type (see [`Policy::compile`]).
pub(crate) const TS_VECTOR: &str = "TS_VECTOR";
const F_UPDATE: u8 = 2;

#[derive(Debug, Clone)]
struct CRole {
    id: Box<str>,
    flags: u32,
    /// Per object: bit 0 read, 1 update, 2 soft delete, 3 destroy.
    objects: Box<[u8]>,
    /// Per field (object offset + field index): bit 0 read, bit 1 update.
    fields: Box<[u8]>,
}

#[derive(Debug, Clone)]
struct CApiKey {
    role: Option<u16>,
    expires_at: Option<i64>,
    revoked: bool,
}

/// A resolved principal: up to two roles (intersection) and a status. `Copy`, no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    roles: [u16; 2],
    len: u8,
    status: Status,
}

impl Subject {
    fn none(status: Status) -> Subject {
        Subject { roles: [0; 2], len: 0, status }
    }
    fn of(roles: &[u16]) -> Subject {
        let mut s = Subject { roles: [0; 2], len: 0, status: Status::Active };
        for &r in roles {
            if !s.roles[..s.len as usize].contains(&r) {
                s.roles[s.len as usize] = r;
                s.len += 1;
            }
        }
        s
    }
    pub fn status(&self) -> Status {
        self.status
    }
    #[inline]
    fn role_slice(&self) -> &[u16] {
        &self.roles[..self.len as usize]
    }
}

/// A compiled, immutable policy for one snapshot.
#[derive(Debug, Clone)]
pub struct Policy {
    snapshot: Snapshot,
    objects: Vec<CObject>,
    by_singular: Names,
    by_plural: Names,
    roles: Vec<CRole>,
    role_index: Names,
    /// Members, agents and workflows: their roles ([`NO_ROLE`] for none).
    members: Names,
    /// API keys: positions in `api_key_list`.
    api_keys: Names,
    api_key_list: Vec<CApiKey>,
    agents: Names,
    workflows: Names,
    default_role: Option<u16>,
    keys_without_role: ApiKeysWithoutRole,
}

/// Object-level permissions of one role on one object, per Twenty's algorithm
/// (twenty-permissions §2.3). Shared by compilation and `explain`.
pub(crate) fn role_object_perms(role: &Role, obj: &ObjectMeta) -> [bool; 4] {
    role_object_perms_with(role, role_flags(role), obj)
}

fn role_object_perms_with(role: &Role, flags: u32, obj: &ObjectMeta) -> [bool; 4] {
    let kind = ObjectKind::of(&obj.name_singular);
    let rule = role.object_permissions.iter().find(|r| r.object == obj.name_singular);
    match kind {
        ObjectKind::Workflow => {
            let gate = flags & Flag::WORKFLOWS.bit() != 0;
            [gate; 4]
        }
        ObjectKind::WorkspaceMember => {
            let gate = flags & Flag::WORKSPACE_MEMBERS.bit() != 0;
            [true, gate, gate, gate]
        }
        _ => {
            let mut out = [false; 4];
            for op in Op::ALL {
                let default = if obj.is_system { true } else { role_default(role, op) };
                out[op as usize] = rule.and_then(|r| r.get(op)).unwrap_or(default);
            }
            if kind == ObjectKind::AgentChatThread && flags & Flag::AI.bit() == 0 {
                out = [false; 4];
            }
            out
        }
    }
}

pub(crate) fn role_default(role: &Role, op: Op) -> bool {
    match op {
        Op::Read => role.can_read_all_object_records,
        Op::Update => role.can_update_all_object_records,
        Op::SoftDelete => role.can_soft_delete_all_object_records,
        Op::Destroy => role.can_destroy_all_object_records,
    }
}

/// Flags a role holds: all settings flags with `canUpdateAllSettings`, all tool flags with
/// `canAccessAllTools`, plus the listed ones.
pub(crate) fn role_flags(role: &Role) -> u32 {
    let mut bits = 0;
    if role.can_update_all_settings {
        bits |= SETTINGS_MASK;
    }
    if role.can_access_all_tools {
        bits |= TOOLS_MASK;
    }
    for f in &role.permission_flags {
        if let Some(flag) = Flag::parse(f) {
            bits |= flag.bit();
        }
    }
    bits
}

impl Policy {
    /// Validates and compiles a snapshot.
    pub fn compile(snapshot: Snapshot) -> Result<Policy> {
        let issues = crate::validate::validate(&snapshot);
        if !issues.is_empty() {
            return Err(Error::from_issues(issues));
        }
        Ok(Self::compile_validated(snapshot))
    }

    /// Parses, validates and compiles snapshot JSON (the errors of [`Snapshot::from_json`],
    /// validating once).
    pub fn from_json(json: &str) -> Result<Policy> {
        Self::compile(Snapshot::parse_json_unvalidated(json)?)
    }

    fn compile_validated(snapshot: Snapshot) -> Policy {
        let n = snapshot.objects.len();
        let mut by_singular = Names::with_capacity(n);
        let mut by_plural = Names::with_capacity(n);
        for (i, o) in snapshot.objects.iter().enumerate() {
            by_singular.insert(&o.name_singular, i as u32);
            by_plural.insert(&o.name_plural, i as u32);
        }
        let mut objects = Vec::with_capacity(snapshot.objects.len());
        let mut offset = 0u32;
        for o in &snapshot.objects {
            let mut fields: Vec<CField> = Vec::with_capacity(o.fields.len() + IMPLICIT_FIELDS.len());
            for f in &o.fields {
                let relation = f.relation.as_ref().and_then(|r| {
                    let target = ObjectId(by_singular.get(&r.target)?);
                    let t = &snapshot.objects[target.0 as usize];
                    let inverse = t.fields.iter().position(|x| x.name == r.inverse)?;
                    Some(CRelation {
                        kind: r.kind,
                        target,
                        inverse: FieldId(inverse as u32),
                        join_column: r.join_column.as_deref().map(Into::into),
                    })
                });
                fields.push(CField { name: f.name.as_str().into(), field_type: f.field_type.as_str().into(), implicit: false, relation });
            }
            for name in IMPLICIT_FIELDS {
                let ty = if name == "id" { "UUID" } else { "DATE_TIME" };
                fields.push(CField { name: name.into(), field_type: ty.into(), implicit: true, relation: None });
            }
            let field_index: Names = fields.iter().enumerate().map(|(i, f)| (&*f.name, i as u32)).collect();
            let join_index =
                fields.iter().enumerate().filter_map(|(i, f)| Some((f.relation.as_ref()?.join_column.as_deref()?, i as u32))).collect();
            let label_field = o.label_identifier_field.as_deref().and_then(|l| field_index.get(l)).map(FieldId);
            let n = fields.len() as u32;
            objects.push(CObject {
                name: o.name_singular.as_str().into(),
                plural: o.name_plural.as_str().into(),
                is_system: o.is_system,
                kind: ObjectKind::of(&o.name_singular),
                label_field,
                declared: o.fields.len() as u32,
                fields,
                field_index,
                join_index,
                offset,
            });
            offset += n;
        }
        let total_fields = offset as usize;

        let mut roles = Vec::with_capacity(snapshot.roles.len());
        let mut role_index = Names::with_capacity(snapshot.roles.len());
        for (ri, role) in snapshot.roles.iter().enumerate() {
            role_index.insert(&role.id, ri as u32);
            let mut obits = vec![0u8; objects.len()];
            let mut fbits = vec![0u8; total_fields];
            // Field restrictions laid out like the field table: bit 0 read, bit 1 update.
            let mut restricted = vec![0u8; total_fields];
            for fr in &role.field_permissions {
                if let Some(oid) = by_singular.get(&fr.object) {
                    let co: &CObject = &objects[oid as usize];
                    if let Some(fid) = co.field_id(&fr.field) {
                        restricted[co.offset as usize + fid.0 as usize] =
                            (fr.can_read == Some(false)) as u8 | (((fr.can_update == Some(false)) as u8) << 1);
                    }
                }
            }
            let flags = role_flags(role);
            for (oi, (o, co)) in snapshot.objects.iter().zip(&objects).enumerate() {
                let perms = role_object_perms_with(role, flags, o);
                let mut b = 0u8;
                for op in Op::ALL {
                    if perms[op as usize] {
                        b |= OBJ_BITS[op as usize];
                    }
                }
                obits[oi] = b;
                let afp = co.kind.applies_field_permissions();
                let base = co.offset as usize;
                for (fi, f) in co.fields.iter().enumerate() {
                    let r = if afp && !f.implicit { restricted[base + fi] } else { 0 };
                    let is_label = co.label_field == Some(FieldId(fi as u32));
                    let read = perms[0] && (r & 1 == 0 || is_label);
                    let update = perms[1] && r & 2 == 0 && read;
                    fbits[base + fi] = (read as u8 * F_READ) | (update as u8 * F_UPDATE);
                }
                // A search vector (TS_VECTOR) is built from the record's other fields (a person's
                // from name, emails, phones, job title): where the role hides one of them, reading
                // or filtering on the vector would reveal it, so it is hidden too. Stricter than
                // Twenty, which checks the vector's own field permission only (fail closed).
                let hides_one = co.fields.iter().enumerate().any(|(fi, f)| &*f.field_type != TS_VECTOR && fbits[base + fi] & F_READ == 0);
                if hides_one {
                    for (fi, f) in co.fields.iter().enumerate() {
                        if &*f.field_type == TS_VECTOR {
                            fbits[base + fi] = 0;
                        }
                    }
                }
            }
            roles.push(CRole { id: role.id.as_str().into(), flags, objects: obits.into_boxed_slice(), fields: fbits.into_boxed_slice() });
        }
        let rid = |id: &Option<String>| id.as_deref().and_then(|r| role_index.get(r)).map(|r| r as u16);
        let members = snapshot.members.iter().map(|m| (m.id.as_str(), Names::role(rid(&m.role_id)))).collect();
        let api_keys = snapshot.api_keys.iter().enumerate().map(|(i, k)| (k.id.as_str(), i as u32)).collect();
        let api_key_list = snapshot
            .api_keys
            .iter()
            .map(|k| CApiKey {
                role: rid(&k.role_id),
                expires_at: k.expires_at.as_deref().and_then(parse_timestamp),
                revoked: k.revoked_at.is_some(),
            })
            .collect();
        let agents = snapshot.agents.iter().map(|a| (a.id.as_str(), Names::role(rid(&a.role_id)))).collect();
        let workflows = snapshot.workflows.iter().map(|w| (w.id.as_str(), Names::role(rid(&w.role_id)))).collect();
        let default_role = role_index.get(&snapshot.default_role_id).map(|r| r as u16);
        let keys_without_role = snapshot.options.api_keys_without_role;
        Policy {
            snapshot,
            objects,
            by_singular,
            by_plural,
            roles,
            role_index,
            members,
            api_keys,
            api_key_list,
            agents,
            workflows,
            default_role,
            keys_without_role,
        }
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }
    pub fn revision(&self) -> u64 {
        self.snapshot.revision
    }
    pub fn workspace_id(&self) -> &str {
        &self.snapshot.workspace_id
    }
    pub fn objects(&self) -> &[CObject] {
        &self.objects
    }
    pub fn object(&self, id: ObjectId) -> &CObject {
        &self.objects[id.0 as usize]
    }
    pub fn object_id(&self, name_singular: &str) -> Option<ObjectId> {
        self.by_singular.get(name_singular).map(ObjectId)
    }
    pub fn object_id_by_plural(&self, name_plural: &str) -> Option<ObjectId> {
        self.by_plural.get(name_plural).map(ObjectId)
    }
    pub fn field_id(&self, object: ObjectId, name: &str) -> Option<FieldId> {
        self.objects[object.0 as usize].field_id(name)
    }

    /// Resolves names to ids, with precise errors for unknown names.
    pub fn resolve_names(&self, object: &str, field: Option<&str>) -> Result<(ObjectId, Option<FieldId>)> {
        let oid = self
            .object_id(object)
            .ok_or_else(|| Error::one(codes::OBJECT_METADATA_NOT_FOUND, "object", format!("unknown object \"{object}\"")))?;
        let fid = match field {
            None => None,
            Some(f) => Some(
                self.field_id(oid, f)
                    .ok_or_else(|| Error::one(codes::FIELD_METADATA_NOT_FOUND, "field", format!("unknown field \"{object}.{f}\"")))?,
            ),
        };
        Ok((oid, fid))
    }

    /// The role ids (as in the snapshot) a subject uses.
    pub fn subject_roles(&self, s: &Subject) -> Vec<&str> {
        s.role_slice().iter().map(|&r| &*self.roles[r as usize].id).collect()
    }

    /// Resolves a principal (contract §2). `now` is Unix seconds, used for API-key expiry.
    /// A principal that is not in the snapshot is an `UNKNOWN_PRINCIPAL` error.
    pub fn resolve(&self, p: &Principal, now: i64) -> Result<Subject> {
        let unknown =
            |what: &str, id: &str| Error::one(codes::UNKNOWN_PRINCIPAL, "principal", format!("{what} \"{id}\" is not in the snapshot"));
        let role_of = |r: Option<u16>| r.map(|r| Subject::of(&[r])).unwrap_or(Subject::none(Status::NoRole));
        Ok(match p {
            Principal::Role(r) => Subject::of(&[self.role_index.get(r).ok_or_else(|| unknown("role", r))? as u16]),
            Principal::Member(m) => role_of(self.members.principal(m).ok_or_else(|| unknown("member", m))?),
            Principal::ApiKey(k) => {
                let key = &self.api_key_list[self.api_keys.get(k).ok_or_else(|| unknown("API key", k))? as usize];
                if key.revoked {
                    Subject::none(Status::Revoked)
                } else if key.expires_at.is_some_and(|e| now >= e) {
                    Subject::none(Status::Expired)
                } else {
                    match (key.role, self.keys_without_role) {
                        (Some(r), _) => Subject::of(&[r]),
                        (None, ApiKeysWithoutRole::DefaultRole) => role_of(self.default_role),
                        (None, ApiKeysWithoutRole::Deny) => Subject::none(Status::NoRole),
                    }
                }
            }
            Principal::Agent(a) => role_of(self.agents.principal(a).ok_or_else(|| unknown("agent", a))?),
            Principal::AgentInWorkflow { agent, workflow } => {
                let a = self.agents.principal(agent).ok_or_else(|| unknown("agent", agent))?;
                let w = self.workflows.principal(workflow).ok_or_else(|| unknown("workflow", workflow))?;
                match (a, w) {
                    (Some(a), Some(w)) => Subject::of(&[a, w]),
                    _ => Subject::none(Status::NoRole),
                }
            }
            Principal::AgentOnBehalfOf { agent, member } => {
                let a = self.agents.principal(agent).ok_or_else(|| unknown("agent", agent))?;
                let m = self.members.principal(member).ok_or_else(|| unknown("member", member))?;
                match (a, m) {
                    (Some(a), Some(m)) => Subject::of(&[a, m]),
                    _ => Subject::none(Status::NoRole),
                }
            }
        })
    }

    /// Object-level decision. Insert is `Op::Update`, restore is `Op::SoftDelete`.
    #[inline]
    pub fn can_object(&self, s: &Subject, object: ObjectId, op: Op) -> bool {
        let bit = OBJ_BITS[op as usize];
        let o = object.0 as usize;
        let roles = s.role_slice();
        !roles.is_empty() && roles.iter().all(|&r| self.roles[r as usize].objects.get(o).is_some_and(|b| b & bit != 0))
    }

    /// Field-level decision for read or update (soft delete and destroy are object-level).
    #[inline]
    pub fn can_field(&self, s: &Subject, object: ObjectId, field: FieldId, op: Op) -> bool {
        let bit = match op {
            Op::Read => F_READ,
            Op::Update => F_UPDATE,
            Op::SoftDelete | Op::Destroy => return self.can_object(s, object, op),
        };
        let Some(obj) = self.objects.get(object.0 as usize) else { return false };
        let idx = obj.offset as usize + field.0 as usize;
        let roles = s.role_slice();
        !roles.is_empty() && (field.0 as usize) < obj.fields.len() && roles.iter().all(|&r| self.roles[r as usize].fields[idx] & bit != 0)
    }

    /// Whether the subject may read every search vector (`TS_VECTOR` field) of the object: what
    /// a search hit on its records reveals (see [`Policy::compile`]).
    pub fn search_vector_readable(&self, s: &Subject, object: ObjectId) -> bool {
        let o = self.object(object);
        o.field_ids().all(|f| &*o.field(f).field_type != TS_VECTOR || self.can_field(s, object, f, Op::Read))
    }

    #[inline]
    pub fn has_flag(&self, s: &Subject, flag: Flag) -> bool {
        let roles = s.role_slice();
        !roles.is_empty() && roles.iter().all(|&r| self.roles[r as usize].flags & flag.bit() != 0)
    }

    /// Decision by names: unknown object or field names are errors, never `false` or `true`.
    pub fn check(&self, s: &Subject, object: &str, field: Option<&str>, op: Op) -> Result<bool> {
        let (o, f) = self.resolve_names(object, field)?;
        Ok(match f {
            Some(f) => self.can_field(s, o, f, op),
            None => self.can_object(s, o, op),
        })
    }

    /// Approximate heap memory of the compiled tables (excluding the kept snapshot).
    pub fn memory_bytes(&self) -> usize {
        let map_entry = |k: usize, v: usize| k + v + 16;
        let mut n = 0;
        for o in &self.objects {
            n += std::mem::size_of::<CObject>() + o.name.len() + o.plural.len();
            for f in &o.fields {
                n += std::mem::size_of::<CField>() + f.name.len() + f.field_type.len();
            }
            n += o.field_index.capacity() * map_entry(16, 4) + o.join_index.capacity() * map_entry(16, 4);
        }
        for r in &self.roles {
            n += std::mem::size_of::<CRole>() + r.id.len() + r.objects.len() + r.fields.len();
        }
        n += (self.by_singular.capacity() + self.by_plural.capacity()) * map_entry(16, 4);
        n += self.role_index.capacity() * map_entry(16, 4);
        n += self.members.capacity() * map_entry(16, 4);
        n += self.api_keys.capacity() * map_entry(16, 4) + self.api_key_list.capacity() * std::mem::size_of::<CApiKey>();
        for k in self.api_keys.0.keys() {
            n += k.len();
        }
        n += (self.agents.capacity() + self.workflows.capacity()) * map_entry(16, 4);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(read: bool, update: bool) -> Role {
        Role {
            id: "r".into(),
            label: "R".into(),
            is_editable: true,
            can_update_all_settings: false,
            can_access_all_tools: false,
            can_read_all_object_records: read,
            can_update_all_object_records: update,
            can_soft_delete_all_object_records: false,
            can_destroy_all_object_records: false,
            can_be_assigned_to_users: true,
            can_be_assigned_to_agents: true,
            can_be_assigned_to_api_keys: true,
            permission_flags: vec![],
            object_permissions: vec![],
            field_permissions: vec![],
        }
    }

    fn object(name: &str, system: bool) -> ObjectMeta {
        ObjectMeta {
            name_singular: name.into(),
            name_plural: format!("{name}s"),
            is_system: system,
            label_identifier_field: None,
            fields: vec![],
        }
    }

    /// `Policy::from_json` validates once but fails exactly like `Snapshot::from_json`.
    #[test]
    fn from_json_fails_like_snapshot_from_json() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/workspace.json");
        let good = std::fs::read_to_string(p).unwrap();
        assert!(Policy::from_json(&good).is_ok());
        for bad in [
            "{".to_string(),
            "[]".to_string(),
            good.replacen("\"canRead\"", "\"canReed\"", 1),
            good.replacen("\"defaultRoleId\": \"member\"", "\"defaultRoleId\": \"nobody\"", 1),
            good.replacen("\"TEXT\"", "\"TEXTS\"", 2),
        ] {
            let (a, b) = (Policy::from_json(&bad).unwrap_err(), Snapshot::from_json(&bad).unwrap_err());
            assert_eq!(a, b);
        }
    }

    #[test]
    fn per_object_algorithm() {
        let r = role(true, true);
        assert_eq!(role_object_perms(&r, &object("person", false)), [true, true, false, false]);
        assert_eq!(role_object_perms(&r, &object("attachment", true)), [true; 4]);
        assert_eq!(role_object_perms(&r, &object("workflow", false)), [false; 4]);
        assert_eq!(role_object_perms(&r, &object("workspaceMember", true)), [true, false, false, false]);
        assert_eq!(role_object_perms(&r, &object("agentChatThread", true)), [false; 4]);
        let mut r = role(false, false);
        r.permission_flags = vec!["WORKFLOWS".into(), "AI".into()];
        assert_eq!(role_object_perms(&r, &object("workflowRun", false)), [true; 4]);
        assert_eq!(role_object_perms(&r, &object("agentChatThread", true)), [true; 4]);
        r.object_permissions.push(ObjectPermission { object: "person".into(), can_read: Some(true), ..Default::default() });
        assert_eq!(role_object_perms(&r, &object("person", false)), [true, false, false, false]);
    }

    #[test]
    fn flags_by_kind() {
        let mut r = role(true, false);
        r.can_update_all_settings = true;
        assert_eq!(role_flags(&r), SETTINGS_MASK);
        r.can_update_all_settings = false;
        r.can_access_all_tools = true;
        r.permission_flags = vec!["ROLES".into()];
        assert_eq!(role_flags(&r), TOOLS_MASK | Flag::ROLES.bit());
    }

    #[test]
    fn subjects_dedupe_and_deny_without_roles() {
        assert_eq!(Subject::of(&[3, 3]).role_slice(), &[3]);
        assert_eq!(Subject::of(&[3, 4]).role_slice(), &[3, 4]);
        assert!(Subject::none(Status::NoRole).role_slice().is_empty());
        assert_eq!(ObjectKind::of("workflowVersion"), ObjectKind::Workflow);
        assert!(!ObjectKind::Workflow.applies_field_permissions());
        assert!(ObjectKind::WorkspaceMember.applies_field_permissions());
    }
}
