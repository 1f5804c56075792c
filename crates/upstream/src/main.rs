//! A stand-in for a Twenty server (NOT Twenty): serves the sample workspace's records over
//! Twenty's REST and GraphQL response shapes, deliberately returns every field whatever the
//! caller (so the gateway's redaction is visible), and records every request it receives so
//! tests can prove that denied requests never reached it.
//!
//!   rolegate-sample-upstream --port 8788 --snapshot workspace.json --data sample-data.json
//!
//! With `--twenty-metadata DIR` it also answers the metadata queries of `rolegate sync` with
//! recorded answers (`objects.json`, `roles.json`, `api-keys.json` on `/metadata`,
//! `members.json` on `/graphql`), to a caller with a bearer credential (`--twenty-api-key KEY`:
//! only that one; others get Twenty's 401).
//!
//! Test endpoints: `GET /__upstream/requests` (the recorded requests), `DELETE
//! /__upstream/requests` (clear them), `GET /__upstream/health`.

use apollo_parser::{cst, Parser};
use rolegate_core::model::{RelationKind, Snapshot};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::Read;

struct Store {
    snapshot: Snapshot,
    data: HashMap<String, Vec<Value>>,
    /// Recorded metadata answers: root field name -> answer.
    twenty: HashMap<&'static str, Value>,
    /// The API key the recorded answers are served to (any bearer when unset).
    twenty_key: Option<String>,
}

/// Which recorded file answers which root field, and on which endpoint.
const TWENTY_FILES: [(&str, &str, &str); 4] = [
    ("objects", "/metadata", "objects.json"),
    ("getRoles", "/metadata", "roles.json"),
    ("apiKeys", "/metadata", "api-keys.json"),
    ("workspaceMembers", "/graphql", "members.json"),
];

/// The root fields of every operation in a GraphQL document: (field name, response key).
fn root_fields(query: &str) -> Vec<(String, String)> {
    let tree = Parser::new(query).parse();
    let mut out = Vec::new();
    for def in tree.document().definitions() {
        let cst::Definition::OperationDefinition(op) = def else { continue };
        let Some(ss) = op.selection_set() else { continue };
        for sel in ss.selections() {
            let cst::Selection::Field(f) = sel else { continue };
            let Some(name) = f.name().map(|n| n.text().to_string()) else { continue };
            let key = f.alias().and_then(|a| a.name()).map(|n| n.text().to_string()).unwrap_or(name.clone());
            out.push((name, key));
        }
    }
    out
}

