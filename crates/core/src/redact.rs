//! Record redaction: remove every field the subject cannot read from a record, an array of
//! records or a GraphQL connection, following relations into their target objects.
//!
//! Rules (the same for both entry points):
//! * a declared field stays iff the subject can read it; composite fields count as one field;
//!   implicit fields (`id`, `createdAt`, `updatedAt`, `deletedAt`) follow the object;
//! * a relation field stays iff it is readable **and** its target object is readable; its value
//!   is redacted against the target (MANY_TO_ONE: a record or `null`; ONE_TO_MANY: an array or
//!   a connection `{edges:[{node}]}`); a removed MANY_TO_ONE relation takes its join column
//!   (`companyId`) with it;
//! * connections keep `edges` (each `node` redacted, `cursor` kept), `pageInfo`, `totalCount`;
//! * `__typename` stays; any other key not in the schema is removed (fail closed).
//!
//! [`redact_value`] works on a `serde_json::Value` in place. [`redact_json`] streams bytes to
//! bytes without building a DOM: kept scalar and composite values are copied verbatim.

use crate::error::{codes, Error, Result};
use crate::policy::{FieldId, ObjectId, Policy, Subject};
use crate::Op;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// What happened to a key of a record or connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyAction {
    /// Keep the value as it is.
    Keep,
    /// Remove the key.
    Drop,
    /// Keep, and redact the value as records of this object.
    Records(ObjectId),
    /// Connection edges of the current object.
    Edges,
}

/// The keys a record keeps (or follows, for `edges`) when they are not fields of its object
/// (the last arm of [`key_action`]; the npm package's redaction plan lists hidden fields of
/// these names as removed).
pub const RESERVED_KEYS: [&str; 4] = ["__typename", "pageInfo", "totalCount", "edges"];

#[inline]
fn key_action(policy: &Policy, s: &Subject, object: ObjectId, key: &str) -> KeyAction {
    let obj = policy.object(object);
    let relation_action = |fid: FieldId| -> KeyAction {
        let f = obj.field(fid);
        match &f.relation {
            Some(rel) if policy.can_field(s, object, fid, Op::Read) && policy.can_object(s, rel.target, Op::Read) => {
                KeyAction::Records(rel.target)
            }
            Some(_) => KeyAction::Drop,
            None if policy.can_field(s, object, fid, Op::Read) => KeyAction::Keep,
            None => KeyAction::Drop,
        }
    };
    if let Some(fid) = obj.field_id(key) {
        return relation_action(fid);
    }
    if let Some(fid) = obj.join_column_field(key) {
        return match relation_action(fid) {
            KeyAction::Records(_) => KeyAction::Keep,
            _ => KeyAction::Drop,
        };
    }
    match key {
        "__typename" | "pageInfo" | "totalCount" => KeyAction::Keep,
        "edges" => KeyAction::Edges,
        _ => KeyAction::Drop,
    }
}

/// Counts of what a redaction removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedactStats {
    /// Keys removed (fields, relations, join columns, unknown keys).
    pub removed: usize,
}

impl RedactStats {
    pub fn changed(&self) -> bool {
        self.removed > 0
    }
}

/// Redacts a record, an array of records or a connection of `object`, in place.
pub fn redact_value(policy: &Policy, s: &Subject, object: ObjectId, v: &mut Value) -> RedactStats {
    let mut stats = RedactStats::default();
    redact_any(policy, s, object, v, &mut stats);
    stats
}

fn redact_any(policy: &Policy, s: &Subject, object: ObjectId, v: &mut Value, stats: &mut RedactStats) {
    match v {
        Value::Array(items) => {
            for item in items {
                redact_any(policy, s, object, item, stats);
            }
        }
        Value::Object(map) => {
            map.retain(|k, val| match key_action(policy, s, object, k) {
                KeyAction::Keep => true,
                KeyAction::Drop => {
                    stats.removed += 1;
                    false
                }
                KeyAction::Records(target) => {
                    redact_any(policy, s, target, val, stats);
                    true
                }
                KeyAction::Edges => {
                    redact_edges(policy, s, object, val, stats);
                    true
                }
            });
        }
        _ => {}
    }
}

fn redact_edges(policy: &Policy, s: &Subject, object: ObjectId, v: &mut Value, stats: &mut RedactStats) {
    redact_edges_with(v, stats, &mut |node, stats| redact_any(policy, s, object, node, stats));
}

