//! Semantic validation of a snapshot (contract §1). Reports every problem found.

use crate::error::{codes, Issue};
use crate::flags::Flag;
use crate::model::*;
use crate::FxHashMap;
use crate::Op;
use std::fmt;

/// Twenty field types accepted in `fields[].type`.
pub const FIELD_TYPES: &[&str] = &[
    "TEXT", "NUMBER", "NUMERIC", "BOOLEAN", "DATE_TIME", "DATE", "SELECT", "MULTI_SELECT", "RATING", "CURRENCY", "FULL_NAME", "EMAILS",
    "PHONES", "ADDRESS", "LINKS", "ACTOR", "RICH_TEXT", "RICH_TEXT_V2", "RELATION", "UUID", "POSITION", "TS_VECTOR", "RAW_JSON", "ARRAY",
    "FILES",
];

/// Sub-fields of composite field types (Twenty's `CompositeFieldTypeSubFieldsNames`).
/// A field permission applies to the whole composite field.
pub fn composite_subfields(field_type: &str) -> Option<&'static [&'static str]> {
    Some(match field_type {
        "FULL_NAME" => &["firstName", "lastName"],
        "EMAILS" => &["primaryEmail", "additionalEmails"],
        "PHONES" => &["primaryPhoneNumber", "primaryPhoneCountryCode", "primaryPhoneCallingCode", "additionalPhones"],
        "ADDRESS" => &[
            "addressStreet1", "addressStreet2", "addressCity", "addressState", "addressCountry", "addressPostcode", "addressLat",
            "addressLng",
        ],
        "LINKS" => &["primaryLinkUrl", "primaryLinkLabel", "secondaryLinks"],
        "CURRENCY" => &["amountMicros", "currencyCode"],
        "ACTOR" => &["source", "workspaceMemberId", "name", "context"],
        "RICH_TEXT_V2" => &["blocknote", "markdown"],
        _ => return None,
    })
}

fn role_default(role: &Role, op: Op) -> bool {
    match op {
        Op::Read => role.can_read_all_object_records,
        Op::Update => role.can_update_all_object_records,
        Op::SoftDelete => role.can_soft_delete_all_object_records,
        Op::Destroy => role.can_destroy_all_object_records,
    }
}

/// The value used by the write-without-read rule: the rule's value if set, else the
/// system-object default (true), else the role's all-objects default.
pub(crate) fn resolved_rule_value(role: &Role, rule: &ObjectPermission, is_system: bool, op: Op) -> bool {
    rule.get(op).unwrap_or(if is_system { true } else { role_default(role, op) })
}

/// A JSON path such as `roles[1].fieldPermissions[0]`, written out (`{p}`) only when an issue
/// needs it: validating a valid snapshot builds no path strings.
#[derive(Clone, Copy)]
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    key: &'a str,
    index: Option<usize>,
}

impl<'a> Path<'a> {
    fn at(key: &'a str, index: usize) -> Path<'a> {
        Path { parent: None, key, index: Some(index) }
    }
    fn item(&'a self, key: &'a str, index: usize) -> Path<'a> {
        Path { parent: Some(self), key, index: Some(index) }
    }
    fn key(&'a self, key: &'a str) -> Path<'a> {
        Path { parent: Some(self), key, index: None }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            write!(f, "{parent}.")?;
        }
        f.write_str(self.key)?;
        match self.index {
            Some(i) => write!(f, "[{i}]"),
            None => Ok(()),
        }
    }
}

/// `object.field` in messages, written out only when used.
struct Dotted<'a>(&'a str, &'a str);

impl fmt::Display for Dotted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// Names to positions, and name sets (the value then unused). One map type for every lookup
/// here keeps the npm package's WebAssembly small (each key/value pair is its own copy).
type Names<'a> = FxHashMap<&'a str, usize>;

/// Name lookups for validation: objects by singular name (the first of a repeated name), their
/// field names (the last of a repeated name), roles by id (the first).
struct Index<'a> {
    s: &'a Snapshot,
    objects: Names<'a>,
    /// Per object, its fields by name.
    fields: Vec<Names<'a>>,
    /// Per object, the number of fields declared before it (a slot per field in `field_slot`).
    offsets: Vec<usize>,
    roles: Names<'a>,
}

