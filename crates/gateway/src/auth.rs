//! Credentials: Twenty API-key JWTs (HS256 with the per-workspace secret derived from
//! `APP_SECRET`, ES256 by `kid`), checked against the snapshot (`jti` = a known, unrevoked,
//! unexpired API key of the token's workspace).

use crate::b64;
use crate::request::Request;
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Verifier;
use rolegate_core::tree::{Json, Kind as JsonKind, Node};
use rolegate_core::{Policy, Principal, Status, Subject};
use sha2::{Digest, Sha256};
use std::fmt;

/// Why a credential was refused. Every variant is answered with 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    Missing,
    /// More than one credential (two Authorization headers, header and `?token=`, ...).
    Ambiguous,
    Malformed(String),
    UnsupportedAlgorithm(String),
    UnknownSigningKey(String),
    BadSignature,
    TokenExpired,
    /// `nbf` is in the future.
    TokenNotYetValid,
    UnsupportedTokenType(String),
    WrongWorkspace,
    UnknownApiKey,
    ApiKeyRevoked,
    ApiKeyExpired,
    /// An agent token naming an agent, workflow or member that is not in the snapshot.
    UnknownAgent,
    /// The gateway has no key material to verify this kind of token.
    NotConfigured(&'static str),
    /// An agent token for a workspace other than the one the gateway's own upstream key is for.
    AgentWorkspace {
        served: String,
    },
}

impl AuthError {
    /// A stable code for logs.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "MISSING_CREDENTIALS",
            AuthError::Ambiguous => "AMBIGUOUS_CREDENTIALS",
            AuthError::Malformed(_) => "MALFORMED_TOKEN",
            AuthError::UnsupportedAlgorithm(_) => "UNSUPPORTED_ALGORITHM",
            AuthError::UnknownSigningKey(_) => "UNKNOWN_SIGNING_KEY",
            AuthError::BadSignature => "BAD_SIGNATURE",
            AuthError::TokenExpired => "TOKEN_EXPIRED",
            AuthError::TokenNotYetValid => "TOKEN_NOT_YET_VALID",
            AuthError::UnsupportedTokenType(_) => "UNSUPPORTED_TOKEN_TYPE",
            AuthError::WrongWorkspace => "WRONG_WORKSPACE",
            AuthError::UnknownApiKey => "UNKNOWN_API_KEY",
            AuthError::ApiKeyRevoked => "API_KEY_REVOKED",
            AuthError::ApiKeyExpired => "API_KEY_EXPIRED",
            AuthError::UnknownAgent => "UNKNOWN_AGENT",
            AuthError::NotConfigured(_) => "NOT_CONFIGURED",
            AuthError::AgentWorkspace { .. } => "WRONG_WORKSPACE",
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Missing => write!(f, "Missing credentials: send Authorization: Bearer <API key>"),
            AuthError::Ambiguous => write!(f, "More than one credential in the request"),
            AuthError::Malformed(why) => write!(f, "Token invalid: {why}"),
            AuthError::UnsupportedAlgorithm(a) => write!(f, "Token invalid: algorithm \"{a}\" is not accepted"),
            AuthError::UnknownSigningKey(k) => write!(f, "Token invalid: unknown signing key \"{k}\""),
            AuthError::BadSignature => write!(f, "Token invalid."),
            AuthError::TokenExpired => write!(f, "Token has expired."),
            AuthError::TokenNotYetValid => write!(f, "Token is not valid yet (nbf is in the future)."),
            AuthError::UnsupportedTokenType(t) => write!(f, "Token type \"{t}\" is not accepted by this gateway"),
            AuthError::WrongWorkspace => write!(f, "Token belongs to another workspace"),
            AuthError::UnknownApiKey => write!(f, "This API Key does not exist"),
            AuthError::ApiKeyRevoked => write!(f, "This API Key is revoked"),
            AuthError::ApiKeyExpired => write!(f, "This API Key is expired"),
            AuthError::UnknownAgent => write!(f, "The agent, workflow or member of this agent token does not exist"),
            AuthError::NotConfigured(what) => write!(f, "Token cannot be verified: {what} is not configured"),
            AuthError::AgentWorkspace { served } => {
                write!(f, "Agent tokens are served for workspace {served} only (the workspace of the gateway's upstream key)")
            }
        }
    }
}

