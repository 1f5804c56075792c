//! GraphQL (`/graphql` and `/metadata`): parse with apollo-parser, walk every operation with
//! fragments, aliases and variables, decide each root field, and build the selection tree
//! used to project the response (only what was analysed and allowed comes back).

use crate::fields::{capitalize, Ctx, Denied, Resolved};
use apollo_parser::cst::{self, CstNode};
use apollo_parser::Parser;
use rolegate_core::model::RelationKind;
use rolegate_core::write::{check_write, WriteOp};
use rolegate_core::{Flag, ObjectId, Op, Policy};
use rolegate_core::{FxHashMap, FxHashSet};
use serde_json::{Map, Value};

/// Which GraphQL endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Core,
    Metadata,
}

/// Limits that keep analysis bounded on hostile documents.
#[derive(Debug, Clone, Copy)]
pub struct GraphqlLimits {
    pub recursion: usize,
    pub tokens: usize,
    pub fields: usize,
    pub batch: usize,
}

impl Default for GraphqlLimits {
    fn default() -> Self {
        GraphqlLimits { recursion: 64, tokens: 30_000, fields: 5_000, batch: 20 }
    }
}

/// Metadata operations that hand out a role through an API key (see `Walker::root_field`).
const ROLE_BEARING_KEY_OPERATIONS: &[&str] = &["createApiKey", "updateApiKey", "assignRoleToApiKey", "generateApiKeyToken"];

/// Root operations on records, as Twenty names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    FindMany,
    FindOne,
    Duplicates,
    GroupBy,
    CreateOne,
    CreateMany,
    UpdateOne,
    UpdateMany,
    SoftDeleteOne,
    SoftDeleteMany,
    DestroyOne,
    DestroyMany,
    RestoreOne,
    RestoreMany,
    Merge,
}

/// Root field names of the core schema, derived from snapshot metadata.
#[derive(Debug, Clone, Default)]
pub struct RootFields {
    query: FxHashMap<String, (ObjectId, RootKind)>,
    mutation: FxHashMap<String, (ObjectId, RootKind)>,
    /// Names two objects would both produce: never guessed.
    ambiguous: FxHashSet<String>,
}

impl RootFields {
    pub fn build(policy: &Policy) -> RootFields {
        let mut rf = RootFields::default();
        rf.query.reserve(policy.objects().len() * 4);
        rf.mutation.reserve(policy.objects().len() * 11);
        for (i, o) in policy.objects().iter().enumerate() {
            let id = ObjectId(i as u32);
            let (s, p) = (&*o.name, &*o.plural);
            let (cs, cp) = (capitalize(s), capitalize(p));
            let q = [
                (p.to_string(), RootKind::FindMany),
                (s.to_string(), RootKind::FindOne),
                (format!("{s}Duplicates"), RootKind::Duplicates),
                (format!("{p}GroupBy"), RootKind::GroupBy),
            ];
            let m = [
                (format!("create{cs}"), RootKind::CreateOne),
                (format!("create{cp}"), RootKind::CreateMany),
                (format!("update{cs}"), RootKind::UpdateOne),
                (format!("update{cp}"), RootKind::UpdateMany),
                (format!("delete{cs}"), RootKind::SoftDeleteOne),
                (format!("delete{cp}"), RootKind::SoftDeleteMany),
                (format!("destroy{cs}"), RootKind::DestroyOne),
                (format!("destroy{cp}"), RootKind::DestroyMany),
                (format!("restore{cs}"), RootKind::RestoreOne),
                (format!("restore{cp}"), RootKind::RestoreMany),
                (format!("merge{cp}"), RootKind::Merge),
            ];
            for (name, kind) in q {
                if rf.query.insert(name.clone(), (id, kind)).is_some() {
                    rf.ambiguous.insert(name);
                }
            }
            for (name, kind) in m {
                if rf.mutation.insert(name.clone(), (id, kind)).is_some() {
                    rf.ambiguous.insert(name);
                }
            }
        }
        rf
    }
}

/// The projection of a response: for each response key (alias or name) what to keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sel(pub Vec<(String, Node)>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Keep the value whole (scalars, composite fields, pageInfo, aggregates, pass-through roots).
    Leaf,
    /// An object (or a list of objects): keep only the selected keys.
    Object(Sel),
    /// A `search` connection: edges whose `node.objectNameSingular` is not readable are dropped.
    Search(Sel),
}

impl Sel {
    fn add(&mut self, key: String, node: Node) -> Result<(), Denied> {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            None => {
                self.0.push((key, node));
                Ok(())
            }
            Some((_, existing)) => match (existing, node) {
                (Node::Leaf, Node::Leaf) => Ok(()),
                (Node::Object(a), Node::Object(b)) | (Node::Search(a), Node::Search(b)) => {
                    for (k, n) in b.0 {
                        a.add(k, n)?;
                    }
                    Ok(())
                }
                _ => Err(Denied(format!("fields \"{key}\" conflict in the selection"))),
            },
        }
    }
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, n)| n)
    }
}

/// The analysed operation(s) of one GraphQL request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpPlan {
    pub name: Option<String>,
    pub roots: Sel,
    /// Root response keys, for denial bodies.
    pub root_keys: Vec<String>,
    /// `object:operation` entries for the decision record.
    pub operations: Vec<String>,
    pub objects: Vec<String>,
    /// A mutation (as parsed: comments and whitespace before the keyword do not hide it).
    pub mutation: bool,
}

