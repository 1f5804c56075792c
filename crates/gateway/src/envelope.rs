//! Signed snapshot envelopes (contract §6): Ed25519 over the UTF-8 bytes of the payload.

use crate::b64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rolegate_core::Snapshot;
use serde::{Deserialize, Serialize};
use std::fmt;

pub const ENVELOPE_FORMAT: &str = "rolegate-envelope/v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Envelope {
    pub format: String,
    pub key_id: String,
    pub payload: String,
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeError {
    Malformed(String),
    UnknownKeyId(String),
    BadSignature,
    InvalidSnapshot(rolegate_core::Error),
    WorkspaceMismatch { expected: String, found: String },
    Stale { served: u64, found: u64 },
}

impl EnvelopeError {
    pub fn code(&self) -> &'static str {
        match self {
            EnvelopeError::Malformed(_) => "MALFORMED_ENVELOPE",
            EnvelopeError::UnknownKeyId(_) => "UNKNOWN_KEY_ID",
            EnvelopeError::BadSignature => "BAD_SIGNATURE",
            EnvelopeError::InvalidSnapshot(_) => "INVALID_SNAPSHOT",
            EnvelopeError::WorkspaceMismatch { .. } => "WORKSPACE_MISMATCH",
            EnvelopeError::Stale { .. } => "STALE_REVISION",
        }
    }
}

impl fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvelopeError::Malformed(why) => write!(f, "malformed envelope: {why}"),
            EnvelopeError::UnknownKeyId(k) => write!(f, "envelope signed with unknown key id \"{k}\""),
            EnvelopeError::BadSignature => write!(f, "envelope signature does not verify"),
            EnvelopeError::InvalidSnapshot(e) => write!(f, "signed snapshot is invalid: {e}"),
            EnvelopeError::WorkspaceMismatch { expected, found } => {
                write!(f, "envelope holds workspace \"{found}\", expected \"{expected}\"")
            }
            EnvelopeError::Stale { served, found } => {
                write!(f, "envelope revision {found} is older than revision {served}, the oldest accepted (served already, or the configured minimum)")
            }
        }
    }
}

/// Public keys that may sign snapshots, by key id (the 32 bytes of each Ed25519 key).
#[derive(Debug, Clone, Default)]
pub struct SnapshotKeys(Vec<(String, [u8; 32])>);

/// The entries of a JSON object of strings in document order, repeated keys kept (a map type
/// would keep one of them, silently). Small on purpose: the worker reads it on an isolate's
/// first request.
struct KeyEntries(Vec<(String, String)>);