/// Whether `s` can be a workspace id to look a snapshot up by (Twenty's are UUIDs): 1 to 100
/// ASCII letters, digits, `-` or `_`. Anything else is refused before a KV read.
pub fn is_workspace_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 100 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Key material for verifying Twenty tokens.
#[derive(Clone, Default)]
pub struct TokenKeys {
    /// Twenty's `APP_SECRET` (HS256 tokens).
    pub app_secret: Option<String>,
    /// ES256 public keys by `kid`.
    pub es256: Vec<(String, p256::ecdsa::VerifyingKey)>,
    /// rolegate's own agent tokens, if the gateway serves agents.
    pub agents: Option<AgentKeys>,
}

/// What serving agents takes: the HS256 key of rolegate's agent tokens (`AGENT_TOKEN_SECRET`)
/// and the one workspace they may act in: the workspace of the Twenty API key the gateway
/// forwards agent requests with (`UPSTREAM_AGENT_API_KEY`). An agent token for any other
/// workspace is refused: the upstream would run it in the key's workspace, under rules checked
/// against another workspace's snapshot.
#[derive(Clone)]
pub struct AgentKeys {
    pub secret: String,
    pub workspace_id: String,
}

impl fmt::Debug for AgentKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentKeys").field("secret", &"<redacted>").field("workspace_id", &self.workspace_id).finish()
    }
}

impl AgentKeys {
    /// From `AGENT_TOKEN_SECRET` and the gateway's own Twenty API key (a JWT naming its
    /// workspace; its signature is Twenty's to check).
    pub fn new(secret: String, upstream_api_key: &str) -> Result<AgentKeys, String> {
        let token = Token::parse(upstream_api_key).map_err(|e| format!("UPSTREAM_AGENT_API_KEY is not a Twenty API key token: {e}"))?;
        let workspace_id = token.workspace_id().filter(|w| !w.is_empty()).ok_or("UPSTREAM_AGENT_API_KEY names no workspace")?.to_string();
        Ok(AgentKeys { secret, workspace_id })
    }
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("app_secret", &self.app_secret.as_ref().map(|_| "<redacted>"))
            .field("es256_kids", &self.es256.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("agents_workspace", &self.agents.as_ref().map(|a| a.workspace_id.as_str()))
            .finish()
    }
}

impl TokenKeys {
    /// Parses `TWENTY_JWT_PUBLIC_KEYS`: a JSON object `{"<kid>": "<PEM public key>"}`.
    pub fn parse_es256_keys(json: &str) -> Result<Vec<(String, p256::ecdsa::VerifyingKey)>, String> {
        use p256::pkcs8::DecodePublicKey;
        let map = Json::parse(json).map_err(|e| format!("TWENTY_JWT_PUBLIC_KEYS is not a JSON object: {e}"))?;
        let keys = map
            .entries()
            .ok_or("TWENTY_JWT_PUBLIC_KEYS is not a JSON object")?
            .map(|(kid, pem)| {
                let pem = pem.as_str().ok_or_else(|| format!("TWENTY_JWT_PUBLIC_KEYS[{kid}] is not a string"))?;
                let key = p256::ecdsa::VerifyingKey::from_public_key_pem(pem)
                    .map_err(|e| format!("TWENTY_JWT_PUBLIC_KEYS[{kid}] is not a P-256 public key PEM: {e}"))?;
                Ok((kid.to_string(), key))
            })
            .collect();
        keys
    }
}

