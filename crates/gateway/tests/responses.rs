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
