//! Tidy checks, run by `cargo test --workspace` so that nobody needs to
//! remember them (rust-analyzer's xtask/src/tidy.rs is the model):
//!
//! - every Rust file of the workspace is rustfmt-clean, including the case
//!   files under compat-tests/<feature>/, which the crate reaches through
//!   build.rs-generated modules;
//! - every module (.rs file) starts with a `//!` line that says what it is for;
//! - `cargo clippy --workspace --all-targets` reports nothing.
//!
//! Each failure names the files and the command that fixes or shows them.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is inside the workspace")
        .to_owned()
}

/// The workspace's Rust files, relative to its root: every file git tracks or
/// would track (new files count before they are added; ignored ones, like
/// target/, do not).
fn rust_files() -> Vec<PathBuf> {
    let out = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            "*.rs",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("the tidy checks list files with git; is git on PATH?");
    assert!(
        out.status.success(),
        "git ls-files failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<PathBuf> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
        // Deleted but not yet staged: nothing to check.
        .filter(|p| workspace_root().join(p).exists())
        .collect();
    files.sort();
    files.dedup();
    assert!(
        files.iter().any(|f| f.ends_with("xtask/tests/tidy.rs")),
        "git ls-files found no Rust files; is this a git checkout?"
    );
    files
}

#[test]
fn every_rust_file_is_rustfmt_clean() {
    let files = rust_files();
    // Each file by name: `cargo fmt --check` would follow only the modules it
    // can see from the crate roots.
    let out = Command::new("rustfmt")
        .args(["--check", "--edition", "2024"])
        .args(&files)
        .current_dir(workspace_root())
        .output()
        .expect("cannot run rustfmt; install it with `rustup component add rustfmt`");
    assert!(
        out.status.success(),
        "these files are not rustfmt-clean; run `cargo fmt`:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_module_starts_with_a_doc_line() {
    let root = workspace_root();
    let missing: Vec<String> = rust_files()
        .into_iter()
        .filter(|f| {
            let text = std::fs::read_to_string(root.join(f)).unwrap_or_default();
            !text.starts_with("//!")
        })
        .map(|f| format!("  {}", f.display()))
        .collect();
    assert!(
        missing.is_empty(),
        "these modules do not start with a `//!` line saying what they are for:\n{}",
        missing.join("\n")
    );
}

#[test]
fn clippy_is_clean() {
    let cargo = env!("CARGO");
    let root = workspace_root();
    let has_clippy = Command::new(cargo)
        .args(["clippy", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_clippy {
        // CI must run this check (.ci/run installs clippy); a laptop without
        // the component gets a loud skip rather than a red suite.
        assert!(
            std::env::var_os("CI").is_none(),
            "clippy is not installed, and CI is set: `rustup component add clippy`"
        );
        eprintln!(
            "\n!!! tidy: SKIPPED the clippy check: clippy is not installed. \
             Install it with `rustup component add clippy` !!!\n"
        );
        return;
    }
    // JSON rather than `-D warnings`: with -D, the first crate with a finding
    // stops the crates that depend on it from being checked at all; this way
    // one run reports every finding of the workspace.
    let out = Command::new(cargo)
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--message-format=json",
        ])
        .current_dir(&root)
        .output()
        .expect("cannot run cargo clippy");
    let mut findings = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-message" {
            continue;
        }
        let m = &msg["message"];
        if !matches!(m["level"].as_str(), Some("warning" | "error")) {
            continue;
        }
        let rendered = m["rendered"].as_str().unwrap_or_default().to_owned();
        // Summaries ("N warnings emitted") have no place in the code.
        let has_place = m["spans"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["is_primary"] == true));
        if !has_place {
            if m["level"] == "error" {
                findings.push(rendered);
            }
            continue;
        }
        findings.push(rendered);
    }
    // The same finding comes once per target that compiles the file (lib and
    // its unit tests).
    findings.sort();
    findings.dedup();
    assert!(
        findings.is_empty() && out.status.success(),
        "`cargo clippy --workspace --all-targets` is not clean ({} finding(s)); \
         fix them (`cargo clippy --fix` does some) or, where a lint is wrong, \
         `#[expect(clippy::..., reason = \"...\")]`:\n{}{}",
        findings.len(),
        findings.join(""),
        if findings.is_empty() {
            String::from_utf8_lossy(&out.stderr).into_owned()
        } else {
            String::new()
        }
    );
}

#[test]
fn readme_is_short() {
    // README.md is read in five minutes: what the project is, the two
    // commands, everyday use, what a colour means, adding a row or a column.
    // Everything else has its page under docs/, linked from README's index.
    const MAX_LINES: usize = 200;
    let path = workspace_root().join("README.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let lines = text.lines().count();
    assert!(
        lines <= MAX_LINES,
        "README.md has {lines} lines, more than {MAX_LINES}: move the detail to a page \
         under docs/ (docs/configuration.md, docs/columns.md, ...) and link it from \
         README's \"Docs\" index"
    );
}
