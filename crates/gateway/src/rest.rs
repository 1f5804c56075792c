//! REST: classify every route of Twenty's `/rest` surface exactly as Twenty parses it, check
//! query parameters and bodies, and plan the response redaction. Anything that cannot be
//! classified with certainty is denied.

use crate::fields::{rest_filter_paths, Ctx, Denied};
use crate::json::parse_strict;
use crate::request::Request;
use rolegate_core::write::{check_write, WriteOp};
use rolegate_core::{Flag, ObjectId, Op};
use serde_json::Value;

/// A classified REST operation on records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestOp {
    FindMany,
    FindOne,
    CreateOne,
    CreateMany,
    UpdateOne,
    UpdateMany,
    DestroyOne,
    DestroyMany,
    SoftDeleteOne,
    SoftDeleteMany,
    RestoreOne,
    RestoreMany,
    Merge,
    Duplicates,
    GroupBy,
}

impl RestOp {
    pub fn name(self) -> &'static str {
        match self {
            RestOp::FindMany => "findMany",
            RestOp::FindOne => "findOne",
            RestOp::CreateOne => "createOne",
            RestOp::CreateMany => "createMany",
            RestOp::UpdateOne => "updateOne",
            RestOp::UpdateMany => "updateMany",
            RestOp::DestroyOne => "destroyOne",
            RestOp::DestroyMany => "destroyMany",
            RestOp::SoftDeleteOne => "softDeleteOne",
            RestOp::SoftDeleteMany => "softDeleteMany",
            RestOp::RestoreOne => "restoreOne",
            RestOp::RestoreMany => "restoreMany",
            RestOp::Merge => "merge",
            RestOp::Duplicates => "findDuplicates",
            RestOp::GroupBy => "groupBy",
        }
    }
    fn write_op(self) -> Option<WriteOp> {
        Some(match self {
            RestOp::CreateOne | RestOp::CreateMany => WriteOp::Create,
            RestOp::UpdateOne | RestOp::UpdateMany => WriteOp::Update,
            _ => return None,
        })
    }
    fn gate(self) -> Op {
        match self {
            RestOp::FindMany | RestOp::FindOne | RestOp::Duplicates | RestOp::GroupBy => Op::Read,
            RestOp::CreateOne | RestOp::CreateMany | RestOp::UpdateOne | RestOp::UpdateMany | RestOp::Merge => Op::Update,
            RestOp::DestroyOne | RestOp::DestroyMany => Op::Destroy,
            RestOp::SoftDeleteOne | RestOp::SoftDeleteMany | RestOp::RestoreOne | RestOp::RestoreMany => Op::SoftDelete,
        }
    }
    /// Operations whose body is a record (or a list of records for batch create).
    fn has_record_body(self) -> bool {
        matches!(self, RestOp::CreateOne | RestOp::CreateMany | RestOp::UpdateOne | RestOp::UpdateMany)
    }
}

/// What the route is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Records {
        object: ObjectId,
        op: RestOp,
    },
    /// Settings routes gated by a flag (`None` = any authenticated principal).
    Settings {
        area: String,
        flag: Option<Flag>,
    },
}

/// How to redact the upstream response of an allowed REST request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestPlan {
    /// `{"data": {...records...}, "totalCount", "pageInfo"}` of `object`.
    Records(ObjectId),
    /// `{"data": [{"<x>Duplicates": [...], ...}]}` of `object`.
    Duplicates(ObjectId),
    /// An array of group items of `object`.
    GroupBy(ObjectId),
    /// Settings responses pass unchanged.
    Passthrough,
}

pub struct RestDecision {
    pub route: Route,
    pub plan: RestPlan,
}

/// A denial (answered with Twenty's 403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestDeny {
    Forbidden(Denied),
}

impl From<Denied> for RestDeny {
    fn from(d: Denied) -> Self {
        RestDeny::Forbidden(d)
    }
}

fn deny<T>(why: impl Into<String>) -> Result<T, RestDeny> {
    Err(RestDeny::Forbidden(Denied(why.into())))
}

pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Characters a REST path may contain. No percent-escapes, dot segments, backslashes or
/// matrix parameters: none is needed by a legitimate request and each could make two parsers
/// disagree.
fn path_is_plain(path: &str) -> bool {
    path.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'/' || c == b'-' || c == b'_')
}

