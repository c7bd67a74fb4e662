//! Where things live: the workspace, the default artifact paths, the tool cache.

use std::path::PathBuf;

/// The workspace root (the folder holding `manifest.yaml`).
pub fn workspace_root() -> PathBuf {
    // compat-matrix/ is one level below the root.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// Default folder for run artifacts: `<workspace>/target/compat`.
/// Override with `COMPAT_OUT_DIR`.
pub fn out_dir() -> PathBuf {
    match std::env::var_os("COMPAT_OUT_DIR") {
        Some(d) => PathBuf::from(d),
        None => workspace_root().join("target").join("compat"),
    }
}

/// Default `compat-results.json` path. Override with `COMPAT_RESULTS`.
///
/// Under cargo-nextest every trial is its own process, so each process
/// writes its own file, `<out>/nextest-<run id>/<pid>.json`; merge them with
/// `cargo xtask build-matrix <out>/nextest-<run id>/`.
pub fn results_file() -> PathBuf {
    if let Some(p) = std::env::var_os("COMPAT_RESULTS") {
        return PathBuf::from(p);
    }
    match std::env::var("NEXTEST_RUN_ID") {
        Ok(run) => out_dir()
            .join(format!("nextest-{run}"))
            .join(format!("{}.json", std::process::id())),
        Err(_) => out_dir().join("compat-results.json"),
    }
}

/// Cache folder for provisioned tools (the claude CLI, LiteLLM's virtualenv).
/// `COMPAT_TOOLS_DIR`, else `$XDG_CACHE_HOME/claude-compat-matrix`, else
/// `~/.cache/claude-compat-matrix`.
pub fn tools_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("COMPAT_TOOLS_DIR") {
        return PathBuf::from(d);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| workspace_root().join("target"));
    base.join("claude-compat-matrix")
}
