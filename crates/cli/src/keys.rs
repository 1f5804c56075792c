//! `rolegate keygen | sign | verify`: Ed25519 keys and signed snapshot envelopes.

use crate::args::{Format, KeygenArgs, PushArgs, SignArgs, VerifyArgs};
use crate::{print_json, read_input};
use rolegate_core::{codes, Error};
use rolegate_gateway::envelope::{self, KeyFile, SnapshotKeys};
use serde_json::json;
use std::io::Write;

fn bad(path: &str, msg: String) -> Error {
    Error::one(codes::INVALID_ARG, path, msg)
}

pub fn keygen(a: &KeygenArgs, format: Format) -> Result<u8, Error> {
    let mut secret = [0u8; 32];
    getrandom::getrandom(&mut secret).map_err(|e| bad("", format!("no randomness available: {e}")))?;
    let kf = KeyFile::from_secret(&a.key_id, secret);
    let text = serde_json::to_string_pretty(&kf).unwrap_or_default() + "\n";
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&a.out).map_err(|e| bad("--out", format!("cannot create {}: {e}", a.out)))?;
    f.write_all(text.as_bytes()).map_err(|e| bad("--out", format!("cannot write {}: {e}", a.out)))?;
    match format {
        Format::Json => {
            print_json(&json!({"keyId": kf.key_id, "publicKey": kf.public_key, "snapshotPublicKeys": kf.public_keys_json(), "out": a.out}))
        }
        Format::Text => {
            warn!("wrote private key {} to {} (keep it secret)", kf.key_id, a.out);
            say!("{}", kf.public_keys_json());
        }
    }
    Ok(0)
}

fn load_key(path: &str) -> Result<KeyFile, Error> {
    let text = read_input(path)?;
    serde_json::from_str(&text).map_err(|e| bad("--key", format!("{path} is not a rolegate key file: {e}")))
}

/// Fails unless `path` is a key file that can sign (checked before long work that ends in signing).
pub(crate) fn check_signing_key(path: &str) -> Result<(), Error> {
    let kf = load_key(path)?;
    kf.signing_key().map_err(|e| bad("--key", format!("{path}: {e}")))?;
    Ok(())
}

pub fn sign(a: &SignArgs, format: Format) -> Result<u8, Error> {
    let kf = load_key(&a.key)?;
    let sk = kf.signing_key().map_err(|e| bad("--key", format!("{}: {e}", a.key)))?;
    let snapshot = read_input(&a.snapshot)?;
    let env = envelope::sign(&snapshot, &kf.key_id, &sk)?;
    let text = serde_json::to_string(&env).unwrap_or_default();
    match &a.out {
        Some(p) if p != "-" => {
            std::fs::write(p, &text).map_err(|e| bad("--out", format!("cannot write {p}: {e}")))?;
            match format {
                Format::Json => print_json(&json!({"ok": true, "keyId": kf.key_id, "out": p})),
                Format::Text => warn!("signed {} with key {} -> {p}", a.snapshot, kf.key_id),
            }
        }
        _ => say!("{text}"),
    }
    Ok(0)
}

pub fn verify(a: &VerifyArgs, format: Format) -> Result<u8, Error> {
    let keys_text = if a.public_keys.trim_start().starts_with('{') { a.public_keys.clone() } else { read_input(&a.public_keys)? };
    let keys = SnapshotKeys::parse(&keys_text).map_err(|e| bad("--public-keys", e))?;
    let bytes = read_input(&a.envelope)?;
    match envelope::verify(bytes.as_bytes(), &keys, a.workspace.as_deref(), a.min_revision) {
        Ok(s) => {
            match format {
                Format::Json => print_json(&json!({"valid": true, "workspaceId": s.workspace_id, "revision": s.revision})),
                Format::Text => say!("valid: workspace {} revision {}", s.workspace_id, s.revision),
            }
            Ok(0)
        }
        Err(e) => {
            match format {
                Format::Json => print_json(&json!({"valid": false, "code": e.code(), "message": e.to_string()})),
                Format::Text => say!("refused: {}: {e}", e.code()),
            }
            Ok(1)
        }
    }
}

pub fn push(a: &PushArgs, format: Format) -> Result<u8, Error> {
    let text = read_input(&a.envelope)?;
    // The envelope's shape (format, key id, signature encoding) and its payload, a valid
    // snapshot, are always checked; with public keys, the signature must verify too.
    let env = envelope::check_shape(text.as_bytes()).map_err(|e| {
        Error::one(codes::INVALID_ARG, "--envelope", format!("{} is not an envelope the worker would take: {}: {e}", a.envelope, e.code()))
    })?;
    let snapshot = match &a.public_keys {
        Some(k) => {
            let keys_text = if k.trim_start().starts_with('{') { k.clone() } else { read_input(k)? };
            let keys = SnapshotKeys::parse(&keys_text).map_err(|e| bad("--public-keys", e))?;
            envelope::verify(text.as_bytes(), &keys, None, None).map_err(|e| Error::one(codes::INVALID_ARG, "--envelope", e.to_string()))?
        }
        None => rolegate_core::Snapshot::from_json(&env.payload)?,
    };
    let key = format!("workspace:{}", snapshot.workspace_id);
    let mut args = vec!["kv".to_string(), "key".into(), "put".into(), key.clone(), "--path".into(), a.envelope.clone()];
    if a.local {
        args.extend(["--binding".into(), a.binding.clone(), "--local".into()]);
    } else if let Some(ns) = &a.namespace_id {
        args.extend(["--namespace-id".into(), ns.clone(), "--remote".into()]);
    }
    if a.dry_run {
        say!("{} {}", a.wrangler, args.join(" "));
        return Ok(0);
    }
    let status = std::process::Command::new(&a.wrangler)
        .args(&args)
        .env("WRANGLER_SEND_METRICS", "false")
        .status()
        .map_err(|e| bad("--wrangler", format!("cannot run {}: {e}", a.wrangler)))?;
    if !status.success() {
        return Err(Error::one(codes::INTERNAL, "", format!("wrangler failed ({status}) writing {key}")));
    }
    match format {
        Format::Json => print_json(&json!({"ok": true, "key": key, "revision": snapshot.revision, "local": a.local})),
        Format::Text => warn!("pushed revision {} of workspace {} to KV key {key}", snapshot.revision, snapshot.workspace_id),
    }
    Ok(0)
}
