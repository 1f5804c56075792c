//! Import from Twenty: the JSON answers of Twenty's metadata API (objects with fields and
//! relations; roles with object/field permissions, permission flags and role targets; API
//! keys; workspace members) converted into a valid `rolegate/v1` snapshot.
//!
//! Twenty's ids are mapped to object and field names; role, member, API key and agent ids are
//! kept. Anything that cannot be mapped is an error naming the file, the JSON path and the
//! offending value, never silently dropped. Keys Twenty adds over time are ignored; keys the
//! mapping needs are required. What was deliberately left out (implicit fields, rules that
//! change nothing) is listed in [`Imported::notes`].

use crate::error::{codes, Error, Issue};
use crate::flags::Flag;
use crate::model::{Snapshot, IMPLICIT_FIELDS};
use crate::validate::FIELD_TYPES;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

/// The GraphQL documents whose answers [`import`] reads, in the order `rolegate sync` sends
/// them: `(file name, endpoint path, document)`.
pub const QUERIES: [(&str, &str, &str); 4] = [
    ("objects.json", "/metadata", OBJECTS_QUERY),
    ("roles.json", "/metadata", ROLES_QUERY),
    ("api-keys.json", "/metadata", API_KEYS_QUERY),
    ("members.json", "/graphql", MEMBERS_QUERY),
];

pub const OBJECTS_QUERY: &str = "query RolegateObjects {
  objects(paging: { first: 1000 }) {
    edges { node {
      id nameSingular namePlural isSystem isActive isCustom labelIdentifierFieldMetadataId
      fieldsList {
        id name type isActive isSystem settings
        relation {
          type
          targetObjectMetadata { id nameSingular }
          targetFieldMetadata { id name }
        }
      }
    } }
    pageInfo { hasNextPage endCursor }
  }
}";

pub const ROLES_QUERY: &str = "query RolegateRoles {
  getRoles {
    id label isEditable
    canUpdateAllSettings canAccessAllTools
    canReadAllObjectRecords canUpdateAllObjectRecords canSoftDeleteAllObjectRecords canDestroyAllObjectRecords
    canBeAssignedToUsers canBeAssignedToAgents canBeAssignedToApiKeys
    workspaceMembers { id name { firstName lastName } userEmail }
    agents { id name label }
    apiKeys { id name expiresAt revokedAt }
    permissionFlags { flag }
    objectPermissions { objectMetadataId canReadObjectRecords canUpdateObjectRecords canSoftDeleteObjectRecords canDestroyObjectRecords }
    fieldPermissions { objectMetadataId fieldMetadataId canReadFieldValue canUpdateFieldValue }
    rowLevelPermissionPredicates { id objectMetadataId }
  }
  currentWorkspace { id displayName defaultRole { id label } }
}";

pub const API_KEYS_QUERY: &str = "query RolegateApiKeys {
  apiKeys { id name expiresAt revokedAt role { id label } }
}";

pub const MEMBERS_QUERY: &str = "query RolegateMembers {
  workspaceMembers(first: 1000) {
    edges { node { id name { firstName lastName } userEmail } }
    pageInfo { hasNextPage endCursor }
  }
}";

/// The parsed answers, one per file. `api_keys` and `members` are optional.
pub struct Answers<'a> {
    pub objects: &'a Value,
    pub roles: &'a Value,
    pub api_keys: Option<&'a Value>,
    pub members: Option<&'a Value>,
}

/// Choices the answers do not carry (or that override them).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides `currentWorkspace.id`.
    pub workspace_id: Option<String>,
    /// Id or label; overrides `currentWorkspace.defaultRole`.
    pub default_role: Option<String>,
    /// Id or label; by default the non-editable role labelled "Admin".
    pub admin_role: Option<String>,
    /// The snapshot's revision.
    pub revision: u64,
    /// `options.apiKeysWithoutRole` (`defaultRole` or `deny`); by default the previous
    /// snapshot's, else `defaultRole`.
    pub api_keys_without_role: Option<String>,
    /// A previous snapshot of the same workspace: its `options` and `workflows` are kept.
    pub previous: Option<Snapshot>,
}

/// The result: a validated snapshot and what was deliberately left out.
#[derive(Debug, Clone)]
pub struct Imported {
    pub snapshot: Snapshot,
    pub notes: Vec<String>,
}

/// A position in one input file, for error messages.
#[derive(Clone)]
struct At<'a> {
    file: &'a str,
    path: String,
}

impl<'a> At<'a> {
    fn key(&self, k: &str) -> At<'a> {
        At { file: self.file, path: if self.path.is_empty() { k.to_string() } else { format!("{}.{k}", self.path) } }
    }
    fn idx(&self, i: usize) -> At<'a> {
        At { file: self.file, path: format!("{}[{i}]", self.path) }
    }
    fn err(&self, code: &'static str, msg: impl std::fmt::Display) -> Issue {
        Issue::new(code, format!("{}:{}", self.file, self.path), format!("{}: {msg}", self.file))
    }
}