pub(crate) const METHOD_OVERRIDE_HEADERS: &[&str] = &["x-http-method-override", "x-http-method", "x-method-override"];

/// Refuses anything that could make the upstream see a different method than we do.
pub fn check_method_override(req: &Request) -> Result<(), Denied> {
    for h in METHOD_OVERRIDE_HEADERS {
        if req.first_header(h).is_some() {
            return Err(Denied(format!("method override header \"{h}\" is not allowed")));
        }
    }
    if req.query_pairs().any(|(k, _)| k == "_method") {
        return Err(Denied("method override parameter \"_method\" is not allowed".into()));
    }
    Ok(())
}

/// Splits a `/rest/...` path into its non-empty segments (Twenty drops empty segments).
fn segments(path: &str) -> Result<Vec<&str>, RestDeny> {
    if !path_is_plain(path) {
        return deny("the path contains characters the gateway does not accept (escapes, dots, ...)");
    }
    let rest = path.strip_prefix("/rest").filter(|r| r.is_empty() || r.starts_with('/'));
    let Some(rest) = rest else { return deny("not a REST path") };
    Ok(rest.split('/').filter(|s| !s.is_empty()).collect())
}

fn metadata_route(method: &str, segs: &[&str]) -> Result<Route, RestDeny> {
    let Some(area) = segs.first() else { return deny("unknown metadata route") };
    let write = method != "GET";
    let flag = match *area {
        "objects" | "fields" | "relations" | "indexes" | "schema" => Some(Flag::DATA_MODEL),
        "apiKeys" | "webhooks" => Some(Flag::API_KEYS_AND_WEBHOOKS),
        "roles" => Some(Flag::ROLES),
        "views" | "viewFields" | "viewFilters" | "viewSorts" | "viewFilterGroups" | "viewGroups" => {
            if write {
                Flag::parse("VIEWS")
            } else {
                None
            }
        }
        "pageLayouts" | "pageLayoutTabs" | "pageLayoutWidgets" => {
            if write {
                Flag::parse("LAYOUTS")
            } else {
                None
            }
        }
        other => return deny(format!("unknown metadata route \"{other}\"")),
    };
    if segs.len() > 2 || (segs.len() == 2 && !is_uuid(segs[1])) {
        return deny("unknown metadata route");
    }
    Ok(Route::Settings { area: format!("metadata/{area}"), flag })
}

/// Classifies a REST request (method + raw path), exactly as Twenty parses paths.
pub fn classify(ctx: &Ctx, method: &str, path: &str, soft_delete: bool) -> Result<Route, RestDeny> {
    let segs = segments(path)?;
    let m = method;
    if segs.is_empty() {
        return deny("missing object in REST path");
    }
    match segs[0] {
        "metadata" => return metadata_route(m, &segs[1..]),
        "apiKeys" | "webhooks" => return metadata_route(m, &segs),
        "open-api" => {
            return if m == "GET" && segs.len() == 2 && matches!(segs[1], "core" | "metadata") {
                Ok(Route::Settings { area: "open-api".into(), flag: Some(Flag::DATA_MODEL) })
            } else {
                deny("unknown open-api route")
            }
        }
        _ => {}
    }
    let object = |name: &str| -> Result<ObjectId, RestDeny> {
        ctx.policy.object_id_by_plural(name).ok_or_else(|| {
            RestDeny::Forbidden(Denied(format!("object \"{name}\" is not known to the gateway (REST paths use the exact plural name)")))
        })
    };
    let records = |object: ObjectId, op: RestOp| Ok(Route::Records { object, op });
    let (del_one, del_many) =
        if soft_delete { (RestOp::SoftDeleteOne, RestOp::SoftDeleteMany) } else { (RestOp::DestroyOne, RestOp::DestroyMany) };
    match (m, segs.as_slice()) {
        ("POST", ["batch", p]) => records(object(p)?, RestOp::CreateMany),
        ("PATCH", ["restore", p]) => records(object(p)?, RestOp::RestoreMany),
        ("PATCH", ["restore", p, id]) if is_uuid(id) => records(object(p)?, RestOp::RestoreOne),
        ("GET", [p]) => records(object(p)?, RestOp::FindMany),
        ("POST", [p]) => records(object(p)?, RestOp::CreateOne),
        ("PATCH", [p]) => records(object(p)?, RestOp::UpdateMany),
        ("DELETE", [p]) => records(object(p)?, del_many),
        ("POST", [p, "duplicates"]) => records(object(p)?, RestOp::Duplicates),
        ("GET", [p, "groupBy"]) => records(object(p)?, RestOp::GroupBy),
        ("PATCH", [p, "merge"]) => records(object(p)?, RestOp::Merge),
        ("PATCH", [p, "restore"]) => records(object(p)?, RestOp::RestoreMany),
        ("GET", [p, id]) if is_uuid(id) => records(object(p)?, RestOp::FindOne),
        ("PATCH" | "PUT", [p, id]) if is_uuid(id) => records(object(p)?, RestOp::UpdateOne),
        ("DELETE", [p, id]) if is_uuid(id) => records(object(p)?, del_one),
        ("PATCH", [p, id, "restore"]) if is_uuid(id) => records(object(p)?, RestOp::RestoreOne),
        _ => deny(format!("{m} {} is not a route the gateway allows", route_template(&segs))),
    }
}