impl<'a> Index<'a> {
    fn new(s: &'a Snapshot) -> Index<'a> {
        let mut objects = Names::default();
        let mut fields = Vec::with_capacity(s.objects.len());
        let mut offsets = Vec::with_capacity(s.objects.len());
        let mut total = 0;
        for (i, o) in s.objects.iter().enumerate() {
            objects.entry(o.name_singular.as_str()).or_insert(i);
            fields.push(o.fields.iter().enumerate().map(|(j, f)| (f.name.as_str(), j)).collect());
            offsets.push(total);
            total += o.fields.len();
        }
        let mut roles = Names::default();
        for (i, r) in s.roles.iter().enumerate() {
            roles.entry(r.id.as_str()).or_insert(i);
        }
        Index { s, objects, fields, offsets, roles }
    }
    fn object(&self, name: &str) -> Option<&'a ObjectMeta> {
        self.objects.get(name).map(|&i| &self.s.objects[i])
    }
    /// The object's position and the field's position in it.
    fn field_at(&self, object: &str, field: &str) -> Option<(usize, usize)> {
        let &i = self.objects.get(object)?;
        Some((i, *self.fields[i].get(field)?))
    }
    fn field(&self, object: &str, field: &str) -> Option<&'a FieldMeta> {
        self.field_at(object, field).map(|(i, j)| &self.s.objects[i].fields[j])
    }
    /// One number per declared field of the snapshot, for per-field tables.
    fn field_slot(&self, object: &str, field: &str) -> Option<usize> {
        self.field_at(object, field).map(|(i, j)| self.offsets[i] + j)
    }
    fn field_count(&self) -> usize {
        self.s.objects.iter().map(|o| o.fields.len()).sum()
    }
    fn role(&self, id: &str) -> Option<&'a Role> {
        self.roles.get(id).map(|&i| &self.s.roles[i])
    }
}

/// Appends an issue. Out of line and cold, like every message it formats: a valid snapshot never
/// comes here, and V8 compiles a WebAssembly function whole on its first call, so the checks a
/// fresh page or isolate runs on a valid snapshot stay small (bench/js/touched.mjs,
/// bench/worker/touched.mjs).
#[cold]
#[inline(never)]
fn issue(out: &mut Vec<Issue>, code: &'static str, path: fmt::Arguments<'_>, message: fmt::Arguments<'_>) {
    out.push(Issue::new(code, path.to_string(), message.to_string()));
}

/// Validates a parsed snapshot. An empty result means valid.
pub fn validate(s: &Snapshot) -> Vec<Issue> {
    let ix = Index::new(s);
    let mut out = Vec::new();
    if s.format != FORMAT {
        issue(
            &mut out,
            codes::INVALID_ARG,
            format_args!("format"),
            format_args!("unsupported format \"{}\"; expected \"{FORMAT}\"", s.format),
        );
    }
    if s.workspace_id.trim().is_empty() {
        issue(&mut out, codes::INVALID_ARG, format_args!("workspaceId"), format_args!("workspaceId must not be empty"));
    }
    validate_objects(s, &ix, &mut out);
    let role_ids = validate_roles(s, &ix, &mut out);
    validate_principals(s, &ix, &role_ids, &mut out);
    out
}