type R<T> = std::result::Result<T, Issue>;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
/// `v` itself must be an object for its keys to be read.
fn object<'v>(v: &'v Value, at: &At) -> R<&'v Value> {
    if v.is_object() {
        Ok(v)
    } else {
        Err(at.err(codes::INVALID_ARG, format!("\"{}\" must be an object, not {}", at.path, type_name(v))))
    }
}
fn get<'v>(v: &'v Value, at: &At, k: &str) -> R<&'v Value> {
    match object(v, at)?.get(k) {
        Some(x) if !x.is_null() => Ok(x),
        _ => Err(at.key(k).err(codes::INVALID_ARG, format!("\"{}\" is missing (is it in the query?)", at.key(k).path))),
    }
}
fn get_str<'v>(v: &'v Value, at: &At, k: &str) -> R<&'v str> {
    get(v, at, k)?.as_str().ok_or_else(|| at.key(k).err(codes::INVALID_ARG, format!("\"{}\" must be a string", at.key(k).path)))
}
fn opt_str<'v>(v: &'v Value, at: &At, k: &str) -> R<Option<&'v str>> {
    match object(v, at)?.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(at.key(k).err(codes::INVALID_ARG, format!("\"{}\" must be a string or null", at.key(k).path))),
    }
}
fn get_bool(v: &Value, at: &At, k: &str) -> R<bool> {
    get(v, at, k)?.as_bool().ok_or_else(|| at.key(k).err(codes::INVALID_ARG, format!("\"{}\" must be true or false", at.key(k).path)))
}
fn opt_bool(v: &Value, at: &At, k: &str) -> R<Option<bool>> {
    match object(v, at)?.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(at.key(k).err(codes::INVALID_ARG, format!("\"{}\" must be true, false or null", at.key(k).path))),
    }
}
fn opt_obj<'v>(v: &'v Value, at: &At, k: &str) -> R<Option<&'v Value>> {
    match object(v, at)?.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(o @ Value::Object(_)) => Ok(Some(o)),
        Some(x) => {
            Err(at.key(k).err(codes::INVALID_ARG, format!("\"{}\" must be an object or null, not {}", at.key(k).path, type_name(x))))
        }
    }
}
fn get_arr<'v>(v: &'v Value, at: &At, k: &str) -> R<&'v Vec<Value>> {
    get(v, at, k)?.as_array().ok_or_else(|| at.key(k).err(codes::INVALID_ARG, format!("\"{}\" must be a list", at.key(k).path)))
}
fn opt_arr<'v>(v: &'v Value, at: &At, k: &str) -> R<&'v [Value]> {
    match object(v, at)?.get(k) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(at.key(k).err(codes::INVALID_ARG, format!("\"{}\" must be a list", at.key(k).path))),
    }
}

/// The `data` of a GraphQL answer (or the document itself when it is already `data`);
/// GraphQL errors are reported, never ignored.
fn data<'v>(v: &'v Value, file: &'v str) -> R<(&'v Value, At<'v>)> {
    let at = At { file, path: String::new() };
    if !v.is_object() {
        return Err(at.err(codes::INVALID_ARG, "expected a JSON object (a GraphQL answer)"));
    }
    let errs = opt_arr(v, &at, "errors")?;
    if !errs.is_empty() {
        let msgs: Vec<String> =
            errs.iter().map(|e| e.get("message").and_then(Value::as_str).unwrap_or("(no message)").to_string()).collect();
        let has = |code: &str| errs.iter().any(|e| e.get("extensions").and_then(|x| x.get("code")).and_then(Value::as_str) == Some(code));
        let hint = if has("UNAUTHENTICATED") {
            " (is the API key valid, not revoked or expired?)"
        } else if has("FORBIDDEN") {
            " (does the API key's role have the Roles, Data model and API keys settings permissions?)"
        } else {
            ""
        };
        return Err(at.key("errors").err(codes::INVALID_ARG, format!("Twenty answered with errors: {}{hint}", msgs.join("; "))));
    }
    match v.get("data") {
        Some(d) if d.is_object() => Ok((d, at.key("data"))),
        Some(_) => Err(at.key("data").err(codes::INVALID_ARG, "\"data\" must be an object")),
        None => Ok((v, at)),
    }
}

/// The nodes of a connection (`{edges: [{node}]}`) or a plain list, refusing partial pages.
fn nodes<'v>(v: &'v Value, at: &At<'v>) -> R<Vec<(&'v Value, At<'v>)>> {
    if let Some(a) = v.as_array() {
        return Ok(a.iter().enumerate().map(|(i, n)| (n, at.idx(i))).collect());
    }
    let edges = get_arr(v, at, "edges")?;
    let more = match opt_obj(v, at, "pageInfo")? {
        Some(p) => opt_bool(p, &at.key("pageInfo"), "hasNextPage")?,
        None => None,
    };
    if more == Some(true) {
        return Err(at.key("pageInfo").key("hasNextPage").err(
            codes::INVALID_ARG,
            "this is one page of several (hasNextPage is true); raise the page size (paging/first) so every item is in one answer",
        ));
    }
    let eat = at.key("edges");
    edges
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let a = eat.idx(i);
            Ok((get(e, &a, "node")?, a.key("node")))
        })
        .collect()
}

