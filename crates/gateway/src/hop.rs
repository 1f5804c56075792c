//! Which headers a forwarding proxy must not pass on (RFC 9110 §7.6.1): the fixed hop-by-hop
//! set, every header the message's own `Connection` header names, and, per direction, the
//! edge's and rolegate's own headers. The edge worker applies this to the caller's request on
//! its way upstream and to the upstream's response on its way back.

/// Hop-by-hop in every message, whatever its `Connection` header says. `host` and
/// `content-length` are set by the runtime's own fetch for the new message.
const ALWAYS: &[&str] = &[
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
    // the RFC 2616 spelling, still stripped by proxies
    "trailers", "transfer-encoding", "upgrade", "host", "content-length",
];

/// End-to-end headers the gateway reads to decide: a request whose `Connection` header names one
/// is refused (stripping it would forward a different request from the one that was checked).
/// The method-override headers too ([`crate::rest`] refuses requests that carry them).
const CHECKED: &[&str] = &["authorization", "content-type", "content-encoding"];

/// Request headers that make the upstream answer depending on what it would send (conditional
/// requests and ranges). The gateway redacts what the upstream sends, so the upstream's answer
/// to "has this changed?" or "send bytes 10-20" is about a body the caller may not see: with
/// `If-None-Match` a caller could test a guess of the unredacted body (a 304 says "right"), and a
/// range of a redacted document is not a document.
const CONDITIONAL: &[&str] = &["if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range", "range"];

/// What a caller says of itself that the upstream would take for the edge's word: its address
/// and the host and scheme it used (logs, rate limits, URLs an upstream builds), and its
/// cookies, which have no business next to an API key (and for agents would travel with the
/// gateway's own key). The worker sets `x-forwarded-for` itself, from the edge's
/// `cf-connecting-ip`.
const CLIENT_CLAIMS: &[&str] = &[
    "cookie", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-prefix",
    "x-real-ip", "x-client-ip", "true-client-ip",
];

/// Response headers that describe the upstream's body byte for byte (validators and digests).
/// Express's default weak ETag is the length and SHA-1 of the whole body, hidden fields
/// included: forwarded beside a redacted body it would tell the caller the hidden values' length
/// and let it confirm guesses of them offline.
const BODY_DIGESTS: &[&str] = &["etag", "content-md5", "digest", "repr-digest", "content-digest"];

/// The hop-by-hop headers of one message.
#[derive(Debug, Default, Clone)]
pub struct HopByHop {
    /// Lower-cased names listed in the message's `Connection` header(s).
    listed: Vec<String>,
}

impl HopByHop {
    /// From the values of the message's `Connection` headers (comma-separated tokens).
    pub fn from_connection<'a>(values: impl IntoIterator<Item = &'a str>) -> HopByHop {
        let mut listed = Vec::new();
        for v in values {
            for token in v.split(',') {
                let t = token.trim();
                if !t.is_empty() {
                    listed.push(t.to_ascii_lowercase());
                }
            }
        }
        HopByHop { listed }
    }

    /// The first name the `Connection` header lists that the gateway reads to decide (see
    /// `CHECKED`); the gateway refuses such a request.
    pub fn lists_checked_header(&self) -> Option<&str> {
        self.listed
            .iter()
            .map(String::as_str)
            .find(|l| CHECKED.iter().chain(crate::rest::METHOD_OVERRIDE_HEADERS).any(|c| c.eq_ignore_ascii_case(l)))
    }

    fn hop(&self, name: &str) -> bool {
        ALWAYS.iter().any(|h| h.eq_ignore_ascii_case(name)) || self.listed.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// Whether a header of the caller's request stays behind: hop-by-hop, the edge's own
    /// (`cf-*`), rolegate's (`x-rolegate-*`, which only the gateway sets), conditional and
    /// range headers (see `CONDITIONAL`), and the caller's claims about itself and its cookies
    /// (see `CLIENT_CLAIMS`).
    pub fn drops_from_request(&self, name: &str) -> bool {
        self.hop(name)
            || starts_with_ignore_case(name, "cf-")
            || starts_with_ignore_case(name, "x-rolegate-")
            || CONDITIONAL.iter().chain(CLIENT_CLAIMS).any(|h| h.eq_ignore_ascii_case(name))
    }

    /// Whether a header of the upstream's response stays behind: hop-by-hop,
    /// `content-encoding` (the runtime's fetch has already decoded the body) and
    /// `x-rolegate-*` (an upstream cannot speak for the gateway), and validators and digests of
    /// the upstream's body (see `BODY_DIGESTS`), which may not be the body the caller gets.
    pub fn drops_from_response(&self, name: &str) -> bool {
        self.hop(name)
            || name.eq_ignore_ascii_case("content-encoding")
            || starts_with_ignore_case(name, "x-rolegate-")
            || BODY_DIGESTS.iter().any(|h| h.eq_ignore_ascii_case(name))
    }
}

fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    name.len() >= prefix.len() && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_set_and_connection_listed_names_are_dropped() {
        let h = HopByHop::from_connection(["keep-alive, X-Trace-Hop", " upgrade ,,x-other"]);
        for name in [
            "Connection", "keep-alive", "TE", "trailers", "transfer-encoding", "proxy-authorization", "host", "content-length",
            "x-trace-hop", "X-OTHER",
        ] {
            assert!(h.drops_from_request(name), "{name}");
            assert!(h.drops_from_response(name), "{name}");
        }
        for name in ["authorization", "content-type", "accept", "x-custom", "x-trace"] {
            assert!(!h.drops_from_request(name), "{name}");
            assert!(!h.drops_from_response(name), "{name}");
        }
    }

    #[test]
    fn a_callers_claims_about_itself_and_its_cookies_stay_behind() {
        let h = HopByHop::from_connection([]);
        for name in ["Cookie", "Forwarded", "X-Forwarded-For", "x-forwarded-host", "X-Forwarded-Proto", "X-Real-IP", "True-Client-IP"] {
            assert!(h.drops_from_request(name), "{name}");
            assert!(!h.drops_from_response(name), "{name}");
        }
        assert!(!h.drops_from_response("set-cookie"), "the upstream's cookies are its own business");
    }

    #[test]
    fn each_direction_drops_its_own_names() {
        let h = HopByHop::from_connection([]);
        assert!(h.drops_from_request("cf-connecting-ip"));
        assert!(h.drops_from_request("CF-Ray"));
        assert!(h.drops_from_request("x-rolegate-decision"));
        assert!(!h.drops_from_request("content-encoding"), "a request body's encoding goes upstream with it");
        assert!(h.drops_from_response("content-encoding"));
        assert!(h.drops_from_response("X-Rolegate-Revision"));
        assert!(!h.drops_from_response("cf-cache-status"), "upstream headers named cf- are the upstream's");
        assert!(!h.drops_from_request("cf"), "a prefix, not a substring");
    }

    #[test]
    fn upstream_body_digests_and_conditional_requests_stay_behind() {
        let h = HopByHop::from_connection([]);
        for name in ["ETag", "etag", "Content-MD5", "Digest", "Repr-Digest", "Content-Digest"] {
            assert!(h.drops_from_response(name), "{name}");
        }
        for name in ["If-None-Match", "if-match", "If-Modified-Since", "If-Unmodified-Since", "If-Range", "Range"] {
            assert!(h.drops_from_request(name), "{name}");
        }
        assert!(!h.drops_from_response("last-modified"), "a time, not a digest of the body");
        assert!(!h.drops_from_request("if-none"), "whole names only");
    }

    #[test]
    fn connection_naming_a_checked_header_is_reported() {
        assert_eq!(HopByHop::from_connection(["keep-alive, Authorization"]).lists_checked_header(), Some("authorization"));
        assert_eq!(HopByHop::from_connection(["close", "content-type"]).lists_checked_header(), Some("content-type"));
        assert_eq!(HopByHop::from_connection(["X-HTTP-Method-Override"]).lists_checked_header(), Some("x-http-method-override"));
        assert_eq!(HopByHop::from_connection(["keep-alive, x-trace-hop"]).lists_checked_header(), None);
    }

    #[test]
    fn connection_header_without_tokens_names_nothing_more() {
        let h = HopByHop::from_connection(["", " , "]);
        assert!(!h.drops_from_request("x-custom"));
        assert!(h.drops_from_request("connection"));
    }
}