fn validate_objects(s: &Snapshot, ix: &Index, out: &mut Vec<Issue>) {
    let mut names = Names::default();
    for (i, o) in s.objects.iter().enumerate() {
        let p = Path::at("objects", i);
        for (key, name) in [("nameSingular", &o.name_singular), ("namePlural", &o.name_plural)] {
            if name.is_empty() {
                issue(out, codes::INVALID_ARG, format_args!("{p}.{key}"), format_args!("object {key} must not be empty"));
                continue;
            }
            if key == "namePlural" && name == &o.name_singular {
                issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{p}.namePlural"),
                    format_args!("object \"{name}\" must have different singular and plural names"),
                );
                continue;
            }
            if let Some(prev) = names.insert(name.as_str(), i) {
                issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{p}.{key}"),
                    format_args!("object name \"{name}\" is already used by objects[{prev}]"),
                );
            }
        }
        let mut field_names = Names::default();
        let mut join_columns: Vec<(&str, usize)> = Vec::new();
        for (j, f) in o.fields.iter().enumerate() {
            let fp = p.item("fields", j);
            let on = &o.name_singular;
            if f.name.is_empty() {
                issue(out, codes::INVALID_ARG, format_args!("{fp}.name"), format_args!("a field of object \"{on}\" has an empty name"));
            } else if IMPLICIT_FIELDS.contains(&f.name.as_str()) {
                issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{fp}.name"),
                    format_args!("\"{}\" is an implicit field of every record and cannot be declared on object \"{on}\"", f.name),
                );
            } else if field_names.insert(&f.name, j).is_some() {
                issue(out, codes::INVALID_ARG, format_args!("{fp}.name"), format_args!("field \"{on}.{}\" is declared twice", f.name));
            }
            if !FIELD_TYPES.contains(&f.field_type.as_str()) {
                issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{fp}.type"),
                    format_args!("unknown field type \"{}\" for field \"{on}.{}\"", f.field_type, f.name),
                );
            }
            match (&f.relation, f.field_type == "RELATION") {
                (None, true) => issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{fp}.relation"),
                    format_args!("RELATION field \"{on}.{}\" needs a \"relation\"", f.name),
                ),
                (Some(_), false) => issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{fp}.relation"),
                    format_args!("field \"{on}.{}\" of type {} cannot have a \"relation\"", f.name, f.field_type),
                ),
                (Some(r), true) => {
                    validate_relation(ix, o, f, r, &fp.key("relation"), out);
                    if let Some(jc) = &r.join_column {
                        join_columns.push((jc, j));
                    }
                }
                (None, false) => {}
            }
        }
        let mut seen = Names::default();
        for (jc, j) in join_columns {
            let first = *seen.entry(jc).or_insert(j);
            if field_names.contains_key(jc) || IMPLICIT_FIELDS.contains(&jc) {
                issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{p}.fields[{j}].relation.joinColumn"),
                    format_args!("join column \"{jc}\" of object \"{}\" collides with a field name", o.name_singular),
                );
            } else if first != j {
                // one column holds one relation's target id (Twenty names it after the field)
                issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{p}.fields[{j}].relation.joinColumn"),
                    format_args!("join column \"{jc}\" of object \"{}\" is already the join column of fields[{first}]", o.name_singular),
                );
            }
        }
        if let Some(label) = &o.label_identifier_field {
            match o.field(label) {
                None => issue(
                    out,
                    codes::FIELD_METADATA_NOT_FOUND,
                    format_args!("{p}.labelIdentifierField"),
                    format_args!("label identifier field \"{label}\" is not a field of object \"{}\"", o.name_singular),
                ),
                Some(f) if f.relation.is_some() => issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{p}.labelIdentifierField"),
                    format_args!("label identifier field \"{}.{label}\" cannot be a relation", o.name_singular),
                ),
                Some(_) => {}
            }
        }
    }
}

fn validate_relation(ix: &Index, o: &ObjectMeta, f: &FieldMeta, r: &Relation, p: &Path, out: &mut Vec<Issue>) {
    let here = Dotted(&o.name_singular, &f.name);
    match (r.kind, &r.join_column) {
        (RelationKind::ManyToOne, None) => issue(
            out,
            codes::INVALID_ARG,
            format_args!("{p}.joinColumn"),
            format_args!("MANY_TO_ONE relation \"{here}\" needs a joinColumn"),
        ),
        (RelationKind::OneToMany, Some(_)) => issue(
            out,
            codes::INVALID_ARG,
            format_args!("{p}.joinColumn"),
            format_args!("ONE_TO_MANY relation \"{here}\" cannot have a joinColumn"),
        ),
        (RelationKind::ManyToOne, Some(jc)) if jc.is_empty() => {
            issue(out, codes::INVALID_ARG, format_args!("{p}.joinColumn"), format_args!("joinColumn of \"{here}\" is empty"))
        }
        _ => {}
    }
    let Some(target) = ix.object(&r.target) else {
        issue(
            out,
            codes::OBJECT_METADATA_NOT_FOUND,
            format_args!("{p}.target"),
            format_args!("relation \"{here}\" targets unknown object \"{}\"", r.target),
        );
        return;
    };
    let Some(inv) = ix.field(&target.name_singular, &r.inverse) else {
        issue(
            out,
            codes::FIELD_METADATA_NOT_FOUND,
            format_args!("{p}.inverse"),
            format_args!("relation \"{here}\" names inverse field \"{}.{}\", which does not exist", r.target, r.inverse),
        );
        return;
    };
    let points_back = inv.relation.as_ref().is_some_and(|ir| ir.target == o.name_singular && ir.inverse == f.name && ir.kind != r.kind);
    if !points_back {
        issue(
            out,
            codes::INVALID_ARG,
            format_args!("{p}.inverse"),
            format_args!(
                "relation \"{here}\" and its inverse \"{}.{}\" do not point back at each other (one MANY_TO_ONE, one ONE_TO_MANY)",
                r.target, r.inverse
            ),
        );
    }
}