struct FieldInfo {
    name: String,
    object: String,
}

struct ObjectsOut {
    objects: Vec<Value>,
    /// Where each object is in objects.json (`objects.json:data.objects.edges[3].node`).
    places: Vec<String>,
    object_by_id: HashMap<String, String>,
    field_by_id: HashMap<String, FieldInfo>,
}

fn import_objects(answer: &Value, notes: &mut Vec<String>, issues: &mut Vec<Issue>) -> R<ObjectsOut> {
    let (d, at) = data(answer, "objects.json")?;
    let list = nodes(get(d, &at, "objects")?, &at.key("objects"))?;
    // First pass: ids of objects and fields, so relations and rules can be named.
    let mut object_by_id = HashMap::new();
    let mut field_by_id = HashMap::new();
    for (o, oat) in &list {
        let id = get_str(o, oat, "id")?;
        let name = get_str(o, oat, "nameSingular")?;
        if object_by_id.insert(id.to_string(), name.to_string()).is_some() {
            issues.push(oat.key("id").err(codes::INVALID_ARG, format!("object id \"{id}\" appears twice")));
        }
        for (f, fat) in fields_of(o, oat)? {
            let fid = get_str(f, &fat, "id")?;
            let fname = get_str(f, &fat, "name")?;
            if field_by_id.insert(fid.to_string(), FieldInfo { name: fname.to_string(), object: name.to_string() }).is_some() {
                issues.push(fat.key("id").err(codes::INVALID_ARG, format!("field id \"{fid}\" appears twice (rules name fields by id)")));
            }
        }
    }
    let mut objects = Vec::with_capacity(list.len());
    let places = list.iter().map(|(_, oat)| format!("{}:{}", oat.file, oat.path)).collect();
    let mut implicit_left_out = 0;
    for (o, oat) in &list {
        let name = get_str(o, oat, "nameSingular")?;
        let mut fields = Vec::new();
        let mut implicit_seen = 0;
        // MANY_TO_ONE join columns, to leave out legacy "<relation>Id" UUID fields.
        let mut join_columns = HashSet::new();
        let fl = fields_of(o, oat)?;
        for (f, fat) in &fl {
            if get_str(f, fat, "type")? == "RELATION" {
                if let Some(jc) = join_column_name(f, fat)? {
                    join_columns.insert(jc.to_string());
                }
            }
        }
        for (f, fat) in &fl {
            let fname = get_str(f, fat, "name")?;
            let ftype = get_str(f, fat, "type")?;
            if IMPLICIT_FIELDS.contains(&fname) {
                implicit_seen += 1;
                continue;
            }
            if ftype == "UUID" && join_columns.contains(fname) {
                notes.push(format!("{name}.{fname}: the join column of a relation, not a field of its own (left out)"));
                continue;
            }
            match field(f, fat, name, fname, ftype, &object_by_id) {
                Ok(v) => fields.push(v),
                Err(e) => issues.push(e),
            }
        }
        if implicit_seen > 0 {
            implicit_left_out += 1;
        }
        if implicit_seen > 0 && implicit_seen < IMPLICIT_FIELDS.len() {
            notes.push(format!("{name}: only {implicit_seen} of the implicit fields id, createdAt, updatedAt, deletedAt are listed (rolegate adds all four)"));
        }
        let mut obj = Map::new();
        obj.insert("nameSingular".into(), json!(name));
        obj.insert("namePlural".into(), json!(get_str(o, oat, "namePlural")?));
        obj.insert("isSystem".into(), json!(get_bool(o, oat, "isSystem")?));
        if let Some(lid) = opt_str(o, oat, "labelIdentifierFieldMetadataId")? {
            match field_by_id.get(lid) {
                Some(fi) if fi.object == name && !IMPLICIT_FIELDS.contains(&fi.name.as_str()) => {
                    obj.insert("labelIdentifierField".into(), json!(fi.name));
                }
                Some(fi) if fi.object == name => {
                    notes.push(format!("{name}: its label identifier is the implicit field \"{}\" (not recorded)", fi.name))
                }
                _ => issues.push(oat.key("labelIdentifierFieldMetadataId").err(
                    codes::FIELD_METADATA_NOT_FOUND,
                    format!("the label identifier field \"{lid}\" of \"{name}\" is not one of its fields"),
                )),
            }
        }
        obj.insert("fields".into(), Value::Array(fields));
        if opt_bool(o, oat, "isActive")? == Some(false) {
            notes.push(format!("{name}: inactive in Twenty, kept (its rules stay enforceable)"));
        }
        objects.push(Value::Object(obj));
    }
    if implicit_left_out > 0 {
        notes.push(format!(
            "the implicit fields id, createdAt, updatedAt, deletedAt of {implicit_left_out} objects are left out (every rolegate/v1 object has them)"
        ));
    }
    Ok(ObjectsOut { objects, places, object_by_id, field_by_id })
}

