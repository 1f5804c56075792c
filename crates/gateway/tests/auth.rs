//! Credentials: HS256 (API_KEY and ACCESS-signed legacy keys), ES256 by kid, `?token=`,
//! expiry, revocation, workspace, and 401 responses.

mod common;

use common::*;
use p256::ecdsa::signature::Signer;
use p256::pkcs8::EncodePublicKey;
use rolegate_gateway::auth::mint_api_key_token;
use rolegate_gateway::{Config, Gateway, Outcome, Request, TokenKeys};

fn status(r: &Request) -> (u16, serde_json::Value, Option<String>) {
    match outcome(r) {
        Outcome::Respond { response, record } => {
            assert_eq!(record.decision, "deny");
            assert_eq!(response.header("x-rolegate-decision"), Some("deny"));
            assert_eq!(response.header("x-rolegate-revision"), Some("12"));
            (response.status, response.body_json(), response.header("www-authenticate").map(String::from))
        }
        Outcome::Forward { .. } => (200, serde_json::Value::Null, None),
    }
}

fn assert_401(r: &Request, needle: &str) {
    let (s, body, www) = status(r);
    assert_eq!(s, 401, "{body}");
    assert_eq!(www.as_deref(), Some("Bearer"));
    assert_eq!(body["error"], "UnauthorizedException");
    assert_eq!(body["statusCode"], 401);
    assert!(body["messages"][0].as_str().unwrap().contains(needle), "{body}");
}

#[test]
fn valid_keys_pass() {
    assert_eq!(status(&req("GET", "/rest/people", ZAPIER)).0, 200);
    assert_eq!(status(&req("GET", "/rest/companies", WAREHOUSE)).0, 200);
    assert_eq!(status(&req("GET", "/rest/companies", LEGACY)).0, 200);
    // keys minted before late 2025 were signed with the ACCESS secret
    let t = mint_api_key_token(APP_SECRET, WS, ZAPIER, NOW - 1, NOW + 60, "ACCESS");
    assert_eq!(status(&Request::new("GET", "/rest/people").header("Authorization", &format!("bearer {t}"))).0, 200);
    // Twenty's older ?token= credential is verified like the header
    assert_eq!(status(&Request::new("GET", &format!("/rest/people?token={}", token(ZAPIER)))).0, 200);
}