/// Returns the set of valid role ids for reference checks.
fn validate_roles<'a>(s: &'a Snapshot, ix: &Index, out: &mut Vec<Issue>) -> Names<'a> {
    let mut ids = Names::default();
    let mut labels = Names::default();
    for (i, role) in s.roles.iter().enumerate() {
        let p = Path::at("roles", i);
        if role.id.is_empty() {
            issue(out, codes::INVALID_ARG, format_args!("{p}.id"), format_args!("role id must not be empty"));
        } else if ids.insert(role.id.as_str(), i).is_some() {
            issue(out, codes::INVALID_ARG, format_args!("{p}.id"), format_args!("role id \"{}\" is used twice", role.id));
        }
        if role.label.trim().is_empty() {
            issue(out, codes::INVALID_ARG, format_args!("{p}.label"), format_args!("role \"{}\" has an empty label", role.id));
        } else if let Some(prev) = labels.insert(role.label.as_str(), i) {
            issue(
                out,
                codes::ROLE_LABEL_ALREADY_EXISTS,
                format_args!("{p}.label"),
                format_args!("role \"{}\" uses label \"{}\", already used by roles[{prev}]", role.id, role.label),
            );
        }
        validate_role_rules(ix, role, &p, out);
    }
    // Admin and default role.
    match s.roles.iter().position(|r| r.id == s.admin_role_id) {
        None => issue(
            out,
            codes::ADMIN_ROLE_NOT_FOUND,
            format_args!("adminRoleId"),
            format_args!("adminRoleId \"{}\" names no role", s.admin_role_id),
        ),
        Some(i) => {
            let a = &s.roles[i];
            let p = Path::at("roles", i);
            if a.is_editable {
                issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{p}.isEditable"),
                    format_args!("the Admin role \"{}\" must not be editable", a.id),
                );
            }
            for (key, v) in [
                ("canUpdateAllSettings", a.can_update_all_settings),
                ("canAccessAllTools", a.can_access_all_tools),
                ("canReadAllObjectRecords", a.can_read_all_object_records),
                ("canUpdateAllObjectRecords", a.can_update_all_object_records),
                ("canSoftDeleteAllObjectRecords", a.can_soft_delete_all_object_records),
                ("canDestroyAllObjectRecords", a.can_destroy_all_object_records),
            ] {
                if !v {
                    issue(
                        out,
                        codes::INVALID_ARG,
                        format_args!("{p}.{key}"),
                        format_args!("the Admin role \"{}\" must have {key} true", a.id),
                    );
                }
            }
            if a.can_be_assigned_to_agents {
                issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{p}.canBeAssignedToAgents"),
                    format_args!("the Admin role \"{}\" cannot be assignable to agents", a.id),
                );
            }
            if !a.can_be_assigned_to_users {
                issue(
                    out,
                    codes::INVALID_ARG,
                    format_args!("{p}.canBeAssignedToUsers"),
                    format_args!("the Admin role \"{}\" must be assignable to users", a.id),
                );
            }
            if !s.members.iter().any(|m| m.role_id.as_deref() == Some(a.id.as_str())) {
                issue(
                    out,
                    codes::CANNOT_UNASSIGN_LAST_ADMIN,
                    format_args!("members"),
                    format_args!("no member holds the Admin role \"{}\"; at least one must", a.id),
                );
            }
        }
    }
    match ix.role(&s.default_role_id) {
        None => issue(
            out,
            codes::DEFAULT_ROLE_NOT_FOUND,
            format_args!("defaultRoleId"),
            format_args!("defaultRoleId \"{}\" names no role", s.default_role_id),
        ),
        Some(d) if !d.can_be_assigned_to_users => issue(
            out,
            codes::ROLE_CANNOT_BE_ASSIGNED_TO_USERS,
            format_args!("defaultRoleId"),
            format_args!("the default role \"{}\" cannot be assigned to users", d.id),
        ),
        Some(_) => {}
    }
    ids
}

