//! Agents at the gateway: agent tokens, workflow scoping (an agent never exceeds its own role),
//! and MCP enforcement.

mod common;

use common::*;
use rolegate_core::Policy;
use rolegate_gateway::auth::mint_agent_token;
use rolegate_gateway::{AgentKeys, Compiled, Config, Gateway, Outcome, Plan, Request, TokenKeys};
use serde_json::{json, Value};

const AGENT_SECRET: &str = "agent-secret";

fn compiled_agents() -> Compiled {
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/workspace-agents.json")).unwrap();
    Compiled::new(Policy::from_json(&text).unwrap())
}

/// The gateway's own upstream key: a Twenty API key token for `workspace`.
fn upstream_key(workspace: &str) -> String {
    rolegate_gateway::auth::mint_api_key_token(
        APP_SECRET,
        workspace,
        "20202020-aaaa-4000-8000-00000000beef",
        NOW - 100,
        NOW + 3600,
        "API_KEY",
    )
}

fn gw_for(upstream_workspace: &str) -> Gateway {
    let agents = AgentKeys::new(AGENT_SECRET.into(), &upstream_key(upstream_workspace)).unwrap();
    Gateway::new(Config {
        token_keys: TokenKeys { app_secret: Some(APP_SECRET.into()), es256: vec![], agents: Some(agents) },
        ..Config::default()
    })
}

fn gw() -> Gateway {
    gw_for(WS)
}

fn agent_token(agent: &str, workflow: Option<&str>, member: Option<&str>) -> String {
    mint_agent_token(AGENT_SECRET, WS, agent, workflow, member, NOW - 10, NOW + 900, "t1")
}

fn research() -> String {
    agent_token("agent-research", Some("wf-research"), None)
}

fn send(r: Request) -> Outcome {
    gw().handle(&compiled_agents(), &r, NOW)
}

fn with(token: &str, r: Request) -> Request {
    r.header("authorization", &format!("Bearer {token}"))
}

fn status(o: &Outcome) -> u16 {
    match o {
        Outcome::Forward { .. } => 0,
        Outcome::Respond { response, .. } => response.status,
    }
}

