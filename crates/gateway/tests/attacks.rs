//! The attack suite: every trick must end in a denial (or a redaction), never a panic and
//! never a pass-through of something hidden.

mod common;

use common::*;
use rolegate_gateway::{Outcome, Request};
use serde_json::json;

#[track_caller]
fn denied(r: &Request) {
    match outcome(r) {
        Outcome::Forward { record, .. } => panic!("{} {}?{} was allowed ({:?})", r.method, r.path, r.query, record.operations),
        Outcome::Respond { response, .. } => {
            assert!(matches!(response.status, 400 | 401 | 403 | 413 | 200), "{}", response.status);
            assert_eq!(response.header("x-rolegate-decision"), Some("deny"));
        }
    }
}

/// Express's query parsers read at most 1,000 parts (qs) or keys, empty parts counted (Node's
/// querystring), and drop the rest: padded with empty parts, a soft delete was a destroy to
/// Twenty (found in review). Queries with more parts than any Twenty request needs are refused,
/// on every API.
#[test]
fn queries_past_the_parsers_limits_are_refused() {
    let pad = "&".repeat(1000);
    for r in [
        req("DELETE", &format!("/rest/people/{UUID}?{pad}soft_delete=true"), LEGACY),
        req("DELETE", &format!("/rest/people?filter=jobTitle%5Beq%5D%3Ax{pad}&soft_delete=true"), LEGACY),
        req("GET", &format!("/rest/people?{}", "limit=1&".repeat(120)), LEGACY),
        req("GET", &format!("/graphql?query=%7B%20people%20%7B%20totalCount%20%7D%20%7D{pad}"), LEGACY),
    ] {
        match outcome(&r) {
            Outcome::Respond { response, .. } => assert_eq!(response.status, 400, "{}", r.query.len()),
            Outcome::Forward { .. } => panic!("forwarded: {} parts", r.query.split('&').count()),
        }
    }
    // up to the limit, empty parts included, a query reads as usual
    let within = format!("/rest/people?{}limit=1", "&".repeat(rolegate_gateway::request::MAX_QUERY_PARTS - 1));
    assert_allowed(&req("GET", &within, LEGACY));
}

#[test]
fn path_tricks() {
    let opp = "20202020-0000-4000-8000-000000000009";
    for p in [
        "/rest/people%2F..%2Fopportunities".to_string(),
        "/rest/%6Fpportunities".into(),
        "/rest/people/../opportunities".into(),
        "/rest/./opportunities".into(),
        "/rest/opportunities/.".into(),
        "/rest/companies/..".into(),
        "/REST/opportunities".into(),
        "/rest/OPPORTUNITIES".into(),
        "/rest/Opportunities".into(),
        "/rest/opportunities.".into(),
        "/rest/opportunities.json".into(),
        "/rest/people.".into(),
        "/rest\\opportunities".into(),
        "/rest/people;jsessionid=1".into(),
        "/rest/people\u{0}".into(),
        "/rest/peop\u{0131}e".into(),
        "/rest/opportunities%00".into(),
        format!("/rest/people/{opp}%2Frestore"),
        format!("/rest/people/{}", "a".repeat(10_000)),
        "/rest/batch/batch/people".into(),
        "/rest/restore/restore/people".into(),
        "/rest/metadata/../people".into(),
        "/graphql/../rest/opportunities".into(),
        "/rest/people#fragment".into(),
    ] {
        denied(&req("GET", &p, ZAPIER));
    }
}

#[test]
fn method_overrides_cannot_change_the_operation() {
    for h in ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"] {
        denied(&req("GET", "/rest/people", LEGACY).header(h, "DELETE"));
        denied(&gql(ZAPIER, "{ people { totalCount } }", json!({})).header(h, "GET"));
    }
    denied(&req("POST", "/rest/people?_method=DELETE", LEGACY));
    denied(&req("GET", "/rest/people?_method=DELETE", LEGACY));
}

#[test]
fn connection_cannot_strip_a_header_the_gateway_checked() {
    // A proxy removes what Connection names; these would reach the upstream unlike what was
    // decided, so the request is refused instead.
    for named in ["authorization", "Content-Type", "keep-alive, content-encoding", "X-HTTP-Method-Override"] {
        let r = req("GET", "/rest/people", LEGACY).header("connection", named);
        denied(&r);
        let Outcome::Respond { response, .. } = outcome(&r) else { unreachable!() };
        assert_eq!(response.status, 400, "{named}");
        assert!(response.body_json()["messages"][0].as_str().unwrap().contains("Connection"), "{named}");
    }
    // what Connection may name as hop-by-hop is passed over (the worker removes it)
    assert_allowed(&req("GET", "/rest/people", LEGACY).header("connection", "keep-alive, x-trace-hop"));
}

