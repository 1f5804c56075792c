//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// The sibling `shared/` folder (CI puts it beside the clone); `ROLEGATE_SHARED` overrides.
pub fn shared_dir() -> PathBuf {
    let p = match std::env::var_os("ROLEGATE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => repo_root().join("../shared"),
    };
    assert!(p.join("conformance").is_dir(), "the shared folder with conformance/ was not found at {} (set ROLEGATE_SHARED)", p.display());
    p
}

pub fn fixture_json() -> String {
    std::fs::read_to_string(shared_dir().join("fixtures/workspace.json")).expect("read fixtures/workspace.json")
}

/// A fixed `now` for tests: 2026-06-01T00:00:00Z.
pub const NOW: i64 = 1_780_272_000;