#[test]
fn refused_credentials() {
    assert_401(&Request::new("GET", "/rest/people"), "Missing credentials");
    assert_401(&Request::new("GET", "/rest/people").header("authorization", "Basic abc"), "Bearer");
    assert_401(&Request::new("GET", "/rest/people").header("authorization", "Bearer not.a.jwt"), "Token invalid");
    assert_401(&req("GET", "/rest/people", REVOKED), "revoked");
    assert_401(&req("GET", "/rest/people", "00000000-0000-4000-8000-000000000000"), "does not exist");
    let forged = mint_api_key_token("another-secret", WS, ZAPIER, NOW - 1, NOW + 60, "API_KEY");
    assert_401(&Request::new("GET", "/rest/people").header("authorization", &format!("Bearer {forged}")), "Token invalid");
    let expired = mint_api_key_token(APP_SECRET, WS, ZAPIER, NOW - 100, NOW - 1, "API_KEY");
    assert_401(&Request::new("GET", "/rest/people").header("authorization", &format!("Bearer {expired}")), "expired");
    let other_ws = mint_api_key_token(APP_SECRET, "11111111-1111-4111-8111-111111111111", ZAPIER, NOW - 1, NOW + 60, "API_KEY");
    assert_401(&Request::new("GET", "/rest/people").header("authorization", &format!("Bearer {other_ws}")), "another workspace");
    // two credentials: never pick one silently
    let both = Request::new("GET", &format!("/rest/people?token={}", token(WAREHOUSE)))
        .header("authorization", &format!("Bearer {}", token(ZAPIER)));
    assert_401(&both, "More than one credential");
    let two_headers = req("GET", "/rest/people", ZAPIER).header("authorization", &format!("Bearer {}", token(WAREHOUSE)));
    assert_401(&two_headers, "More than one credential");
    // tampered payload (role escalation attempt: swap jti) keeps the old signature
    let t = token(ZAPIER);
    let parts: Vec<&str> = t.split('.').collect();
    let claims = serde_json::json!({"sub": WS, "type": "API_KEY", "workspaceId": WS, "iat": NOW, "exp": NOW + 60, "jti": LEGACY});
    use base64::Engine;
    let p = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    let tampered = format!("{}.{}.{}", parts[0], p, parts[2]);
    assert_401(&Request::new("GET", "/rest/people").header("authorization", &format!("Bearer {tampered}")), "Token invalid");
    // one spelling per token (RFC 7515: unpadded base64url): a padded signature segment, or one
    // whose last character differs only in the unused trailing bits, decodes to the same bytes
    // but is not the token that was issued
    assert_401(&Request::new("GET", "/rest/people").header("authorization", &format!("Bearer {t}=")), "signature is not base64url");
    let sig = parts[2];
    let last = sig.as_bytes()[sig.len() - 1];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let i = alphabet.iter().position(|&c| c == last).unwrap();
    // a 32-byte HMAC is 43 characters: the last one carries 4 bits and 2 unused ones
    assert_eq!(sig.len(), 43);
    let respelled = format!("{}.{}.{}{}", parts[0], parts[1], &sig[..sig.len() - 1], alphabet[i ^ 1] as char);
    assert_401(&Request::new("GET", "/rest/people").header("authorization", &format!("Bearer {respelled}")), "signature is not base64url");
    let padded_payload = format!("{}.{}=.{}", parts[0], parts[1], parts[2]);
    assert_401(
        &Request::new("GET", "/rest/people").header("authorization", &format!("Bearer {padded_payload}")),
        "payload is not base64url",
    );
    // alg none
    let h = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
    assert_401(&Request::new("GET", "/rest/people").header("authorization", &format!("Bearer {h}.{p}.")), "algorithm");
}

/// An HS256 token with these claims, signed with the workspace's secret of `secret_type`.
fn signed(claims: serde_json::Value, secret_type: &str) -> String {
    hs256_token(&rolegate_gateway::auth::twenty_workspace_secret(APP_SECRET, WS, secret_type), &claims)
}

#[test]
fn user_tokens_are_not_api_keys() {
    let claims = serde_json::json!({"sub": "u1", "type": "ACCESS", "workspaceId": WS, "exp": NOW + 60, "userWorkspaceId": "uw"});
    let t = signed(claims, "ACCESS");
    assert_401(&Request::new("GET", "/rest/people").header("authorization", &format!("Bearer {t}")), "Token type \"ACCESS\"");
}

/// `nbf`, when a token has one, is checked as Twenty's `jsonwebtoken` checks it: a token that
/// is not valid yet is refused, one whose `nbf` has come passes, and a non-numeric one is
/// malformed.
#[test]
fn not_before_is_checked() {
    let key = |nbf: serde_json::Value| {
        let t = signed(
            serde_json::json!({"sub": WS, "type": "API_KEY", "workspaceId": WS, "iat": NOW - 10, "exp": NOW + 60, "jti": ZAPIER, "nbf": nbf}),
            "API_KEY",
        );
        Request::new("GET", "/rest/people").header("authorization", &format!("Bearer {t}"))
    };
    assert_401(&key(serde_json::json!(NOW + 30)), "not valid yet");
    assert_eq!(
        gateway().authenticate_credential(&key(serde_json::json!(NOW + 1)), NOW).expect_err("future nbf").code(),
        "TOKEN_NOT_YET_VALID"
    );
    assert_eq!(status(&key(serde_json::json!(NOW))).0, 200);
    assert_eq!(status(&key(serde_json::json!(NOW - 5))).0, 200);
    assert_401(&key(serde_json::json!("yesterday")), "nbf is not a number");
    assert_401(&key(serde_json::Value::Null), "nbf is not a number");
}