fn fields_of<'v>(o: &'v Value, oat: &At<'v>) -> R<Vec<(&'v Value, At<'v>)>> {
    if let Some(list) = o.get("fieldsList").filter(|v| !v.is_null()) {
        let at = oat.key("fieldsList");
        let a = list.as_array().ok_or_else(|| at.err(codes::INVALID_ARG, "\"fieldsList\" must be a list"))?;
        return Ok(a.iter().enumerate().map(|(i, f)| (f, at.idx(i))).collect());
    }
    match o.get("fields").filter(|v| !v.is_null()) {
        Some(f) => nodes(f, &oat.key("fields")),
        None => Err(oat.key("fieldsList").err(codes::INVALID_ARG, "the object has neither \"fieldsList\" nor \"fields\"")),
    }
}

/// `settings.joinColumnName` of a relation field, if Twenty gives it.
fn join_column_name<'v>(f: &'v Value, fat: &At) -> R<Option<&'v str>> {
    match opt_obj(f, fat, "settings")? {
        Some(s) => opt_str(s, &fat.key("settings"), "joinColumnName"),
        None => Ok(None),
    }
}

fn field(f: &Value, fat: &At, object: &str, name: &str, ftype: &str, object_by_id: &HashMap<String, String>) -> R<Value> {
    if ftype == "MORPH_RELATION" {
        return Err(fat.key("type").err(
            codes::INVALID_ARG,
            format!("\"{object}.{name}\" is a MORPH_RELATION (polymorphic) field, which rolegate/v1 cannot express yet"),
        ));
    }
    if !FIELD_TYPES.contains(&ftype) {
        return Err(fat
            .key("type")
            .err(codes::INVALID_ARG, format!("\"{object}.{name}\" has the field type \"{ftype}\", unknown to rolegate/v1")));
    }
    if ftype != "RELATION" {
        return Ok(json!({"name": name, "type": ftype}));
    }
    // Newer servers: `relation {type targetObjectMetadata targetFieldMetadata}`;
    // older ones: `relationDefinition {direction ...}`.
    let (rel, rat, kind) = match (f.get("relation").filter(|v| !v.is_null()), f.get("relationDefinition").filter(|v| !v.is_null())) {
        (Some(r), _) => (r, fat.key("relation"), get_str(r, &fat.key("relation"), "type")?),
        (None, Some(r)) => (r, fat.key("relationDefinition"), get_str(r, &fat.key("relationDefinition"), "direction")?),
        (None, None) => {
            return Err(fat
                .key("relation")
                .err(codes::INVALID_ARG, format!("RELATION field \"{object}.{name}\" has no \"relation\" (is it in the query?)")))
        }
    };
    if kind != "MANY_TO_ONE" && kind != "ONE_TO_MANY" {
        return Err(
            rat.err(codes::INVALID_ARG, format!("relation \"{object}.{name}\" is {kind}; rolegate/v1 knows MANY_TO_ONE and ONE_TO_MANY"))
        );
    }
    let target = get(rel, &rat, "targetObjectMetadata")?;
    let tat = rat.key("targetObjectMetadata");
    let target_name = match (opt_str(target, &tat, "id")?, opt_str(target, &tat, "nameSingular")?) {
        (Some(id), named) => match object_by_id.get(id) {
            Some(n) if named.is_none_or(|x| x == n) => n.clone(),
            Some(n) => {
                return Err(tat.err(
                    codes::INVALID_ARG,
                    format!("relation \"{object}.{name}\": target id \"{id}\" is \"{n}\" in objects.json, not \"{}\"", named.unwrap_or("")),
                ))
            }
            None => {
                return Err(tat.key("id").err(
                    codes::OBJECT_METADATA_NOT_FOUND,
                    format!("relation \"{object}.{name}\" targets object \"{id}\", which is not in objects.json"),
                ))
            }
        },
        (None, Some(n)) if object_by_id.values().any(|x| x == n) => n.to_string(),
        (None, Some(n)) => {
            return Err(tat.key("nameSingular").err(
                codes::OBJECT_METADATA_NOT_FOUND,
                format!("relation \"{object}.{name}\" targets \"{n}\", which is not in objects.json"),
            ))
        }
        (None, None) => return Err(tat.err(codes::INVALID_ARG, "the target object needs an id or a nameSingular")),
    };
    let inverse = get_str(get(rel, &rat, "targetFieldMetadata")?, &rat.key("targetFieldMetadata"), "name")?;
    let mut r = json!({"kind": kind, "target": target_name, "inverse": inverse});
    if kind == "MANY_TO_ONE" {
        let jc = join_column_name(f, fat)?.map(String::from).unwrap_or_else(|| format!("{name}Id"));
        r["joinColumn"] = json!(jc);
    }
    Ok(json!({"name": name, "type": "RELATION", "relation": r}))
}

fn full_name(n: &Value, at: &At) -> R<Option<String>> {
    let Some(name) = opt_obj(n, at, "name")? else { return Ok(None) };
    let first = opt_str(name, &at.key("name"), "firstName")?.unwrap_or("");
    let last = opt_str(name, &at.key("name"), "lastName")?.unwrap_or("");
    let full = format!("{first} {last}").trim().to_string();
    Ok(if full.is_empty() { None } else { Some(full) })
}

