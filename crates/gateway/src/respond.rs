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

    /// Twenty's REST error shape, serialised straight from a struct (the same bytes as the
    /// `json!` value it replaces, keys in the same order): a `Value` would build an IndexMap and
    /// hash its keys, code that a fresh edge isolate's first denial would compile for this alone.
    fn rest_error(status: u16, error: &str, message: &str, code: &str) -> Response {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct RestError<'a> {
            status_code: u16,
            error: &'a str,
            messages: [&'a str; 1],
            code: &'a str,
        }
        let body = RestError { status_code: status, error, messages: [message], code };
        Response {
            status,
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
            body: serde_json::to_vec(&body).unwrap_or_default(),
        }
    }
}

/// REST 403 in Twenty's shape; `detail` is appended after a colon
/// (`no permission to read field "address" on "person"`).
pub fn rest_forbidden(detail: Option<&str>) -> Response {
    let message = match detail {
        Some(d) => format!("{PERMISSION_MESSAGE}: {d}"),
        None => PERMISSION_MESSAGE.to_string(),
    };
    Response::rest_error(403, "ForbiddenException", &message, "PERMISSION_DENIED")
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
    let data = if root_keys.is_empty() { Value::Null } else { Value::Object(root_keys.iter().map(|k| (k.clone(), Value::Null)).collect()) };
    json!({
        "data": data,
        "errors": [{"message": message, "extensions": {
            "code": "FORBIDDEN", "subCode": "PERMISSION_DENIED", "userFriendlyMessage": "User does not have permission."
        }}]
    })
}

/// 401 for missing, invalid, revoked or expired credentials.
pub fn unauthorized(message: &str) -> Response {
    let mut r = Response::rest_error(401, "UnauthorizedException", message, "UNAUTHENTICATED");
    r.headers.push(("www-authenticate".into(), "Bearer".into()));
    r
}

/// 503 when the gateway cannot decide (no snapshot, bad signature, configuration, KV error).
pub fn unavailable(message: &str) -> Response {
    Response::rest_error(503, "ServiceUnavailableException", message, "PERMISSIONS_UNAVAILABLE")
}

/// 413 for bodies over the limit.
pub fn too_large(limit: usize) -> Response {
    Response::rest_error(
        413,
        "PayloadTooLargeException",
        &format!("Request body exceeds the gateway limit of {limit} bytes"),
        "PAYLOAD_TOO_LARGE",
    )
}

/// 400 for a request the gateway refuses to interpret (e.g. a `Connection` header that would
/// have an end-to-end header the gateway checked removed before the upstream sees it).
pub fn bad_request(message: &str) -> Response {
    Response::rest_error(400, "BadRequestException", message, "BAD_REQUEST")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The REST errors are the bytes of Twenty's shape, keys in its order, escapes included.
    #[test]
    fn rest_errors_are_twentys_shape_byte_for_byte() {
        let twenty = |status: u16, error: &str, message: &str, code: &str| {
            serde_json::to_vec(&json!({"statusCode": status, "error": error, "messages": [message], "code": code})).unwrap()
        };
        let odd = "a \"quoted\" \\ name\n\u{1}é";
        let forbidden = format!("{PERMISSION_MESSAGE}: {odd}");
        for (r, expected) in [
            (rest_forbidden(Some(odd)), twenty(403, "ForbiddenException", &forbidden, "PERMISSION_DENIED")),
            (rest_forbidden(None), twenty(403, "ForbiddenException", PERMISSION_MESSAGE, "PERMISSION_DENIED")),
            (unauthorized(odd), twenty(401, "UnauthorizedException", odd, "UNAUTHENTICATED")),
            (unavailable(odd), twenty(503, "ServiceUnavailableException", odd, "PERMISSIONS_UNAVAILABLE")),
            (
                too_large(1024),
                twenty(413, "PayloadTooLargeException", "Request body exceeds the gateway limit of 1024 bytes", "PAYLOAD_TOO_LARGE"),
            ),
            (bad_request(odd), twenty(400, "BadRequestException", odd, "BAD_REQUEST")),
        ] {
            assert_eq!(String::from_utf8(r.body.clone()).unwrap(), String::from_utf8(expected).unwrap());
            assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));
        }
        assert_eq!(unauthorized("x").header("www-authenticate"), Some("Bearer"));
    }
}
