//! Shared helpers: the fixture workspace, a gateway with a known APP_SECRET, tokens.
#![allow(dead_code)]

use rolegate_core::Policy;
use rolegate_gateway::auth::mint_api_key_token;
use rolegate_gateway::{Compiled, Config, Gateway, Outcome, Request, TokenKeys};
use serde_json::Value;
use std::path::PathBuf;

pub const APP_SECRET: &str = "test-app-secret";
pub const WS: &str = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
pub const ZAPIER: &str = "5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f"; // Intern
pub const WAREHOUSE: &str = "8d4e6f10-2c3b-4a5d-8e9f-1a2b3c4d5e6f"; // Integration
pub const LEGACY: &str = "b7a1c9d2-3e4f-4a5b-9c6d-7e8f9a0b1c2d"; // no role -> default (Member)
pub const REVOKED: &str = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e60";
pub const NOW: i64 = 1_780_272_000; // 2026-06-01
pub const UUID: &str = "20202020-0000-4000-8000-000000000001";

pub fn shared() -> PathBuf {
    match std::env::var_os("ROLEGATE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

pub fn fixture_json() -> String {
    std::fs::read_to_string(shared().join("fixtures/workspace.json")).expect("fixture")
}

pub fn compiled() -> Compiled {
    Compiled::new(Policy::from_json(&fixture_json()).unwrap())
}

pub fn gateway() -> Gateway {
    Gateway::new(Config { token_keys: TokenKeys { app_secret: Some(APP_SECRET.into()), es256: vec![], agents: None }, ..Config::default() })
}

pub fn token(key: &str) -> String {
    mint_api_key_token(APP_SECRET, WS, key, NOW - 100, NOW + 3600, "API_KEY")
}

pub fn req(method: &str, url: &str, key: &str) -> Request {
    Request::new(method, url).header("authorization", &format!("Bearer {}", token(key)))
}

pub fn json_req(method: &str, url: &str, key: &str, body: &Value) -> Request {
    req(method, url, key).header("content-type", "application/json").body(serde_json::to_vec(body).unwrap())
}

/// Runs a request: `Ok(plan)` when forwarded, `Err((status, body))` when answered.
pub fn run(r: &Request) -> Result<rolegate_gateway::Plan, (u16, Value)> {
    let c = compiled();
    match gateway().handle(&c, r, NOW) {
        Outcome::Forward { plan, .. } => Ok(plan),
        Outcome::Respond { response, .. } => Err((response.status, response.body_json())),
    }
}

pub fn outcome(r: &Request) -> Outcome {
    gateway().handle(&compiled(), r, NOW)
}

/// Asserts a REST 403 whose message contains `needle`.
#[track_caller]
pub fn assert_rest_denied(r: &Request, needle: &str) {
    match run(r) {
        Ok(_) => panic!("{} {}?{} was allowed, expected a denial containing {needle:?}", r.method, r.path, r.query),
        Err((status, body)) => {
            assert_eq!(status, 403, "{body}");
            assert_eq!(body["error"], "ForbiddenException", "{body}");
            assert_eq!(body["code"], "PERMISSION_DENIED", "{body}");
            let msg = body["messages"][0].as_str().unwrap();
            assert!(msg.starts_with("Entity performing the request does not have permission"), "{msg}");
            assert!(msg.contains(needle), "{msg:?} does not contain {needle:?}");
        }
    }
}

#[track_caller]
pub fn assert_allowed(r: &Request) -> rolegate_gateway::Plan {
    match run(r) {
        Ok(p) => p,
        Err((s, b)) => panic!("{} {}?{} denied: {s} {b}", r.method, r.path, r.query),
    }
}

/// Asserts a GraphQL FORBIDDEN denial (HTTP 200) with `null` for `roots`.
#[track_caller]
pub fn assert_gql_denied(r: &Request, roots: &[&str], needle: &str) {
    match run(r) {
        Ok(_) => panic!("GraphQL request was allowed, expected {needle:?}"),
        Err((status, body)) => {
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN", "{body}");
            assert_eq!(body["errors"][0]["extensions"]["subCode"], "PERMISSION_DENIED", "{body}");
            for r in roots {
                assert!(body["data"][r].is_null() && body["data"].get(*r).is_some(), "{body}");
            }
            let msg = body["errors"][0]["message"].as_str().unwrap();
            assert!(msg.contains(needle), "{msg:?} does not contain {needle:?}");
        }
    }
}

pub fn gql(key: &str, query: &str, variables: Value) -> Request {
    json_req("POST", "/graphql", key, &serde_json::json!({"query": query, "variables": variables}))
}

/// Base64url without padding, as JWTs and envelopes use it.
pub fn base64url(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Standard base64 with padding, as Twenty's record cursors use it (`Buffer#toString('base64')`).
pub fn base64_standard(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// An HS256 JWT with exactly these claims, for tokens the minting helpers do not make.
pub fn hs256_token(secret: &str, claims: &Value) -> String {
    use hmac::{Hmac, Mac};
    let input = format!("{}.{}", base64url(br#"{"alg":"HS256"}"#), base64url(claims.to_string().as_bytes()));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", base64url(&mac.finalize().into_bytes()))
}