impl<'de> Deserialize<'de> for KeyEntries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = KeyEntries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of key ids to base64url keys")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<KeyEntries, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(KeyEntries(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl SnapshotKeys {
    /// Parses `SNAPSHOT_PUBLIC_KEYS`: `{"<keyId>": "<base64url Ed25519 public key>"}`, and checks
    /// that each key is a point of the curve (what [`Opened::verify`] needs).
    pub fn parse(json: &str) -> Result<SnapshotKeys, String> {
        let keys = SnapshotKeys::parse_encoding(json)?;
        for (id, bytes) in &keys.0 {
            VerifyingKey::from_bytes(bytes).map_err(|e| format!("SNAPSHOT_PUBLIC_KEYS[{id}]: {e}"))?;
        }
        Ok(keys)
    }

    /// [`SnapshotKeys::parse`] without the curve-point check (which needs curve arithmetic): for
    /// a host that verifies with its own Ed25519 (the edge worker uses the runtime's WebCrypto;
    /// a key that is not a point fails every verification there, closed). Small-order keys are
    /// refused here as in `parse`: a cofactorless verifier may accept forged signatures for them.
    /// A key id given twice (JSON would keep one of the two keys, silently) or an empty one is
    /// refused.
    pub fn parse_encoding(json: &str) -> Result<SnapshotKeys, String> {
        let KeyEntries(entries) =
            serde_json::from_str(json).map_err(|e| format!("SNAPSHOT_PUBLIC_KEYS is not a JSON object of strings: {e}"))?;
        let mut keys: Vec<(String, [u8; 32])> = Vec::new();
        for (id, v) in entries {
            if id.is_empty() {
                return Err("SNAPSHOT_PUBLIC_KEYS has an empty key id".into());
            }
            if keys.iter().any(|(k, _)| *k == id) {
                return Err(format!("SNAPSHOT_PUBLIC_KEYS has a duplicate key id \"{id}\""));
            }
            let bytes = b64::decode(&v)
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                .ok_or_else(|| format!("SNAPSHOT_PUBLIC_KEYS[{id}] is not a base64url 32-byte Ed25519 key"))?;
            if has_small_order(&bytes) {
                // A cofactorless verifier that does not refuse such keys (WebCrypto's) would
                // accept signatures nobody made: with the identity, R = identity, S = 0 verifies
                // every payload. verify_strict refuses them too, later.
                return Err(format!("SNAPSHOT_PUBLIC_KEYS[{id}] is a small-order point, not a usable Ed25519 key"));
            }
            keys.push((id, bytes));
        }
        if keys.is_empty() {
            return Err("SNAPSHOT_PUBLIC_KEYS has no key".into());
        }
        Ok(SnapshotKeys(keys))
    }

    fn get(&self, id: &str) -> Option<&[u8; 32]> {
        self.0.iter().find(|(k, _)| k == id).map(|(_, v)| v)
    }
}

/// A private signing key with its id, as written by `rolegate keygen`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyFile {
    pub key_id: String,
    pub algorithm: String,
    pub private_key: String,
    pub public_key: String,
}

impl fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyFile").field("key_id", &self.key_id).field("public_key", &self.public_key).finish()
    }
}

impl KeyFile {
    /// Builds a key file from 32 secret bytes (the caller supplies randomness).
    pub fn from_secret(key_id: &str, secret: [u8; 32]) -> KeyFile {
        let sk = SigningKey::from_bytes(&secret);
        KeyFile {
            key_id: key_id.to_string(),
            algorithm: "Ed25519".into(),
            private_key: b64::encode(&secret),
            public_key: b64::encode(sk.verifying_key().as_bytes()),
        }
    }
    pub fn signing_key(&self) -> Result<SigningKey, String> {
        if self.algorithm != "Ed25519" {
            return Err(format!("unsupported key algorithm \"{}\"", self.algorithm));
        }
        let bytes = b64::decode(&self.private_key)
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .ok_or("privateKey is not a base64url 32-byte Ed25519 secret")?;
        let sk = SigningKey::from_bytes(&bytes);
        if b64::encode(sk.verifying_key().as_bytes()) != self.public_key {
            return Err("publicKey does not match privateKey".into());
        }
        Ok(sk)
    }
    /// `{"<keyId>": "<publicKey>"}`, the value for `SNAPSHOT_PUBLIC_KEYS`.
    pub fn public_keys_json(&self) -> String {
        serde_json::json!({ &self.key_id: self.public_key }).to_string()
    }
}

/// Signs snapshot JSON (validated first) into an envelope.
/// Validates the snapshot and signs it. The payload is the snapshot as compact JSON (same keys
/// in the same order, no indentation): the edge hashes and parses it on every fresh isolate's
/// first request, where WebAssembly still runs unoptimised, so a pretty-printed file would cost
/// ~40 % more there for nothing. It is also exactly what was validated (a duplicate key in the
/// file keeps its last value, as the validator read it).
pub fn sign(snapshot_json: &str, key_id: &str, key: &SigningKey) -> Result<Envelope, rolegate_core::Error> {
    // read as Snapshot::from_json reads it (no key read specially)
    let value = Snapshot::json_value(snapshot_json)?;
    Snapshot::from_value(&value)?;
    let payload =
        serde_json::to_string(&value).map_err(|e| rolegate_core::Error::one(rolegate_core::codes::INTERNAL, "", e.to_string()))?;
    let sig: Signature = key.sign(payload.as_bytes());
    Ok(Envelope { format: ENVELOPE_FORMAT.into(), key_id: key_id.into(), payload, signature: b64::encode(&sig.to_bytes()) })
}