/// One GraphQL request element (a batch holds several).
#[derive(Debug, Clone)]
pub struct GqlCall {
    pub query: String,
    pub variables: Map<String, Value>,
    pub operation_name: Option<String>,
}

/// Parses the GraphQL request(s) from a POST body (object or batched array) or GET params.
pub fn parse_calls(
    method: &str,
    query_pairs: &[(String, String)],
    body: Option<&Value>,
    limits: &GraphqlLimits,
) -> Result<(Vec<GqlCall>, bool), Denied> {
    let call = |v: &Value| -> Result<GqlCall, Denied> {
        let m = v.as_object().ok_or_else(|| Denied("a GraphQL request is a JSON object".into()))?;
        for k in m.keys() {
            if !["query", "variables", "operationName", "extensions"].contains(&k.as_str()) {
                return Err(Denied(format!("unknown key \"{k}\" in GraphQL request")));
            }
        }
        if m.get("extensions").is_some_and(|e| !e.is_null()) {
            return Err(Denied("GraphQL extensions (persisted queries) are not accepted".into()));
        }
        let query = m.get("query").and_then(Value::as_str).ok_or_else(|| Denied("GraphQL request without a query".into()))?;
        let variables = match m.get("variables") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(o)) => o.clone(),
            Some(_) => return Err(Denied("GraphQL variables must be an object".into())),
        };
        let operation_name = match m.get("operationName") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(Denied("operationName must be a string".into())),
        };
        Ok(GqlCall { query: query.to_string(), variables, operation_name })
    };
    match (method, body) {
        ("POST", Some(Value::Array(items))) => {
            if items.is_empty() || items.len() > limits.batch {
                return Err(Denied(format!("a GraphQL batch holds 1 to {} operations", limits.batch)));
            }
            Ok((items.iter().map(call).collect::<Result<_, _>>()?, true))
        }
        ("POST", Some(v)) => Ok((vec![call(v)?], false)),
        ("POST", None) => Err(Denied("GraphQL POST without a body".into())),
        ("GET", None) => {
            let mut m = Map::new();
            for (k, v) in query_pairs {
                if m.contains_key(k) {
                    return Err(Denied(format!("query parameter \"{k}\" is repeated")));
                }
                let v = match k.as_str() {
                    "query" | "operationName" => Value::String(v.clone()),
                    "variables" | "extensions" => {
                        crate::json::parse_strict(v.as_bytes()).map_err(|e| Denied(format!("{k} is not JSON: {e}")))?
                    }
                    "token" => continue,
                    other => return Err(Denied(format!("query parameter \"{other}\" is not allowed"))),
                };
                m.insert(k.clone(), v);
            }
            Ok((vec![call(&Value::Object(m))?], false))
        }
        _ => Err(Denied(format!("GraphQL over {method} is not accepted"))),
    }
}

struct Walker<'a> {
    ctx: Ctx<'a>,
    roots: &'a RootFields,
    fragments: FxHashMap<String, cst::FragmentDefinition>,
    /// The call's variables, shared by its operations (not copied for each: a document may hold
    /// thousands of operations, and the variables up to the body limit)...
    variables: &'a Map<String, Value>,
    /// ... and the defaults the current operation declares for variables the caller left out.
    defaults: Map<String, Value>,
    fields_seen: usize,
    limits: GraphqlLimits,
    spread_stack: Vec<String>,
    /// Selections entered (records, connections, edges) on the current path.
    nesting: usize,
    operations: Vec<String>,
    objects: Vec<String>,
}

/// How deep selections may nest (a one-to-many hop is three: connection, edges, record). The
/// parser's recursion limit bounds one definition; fragments can chain definitions, so the walk
/// bounds its own depth.
const MAX_SELECTION_NESTING: usize = 64;

fn name_of(n: Option<cst::Name>) -> Option<String> {
    n.map(|n| n.text().to_string())
}

