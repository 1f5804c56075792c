//! # rolegate-gateway
//!
//! The HTTP-agnostic heart of the edge worker. Given a request (method, path, query,
//! headers, body), the compiled policy and the time, it authenticates the caller, decides
//! allow / deny, and redacts the upstream response. Plain Rust, tested natively; the worker
//! only wires it to Cloudflare.
//!
//! ```text
//! let compiled = Compiled::new(policy);
//! match gateway.handle(&compiled, &request, now) {
//!     Outcome::Respond { response, record } => /* send the denial */,
//!     Outcome::Forward { plan, subject, record, .. } => {
//!         /* forward upstream, then */ gateway.redact_response(&compiled, &subject, &plan, status, ct, &body)
//!     }
//! }
//! ```

pub mod auth;
mod b64;
pub mod envelope;
pub mod fields;
pub mod graphql;
pub mod hop;
pub mod json;
pub mod mcp;
pub mod request;
pub mod respond;
pub mod rest;

pub use auth::{AgentKeys, AuthError, TokenKeys};
pub use request::Request;
pub use respond::Response;

use fields::{Ctx, Denied};
use graphql::{Endpoint, GqlCall, GraphqlLimits, OpPlan, RootFields};
use rest::{RestDeny, RestPlan};
use rolegate_core::view::effective_view;
use rolegate_core::{Policy, Principal, Subject};
use serde::Serialize;
// `#[inline(never)]` on the per-API entry points below: in WebAssembly each function is compiled
// on its first call, so keeping the REST, GraphQL, MCP and redaction paths apart means a fresh
// edge isolate compiles only the code its first requests use (instead of one giant function).
use serde_json::Value;

/// A compiled policy with what the gateway derives from it once per snapshot revision.
#[derive(Debug)]
pub struct Compiled {
    pub policy: Policy,
    /// GraphQL root field names, built on the first GraphQL request: REST-only traffic (and a
    /// fresh edge isolate's first REST request) does not pay for them.
    roots: std::sync::OnceLock<RootFields>,
}

impl Compiled {
    pub fn new(policy: Policy) -> Compiled {
        Compiled { policy, roots: std::sync::OnceLock::new() }
    }
    /// The GraphQL root fields of every object (`people`, `createPerson`, ...).
    pub fn roots(&self) -> &RootFields {
        self.roots.get_or_init(|| RootFields::build(&self.policy))
    }
    pub fn revision(&self) -> u64 {
        self.policy.revision()
    }
}

/// Gateway settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub token_keys: TokenKeys,
    /// Request bodies above this size get 413 (default 1 MiB).
    pub max_body_bytes: usize,
    pub graphql: GraphqlLimits,
}

impl Default for Config {
    fn default() -> Self {
        Config { token_keys: TokenKeys::default(), max_body_bytes: 1 << 20, graphql: GraphqlLimits::default() }
    }
}

/// How to treat the upstream response of an allowed request.
#[derive(Debug, Clone)]
pub enum Plan {
    Rest(RestPlan),
    Mcp(mcp::McpPlan),
    Graphql { calls: Vec<(GqlCall, Vec<OpPlan>)>, batched: bool },
    Passthrough,
}

/// A JSON media type (no content type counts as JSON: it is checked, not passed through).
fn is_json_type(content_type: Option<&str>) -> bool {
    match content_type {
        None => true,
        Some(ct) => {
            let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            ct == "application/json" || ct.ends_with("+json") || ct == "application/graphql-response+json"
        }
    }
}

/// One line of the audit log: who, what, the decision and why. Never secrets or record values
/// (routes are logged as templates, query strings and bodies not at all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRecord {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mcp_methods: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    pub api: &'static str,
    pub method: String,
    pub route: String,
    pub operations: Vec<String>,
    pub objects: Vec<String>,
    pub decision: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
}