fn member_name(n: &Value, at: &At, id: &str) -> R<String> {
    Ok(match full_name(n, at)? {
        Some(s) => s,
        None => opt_str(n, at, "userEmail")?.map(String::from).unwrap_or_else(|| id.to_string()),
    })
}

/// Picks a role by id or label.
fn pick_role<'r>(roles: &'r [Value], wanted: &str) -> Option<&'r str> {
    roles.iter().find(|r| r["id"] == wanted).or_else(|| roles.iter().find(|r| r["label"] == wanted)).and_then(|r| r["id"].as_str())
}

/// `roles[2].fieldPermissions[0]` → the place of the answer's role 2, if `path` is under `prefix`.
fn place_in_answers<'p>(path: &str, prefix: &str, places: &'p [String]) -> Option<&'p String> {
    let rest = path.strip_prefix(prefix)?;
    let n: usize = rest[..rest.find(']')?].parse().ok()?;
    places.get(n)
}

/// The value, or `None` with the error kept.
fn keep<T>(r: R<Option<T>>, issues: &mut Vec<Issue>) -> Option<T> {
    r.unwrap_or_else(|e| {
        issues.push(e);
        None
    })
}

/// Converts Twenty's answers into a validated snapshot.
pub fn import(answers: &Answers, opts: &Options) -> Result<Imported, Error> {
    let mut notes = Vec::new();
    let mut issues = Vec::new();
    let one = |i: Issue| Error::from_issues(vec![i]);
    let objs = import_objects(answers.objects, &mut notes, &mut issues).map_err(one)?;

    let (d, at) = data(answers.roles, "roles.json").map_err(one)?;
    let role_list = get_arr(d, &at, "getRoles").map_err(one)?;
    let rat = at.key("getRoles");
    let mut roles = Vec::with_capacity(role_list.len());
    let mut members: Vec<Value> = Vec::new();
    let mut member_role: HashMap<String, (String, usize)> = HashMap::new();
    let mut keys: Vec<Value> = Vec::new();
    let mut key_index: HashMap<String, usize> = HashMap::new();
    let mut agents: Vec<Value> = Vec::new();
    let mut agent_role: HashMap<String, String> = HashMap::new();
    for (i, r) in role_list.iter().enumerate() {
        let a = rat.idx(i);
        match role(r, &a, &objs, &mut notes) {
            Ok(v) => roles.push(v),
            Err(mut e) => {
                issues.append(&mut e);
                continue;
            }
        }
        let rid = roles.last().and_then(|v| v["id"].as_str()).unwrap_or_default().to_string();
        let label = roles.last().and_then(|v| v["label"].as_str()).unwrap_or_default().to_string();
        let mut targets = || -> R<()> {
            for (j, m) in opt_arr(r, &a, "workspaceMembers")?.iter().enumerate() {
                let mat = a.key("workspaceMembers").idx(j);
                let id = get_str(m, &mat, "id")?;
                if let Some((other, _)) = member_role.get(id) {
                    return Err(mat.err(
                        codes::INVALID_ARG,
                        format!("workspace member \"{id}\" holds two roles (\"{other}\" and \"{label}\"); Twenty allows one"),
                    ));
                }
                // Read everything before indexing it: an error must not leave a dangling index.
                let name = member_name(m, &mat, id)?;
                member_role.insert(id.to_string(), (label.clone(), members.len()));
                members.push(json!({"id": id, "name": name, "roleId": rid}));
            }
            for (j, ag) in opt_arr(r, &a, "agents")?.iter().enumerate() {
                let gat = a.key("agents").idx(j);
                let id = get_str(ag, &gat, "id")?;
                if let Some(other) = agent_role.insert(id.to_string(), label.clone()) {
                    return Err(gat.err(
                        codes::INVALID_ARG,
                        format!("agent \"{id}\" holds two roles (\"{other}\" and \"{label}\"); Twenty allows one"),
                    ));
                }
                let name = opt_str(ag, &gat, "label")?.or(opt_str(ag, &gat, "name")?).unwrap_or(id);
                agents.push(json!({"id": id, "name": name, "roleId": rid}));
            }
            for (j, k) in opt_arr(r, &a, "apiKeys")?.iter().enumerate() {
                let kat = a.key("apiKeys").idx(j);
                let id = get_str(k, &kat, "id")?;
                if key_index.contains_key(id) {
                    return Err(kat.err(codes::INVALID_ARG, format!("API key \"{id}\" holds two roles; Twenty allows one")));
                }
                let key = json!({
                    "id": id, "name": get_str(k, &kat, "name")?, "roleId": rid,
                    "expiresAt": opt_str(k, &kat, "expiresAt")?, "revokedAt": opt_str(k, &kat, "revokedAt")?,
                });
                key_index.insert(id.to_string(), keys.len());
                keys.push(key);
            }
            Ok(())
        };
        if let Err(e) = targets() {
            issues.push(e);
        }
    }

    if let Some(ans) = answers.api_keys {
        if let Err(e) = merge_api_keys(ans, &roles, &mut keys, &mut key_index) {
            issues.push(e);
        }
    }
    if let Some(ans) = answers.members {
        match merge_members(ans, &member_role, &mut members) {
            Ok(mut n) => notes.append(&mut n),
            Err(e) => issues.push(e),
        }
    }

    let wat = at.key("currentWorkspace");
    // A wrongly typed answer is reported even where an option overrides it.
    let ws = keep(opt_obj(d, &at, "currentWorkspace"), &mut issues);
    let ws_id = keep(ws.map_or(Ok(None), |w| opt_str(w, &wat, "id")), &mut issues);
    let ws_default = keep(
        ws.map_or(Ok(None), |w| match opt_obj(w, &wat, "defaultRole")? {
            Some(r) => opt_str(r, &wat.key("defaultRole"), "id"),
            None => Ok(None),
        }),
        &mut issues,
    );
    let workspace_id = match (&opts.workspace_id, ws_id) {
        (Some(w), _) => Some(w.clone()),
        (None, Some(w)) => Some(w.to_string()),
        (None, None) => {
            issues.push(wat.key("id").err(
                codes::INVALID_ARG,
                "the workspace id is unknown: add currentWorkspace { id } to the roles query or pass --workspace-id",
            ));
            None
        }
    };
    let default_role = match (&opts.default_role, ws_default) {
        (Some(w), _) => match pick_role(&roles, w) {
            Some(id) => Some(id.to_string()),
            None => {
                issues.push(Issue::new(
                    codes::DEFAULT_ROLE_NOT_FOUND,
                    "--default-role",
                    format!("--default-role \"{w}\" is neither the id nor the label of a role in roles.json"),
                ));
                None
            }
        },
        (None, Some(id)) if roles.iter().any(|r| r["id"] == id) => Some(id.to_string()),
        (None, Some(id)) => {
            issues.push(
                wat.key("defaultRole")
                    .key("id")
                    .err(codes::DEFAULT_ROLE_NOT_FOUND, format!("the workspace's default role \"{id}\" is not in getRoles")),
            );
            None
        }
        (None, None) => {
            issues.push(wat.key("defaultRole").err(
                codes::DEFAULT_ROLE_NOT_FOUND,
                "the default role is unknown: add currentWorkspace { defaultRole { id } } to the roles query or pass --default-role",
            ));
            None
        }
    };
    let admin_role = match &opts.admin_role {
        Some(w) => match pick_role(&roles, w) {
            Some(id) => Some(id.to_string()),
            None => {
                issues.push(Issue::new(
                    codes::ADMIN_ROLE_NOT_FOUND,
                    "--admin-role",
                    format!("--admin-role \"{w}\" is neither the id nor the label of a role in roles.json"),
                ));
                None
            }
        },
        None => {
            let admins: Vec<&str> =
                roles.iter().filter(|r| r["label"] == "Admin" && r["isEditable"] == false).filter_map(|r| r["id"].as_str()).collect();
            match admins.as_slice() {
                [one] => Some(one.to_string()),
                _ => {
                    issues.push(rat.err(
                        codes::ADMIN_ROLE_NOT_FOUND,
                        format!(
                            "cannot tell which role is Twenty's Admin ({} non-editable roles labelled \"Admin\"); pass --admin-role",
                            admins.len()
                        ),
                    ));
                    None
                }
            }
        }
    };
    if !issues.is_empty() {
        return Err(Error::from_issues(issues));
    }

    let prev = opts.previous.as_ref();
    let api_keys_without_role = opts
        .api_keys_without_role
        .clone()
        .or_else(|| {
            prev.map(|p| {
                if p.options.api_keys_without_role == crate::model::ApiKeysWithoutRole::Deny {
                    "deny".into()
                } else {
                    "defaultRole".into()
                }
            })
        })
        .unwrap_or_else(|| "defaultRole".into());
    let workflows: Vec<Value> =
        prev.map(|p| p.workflows.iter().map(|w| json!({"id": w.id, "name": w.name, "roleId": w.role_id})).collect()).unwrap_or_default();
    if let Some(p) = prev {
        if Some(&p.workspace_id) != workspace_id.as_ref() {
            return Err(Error::one(
                codes::INVALID_ARG,
                "--previous",
                format!("the previous snapshot is of workspace \"{}\", not \"{}\"", p.workspace_id, workspace_id.unwrap_or_default()),
            ));
        }
        if !p.workflows.is_empty() {
            notes.push(format!(
                "{} workflow(s) kept from the previous snapshot (Twenty's metadata API does not list workflow roles)",
                p.workflows.len()
            ));
        }
    }
    let snap = json!({
        "format": crate::model::FORMAT,
        "workspaceId": workspace_id,
        "revision": opts.revision,
        "adminRoleId": admin_role,
        "defaultRoleId": default_role,
        "options": {"apiKeysWithoutRole": api_keys_without_role},
        "objects": objs.objects,
        "roles": roles,
        "members": members,
        "apiKeys": keys,
        "agents": agents,
        "workflows": workflows,
    });
    // Roles and objects are in the answers' order: an error in `roles[2]…` is at getRoles[2].
    let role_places: Vec<String> = (0..roles.len()).map(|i| format!("{}:{}", rat.file, rat.idx(i).path)).collect();
    let snapshot = Snapshot::from_value(&snap).map_err(|mut e| {
        for i in &mut e.issues {
            let place = place_in_answers(&i.path, "roles[", &role_places).or_else(|| place_in_answers(&i.path, "objects[", &objs.places));
            match place {
                Some(p) => {
                    i.message = format!("the imported snapshot is not valid at {}: {}", i.path, i.message);
                    i.path = p.clone();
                }
                None => i.message = format!("the imported snapshot is not valid: {}", i.message),
            }
        }
        e
    })?;
    Ok(Imported { snapshot, notes })
}

