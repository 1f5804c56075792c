//! Fuzzing with proptest (cargo fuzz needs a nightly toolchain). Bounded by case count:
//!
//!     ROLEGATE_FUZZ_CASES=100000 cargo test --release -p rolegate-gateway --test fuzz
//!
//! 1. Robustness: arbitrary methods, paths, queries, headers and bodies never panic, and a
//!    response the gateway makes is a well-formed denial.
//! 2. Soundness: random GraphQL selections (aliases, fragments, nested relations, filters)
//!    and REST filters over the fixture schema are allowed exactly when every field they reach
//!    is readable.

mod common;

use common::*;
use proptest::prelude::*;
use rolegate_core::model::RelationKind;
use rolegate_core::validate::composite_subfields;
use rolegate_core::{ObjectId, Op, Policy, Principal, Subject};
use rolegate_gateway::{Outcome, Request};
use serde_json::json;

fn cases() -> u32 {
    std::env::var("ROLEGATE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("rest".to_string()),
        Just("people".to_string()),
        Just("opportunities".to_string()),
        Just("batch".to_string()),
        Just("restore".to_string()),
        Just("metadata".to_string()),
        Just("graphql".to_string()),
        Just("merge".to_string()),
        Just("groupBy".to_string()),
        Just(UUID.to_string()),
        Just("..".to_string()),
        Just("%2F".to_string()),
        Just("".to_string()),
        "[a-zA-Z0-9%._~;\\\\-]{0,12}",
    ]
}

type RequestParts = (String, String, String, Vec<(String, String)>, Vec<u8>, usize);