fn validate_role_rules(ix: &Index, role: &Role, p: &Path, out: &mut Vec<Issue>) {
    let rid = &role.id;
    if !role.can_read_all_object_records {
        for (key, v) in [
            ("canUpdateAllObjectRecords", role.can_update_all_object_records),
            ("canSoftDeleteAllObjectRecords", role.can_soft_delete_all_object_records),
            ("canDestroyAllObjectRecords", role.can_destroy_all_object_records),
        ] {
            if v {
                issue(
                    out,
                    codes::CANNOT_GIVE_WRITING_PERMISSION_WITHOUT_READING_PERMISSION,
                    format_args!("{p}.{key}"),
                    format_args!("role \"{rid}\" cannot have {key} without canReadAllObjectRecords"),
                );
            }
        }
    }
    if !(role.can_be_assigned_to_users || role.can_be_assigned_to_agents || role.can_be_assigned_to_api_keys) {
        issue(
            out,
            codes::ROLE_MUST_HAVE_AT_LEAST_ONE_TARGET,
            format_args!("{p}.canBeAssignedToUsers"),
            format_args!("role \"{rid}\" must be assignable to at least one of users, agents or API keys"),
        );
    }
    let mut seen_flags = Names::default();
    for (k, flag) in role.permission_flags.iter().enumerate() {
        let fp = p.item("permissionFlags", k);
        if Flag::parse(flag).is_none() {
            issue(
                out,
                codes::INVALID_SETTING,
                format_args!("{fp}"),
                format_args!("role \"{rid}\" lists unknown permission flag \"{flag}\""),
            );
        } else if seen_flags.insert(flag.as_str(), k).is_some() {
            issue(out, codes::INVALID_SETTING, format_args!("{fp}"), format_args!("role \"{rid}\" lists permission flag \"{flag}\" twice"));
        }
    }
    let mut seen_objects = Names::default();
    for (k, rule) in role.object_permissions.iter().enumerate() {
        let rp = p.item("objectPermissions", k);
        let Some(obj) = ix.object(&rule.object) else {
            issue(
                out,
                codes::OBJECT_METADATA_NOT_FOUND,
                format_args!("{rp}.object"),
                format_args!("role \"{rid}\" has an object rule for unknown object \"{}\"", rule.object),
            );
            continue;
        };
        if seen_objects.insert(rule.object.as_str(), k).is_some() {
            issue(
                out,
                codes::INVALID_SETTING,
                format_args!("{rp}.object"),
                format_args!("role \"{rid}\" has two object rules for \"{}\"", rule.object),
            );
            continue;
        }
        if !resolved_rule_value(role, rule, obj.is_system, Op::Read) {
            for op in [Op::Update, Op::SoftDelete, Op::Destroy] {
                if resolved_rule_value(role, rule, obj.is_system, op) {
                    let why = if rule.get(op).is_some() {
                        "grants it"
                    } else if obj.is_system {
                        "leaves it at the system-object default (allowed); deny it explicitly"
                    } else {
                        "inherits it from the role's all-objects default"
                    };
                    issue(
                        out,
                        codes::CANNOT_GIVE_WRITING_PERMISSION_ON_NON_READABLE_OBJECT,
                        format_args!("{rp}.{}", op.rule_key()),
                        format_args!("role \"{rid}\" denies reading \"{}\" but its rule {why}: {} needs read", rule.object, op.rule_key()),
                    );
                }
            }
        }
    }
    let mut seen_fields = vec![false; if role.field_permissions.is_empty() { 0 } else { ix.field_count() }];
    for (k, rule) in role.field_permissions.iter().enumerate() {
        let rp = p.item("fieldPermissions", k);
        let (o, f) = (&rule.object, &rule.field);
        for (key, v) in [("canRead", rule.can_read), ("canUpdate", rule.can_update)] {
            if v == Some(true) {
                issue(
                    out,
                    codes::ONLY_FIELD_RESTRICTION_ALLOWED,
                    format_args!("{rp}.{key}"),
                    format_args!(
                        "role \"{rid}\": field rule on \"{o}.{f}\" sets {key} true; field rules can only restrict (false or null)"
                    ),
                );
            }
        }
        let Some(obj) = ix.object(o) else {
            issue(
                out,
                codes::OBJECT_METADATA_NOT_FOUND,
                format_args!("{rp}.object"),
                format_args!("role \"{rid}\" has a field rule for unknown object \"{o}\""),
            );
            continue;
        };
        if obj.is_system {
            issue(
                out,
                codes::CANNOT_ADD_FIELD_PERMISSION_ON_SYSTEM_OBJECT,
                format_args!("{rp}.object"),
                format_args!("role \"{rid}\" has a field rule on \"{o}.{f}\", but \"{o}\" is a system object"),
            );
            continue;
        }
        let Some(slot) = ix.field_slot(o, f) else {
            let why = if IMPLICIT_FIELDS.contains(&f.as_str()) { " (implicit fields follow the object and take no rules)" } else { "" };
            issue(
                out,
                codes::FIELD_METADATA_NOT_FOUND,
                format_args!("{rp}.field"),
                format_args!("role \"{rid}\" has a field rule for unknown field \"{o}.{f}\"{why}"),
            );
            continue;
        };
        if std::mem::replace(&mut seen_fields[slot], true) {
            issue(
                out,
                codes::INVALID_SETTING,
                format_args!("{rp}.field"),
                format_args!("role \"{rid}\" has two field rules for \"{o}.{f}\""),
            );
        }
    }
}

