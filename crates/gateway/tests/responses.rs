//! `inspects_response` agrees with `redact_response`: whenever the gateway says it does not
//! need a response body, redaction would have passed any body on unchanged (so an adapter may
//! stream it through), and every 2xx JSON response of a plan that checks bodies is inspected.

mod common;

use common::*;
use serde_json::json;

#[test]
fn a_body_is_skipped_only_when_redaction_would_not_touch_it() {
    let people = assert_allowed(&req("GET", "/rest/people", ZAPIER));
    let settings = assert_allowed(&req("GET", "/rest/metadata/apiKeys", WAREHOUSE));
    let graphql = assert_allowed(&gql(ZAPIER, "{ people { edges { node { id name { firstName } } } } }", json!({})));
    let mcp = assert_allowed(&json_req("POST", "/mcp", ZAPIER, &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})));
    // A body with something the Intern key may not read, in every shape a plan expects.
    let hostile = serde_json::to_vec(&json!({
        "data": {"people": [{"id": "1", "address": {"addressCity": "London"}}]},
        "jsonrpc": "2.0", "id": 1, "result": {"tools": [{"name": "find_opportunities", "inputSchema": {}}]}
    }))
    .unwrap();
    let c = compiled();
    let g = gateway();
    let s = c.policy.resolve(&rolegate_core::Principal::ApiKey(ZAPIER.into()), NOW).unwrap();
    let mut skipped = 0;
    for (name, plan) in [("people", &people), ("settings", &settings), ("graphql", &graphql), ("mcp", &mcp)] {
        for status in [200, 201, 204, 304, 400, 403, 404, 500, 502] {
            for ct in [
                Some("application/json"),
                Some("application/json; charset=utf-8"),
                Some("application/problem+json"),
                Some("text/html"),
                Some("text/event-stream"),
                None,
            ] {
                if g.inspects_response(plan, status, ct) {
                    continue;
                }
                skipped += 1;
                let r = g.redact_response(&c, &s, plan, status, ct, &hostile).unwrap_or_else(|e| panic!("{name} {status} {ct:?}: {e}"));
                assert!(r.body.is_none() && !r.changed, "{name} {status} {ct:?}: skipping the body would have skipped a redaction");
            }
        }
    }
    assert!(skipped > 0);
    // What must be inspected is.
    for plan in [&people, &graphql, &mcp] {
        assert!(g.inspects_response(plan, 200, Some("application/json; charset=utf-8")));
        assert!(g.inspects_response(plan, 200, None), "no content type is checked as JSON");
    }
    assert!(g.inspects_response(&mcp, 200, Some("text/event-stream")), "MCP must be JSON: a stream is refused, not passed");
    assert!(!g.inspects_response(&settings, 200, Some("application/json")), "settings routes pass through once their flag is checked");
    // A checked route whose successful answer is not JSON is refused, never passed through.
    for plan in [&people, &graphql, &mcp] {
        assert!(g.inspects_response(plan, 200, Some("text/html")));
        assert!(g.redact_response(&c, &s, plan, 200, Some("text/html"), &hostile).is_err());
    }
}

/// The upstream's JSON is redacted as Twenty wrote it: a value that is an object whose first key
/// is `$serde_json::private::RawValue` (user data can hold any key, e.g. in a RAW_JSON field)
/// stays that object. serde_json's Value parser would have replaced it with the JSON in its
/// string, or failed the response if the string is not JSON.
#[test]
fn upstream_json_is_read_literally() {
    let plan = assert_allowed(&gql(ZAPIER, "{ people { edges { node { id name { firstName } } } } }", json!({})));
    let odd = json!({"$serde_json::private::RawValue": "not JSON"});
    let body = serde_json::to_vec(&json!({"data": {"people": {"edges": [{"node": {"id": "1", "name": {"firstName": odd}}}]}}})).unwrap();
    let c = compiled();
    let s = c.policy.resolve(&rolegate_core::Principal::ApiKey(ZAPIER.into()), NOW).unwrap();
    let r = gateway().redact_response(&c, &s, &plan, 200, Some("application/json"), &body).unwrap();
    let out = rolegate_core::tree::value_from_slice(r.body.as_deref().unwrap_or(&body)).unwrap();
    assert_eq!(out["data"]["people"]["edges"][0]["node"]["name"]["firstName"], odd);
}