/// Verifies an envelope and returns its validated snapshot. `expected_workspace` is the
/// workspace of the KV key; `served_revision` the revision already in use (older ones are
/// refused, the same one is accepted).
pub fn verify(
    bytes: &[u8],
    keys: &SnapshotKeys,
    expected_workspace: Option<&str>,
    served_revision: Option<u64>,
) -> Result<Snapshot, EnvelopeError> {
    let signed = verify_signed(bytes, keys, expected_workspace, served_revision)?;
    signed.validate()?;
    Ok(signed.0)
}

/// A snapshot whose signature, workspace and revision are verified and whose shape is checked,
/// but which is not yet validated (contract §1 semantics): the only way on is
/// [`SignedSnapshot::compile`], which validates while compiling, or [`SignedSnapshot::revision`]
/// (a caller already serving that revision keeps what it has). Lets the edge worker validate a
/// snapshot once, not once in `verify` and again in `Policy::compile`.
pub struct SignedSnapshot(Snapshot);

impl SignedSnapshot {
    pub fn revision(&self) -> u64 {
        self.0.revision
    }

    /// Validates without compiling (a caller that already serves this revision still refuses
    /// an invalid envelope for it, as [`verify`] would).
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        let issues = rolegate_core::validate::validate(&self.0);
        if issues.is_empty() {
            Ok(())
        } else {
            Err(EnvelopeError::InvalidSnapshot(rolegate_core::Error::from_issues(issues)))
        }
    }

    /// Validates and compiles (the errors of [`verify`]'s validation, as `InvalidSnapshot`).
    pub fn compile(self) -> Result<rolegate_core::Policy, EnvelopeError> {
        rolegate_core::Policy::compile(self.0).map_err(EnvelopeError::InvalidSnapshot)
    }
}

/// [`verify`] without the semantic validation, which [`SignedSnapshot::compile`] does.
pub fn verify_signed(
    bytes: &[u8],
    keys: &SnapshotKeys,
    expected_workspace: Option<&str>,
    served_revision: Option<u64>,
) -> Result<SignedSnapshot, EnvelopeError> {
    open(bytes, keys)?.verify(expected_workspace, served_revision)
}

/// Encodings (sign bit ignored) of the points of small order and their non-canonical forms, as
/// libsodium's `has_small_order` lists them: 0 (order 4), 1 (order 1), the two y of order 8,
/// p - 1 (order 2), p and p + 1 (non-canonical 0 and 1). Checked without curve arithmetic; the
/// tests compare it with curve25519-dalek's eight-torsion points.
const SMALL_ORDER: [[u8; 32]; 7] = [
    [0; 32],
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
        0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
        0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
    ],
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ],
    [
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ],
    [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ],
];

/// Whether a public key's encoding is that of a point of small order (see [`SMALL_ORDER`]).
pub fn has_small_order(key: &[u8; 32]) -> bool {
    SMALL_ORDER.iter().any(|s| s[..31] == key[..31] && s[31] == key[31] & 0x7f)
}

/// The group order L of Ed25519, little-endian: a signature's S must be below it.
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0x10,
];

/// An envelope whose shape, format, key id and signature encoding are checked, but whose
/// signature is not verified yet: [`Opened::verify`] verifies it here (ed25519-dalek,
/// `verify_strict`); a host with its own Ed25519 verifies [`Opened::signed_bytes`] with
/// [`Opened::public_key`] and [`Opened::signature`] and hands its verdict to
/// [`Opened::after_host_verify`]. Either way the payload is read only after a signature that
/// verifies.
pub struct Opened {
    env: Envelope,
    key: [u8; 32],
    sig: [u8; 64],
}

