//! Tidy checks, run by `cargo test --workspace` so that nobody needs to
//! remember them (rust-analyzer's xtask/src/tidy.rs is the model):
//!
//! - every Rust file of the workspace is rustfmt-clean, including the case
//!   files under compat-tests/<feature>/, which the crate reaches through
//!   the modules `cargo xtask codegen` writes into compat-tests/main.rs;
//! - the generated files are fresh (`cargo xtask codegen --check`);
//! - every module (.rs file) starts with a `//!` line that says what it is for;
//! - xtask links no test crate, compat-matrix no runtime crate, and
//!   compat-sim's wire/ imports nothing above it;
//! - no two files of a crate import each other, not even through others
//!   (`tidy/imports.rs` reads the import graph), and no Rust file is over
//!   800 lines (no exceptions);
//! - `cargo clippy --workspace --all-targets` reports nothing.
//!
//! Each failure names the files and the command that fixes or shows them.

// Beside this file, not in tests/: cargo would build it as a test of its own.
#[path = "tidy/imports.rs"]
mod imports;

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
fn generated_files_are_fresh() {
    let root = workspace_root();
    // The root by argument: the binary must not find a checkout of its own.
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--check", "--root"])
        .arg(&root)
        .output()
        .expect("cannot run xtask");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The crates' library and binary sources (under a `src/`), with their text.
fn sources() -> Vec<imports::Source> {
    let root = workspace_root();
    rust_files()
        .into_iter()
        .map(|f| f.to_string_lossy().replace('\\', "/"))
        .filter(|f| f.contains("/src/"))
        .map(|path| imports::Source {
            text: std::fs::read_to_string(root.join(&path)).unwrap_or_default(),
            path,
        })
        .collect()
}

#[test]
fn no_circle_of_imports() {
    let g = imports::graph(&sources());
    if std::env::var_os("TIDY_PRINT_FLOORS").is_some_and(|v| v == "1") {
        // The floors by hand: `TIDY_PRINT_FLOORS=1 cargo test -p xtask --test
        // tidy no_circle_of_imports -- --nocapture`.
        let mut rows: Vec<(String, usize)> = g.files.iter().cloned().zip(g.floors()).collect();
        rows.sort_by(|a, b| {
            let krate = |f: &str| f.split("/src/").next().unwrap_or_default().to_owned();
            (krate(&a.0), b.1, &a.0).cmp(&(krate(&b.0), a.1, &b.0))
        });
        for (file, floor) in rows {
            println!("{floor:>3}  {file}");
        }
    }
    // Issue 24 removed the last circles; none may come back.
    let mut report = Vec::new();
    for c in g.components().into_iter().filter(|c| c.len() > 1) {
        report.push(format!("a circle of {} files:", c.len()));
        for (&(a, b), names) in &g.edges {
            if c.contains(&a) && c.contains(&b) {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                report.push(format!(
                    "  {} -> {}: {}",
                    g.files[a],
                    g.files[b],
                    names.join(", ")
                ));
            }
        }
    }
    assert!(
        report.is_empty(),
        "files that import each other (a -> b: the names a takes from b); \
         move the shared names to a lower file, which both import:\n{}",
        report.join("\n")
    );
}

#[test]
fn no_rust_file_over_800_lines() {
    let root = workspace_root();
    let mut sizes = Vec::new();
    for f in rust_files() {
        let text = std::fs::read_to_string(root.join(&f)).unwrap_or_default();
        let lines = text.matches('\n').count();
        if lines > 800 {
            let f = f.to_string_lossy().replace('\\', "/");
            sizes.push(format!("  {f}: {lines} lines"));
        }
    }
    assert!(
        sizes.is_empty(),
        "a Rust file holds at most 800 lines (generated ones too); split it \
         where it does two things:\n{}",
        sizes.join("\n")
    );
}

/// The crates a Cargo.toml's `[dependencies]` name (and `[target.….dependencies]`),
/// by key and by `package = "…"` (std only: a line reading of the TOML).
fn dependencies(cargo_toml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut section = String::new();
    for line in cargo_toml.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_owned();
            let table = section.rsplit_once('.');
            if let Some((_, dep)) = table.filter(|(h, _)| is_dependencies(h)) {
                out.push(dep.trim_matches('"').to_owned());
            }
            continue;
        }
        let in_deps = is_dependencies(&section);
        let in_dep_table = section
            .rsplit_once('.')
            .is_some_and(|(h, _)| is_dependencies(h));
        if let Some((key, value)) = line.split_once('=') {
            let key = key.trim();
            if in_deps {
                out.push(
                    key.split('.')
                        .next()
                        .unwrap_or(key)
                        .trim_matches('"')
                        .to_owned(),
                );
            }
            let package = if in_dep_table && key == "package" {
                Some(value)
            } else if in_deps {
                value
                    .split("package")
                    .nth(1)
                    .and_then(|v| v.split_once('='))
                    .map(|v| v.1)
            } else {
                None
            };
            if let Some(p) = package.and_then(|v| v.split('"').nth(1)) {
                out.push(p.to_owned());
            }
        }
    }
    out
}