/// Analyses one GraphQL call. Returns the plan of every operation in the document.
#[inline(never)]
pub fn analyse(
    ctx: Ctx,
    roots: &RootFields,
    endpoint: Endpoint,
    call: &GqlCall,
    limits: GraphqlLimits,
) -> Result<Vec<OpPlan>, (Vec<String>, Denied)> {
    let tree = Parser::new(&call.query).recursion_limit(limits.recursion).token_limit(limits.tokens).parse();
    if let Some(e) = tree.errors().next() {
        return Err((vec![], Denied(format!("GraphQL document does not parse: {}", e.message()))));
    }
    let doc = tree.document();
    let mut fragments = FxHashMap::default();
    let mut ops = Vec::new();
    for def in doc.definitions() {
        match def {
            cst::Definition::OperationDefinition(op) => ops.push(op),
            cst::Definition::FragmentDefinition(f) => {
                let name =
                    f.fragment_name().and_then(|n| name_of(n.name())).ok_or_else(|| (vec![], Denied("fragment without a name".into())))?;
                if fragments.insert(name.clone(), f).is_some() {
                    return Err((vec![], Denied(format!("fragment \"{name}\" is defined twice"))));
                }
            }
            _ => return Err((vec![], Denied("only operations and fragments are accepted in a GraphQL request".into()))),
        }
    }
    if ops.is_empty() {
        return Err((vec![], Denied("GraphQL document has no operation".into())));
    }
    if let Some(name) = fragment_cycle(&fragments) {
        return Err((vec![], Denied(format!("fragment cycle through \"{name}\": a fragment may not spread itself, at any depth"))));
    }
    if ops.len() > 1 && call.operation_name.is_none() {
        return Err((vec![], Denied("several operations need an operationName".into())));
    }
    if let Some(n) = &call.operation_name {
        if !ops.iter().any(|o| name_of(o.name()).as_deref() == Some(n.as_str())) {
            return Err((vec![], Denied(format!("operation \"{n}\" is not in the document"))));
        }
    }
    let mut plans = Vec::new();
    // Every operation is analysed (not just the one named), so the executed one is covered
    // whatever the upstream picks. The field budget is the document's, shared by its
    // operations: per operation, thousands of small operations spreading one large fragment
    // chain each cost seconds and hundreds of MB (found in review).
    let mut fields_seen = 0;
    for op in ops {
        let mut w = Walker {
            ctx,
            roots,
            fragments: std::mem::take(&mut fragments),
            variables: &call.variables,
            defaults: Map::new(),
            fields_seen,
            limits,
            spread_stack: Vec::new(),
            nesting: 0,
            operations: Vec::new(),
            objects: Vec::new(),
        };
        let name = name_of(op.name());
        let root_keys = op.selection_set().map(|ss| root_response_keys(&ss, &w.fragments)).unwrap_or_default();
        let plan = w.operation(&op, endpoint).map_err(|d| (root_keys.clone(), d))?;
        fields_seen = w.fields_seen;
        fragments = std::mem::take(&mut w.fragments);
        let mutation = op.operation_type().is_some_and(|t| t.mutation_token().is_some());
        plans.push(OpPlan { name, roots: plan, root_keys, operations: w.operations, objects: w.objects, mutation });
    }
    Ok(plans)
}

/// A fragment on a cycle of spreads, if any (GraphQL's NoFragmentCycles rule), through any
/// nesting: `fragment A on Person { company { people { edges { node { ...A } } } } }` spreads
/// itself two selections down, where a walk's per-level check cannot see it. Iterative, so a
/// long chain of fragments costs no stack.
fn fragment_cycle(fragments: &FxHashMap<String, cst::FragmentDefinition>) -> Option<String> {
    if fragments.is_empty() {
        return None;
    }
    let names: Vec<&str> = fragments.keys().map(String::as_str).collect();
    let index: FxHashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    // the fragments each one spreads, anywhere in its selection (unknown ones are left to the walk)
    let spreads: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            let mut out = Vec::new();
            let mut sets: Vec<cst::SelectionSet> = fragments[*n].selection_set().into_iter().collect();
            while let Some(ss) = sets.pop() {
                for sel in ss.selections() {
                    match sel {
                        cst::Selection::Field(f) => sets.extend(f.selection_set()),
                        cst::Selection::InlineFragment(i) => sets.extend(i.selection_set()),
                        cst::Selection::FragmentSpread(sp) => {
                            if let Some(&j) = sp.fragment_name().and_then(|n| name_of(n.name())).and_then(|n| index.get(n.as_str())) {
                                out.push(j);
                            }
                        }
                    }
                }
            }
            out
        })
        .collect();
    // depth-first, colouring: 1 = on the current path, 2 = done
    let mut colour = vec![0u8; names.len()];
    for start in 0..names.len() {
        if colour[start] != 0 {
            continue;
        }
        colour[start] = 1;
        let mut path = vec![(start, 0usize)];
        while let Some(&mut (at, ref mut next)) = path.last_mut() {
            match spreads[at].get(*next) {
                Some(&to) => {
                    *next += 1;
                    match colour[to] {
                        1 => return Some(names[to].to_string()),
                        0 => {
                            colour[to] = 1;
                            path.push((to, 0));
                        }
                        _ => {}
                    }
                }
                None => {
                    colour[at] = 2;
                    path.pop();
                }
            }
        }
    }
    None
}

fn root_response_keys(ss: &cst::SelectionSet, fragments: &FxHashMap<String, cst::FragmentDefinition>) -> Vec<String> {
    let mut keys = Vec::new();
    let mut stack = vec![(ss.clone(), 0usize)];
    let mut budget = 10_000usize;
    while let Some((ss, depth)) = stack.pop() {
        if depth > 8 {
            continue;
        }
        for sel in ss.selections() {
            budget = match budget.checked_sub(1) {
                Some(b) => b,
                None => return keys,
            };
            match sel {
                cst::Selection::Field(f) => {
                    let key = f.alias().and_then(|a| name_of(a.name())).or_else(|| name_of(f.name()));
                    if let Some(k) = key {
                        if !keys.contains(&k) {
                            keys.push(k);
                        }
                    }
                }
                cst::Selection::InlineFragment(i) => {
                    if let Some(s) = i.selection_set() {
                        stack.push((s, depth + 1));
                    }
                }
                cst::Selection::FragmentSpread(s) => {
                    if let Some(f) = s.fragment_name().and_then(|n| name_of(n.name())).and_then(|n| fragments.get(&n)) {
                        if let Some(ss) = f.selection_set() {
                            stack.push((ss, depth + 1));
                        }
                    }
                }
            }
        }
    }
    keys
}

