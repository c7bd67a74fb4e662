//! Tool provisioning: the claude CLI (npm) and LiteLLM (PyPI, in a
//! virtualenv), at versions pinned here, installed into a cache folder on
//! first use and reused after. Installs are guarded by a file lock (several
//! test processes may ask at once) and marked complete only at the end, so an
//! interrupted install is redone rather than trusted.
//!
//! Overrides (environment):
//! - `COMPAT_CLAUDE_BIN`: use this `claude` binary as is.
//! - `COMPAT_CLAUDE_VERSION`: provision this claude-code version instead of the pin.
//! - `COMPAT_LITELLM_BIN`: use this `litellm` entry point as is (e.g. a PR's checkout).
//! - `COMPAT_LITELLM_VERSION`: provision this LiteLLM version instead of the pin.
//! - `COMPAT_TOOLS_DIR`: the cache folder (default `~/.cache/claude-compat-matrix`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The pinned claude CLI (npm `@anthropic-ai/claude-code`).
pub const CLAUDE_CODE_VERSION: &str = "2.1.331";
/// The pinned LiteLLM (PyPI `litellm[proxy]`).
pub const LITELLM_VERSION: &str = "1.108.7";

const COMPLETE_MARKER: &str = ".compat-complete";

#[derive(Debug, Clone)]
pub struct ClaudeTool {
    pub bin: PathBuf,
    /// What `claude --version` printed (e.g. `2.1.331`).
    pub version: String,
}