/// A recorded metadata answer for this call, if the upstream has them.
fn twenty_answer(store: &Store, path: &str, headers: &Map<String, Value>, body: &Value) -> Option<(u16, Value)> {
    if store.twenty.is_empty() {
        return None;
    }
    let query = body.get("query").and_then(Value::as_str)?;
    let roots = root_fields(query);
    let (root, _, _) = TWENTY_FILES.iter().find(|(root, endpoint, _)| *endpoint == path && roots.iter().any(|(r, _)| r == root))?;
    let bearer = headers.get("authorization").and_then(Value::as_str).and_then(|a| a.strip_prefix("Bearer ")).filter(|k| !k.is_empty());
    let authed = match (&store.twenty_key, bearer) {
        (Some(want), Some(got)) => want == got,
        (None, Some(_)) => true,
        (_, None) => false,
    };
    if !authed {
        return Some((401, json!({"errors": [{"message": "Unauthorized", "extensions": {"code": "UNAUTHENTICATED"}}]})));
    }
    store.twenty.get(root).map(|v| (200, v.clone()))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

impl Store {
    fn singular_of_plural(&self, plural: &str) -> Option<String> {
        self.snapshot.objects.iter().find(|o| o.name_plural == plural).map(|o| o.name_singular.clone())
    }
    fn records(&self, object: &str) -> Vec<Value> {
        self.data.get(object).cloned().unwrap_or_default()
    }
    /// A record with its relations attached (depth 1): MANY_TO_ONE as an object, ONE_TO_MANY
    /// as an array (REST) or a connection (GraphQL).
    fn with_relations(&self, object: &str, rec: &Value, connections: bool) -> Value {
        let mut out = rec.clone();
        let Some(o) = self.snapshot.object(object) else { return out };
        let id = rec.get("id").cloned().unwrap_or(Value::Null);
        for f in &o.fields {
            let Some(rel) = &f.relation else { continue };
            let value = match rel.kind {
                RelationKind::ManyToOne => {
                    let jc = rel.join_column.clone().unwrap_or_default();
                    let fk = rec.get(&jc).cloned().unwrap_or(Value::Null);
                    self.records(&rel.target).into_iter().find(|r| r.get("id") == Some(&fk) && !fk.is_null()).unwrap_or(Value::Null)
                }
                RelationKind::OneToMany => {
                    let inverse_jc = self
                        .snapshot
                        .object(&rel.target)
                        .and_then(|t| t.field(&rel.inverse))
                        .and_then(|f| f.relation.as_ref())
                        .and_then(|r| r.join_column.clone())
                        .unwrap_or_default();
                    let items: Vec<Value> = self.records(&rel.target).into_iter().filter(|r| r.get(&inverse_jc) == Some(&id)).collect();
                    if connections {
                        connection(items)
                    } else {
                        Value::Array(items)
                    }
                }
            };
            out[f.name.as_str()] = value;
        }
        out
    }
}

fn connection(items: Vec<Value>) -> Value {
    let n = items.len();
    let edges: Vec<Value> = items.into_iter().enumerate().map(|(i, node)| json!({"node": node, "cursor": format!("c{i}")})).collect();
    json!({"edges": edges, "pageInfo": {"hasNextPage": false, "hasPreviousPage": false, "startCursor": "c0", "endCursor": format!("c{}", n.saturating_sub(1))}, "totalCount": n})
}

fn rest(store: &Store, method: &str, path: &str, query: &str, body: &Value) -> (u16, Value) {
    let segs: Vec<&str> = path.trim_start_matches("/rest").split('/').filter(|s| !s.is_empty()).collect();
    let depth1 = query.split('&').any(|p| p == "depth=1");
    if segs.first() == Some(&"metadata") || segs.first() == Some(&"apiKeys") || segs.first() == Some(&"webhooks") {
        let area = segs.last().copied().unwrap_or("metadata");
        return (200, json!({"data": {area: []}, "totalCount": 0}));
    }
    let (batch, segs) = if segs.first() == Some(&"batch") { (true, &segs[1..]) } else { (false, &segs[..]) };
    let Some(plural) = segs.first() else {
        return (404, json!({"statusCode": 404, "error": "NotFoundException", "messages": ["no object"]}));
    };
    let Some(object) = store.singular_of_plural(plural) else {
        return (400, json!({"statusCode": 400, "error": "BadRequestException", "messages": [format!("object '{plural}' not found")]}));
    };
    let (s, p) = (capitalize(&object), capitalize(plural));
    let all = store.records(&object);
    let expand = |r: &Value| if depth1 { store.with_relations(&object, r, false) } else { r.clone() };
    match (method, segs.get(1).copied()) {
        ("GET", None) => {
            let items: Vec<Value> = all.iter().map(expand).collect();
            let n = items.len();
            (
                200,
                json!({"data": {*plural: items}, "totalCount": n, "pageInfo": {"hasNextPage": false, "startCursor": "c0", "endCursor": "c1"}}),
            )
        }
        ("GET", Some("groupBy")) => (200, json!([{"groupByDimensionValues": ["all"], "totalCount": all.len()}])),
        ("GET", Some(id)) => match all.iter().find(|r| r["id"] == id) {
            Some(r) => (200, json!({"data": {object.as_str(): expand(r)}})),
            None => (404, json!({"statusCode": 404, "error": "NotFoundException", "messages": ["Record not found"]})),
        },
        ("POST", None) if batch => {
            let items: Vec<Value> = body.as_array().cloned().unwrap_or_default().into_iter().map(|b| merged(all.first(), &b)).collect();
            (201, json!({"data": {format!("create{p}"): items}}))
        }
        ("POST", None) => (201, json!({"data": {format!("create{s}"): merged(all.first(), body)}})),
        ("POST", Some("duplicates")) => (200, json!({"data": [{format!("{object}Duplicates"): all, "totalCount": 0}]})),
        ("PATCH" | "PUT", Some("merge")) => (200, json!({"data": {format!("merge{p}"): all.first()}})),
        ("PATCH" | "PUT", Some(_)) => (200, json!({"data": {format!("update{s}"): merged(all.first(), body)}})),
        ("PATCH", None) => (200, json!({"data": {format!("update{p}"): all.iter().map(|r| merged(Some(r), body)).collect::<Vec<_>>()}})),
        ("DELETE", Some(id)) => (200, json!({"data": {format!("delete{s}"): {"id": id}}})),
        ("DELETE", None) => (200, json!({"data": {format!("delete{p}"): all.iter().map(|r| json!({"id": r["id"]})).collect::<Vec<_>>()}})),
        _ => (200, json!({"data": {}})),
    }
}

/// A full record (every field) with the body's values on top.
fn merged(base: Option<&Value>, body: &Value) -> Value {
    let mut out = base.cloned().unwrap_or_else(|| json!({}));
    if let (Some(o), Some(b)) = (out.as_object_mut(), body.as_object()) {
        for (k, v) in b {
            o.insert(k.clone(), v.clone());
        }
    }
    out
}

fn graphql_one(store: &Store, call: &Value) -> Value {
    let query = call.get("query").and_then(Value::as_str).unwrap_or("");
    let mut data = Map::new();
    for (name, key) in root_fields(query) {
        data.insert(key, graphql_root(store, &name));
    }
    json!({"data": data})
}

fn graphql_root(store: &Store, name: &str) -> Value {
    if name == "search" {
        let mut items = Vec::new();
        for (object, recs) in &store.data {
            for r in recs {
                let label = r
                    .get("name")
                    .map(|n| {
                        n.get("firstName").and_then(Value::as_str).map(String::from).unwrap_or_else(|| n.as_str().unwrap_or("").to_string())
                    })
                    .or_else(|| r.get("title").and_then(Value::as_str).map(String::from))
                    .unwrap_or_default();
                items.push(json!({"recordId": r["id"], "objectNameSingular": object, "label": label, "imageUrl": null, "tsRank": 0.5, "tsRankCD": 0.5}));
            }
        }
        return connection(items);
    }
    for o in &store.snapshot.objects {
        let (s, p) = (o.name_singular.as_str(), o.name_plural.as_str());
        let (cs, cp) = (capitalize(s), capitalize(p));
        let all: Vec<Value> = store.records(s).iter().map(|r| store.with_relations(s, r, true)).collect();
        if name == p {
            return connection(all);
        }
        if name == format!("{s}Duplicates") {
            return json!([connection(all)]);
        }
        if name == format!("{p}GroupBy") {
            return json!([{"groupByDimensionValues": ["all"], "totalCount": all.len()}]);
        }
        let one = ["", "create", "update", "delete", "destroy", "restore"]
            .iter()
            .any(|v| name == format!("{v}{cs}") || (v.is_empty() && name == s));
        if one {
            return all.into_iter().next().unwrap_or(Value::Null);
        }
        let many = ["create", "update", "delete", "destroy", "restore"].iter().any(|v| name == format!("{v}{cp}"));
        if many {
            return Value::Array(all);
        }
        if name == format!("merge{cp}") {
            return all.into_iter().next().unwrap_or(Value::Null);
        }
    }
    Value::Null
}

/// A minimal MCP server over the sample data: every tool of every object, every field.
fn mcp_one(store: &Store, m: &Value) -> Option<Value> {
    let id = m.get("id")?.clone();
    let method = m.get("method").and_then(Value::as_str).unwrap_or("");
    let result = match method {
        "initialize" => {
            json!({"protocolVersion": "2025-06-18", "capabilities": {"tools": {}}, "serverInfo": {"name": "sample-upstream (a stand-in for Twenty)", "version": "0"}})
        }
        "ping" => json!({}),
        "tools/list" => {
            let mut tools = Vec::new();
            for o in &store.snapshot.objects {
                let props: Map<String, Value> = o.fields.iter().map(|f| (f.name.clone(), json!({"description": f.field_type}))).collect();
                let (s, p) = (&o.name_singular, &o.name_plural);
                tools.push(json!({"name": format!("find_{p}"), "inputSchema": {"type": "object", "properties": {"filter": {"type": "object", "properties": props.clone()}, "limit": {"type": "number"}}}}));
                tools.push(
                    json!({"name": format!("find_one_{s}"), "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}}),
                );
                for verb in ["create", "update"] {
                    tools.push(json!({"name": format!("{verb}_{s}"), "inputSchema": {"type": "object", "properties": props.clone()}}));
                }
                tools.push(json!({"name": format!("soft_delete_{s}"), "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}}));
            }
            for t in ["send_email", "http_request"] {
                tools.push(json!({"name": t, "inputSchema": {"type": "object"}}));
            }
            json!({"tools": tools})
        }
        "tools/call" => {
            let name = m.get("params").and_then(|p| p.get("name")).and_then(Value::as_str).unwrap_or("");
            let object = store.snapshot.objects.iter().find(|o| {
                name == format!("find_{}", o.name_plural)
                    || ["find_one", "create", "update", "soft_delete"].iter().any(|v| name == format!("{v}_{}", o.name_singular))
            });
            match object {
                Some(o) => {
                    let all: Vec<Value> =
                        store.records(&o.name_singular).iter().map(|r| store.with_relations(&o.name_singular, r, false)).collect();
                    let payload = if name.starts_with("find_") && !name.starts_with("find_one_") {
                        Value::Array(all)
                    } else {
                        all.into_iter().next().unwrap_or(Value::Null)
                    };
                    json!({"content": [{"type": "text", "text": payload.to_string()}], "structuredContent": {"records": payload}})
                }
                None => json!({"content": [{"type": "text", "text": "{\"ok\": true}"}]}),
            }
        }
        other => return Some(json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("unknown method {other}")}})),
    };
    Some(json!({"jsonrpc": "2.0", "id": id, "result": result}))
}

fn main() {
    let mut port = 8788u16;
    let mut snapshot = String::from("../shared/fixtures/workspace.json");
    let mut data = String::from("fixtures/sample-data.json");
    let mut twenty_dir: Option<String> = None;
    let mut twenty_key: Option<String> = None;
    let mut delay_ms = 0u64;
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--port" => port = v.parse().unwrap_or_else(|_| fail(&format!("--port {v} is not a port"))),
            "--snapshot" => snapshot = v,
            "--data" => data = v,
            "--twenty-metadata" => twenty_dir = Some(v),
            "--twenty-api-key" => twenty_key = Some(v),
            "--delay-ms" => {
                delay_ms = v.parse().ok().filter(|d| *d <= 60_000).unwrap_or_else(|| fail(&format!("--delay-ms {v} is not 0 to 60000")))
            }
            "--help" | "-h" => {
                println!("rolegate-sample-upstream --port 8788 --snapshot FILE --data FILE [--twenty-metadata DIR [--twenty-api-key KEY]] [--delay-ms N]\nA stand-in for a Twenty server, for tests and the local demo.\n--delay-ms answers every request N ms late, like a real server's own work (for load tests).");
                return;
            }
            other => fail(&format!("unknown argument {other}")),
        }
        i += 2;
    }
    let snap_text = std::fs::read_to_string(&snapshot).unwrap_or_else(|e| fail(&format!("cannot read {snapshot}: {e}")));
    let snapshot = Snapshot::from_json(&snap_text).unwrap_or_else(|e| fail(&format!("{snapshot}: {e}")));
    let data_text = std::fs::read_to_string(&data).unwrap_or_else(|e| fail(&format!("cannot read {data}: {e}")));
    let data_v: Value = serde_json::from_str(&data_text).unwrap_or_else(|e| fail(&format!("{data}: {e}")));
    let data =
        data_v.as_object().map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_array()?.clone()))).collect()).unwrap_or_default();
    let mut twenty = HashMap::new();
    if let Some(dir) = &twenty_dir {
        for (root, _, file) in TWENTY_FILES {
            let p = std::path::Path::new(dir).join(file);
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", p.display())));
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{}: {e}", p.display())));
            twenty.insert(root, v);
        }
    }
    let store = std::sync::Arc::new(Store { snapshot, data, twenty, twenty_key });
    let server = std::sync::Arc::new(
        tiny_http::Server::from_listener(listener(port).unwrap_or_else(|e| fail(&format!("cannot listen on 127.0.0.1:{port}: {e}"))), None)
            .unwrap_or_else(|e| fail(&format!("cannot serve on 127.0.0.1:{port}: {e}"))),
    );
    eprintln!("sample upstream (a stand-in for Twenty) listening on http://127.0.0.1:{port}");
    let recorded = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    // With a delay, requests wait in their thread: enough threads for a concurrency-32 load test.
    let delay = std::time::Duration::from_millis(delay_ms);
    let threads: Vec<_> = (0..if delay_ms > 0 { 64 } else { 4 })
        .map(|_| {
            let (server, store, recorded) = (server.clone(), store.clone(), recorded.clone());
            std::thread::spawn(move || serve(&server, &store, &recorded, delay))
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

fn serve(server: &tiny_http::Server, store: &Store, recorded: &std::sync::Mutex<Vec<Value>>, delay: std::time::Duration) {
    for mut req in server.incoming_requests() {
        let method = req.method().as_str().to_string();
        let url = req.url().to_string();
        let (path, query) = url.split_once('?').map(|(p, q)| (p.to_string(), q.to_string())).unwrap_or((url.clone(), String::new()));
        let mut body_bytes = Vec::new();
        let _ = req.as_reader().take(8 << 20).read_to_end(&mut body_bytes);
        let headers: Map<String, Value> = req
            .headers()
            .iter()
            .map(|h| (h.field.as_str().as_str().to_ascii_lowercase(), Value::String(h.value.as_str().to_string())))
            .collect();
        let (status, body) = if path == "/__upstream/requests" {
            let mut rec = recorded.lock().unwrap_or_else(|e| e.into_inner());
            if method == "DELETE" {
                rec.clear();
            }
            (200, Value::Array(rec.clone()))
        } else if path == "/__upstream/health" {
            (200, json!({"ok": true, "stand_in_for": "Twenty"}))
        } else {
            if !delay.is_zero() {
                std::thread::sleep(delay);
            }
            recorded.lock().unwrap_or_else(|e| e.into_inner()).push(
                json!({"method": method, "path": path, "query": query, "headers": headers, "body": String::from_utf8_lossy(&body_bytes)}),
            );
            let body: Value = serde_json::from_slice(&body_bytes).unwrap_or(Value::Null);
            if let Some(answer) = twenty_answer(store, &path, &headers, &body) {
                answer
            } else if path == "/rest" || path.starts_with("/rest/") {
                rest(store, &method, &path, &query, &body)
            } else if path == "/mcp" {
                match &body {
                    Value::Array(ms) => (200, Value::Array(ms.iter().filter_map(|m| mcp_one(store, m)).collect())),
                    m => match mcp_one(store, m) {
                        Some(r) => (200, r),
                        None => (202, Value::Null),
                    },
                }
            } else if path == "/graphql" || path == "/metadata" {
                match &body {
                    Value::Array(calls) => (200, Value::Array(calls.iter().map(|c| graphql_one(store, c)).collect())),
                    _ => (200, graphql_one(store, &body)),
                }
            } else {
                (404, json!({"statusCode": 404, "error": "NotFoundException", "messages": [format!("Cannot {method} {path}")]}))
            }
        };
        let text = serde_json::to_string(&body).unwrap_or_default();
        let header = tiny_http::Header::from_bytes(&b"content-type"[..], &b"application/json; charset=utf-8"[..]).expect("static header");
        // One connection per request: tiny_http writes responses in pieces without TCP_NODELAY,
        // which stalls keep-alive clients for ~40 ms (Nagle + delayed ACK).
        let close = tiny_http::Header::from_bytes(&b"connection"[..], &b"close"[..]).expect("static header");
        // For the gateway's tests: `x-upstream-status: N` answers with that status instead
        // (a redirect, say, which the gateway must pass on rather than follow).
        let status = headers.get("x-upstream-status").and_then(Value::as_str).and_then(|s| s.parse::<u16>().ok()).unwrap_or(status);
        let mut response = tiny_http::Response::from_string(text).with_status_code(status).with_header(header).with_header(close);
        // For the gateway's tests: `x-upstream-response-headers: [["name","value"], ...]` adds
        // those headers to the answer (what a real upstream might send: cookies, its own
        // x-rolegate-* attempts, hop-by-hop headers).
        if let Some(extra) = headers.get("x-upstream-response-headers").and_then(Value::as_str) {
            for pair in serde_json::from_str::<Vec<(String, String)>>(extra).unwrap_or_default() {
                if let Ok(h) = tiny_http::Header::from_bytes(pair.0.as_bytes(), pair.1.as_bytes()) {
                    response.add_header(h);
                }
            }
        }
        let _ = req.respond(response);
    }
}

/// A listener on 127.0.0.1 whose connections have TCP_NODELAY (Linux passes it on to accepted
/// sockets): tiny_http writes a response in several pieces, and without it Nagle's algorithm
/// and the client's delayed ACK stall every other response by ~40 ms, which would drown any
/// latency measurement through this upstream.
fn listener(port: u16) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    s.set_reuse_address(true)?;
    s.set_nodelay(true)?;
    s.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    s.listen(1024)?;
    Ok(s.into())
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(2)
}
