//! Responses the gateway produces itself (contract §7).

use serde_json::{json, Value};

pub const PERMISSION_MESSAGE: &str = "Entity performing the request does not have permission";

/// A response produced by the gateway (denials, credential failures, unavailability).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
            body: serde_json::to_vec(body).unwrap_or_default(),
        }
    }
    /// Adds `x-rolegate-decision` and `x-rolegate-revision`.
    pub fn with_decision(mut self, decision: &str, revision: Option<u64>) -> Response {
        self.headers.push(("x-rolegate-decision".into(), decision.into()));
        self.headers.push(("x-rolegate-revision".into(), revision.map(|r| r.to_string()).unwrap_or_default()));
        self
    }
    pub fn body_json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// REST 403 in Twenty's shape; `detail` is appended after a colon
/// (`no permission to read field "address" on "person"`).
pub fn rest_forbidden(detail: Option<&str>) -> Response {
    let message = match detail {
        Some(d) => format!("{PERMISSION_MESSAGE}: {d}"),
        None => PERMISSION_MESSAGE.to_string(),
    };
    Response::json(
        403,
        &json!({"statusCode": 403, "error": "ForbiddenException", "messages": [message], "code": "PERMISSION_DENIED"}),
    )
}

/// GraphQL denial: HTTP 200, every denied root field `null`, one FORBIDDEN error.
pub fn graphql_forbidden(root_keys: &[String], detail: Option<&str>) -> Response {
    Response::json(200, &graphql_forbidden_value(root_keys, detail))
}

pub fn graphql_forbidden_value(root_keys: &[String], detail: Option<&str>) -> Value {
    let message = match detail {
        Some(d) => format!("{PERMISSION_MESSAGE}: {d}"),
        None => PERMISSION_MESSAGE.to_string(),
    };
    let data = if root_keys.is_empty() {
        Value::Null
    } else {
        Value::Object(root_keys.iter().map(|k| (k.clone(), Value::Null)).collect())
    };
    json!({
        "data": data,
        "errors": [{"message": message, "extensions": {
            "code": "FORBIDDEN", "subCode": "PERMISSION_DENIED", "userFriendlyMessage": "User does not have permission."
        }}]
    })
}

/// 401 for missing, invalid, revoked or expired credentials.
pub fn unauthorized(message: &str) -> Response {
    let mut r = Response::json(
        401,
        &json!({"statusCode": 401, "error": "UnauthorizedException", "messages": [message], "code": "UNAUTHENTICATED"}),
    );
    r.headers.push(("www-authenticate".into(), "Bearer".into()));
    r
}

/// 503 when the gateway cannot decide (no snapshot, bad signature, configuration, KV error).
pub fn unavailable(message: &str) -> Response {
    Response::json(
        503,
        &json!({"statusCode": 503, "error": "ServiceUnavailableException", "messages": [message], "code": "PERMISSIONS_UNAVAILABLE"}),
    )
}

/// 413 for bodies over the limit.
pub fn too_large(limit: usize) -> Response {
    Response::json(
        413,
        &json!({"statusCode": 413, "error": "PayloadTooLargeException",
                "messages": [format!("Request body exceeds the gateway limit of {limit} bytes")], "code": "PAYLOAD_TOO_LARGE"}),
    )
}

/// 400 for a request the gateway refuses to interpret (e.g. a `Connection` header that would
/// have an end-to-end header the gateway checked removed before the upstream sees it).
pub fn bad_request(message: &str) -> Response {
    Response::json(400, &json!({"statusCode": 400, "error": "BadRequestException", "messages": [message], "code": "BAD_REQUEST"}))
}