/// Twenty's per-workspace HS256 secret: lowercase hex SHA-256 of `APP_SECRET + workspaceId + TYPE`.
pub fn twenty_workspace_secret(app_secret: &str, workspace_id: &str, token_type: &str) -> String {
    let mut h = Sha256::new();
    h.update(app_secret.as_bytes());
    h.update(workspace_id.as_bytes());
    h.update(token_type.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A JWT split and decoded, not yet verified.
#[derive(Debug, Clone)]
pub struct Token {
    pub alg: String,
    pub kid: Option<String>,
    /// The payload, a JSON object.
    pub claims: Json,
    signing_input: String,
    signature: Vec<u8>,
}

impl Token {
    pub fn parse(raw: &str) -> Result<Token, AuthError> {
        let bad = |why: &str| AuthError::Malformed(why.to_string());
        if raw.len() > 8192 {
            return Err(bad("token too long"));
        }
        let mut parts = raw.split('.');
        let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(bad("a JWT has three dot-separated parts"));
        };
        let header = b64::decode_jws(h).and_then(|b| Json::from_slice(&b).ok()).ok_or_else(|| bad("header is not base64url JSON"))?;
        let claims = b64::decode_jws(p).and_then(|b| Json::from_slice(&b).ok()).ok_or_else(|| bad("payload is not base64url JSON"))?;
        if claims.kind() != JsonKind::Object {
            return Err(bad("payload is not a JSON object"));
        }
        let signature = b64::decode_jws(s).ok_or_else(|| bad("signature is not base64url"))?;
        let alg = header.get("alg").and_then(Node::as_str).ok_or_else(|| bad("header has no alg"))?.to_string();
        let kid = header.get("kid").and_then(Node::as_str).map(String::from);
        Ok(Token { alg, kid, claims, signing_input: format!("{h}.{p}"), signature })
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Node::as_str)
    }

    /// The token's `type` claim (`API_KEY`, `ACCESS`, `AGENT`, ...); legacy API keys have none.
    pub fn token_type(&self) -> Option<&str> {
        self.claim_str("type")
    }

    /// The workspace the token claims (the `workspaceId` claim, or `sub` for legacy keys),
    /// used to pick the snapshot before verification.
    pub fn workspace_id(&self) -> Option<&str> {
        self.claim_str("workspaceId").or_else(|| if self.token_type().is_none() { self.claim_str("sub") } else { None })
    }

    /// Checks an HS256 signature with `secret` (constant time).
    pub fn verify_hs256(&self, secret: &[u8]) -> bool {
        if self.alg != "HS256" {
            return false;
        }
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return false };
        mac.update(self.signing_input.as_bytes());
        mac.verify_slice(&self.signature).is_ok()
    }

    // Out of line, like `check_agent`: an isolate's first request with a Twenty API key does
    // not compile the curve arithmetic (V8 compiles a WebAssembly function whole on first call).
    #[inline(never)]
    fn verify_es256(&self, keys: &TokenKeys) -> Result<(), AuthError> {
        let kid = self.kid.as_deref().ok_or_else(|| AuthError::Malformed("ES256 token without kid".into()))?;
        let key = keys.es256.iter().find(|(k, _)| k == kid).map(|(_, v)| v).ok_or_else(|| AuthError::UnknownSigningKey(kid.to_string()))?;
        let sig = p256::ecdsa::Signature::from_slice(&self.signature).map_err(|_| AuthError::BadSignature)?;
        key.verify(self.signing_input.as_bytes(), &sig).map_err(|_| AuthError::BadSignature)
    }

    /// The token's lifetime: `exp` must be present and in the future, and `nbf`, if present,
    /// a number not after now (as Twenty's `jsonwebtoken` checks them, without clock tolerance).
    pub fn check_lifetime(&self, now: i64) -> Result<(), AuthError> {
        let exp = self.claims.get("exp").and_then(Node::as_f64).ok_or_else(|| AuthError::Malformed("no exp claim".into()))?;
        if (now as f64) >= exp {
            return Err(AuthError::TokenExpired);
        }
        if let Some(nbf) = self.claims.get("nbf") {
            let nbf = nbf.as_f64().ok_or_else(|| AuthError::Malformed("nbf is not a number".into()))?;
            if nbf > now as f64 {
                return Err(AuthError::TokenNotYetValid);
            }
        }
        Ok(())
    }
}