fn validate_principals<'a>(s: &'a Snapshot, ix: &Index, role_ids: &Names, out: &mut Vec<Issue>) {
    #[derive(Clone, Copy)]
    enum Kind {
        Member,
        ApiKey,
        Agent,
        Workflow,
    }
    let check_role = |kind: Kind, role_id: &Option<String>, who: &dyn fmt::Display, p: &Path, out: &mut Vec<Issue>| {
        let Some(rid) = role_id else { return };
        if !role_ids.contains_key(rid.as_str()) {
            issue(out, codes::ROLE_NOT_FOUND, format_args!("{p}.roleId"), format_args!("{who} holds unknown role \"{rid}\""));
            return;
        }
        let Some(role) = ix.role(rid) else { return };
        let (ok, code, whom) = match kind {
            Kind::Member => (role.can_be_assigned_to_users, codes::ROLE_CANNOT_BE_ASSIGNED_TO_USERS, "users"),
            Kind::ApiKey => (role.can_be_assigned_to_api_keys, codes::ROLE_CANNOT_BE_ASSIGNED_TO_API_KEYS, "API keys"),
            Kind::Agent => (role.can_be_assigned_to_agents, codes::ROLE_CANNOT_BE_ASSIGNED_TO_AGENTS, "agents"),
            Kind::Workflow => (true, "", ""),
        };
        if !ok {
            issue(out, code, format_args!("{p}.roleId"), format_args!("{who} holds role \"{rid}\", which cannot be assigned to {whom}"));
        }
    };
    let dup = |list: &str, i: usize, id: &'a str, seen: &mut Names<'a>, out: &mut Vec<Issue>| {
        if id.is_empty() {
            issue(out, codes::INVALID_ARG, format_args!("{list}[{i}].id"), format_args!("{list}[{i}] has an empty id"));
        } else if seen.insert(id, i).is_some() {
            issue(out, codes::INVALID_ARG, format_args!("{list}[{i}].id"), format_args!("id \"{id}\" is used twice in {list}"));
        }
    };
    let mut seen = Names::default();
    for (i, m) in s.members.iter().enumerate() {
        dup("members", i, &m.id, &mut seen, out);
        check_role(Kind::Member, &m.role_id, &format_args!("member \"{}\"", m.id), &Path::at("members", i), out);
    }
    let mut seen = Names::default();
    for (i, k) in s.api_keys.iter().enumerate() {
        let p = Path::at("apiKeys", i);
        dup("apiKeys", i, &k.id, &mut seen, out);
        check_role(Kind::ApiKey, &k.role_id, &format_args!("API key \"{}\" ({})", k.name, k.id), &p, out);
        for (key, v) in [("expiresAt", &k.expires_at), ("revokedAt", &k.revoked_at)] {
            if let Some(ts) = v {
                if parse_timestamp(ts).is_none() {
                    issue(
                        out,
                        codes::INVALID_ARG,
                        format_args!("{p}.{key}"),
                        format_args!("API key \"{}\": {key} \"{ts}\" is not an RFC 3339 timestamp", k.name),
                    );
                }
            }
        }
    }
    let mut seen = Names::default();
    for (i, a) in s.agents.iter().enumerate() {
        dup("agents", i, &a.id, &mut seen, out);
        check_role(Kind::Agent, &a.role_id, &format_args!("agent \"{}\"", a.id), &Path::at("agents", i), out);
    }
    let mut seen = Names::default();
    for (i, w) in s.workflows.iter().enumerate() {
        dup("workflows", i, &w.id, &mut seen, out);
        check_role(Kind::Workflow, &w.role_id, &format_args!("workflow \"{}\"", w.id), &Path::at("workflows", i), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn snapshot() -> Snapshot {
        serde_json::from_value(json!({
            "format": "rolegate/v1", "workspaceId": "w", "revision": 1, "adminRoleId": "admin", "defaultRoleId": "admin",
            "objects": [
                {"nameSingular": "person", "namePlural": "people", "labelIdentifierField": "name", "fields": [
                    {"name": "name", "type": "FULL_NAME"},
                    {"name": "company", "type": "RELATION", "relation": {"kind": "MANY_TO_ONE", "target": "company", "inverse": "people", "joinColumn": "companyId"}}]},
                {"nameSingular": "company", "namePlural": "companies", "fields": [
                    {"name": "people", "type": "RELATION", "relation": {"kind": "ONE_TO_MANY", "target": "person", "inverse": "company"}}]},
                {"nameSingular": "attachment", "namePlural": "attachments", "isSystem": true, "fields": [{"name": "name", "type": "TEXT"}]}
            ],
            "roles": [{"id": "admin", "label": "Admin", "isEditable": false, "canUpdateAllSettings": true, "canAccessAllTools": true,
                "canReadAllObjectRecords": true, "canUpdateAllObjectRecords": true, "canSoftDeleteAllObjectRecords": true,
                "canDestroyAllObjectRecords": true, "canBeAssignedToAgents": false},
                {"id": "r", "label": "R", "canUpdateAllSettings": false, "canAccessAllTools": false,
                "canReadAllObjectRecords": true, "canUpdateAllObjectRecords": false, "canSoftDeleteAllObjectRecords": false,
                "canDestroyAllObjectRecords": false}],
            "members": [{"id": "m", "name": "M", "roleId": "admin"}]
        }))
        .unwrap()
    }

    fn codes_of(s: &Snapshot) -> Vec<(&'static str, String)> {
        validate(s).into_iter().map(|i| (i.code, i.path)).collect()
    }

    #[test]
    fn minimal_snapshot_is_valid() {
        assert_eq!(codes_of(&snapshot()), []);
    }

    #[test]
    fn relations_must_point_back_with_complementary_kinds() {
        let mut s = snapshot();
        s.objects[1].fields[0].relation.as_mut().unwrap().kind = RelationKind::ManyToOne;
        let got = codes_of(&s);
        assert!(got.contains(&("INVALID_ARG", "objects[0].fields[1].relation.inverse".into())), "{got:?}");
        assert!(got.contains(&("INVALID_ARG", "objects[1].fields[0].relation.joinColumn".into())), "{got:?}");
        let mut s = snapshot();
        s.objects[0].fields[1].relation.as_mut().unwrap().join_column = None;
        assert!(codes_of(&s).contains(&("INVALID_ARG", "objects[0].fields[1].relation.joinColumn".into())));
        let mut s = snapshot();
        s.objects[0].fields[1].relation.as_mut().unwrap().join_column = Some("name".into());
        assert!(codes_of(&s).iter().any(|(c, p)| *c == "INVALID_ARG" && p.ends_with("joinColumn")));
        // two relations to company sharing one join column: the second is reported
        let mut s = snapshot();
        let mut second = s.objects[0].fields[1].clone();
        second.name = "employer".into();
        second.relation.as_mut().unwrap().inverse = "staff".into();
        s.objects[0].fields.push(second);
        let mut inverse = s.objects[1].fields[0].clone();
        inverse.name = "staff".into();
        inverse.relation.as_mut().unwrap().inverse = "employer".into();
        s.objects[1].fields.push(inverse);
        assert_eq!(codes_of(&s), [("INVALID_ARG", "objects[0].fields[2].relation.joinColumn".to_string())]);
        s.objects[0].fields[2].relation.as_mut().unwrap().join_column = Some("employerId".into());
        assert_eq!(codes_of(&s), []);
    }

    #[test]
    fn object_and_field_names() {
        let mut s = snapshot();
        s.objects[2].name_plural = "people".into();
        s.objects[0].fields.push(FieldMeta { name: "name".into(), field_type: "TEXT".into(), relation: None });
        s.objects[0].fields.push(FieldMeta { name: "x".into(), field_type: "TEXTS".into(), relation: None });
        s.objects[0].label_identifier_field = Some("nope".into());
        let got = codes_of(&s);
        assert!(got.contains(&("INVALID_ARG", "objects[2].namePlural".into())), "{got:?}");
        assert!(got.contains(&("INVALID_ARG", "objects[0].fields[2].name".into())), "{got:?}");
        assert!(got.contains(&("INVALID_ARG", "objects[0].fields[3].type".into())), "{got:?}");
        assert!(got.contains(&("FIELD_METADATA_NOT_FOUND", "objects[0].labelIdentifierField".into())), "{got:?}");
    }

    #[test]
    fn rules_resolve_system_defaults_for_write_without_read() {
        let mut s = snapshot();
        s.roles[1].object_permissions.push(ObjectPermission { object: "attachment".into(), can_read: Some(false), ..Default::default() });
        let got = codes_of(&s);
        assert_eq!(got.iter().filter(|(c, _)| *c == "CANNOT_GIVE_WRITING_PERMISSION_ON_NON_READABLE_OBJECT").count(), 3, "{got:?}");
        // a non-system object inherits the role's (false) writes: valid
        let mut s = snapshot();
        s.roles[1].object_permissions.push(ObjectPermission { object: "person".into(), can_read: Some(false), ..Default::default() });
        assert_eq!(codes_of(&s), []);
        // duplicate rules and flags
        let mut s = snapshot();
        s.roles[1].object_permissions.push(ObjectPermission { object: "person".into(), can_read: Some(true), ..Default::default() });
        s.roles[1].object_permissions.push(ObjectPermission { object: "person".into(), can_read: Some(true), ..Default::default() });
        s.roles[1].permission_flags = vec!["AI".into(), "AI".into()];
        let got = codes_of(&s);
        assert!(got.contains(&("INVALID_SETTING", "roles[1].objectPermissions[1].object".into())), "{got:?}");
        assert!(got.contains(&("INVALID_SETTING", "roles[1].permissionFlags[1]".into())), "{got:?}");
    }

    #[test]
    fn repeated_field_rules_and_names() {
        let rule = |o: &str, f: &str| FieldPermission { object: o.into(), field: f.into(), can_read: Some(false), can_update: Some(false) };
        let mut s = snapshot();
        s.roles[1].field_permissions = vec![
            rule("person", "name"),
            rule("company", "people"),
            rule("person", "company"),
            rule("person", "name"),
            rule("person", "nope"),
            rule("company", "people"),
        ];
        let got = codes_of(&s);
        let dups: Vec<&str> = got.iter().filter(|(c, _)| *c == "INVALID_SETTING").map(|(_, p)| p.as_str()).collect();
        assert_eq!(dups, ["roles[1].fieldPermissions[3].field", "roles[1].fieldPermissions[5].field"], "{got:?}");
        assert!(got.contains(&("FIELD_METADATA_NOT_FOUND", "roles[1].fieldPermissions[4].field".into())), "{got:?}");
        // a repeated object name: rules and relations see the first object of that name
        let mut s = snapshot();
        let mut twin = s.objects[2].clone();
        twin.fields = vec![FieldMeta { name: "only".into(), field_type: "TEXT".into(), relation: None }];
        s.objects.push(twin);
        s.roles[1].field_permissions = vec![rule("person", "name"), rule("person", "name")];
        s.roles[1].object_permissions.push(ObjectPermission { object: "attachment".into(), can_read: Some(true), ..Default::default() });
        let got = codes_of(&s);
        assert!(got.contains(&("INVALID_ARG", "objects[3].nameSingular".into())), "{got:?}");
        assert!(got.contains(&("INVALID_SETTING", "roles[1].fieldPermissions[1].field".into())), "{got:?}");
        assert!(!got.iter().any(|(c, _)| *c == "OBJECT_METADATA_NOT_FOUND"), "{got:?}");
    }

    #[test]
    fn admin_requirements_and_timestamps() {
        let mut s = snapshot();
        s.roles[0].can_access_all_tools = false;
        s.members[0].role_id = Some("r".into());
        s.api_keys.push(ApiKey { id: "k".into(), name: "K".into(), role_id: None, expires_at: Some("tomorrow".into()), revoked_at: None });
        let got = codes_of(&s);
        assert!(got.contains(&("INVALID_ARG", "roles[0].canAccessAllTools".into())), "{got:?}");
        assert!(got.contains(&("CANNOT_UNASSIGN_LAST_ADMIN", "members".into())), "{got:?}");
        assert!(got.contains(&("INVALID_ARG", "apiKeys[0].expiresAt".into())), "{got:?}");
    }

    #[test]
    fn composite_subfields_known() {
        assert_eq!(composite_subfields("FULL_NAME"), Some(&["firstName", "lastName"][..]));
        assert!(composite_subfields("ADDRESS").unwrap().contains(&"addressCity"));
        assert_eq!(composite_subfields("TEXT"), None);
    }
}