/// An MCP tools/call for the Intern against `c`, its tool output redacted as Twenty sends it
/// (`content: [{type: "text", text: JSON.stringify(output)}]`); the redacted output.
fn mcp_tool_output(c: &rolegate_gateway::Compiled, tool: &str, output: &serde_json::Value) -> serde_json::Value {
    let g = gateway();
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": {"limit": 5}}});
    let rolegate_gateway::Outcome::Forward { plan, subject, .. } = g.handle(c, &json_req("POST", "/mcp", ZAPIER, &call), NOW) else {
        panic!("denied")
    };
    let up = json!({"id": 7, "jsonrpc": "2.0", "result": {"content": [{"type": "text", "text": output.to_string()}], "isError": false}});
    let r = g.redact_response(c, &subject, &plan, 200, Some("application/json"), up.to_string().as_bytes()).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.body.unwrap()).unwrap();
    serde_json::from_str(v["result"]["content"][0]["text"].as_str().unwrap()).unwrap()
}

/// Twenty's find tool output (record-crud FindRecordsService): records two levels down.
fn twenty_find_output(records: serde_json::Value) -> serde_json::Value {
    json!({
        "success": true,
        "message": "Found 1 person records",
        "result": {"records": records, "count": 1},
        "recordReferences": [{"objectNameSingular": "person", "recordId": "1", "displayName": "Ada Lovelace"}]
    })
}

#[test]
fn mcp_find_output_keeps_its_records_redacted_whatever_the_object_fields_are_named() {
    let rec = json!([{"id": "1", "jobTitle": "CEO", "address": {"addressCity": "Paris"}}]);
    // as Twenty shapes it: the records come back, without the hidden address
    let out = mcp_tool_output(&compiled(), "find_people", &twenty_find_output(rec.clone()));
    assert_eq!(out["result"], json!({"records": [{"id": "1", "jobTitle": "CEO"}], "count": 1}), "{out}");
    assert_eq!((&out["success"], &out["message"]), (&json!(true), &json!("Found 1 person records")));
    // a person field named like the envelope's keys (result, records, count; count hidden)
    // makes no envelope a record
    let mut snap: serde_json::Value = serde_json::from_str(&fixture_json()).unwrap();
    let person = snap["objects"].as_array_mut().unwrap().iter_mut().find(|o| o["nameSingular"] == "person").unwrap();
    for name in ["result", "records", "count"] {
        person["fields"].as_array_mut().unwrap().push(json!({"name": name, "type": "TEXT"}));
    }
    let intern = snap["roles"].as_array_mut().unwrap().iter_mut().find(|r| r["id"] == "intern").unwrap();
    intern["fieldPermissions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"object": "person", "field": "count", "canRead": false, "canUpdate": false}));
    let c = rolegate_gateway::Compiled::new(rolegate_core::Policy::from_json(&snap.to_string()).unwrap());
    let out = mcp_tool_output(&c, "find_people", &twenty_find_output(rec));
    assert!(!out.to_string().contains("Paris"), "hidden address passed: {out}");
    assert_eq!(out["result"], json!({"records": [{"id": "1", "jobTitle": "CEO"}], "count": null}), "{out}");
}

/// tools/list: the find tool's orderBy items and its `<field>Filter` definitions do not name
/// fields the principal may not read (Twenty's own schema lists every sortable field).
#[test]
fn mcp_tools_list_prunes_order_by_items_and_filter_definitions() {
    let c = compiled();
    let g = gateway();
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let rolegate_gateway::Outcome::Forward { plan, subject, .. } = g.handle(&c, &json_req("POST", "/mcp", ZAPIER, &list), NOW) else {
        panic!("denied")
    };
    let tools = json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": [
        {"name": "find_people", "inputSchema": {"type": "object", "properties": {
            "limit": {"type": "integer"},
            "orderBy": {"type": "array", "items": {"type": "object", "properties": {
                "jobTitle": {"$ref": "#/definitions/OrderByDirection"},
                "address": {"type": "object", "properties": {"addressCity": {}}}
            }}},
            "jobTitle": {"$ref": "#/definitions/TextFilter"},
            "address": {"$ref": "#/definitions/AddressFilter"}
        }, "definitions": {"addressFilter": {"enum": ["secret-option"]}, "jobTitleFilter": {"enum": ["ok"]}, "TextFilter": {"type": "object"}}}}
    ]}});
    let r = g.redact_response(&c, &subject, &plan, 200, Some("application/json"), tools.to_string().as_bytes()).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.body.unwrap()).unwrap();
    let schema = &v["result"]["tools"][0]["inputSchema"];
    assert!(!schema.to_string().contains("address"), "{schema}");
    assert!(schema["properties"]["orderBy"]["items"]["properties"].get("jobTitle").is_some(), "{schema}");
    assert_eq!(schema["definitions"].as_object().unwrap().keys().collect::<Vec<_>>(), ["jobTitleFilter", "TextFilter"], "{schema}");
}
