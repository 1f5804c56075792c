//! # rolegate-core
//!
//! The permission engine of rolegate: one place that decides who may see and change which
//! objects and fields of a Twenty-style CRM workspace.
//!
//! * [`Snapshot`]: the `rolegate/v1` source of truth (contract §1), strictly parsed and
//!   validated ([`validate()`]), every problem reported with a stable code and a JSON path.
//! * [`Policy`]: compiled once from a snapshot; decisions are constant-time, allocation-free
//!   lookups ([`Policy::can_field`]). [`Principal`]s resolve to a [`Subject`] (contract §2).
//! * [`view::effective_view`] (contract §3) and [`explain::explain`] (the deciding level).
//! * [`ops`]: the management operations of contract §5 as pure functions.
//! * [`redact`] and [`write`]: record redaction and write checks for the browser package and
//!   the gateway.
//! * [`testing`]: policy tests (contract §4), shared by the CLI and the other runtimes.
//! * Admin tooling: [`twenty`] (import from Twenty's metadata API), [`diff`] (gains and
//!   losses per role and principal between two snapshots), [`who_can`].

pub mod diff;
pub mod error;
pub mod explain;
pub mod flags;
pub mod model;
pub mod ops;
pub mod permissions;
pub mod policy;
pub mod principal;
pub mod redact;
mod shape;
pub mod testing;
pub mod tree;
pub mod twenty;
pub mod validate;
pub mod view;
pub mod who_can;
pub mod write;

pub use error::{codes, Error, Issue, Result};

/// The engine's hash maps: hashbrown (the crate, the version indexmap uses) with rustc-hash's
/// hasher. Not std's HashMap: that is the same table compiled a second time, from the standard
/// library's own copy of hashbrown, in every WebAssembly module (npm package, worker). The
/// gateway and the worker use these too, for the same reason.
pub type FxHashMap<K, V> = hashbrown::HashMap<K, V, rustc_hash::FxBuildHasher>;
/// See [`FxHashMap`].
pub type FxHashSet<T> = hashbrown::HashSet<T, rustc_hash::FxBuildHasher>;
/// The engine's ordered maps (the effective view, the redaction plan): indexmap with
/// rustc-hash's hasher. indexmap's default is std's SipHash with random keys, code that the
/// WebAssembly modules then carry only for these maps.
pub type FxIndexMap<K, V> = indexmap::IndexMap<K, V, rustc_hash::FxBuildHasher>;
pub use flags::{Flag, FlagKind};
pub use model::Snapshot;
pub use policy::{FieldId, ObjectId, Policy, Subject};
pub use principal::{Principal, Status};
pub use validate::validate;

use serde::{Deserialize, Serialize};

/// The four record operations. Insert is gated by `Update`, restore by `SoftDelete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    Read = 0,
    Update = 1,
    SoftDelete = 2,
    Destroy = 3,
}

impl Op {
    pub const ALL: [Op; 4] = [Op::Read, Op::Update, Op::SoftDelete, Op::Destroy];

    /// Parses `read`, `update`, `softDelete`, `destroy`, and the aliases `create`/`insert`
    /// (gated by update) and `restore` (gated by soft delete).
    pub fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "read" => Op::Read,
            "update" | "create" | "insert" => Op::Update,
            "softDelete" | "restore" => Op::SoftDelete,
            "destroy" => Op::Destroy,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Update => "update",
            Op::SoftDelete => "softDelete",
            Op::Destroy => "destroy",
        }
    }
    /// The key of this operation in object rules and views (`canRead`, ...).
    pub fn rule_key(self) -> &'static str {
        match self {
            Op::Read => "canRead",
            Op::Update => "canUpdate",
            Op::SoftDelete => "canSoftDelete",
            Op::Destroy => "canDestroy",
        }
    }
}

#[cold]
#[inline(never)]
fn not_json(e: serde_json::Error) -> Error {
    Error::one(codes::INVALID_JSON, "", format!("snapshot is not valid JSON: {e}"))
}

impl Snapshot {
    /// Parses and validates snapshot JSON. Every shape error (unknown, missing or mistyped
    /// key) is reported with its path; then every semantic error of contract §1.
    pub fn from_json(json: &str) -> Result<Snapshot> {
        Self::validated(Self::parse_json_unvalidated(json)?)
    }

    /// Snapshot JSON text as a value (or the INVALID_JSON error of [`Snapshot::from_json`]).
    /// Read through [`tree::Json`], so no key is read specially (see its `From` for `Value`).
    pub fn json_value(json: &str) -> Result<serde_json::Value> {
        tree::value_from_str(json).map_err(not_json)
    }

    /// Like [`Snapshot::from_json`], from an already parsed value.
    pub fn from_value(value: &serde_json::Value) -> Result<Snapshot> {
        Self::validated(Self::parse_unvalidated(value)?)
    }

    fn validated(s: Snapshot) -> Result<Snapshot> {
        let issues = validate::validate(&s);
        if issues.is_empty() {
            Ok(s)
        } else {
            Err(Error::from_issues(issues))
        }
    }

    /// Shape check and typed parse only (no semantic validation).
    pub fn parse_unvalidated(value: &serde_json::Value) -> Result<Snapshot> {
        Self::parse_node(value)
    }

    /// [`Snapshot::parse_unvalidated`] of JSON text, with the INVALID_JSON error of
    /// [`Snapshot::from_json`]. Reads the text into a plain tree (`tree::Json`), not a
    /// `serde_json::Value`; the answers are the same.
    pub fn parse_json_unvalidated(json: &str) -> Result<Snapshot> {
        Self::parse_node(&tree::Json::parse(json).map_err(not_json)?)
    }

    fn parse_node(value: &impl tree::Node) -> Result<Snapshot> {
        let mut issues = Vec::new();
        shape::check(&shape::SNAPSHOT, value, "", &mut issues);
        if !issues.is_empty() {
            return Err(Error::from_issues(issues));
        }
        Ok(Snapshot::from_checked(value))
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