#[test]
fn research_agent_in_a_member_workflow_keeps_its_intern_limits() {
    let t = research();
    // REST
    assert_eq!(status(&send(with(&t, Request::new("GET", "/rest/opportunities")))), 403);
    let patch = with(&t, Request::new("PATCH", &format!("/rest/people/{UUID}")))
        .header("content-type", "application/json")
        .body(r#"{"emails":{"primaryEmail":"x@y"}}"#);
    assert_eq!(status(&send(patch)), 403);
    let ok = with(&t, Request::new("PATCH", &format!("/rest/people/{UUID}")))
        .header("content-type", "application/json")
        .body(r#"{"jobTitle":"x"}"#);
    let Outcome::Forward { record, .. } = send(ok) else { panic!("jobTitle update allowed") };
    assert_eq!(record.agent_id.as_deref(), Some("agent-research"));
    assert_eq!(record.workflow_id.as_deref(), Some("wf-research"));
    assert_eq!(record.roles, ["intern", "member"]);
    // GraphQL
    let g = with(&t, Request::new("POST", "/graphql"))
        .header("content-type", "application/json")
        .body(json!({"query": "{ people { edges { node { address { addressCity } } } } }"}).to_string());
    match send(g) {
        Outcome::Respond { response, .. } => assert_eq!(response.body_json()["errors"][0]["extensions"]["code"], "FORBIDDEN"),
        _ => panic!("address readable"),
    }
    // MCP
    let call = |name: &str, args: Value| {
        with(&t, Request::new("POST", "/mcp"))
            .header("content-type", "application/json")
            .body(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": name, "arguments": args}}).to_string())
    };
    for (name, args, needle) in [
        ("find_opportunities", json!({}), "read \"opportunity\""),
        ("update_person", json!({"id": UUID, "emails": {"primaryEmail": "x"}}), "write field \"emails\""),
        ("update_person", json!({"id": UUID, "data": {"address": {}}}), "write field \"address\""),
        // beside `data`, nothing but the id (Twenty merges the rest into the record)
        (
            "update_person",
            json!({"id": UUID, "data": {"jobTitle": "x"}, "emails": {"primaryEmail": "evil@x.io"}}),
            "unknown argument \"emails\" beside \"data\"",
        ),
        ("create_person", json!({"data": {"jobTitle": "x"}, "address": {}}), "unknown argument \"address\" beside \"data\""),
        // connect.where: only fields readable on the target (the Intern hides person.address)
        (
            "create_taskTarget",
            json!({"data": {"person": {"connect": {"where": {"address": {"addressCity": "Paris"}}}}}}),
            "no permission to read field \"address\" on \"person\"",
        ),
        ("find_people", json!({"filter": {"address": {"addressCity": {"eq": "Paris"}}}}), "read field \"address\""),
        ("find_people", json!({"address": "Paris"}), "read field \"address\""),
        // who made a record is the server's to say (found in review)
        ("update_person", json!({"id": UUID, "data": {"createdBy": {"source": "MANUAL", "name": "Ada"}}}), "set by the server"),
        // a cursor's keys are conditions to Twenty (found in review)
        ("find_people", json!({"after": base64_standard(br#"{"id":"x","address":{"addressCity":"Paris"}}"#)}), "read field \"address\""),
        ("find_people", json!({"before": "not a cursor"}), "not base64"),
        // a relation argument is a filter on the related records, checked as one (found in review)
        ("find_companies", json!({"people": {"address": {"addressCity": {"eq": "Paris"}}}}), "read field \"address\""),
        (
            "find_taskTargets",
            json!({"person": {"or": [{"jobTitle": {"eq": "x"}}, {"address": {"addressCity": {"eq": "Paris"}}}]}}),
            "read field \"address\"",
        ),
        ("soft_delete_person", json!({"id": UUID}), "soft delete"),
        ("send_email", json!({"to": "x"}), "SEND_EMAIL_TOOL"),
        ("drop_database", json!({}), "not allowed"),
    ] {
        match send(call(name, args)) {
            Outcome::Respond { response, record } => {
                assert_eq!(response.status, 200);
                let b = response.body_json();
                assert_eq!(b["id"], 7, "{name}");
                assert_eq!(b["error"]["data"]["code"], "PERMISSION_DENIED", "{name}");
                assert!(b["error"]["message"].as_str().unwrap().contains(needle), "{name}: {b}");
                assert_eq!(record.tools, [name]);
                assert_eq!(record.mcp_methods, ["tools/call"]);
            }
            Outcome::Forward { .. } => panic!("{name} allowed"),
        }
    }
    assert!(matches!(send(call("find_people", json!({"filter": {"city": {"eq": "Paris"}}, "limit": 5}))), Outcome::Forward { .. }));
    assert!(matches!(send(call("find_companies", json!({"people": {"jobTitle": {"eq": "CTO"}}}))), Outcome::Forward { .. }));
    assert!(matches!(send(call("update_person", json!({"id": UUID, "jobTitle": "CTO"}))), Outcome::Forward { .. }));
    assert!(matches!(send(call("update_person", json!({"id": UUID, "data": {"jobTitle": "CTO"}}))), Outcome::Forward { .. }));
}

#[test]
fn agent_tokens_are_checked() {
    let c = compiled_agents();
    let run = |t: &str| status(&gw().handle(&c, &with(t, Request::new("GET", "/rest/people")), NOW));
    assert_eq!(run(&research()), 0);
    assert_eq!(run(&agent_token("agent-sales", None, Some("m-bob"))), 0);
    assert_eq!(run(&mint_agent_token("forged", WS, "agent-research", None, None, NOW, NOW + 60, "x")), 401);
    assert_eq!(run(&mint_agent_token(AGENT_SECRET, WS, "agent-research", None, None, NOW - 100, NOW - 1, "x")), 401);
    assert_eq!(
        run(&mint_agent_token(AGENT_SECRET, "11111111-1111-4111-8111-111111111111", "agent-research", None, None, NOW, NOW + 60, "x")),
        401
    );
    assert_eq!(run(&agent_token("agent-ghost", None, None)), 401);
    // an nbf still to come is refused, one that has come passes
    let with_nbf = |nbf: i64| {
        let claims = json!({"type": "AGENT", "workspaceId": WS, "agentId": "agent-research", "iat": NOW - 10, "nbf": nbf, "exp": NOW + 60, "jti": "n"});
        hs256_token(AGENT_SECRET, &claims)
    };
    assert_eq!(run(&with_nbf(NOW + 5)), 401);
    assert_eq!(run(&with_nbf(NOW)), 0);
    // at most 24 h from iat, and iat not in the future: a leaked token is bounded (no revocation)
    assert_eq!(run(&mint_agent_token(AGENT_SECRET, WS, "agent-research", None, None, NOW - 10, NOW - 10 + 24 * 3600, "x")), 0);
    assert_eq!(run(&mint_agent_token(AGENT_SECRET, WS, "agent-research", None, None, NOW - 10, NOW - 10 + 24 * 3600 + 1, "x")), 401);
    assert_eq!(run(&mint_agent_token(AGENT_SECRET, WS, "agent-research", None, None, NOW + 3600, NOW + 7200, "x")), 401);
    assert_eq!(run(&agent_token("agent-research", Some("wf-ghost"), None)), 401);
    // an agent without a role authenticates and is denied everything
    assert_eq!(run(&agent_token("agent-idle", None, None)), 403);
    // agent tokens are never accepted in URLs
    let q = Request::new("GET", &format!("/rest/people?token={}", research()));
    assert_eq!(status(&gw().handle(&c, &q, NOW)), 401);
    // without AGENT_TOKEN_SECRET configured, agent tokens cannot be verified
    let no_secret = Gateway::new(Config {
        token_keys: TokenKeys { app_secret: Some(APP_SECRET.into()), es256: vec![], agents: None },
        ..Config::default()
    });
    assert_eq!(status(&no_secret.handle(&c, &with(&research(), Request::new("GET", "/rest/people")), NOW)), 401);
    // a gateway whose upstream key is for another workspace serves no agent of this one: the
    // upstream would run the request there, under rules checked against this snapshot
    let elsewhere = gw_for("11111111-1111-4111-8111-111111111111");
    match elsewhere.handle(&c, &with(&research(), Request::new("GET", "/rest/people")), NOW) {
        Outcome::Respond { response, record } => {
            assert_eq!(response.status, 401);
            assert!(record.reason.as_deref().unwrap_or("").starts_with("WRONG_WORKSPACE"), "{:?}", record.reason);
            assert!(response.body_json()["messages"][0].as_str().unwrap().contains("11111111-1111-4111-8111-111111111111"));
        }
        Outcome::Forward { .. } => panic!("an agent of another workspace was forwarded"),
    }
    // the upstream key must name its workspace
    assert!(AgentKeys::new(AGENT_SECRET.into(), "not-a-token").unwrap_err().contains("UPSTREAM_AGENT_API_KEY"));
    assert_eq!(AgentKeys::new(AGENT_SECRET.into(), &upstream_key(WS)).unwrap().workspace_id, WS);
}

fn mcp_body(v: Value) -> Request {
    with(&token(ZAPIER), Request::new("POST", "/mcp")).header("content-type", "application/json").body(v.to_string())
}

#[test]
fn mcp_tools_list_is_filtered_and_pruned() {
    let c = compiled();
    let g = gateway();
    let Outcome::Forward { plan, subject, .. } = g.handle(&c, &mcp_body(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})), NOW)
    else {
        panic!()
    };
    let tools = json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": [
        {"name": "find_people", "inputSchema": {"type": "object", "properties": {"filter": {"type": "object", "properties": {"address": {}, "city": {}}}, "limit": {}, "address": {}, "jobTitle": {}}}},
        {"name": "create_person", "inputSchema": {"type": "object", "properties": {"emails": {}, "jobTitle": {}, "address": {}}, "required": ["emails", "jobTitle"]}},
        {"name": "soft_delete_person", "inputSchema": {}},
        {"name": "find_opportunities", "inputSchema": {}},
        {"name": "find_companies", "inputSchema": {}},
        {"name": "send_email", "inputSchema": {}},
        {"name": "mystery_tool", "inputSchema": {}}
    ]}});
    let r = g.redact_response(&c, &subject, &plan, 200, Some("application/json"), tools.to_string().as_bytes()).unwrap();
    assert!(r.changed);
    let v: Value = serde_json::from_slice(&r.body.unwrap()).unwrap();
    let names: Vec<&str> = v["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["find_people", "create_person", "find_companies"]);
    let find = &v["result"]["tools"][0]["inputSchema"]["properties"];
    assert!(find.get("address").is_none() && find["filter"]["properties"].get("address").is_none());
    assert!(find.get("jobTitle").is_some() && find["filter"]["properties"].get("city").is_some() && find.get("limit").is_some());
    let create = &v["result"]["tools"][1]["inputSchema"];
    assert_eq!(create["properties"].as_object().unwrap().keys().collect::<Vec<_>>(), ["jobTitle"]);
    assert_eq!(create["required"], json!(["jobTitle"]));
}

#[test]
fn mcp_results_are_redacted_including_json_in_text() {
    let c = compiled();
    let g = gateway();
    let req = mcp_body(
        json!({"jsonrpc": "2.0", "id": "a", "method": "tools/call", "params": {"name": "find_people", "arguments": {"limit": 2}}}),
    );
    let Outcome::Forward { plan, subject, record, .. } = g.handle(&c, &req, NOW) else { panic!() };
    assert!(matches!(plan, Plan::Mcp(_)));
    assert_eq!(record.objects, ["person"]);
    let rec = json!([{"id": "1", "jobTitle": "CEO", "address": {"addressCity": "Paris"}, "company": {"id": "c", "opportunities": [{"id": "o"}]}}]);
    let upstream = json!({"jsonrpc": "2.0", "id": "a", "result": {
        "content": [{"type": "text", "text": rec.to_string()}, {"type": "text", "text": "Ada lives in Paris"}, {"type": "image", "data": "..."}],
        "structuredContent": {"records": rec, "totalCount": 1}
    }});
    let r = g.redact_response(&c, &subject, &plan, 200, Some("application/json"), upstream.to_string().as_bytes()).unwrap();
    let v: Value = serde_json::from_slice(&r.body.unwrap()).unwrap();
    let text: Value = serde_json::from_str(v["result"]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text, json!([{"id": "1", "jobTitle": "CEO", "company": {"id": "c"}}]));
    assert_eq!(v["result"]["content"].as_array().unwrap().len(), 1, "prose and images do not pass");
    assert_eq!(v["result"]["structuredContent"]["records"], json!([{"id": "1", "jobTitle": "CEO", "company": {"id": "c"}}]));
    assert_eq!(v["result"]["structuredContent"]["totalCount"], 1);
    // a reply is matched to its request as the upstream numbers it: id 1.0 is answered as 1
    let req = mcp_body(json!({"jsonrpc": "2.0", "id": 1.0, "method": "tools/call", "params": {"name": "find_people", "arguments": {}}}));
    let Outcome::Forward { plan: p1, .. } = g.handle(&c, &req, NOW) else { panic!() };
    let up = json!({"jsonrpc": "2.0", "id": 1, "result": {"structuredContent": {"records": rec}}});
    let r = g.redact_response(&c, &subject, &p1, 200, Some("application/json"), up.to_string().as_bytes()).unwrap();
    let v: Value = serde_json::from_slice(&r.body.unwrap()).unwrap();
    assert_eq!(v["result"]["structuredContent"]["records"], json!([{"id": "1", "jobTitle": "CEO", "company": {"id": "c"}}]));
    // event streams cannot be checked
    assert!(g.redact_response(&c, &subject, &plan, 200, Some("text/event-stream"), b"data: {}\n\n").is_err());
}

#[test]
fn mcp_result_shapes_the_gateway_does_not_check_do_not_pass() {
    let c = compiled();
    let g = gateway();
    let req = mcp_body(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "find_people", "arguments": {}}}));
    let Outcome::Forward { plan, subject, .. } = g.handle(&c, &req, NOW) else { panic!() };
    let rec = json!({"id": "1", "jobTitle": "CEO", "address": {"addressCity": "Paris"}});
    let redacted = |up: Value| -> Value {
        let r = g.redact_response(&c, &subject, &plan, 200, Some("application/json"), up.to_string().as_bytes()).unwrap();
        serde_json::from_slice(&r.body.unwrap()).unwrap()
    };
    // a result that is an array of records, or records under a key other than the checked ones
    assert_eq!(redacted(json!({"jsonrpc": "2.0", "id": 1, "result": [rec]}))["result"], Value::Null);
    let v = redacted(json!({"jsonrpc": "2.0", "id": 1, "result": {"records": [rec], "_meta": {"r": rec}, "isError": false}}));
    assert_eq!(v["result"], json!({"isError": false}));
    // an error keeps its code and message, not its free-form data
    let v = redacted(json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "failed", "data": {"record": rec}}}));
    assert_eq!(v["error"], json!({"code": -32000, "message": "failed"}));
    // a message that is not a JSON-RPC object
    assert_eq!(redacted(json!([rec.to_string(), 5])), json!([null, null]));
    assert!(!String::from_utf8(serde_json::to_vec(&redacted(json!({"id": 1, "result": {"x": rec}}))).unwrap()).unwrap().contains("Paris"));
}