const WORKFLOW_RUN_MUTATIONS: &[&str] = &["runWorkflowVersion", "activateWorkflowVersion", "deactivateWorkflowVersion", "stopWorkflowRun"];

/// Root fields of the metadata API and the flag that gates each (twenty-api §5.2). Schema
/// reads need DATA_MODEL here too: they reveal hidden fields, like introspection.
fn metadata_flag(name: &str) -> Option<&'static str> {
    Some(match name {
        "objects" | "object" | "fields" | "field" | "fieldsList" | "createOneObject" | "updateOneObject" | "deleteOneObject"
        | "createOneField" | "updateOneField" | "deleteOneField" | "createOneIndex" | "deleteOneIndex" => "DATA_MODEL",
        "getRoles"
        | "createOneRole"
        | "updateOneRole"
        | "deleteOneRole"
        | "upsertObjectPermissions"
        | "upsertFieldPermissions"
        | "upsertPermissionFlags"
        | "updateWorkspaceMemberRole"
        | "assignRoleToAgent"
        | "removeRoleFromAgent" => "ROLES",
        "apiKeys"
        | "apiKey"
        | "createApiKey"
        | "updateApiKey"
        | "revokeApiKey"
        | "assignRoleToApiKey"
        | "generateApiKeyToken"
        | "webhooks"
        | "webhook"
        | "createWebhook"
        | "updateWebhook"
        | "deleteWebhook" => "API_KEYS_AND_WEBHOOKS",
        "sendInvitations" | "resendWorkspaceInvitation" | "deleteWorkspaceInvitation" | "findWorkspaceInvitations" => "WORKSPACE_MEMBERS",
        "updateWorkspace" | "updateLabPublicFeatureFlag" => "WORKSPACE",
        "createOIDCIdentityProvider"
        | "createSAMLIdentityProvider"
        | "editSSOIdentityProvider"
        | "deleteSSOIdentityProvider"
        | "getSSOIdentityProviders" => "SECURITY",
        "activateWorkflowVersion" | "deactivateWorkflowVersion" | "runWorkflowVersion" | "stopWorkflowRun" => "WORKFLOWS",
        "impersonate" => "IMPERSONATE",
        "sendEmail" => "SEND_EMAIL_TOOL",
        "checkoutSession" | "billingPortalSession" => "BILLING",
        _ => return None,
    })
}