impl DecisionRecord {
    fn for_request(req: &Request) -> DecisionRecord {
        let (api, route) = classify_api(&req.path);
        DecisionRecord { api, method: req.method.clone(), route, decision: "deny", ..Default::default() }
    }
    fn set_principal(&mut self, policy: &Policy, p: &Principal, s: &Subject) {
        self.principal_kind = Some(p.kind().to_string());
        self.principal_id = match p {
            Principal::Role(x) | Principal::Member(x) | Principal::ApiKey(x) | Principal::Agent(x) => Some(x.clone()),
            Principal::AgentInWorkflow { agent, .. } | Principal::AgentOnBehalfOf { agent, .. } => Some(agent.clone()),
        };
        self.roles = policy.subject_roles(s).into_iter().map(String::from).collect();
        match p {
            Principal::Agent(a) => self.agent_id = Some(a.clone()),
            Principal::AgentInWorkflow { agent, workflow } => {
                self.agent_id = Some(agent.clone());
                self.workflow_id = Some(workflow.clone());
            }
            Principal::AgentOnBehalfOf { agent, member } => {
                self.agent_id = Some(agent.clone());
                self.on_behalf_of = Some(member.clone());
            }
            _ => {}
        }
    }
}

fn classify_api(path: &str) -> (&'static str, String) {
    if path == "/graphql" {
        ("graphql", path.to_string())
    } else if path == "/metadata" {
        ("metadata", path.to_string())
    } else if path == "/rest" || path.starts_with("/rest/") {
        let segs: Vec<&str> = path.trim_start_matches("/rest").split('/').filter(|s| !s.is_empty()).collect();
        ("rest", rest::route_template(&segs))
    } else if path == "/mcp" {
        ("mcp", path.to_string())
    } else if path.starts_with("/rolegate/") {
        ("rolegate", path.to_string())
    } else {
        ("other", "(unrecognised)".to_string())
    }
}

/// What to do with a request.
#[derive(Debug)]
pub enum Outcome {
    /// Answer directly (denial, credential failure, the permissions endpoint).
    Respond { response: Response, record: DecisionRecord },
    /// Forward upstream, then pass the response through [`Gateway::redact_response`].
    Forward { plan: Plan, principal: Principal, subject: Subject, record: DecisionRecord },
}

/// The result of response redaction.
#[derive(Debug)]
pub struct Redacted {
    /// The new body, or `None` when the body passes unchanged.
    pub body: Option<Vec<u8>>,
    /// Whether anything was removed (`x-rolegate-decision: redacted`).
    pub changed: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Gateway {
    pub config: Config,
}

impl Gateway {
    pub fn new(config: Config) -> Gateway {
        Gateway { config }
    }

    /// Checks a request's credential with the gateway's key material alone (signature, type,
    /// lifetime, workspace claim): what the edge does before it looks the workspace's snapshot
    /// up, so a forged or expired token costs no KV read.
    pub fn authenticate_credential(&self, req: &Request, now: i64) -> Result<auth::Authenticated, AuthError> {
        auth::Authenticated::from_request(req, &self.config.token_keys, now)
    }

    /// Authenticates an API-key or agent request against the snapshot.
    #[inline(never)]
    pub fn authenticate(&self, compiled: &Compiled, req: &Request, now: i64) -> Result<(Principal, Subject), AuthError> {
        let credential = self.authenticate_credential(req, now)?;
        self.resolve(compiled, &credential, now)
    }

    /// The principal and subject of a checked credential, against the snapshot.
    #[inline(never)]
    pub fn resolve(&self, compiled: &Compiled, credential: &auth::Authenticated, now: i64) -> Result<(Principal, Subject), AuthError> {
        credential.principal(&self.config.token_keys, &compiled.policy, now)
    }

    /// Authenticates and decides.
    pub fn handle(&self, compiled: &Compiled, req: &Request, now: i64) -> Outcome {
        match self.authenticate_credential(req, now) {
            Ok(credential) => self.handle_authenticated(compiled, &credential, req, now),
            Err(e) => self.refused(Some(compiled), req, e),
        }
    }

