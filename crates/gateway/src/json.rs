//! Strict JSON for what the gateway reads: request bodies, JSON in query parameters, and the
//! upstream's JSON where it is redacted as a tree. Duplicate keys are refused (two parsers could
//! disagree on which one wins), nesting is bounded by serde_json's recursion limit, and every
//! key is just a key: serde_json's own `Value` parser (with the `raw_value` feature the streaming
//! redactor needs) reads an object whose first key is `$serde_json::private::RawValue` as the
//! JSON in its string value, which Twenty, parsing with `JSON.parse`, would not.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Parses `bytes` into a `Value`, refusing duplicate object keys.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = StrictValue.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(v)
}

struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(StrictValue)?;
            if out.insert(k.clone(), v).is_some() {
                return Err(de::Error::custom(format!("duplicate key \"{k}\"")));
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_trailing_data_refused() {
        assert!(parse_strict(br#"{"a":1,"b":{"c":2}}"#).is_ok());
        assert!(parse_strict(br#"{"a":1,"a":2}"#).unwrap_err().contains("duplicate key \"a\""));
        assert!(parse_strict(br#"{"a":{"x":1,"x":1}}"#).is_err());
        assert!(parse_strict(br#"{"addr\u0065ss":1,"address":2}"#).is_err());
        assert!(parse_strict(br#"{"a":1} {"b":2}"#).is_err());
        let deep = "[".repeat(500) + &"]".repeat(500);
        assert!(parse_strict(deep.as_bytes()).is_err());
    }

    /// Every key is a key, as for JSON.parse: serde_json's Value parser (raw_value feature) would
    /// answer {"a":1} here, and give each level of such nesting a fresh recursion limit.
    #[test]
    fn no_key_is_read_specially() {
        for text in [r#"{"$serde_json::private::RawValue": "{\"a\":1}"}"#, r#"{"\u0024serde_json::private::RawValue": "{\"a\":1}"}"#] {
            let v = parse_strict(text.as_bytes()).unwrap();
            assert_eq!(v, serde_json::json!({"$serde_json::private::RawValue": "{\"a\":1}"}), "{text}");
        }
    }
}
