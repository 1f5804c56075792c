//! An HTTP request as the gateway sees it, independent of any HTTP library.

/// The most `&`-separated parts a query may have (see [`Request::query_within_parser_limits`]).
pub const MAX_QUERY_PARTS: usize = 100;

/// Method, raw path and query (as received, still percent-encoded), headers (names in
/// lowercase) and body bytes.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// Builds a request from a method and a path with optional `?query` (no scheme/host).
    pub fn new(method: &str, path_and_query: &str) -> Request {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, q),
            None => (path_and_query, ""),
        };
        // A fragment is never sent by clients; if one is, it is part of what we refuse to guess.
        Request { method: method.to_string(), path: path.to_string(), query: query.to_string(), headers: Vec::new(), body: Vec::new() }
    }
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_ascii_lowercase(), value.to_string()));
        self
    }
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }
    /// Every value of a header (name compared case-insensitively).
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn first_header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// Decoded query pairs (`+` and percent-escapes decoded, as Express does).
    pub fn query_pairs(&self) -> impl Iterator<Item = (String, String)> + '_ {
        form_urlencoded::parse(self.query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()))
    }
    /// Whether the query holds few enough `&`-separated parts that every parser reads them all.
    /// `qs` (Express 4) splits at most 1,000 parts and drops the rest without a word, and Node's
    /// `querystring` (Express 5) stops at 1,000 keys, empty parts counted: padded with empty
    /// parts, `?&&&...&soft_delete=true` was a soft delete to the gateway and a destroy to Twenty
    /// (found in review). No Twenty request needs more than a handful.
    pub fn query_within_parser_limits(&self) -> bool {
        self.query.split('&').count() <= MAX_QUERY_PARTS
    }
    /// Whether the query reads the same to every parser: each `%` starts an escape of two hex
    /// digits, and the decoded bytes are UTF-8. The gateway decodes as WHATWG forms do (a bad
    /// escape kept as text, invalid UTF-8 replaced by U+FFFD), but `qs`, Express 4's query
    /// parser, keeps a whole value undecoded when `decodeURIComponent` throws on it: the
    /// gateway would check one filter and Twenty run another.
    pub fn query_decodes_cleanly(&self) -> bool {
        let q = self.query.as_bytes();
        if !q.contains(&b'%') {
            return true; // the query is a String: already UTF-8
        }
        let mut decoded = Vec::with_capacity(q.len());
        let mut i = 0;
        while i < q.len() {
            if q[i] == b'%' {
                let hex = |b: u8| (b as char).to_digit(16);
                match (q.get(i + 1).copied().and_then(hex), q.get(i + 2).copied().and_then(hex)) {
                    (Some(h), Some(l)) => decoded.push((h * 16 + l) as u8),
                    _ => return false,
                }
                i += 3;
            } else {
                decoded.push(q[i]);
                i += 1;
            }
        }
        std::str::from_utf8(&decoded).is_ok()
    }
}
