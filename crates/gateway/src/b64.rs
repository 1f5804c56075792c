//! base64url helpers (JWTs and envelopes use the URL-safe alphabet without padding).

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url with or without padding; `None` on anything else. For the envelopes and
/// key files rolegate reads (other tools may pad them); JWT segments use [`decode_jws`].
pub fn decode(s: &str) -> Option<Vec<u8>> {
    if s.ends_with('=') {
        URL_SAFE.decode(s).ok()
    } else {
        URL_SAFE_NO_PAD.decode(s).ok()
    }
}

/// Decodes one segment of a JWS compact serialisation (RFC 7515 §2: base64url without
/// padding), strictly: no `=`, no non-zero trailing bits. So a token has exactly one spelling:
/// a padded or re-spelled copy of a valid token is refused, as Twenty's own verifier refuses
/// it, rather than being a second string for the same credential (logs, rate limits and
/// deny lists key on the string).
pub fn decode_jws(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}