/// A connection's edges: each edge keeps its `node` (redacted by `node`), `cursor` and
/// `__typename`; an edge that is not an object becomes `null`, and edges that are not an array
/// become `[]`. (The view-backed redaction uses it too.)
pub(crate) fn redact_edges_with(v: &mut Value, stats: &mut RedactStats, node: &mut dyn FnMut(&mut Value, &mut RedactStats)) {
    let Value::Array(edges) = v else {
        *v = Value::Array(Vec::new());
        stats.removed += 1;
        return;
    };
    for edge in edges {
        match edge {
            Value::Object(map) => map.retain(|k, val| match k.as_str() {
                "node" => {
                    node(val, stats);
                    true
                }
                "cursor" | "__typename" => true,
                _ => {
                    stats.removed += 1;
                    false
                }
            }),
            other => {
                *other = Value::Null;
                stats.removed += 1;
            }
        }
    }
}

/// Redacts JSON bytes (a record, an array of records or a connection of `object`) into
/// `out`, without building a DOM. Invalid JSON is an `INVALID_JSON` error (and `out` must
/// then be discarded).
pub fn redact_json(policy: &Policy, s: &Subject, object: ObjectId, input: &[u8], out: &mut Vec<u8>) -> Result<RedactStats> {
    let mut stats = RedactStats::default();
    let mut de = serde_json::Deserializer::from_slice(input);
    let ctx = Ctx { policy, s };
    (RecordsSeed { ctx: &ctx, object, out, stats: &mut stats })
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| Error::one(codes::INVALID_JSON, "", format!("response body is not valid JSON: {e}")))?;
    Ok(stats)
}

/// Writes a JSON array whose elements are written by `$seed` seeds (same context, output and
/// stats). The separator is written before knowing whether another element follows, and taken
/// back when the sequence ends.
macro_rules! write_array {
    ($self:ident, $seq:ident, $seed:ident) => {{
        $self.out.push(b'[');
        let mut first = true;
        loop {
            let mark = $self.out.len();
            if !first {
                $self.out.push(b',');
            }
            let seed = $seed { ctx: $self.ctx, object: $self.object, out: &mut *$self.out, stats: &mut *$self.stats };
            match $seq.next_element_seed(seed)? {
                Some(()) => first = false,
                None => {
                    $self.out.truncate(mark);
                    break;
                }
            }
        }
        $self.out.push(b']');
        Ok(())
    }};
}

struct Ctx<'p> {
    policy: &'p Policy,
    s: &'p Subject,
}

struct RecordsSeed<'c, 'p, 'o> {
    ctx: &'c Ctx<'p>,
    object: ObjectId,
    out: &'o mut Vec<u8>,
    stats: &'o mut RedactStats,
}

fn write_key(out: &mut Vec<u8>, first: &mut bool, key: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    // Writing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, key);
    out.push(b':');
}