/// Finds the one credential of a request: `Authorization: Bearer <jwt>`, or Twenty's older
/// `?token=` query credential (verified the same way). Two credentials are refused, never
/// one of them silently ignored.
pub fn extract_bearer(req: &Request) -> Result<String, AuthError> {
    let headers: Vec<&str> = req.header_all("authorization").collect();
    let query_tokens: Vec<String> = req.query_pairs().filter(|(k, _)| k == "token").map(|(_, v)| v).collect();
    if headers.len() + query_tokens.len() > 1 {
        return Err(AuthError::Ambiguous);
    }
    if let Some(h) = headers.first() {
        let h = h.trim();
        let (scheme, rest) = h.split_once(' ').ok_or_else(|| AuthError::Malformed("Authorization is not \"Bearer <token>\"".into()))?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AuthError::Malformed("Authorization scheme must be Bearer".into()));
        }
        let t = rest.trim();
        if t.is_empty() {
            return Err(AuthError::Missing);
        }
        return Ok(t.to_string());
    }
    match query_tokens.into_iter().next() {
        Some(t) if !t.is_empty() => Ok(t),
        Some(_) => Err(AuthError::Missing),
        None => Err(AuthError::Missing),
    }
}

/// A credential whose signature, type, algorithm and lifetime are checked: what is left is
/// to check it against its workspace's snapshot ([`Authenticated::principal`]). Everything
/// here needs only the gateway's key material, so a forged, expired or foreign token is
/// refused before any snapshot is looked up (a KV read at the edge).
#[derive(Debug, Clone)]
pub struct Authenticated {
    token: Token,
    kind: Kind,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    ApiKey,
    Agent,
}

impl Authenticated {
    /// The request's one credential (see [`extract_bearer`]), parsed and checked.
    pub fn from_request(req: &Request, keys: &TokenKeys, now: i64) -> Result<Authenticated, AuthError> {
        let token = Token::parse(&extract_bearer(req)?)?;
        // Agent tokens travel in the Authorization header only (never in URLs or logs).
        if token.token_type() == Some("AGENT") && req.first_header("authorization").is_none() {
            return Err(AuthError::Malformed("agent tokens must be sent in the Authorization header".into()));
        }
        Authenticated::check(token, keys, now)
    }

    /// Checks a parsed token: an agent token if its `type` is `AGENT`, else a Twenty API key.
    pub fn check(token: Token, keys: &TokenKeys, now: i64) -> Result<Authenticated, AuthError> {
        let kind = if token.token_type() == Some("AGENT") {
            check_agent(&token, keys, now)?;
            Kind::Agent
        } else {
            check_api_key(&token, keys, now)?;
            Kind::ApiKey
        };
        Ok(Authenticated { token, kind })
    }

    /// The workspace whose snapshot decides: checked to be one ([`is_workspace_id`]).
    pub fn workspace_id(&self) -> &str {
        // present and well formed: both checks above refuse a token without one
        self.token.workspace_id().unwrap_or_default()
    }

    /// The principal and what it resolves to, checked against the snapshot of the token's
    /// workspace (resolved once: the lookup that finds a revoked key is the subject).
    pub fn principal(&self, keys: &TokenKeys, policy: &Policy, now: i64) -> Result<(Principal, Subject), AuthError> {
        match self.kind {
            Kind::ApiKey => api_key_principal(&self.token, policy, now),
            Kind::Agent => agent_principal(&self.token, keys, policy, now),
        }
    }
}

/// The token's workspace claim, refused unless it can be one.
fn claimed_workspace(token: &Token) -> Result<&str, AuthError> {
    match token.workspace_id() {
        None => Err(AuthError::Malformed("no workspace claim".into())),
        Some(w) if !is_workspace_id(w) => Err(AuthError::Malformed("no usable workspace claim".into())),
        Some(w) => Ok(w),
    }
}