/// The route with ids replaced (`/rest/people/:id`), for logs.
pub fn route_template(segs: &[&str]) -> String {
    let parts: Vec<&str> = segs.iter().map(|s| if is_uuid(s) { ":id" } else { s }).collect();
    format!("/rest/{}", parts.join("/"))
}

/// Query parameters Twenty's REST API knows. Anything else is refused, and so is a repeated
/// parameter (Express would turn it into an array) other than `fields`.
const KNOWN_PARAMS: &[&str] = &[
    "filter", "order_by", "limit", "starting_after", "ending_before", "depth", "fields", "upsert", "soft_delete", "group_by", "aggregate",
    "include_records_sample", "order_by_for_records", "omit_null_values", "token",
];

pub struct Params {
    pub pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(req: &Request) -> Result<Params, Denied> {
        let pairs: Vec<(String, String)> = req.query_pairs().collect();
        for (i, (k, _)) in pairs.iter().enumerate() {
            if !KNOWN_PARAMS.contains(&k.as_str()) {
                return Err(Denied(format!("query parameter \"{k}\" is not allowed")));
            }
            if k != "fields" && pairs[..i].iter().any(|(k2, _)| k2 == k) {
                return Err(Denied(format!("query parameter \"{k}\" is repeated")));
            }
        }
        Ok(Params { pairs })
    }
    pub fn get(&self, k: &str) -> Option<&str> {
        self.pairs.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.as_str())
    }
    fn all<'a>(&'a self, k: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs.iter().filter(move |(kk, _)| kk == k).map(|(_, v)| v.as_str())
    }
}

fn check_order_by(ctx: &Ctx, object: ObjectId, spec: &str) -> Result<(), Denied> {
    for item in spec.split(',') {
        let item = item.trim();
        let path = item.split('[').next().unwrap_or("");
        if let Some(dir) = item.strip_prefix(path) {
            if !dir.is_empty() {
                let d = dir.strip_prefix('[').and_then(|d| d.strip_suffix(']')).unwrap_or("");
                if !["AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast"].contains(&d) {
                    return Err(Denied(format!("invalid order_by direction in \"{item}\"")));
                }
            }
        }
        let segs: Vec<&str> = path.split('.').collect();
        ctx.readable_path(object, &segs)?;
    }
    Ok(())
}

/// groupBy's JSON order (see [`Ctx::check_order`]).
fn check_json_order_by(ctx: &Ctx, object: ObjectId, spec: &str) -> Result<(), Denied> {
    let v = parse_strict(spec.as_bytes()).map_err(|e| Denied(format!("order_by is not JSON: {e}")))?;
    ctx.check_order(object, &v)
}

