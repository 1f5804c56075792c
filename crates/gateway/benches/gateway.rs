//! `cargo bench -p rolegate-gateway`: classify+decide a typical REST request, a GraphQL query
//! with 3 root fields and fragments, and redaction of a 1 MB REST list response against a
//! parse+serialize baseline.

#[path = "../../core/benches/gen/mod.rs"]
mod gen;

use criterion::{black_box, Criterion, Throughput};
use rolegate_core::{Policy, Principal};
use rolegate_gateway::auth::mint_api_key_token;
use rolegate_gateway::{Compiled, Config, Gateway, Outcome, Plan, Request, TokenKeys};
use std::time::Instant;

const WS: &str = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const ZAPIER: &str = "5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f";
const NOW: i64 = 1_780_272_000;

fn setup() -> (Gateway, Compiled) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/workspace.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let gw = Gateway::new(Config {
        token_keys: TokenKeys { app_secret: Some("bench-secret".into()), es256: vec![], agents: None },
        ..Config::default()
    });
    (gw, Compiled::new(Policy::from_json(&text).unwrap()))
}

const GQL: &str = r#"query Dashboard($f: PersonFilterInput) {
  people(filter: $f, orderBy: [{name: {lastName: AscNullsFirst}}], first: 20) { totalCount edges { node { ...PersonCard company { ...CompanyCard } } } }
  companies(first: 10) { edges { node { ...CompanyCard people { edges { node { ...PersonCard } } } } } }
  tasks(first: 5) { edges { node { id title dueAt status assignee { id name { firstName lastName } } } } }
}
fragment PersonCard on Person { id name { firstName lastName } emails { primaryEmail } jobTitle city createdAt }
fragment CompanyCard on Company { id name domainName { primaryLinkUrl } employees }"#;

fn requests() -> (Request, Request) {
    let token = mint_api_key_token("bench-secret", WS, ZAPIER, NOW - 10, NOW + 3600, "API_KEY");
    let rest = Request::new("GET", "/rest/people?filter=and(jobTitle%5Beq%5D%3A%22CEO%22,city%5Bin%5D%3A%5B%22Paris%22%5D)&order_by=createdAt%5BDescNullsLast%5D&limit=20&depth=1")
        .header("authorization", &format!("Bearer {token}"));
    let body = serde_json::json!({"query": GQL, "variables": {"f": {"city": {"eq": "Paris"}}}, "operationName": "Dashboard"});
    let gql = Request::new("POST", "/graphql")
        .header("authorization", &format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap());
    (rest, gql)
}

fn decisions(c: &mut Criterion) {
    let (gw, compiled) = setup();
    let (rest, gql) = requests();
    let principal = Principal::ApiKey(ZAPIER.into());
    let subject = compiled.policy.resolve(&principal, NOW).unwrap();
    assert!(matches!(gw.handle(&compiled, &rest, NOW), Outcome::Forward { .. }));
    assert!(matches!(gw.handle(&compiled, &gql, NOW), Outcome::Forward { .. }));
    let mut g = c.benchmark_group("decide");
    g.bench_function("rest/typical_find_many", |b| b.iter(|| gw.decide(&compiled, principal.clone(), subject, black_box(&rest))));
    g.bench_function("rest/typical_find_many+auth_hs256", |b| b.iter(|| gw.handle(&compiled, black_box(&rest), NOW)));
    g.bench_function("graphql/3_roots_with_fragments", |b| b.iter(|| gw.decide(&compiled, principal.clone(), subject, black_box(&gql))));
    g.finish();
}

fn redaction(c: &mut Criterion) {
    let (gw, compiled) = setup();
    let (rest, _) = requests();
    let Outcome::Forward { plan, subject, .. } = gw.handle(&compiled, &rest, NOW) else { panic!() };
    let body = rest_body();
    let mut g = c.benchmark_group("redact_rest_1MB");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.sample_size(30);
    g.bench_function("baseline/parse_to_value+serialize", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            serde_json::to_vec(&v).unwrap()
        })
    });
    g.bench_function("rolegate/redact_response", |b| {
        b.iter(|| gw.redact_response(&compiled, &subject, &plan, 200, Some("application/json"), black_box(&body)).unwrap())
    });
    g.finish();
}

fn rest_body() -> Vec<u8> {
    let people = gen::people_json(1 << 20);
    let mut body = b"{\"data\":{\"people\":".to_vec();
    body.extend_from_slice(&people);
    body.extend_from_slice(b"},\"totalCount\":9999,\"pageInfo\":{\"hasNextPage\":true,\"endCursor\":\"abc\"}}");
    body
}

fn median_micros(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    t[t.len() / 2]
}

fn summary(full: bool) {
    let (gw, compiled) = setup();
    let (rest, gql) = requests();
    let principal = Principal::ApiKey(ZAPIER.into());
    let subject = compiled.policy.resolve(&principal, NOW).unwrap();
    let n = if full { 2001 } else { 1 };
    let rest_us = median_micros(n, || {
        black_box(gw.decide(&compiled, principal.clone(), subject, &rest));
    });
    let gql_us = median_micros(n, || {
        black_box(gw.decide(&compiled, principal.clone(), subject, &gql));
    });
    let Outcome::Forward { plan, .. } = gw.handle(&compiled, &rest, NOW) else { panic!() };
    assert!(matches!(plan, Plan::Rest(_)));
    let body = rest_body();
    let mb = body.len() as f64 / (1024.0 * 1024.0);
    let runs = if full { 41 } else { 1 };
    let base = median_micros(runs, || {
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        black_box(serde_json::to_vec(&v).unwrap());
    });
    let red = median_micros(runs, || {
        black_box(gw.redact_response(&compiled, &subject, &plan, 200, Some("application/json"), &body).unwrap());
    });
    println!();
    println!("== rolegate-gateway summary{} ==", if full { "" } else { " (test mode: one unoptimised run, not a measurement)" });
    println!("REST classify+decide (typical find-many with filter/order_by): median {rest_us:.2} µs (budget 5 µs)");
    println!("GraphQL 3 root fields + fragments + variables: median {gql_us:.2} µs (budget 50 µs)");
    println!(
        "REST response redaction of {mb:.2} MB: {:.0} MB/s vs baseline parse+serialize {:.0} MB/s (redaction/baseline time = {:.2}, target <= 1.0)",
        mb / (red / 1e6),
        mb / (base / 1e6),
        red / base
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let mut c = Criterion::default().configure_from_args();
    decisions(&mut c);
    redaction(&mut c);
    c.final_summary();
    summary(full);
}