#[derive(Debug, Clone)]
pub struct LitellmTool {
    pub bin: PathBuf,
    /// The Python of LiteLLM's virtualenv (for helpers such as generating the
    /// fake Vertex service-account key); None for an override binary whose
    /// Python is unknown.
    pub python: Option<PathBuf>,
    pub version: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ToolError(String);

fn progress(msg: &str) {
    eprintln!("[provision] {msg}");
}

/// The claude CLI to run, provisioning it if needed.
pub fn claude() -> Result<ClaudeTool, ToolError> {
    if let Some(bin) = std::env::var_os("COMPAT_CLAUDE_BIN") {
        let bin = PathBuf::from(bin);
        let version = claude_version(&bin)?;
        return Ok(ClaudeTool { bin, version });
    }
    let version =
        std::env::var("COMPAT_CLAUDE_VERSION").unwrap_or_else(|_| CLAUDE_CODE_VERSION.to_owned());
    let dir = crate::paths::tools_dir().join(format!("claude-code-{version}"));
    with_install_lock(&dir, &format!("claude-code {version} (npm)"), |dir| {
        let out = Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--loglevel=error",
                "--prefix",
            ])
            .arg(dir)
            .arg(format!("@anthropic-ai/claude-code@{version}"))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                ToolError(format!(
                    "cannot run npm to install the claude CLI: {e}. Install Node.js and npm."
                ))
            })?;
        if !out.status.success() {
            return Err(ToolError(format!(
                "npm install @anthropic-ai/claude-code@{version} failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    })?;
    // The platform package holds the native binary; the wrapper's bin is a
    // placeholder until its postinstall runs (npm 11 may skip it).
    let native = dir.join("node_modules/@anthropic-ai/claude-code-linux-x64/claude");
    let bin = if native.exists() {
        native
    } else {
        dir.join("node_modules/.bin/claude")
    };
    let actual = claude_version(&bin)?;
    if actual != version {
        return Err(ToolError(format!(
            "{} reports version {actual}, expected {version}: delete {} to reinstall",
            bin.display(),
            dir.display()
        )));
    }
    Ok(ClaudeTool {
        bin,
        version: actual,
    })
}

fn claude_version(bin: &Path) -> Result<String, ToolError> {
    let out = Command::new(bin)
        .arg("--version")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ToolError(format!("cannot run {} --version: {e}", bin.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "2.1.331 (Claude Code)"
    text.split_whitespace()
        .next()
        .filter(|v| out.status.success() && v.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_owned)
        .ok_or_else(|| {
            ToolError(format!(
                "{} --version printed {:?} (exit {}): not a working claude CLI",
                bin.display(),
                text.trim(),
                out.status
            ))
        })
}

/// The LiteLLM proxy entry point, provisioning it if needed.
pub fn litellm() -> Result<LitellmTool, ToolError> {
    if let Some(bin) = std::env::var_os("COMPAT_LITELLM_BIN") {
        let bin = PathBuf::from(bin);
        // A virtualenv's bin/ usually has its python beside the entry point.
        let python = bin
            .parent()
            .map(|d| d.join("python"))
            .filter(|p| p.exists());
        let version = python
            .as_deref()
            .and_then(|p| litellm_version(p).ok())
            .unwrap_or_else(|| "unknown".into());
        return Ok(LitellmTool {
            bin,
            python,
            version,
        });
    }
    let version =
        std::env::var("COMPAT_LITELLM_VERSION").unwrap_or_else(|_| LITELLM_VERSION.to_owned());
    let dir = crate::paths::tools_dir().join(format!("litellm-{version}"));
    with_install_lock(
        &dir,
        &format!("litellm[proxy] {version} (PyPI, virtualenv)"),
        |dir| {
            let python = std::env::var("COMPAT_PYTHON").unwrap_or_else(|_| "python3".to_owned());
            run(
                Command::new(&python).args(["-m", "venv"]).arg(dir),
                "create the LiteLLM virtualenv",
            )?;
            run(
                Command::new(dir.join("bin/pip"))
                    .args(["install", "--quiet", "--disable-pip-version-check"])
                    .arg(format!("litellm[proxy]=={version}"))
                    // The Vertex route imports google-auth, which litellm[proxy]
                    // does not pull in.
                    .arg("google-auth"),
                "pip install litellm[proxy]",
            )
        },
    )?;
    let python = dir.join("bin/python");
    let version = litellm_version(&python)?;
    Ok(LitellmTool {
        bin: dir.join("bin/litellm"),
        python: Some(python),
        version,
    })
}

fn litellm_version(python: &Path) -> Result<String, ToolError> {
    let out = Command::new(python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('litellm'))",
        ])
        .output()
        .map_err(|e| ToolError(format!("cannot run {}: {e}", python.display())))?;
    if !out.status.success() {
        return Err(ToolError(format!(
            "cannot read LiteLLM's version with {}: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn run(cmd: &mut Command, what: &str) -> Result<(), ToolError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ToolError(format!("cannot {what}: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(ToolError(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

/// Runs `install(dir)` unless `dir` holds a complete install, under an
/// exclusive lock so concurrent callers wait for one install.
fn with_install_lock(
    dir: &Path,
    what: &str,
    install: impl FnOnce(&Path) -> Result<(), ToolError>,
) -> Result<(), ToolError> {
    if dir.join(COMPLETE_MARKER).exists() {
        return Ok(());
    }
    let parent = dir.parent().expect("tools dir");
    std::fs::create_dir_all(parent)
        .map_err(|e| ToolError(format!("cannot create {}: {e}", parent.display())))?;
    let lock_path = dir.with_extension("lock");
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| ToolError(format!("cannot create {}: {e}", lock_path.display())))?;
    lock.lock()
        .map_err(|e| ToolError(format!("cannot lock {}: {e}", lock_path.display())))?;
    if dir.join(COMPLETE_MARKER).exists() {
        return Ok(()); // another process finished it while we waited
    }
    if dir.exists() {
        progress(&format!("removing incomplete install at {}", dir.display()));
        std::fs::remove_dir_all(dir)
            .map_err(|e| ToolError(format!("cannot remove {}: {e}", dir.display())))?;
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| ToolError(format!("cannot create {}: {e}", dir.display())))?;
    progress(&format!("installing {what} into {} ...", dir.display()));
    let start = Instant::now();
    install(dir)?;
    std::fs::write(dir.join(COMPLETE_MARKER), b"")
        .map_err(|e| ToolError(format!("cannot mark {} complete: {e}", dir.display())))?;
    progress(&format!(
        "installed {what} in {:.1} s",
        start.elapsed().as_secs_f64()
    ));
    Ok(())
}
