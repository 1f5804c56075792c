//! JSON as a plain tree ([`Json`]), and the little the readers ask of a JSON value ([`Node`]).
//!
//! `serde_json::Value` keeps an object's keys in an `IndexMap` with a SipHash hasher: parsing a
//! snapshot hashed every key into a table of its own, and reading it hashed every key looked up.
//! A snapshot's objects are small and closed (the shape check knows every key), so here an
//! object is its entries in document order, searched in place. Parsing is serde_json's parser
//! all the same (same syntax errors, same numbers, same depth limit); only the tree differs.
//!
//! Loading a snapshot is what a fresh page or isolate does first, in WebAssembly that V8 compiles
//! on first call and tiers up when hot: the hashing and the table code were among the hottest
//! functions of `Permissions.fromSnapshot` (bench/js/load.mjs, bench/js/touched.mjs).

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use std::fmt;

/// A JSON value. An object holds each key once, where it first appeared, with its last value
/// (as `serde_json::Value` does).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// What kind of value (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

/// The questions the readers (shape checks, snapshot, principal and view readers, write checks,
/// token claims) ask of a JSON value, answered by [`Json`] and by `serde_json::Value` alike, so
/// both are read by the same code.
pub trait Node: Sized {
    fn kind(&self) -> Kind;
    fn get(&self, key: &str) -> Option<&Self>;
    fn as_str(&self) -> Option<&str>;
    fn as_bool(&self) -> Option<bool>;
    fn as_u64(&self) -> Option<u64>;
    fn as_number(&self) -> Option<&Number>;
    fn as_f64(&self) -> Option<f64> {
        self.as_number().and_then(Number::as_f64)
    }
    fn as_array(&self) -> Option<&[Self]>;
    /// An object's entries in document order (`None` if not an object).
    fn entries(&self) -> Option<impl Iterator<Item = (&str, &Self)>>;
}

impl Node for Json {
    fn kind(&self) -> Kind {
        match self {
            Json::Null => Kind::Null,
            Json::Bool(_) => Kind::Bool,
            Json::Number(_) => Kind::Number,
            Json::String(_) => Kind::String,
            Json::Array(_) => Kind::Array,
            Json::Object(_) => Kind::Object,
        }
    }
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }
    fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.as_u64(),
            _ => None,
        }
    }
    fn as_number(&self) -> Option<&Number> {
        match self {
            Json::Number(n) => Some(n),
            _ => None,
        }
    }
    fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }
    fn entries(&self) -> Option<impl Iterator<Item = (&str, &Json)>> {
        match self {
            Json::Object(entries) => Some(entries.iter().map(|(k, v)| (k.as_str(), v))),
            _ => None,
        }
    }
}

impl Node for Value {
    fn kind(&self) -> Kind {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }
    fn get(&self, key: &str) -> Option<&Value> {
        Value::get(self, key)
    }
    fn as_str(&self) -> Option<&str> {
        Value::as_str(self)
    }
    fn as_bool(&self) -> Option<bool> {
        Value::as_bool(self)
    }
    fn as_u64(&self) -> Option<u64> {
        Value::as_u64(self)
    }
    fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }
    fn as_array(&self) -> Option<&[Value]> {
        Value::as_array(self).map(Vec::as_slice)
    }
    fn entries(&self) -> Option<impl Iterator<Item = (&str, &Value)>> {
        Value::as_object(self).map(|m| m.iter().map(|(k, v)| (k.as_str(), v)))
    }
}

impl Json {
    /// Parses JSON text (serde_json's parser and errors).
    pub fn parse(text: &str) -> serde_json::Result<Json> {
        serde_json::from_str(text)
    }

    /// Parses JSON bytes (serde_json's parser and errors, UTF-8 checked).
    pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Json> {
        serde_json::from_slice(bytes)
    }
}