/// Checks the query parameters that name fields.
fn check_params(ctx: &Ctx, object: ObjectId, op: RestOp, params: &Params) -> Result<(), Denied> {
    if let Some(f) = params.get("filter") {
        let paths = rest_filter_paths(f).map_err(|e| Denied(format!("invalid filter: {e}")))?;
        for p in paths {
            let segs: Vec<&str> = p.iter().map(String::as_str).collect();
            ctx.readable_path(object, &segs)?;
        }
    }
    for key in ["order_by", "order_by_for_records"] {
        if let Some(o) = params.get(key) {
            // groupBy reads them as JSON (`[{"city": "AscNullsFirst"}, {"aggregate":
            // {"countNotEmptyId": "DescNullsLast"}}]`), older versions order_by_for_records in
            // the comma syntax: text that opens like JSON is checked as JSON
            if op == RestOp::GroupBy && o.trim_start().starts_with(['[', '{']) {
                check_json_order_by(ctx, object, o)?;
            } else {
                check_order_by(ctx, object, o)?;
            }
        }
    }
    for key in ["starting_after", "ending_before"] {
        if let Some(c) = params.get(key) {
            ctx.check_cursor(object, &Value::String(c.to_string()))?;
        }
    }
    for list in params.all("fields") {
        for f in list.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            ctx.readable(object, f)?;
        }
    }
    if let Some(d) = params.get("depth") {
        if d != "0" && d != "1" {
            return Err(Denied(format!("'depth={d}' parameter invalid. Allowed values are 0, 1")));
        }
    }
    if let Some(l) = params.get("limit") {
        if l.is_empty() || !l.bytes().all(|c| c.is_ascii_digit()) || l.len() > 9 {
            return Err(Denied(format!("invalid limit \"{l}\"")));
        }
    }
    let group_only = ["group_by", "aggregate", "include_records_sample", "order_by_for_records", "omit_null_values"];
    if op != RestOp::GroupBy {
        if let Some(k) = group_only.iter().find(|k| params.get(k).is_some()) {
            return Err(Denied(format!("query parameter \"{k}\" only applies to groupBy")));
        }
    } else {
        if let Some(g) = params.get("group_by") {
            let v = parse_strict(g.as_bytes()).map_err(|e| Denied(format!("group_by is not JSON: {e}")))?;
            ctx.check_keyed(object, &v, 0)?;
        }
        if let Some(a) = params.get("aggregate") {
            let v = parse_strict(a.as_bytes()).map_err(|e| Denied(format!("aggregate is not JSON: {e}")))?;
            let names = v.as_array().ok_or_else(|| Denied("aggregate must be a JSON array".into()))?;
            for n in names {
                let n = n.as_str().ok_or_else(|| Denied("aggregate names must be strings".into()))?;
                ctx.check_aggregate(object, n)?;
            }
        }
    }
    let upsert_ok = matches!(op, RestOp::CreateOne | RestOp::CreateMany);
    if params.get("upsert").is_some() && !upsert_ok {
        return Err(Denied("query parameter \"upsert\" only applies to create".into()));
    }
    Ok(())
}

/// `application/json`, with no parameter but `charset=utf-8`. Express's JSON parser decodes the
/// body in whatever `utf-*` charset is named (UTF-7 and UTF-16 among them) while the gateway
/// reads UTF-8: in UTF-7, a body that reads as one harmless string can be a record with a
/// hidden field in it. Any other charset, and any other parameter, is refused.
fn check_json_media_type(value: &str) -> Result<(), Denied> {
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return Err(Denied(format!("request body of type \"{}\" is not accepted (send application/json)", media.to_ascii_lowercase())));
    }
    for (i, param) in parts.enumerate() {
        let (name, v) = param.split_once('=').unwrap_or((param, ""));
        let v = v.trim();
        let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
        if i > 0 || !name.trim().eq_ignore_ascii_case("charset") || !v.eq_ignore_ascii_case("utf-8") {
            return Err(Denied(format!(
                "Content-Type parameter \"{}\" is not accepted (JSON bodies are read as UTF-8: send application/json or application/json; charset=utf-8)",
                param.trim()
            )));
        }
    }
    Ok(())
}

/// Parses a JSON body after checking its media type.
pub fn json_body(req: &Request) -> Result<Option<Value>, Denied> {
    if req.body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(None);
    }
    let mut types = req.header_all("content-type");
    let (Some(content_type), None) = (types.next(), types.next()) else {
        return Err(Denied("a request body needs one Content-Type header (send application/json)".into()));
    };
    check_json_media_type(content_type)?;
    if !matches!(req.first_header("content-encoding"), None | Some("identity")) {
        return Err(Denied("encoded request bodies are not accepted".into()));
    }
    parse_strict(&req.body).map(Some).map_err(|e| Denied(format!("request body is not valid JSON: {e}")))
}