#[test]
fn es256_tokens_by_kid() {
    let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let pem = sk.verifying_key().to_public_key_pem(p256::pkcs8::LineEnding::LF).unwrap();
    let keys = TokenKeys::parse_es256_keys(&serde_json::json!({"key-2026": pem}).to_string()).unwrap();
    let gw = Gateway::new(Config { token_keys: TokenKeys { app_secret: None, es256: keys, agents: None }, ..Config::default() });
    let mk = |kid: &str, key: &p256::ecdsa::SigningKey| {
        let h = base64url(serde_json::json!({"alg": "ES256", "kid": kid}).to_string().as_bytes());
        let c = base64url(
            serde_json::json!({"sub": WS, "type": "API_KEY", "workspaceId": WS, "exp": NOW + 60, "jti": ZAPIER}).to_string().as_bytes(),
        );
        let sig: p256::ecdsa::Signature = key.sign(format!("{h}.{c}").as_bytes());
        format!("{h}.{c}.{}", base64url(&sig.to_bytes()))
    };
    let c = compiled();
    let run = |t: String| match gw.handle(&c, &Request::new("GET", "/rest/people").header("authorization", &format!("Bearer {t}")), NOW) {
        Outcome::Forward { .. } => 200,
        Outcome::Respond { response, .. } => response.status,
    };
    assert_eq!(run(mk("key-2026", &sk)), 200);
    assert_eq!(run(mk("retired", &sk)), 401);
    let other = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
    assert_eq!(run(mk("key-2026", &other)), 401);
    // HS256 without a configured APP_SECRET cannot be verified: refused
    assert_eq!(run(token(ZAPIER)), 401);
    assert!(TokenKeys::parse_es256_keys(r#"{"k":"not a pem"}"#).is_err());
}

/// What the edge checks before it reads a snapshot: the credential alone. Forged, expired and
/// badly addressed tokens fail here; a valid one names its workspace and is then checked
/// against the snapshot (where revocation is found).
#[test]
fn credentials_are_checked_before_any_snapshot() {
    let gw = gateway();
    let check = |r: &Request| gw.authenticate_credential(r, NOW);
    let ok = check(&req("GET", "/rest/people", ZAPIER)).expect("a valid key");
    assert_eq!(ok.workspace_id(), WS);
    let forged = mint_api_key_token("not-the-secret", WS, ZAPIER, NOW - 1, NOW + 60, "API_KEY");
    let expired = mint_api_key_token(APP_SECRET, WS, ZAPIER, NOW - 100, NOW - 10, "API_KEY");
    let elsewhere = mint_api_key_token(APP_SECRET, "../other", ZAPIER, NOW - 1, NOW + 60, "API_KEY");
    for (name, t, code) in
        [("forged", forged, "BAD_SIGNATURE"), ("expired", expired, "TOKEN_EXPIRED"), ("bad workspace id", elsewhere, "MALFORMED_TOKEN")]
    {
        let r = Request::new("GET", "/rest/people").header("Authorization", &format!("Bearer {t}"));
        assert_eq!(check(&r).expect_err(name).code(), code, "{name}");
    }
    // a revoked key passes the credential check; the snapshot refuses it
    let revoked = req("GET", "/rest/people", REVOKED);
    let credential = check(&revoked).expect("signed and unexpired");
    let (resp, record) = match gw.handle_authenticated(&compiled(), &credential, &revoked, NOW) {
        Outcome::Respond { response, record } => (response, record),
        Outcome::Forward { .. } => panic!("a revoked key was forwarded"),
    };
    assert_eq!(resp.status, 401);
    assert!(record.reason.as_deref().unwrap_or("").starts_with("API_KEY_REVOKED"), "{:?}", record.reason);
}