/// JSON text as a `serde_json::Value`, read as [`Json`] reads it: no key is read specially (see
/// the `From<Json>` for `Value`). Use this, not `serde_json::from_str::<Value>`, for any JSON
/// the project is given.
pub fn value_from_str(text: &str) -> serde_json::Result<Value> {
    Json::parse(text).map(Value::from)
}

/// [`value_from_str`] of bytes.
pub fn value_from_slice(bytes: &[u8]) -> serde_json::Result<Value> {
    Json::from_slice(bytes).map(Value::from)
}

/// The same document as a `serde_json::Value` (keys in the same order). Unlike parsing text into
/// a `Value`, this never reads a key specially: with serde_json's `raw_value` feature (which the
/// streaming redactor needs), `Value`'s own parser turns an object whose first key is
/// `$serde_json::private::RawValue` into the JSON in its string value.
impl From<Json> for Value {
    fn from(j: Json) -> Value {
        match j {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => Value::Number(n),
            Json::String(s) => Value::String(s),
            Json::Array(items) => Value::Array(items.into_iter().map(Value::from).collect()),
            Json::Object(entries) => Value::Object(entries.into_iter().map(|(k, v)| (k, Value::from(v))).collect()),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

// Arrays and objects are built out of line: the parser's value dispatch, run once per value of
// the document, stays small (V8 charges a function's tier-up budget by its size on each return).
impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
        // as serde_json's Value does (JSON text has no non-finite numbers)
        Ok(Number::from_f64(n).map_or(Json::Null, Json::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Json::deserialize(d)
    }
    #[inline(never)]
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    #[inline(never)]
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries: Vec<(String, Json)> = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        dedupe(&mut entries);
        Ok(Json::Object(entries))
    }
}

/// A repeated key keeps its first place and its last value, as in `serde_json::Value`. Objects
/// are small: each key is compared with those before it. A large one (more keys than any object
/// of a valid snapshot) goes through a hash map instead, so a hostile document with many keys
/// costs O(n), not O(n²).
fn dedupe(entries: &mut Vec<(String, Json)>) {
    const SMALL: usize = 32;
    let n = entries.len();
    if n > SMALL || (1..n).any(|i| entries[..i].iter().any(|(k, _)| *k == entries[i].0)) {
        dedupe_hashed(entries);
    }
}

#[inline(never)]
fn dedupe_hashed(entries: &mut Vec<(String, Json)>) {
    // Per entry, the place its key takes among the kept ones (that of its first occurrence).
    // The map borrows the keys, and is the validator's map type (one table in the modules).
    let mut place = Vec::with_capacity(entries.len());
    let mut first: crate::FxHashMap<&str, usize> = Default::default();
    for (k, _) in entries.iter() {
        let next = first.len();
        place.push(*first.entry(k.as_str()).or_insert(next));
    }
    drop(first);
    let mut kept: Vec<(String, Json)> = Vec::with_capacity(entries.len());
    for ((k, v), at) in entries.drain(..).zip(place) {
        match kept.get_mut(at) {
            Some(slot) => slot.1 = v,
            None => kept.push((k, v)),
        }
    }
    *entries = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tree of a value parsed as `serde_json::Value`.
    fn from_value(v: &Value) -> Json {
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(n.clone()),
            Value::String(s) => Json::String(s.clone()),
            Value::Array(a) => Json::Array(a.iter().map(from_value).collect()),
            Value::Object(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), from_value(v))).collect()),
        }
    }

    fn same_as_value(text: &str) {
        let ours = Json::parse(text).map_err(|e| e.to_string());
        let theirs = serde_json::from_str::<Value>(text).map(|v| from_value(&v)).map_err(|e| e.to_string());
        assert_eq!(ours, theirs, "{text}");
    }

    #[test]
    fn parses_as_serde_json_value_does() {
        for text in [
            r#"{"a":1,"b":[true,null,"x",-2,1.5,1e3],"c":{"d":{}}}"#,
            r#"{"a":1,"b":2,"a":3}"#,
            r#"{"a":1,"b":2,"a":3,"b":{"x":1},"c":0,"a":[]}"#,
            r#"[1, 2"#,
            r#"{"a":1,}"#,
            r#"{"a":1} x"#,
            r#"18446744073709551615"#,
            r#"-9223372036854775808"#,
            r#"1e400"#,
            r#""\ud800""#,
            "",
        ] {
            same_as_value(text);
        }
        // past the small-object path: 40 keys, some repeated
        let many: Vec<String> = (0..40).map(|i| format!("\"k{}\":{i}", i % 37)).collect();
        same_as_value(&format!("{{{}}}", many.join(",")));
        let distinct: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        same_as_value(&format!("{{{}}}", distinct.join(",")));
        // serde_json's depth limit
        same_as_value(&format!("{}{}", "[".repeat(200), "]".repeat(200)));
    }

    #[test]
    fn no_key_is_read_specially() {
        let text = r#"{"$serde_json::private::RawValue": "{\"a\":1}"}"#;
        let v = Value::from(Json::parse(text).unwrap());
        assert_eq!(v, serde_json::json!({"$serde_json::private::RawValue": "{\"a\":1}"}));
        // what serde_json's own Value parser makes of it (why Snapshot::json_value goes through Json)
        assert_eq!(serde_json::from_str::<Value>(text).unwrap(), serde_json::json!({"a": 1}));
        let doc = r#"{"b":[1,{"c":null}],"a":"x","b":2}"#;
        assert_eq!(Value::from(Json::parse(doc).unwrap()), serde_json::from_str::<Value>(doc).unwrap());
        assert_eq!(Value::from(Json::parse(doc).unwrap()).to_string(), serde_json::from_str::<Value>(doc).unwrap().to_string());
    }

    #[test]
    fn reads_like_value() {
        let text = r#"{"s":"x","b":false,"n":7,"neg":-1,"f":1.0,"a":[1],"o":{"k":null},"s":"y"}"#;
        let (t, v) = (Json::parse(text).unwrap(), serde_json::from_str::<Value>(text).unwrap());
        for key in ["s", "b", "n", "neg", "f", "a", "o", "missing"] {
            let (a, b) = (Node::get(&t, key), Node::get(&v, key));
            assert!(a.map(Node::kind) == b.map(Node::kind), "{key}");
            assert_eq!(a.and_then(Node::as_str), b.and_then(Node::as_str), "{key}");
            assert_eq!(a.and_then(Node::as_bool), b.and_then(Node::as_bool), "{key}");
            assert_eq!(a.and_then(Node::as_u64), b.and_then(Node::as_u64), "{key}");
            assert_eq!(a.and_then(Node::as_array).map(<[Json]>::len), b.and_then(Node::as_array).map(<[Value]>::len), "{key}");
        }
        let ours: Option<Vec<&str>> = t.entries().map(|e| e.map(|(k, _)| k).collect());
        let theirs: Option<Vec<&str>> = v.entries().map(|e| e.map(|(k, _)| k).collect());
        assert_eq!(ours, theirs);
        assert_eq!(Node::get(&t, "s").and_then(Node::as_str), Some("y"));
    }

    fn json_text() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_string()),
            any::<bool>().prop_map(|b| b.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            (-1e6f64..1e6).prop_map(|f| format!("{f:?}")),
            "[a-c\"\\\\]{0,3}".prop_map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(("[a-d]{1,2}", inner), 0..8)
                    .prop_map(|v| format!("{{{}}}", v.iter().map(|(k, x)| format!("\"{k}\":{x}")).collect::<Vec<_>>().join(","))),
            ]
        })
    }

    proptest! {
        /// Any document, repeated keys included (two-letter keys repeat often), and any cut of it.
        #[test]
        fn any_document_parses_as_value_does(text in json_text(), cut in 0usize..64) {
            same_as_value(&text);
            let end = text.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(text.len());
            same_as_value(&text[..end]);
        }
    }
}