    /// Decides a request whose credential [`Gateway::authenticate_credential`] checked, with
    /// the snapshot of the credential's workspace.
    pub fn handle_authenticated(&self, compiled: &Compiled, credential: &auth::Authenticated, req: &Request, now: i64) -> Outcome {
        match self.resolve(compiled, credential, now) {
            Ok((p, s)) => self.decide(compiled, p, s, req),
            Err(e) => self.refused(Some(compiled), req, e),
        }
    }

    fn refused(&self, compiled: Option<&Compiled>, req: &Request, e: AuthError) -> Outcome {
        let (response, record) = self.refuse(compiled, req, e);
        Outcome::Respond { response, record }
    }

    /// The 401 of a refused credential (`compiled`: the snapshot it was checked against, if
    /// it got that far).
    pub fn refuse(&self, compiled: Option<&Compiled>, req: &Request, e: AuthError) -> (Response, DecisionRecord) {
        let mut record = DecisionRecord::for_request(req);
        record.reason = Some(format!("{}: {e}", e.code()));
        let rev = compiled.map(Compiled::revision);
        record.revision = rev;
        (respond::unauthorized(&e.to_string()).with_decision("deny", rev), record)
    }

    /// Decides a request of an authenticated principal.
    pub fn decide(&self, compiled: &Compiled, principal: Principal, subject: Subject, req: &Request) -> Outcome {
        let policy = &compiled.policy;
        let rev = Some(compiled.revision());
        let mut record = DecisionRecord::for_request(req);
        record.revision = rev;
        record.set_principal(policy, &principal, &subject);
        let ctx = Ctx::new(policy, &subject);
        let deny = |mut record: DecisionRecord, response: Response, why: String| {
            record.decision = "deny";
            record.reason = Some(why);
            Outcome::Respond { response: response.with_decision("deny", rev), record }
        };
        if req.body.len() > self.config.max_body_bytes {
            return deny(record, respond::too_large(self.config.max_body_bytes), "request body too large".into());
        }
        if let Some(name) = hop::HopByHop::from_connection(req.header_all("connection")).lists_checked_header() {
            let why = format!("the Connection header names {name}, which the gateway checks and would have to remove");
            return deny(record, respond::bad_request(&why), why);
        }
        if !req.query_within_parser_limits() {
            let why = format!("the query string has more than {} parts", request::MAX_QUERY_PARTS);
            return deny(record, respond::bad_request(&why), why);
        }
        if !req.query_decodes_cleanly() {
            let why = "the query string has a percent-escape that is malformed or does not decode to UTF-8".to_string();
            return deny(record, respond::bad_request(&why), why);
        }
        match record.api {
            "rest" => match rest::decide(&ctx, req) {
                Ok(d) => {
                    match &d.route {
                        rest::Route::Records { object, op } => {
                            record.operations = vec![format!("rest:{}", op.name())];
                            record.objects = vec![ctx.name(*object).to_string()];
                        }
                        rest::Route::Settings { area, .. } => record.operations = vec![format!("rest:{area}")],
                    }
                    record.decision = "allow";
                    Outcome::Forward { plan: Plan::Rest(d.plan), principal, subject, record }
                }
                Err(RestDeny::Forbidden(Denied(why))) => {
                    // Name what was attempted, for the audit log, when the route is known.
                    let soft = req.query_pairs().any(|(k, v)| k == "soft_delete" && v == "true");
                    if let Ok(rest::Route::Records { object, op }) = rest::classify(&ctx, &req.method, &req.path, soft) {
                        record.operations = vec![format!("rest:{}", op.name())];
                        record.objects = vec![ctx.name(object).to_string()];
                    }
                    deny(record, respond::rest_forbidden(Some(&why)), why)
                }
            },
            "mcp" => self.decide_mcp(&ctx, req, principal, subject, record, rev),
            "graphql" | "metadata" => {
                let endpoint = if record.api == "graphql" { Endpoint::Core } else { Endpoint::Metadata };
                self.decide_graphql(compiled, &ctx, endpoint, req, principal, subject, record)
            }
            "rolegate" if req.path == "/rolegate/v1/permissions" && req.method == "GET" => {
                let view = effective_view(policy, &principal, &subject);
                record.decision = "allow";
                record.operations = vec!["rolegate:permissions".into()];
                let mut r = Response {
                    status: 200,
                    headers: vec![
                        ("content-type".into(), "application/json; charset=utf-8".into()),
                        ("cache-control".into(), "no-store".into()),
                    ],
                    body: serde_json::to_vec(&view).unwrap_or_default(),
                };
                r = r.with_decision("allow", rev);
                Outcome::Respond { response: r, record }
            }
            _ => {
                let why = format!("{} {} is not a route the gateway allows", req.method, record.route);
                deny(record, respond::rest_forbidden(Some(&why)), why)
            }
        }
    }