/// Signature, type, expiry and workspace claim of a Twenty API-key token (`legacy`: minted
/// before Twenty added `type` and `workspaceId`).
fn check_api_key(token: &Token, keys: &TokenKeys, now: i64) -> Result<(), AuthError> {
    let ty = token.token_type();
    let legacy = ty.is_none() && token.claim_str("workspaceId").is_none();
    if !(ty == Some("API_KEY") || legacy) {
        return Err(AuthError::UnsupportedTokenType(ty.unwrap_or("").to_string()));
    }
    let workspace = claimed_workspace(token)?;
    match token.alg.as_str() {
        "HS256" => {
            let app_secret = keys.app_secret.as_deref().ok_or(AuthError::NotConfigured("TWENTY_APP_SECRET"))?;
            // Keys minted before late 2025 were signed with the ACCESS secret (Twenty PR #16504).
            let ok = ["API_KEY", "ACCESS"].iter().any(|t| token.verify_hs256(twenty_workspace_secret(app_secret, workspace, t).as_bytes()));
            if !ok {
                return Err(AuthError::BadSignature);
            }
        }
        "ES256" => token.verify_es256(keys)?,
        other => return Err(AuthError::UnsupportedAlgorithm(other.to_string())),
    }
    token.check_lifetime(now)?;
    if token.claim_str("sub").is_some_and(|s| !legacy && s != workspace) {
        return Err(AuthError::WrongWorkspace);
    }
    Ok(())
}

/// The API key of a checked token: a known, unrevoked, unexpired key of the snapshot's workspace.
fn api_key_principal(token: &Token, policy: &Policy, now: i64) -> Result<(Principal, Subject), AuthError> {
    // `sub` was checked against the workspace claim with the signature (check_api_key)
    if token.workspace_id() != Some(policy.workspace_id()) {
        return Err(AuthError::WrongWorkspace);
    }
    let jti = token.claim_str("jti").ok_or_else(|| AuthError::Malformed("no jti claim".into()))?;
    let principal = Principal::ApiKey(jti.to_string());
    match policy.resolve(&principal, now) {
        Err(_) => Err(AuthError::UnknownApiKey),
        Ok(s) => match s.status() {
            Status::Revoked => Err(AuthError::ApiKeyRevoked),
            Status::Expired => Err(AuthError::ApiKeyExpired),
            Status::Active | Status::NoRole => Ok((principal, s)),
        },
    }
}

/// Verifies a Twenty API-key token against the snapshot and returns its principal.
pub fn verify_api_key(token: &Token, keys: &TokenKeys, policy: &Policy, now: i64) -> Result<Principal, AuthError> {
    check_api_key(token, keys, now)?;
    Ok(api_key_principal(token, policy, now)?.0)
}

/// Mints an HS256 API-key token the way Twenty does (for tests, the sample upstream and the
/// local dev setup).
pub fn mint_api_key_token(app_secret: &str, workspace_id: &str, api_key_id: &str, iat: i64, exp: i64, secret_type: &str) -> String {
    let header = b64::encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "sub": workspace_id, "type": "API_KEY", "workspaceId": workspace_id, "iat": iat, "exp": exp, "jti": api_key_id
    });
    let payload = b64::encode(claims.to_string().as_bytes());
    let input = format!("{header}.{payload}");
    let secret = twenty_workspace_secret(app_secret, workspace_id, secret_type);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", b64::encode(&mac.finalize().into_bytes()))
}

/// The longest an agent token may live (`exp - iat`): there is no revocation list for agent
/// tokens, so a leaked one is bounded by this (`rolegate token agent` mints within it).
pub const MAX_AGENT_TOKEN_SECONDS: i64 = 24 * 3600;

