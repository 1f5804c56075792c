//! Runs every conformance file: `../shared/conformance/*.json` and the project's own
//! `tests/conformance/*.json`. A missing or unreadable file fails loudly.

mod common;

use rolegate_core::testing::run_file;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn run_dir(dir: &Path, min_files: usize) {
    let files = json_files(dir);
    assert!(files.len() >= min_files, "expected at least {min_files} conformance files in {}", dir.display());
    let (mut passed, mut failed) = (0, 0);
    let mut lines = Vec::new();
    for f in &files {
        let r = run_file(f, common::NOW);
        assert!(r.passed + r.failed > 0, "{} ran no test", f.display());
        passed += r.passed;
        failed += r.failed;
        lines.extend(r.failure_lines());
    }
    for l in &lines {
        eprintln!("{l}");
    }
    eprintln!("{}: {} files, {passed} passed, {failed} failed", dir.display(), files.len());
    assert_eq!(failed, 0, "conformance failures in {}:\n{}", dir.display(), lines.join("\n"));
}

#[test]
fn shared_conformance_corpus() {
    run_dir(&common::shared_dir().join("conformance"), 9);
}

#[test]
fn project_conformance_corpus() {
    run_dir(&common::repo_root().join("tests/conformance"), 1);
}