#[test]
fn bodies_that_parsers_could_read_differently() {
    let dup = br#"{"jobTitle": "ok", "jobTitle": "again"}"#.to_vec();
    denied(&req("POST", "/rest/people", ZAPIER).header("content-type", "application/json").body(dup));
    let escaped_dup = br#"{"jobTitle": "ok", "job\u0054itle": "x"}"#.to_vec();
    denied(&req("POST", "/rest/people", ZAPIER).header("content-type", "application/json").body(escaped_dup));
    // the hidden field spelled with an escape is still the hidden field
    let escaped = br#"{"addr\u0065ss": {"addressCity": "x"}}"#.to_vec();
    denied(&req("POST", "/rest/people", ZAPIER).header("content-type", "application/json").body(escaped));
    // other media types would be parsed by Express's urlencoded parser
    denied(&req("POST", "/rest/people", ZAPIER).header("content-type", "application/x-www-form-urlencoded").body("emails[primaryEmail]=x"));
    denied(&req("POST", "/rest/people", ZAPIER).header("content-type", "text/plain").body(r#"{"emails":{}}"#));
    denied(&req("POST", "/rest/people", ZAPIER).body(r#"{"jobTitle":"x"}"#));
    denied(
        &req("POST", "/rest/people", ZAPIER)
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(vec![0x1f, 0x8b, 0, 0]),
    );
    denied(&req("POST", "/rest/people", ZAPIER).header("content-type", "application/json").body(r#"{"jobTitle":"x"} {"emails":{}}"#));
    denied(&req("GET", "/rest/people", ZAPIER).header("content-type", "application/json").body(r#"{"emails":{}}"#));
    // deeply nested and huge bodies are refused cleanly
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    denied(&req("POST", "/rest/batch/people", ZAPIER).header("content-type", "application/json").body(deep));
    let huge = format!("{{\"jobTitle\": \"{}\"}}", "x".repeat(2 << 20));
    match outcome(&req("POST", "/rest/people", ZAPIER).header("content-type", "application/json").body(huge)) {
        Outcome::Respond { response, .. } => assert_eq!(response.status, 413),
        _ => panic!("huge body allowed"),
    }
    let deep_gql = format!("{{\"query\": \"{{ people {} }}\"}}", "{ x ".repeat(5000) + &"}".repeat(5000));
    denied(&req("POST", "/graphql", ZAPIER).header("content-type", "application/json").body(deep_gql));
}

/// Express's JSON parser decodes a body in the charset its Content-Type names (any `utf-*`,
/// UTF-7 among them, through iconv-lite); the gateway reads UTF-8. A UTF-7 body whose UTF-8
/// reading is one harmless string is, to Twenty, a record with a hidden field in it.
#[test]
fn bodies_in_another_charset_are_refused() {
    let utf7 = r#"{"jobTitle":"A+ACIALAAi-address+ACIAOgB7ACI-addressCity+ACIAOgAi-Paris+ACIAfQAsACI-jobTitle+ACIAOgAi-B"}"#;
    for ct in [
        "application/json; charset=utf-7",
        "application/json; charset=UTF-16LE",
        "application/json;charset=utf-32",
        "application/json; charset=\"utf-7\"",
        "application/json; charset=utf-8; charset=utf-7",
        "application/json; charset=latin1",
        "application/json; charset=",
        "application/json; foo=bar",
        "application/json; charset=utf-8, application/json",
    ] {
        let r = req("POST", "/rest/people", ZAPIER).header("content-type", ct).body(utf7);
        match outcome(&r) {
            Outcome::Respond { response, .. } => assert_eq!(response.header("x-rolegate-decision"), Some("deny"), "{ct}"),
            Outcome::Forward { .. } => panic!("{ct}: allowed"),
        }
        let g = req("POST", "/graphql", ZAPIER).header("content-type", ct).body(r#"{"query":"{ people { totalCount } }"}"#);
        denied(&g);
        let m = req("POST", "/mcp", ZAPIER).header("content-type", ct).body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#);
        assert!(!matches!(outcome(&m), Outcome::Forward { .. }), "{ct}: MCP allowed");
    }
    // two Content-Type headers: the upstream keeps one of them, the gateway takes neither
    let two = req("POST", "/rest/people", ZAPIER)
        .header("content-type", "application/json")
        .header("content-type", "application/json; charset=utf-7")
        .body(r#"{"jobTitle":"x"}"#);
    denied(&two);
    // UTF-8, however it is written, is read as before
    for ct in
        ["application/json", "application/json; charset=utf-8", "Application/JSON;Charset=\"UTF-8\"", "application/json ; charset = utf-8 "]
    {
        assert_allowed(&req("POST", "/rest/people", ZAPIER).header("content-type", ct).body(r#"{"jobTitle":"x"}"#));
    }
}

/// A percent-escape that does not decode to UTF-8 is replaced by U+FFFD when the gateway
/// decodes the query, but `qs` (Express 4's query parser) then keeps the whole value
/// undecoded: the two would read different filters. Such a query string is refused.
#[test]
fn query_strings_that_do_not_decode_to_utf8_are_refused() {
    denied(&req("GET", "/rest/people?filter=or(jobTitle%5Beq%5D:%22x,address.addressCity%5Beq%5D:Paris,jobTitle%5Beq%5D:%C3%22)", ZAPIER));
    denied(&req("GET", "/rest/people?limit=%FF", ZAPIER));
    denied(&req("GET", "/rest/people?%C3=1", ZAPIER));
    denied(&req("GET", "/graphql?query=%7B%20people%20%7B%20totalCount%20%7D%20%7D&variables=%C3", ZAPIER));
    // well-formed UTF-8 escapes are still decoded
    assert_allowed(&req("GET", "/rest/people?filter=jobTitle%5Beq%5D:%22D%C3%A9veloppeur%22", ZAPIER));
}

/// An update (or create) that sets `deletedAt` soft-deletes (or restores) the record: the Intern
/// may update people but not soft-delete them.
#[test]
fn writing_deleted_at_needs_soft_delete() {
    for v in [json!("2026-01-01T00:00:00Z"), json!(null)] {
        let body = json!({"jobTitle": "x", "deletedAt": v});
        assert_rest_denied(&json_req("PATCH", &format!("/rest/people/{UUID}"), ZAPIER, &body), "which needs soft-delete permission");
        assert_rest_denied(&json_req("POST", "/rest/people", ZAPIER, &body), "which needs soft-delete permission");
        assert_allowed(&json_req("PATCH", &format!("/rest/people/{UUID}"), LEGACY, &body));
    }
    let g = gql(ZAPIER, &format!("mutation {{ updatePerson(id: \"{UUID}\", data: {{deletedAt: null}}) {{ id }} }}"), json!({}));
    assert_gql_denied(&g, &["updatePerson"], "soft-delete");
    assert_allowed(&json_req("PATCH", &format!("/rest/people/{UUID}"), ZAPIER, &json!({"jobTitle": "x"})));
}

#[test]
fn query_string_pollution() {
    denied(&req("GET", "/rest/people?filter=jobTitle%5Beq%5D%3Aa&filter=address%5Bis%5D%3ANULL", ZAPIER));
    denied(&req("GET", "/rest/people?filter%5Baddress%5D=x", ZAPIER));
    denied(&req("GET", "/rest/people?filter[address][is]=NULL", ZAPIER));
    denied(&req("GET", "/rest/people?order_by=jobTitle&order_by=address", ZAPIER));
    denied(&req("GET", "/rest/people?depth=1&depth=2", ZAPIER));
    denied(&req("GET", "/rest/people?view_id=abc", ZAPIER));
    denied(&req("DELETE", &format!("/rest/people/{UUID}?soft_delete=true&soft_delete=false"), LEGACY));
    denied(&json_req("POST", "/graphql?query=%7Bopportunities%7BtotalCount%7D%7D", ZAPIER, &json!({"query": "{ people { totalCount } }"})));
}

/// JSON inside query parameters is read as strictly as bodies, and as Twenty's JSON.parse reads
/// it: serde_json's Value parser (raw_value feature) would read an object whose first key is
/// `$serde_json::private::RawValue` as the JSON in its string, a document Twenty never sees.
#[test]
fn json_in_query_parameters_is_read_as_twenty_reads_it() {
    let enc = |s: &str| {
        s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect::<String>()
    };
    let magic = r#"[{"$serde_json::private::RawValue": "{\"city\": true}"}]"#;
    denied(&req("GET", &format!("/rest/people/groupBy?group_by={}", enc(magic)), ZAPIER));
    denied(&req("GET", &format!("/rest/people/groupBy?group_by={}", enc(r#"[{"city": true, "city": false}]"#)), ZAPIER));
    denied(&req(
        "GET",
        &format!("/rest/people/groupBy?aggregate={}", enc(r#"{"$serde_json::private::RawValue": "[\"countNotEmptyId\"]"}"#)),
        ZAPIER,
    ));
    let q = enc("query($f: PersonFilterInput) { people(filter: $f) { totalCount } }");
    denied(&req("GET", &format!("/graphql?query={q}&variables={}", enc(r#"{"f": {"city": {"eq": "x"}}, "f": {}}"#)), ZAPIER));
    // the same requests, well formed, pass
    assert_allowed(&req("GET", &format!("/rest/people/groupBy?group_by={}", enc(r#"[{"city": true}]"#)), ZAPIER));
    assert_allowed(&req("GET", &format!("/graphql?query={q}&variables={}", enc(r#"{"f": {"city": {"eq": "x"}}}"#)), ZAPIER));
}

/// `connect.where` names target fields to find a record by: a hidden one is a yes/no oracle on
/// its value (found in review).
#[test]
fn connect_where_cannot_name_a_hidden_field() {
    let body = json!({"taskId": UUID, "person": {"connect": {"where": {"emails": {"primaryEmail": "ada@example.com"}}}}});
    assert_rest_denied(&json_req("POST", "/rest/taskTargets", WAREHOUSE, &body), "no permission to read field \"emails\" on \"person\"");
    assert_allowed(&json_req(
        "POST",
        "/rest/taskTargets",
        WAREHOUSE,
        &json!({"taskId": UUID, "person": {"connect": {"where": {"id": UUID}}}}),
    ));
}

/// Filters a careful parser reads as one condition with an odd value, but Twenty's REST filter
/// splitter (no escapes, brackets toggled even inside quotes, `'` quoting) reads as several:
/// the hidden field must be seen either way (found in review: both were forwarded).
#[test]
fn filters_split_as_twenty_splits_them() {
    let enc = |s: &str| -> String { form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    for f in [
        r#"or(jobTitle[eq]:"x\",address.addressCity[eq]:Paris,jobTitle[eq]:\"z")"#,
        r#"or(jobTitle[eq]:["[",address.addressCity[eq]:Paris,jobTitle[eq]:"]"])"#,
        r#"or(jobTitle[eq]:"it's",address.addressCity[eq]:Paris,jobTitle[eq]:"'")"#,
        // starts with a conjunction but is not one whole: Twenty wraps it in and(...), and what
        // follows the `or(...)` is conditions of its own (found in review: forwarded)
        r#"or(id[is]:NOT_NULL),jobTitle[neq]:"\",address.addressCity[eq]:Paris,jobTitle[neq]:\"""#,
        // older Twenty versions split at commas inside quotes
        r#"jobTitle[eq]:"x,address.addressCity[eq]:Paris""#,
    ] {
        for method in ["GET", "PATCH"] {
            assert_rest_denied(&req(method, &format!("/rest/people?filter={}", enc(f)), ZAPIER), "address");
        }
        assert_rest_denied(&req("GET", &format!("/rest/people/groupBy?filter={}", enc(f)), ZAPIER), "address");
    }
    // an ordinary quoted value with commas and brackets is still just a value
    assert_allowed(&req("GET", &format!("/rest/people?filter={}", enc(r#"jobTitle[in]:["CEO","Lead, Sales"]"#)), ZAPIER));
}

/// Who made a record is the server's to say: a write may not give `createdBy`/`updatedBy`
/// (Twenty keeps a client-sent `createdBy`; found in review: records could be credited to an
/// administrator).
#[test]
fn audit_fields_are_not_writable() {
    let actor = json!({"source": "MANUAL", "workspaceMemberId": "m-ada", "name": "Ada Lovelace"});
    for (method, path, body) in [
        ("POST", "/rest/people".to_string(), json!({"jobTitle": "x", "createdBy": actor})),
        ("POST", "/rest/batch/people".to_string(), json!([{"jobTitle": "x"}, {"jobTitle": "y", "createdBy": actor}])),
        ("PATCH", format!("/rest/people/{UUID}"), json!({"updatedBy": actor})),
        ("PATCH", "/rest/people?filter=jobTitle%5Beq%5D%3Ax".to_string(), json!({"createdBy": actor})),
    ] {
        assert_rest_denied(&json_req(method, &path, ZAPIER, &body), "set by the server");
    }
    for (q, root) in [
        ("mutation($d: PersonCreateInput) { createPerson(data: $d) { id } }", "createPerson"),
        ("mutation($d: [PersonCreateInput]) { createPeople(data: [$d]) { id } }", "createPeople"),
        ("mutation($d: PersonUpdateInput) { updatePerson(id: \"x\", data: $d) { id } }", "updatePerson"),
    ] {
        assert_gql_denied(&gql(ZAPIER, q, json!({"d": {"jobTitle": "x", "createdBy": actor}})), &[root], "set by the server");
    }
    // the same writes without them go through
    assert_allowed(&json_req("POST", "/rest/people", ZAPIER, &json!({"jobTitle": "x"})));
}

/// A record cursor is base64 of a JSON object whose keys Twenty turns into conditions (older
/// versions every key): a crafted one filters on what it names (found in review).
#[test]
fn crafted_cursors_are_filters() {
    let enc = |v: serde_json::Value| -> String { base64_standard(v.to_string().as_bytes()) };
    let url = |s: &str| -> String { form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    for c in [
        enc(json!({"id": "x", "address": {"addressCity": "Paris"}})),
        enc(json!({"id": "x", "company": {"opportunities": {"name": "Secret"}}})),
        enc(json!({"id": "x", "nope": 1})),
        // not a cursor at all: refused rather than guessed at
        "abc".to_string(),
        enc(json!(["id"])),
    ] {
        for key in ["starting_after", "ending_before"] {
            denied(&req("GET", &format!("/rest/people?{key}={}", url(&c)), ZAPIER));
        }
        for arg in ["after", "before"] {
            denied(&gql(ZAPIER, &format!("{{ people({arg}: \"{c}\") {{ edges {{ node {{ id }} }} }} }}"), json!({})));
            denied(&gql(
                ZAPIER,
                &format!("{{ companies {{ edges {{ node {{ people({arg}: \"{c}\") {{ edges {{ node {{ id }} }} }} }} }} }} }}"),
                json!({}),
            ));
        }
    }
    // a cursor as Twenty makes them (URL-safe spelling too) is accepted
    let ok = enc(json!({"id": "20202020-0001-4000-8000-000000000001", "jobTitle": "CEO"}));
    assert_allowed(&req("GET", &format!("/rest/people?starting_after={}", url(&ok)), ZAPIER));
    assert_allowed(&gql(
        ZAPIER,
        &format!("{{ people(after: \"{}\") {{ edges {{ node {{ id }} }} }} }}", ok.replace('+', "-").replace('/', "_")),
        json!({}),
    ));
}

#[test]
fn graphql_tricks() {
    // an alias that looks like an allowed field hides a denied one
    denied(&gql(ZAPIER, "{ people { edges { node { jobTitle: address { addressCity } } } } }", json!({})));
    // the same response key selected twice with different fields
    denied(&gql(ZAPIER, "{ people { edges { node { x: jobTitle x: address { addressCity } } } } }", json!({})));
    // fragments on other types, fragment spreads in root, inline fragments without type
    denied(&gql(ZAPIER, "{ ...Q } fragment Q on Query { opportunities { totalCount } }", json!({})));
    denied(&gql(ZAPIER, "{ ... { opportunities { totalCount } } }", json!({})));
    denied(&gql(ZAPIER, "{ ... @include(if: false) { opportunities { totalCount } } }", json!({})));
    denied(&gql(ZAPIER, "{ people { edges { node { address @skip(if: true) { addressCity } } } } }", json!({})));
    // variables that carry a hidden-field filter, and variables shadowing defaults
    denied(&gql(
        ZAPIER,
        "query($f: PersonFilterInput = {city: {eq: \"x\"}}) { people(filter: $f) { totalCount } }",
        json!({"f": {"address": {"addressCity": {"like": "a%"}}}}),
    ));
    denied(&gql(
        ZAPIER,
        "query($o: [PersonOrderByInput]) { people(orderBy: $o) { totalCount } }",
        json!({"o": [{"address": {"addressCity": "AscNullsFirst"}}]}),
    ));
    // the filter oracle: count people by a hidden value without selecting it
    denied(&gql(ZAPIER, "{ people(filter: {address: {addressCity: {eq: \"Paris\"}}}) { totalCount } }", json!({})));
    denied(&gql(ZAPIER, "{ people { countNotEmptyAddress } }", json!({})));
    // batched operations sneaking one denied operation
    denied(&json_req(
        "POST",
        "/graphql",
        ZAPIER,
        &json!([{"query": "{ people { totalCount } }"}, {"query": "{ __schema { types { name } } }"}]),
    ));
    denied(&json_req(
        "POST",
        "/graphql",
        ZAPIER,
        &json!((0..50).map(|_| json!({"query": "{ people { totalCount } }"})).collect::<Vec<_>>()),
    ));
    // operationName pointing at the harmless one while another is denied
    denied(&json_req(
        "POST",
        "/graphql",
        ZAPIER,
        &json!({"query": "query Ok { people { totalCount } } query Bad { opportunities { totalCount } }", "operationName": "Ok"}),
    ));
    denied(&json_req("POST", "/graphql", ZAPIER, &json!({"query": "{ people { totalCount } }", "operationName": "Missing"})));
    // introspection hidden in a fragment
    denied(&gql(ZAPIER, "{ ...I } fragment I on Query { __schema { types { name } } }", json!({})));
    // wide documents are bounded
    let wide =
        format!("{{ people {{ edges {{ node {{ {} }} }} }} }}", (0..6000).map(|i| format!("a{i}: id")).collect::<Vec<_>>().join(" "));
    denied(&gql(ZAPIER, &wide, json!({})));
    // fragment bombs: a chain of spreads doubling at each level, with or without fields
    for leaf in ["id", "__typename"] {
        let mut doc = String::from("{ people { edges { node { ...F0 } } } }");
        for i in 0..30 {
            doc.push_str(&format!(" fragment F{i} on Person {{ ...F{} ...F{} }}", i + 1, i + 1));
        }
        doc.push_str(&format!(" fragment F30 on Person {{ {leaf} }}"));
        denied(&gql(ZAPIER, &doc, json!({})));
    }
    // the budget is the document's, not each operation's: 40 operations each spreading a
    // 2^8 fragment chain (~500 fields and spreads apiece, 20,000 in all) are refused, whichever
    // operation is named (found in review: thousands of them took seconds and hundreds of MB)
    let mut chain: String = (0..8).map(|i| format!(" fragment F{i} on Query {{ ...F{} ...F{} }}", i + 1, i + 1)).collect();
    chain.push_str(" fragment F8 on Query { people { totalCount } }");
    let doc: String = (0..40).map(|i| format!("query q{i} {{ ...F0 }} ")).collect::<String>() + &chain;
    assert_gql_denied(&json_req("POST", "/graphql", ZAPIER, &json!({"query": doc, "operationName": "q0"})), &[], "more than 5000 fields");
    // one of them alone is within it
    assert_allowed(&gql(ZAPIER, &format!("query q0 {{ ...F0 }}{chain}"), json!({})));
    // wide fan-out at the root (denial bodies list root keys: bounded too)
    let spreads = (0..2000).map(|_| "...R").collect::<Vec<_>>().join(" ");
    let doc = format!("{{ {spreads} }} fragment R on Query {{ {spreads} opportunities {{ totalCount }} }}");
    denied(&gql(ZAPIER, &doc, json!({})));
    // a non-object request and strange types
    denied(&json_req("POST", "/graphql", ZAPIER, &json!("{ people { totalCount } }")));
    denied(&json_req("POST", "/graphql", ZAPIER, &json!({"query": 5})));
    denied(&json_req("POST", "/graphql", ZAPIER, &json!({"query": "{ people { totalCount } }", "variables": [1]})));
}

#[test]
fn relation_doors_into_hidden_objects() {
    for q in [
        "{ companies { edges { node { opportunities { totalCount } } } } }",
        "{ people { edges { node { pointOfContactForOpportunities { edges { node { id } } } } } } }",
        "{ taskTargets { edges { node { opportunity { id } } } } }",
        "{ taskTargets { edges { node { opportunityId } } } }",
        "{ attachments { edges { node { opportunity { name } } } } }",
    ] {
        denied(&gql(ZAPIER, q, json!({})));
    }
    denied(&req("GET", "/rest/taskTargets?filter=opportunityId%5Bis%5D%3ANOT_NULL", ZAPIER));
    let intern_create = json_req("POST", "/rest/taskTargets", ZAPIER, &json!({"opportunityId": UUID}));
    denied(&intern_create);
}