/// Signature, type and lifetime of one of rolegate's agent tokens (HS256 with
/// `AGENT_TOKEN_SECRET`, `type: "AGENT"`), and its workspace: the one the gateway serves
/// agents for.
#[inline(never)]
fn check_agent(token: &Token, keys: &TokenKeys, now: i64) -> Result<(), AuthError> {
    if token.token_type() != Some("AGENT") {
        return Err(AuthError::UnsupportedTokenType(token.token_type().unwrap_or("").to_string()));
    }
    let agents = keys.agents.as_ref().ok_or(AuthError::NotConfigured("AGENT_TOKEN_SECRET"))?;
    if token.alg != "HS256" {
        return Err(AuthError::UnsupportedAlgorithm(token.alg.clone()));
    }
    let workspace = claimed_workspace(token)?;
    if !token.verify_hs256(agents.secret.as_bytes()) {
        return Err(AuthError::BadSignature);
    }
    token.check_lifetime(now)?;
    let num = |name: &str| token.claims.get(name).and_then(Node::as_f64);
    match (num("iat"), num("exp")) {
        (Some(iat), Some(exp)) if exp - iat <= MAX_AGENT_TOKEN_SECONDS as f64 && iat <= (now + 60) as f64 => {}
        (None, _) => return Err(AuthError::Malformed("an agent token needs an iat claim".into())),
        _ => {
            return Err(AuthError::Malformed(format!(
                "an agent token may live at most {} hours from its iat, which may not be in the future",
                MAX_AGENT_TOKEN_SECONDS / 3600
            )))
        }
    }
    if workspace != agents.workspace_id {
        return Err(AuthError::AgentWorkspace { served: agents.workspace_id.clone() });
    }
    Ok(())
}

/// The agent principal of a checked agent token: alone, in a workflow, or on behalf of a
/// member, each of which must be in the snapshot.
fn agent_principal(token: &Token, keys: &TokenKeys, policy: &Policy, now: i64) -> Result<(Principal, Subject), AuthError> {
    let agents = keys.agents.as_ref().ok_or(AuthError::NotConfigured("AGENT_TOKEN_SECRET"))?;
    if token.claim_str("workspaceId") != Some(policy.workspace_id()) {
        return Err(AuthError::WrongWorkspace);
    }
    if policy.workspace_id() != agents.workspace_id {
        return Err(AuthError::AgentWorkspace { served: agents.workspace_id.clone() });
    }
    let agent = token.claim_str("agentId").ok_or_else(|| AuthError::Malformed("no agentId claim".into()))?.to_string();
    let principal = match (token.claim_str("workflowId"), token.claim_str("onBehalfOf")) {
        (None, None) => Principal::Agent(agent),
        (Some(w), None) => Principal::AgentInWorkflow { agent, workflow: w.to_string() },
        (None, Some(m)) => Principal::AgentOnBehalfOf { agent, member: m.to_string() },
        (Some(_), Some(_)) => return Err(AuthError::Malformed("an agent token names a workflow or a member, not both".into())),
    };
    let subject = policy.resolve(&principal, now).map_err(|_| AuthError::UnknownAgent)?;
    Ok((principal, subject))
}

/// Verifies one of rolegate's agent tokens against the snapshot and returns the agent
/// principal.
pub fn verify_agent(token: &Token, keys: &TokenKeys, policy: &Policy, now: i64) -> Result<Principal, AuthError> {
    check_agent(token, keys, now)?;
    Ok(agent_principal(token, keys, policy, now)?.0)
}

/// Mints an agent token (`rolegate token agent`, tests).
#[allow(clippy::too_many_arguments)]
pub fn mint_agent_token(
    secret: &str,
    workspace_id: &str,
    agent: &str,
    workflow: Option<&str>,
    on_behalf_of: Option<&str>,
    iat: i64,
    exp: i64,
    jti: &str,
) -> String {
    let header = b64::encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let mut claims =
        serde_json::json!({"type": "AGENT", "workspaceId": workspace_id, "agentId": agent, "iat": iat, "exp": exp, "jti": jti});
    if let Some(w) = workflow {
        claims["workflowId"] = w.into();
    }
    if let Some(m) = on_behalf_of {
        claims["onBehalfOf"] = m.into();
    }
    let payload = b64::encode(claims.to_string().as_bytes());
    let input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", b64::encode(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod workspace_id_tests {
    #[test]
    fn workspace_ids() {
        assert!(super::is_workspace_id("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"));
        for bad in ["", "../x", "a b", "ws:1", "\u{e9}", "x\n", &"a".repeat(101)] {
            assert!(!super::is_workspace_id(bad), "{bad:?}");
        }
    }
}