#[test]
fn mcp_protocol_methods_batches_and_unknown_methods() {
    let c = compiled();
    let ok = mcp_body(
        json!([{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}, {"jsonrpc": "2.0", "method": "notifications/initialized"}, {"jsonrpc": "2.0", "id": 2, "method": "ping"}]),
    );
    assert!(matches!(gateway().handle(&c, &ok, NOW), Outcome::Forward { .. }));
    for bad in [
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "x"}}),
        json!({"jsonrpc": "1.0", "id": 1, "method": "ping"}),
        json!({"id": 1, "method": "ping"}),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call"}),
        json!([]),
        json!([{"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "find_opportunities"}}]),
        // repeated ids (found in review: the tool result was matched to the ping's plan and
        // passed unredacted), also as the upstream compares them
        json!([{"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "find_people", "arguments": {}}}]),
        json!([{"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"jsonrpc": "2.0", "id": 1.0, "method": "tools/call", "params": {"name": "find_people", "arguments": {}}}]),
        json!([{"jsonrpc": "2.0", "method": "notifications/initialized"}, {"jsonrpc": "2.0", "id": null, "method": "tools/call", "params": {"name": "find_people", "arguments": {}}}]),
    ] {
        match gateway().handle(&c, &mcp_body(bad.clone()), NOW) {
            Outcome::Respond { response, .. } => {
                let b = response.body_json();
                let first = if b.is_array() { b[1].clone() } else { b.clone() };
                assert!(first["error"].is_object() || b[0]["error"].is_object(), "{bad}: {b}");
            }
            Outcome::Forward { .. } => panic!("{bad} allowed"),
        }
    }
    let get = with(&token(ZAPIER), Request::new("GET", "/mcp"));
    assert!(matches!(gateway().handle(&c, &get, NOW), Outcome::Respond { .. }));
}