/// Decides a REST request for an authenticated subject.
#[inline(never)]
pub fn decide(ctx: &Ctx, req: &Request) -> Result<RestDecision, RestDeny> {
    check_method_override(req)?;
    let params = Params::parse(req)?;
    let soft_delete = params.get("soft_delete") == Some("true");
    let route = classify(ctx, &req.method, &req.path, soft_delete)?;
    let body = json_body(req)?;
    let (object, op) = match &route {
        Route::Settings { flag, area } => {
            if let Some(f) = flag {
                if !ctx.policy.has_flag(ctx.subject, *f) {
                    return deny(format!("the {} permission is required", f.key()));
                }
            } else if ctx.policy.subject_roles(ctx.subject).is_empty() {
                return deny("no role");
            }
            // an API key carries a role: creating or changing one grants it (as in GraphQL)
            if area == "metadata/apiKeys"
                && matches!(req.method.as_str(), "POST" | "PATCH" | "PUT")
                && !ctx.policy.has_flag(ctx.subject, Flag::ROLES)
            {
                return deny("the ROLES permission is required too: an API key carries a role");
            }
            return Ok(RestDecision { route, plan: RestPlan::Passthrough });
        }
        Route::Records { object, op } => (*object, *op),
    };
    if params.get("soft_delete").is_some()
        && !matches!(op, RestOp::DestroyOne | RestOp::DestroyMany | RestOp::SoftDeleteOne | RestOp::SoftDeleteMany)
    {
        return deny("query parameter \"soft_delete\" only applies to DELETE");
    }
    ctx.require(object, op.gate())?;
    check_params(ctx, object, op, &params)?;
    // Bodies: only where Twenty reads one.
    match op {
        RestOp::Merge => {
            ctx.check_merge(object)?;
            check_merge_body(body.as_ref())?;
        }
        RestOp::Duplicates => {
            let b = body.ok_or_else(|| Denied("duplicates needs a body {\"data\":[...]} or {\"ids\":[...]}".into()))?;
            let map = b.as_object().ok_or_else(|| Denied("duplicates body must be an object".into()))?;
            for (k, v) in map {
                match k.as_str() {
                    "data" => ctx.check_record_keys(object, v)?,
                    "ids" => ctx.check_duplicate_criteria(object)?,
                    other => return deny(format!("unknown key \"{other}\" in duplicates body")),
                }
            }
        }
        _ if op.has_record_body() => {
            let b = body.ok_or_else(|| Denied(format!("{} needs a JSON body", op.name())))?;
            if op == RestOp::CreateMany && !b.is_array() {
                return deny("batch create needs a JSON array");
            }
            if op != RestOp::CreateMany && !b.is_object() {
                return deny(format!("{} needs a JSON object", op.name()));
            }
            let write = op.write_op().expect("record body ops write");
            let check = check_write(ctx.policy, ctx.subject, object, write, Some(&b));
            if let Some(v) = check.violations.first() {
                return deny(v.message.clone());
            }
            ctx.check_audit_fields(object, &b)?;
        }
        _ => {
            if body.is_some() {
                return deny(format!("{} takes no body", op.name()));
            }
        }
    }
    let plan = match op {
        RestOp::Duplicates => RestPlan::Duplicates(object),
        RestOp::GroupBy => RestPlan::GroupBy(object),
        _ => RestPlan::Records(object),
    };
    Ok(RestDecision { route, plan })
}

fn check_merge_body(body: Option<&Value>) -> Result<(), Denied> {
    let Some(Value::Object(map)) = body else {
        return Err(Denied("merge needs a body {\"ids\":[...], \"conflictPriorityIndex\": n}".into()));
    };
    for k in map.keys() {
        if !["ids", "conflictPriorityIndex", "dryRun"].contains(&k.as_str()) {
            return Err(Denied(format!("unknown key \"{k}\" in merge body")));
        }
    }
    Ok(())
}