fn is_dependencies(section: &str) -> bool {
    section == "dependencies"
        || (section.starts_with("target.") && section.ends_with(".dependencies"))
}

/// The test crates, which tools must not link: a tool that needs what a test
/// crate has needs it moved into a library crate both use.
const TEST_CRATES: &[&str] = &["compat-tests"];

fn test_crates_in(cargo_toml: &str) -> Vec<String> {
    dependencies(cargo_toml)
        .into_iter()
        .filter(|d| TEST_CRATES.contains(&d.as_str()))
        .collect()
}

#[test]
fn xtask_depends_on_no_test_crate() {
    let toml = std::fs::read_to_string(workspace_root().join("xtask/Cargo.toml")).unwrap();
    let linked = test_crates_in(&toml);
    assert!(
        linked.is_empty(),
        "xtask/Cargo.toml [dependencies] links the test crate(s) {linked:?}; \
         depend on the library crate that holds what xtask needs"
    );
}

#[test]
fn the_dependency_reader_finds_a_test_crate_however_it_is_named() {
    let toml = "[package]\nname = \"xtask\"\n\n[dependencies]\ncompat-core.workspace = true\n\
                anyhow = \"1\"\n\n[dev-dependencies]\ncompat-tests = { path = \"../compat-tests\" }\n";
    assert_eq!(dependencies(toml), ["compat-core", "anyhow"]);
    assert!(
        test_crates_in(toml).is_empty(),
        "a dev-dependency is no link of the tool"
    );
    for linked in [
        "[dependencies]\ncompat-tests = { path = \"../compat-tests\" }\n",
        "[dependencies]\ncompat-tests.workspace = true\n",
        "[dependencies]\ntests = { package = \"compat-tests\", path = \"x\" }\n",
        "[dependencies.compat-tests]\npath = \"../compat-tests\"\n",
        "[target.'cfg(unix)'.dependencies]\ncompat-tests = { path = \"x\" }\n",
    ] {
        assert_eq!(test_crates_in(linked), ["compat-tests"], "{linked}");
    }
}

/// The crates that make a program of the runtime (processes, sockets, files
/// of a run), which the pure matrix model must not link.
const RUNTIME_CRATES: &[&str] = &[
    "tokio",
    "reqwest",
    "nix",
    "tempfile",
    "compat-core",
    "compat-sim",
];

fn runtime_crates_in(cargo_toml: &str) -> Vec<String> {
    dependencies(cargo_toml)
        .into_iter()
        .filter(|d| RUNTIME_CRATES.contains(&d.as_str()))
        .collect()
}

#[test]
fn compat_matrix_links_no_runtime() {
    let path = workspace_root().join("compat-matrix/Cargo.toml");
    let toml = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let linked = runtime_crates_in(&toml);
    assert!(
        linked.is_empty(),
        "compat-matrix/Cargo.toml [dependencies] links the runtime {linked:?}; \
         the code that needs it belongs in compat-core"
    );
}

#[test]
fn the_runtime_reader_names_what_the_model_must_not_link() {
    let pure = "[dependencies]\nserde.workspace = true\nindexmap = \"2\"\n\n\
                [dev-dependencies]\ntempfile.workspace = true\n";
    assert!(runtime_crates_in(pure).is_empty());
    let linked = "[dependencies]\nserde.workspace = true\ntokio = { version = \"1\" }\n\
                  compat-core.workspace = true\n";
    assert_eq!(runtime_crates_in(linked), ["tokio", "compat-core"]);
}

/// compat-sim's wire vocabulary is its ground floor: nothing under wire/
/// imports a file outside it.
#[test]
fn wire_is_the_ground_floor() {
    let dir = "compat-sim/src/wire/";
    let g = imports::graph(&sources());
    assert!(
        g.files.iter().any(|f| f.starts_with(dir)),
        "no files under {dir}"
    );
    let out = g.no_edges_leave(dir);
    assert!(
        out.is_empty(),
        "files under {dir} import files outside it; move the names down into {dir}:\n{}",
        out.join("\n")
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