    #[inline(never)]
    fn decide_mcp(
        &self,
        ctx: &Ctx,
        req: &Request,
        principal: Principal,
        subject: Subject,
        mut record: DecisionRecord,
        rev: Option<u64>,
    ) -> Outcome {
        let rpc_error = |mut record: DecisionRecord, body: Value, why: String| {
            record.decision = "deny";
            record.reason = Some(why);
            let r = Response {
                status: 200,
                headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
                body: serde_json::to_vec(&body).unwrap_or_default(),
            };
            Outcome::Respond { response: r.with_decision("deny", rev), record }
        };
        if req.method != "POST" {
            let why = format!("MCP over {} is not accepted (POST JSON-RPC only)", req.method);
            return rpc_error(record, mcp::denial(&Value::Null, &why), why);
        }
        let body = match rest::check_method_override(req).and_then(|()| rest::json_body(req)) {
            Ok(Some(b)) => b,
            Ok(None) => return rpc_error(record, mcp::denial(&Value::Null, "empty MCP request"), "empty MCP request".into()),
            Err(Denied(why)) => return rpc_error(record, mcp::denial(&Value::Null, &why), why),
        };
        // What was attempted, for the audit log, even when it is denied.
        let messages: Vec<&Value> = match &body {
            Value::Array(items) => items.iter().collect(),
            v => vec![v],
        };
        for m in &messages {
            if let Some(method) = m.get("method").and_then(Value::as_str) {
                record.mcp_methods.push(method.to_string());
                if method == "tools/call" {
                    if let Some(t) = m.get("params").and_then(|p| p.get("name")).and_then(Value::as_str) {
                        record.tools.push(t.to_string());
                    }
                }
            }
        }
        match mcp::decide(ctx, &body) {
            Ok(plan) => {
                record.operations = plan.methods.iter().map(|m| format!("mcp:{m}")).collect();
                record.objects = plan.objects.clone();
                record.decision = "allow";
                Outcome::Forward { plan: Plan::Mcp(plan), principal, subject, record }
            }
            Err((id, Denied(why))) => {
                let body = if body.is_array() && !messages.is_empty() {
                    Value::Array(
                        messages
                            .iter()
                            .map(|m| {
                                let mid = m.get("id").cloned().unwrap_or(Value::Null);
                                if mid == id {
                                    mcp::denial(&mid, &why)
                                } else {
                                    mcp::denial(&mid, "batch rejected: another message was denied")
                                }
                            })
                            .collect(),
                    )
                } else {
                    mcp::denial(&id, &why)
                };
                rpc_error(record, body, why)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn decide_graphql(
        &self,
        compiled: &Compiled,
        ctx: &Ctx,
        endpoint: Endpoint,
        req: &Request,
        principal: Principal,
        subject: Subject,
        mut record: DecisionRecord,
    ) -> Outcome {
        let rev = Some(compiled.revision());
        let fail = |mut record: DecisionRecord, keys: &[String], why: String| {
            record.decision = "deny";
            record.reason = Some(why.clone());
            Outcome::Respond { response: respond::graphql_forbidden(keys, Some(&why)).with_decision("deny", rev), record }
        };
        if let Err(Denied(why)) = rest::check_method_override(req) {
            return fail(record, &[], why);
        }
        let body = match req.method.as_str() {
            "POST" => match rest::json_body(req) {
                Ok(b) => b,
                Err(Denied(why)) => return fail(record, &[], why),
            },
            "GET" if req.body.is_empty() => None,
            _ => return fail(record, &[], format!("GraphQL over {} is not accepted", req.method)),
        };
        let pairs: Vec<(String, String)> = req.query_pairs().collect();
        if req.method == "POST" {
            if let Some((k, _)) = pairs.iter().find(|(k, _)| k != "token") {
                return fail(record, &[], format!("query parameter \"{k}\" is not allowed on GraphQL POST"));
            }
        }
        let (calls, batched) = match graphql::parse_calls(&req.method, &pairs, body.as_ref(), &self.config.graphql) {
            Ok(c) => c,
            Err(Denied(why)) => return fail(record, &[], why),
        };
        let mut analysed = Vec::with_capacity(calls.len());
        let mut denial: Option<(usize, Vec<String>, String)> = None;
        for (i, call) in calls.iter().enumerate() {
            match graphql::analyse(*ctx, compiled.roots(), endpoint, call, self.config.graphql) {
                Ok(plans) => {
                    for p in &plans {
                        for op in &p.operations {
                            if !record.operations.contains(op) {
                                record.operations.push(op.clone());
                            }
                        }
                        for o in &p.objects {
                            if !record.objects.contains(o) {
                                record.objects.push(o.clone());
                            }
                        }
                    }
                    analysed.push(Some(plans));
                }
                Err((keys, Denied(why))) => {
                    if denial.is_none() {
                        denial = Some((i, keys, why));
                    }
                    analysed.push(None);
                }
            }
        }
        // from the parsed documents, not the text: `# note\nmutation { ... }` is a mutation too
        if req.method == "GET" && analysed.iter().flatten().flatten().any(|p| p.mutation) {
            return fail(record, &[], "mutations over GET are not accepted".into());
        }
        if let Some((i, keys, why)) = denial {
            record.decision = "deny";
            record.reason = Some(why.clone());
            let response = if batched {
                let items: Vec<Value> = calls
                    .iter()
                    .enumerate()
                    .map(|(j, _)| {
                        if j == i {
                            respond::graphql_forbidden_value(&keys, Some(&why))
                        } else {
                            respond::graphql_forbidden_value(&[], Some(&format!("batch rejected: operation {i} was denied")))
                        }
                    })
                    .collect();
                Response {
                    status: 200,
                    headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
                    body: serde_json::to_vec(&items).unwrap_or_default(),
                }
            } else {
                respond::graphql_forbidden(&keys, Some(&why))
            };
            return Outcome::Respond { response: response.with_decision("deny", rev), record };
        }
        record.decision = "allow";
        let calls = calls.into_iter().zip(analysed).map(|(c, p)| (c, p.unwrap_or_default())).collect();
        Outcome::Forward { plan: Plan::Graphql { calls, batched }, principal, subject, record }
    }

    /// Redacts an upstream response. Error statuses and non-JSON bodies pass unchanged; a 2xx
    /// JSON body that does not parse is an error (the caller must not forward it).
    /// Whether [`Gateway::redact_response`] needs this response's body: `false` exactly when it
    /// would pass the response on unchanged whatever the body holds (an error status, or a
    /// pass-through plan such as a settings route whose flag was checked). An adapter may then
    /// stream the body through without reading it.
    pub fn inspects_response(&self, plan: &Plan, status: u16, _content_type: Option<&str>) -> bool {
        (200..300).contains(&status) && !matches!(plan, Plan::Passthrough | Plan::Rest(RestPlan::Passthrough))
    }

    #[inline(never)]
    pub fn redact_response(
        &self,
        compiled: &Compiled,
        subject: &Subject,
        plan: &Plan,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Redacted, String> {
        let unchanged = Ok(Redacted { body: None, changed: false });
        if !(200..300).contains(&status) {
            return unchanged;
        }
        if matches!(plan, Plan::Passthrough | Plan::Rest(RestPlan::Passthrough)) {
            return unchanged;
        }
        let is_json = is_json_type(content_type);
        if let Plan::Mcp(_) = plan {
            if !is_json {
                return Err("MCP responses must be JSON (event streams cannot be checked)".into());
            }
        }
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return unchanged;
        }
        // Records are only ever answered as JSON: anything else could carry them unchecked.
        if !is_json {
            return Err(format!("a successful response to a checked request must be JSON, not {}", content_type.unwrap_or("")));
        }
        let policy = &compiled.policy;
        let ctx = Ctx::new(policy, subject);
        match plan {
            Plan::Passthrough | Plan::Rest(RestPlan::Passthrough) => unchanged,
            Plan::Mcp(p) => {
                let mut v = json::parse_strict(body).map_err(|e| format!("upstream JSON: {e}"))?;
                let removed = mcp::redact(&ctx, p, &mut v);
                Ok(Redacted { body: Some(serde_json::to_vec(&v).unwrap_or_default()), changed: removed > 0 })
            }
            Plan::Rest(RestPlan::Records(object)) => {
                let mut out = Vec::with_capacity(body.len());
                let stats = rolegate_core::redact::redact_rest_json(policy, subject, *object, body, &mut out).map_err(|e| e.to_string())?;
                Ok(Redacted { body: Some(out), changed: stats.changed() })
            }
            Plan::Rest(RestPlan::Duplicates(object)) | Plan::Rest(RestPlan::GroupBy(object)) => {
                let mut v = json::parse_strict(body).map_err(|e| format!("upstream JSON: {e}"))?;
                let mut removed = 0;
                let items: Option<&mut Vec<Value>> = match (&plan, &mut v) {
                    (Plan::Rest(RestPlan::Duplicates(_)), Value::Object(m)) => m.get_mut("data").and_then(Value::as_array_mut),
                    (Plan::Rest(RestPlan::GroupBy(_)), Value::Array(a)) => Some(a),
                    (Plan::Rest(RestPlan::GroupBy(_)), Value::Object(m)) => m.get_mut("data").and_then(Value::as_array_mut),
                    _ => None,
                };
                if let Some(items) = items {
                    for item in items.iter_mut() {
                        if let Value::Object(m) = item {
                            for (k, val) in m.iter_mut() {
                                // Scalars are counts and aggregates (checked on the way in), the
                                // dimension values and pageInfo are not records; anything else
                                // may hold records, whatever its key (the records sample's key
                                // is not documented): redacted as records (fail closed).
                                let kept = k == "groupByDimensionValues" || k == "pageInfo" || !(val.is_array() || val.is_object());
                                if !kept {
                                    removed += rolegate_core::redact::redact_value(policy, subject, *object, val).removed;
                                }
                            }
                        }
                    }
                } else {
                    // Unknown shape: redact everything as records of the object (fail closed).
                    removed += rolegate_core::redact::redact_value(policy, subject, *object, &mut v).removed;
                }
                Ok(Redacted { body: Some(serde_json::to_vec(&v).unwrap_or_default()), changed: removed > 0 })
            }
            Plan::Graphql { calls, batched } => {
                let mut v = json::parse_strict(body).map_err(|e| format!("upstream JSON: {e}"))?;
                let mut removed = 0;
                let mut one = |resp: &mut Value, call: &GqlCall, plans: &[OpPlan]| {
                    if let Some(data) = resp.get_mut("data") {
                        match graphql::executed(plans, call) {
                            Some(p) => graphql::project(&ctx, data, &p.roots, &mut removed),
                            None => {
                                if !data.is_null() {
                                    *data = Value::Null;
                                    removed += 1;
                                }
                            }
                        }
                    }
                };
                match (&mut v, batched) {
                    // one answer per call: an extra item would pass unprojected
                    (Value::Array(items), true) if items.len() == calls.len() => {
                        for (item, (call, plans)) in items.iter_mut().zip(calls) {
                            one(item, call, plans);
                        }
                    }
                    (resp @ Value::Object(_), false) => {
                        let (call, plans) = &calls[0];
                        one(resp, call, plans);
                    }
                    _ => return Err("upstream GraphQL response does not match the request".into()),
                }
                Ok(Redacted { body: Some(serde_json::to_vec(&v).unwrap_or_default()), changed: removed > 0 })
            }
        }
    }
}