/// Twenty's rule keys and rolegate's.
const OBJECT_RULE_KEYS: [(&str, &str); 4] = [
    ("canReadObjectRecords", "canRead"),
    ("canUpdateObjectRecords", "canUpdate"),
    ("canSoftDeleteObjectRecords", "canSoftDelete"),
    ("canDestroyObjectRecords", "canDestroy"),
];
const FIELD_RULE_KEYS: [(&str, &str); 2] = [("canReadFieldValue", "canRead"), ("canUpdateFieldValue", "canUpdate")];

/// Copies the set (non-null) values of a Twenty rule under rolegate's names; null inherits.
fn copy_tri_state(p: &Value, at: &At, keys: &[(&str, &str)], row: &mut Map<String, Value>) -> R<()> {
    for (from, to) in keys {
        if let Some(b) = opt_bool(p, at, from)? {
            row.insert(to.to_string(), json!(b));
        }
    }
    Ok(())
}

fn role(r: &Value, a: &At, objs: &ObjectsOut, notes: &mut Vec<String>) -> std::result::Result<Value, Vec<Issue>> {
    let one = |i: Issue| vec![i];
    let id = get_str(r, a, "id").map_err(one)?;
    let label = get_str(r, a, "label").map_err(one)?;
    let mut out = Map::new();
    out.insert("id".into(), json!(id));
    out.insert("label".into(), json!(label));
    let mut issues = Vec::new();
    for k in [
        "canUpdateAllSettings", "canAccessAllTools", "canReadAllObjectRecords", "canUpdateAllObjectRecords",
        "canSoftDeleteAllObjectRecords", "canDestroyAllObjectRecords",
    ] {
        match get_bool(r, a, k) {
            Ok(b) => {
                out.insert(k.into(), json!(b));
            }
            Err(e) => issues.push(e),
        }
    }
    // Optional in Twenty's older servers; the same defaults as Twenty's and the contract's.
    for k in ["isEditable", "canBeAssignedToUsers", "canBeAssignedToAgents", "canBeAssignedToApiKeys"] {
        match opt_bool(r, a, k) {
            Ok(b) => {
                out.insert(k.into(), json!(b.unwrap_or(true)));
            }
            Err(e) => issues.push(e),
        }
    }
    let mut flags = Vec::new();
    for (j, f) in opt_arr(r, a, "permissionFlags").map_err(one)?.iter().enumerate() {
        let fat = a.key("permissionFlags").idx(j);
        match get_str(f, &fat, "flag") {
            Ok(k) if Flag::parse(k).is_some() => flags.push(json!(k)),
            Ok(k) => issues.push(
                fat.key("flag")
                    .err(codes::INVALID_SETTING, format!("role \"{label}\" has the permission flag \"{k}\", unknown to rolegate/v1")),
            ),
            Err(e) => issues.push(e),
        }
    }
    out.insert("permissionFlags".into(), Value::Array(flags));
    let mut ops = Vec::new();
    for (j, p) in opt_arr(r, a, "objectPermissions").map_err(one)?.iter().enumerate() {
        let pat = a.key("objectPermissions").idx(j);
        let res = (|| -> R<()> {
            let oid = get_str(p, &pat, "objectMetadataId")?;
            let object = objs.object_by_id.get(oid).ok_or_else(|| {
                pat.key("objectMetadataId").err(
                    codes::OBJECT_METADATA_NOT_FOUND,
                    format!("role \"{label}\" has an object rule on \"{oid}\", which is not in objects.json"),
                )
            })?;
            let mut row = Map::new();
            row.insert("object".into(), json!(object));
            copy_tri_state(p, &pat, &OBJECT_RULE_KEYS, &mut row)?;
            if row.len() == 1 {
                notes.push(format!("role \"{label}\": the object rule on \"{object}\" sets nothing (left out)"));
            } else {
                ops.push(Value::Object(row));
            }
            Ok(())
        })();
        if let Err(e) = res {
            issues.push(e);
        }
    }
    out.insert("objectPermissions".into(), Value::Array(ops));
    let mut fps = Vec::new();
    for (j, p) in opt_arr(r, a, "fieldPermissions").map_err(one)?.iter().enumerate() {
        let pat = a.key("fieldPermissions").idx(j);
        let res = (|| -> R<()> {
            let oid = get_str(p, &pat, "objectMetadataId")?;
            let fid = get_str(p, &pat, "fieldMetadataId")?;
            let object = objs.object_by_id.get(oid).ok_or_else(|| {
                pat.key("objectMetadataId").err(
                    codes::OBJECT_METADATA_NOT_FOUND,
                    format!("role \"{label}\" has a field rule on object \"{oid}\", which is not in objects.json"),
                )
            })?;
            let field = match objs.field_by_id.get(fid) {
                Some(fi) if &fi.object == object => &fi.name,
                Some(fi) => {
                    return Err(pat.key("fieldMetadataId").err(
                        codes::FIELD_METADATA_NOT_FOUND,
                        format!(
                            "role \"{label}\" has a field rule on \"{object}\" for field \"{fid}\", which is \"{}.{}\"",
                            fi.object, fi.name
                        ),
                    ))
                }
                None => {
                    return Err(pat.key("fieldMetadataId").err(
                        codes::FIELD_METADATA_NOT_FOUND,
                        format!("role \"{label}\" has a field rule on \"{object}\" for field \"{fid}\", which is not in objects.json"),
                    ))
                }
            };
            let mut row = Map::new();
            row.insert("object".into(), json!(object));
            row.insert("field".into(), json!(field));
            copy_tri_state(p, &pat, &FIELD_RULE_KEYS, &mut row)?;
            if row.len() == 2 {
                notes.push(format!("role \"{label}\": the field rule on \"{object}.{field}\" sets nothing (left out)"));
            } else {
                fps.push(Value::Object(row));
            }
            Ok(())
        })();
        if let Err(e) = res {
            issues.push(e);
        }
    }
    out.insert("fieldPermissions".into(), Value::Array(fps));
    for k in ["rowLevelPermissionPredicates", "rowLevelPermissionPredicateGroups"] {
        match opt_arr(r, a, k) {
            Ok([]) => {}
            Ok(list) => issues.push(a.key(k).err(
                codes::INVALID_ARG,
                format!("role \"{label}\" has {} row-level permission rule(s); rolegate/v1 cannot express them, and leaving them out would grant more than Twenty does", list.len()),
            )),
            Err(e) => issues.push(e),
        }
    }
    if issues.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(issues)
    }
}