fn write_scalar<T: serde::Serialize, E: de::Error>(out: &mut Vec<u8>, v: T) -> std::result::Result<(), E> {
    serde_json::to_writer(out, &v).map_err(E::custom)
}

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record, an array of records or a connection")
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<(), E> {
        write_scalar(self.out, v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<(), E> {
        write_scalar(self.out, v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<(), E> {
        write_scalar(self.out, v)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<(), E> {
        write_scalar(self.out, v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<(), E> {
        write_scalar(self.out, v)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        write_array!(self, seq, RecordsSeed)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let Ctx { policy, s } = *self.ctx;
        self.out.push(b'{');
        let mut first = true;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key_action(policy, s, self.object, &key) {
                KeyAction::Drop => {
                    map.next_value::<IgnoredAny>()?;
                    self.stats.removed += 1;
                }
                KeyAction::Keep => {
                    let raw: &RawValue = map.next_value()?;
                    write_key(self.out, &mut first, &key);
                    self.out.extend_from_slice(raw.get().as_bytes());
                }
                KeyAction::Records(target) => {
                    write_key(self.out, &mut first, &key);
                    map.next_value_seed(RecordsSeed { ctx: self.ctx, object: target, out: &mut *self.out, stats: &mut *self.stats })?;
                }
                KeyAction::Edges => {
                    write_key(self.out, &mut first, &key);
                    map.next_value_seed(EdgesSeed { ctx: self.ctx, object: self.object, out: &mut *self.out, stats: &mut *self.stats })?;
                }
            }
        }
        self.out.push(b'}');
        Ok(())
    }
}

/// Visitor methods for the scalar cases a seed treats like `null` (its `visit_unit`).
macro_rules! scalars_as_unit {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<(), E> {
            self.visit_unit()
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<(), E> {
            self.visit_unit()
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<(), E> {
            self.visit_unit()
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<(), E> {
            self.visit_unit()
        }
        fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<(), E> {
            self.visit_unit()
        }
    };
}

/// `edges` of a connection: an array of `{node, cursor}`.
struct EdgesSeed<'c, 'p, 'o> {
    ctx: &'c Ctx<'p>,
    object: ObjectId,
    out: &'o mut Vec<u8>,
    stats: &'o mut RedactStats,
}

impl<'de> DeserializeSeed<'de> for EdgesSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EdgesSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("connection edges")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        write_array!(self, seq, EdgeSeed)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.stats.removed += 1;
        self.out.extend_from_slice(b"[]");
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
        self.out.extend_from_slice(b"[]");
        self.stats.removed += 1;
        Ok(())
    }
    scalars_as_unit!();
}

struct EdgeSeed<'c, 'p, 'o> {
    ctx: &'c Ctx<'p>,
    object: ObjectId,
    out: &'o mut Vec<u8>,
    stats: &'o mut RedactStats,
}

impl<'de> DeserializeSeed<'de> for EdgeSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EdgeSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a connection edge")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        self.out.push(b'{');
        let mut first = true;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match &*key {
                "node" => {
                    write_key(self.out, &mut first, &key);
                    map.next_value_seed(RecordsSeed { ctx: self.ctx, object: self.object, out: &mut *self.out, stats: &mut *self.stats })?;
                }
                "cursor" | "__typename" => {
                    let raw: &RawValue = map.next_value()?;
                    write_key(self.out, &mut first, &key);
                    self.out.extend_from_slice(raw.get().as_bytes());
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    self.stats.removed += 1;
                }
            }
        }
        self.out.push(b'}');
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
        self.out.extend_from_slice(b"null");
        self.stats.removed += 1;
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.visit_unit()
    }
    scalars_as_unit!();
}

/// A map key, borrowed from the input when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

/// Redacts a Twenty REST response envelope, streaming: `{"data": {"<key>": records...},
/// "totalCount": n, "pageInfo": {...}}`. Every value under `data` is redacted as records of
/// `object`; `totalCount` and `pageInfo` stay; other top-level keys are removed. A body that
/// is not an object is redacted as records.
pub fn redact_rest_json(policy: &Policy, s: &Subject, object: ObjectId, input: &[u8], out: &mut Vec<u8>) -> Result<RedactStats> {
    let mut stats = RedactStats::default();
    let mut de = serde_json::Deserializer::from_slice(input);
    let ctx = Ctx { policy, s };
    (EnvelopeSeed { ctx: &ctx, object, out, stats: &mut stats, level: 0 })
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| Error::one(codes::INVALID_JSON, "", format!("response body is not valid JSON: {e}")))?;
    Ok(stats)
}

struct EnvelopeSeed<'c, 'p, 'o> {
    ctx: &'c Ctx<'p>,
    object: ObjectId,
    out: &'o mut Vec<u8>,
    stats: &'o mut RedactStats,
    /// 0 = the envelope, 1 = the `data` object.
    level: u8,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a REST response envelope")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        self.out.push(b'{');
        let mut first = true;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match (self.level, &*key) {
                (0, "data") => {
                    write_key(self.out, &mut first, &key);
                    map.next_value_seed(EnvelopeSeed {
                        ctx: self.ctx,
                        object: self.object,
                        out: &mut *self.out,
                        stats: &mut *self.stats,
                        level: 1,
                    })?;
                }
                (0, "totalCount" | "pageInfo") => {
                    let raw: &RawValue = map.next_value()?;
                    write_key(self.out, &mut first, &key);
                    self.out.extend_from_slice(raw.get().as_bytes());
                }
                (0, _) => {
                    map.next_value::<IgnoredAny>()?;
                    self.stats.removed += 1;
                }
                _ => {
                    write_key(self.out, &mut first, &key);
                    map.next_value_seed(RecordsSeed { ctx: self.ctx, object: self.object, out: &mut *self.out, stats: &mut *self.stats })?;
                }
            }
        }
        self.out.push(b'}');
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<(), A::Error> {
        RecordsSeed { ctx: self.ctx, object: self.object, out: self.out, stats: self.stats }.visit_seq(seq)
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<(), E> {
        Err(E::custom("a REST response envelope must be an object"))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<(), E> {
        self.visit_bool(v != 0)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<(), E> {
        self.visit_bool(v != 0)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<(), E> {
        self.visit_bool(false)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<(), E> {
        self.visit_bool(false)
    }
}
