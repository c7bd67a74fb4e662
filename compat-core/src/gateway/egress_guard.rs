//! The rehearsal's egress guard (issue 26, plan 3.6 layer 2): a
//! `sitecustomize.py` that makes every Python process of a proxy refuse
//! name resolution and connections to anything but the loopback, logging
//! each refusal to a file the harness reads into the run's violations.
//!
//! How it is switched on: [`install`] writes the script into a folder and
//! returns the environment that puts that folder on `PYTHONPATH` (Python's
//! `site` imports `sitecustomize` from it at start-up) and names the log.
//! Give that environment to the proxy (a `ProxySpec`'s `env`): the harness
//! starts its prefork launcher with the proxies' environment, so the
//! launcher loads the guard before it imports LiteLLM and every fork
//! inherits it; a spawned proxy (`COMPAT_PROXY_LAUNCH=spawn`) loads it
//! itself. It does not see native sockets (LiteLLM's Rust bridge, Node).

use std::path::Path;

/// The guard script.
pub const SITECUSTOMIZE: &str = include_str!("egress_guard/sitecustomize.py");

/// The variable naming the file each refusal is appended to.
pub const LOG_VAR: &str = "COMPAT_EGRESS_LOG";

/// Writes the guard into `dir` (created if needed) and returns the
/// environment that loads it, with refusals appended to `log`.
/// `PYTHONPATH` is set to `dir` alone: a proxy under the guard takes no
/// module path from the operator's shell.
pub fn install(dir: &Path, log: &Path) -> std::io::Result<Vec<(String, String)>> {
    std::fs::create_dir_all(dir)?;
    compat_matrix::fsutil::write_atomic(&dir.join("sitecustomize.py"), SITECUSTOMIZE.as_bytes())?;
    Ok(vec![
        ("PYTHONPATH".to_owned(), dir.display().to_string()),
        (LOG_VAR.to_owned(), log.display().to_string()),
    ])
}

/// The refusals recorded in `log`, one line each (none if it does not exist).
pub fn refusals(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .map(|t| t.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}