fn merge_api_keys(ans: &Value, roles: &[Value], keys: &mut Vec<Value>, key_index: &mut HashMap<String, usize>) -> R<()> {
    let (d, at) = data(ans, "api-keys.json")?;
    let list = nodes(get(d, &at, "apiKeys")?, &at.key("apiKeys"))?;
    for (k, kat) in list {
        let id = get_str(k, &kat, "id")?;
        let role_id = match k.get("role").filter(|v| !v.is_null()) {
            Some(r) => Some(get_str(r, &kat.key("role"), "id")?),
            None => opt_str(k, &kat, "roleId")?,
        };
        // Whether this answer says anything about the key's role (`role: null` says "none").
        let says_role = k.get("role").is_some() || k.get("roleId").is_some();
        if let Some(rid) = role_id {
            if !roles.iter().any(|r| r["id"] == rid) {
                return Err(kat
                    .key("role")
                    .err(codes::ROLE_NOT_FOUND, format!("API key \"{id}\" holds role \"{rid}\", which is not in roles.json")));
            }
        }
        match key_index.get(id) {
            Some(&i) => {
                let known = keys[i]["roleId"].as_str().unwrap_or_default().to_string();
                if says_role && role_id != Some(known.as_str()) {
                    let here = role_id.map_or("no role".to_string(), |r| format!("role \"{r}\""));
                    return Err(kat.key("role").err(
                        codes::INVALID_ARG,
                        format!("API key \"{id}\" holds {here} here but role \"{known}\" in roles.json (answers from different moments?)"),
                    ));
                }
                for f in ["expiresAt", "revokedAt"] {
                    if let Some(v) = opt_str(k, &kat, f)? {
                        keys[i][f] = json!(v);
                    }
                }
            }
            None => {
                let key = json!({
                    "id": id, "name": get_str(k, &kat, "name")?, "roleId": role_id,
                    "expiresAt": opt_str(k, &kat, "expiresAt")?, "revokedAt": opt_str(k, &kat, "revokedAt")?,
                });
                key_index.insert(id.to_string(), keys.len());
                keys.push(key);
            }
        }
    }
    Ok(())
}

fn merge_members(ans: &Value, member_role: &HashMap<String, (String, usize)>, members: &mut Vec<Value>) -> R<Vec<String>> {
    let (d, at) = data(ans, "members.json")?;
    let list = nodes(get(d, &at, "workspaceMembers")?, &at.key("workspaceMembers"))?;
    let mut notes = Vec::new();
    for (m, mat) in list {
        let id = get_str(m, &mat, "id")?;
        let name = member_name(m, &mat, id)?;
        match member_role.get(id) {
            Some((_, i)) => members[*i]["name"] = json!(name),
            None => {
                notes.push(format!("workspace member \"{name}\" ({id}) holds no role in roles.json: imported without one (no access)"));
                members.push(json!({"id": id, "name": name, "roleId": null}));
            }
        }
    }
    Ok(notes)
}