impl Walker<'_> {
    /// Records a root operation for the decision record, once: a document may repeat one
    /// (aliases, fragments spread many times) up to the field budget.
    fn note_operation(&mut self, op: String) {
        if !self.operations.contains(&op) {
            self.operations.push(op);
        }
    }

    fn count(&mut self) -> Result<(), Denied> {
        self.fields_seen += 1;
        if self.fields_seen > self.limits.fields {
            return Err(Denied(format!("GraphQL document selects more than {} fields and fragments", self.limits.fields)));
        }
        Ok(())
    }

    fn operation(&mut self, op: &cst::OperationDefinition, endpoint: Endpoint) -> Result<Sel, Denied> {
        let kind = match op.operation_type() {
            None => "query",
            Some(t) if t.query_token().is_some() => "query",
            Some(t) if t.mutation_token().is_some() => "mutation",
            Some(_) => return Err(Denied("GraphQL subscriptions are not accepted by the gateway".into())),
        };
        // Variable defaults fill in variables the caller did not send.
        if let Some(defs) = op.variable_definitions() {
            for d in defs.variable_definitions() {
                let Some(name) = d.variable().and_then(|v| name_of(v.name())) else { continue };
                if !self.variables.contains_key(&name) && !self.defaults.contains_key(&name) {
                    if let Some(v) = d.default_value().and_then(|dv| dv.value()) {
                        let value = self.value(&v, 0)?;
                        self.defaults.insert(name, value);
                    }
                }
            }
        }
        let ss = op.selection_set().ok_or_else(|| Denied("operation without a selection".into()))?;
        let mut out = Sel::default();
        for (key, field) in self.flatten(&ss, 0)? {
            let node = self.root_field(&field, kind, endpoint)?;
            out.add(key, node)?;
        }
        Ok(out)
    }

    /// The fields of a selection set with fragments expanded: (response key, field).
    fn flatten(&mut self, ss: &cst::SelectionSet, depth: usize) -> Result<Vec<(String, cst::Field)>, Denied> {
        if depth > 32 {
            return Err(Denied("fragments nested too deeply".into()));
        }
        let mut out = Vec::new();
        for sel in ss.selections() {
            match sel {
                cst::Selection::Field(f) => {
                    self.count()?;
                    let name = name_of(f.name()).ok_or_else(|| Denied("field without a name".into()))?;
                    let key = f.alias().and_then(|a| name_of(a.name())).unwrap_or(name);
                    out.push((key, f));
                }
                cst::Selection::InlineFragment(i) => {
                    self.count()?;
                    if let Some(ss) = i.selection_set() {
                        out.extend(self.flatten(&ss, depth + 1)?);
                    }
                }
                cst::Selection::FragmentSpread(s) => {
                    // Every expansion counts, so fragment bombs stay bounded.
                    self.count()?;
                    let name =
                        s.fragment_name().and_then(|n| name_of(n.name())).ok_or_else(|| Denied("fragment spread without a name".into()))?;
                    if self.spread_stack.contains(&name) {
                        return Err(Denied(format!("fragment \"{name}\" spreads itself")));
                    }
                    let frag = self.fragments.get(&name).cloned().ok_or_else(|| Denied(format!("unknown fragment \"{name}\"")))?;
                    self.spread_stack.push(name);
                    if let Some(ss) = frag.selection_set() {
                        let inner = self.flatten(&ss, depth + 1);
                        self.spread_stack.pop();
                        out.extend(inner?);
                    } else {
                        self.spread_stack.pop();
                    }
                }
            }
        }
        Ok(out)
    }

    /// A GraphQL value as JSON, variables substituted.
    fn value(&self, v: &cst::Value, depth: usize) -> Result<Value, Denied> {
        if depth > 64 {
            return Err(Denied("argument nested too deeply".into()));
        }
        Ok(match v {
            cst::Value::Variable(var) => {
                let name = name_of(var.name()).unwrap_or_default();
                self.variables.get(&name).or_else(|| self.defaults.get(&name)).cloned().unwrap_or(Value::Null)
            }
            cst::Value::StringValue(s) => Value::String(String::from(s.clone())),
            cst::Value::FloatValue(f) => Value::String(f.source_string()),
            cst::Value::IntValue(i) => Value::String(i.source_string()),
            cst::Value::BooleanValue(b) => Value::Bool(b.true_token().is_some()),
            cst::Value::NullValue(_) => Value::Null,
            cst::Value::EnumValue(e) => Value::String(name_of(e.name()).unwrap_or_default()),
            cst::Value::ListValue(l) => Value::Array(l.values().map(|x| self.value(&x, depth + 1)).collect::<Result<_, _>>()?),
            cst::Value::ObjectValue(o) => {
                let mut m = Map::new();
                for f in o.object_fields() {
                    let k = name_of(f.name()).unwrap_or_default();
                    let val = f.value().map(|x| self.value(&x, depth + 1)).transpose()?.unwrap_or(Value::Null);
                    if m.insert(k.clone(), val).is_some() {
                        return Err(Denied(format!("argument key \"{k}\" is repeated")));
                    }
                }
                Value::Object(m)
            }
        })
    }

    fn args(&self, f: &cst::Field) -> Result<Map<String, Value>, Denied> {
        let mut out = Map::new();
        if let Some(args) = f.arguments() {
            for a in args.arguments() {
                let k = name_of(a.name()).unwrap_or_default();
                let v = a.value().map(|v| self.value(&v, 0)).transpose()?.unwrap_or(Value::Null);
                if out.insert(k.clone(), v).is_some() {
                    return Err(Denied(format!("argument \"{k}\" is repeated")));
                }
            }
        }
        Ok(out)
    }

    fn root_field(&mut self, f: &cst::Field, kind: &str, endpoint: Endpoint) -> Result<Node, Denied> {
        let name = name_of(f.name()).unwrap_or_default();
        if name == "__typename" {
            return Ok(Node::Leaf);
        }
        if name == "__schema" || name == "__type" {
            self.note_operation(format!("introspection:{name}"));
            return self.flag_gate("DATA_MODEL", "introspection");
        }
        if endpoint == Endpoint::Metadata {
            self.note_operation(format!("metadata:{name}"));
            return match metadata_flag(&name) {
                // an API key carries a role, and its token acts with it: creating, re-roling or
                // minting one grants that role, which Twenty asks ROLES for too (for an agent,
                // Twenty sees the gateway's own key and would not ask; found in review)
                Some(flag) if ROLE_BEARING_KEY_OPERATIONS.contains(&name.as_str()) => {
                    self.flag_gate(flag, &name)?;
                    self.flag_gate("ROLES", &name)
                }
                Some(flag) => self.flag_gate(flag, &name),
                None => Err(Denied(format!("metadata operation \"{name}\" is not allowed by the gateway"))),
            };
        }
        if kind == "mutation" && WORKFLOW_RUN_MUTATIONS.contains(&name.as_str()) {
            self.note_operation(format!("workflow:{name}"));
            return self.flag_gate("WORKFLOWS", &name);
        }
        if kind == "query" && name == "search" {
            return self.search(f);
        }
        if self.roots.ambiguous.contains(&name) {
            return Err(Denied(format!("root field \"{name}\" is ambiguous in this schema")));
        }
        let table = if kind == "query" { &self.roots.query } else { &self.roots.mutation };
        let (object, rk) = *table.get(&name).ok_or_else(|| Denied(format!("unknown {kind} field \"{name}\"")))?;
        self.note_operation(format!("{}:{name}", self.ctx.name(object)));
        let on = self.ctx.name(object).to_string();
        if !self.objects.contains(&on) {
            self.objects.push(on);
        }
        let args = self.args(f)?;
        self.root_records(f, object, rk, &args)
    }

    fn flag_gate(&self, flag: &str, what: &str) -> Result<Node, Denied> {
        let f = Flag::parse(flag).expect("known flag");
        if self.ctx.policy.has_flag(self.ctx.subject, f) {
            Ok(Node::Leaf)
        } else {
            Err(Denied(format!("{what} needs the {flag} permission")))
        }
    }

    fn check_args(&self, object: ObjectId, args: &Map<String, Value>, allowed: &[&str]) -> Result<(), Denied> {
        for (k, v) in args {
            if !allowed.contains(&k.as_str()) {
                return Err(Denied(format!("argument \"{k}\" is not accepted here")));
            }
            match k.as_str() {
                "filter" => self.ctx.check_filter(object, v)?,
                "orderBy" | "orderByForRecords" => self.ctx.check_order(object, v)?,
                "groupBy" => self.ctx.check_keyed(object, v, 0)?,
                "after" | "before" => self.ctx.check_cursor(object, v)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn root_records(&mut self, f: &cst::Field, object: ObjectId, rk: RootKind, args: &Map<String, Value>) -> Result<Node, Denied> {
        use RootKind::*;
        let ctx = self.ctx;
        let gate = match rk {
            FindMany | FindOne | Duplicates | GroupBy => Op::Read,
            CreateOne | CreateMany | UpdateOne | UpdateMany | Merge => Op::Update,
            SoftDeleteOne | SoftDeleteMany | RestoreOne | RestoreMany => Op::SoftDelete,
            DestroyOne | DestroyMany => Op::Destroy,
        };
        ctx.require(object, gate)?;
        let paging = ["first", "last", "before", "after", "offset", "limit"];
        match rk {
            FindMany => self.check_args(object, args, &[&paging[..], &["filter", "orderBy"]].concat())?,
            FindOne => self.check_args(object, args, &["filter"])?,
            Duplicates => {
                self.check_args(object, args, &["ids", "data"])?;
                if let Some(d) = args.get("data") {
                    ctx.check_record_keys(object, d)?;
                }
                if args.get("ids").is_some_and(|ids| !ids.is_null()) {
                    ctx.check_duplicate_criteria(object)?;
                }
            }
            GroupBy => self.check_args(
                object,
                args,
                &["groupBy", "filter", "orderBy", "orderByForRecords", "limit", "offsetForRecords", "omitNullValues"],
            )?,
            CreateOne | CreateMany | UpdateOne | UpdateMany => {
                let allowed: &[&str] = match rk {
                    CreateOne | CreateMany => &["data", "upsert"],
                    UpdateOne => &["id", "data"],
                    _ => &["filter", "data"],
                };
                self.check_args(object, args, allowed)?;
                let data = args.get("data").ok_or_else(|| Denied("mutation without data".into()))?;
                let wop = if matches!(rk, CreateOne | CreateMany) { WriteOp::Create } else { WriteOp::Update };
                let check = check_write(ctx.policy, ctx.subject, object, wop, Some(data));
                if let Some(v) = check.violations.first() {
                    return Err(Denied(v.message.clone()));
                }
                ctx.check_audit_fields(object, data)?;
            }
            SoftDeleteOne | DestroyOne | RestoreOne => self.check_args(object, args, &["id"])?,
            SoftDeleteMany | DestroyMany | RestoreMany => self.check_args(object, args, &["filter"])?,
            Merge => {
                self.check_args(object, args, &["ids", "conflictPriorityIndex", "dryRun"])?;
                ctx.check_merge(object)?;
            }
        }
        let ss = f.selection_set();
        Ok(match rk {
            FindMany => Node::Object(self.connection(object, ss.as_ref())?),
            Duplicates => Node::Object(self.connection(object, ss.as_ref())?),
            GroupBy => Node::Object(self.group_by(object, ss.as_ref())?),
            _ => Node::Object(self.record(object, ss.as_ref())?),
        })
    }

    /// Runs `f` one selection deeper, refused past [`MAX_SELECTION_NESTING`].
    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Result<Sel, Denied>) -> Result<Sel, Denied> {
        if self.nesting >= MAX_SELECTION_NESTING {
            return Err(Denied(format!("selections nested too deeply (at most {MAX_SELECTION_NESTING} levels)")));
        }
        self.nesting += 1;
        let out = f(self);
        self.nesting -= 1;
        out
    }

    fn record(&mut self, object: ObjectId, ss: Option<&cst::SelectionSet>) -> Result<Sel, Denied> {
        self.nested(|w| w.record_fields(object, ss))
    }

    fn record_fields(&mut self, object: ObjectId, ss: Option<&cst::SelectionSet>) -> Result<Sel, Denied> {
        let Some(ss) = ss else { return Err(Denied(format!("a selection is required on \"{}\"", self.ctx.name(object)))) };
        let mut out = Sel::default();
        for (key, f) in self.flatten(ss, 0)? {
            let name = name_of(f.name()).unwrap_or_default();
            if name == "__typename" {
                out.add(key, Node::Leaf)?;
                continue;
            }
            let node = match self.ctx.readable(object, &name)? {
                Resolved::Field(_) | Resolved::JoinColumn(..) => {
                    if f.arguments().is_some_and(|a| a.arguments().next().is_some()) {
                        return Err(Denied(format!("field \"{name}\" takes no arguments")));
                    }
                    Node::Leaf
                }
                Resolved::Relation(_, target, kind) => {
                    let args = self.args(&f)?;
                    let ss = f.selection_set();
                    match kind {
                        RelationKind::ManyToOne => {
                            self.check_args(target, &args, &[])?;
                            Node::Object(self.record(target, ss.as_ref())?)
                        }
                        RelationKind::OneToMany => {
                            self.check_args(target, &args, &["first", "last", "before", "after", "filter", "orderBy", "limit", "offset"])?;
                            Node::Object(self.connection(target, ss.as_ref())?)
                        }
                    }
                }
            };
            out.add(key, node)?;
        }
        Ok(out)
    }

    fn connection(&mut self, object: ObjectId, ss: Option<&cst::SelectionSet>) -> Result<Sel, Denied> {
        self.connection_with(object, ss, &[])
    }

    /// Group-by results: connections whose groups also carry their dimension values.
    fn group_by(&mut self, object: ObjectId, ss: Option<&cst::SelectionSet>) -> Result<Sel, Denied> {
        self.connection_with(object, ss, &["groupByDimensionValues"])
    }

    /// `edges`, `pageInfo`, `totalCount`, aggregates (checked), and `extra` kept whole.
    fn connection_with(&mut self, object: ObjectId, ss: Option<&cst::SelectionSet>, extra: &[&str]) -> Result<Sel, Denied> {
        self.nested(|w| w.connection_fields(object, ss, extra))
    }

    fn connection_fields(&mut self, object: ObjectId, ss: Option<&cst::SelectionSet>, extra: &[&str]) -> Result<Sel, Denied> {
        let Some(ss) = ss else { return Err(Denied("a selection is required on a connection".into())) };
        let mut out = Sel::default();
        for (key, f) in self.flatten(ss, 0)? {
            let name = name_of(f.name()).unwrap_or_default();
            let node = match name.as_str() {
                "__typename" | "pageInfo" | "totalCount" => Node::Leaf,
                n if extra.contains(&n) => Node::Leaf,
                "edges" => Node::Object(self.edges(object, f.selection_set().as_ref())?),
                other => {
                    self.ctx.check_aggregate(object, other)?;
                    Node::Leaf
                }
            };
            out.add(key, node)?;
        }
        Ok(out)
    }

    fn edges(&mut self, object: ObjectId, ss: Option<&cst::SelectionSet>) -> Result<Sel, Denied> {
        self.nested(|w| w.edge_fields(object, ss))
    }

    fn edge_fields(&mut self, object: ObjectId, ss: Option<&cst::SelectionSet>) -> Result<Sel, Denied> {
        let Some(ss) = ss else { return Err(Denied("a selection is required on edges".into())) };
        let mut out = Sel::default();
        for (key, f) in self.flatten(ss, 0)? {
            let name = name_of(f.name()).unwrap_or_default();
            let node = match name.as_str() {
                "__typename" | "cursor" => Node::Leaf,
                "node" => Node::Object(self.record(object, f.selection_set().as_ref())?),
                other => return Err(Denied(format!("unknown edge field \"{other}\""))),
            };
            out.add(key, node)?;
        }
        Ok(out)
    }

    fn search(&mut self, f: &cst::Field) -> Result<Node, Denied> {
        self.note_operation("search".into());
        let args = self.args(f)?;
        for (k, v) in &args {
            match k.as_str() {
                "searchInput" | "limit" | "after" | "includedObjectNameSingulars" | "excludedObjectNameSingulars" => {}
                "filter" if v.is_null() => {}
                other => return Err(Denied(format!("search argument \"{other}\" is not accepted by the gateway"))),
            }
        }
        // A search that may return hits of objects the subject may not search (see
        // `unsearchable_in_scope`) is refused. Their edges would be dropped from the response,
        // but the rest of it describes every hit: a search cursor carries the last record id
        // per object, hasNextPage and totalCount count hidden hits, and hidden hits take places
        // under `limit`, so fewer edges than asked say that a hidden record outranked a visible
        // one (found in review). Naming the objects it may search in
        // includedObjectNameSingulars lifts it; edges are still filtered, in depth.
        let hidden = self.unsearchable_in_scope(&args);
        if !hidden.is_empty() {
            return Err(Denied(format!(
                "search may return hits of objects this role may not search ({}): name the objects it may search in includedObjectNameSingulars",
                hidden.join(", ")
            )));
        }
        let ss = f.selection_set().ok_or_else(|| Denied("a selection is required on search".into()))?;
        // The hits are filtered by the response keys edges > node > objectNameSingular: under
        // an alias the filter would not find them.
        let unaliased = |key: &str, name: &str| {
            if key == name {
                Ok(())
            } else {
                Err(Denied(format!("search results cannot be aliased (\"{key}: {name}\"): the gateway checks each hit's {name}")))
            }
        };
        let mut out = Sel::default();
        for (key, field) in self.flatten(&ss, 0)? {
            let name = name_of(field.name()).unwrap_or_default();
            let node = match name.as_str() {
                "__typename" | "pageInfo" | "totalCount" => Node::Leaf,
                "edges" => {
                    unaliased(&key, "edges")?;
                    let ess = field.selection_set().ok_or_else(|| Denied("a selection is required on edges".into()))?;
                    let mut e = Sel::default();
                    for (k2, f2) in self.flatten(&ess, 0)? {
                        let n2 = name_of(f2.name()).unwrap_or_default();
                        let node = match n2.as_str() {
                            "__typename" | "cursor" => Node::Leaf,
                            "node" => {
                                unaliased(&k2, "node")?;
                                let nss = f2.selection_set().ok_or_else(|| Denied("a selection is required on node".into()))?;
                                let mut n = Sel::default();
                                for (k3, f3) in self.flatten(&nss, 0)? {
                                    let n3 = name_of(f3.name()).unwrap_or_default();
                                    if !["__typename", "recordId", "objectNameSingular", "label", "imageUrl", "tsRankCD", "tsRank"]
                                        .contains(&n3.as_str())
                                    {
                                        return Err(Denied(format!("unknown search result field \"{n3}\"")));
                                    }
                                    if n3 == "objectNameSingular" {
                                        unaliased(&k3, "objectNameSingular")?;
                                    }
                                    n.add(k3, Node::Leaf)?;
                                }
                                Node::Object(n)
                            }
                            other => return Err(Denied(format!("unknown edge field \"{other}\""))),
                        };
                        e.add(k2, node)?;
                    }
                    Node::Object(e)
                }
                other => return Err(Denied(format!("unknown search field \"{other}\""))),
            };
            out.add(key, node)?;
        }
        Ok(Node::Search(out))
    }
}

impl Walker<'_> {
    /// The objects a search may return hits of (`includedObjectNameSingulars`, else every
    /// searchable object, less `excludedObjectNameSingulars`) that the subject may not search: not
    /// readable, or with a search vector built from a field it hides. A name the snapshot does
    /// not know counts as one; so does a list the gateway cannot read (all objects then).
    fn unsearchable_in_scope(&self, args: &Map<String, Value>) -> Vec<String> {
        let names = |key: &str| -> Option<Option<Vec<String>>> {
            match args.get(key) {
                None | Some(Value::Null) => Some(None),
                Some(Value::String(s)) => Some(Some(vec![s.clone()])),
                Some(Value::Array(items)) => items.iter().map(|i| i.as_str().map(String::from)).collect::<Option<Vec<_>>>().map(Some),
                Some(_) => None,
            }
        };
        let policy = self.ctx.policy;
        // Twenty searches the objects with a search vector (all of them, were a snapshot to
        // declare none)
        let has_vector = |o: &rolegate_core::policy::CObject| o.fields.iter().any(|f| &*f.field_type == "TS_VECTOR");
        let any_vector = policy.objects().iter().any(has_vector);
        let all = || policy.objects().iter().filter(|o| !any_vector || has_vector(o)).map(|o| o.name.to_string()).collect::<Vec<_>>();
        // an empty list is no list to Twenty (`length > 0` decides): every object (found in review)
        let mut scope = match names("includedObjectNameSingulars") {
            Some(Some(list)) if !list.is_empty() => list,
            _ => all(),
        };
        if let Some(Some(excluded)) = names("excludedObjectNameSingulars") {
            scope.retain(|n| !excluded.contains(n));
        }
        let searchable =
            |n: &str| policy.object_id(n).is_some_and(|o| self.ctx.can(o, Op::Read) && policy.search_vector_readable(self.ctx.subject, o));
        let mut hidden: Vec<String> = scope.into_iter().filter(|n| !searchable(n)).collect();
        hidden.sort();
        hidden.dedup();
        hidden
    }
}