fn request_strategy() -> impl Strategy<Value = RequestParts> {
    (
        prop_oneof![
            Just("GET".to_string()),
            Just("POST".to_string()),
            Just("PATCH".to_string()),
            Just("PUT".to_string()),
            Just("DELETE".to_string()),
            Just("HEAD".to_string()),
            "[A-Z]{1,7}"
        ],
        proptest::collection::vec(piece(), 0..6).prop_map(|p| format!("/{}", p.join("/"))),
        prop_oneof![
            Just(String::new()),
            Just("filter=address%5Beq%5D%3Ax".to_string()),
            Just("soft_delete=true".to_string()),
            Just("depth=1&limit=2".to_string()),
            "[a-z_=&%0-9\\[\\]]{0,40}",
        ],
        proptest::collection::vec(
            (prop_oneof![Just("content-type".to_string()), Just("x-http-method-override".to_string()), "[a-z-]{1,12}"], "[ -~]{0,30}"),
            0..3,
        ),
        prop_oneof![
            Just(Vec::new()),
            Just(br#"{"query":"{ people { totalCount } }"}"#.to_vec()),
            Just(br#"{"jobTitle":"x","emails":{}}"#.to_vec()),
            Just(br#"[{"query":"{ opportunities { id } }"}]"#.to_vec()),
            proptest::collection::vec(any::<u8>(), 0..200),
            "[{}\\[\\]\":,a-z0-9 ]{0,200}".prop_map(|s| s.into_bytes()),
        ],
        0usize..4,
    )
}

const KEYS: [&str; 4] = [ZAPIER, WAREHOUSE, LEGACY, REVOKED];

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_requests_never_panic((method, path, query, headers, body, key) in request_strategy()) {
        let mut r = Request::new(&method, &format!("{path}?{query}")).header("authorization", &format!("Bearer {}", token(KEYS[key]))).body(body);
        for (k, v) in headers {
            r = r.header(&k, &v);
        }
        match outcome(&r) {
            Outcome::Respond { response, record } => {
                // 400: a malformed request (a query escape that does not decode, a Connection
                // header naming a checked one)
                prop_assert!(matches!(response.status, 200 | 400 | 401 | 403 | 413));
                prop_assert_eq!(response.header("x-rolegate-decision"), Some(record.decision));
                prop_assert!(serde_json::from_slice::<serde_json::Value>(&response.body).is_ok());
            }
            Outcome::Forward { record, .. } => {
                prop_assert_eq!(record.decision, "allow");
                prop_assert!(KEYS[key] != REVOKED);
            }
        }
    }

    #[test]
    fn arbitrary_graphql_never_panics(q in "[{}()\\[\\]:$@!.,=a-zA-Z_ \"\\n]{0,300}", key in 0usize..3) {
        let _ = outcome(&gql(KEYS[key], &q, json!({})));
        let _ = outcome(&json_req("POST", "/metadata", KEYS[key], &json!({"query": q})));
    }
}

// ------------------------------------------------------------------ soundness

/// A field pick: (field index, alias?, wrapping: 0 none / 1 inline fragment / 2 named fragment).
type Child = (usize, bool, u8);
type Pick = (usize, bool, u8, Vec<Child>);

/// A random selection over the schema: (field index, alias?, in a fragment?, children).
#[derive(Debug, Clone)]
struct SelSeed {
    picks: Vec<Pick>,
    filter: Vec<usize>,
}

fn sel_seed() -> impl Strategy<Value = SelSeed> {
    (
        proptest::collection::vec(
            (0usize..40, any::<bool>(), 0u8..3, proptest::collection::vec((0usize..40, any::<bool>(), 0u8..3), 0..4)),
            1..5,
        ),
        proptest::collection::vec(0usize..40, 0..3),
    )
        .prop_map(|(picks, filter)| SelSeed { picks, filter })
}

struct Gen<'a> {
    policy: &'a Policy,
    s: Subject,
    fragments: Vec<String>,
    allowed: bool,
    next_alias: usize,
}

impl Gen<'_> {
    fn field_text(&mut self, o: ObjectId, idx: usize, alias: bool, wrap: u8, children: &[(usize, bool, u8)], key: String) -> String {
        let obj = self.policy.object(o);
        let fid = rolegate_core::FieldId((idx % obj.fields.len()) as u32);
        let f = obj.field(fid);
        if !self.policy.can_field(&self.s, o, fid, Op::Read) {
            self.allowed = false;
        }
        let name = f.name.to_string();
        let sub = match &f.relation {
            Some(rel) => {
                if !self.policy.can_object(&self.s, rel.target, Op::Read) {
                    self.allowed = false;
                }
                let mut inner: Vec<String> = vec!["id".into()];
                for (ci, ca, cw) in children {
                    self.next_alias += 1;
                    let k = format!("c{}", self.next_alias);
                    inner.push(self.field_text(rel.target, *ci, *ca, *cw, &[], k));
                }
                let body = inner.join(" ");
                match rel.kind {
                    RelationKind::ManyToOne => format!("{{ {body} }}"),
                    RelationKind::OneToMany => format!("{{ edges {{ node {{ {body} }} }} }}"),
                }
            }
            None => match composite_subfields(&f.field_type) {
                Some(subs) => format!("{{ {} }}", subs[0]),
                None => String::new(),
            },
        };
        let head = if alias { format!("{key}: {name}") } else { name };
        let text = format!("{head} {sub}");
        match wrap {
            1 => format!("... {{ {text} }}"),
            2 => {
                let n = format!("Frag{}", self.fragments.len());
                let type_name = rolegate_gateway::fields::capitalize(&obj.name);
                self.fragments.push(format!("fragment {n} on {type_name} {{ {text} }}"));
                format!("...{n}")
            }
            _ => text,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn graphql_allowed_iff_everything_reached_is_readable(seed in sel_seed(), key in 0usize..3, object in 0usize..13) {
        let c = compiled();
        let principal = Principal::ApiKey(KEYS[key].into());
        let s = c.policy.resolve(&principal, NOW).unwrap();
        let o = ObjectId((object % c.policy.objects().len()) as u32);
        let mut g = Gen { policy: &c.policy, s, fragments: vec![], allowed: c.policy.can_object(&s, o, Op::Read), next_alias: 0 };
        let mut fields = vec!["id".to_string()];
        for (i, (idx, alias, wrap, children)) in seed.picks.iter().enumerate() {
            fields.push(g.field_text(o, *idx, *alias, *wrap, children, format!("k{i}")));
        }
        // filter on random scalar fields
        let obj = c.policy.object(o);
        let mut filter = serde_json::Map::new();
        for idx in &seed.filter {
            let fid = rolegate_core::FieldId((idx % obj.fields.len()) as u32);
            let f = obj.field(fid);
            if f.relation.is_some() { continue; }
            if !c.policy.can_field(&s, o, fid, Op::Read) { g.allowed = false; }
            filter.insert(f.name.to_string(), json!({"is": "NOT_NULL"}));
        }
        let query = format!(
            "query($f: {}FilterInput) {{ {}(filter: $f) {{ edges {{ node {{ {} }} }} }} }} {}",
            rolegate_gateway::fields::capitalize(&obj.name), obj.plural, fields.join(" "), g.fragments.join(" ")
        );
        let expected = g.allowed;
        let r = gql(KEYS[key], &query, json!({"f": filter}));
        let allowed = matches!(gateway().handle(&c, &r, NOW), Outcome::Forward { .. });
        prop_assert_eq!(allowed, expected, "{}", query);
    }

    #[test]
    fn rest_filter_allowed_iff_fields_readable(fields in proptest::collection::vec(0usize..40, 1..4), conj in 0usize..3, key in 0usize..3, object in 0usize..13) {
        let c = compiled();
        let s = c.policy.resolve(&Principal::ApiKey(KEYS[key].into()), NOW).unwrap();
        let o = ObjectId((object % c.policy.objects().len()) as u32);
        let obj = c.policy.object(o);
        let mut expected = c.policy.can_object(&s, o, Op::Read);
        let mut items = Vec::new();
        for idx in fields {
            let fid = rolegate_core::FieldId((idx % obj.fields.len()) as u32);
            let f = obj.field(fid);
            let name = match &f.relation {
                Some(rel) => match &rel.join_column {
                    Some(jc) => {
                        if !c.policy.can_object(&s, rel.target, Op::Read) { expected = false; }
                        jc.to_string()
                    }
                    None => continue,
                },
                None => f.name.to_string(),
            };
            if !c.policy.can_field(&s, o, fid, Op::Read) { expected = false; }
            items.push(format!("{name}[is]:NOT_NULL"));
        }
        prop_assume!(!items.is_empty());
        let filter = match conj { 0 => items.join(","), 1 => format!("or({})", items.join(",")), _ => format!("and(not({}),{})", items[0], items.join(",")) };
        let q: String = form_urlencoded::Serializer::new(String::new()).append_pair("filter", &filter).finish();
        let r = req("GET", &format!("/rest/{}?{q}", obj.plural), KEYS[key]);
        let allowed = matches!(gateway().handle(&c, &r, NOW), Outcome::Forward { .. });
        prop_assert_eq!(allowed, expected, "{}", filter);
    }
}