/// Reads an envelope up to its signature (see [`Opened`]).
pub fn open(bytes: &[u8], keys: &SnapshotKeys) -> Result<Opened, EnvelopeError> {
    let (env, sig) = read(bytes)?;
    let key = *keys.get(&env.key_id).ok_or_else(|| EnvelopeError::UnknownKeyId(env.key_id.clone()))?;
    Ok(Opened { env, key, sig })
}

/// An envelope's shape without a key to check it against: its format, a key id, a signature
/// that is base64url of 64 bytes with a canonical S. (What `rolegate push` checks when it is
/// given no public keys; the worker would refuse anything else.)
pub fn check_shape(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
    let (env, _) = read(bytes)?;
    if env.key_id.is_empty() {
        return Err(EnvelopeError::Malformed("keyId is empty".into()));
    }
    Ok(env)
}

fn read(bytes: &[u8]) -> Result<(Envelope, [u8; 64]), EnvelopeError> {
    let env: Envelope = serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
    if env.format != ENVELOPE_FORMAT {
        return Err(EnvelopeError::Malformed(format!("format \"{}\" is not \"{ENVELOPE_FORMAT}\"", env.format)));
    }
    let sig = b64::decode(&env.signature)
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| EnvelopeError::Malformed("signature is not base64url of 64 bytes".into()))?;
    // S must be canonical (below L), as verify_strict requires: a host's Ed25519 then cannot
    // accept a signature this one refuses for it.
    if !sig[32..].iter().rev().lt(ED25519_L.iter().rev()) {
        return Err(EnvelopeError::BadSignature);
    }
    Ok((env, sig))
}

impl Opened {
    pub fn key_id(&self) -> &str {
        &self.env.key_id
    }
    /// The 32 bytes of the Ed25519 public key of [`Opened::key_id`].
    pub fn public_key(&self) -> &[u8; 32] {
        &self.key
    }
    pub fn signature(&self) -> &[u8; 64] {
        &self.sig
    }
    /// What the signature covers: the UTF-8 bytes of the payload.
    pub fn signed_bytes(&self) -> &[u8] {
        self.env.payload.as_bytes()
    }

    /// Verifies the signature (ed25519-dalek `verify_strict`), then reads the payload.
    pub fn verify(self, expected_workspace: Option<&str>, served_revision: Option<u64>) -> Result<SignedSnapshot, EnvelopeError> {
        let key = VerifyingKey::from_bytes(&self.key).map_err(|_| EnvelopeError::BadSignature)?;
        let valid = key.verify_strict(self.signed_bytes(), &Signature::from_bytes(&self.sig)).is_ok();
        self.after_host_verify(valid, expected_workspace, served_revision)
    }

    /// Reads the payload of an envelope whose signature the host verified itself: `valid` must
    /// be the result of an Ed25519 verification of [`Opened::signed_bytes`] against
    /// [`Opened::signature`] with [`Opened::public_key`] (false, or any failure to verify:
    /// `BAD_SIGNATURE`). Nothing else may be passed as `true`.
    pub fn after_host_verify(
        self,
        valid: bool,
        expected_workspace: Option<&str>,
        served_revision: Option<u64>,
    ) -> Result<SignedSnapshot, EnvelopeError> {
        if !valid {
            return Err(EnvelopeError::BadSignature);
        }
        let snapshot = Snapshot::parse_json_unvalidated(&self.env.payload).map_err(EnvelopeError::InvalidSnapshot)?;
        if let Some(ws) = expected_workspace {
            if snapshot.workspace_id != ws {
                return Err(EnvelopeError::WorkspaceMismatch { expected: ws.into(), found: snapshot.workspace_id });
            }
        }
        if let Some(served) = served_revision {
            if snapshot.revision < served {
                return Err(EnvelopeError::Stale { served, found: snapshot.revision });
            }
        }
        Ok(SignedSnapshot(snapshot))
    }
}