// ------------------------------------------------------------------ response projection

/// Projects a value on a selection: keeps selected keys, recurses, counts removals.
pub fn project(ctx: &Ctx, v: &mut Value, sel: &Sel, removed: &mut usize) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| project(ctx, i, sel, removed)),
        Value::Object(map) => {
            map.retain(|k, val| match sel.get(k) {
                None => {
                    *removed += 1;
                    false
                }
                Some(Node::Leaf) => true,
                Some(Node::Object(inner)) => {
                    project(ctx, val, inner, removed);
                    true
                }
                Some(Node::Search(inner)) => {
                    project_search(ctx, val, inner, removed);
                    true
                }
            });
        }
        _ => {}
    }
}

fn project_search(ctx: &Ctx, v: &mut Value, sel: &Sel, removed: &mut usize) {
    if let Some(edges) = v.get_mut("edges").and_then(Value::as_array_mut) {
        let before = edges.len();
        edges.retain(|e| {
            let name = e.get("node").and_then(|n| n.get("objectNameSingular")).and_then(Value::as_str);
            // An edge must name a readable object; a selection without objectNameSingular
            // cannot be checked, so its edges are dropped. The match was made on the record's
            // search vector: where the subject may not read it (it is built from a field the
            // role hides), the edge would say a hidden value matched, and is dropped too.
            name.and_then(|n| ctx.policy.object_id(n))
                .is_some_and(|o| ctx.can(o, Op::Read) && ctx.policy.search_vector_readable(ctx.subject, o))
        });
        *removed += before - edges.len();
    }
    project(ctx, v, sel, removed);
}

/// The root fields' plan of the executed operation of a call.
pub fn executed<'p>(plans: &'p [OpPlan], call: &GqlCall) -> Option<&'p OpPlan> {
    match &call.operation_name {
        Some(n) => plans.iter().find(|p| p.name.as_deref() == Some(n.as_str())),
        None if plans.len() == 1 => plans.first(),
        None => None,
    }
}
