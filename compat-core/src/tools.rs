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
//!
//! Before installing LiteLLM, [`index_check`] reads the release's own
//! metadata from the package index pip is configured with and fails in
//! seconds, in one line, when the index lacks an exact version its `proxy`
//! extra pins (LiteLLM's packaging changes between releases).
//!
//! The providers' official clients (Anthropic SDK, boto3) for the simulator
//! conformance suite are provisioned the same way, in [`sdks`].

use std::io::{BufRead as _, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub mod index_check;
pub mod sdks;

/// The pinned claude CLI (npm `@anthropic-ai/claude-code`).
pub const CLAUDE_CODE_VERSION: &str = "2.1.332";
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
    let dir = compat_matrix::paths::tools_dir().join(format!("claude-code-{version}"));
    with_install_lock(&dir, &format!("claude-code {version} (npm)"), |dir| {
        run(
            Command::new("npm")
                .args([
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--no-save",
                    "--loglevel=error",
                    "--prefix",
                ])
                .arg(dir)
                .arg(format!("@anthropic-ai/claude-code@{version}")),
            &format!("npm install @anthropic-ai/claude-code@{version}"),
            "is Node.js with npm installed?",
        )
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
    let dir = compat_matrix::paths::tools_dir().join(format!("litellm-{version}"));
    provision_litellm(&dir, &version, &|_| {})
}

/// Provisions `litellm[proxy]==version` into the virtualenv `dir` unless a
/// complete install is there. Before the long download, the release's own
/// metadata says what its `proxy` extra pins ([`index_check`]); when the
/// package index pip is configured with lacks one of those exact versions,
/// this fails in seconds with one line saying what and the ways out.
/// `configure` adjusts every pip command (tests point pip at a local index).
pub fn provision_litellm(
    dir: &Path,
    version: &str,
    configure: &(dyn Fn(&mut Command) + Sync),
) -> Result<LitellmTool, ToolError> {
    with_install_lock(
        dir,
        &format!("litellm[proxy] {version} (PyPI, virtualenv)"),
        |dir| {
            make_venv(dir, "the LiteLLM virtualenv")?;
            let python = dir.join("bin/python");
            progress(&format!(
                "checking that the package index has litellm[proxy]=={version} and every exact version it pins ..."
            ));
            let start = Instant::now();
            match index_check::check_litellm(&python, version, configure) {
                Ok(index_check::Verdict::Installable { pins }) => progress(&format!(
                    "the index has LiteLLM {version} and its exact pins ({}) ({:.1} s)",
                    if pins.is_empty() {
                        "none".to_owned()
                    } else {
                        pins.iter()
                            .map(|p| p.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                    start.elapsed().as_secs_f64()
                )),
                Ok(index_check::Verdict::Missing(missing)) => {
                    // Nothing worth keeping: the next attempt starts afresh.
                    let _ = std::fs::remove_dir_all(dir);
                    return Err(ToolError(missing.to_string()));
                }
                // The install itself will say what is wrong, in pip's words.
                Err(e) => progress(&format!(
                    "warning: cannot check LiteLLM {version}'s dependencies before installing ({e}); installing anyway"
                )),
            }
            // The Vertex route imports google-auth, which litellm[proxy]
            // does not pull in. (About 95 s on a fresh machine.)
            pip_install(
                dir,
                &[
                    format!("litellm[proxy]=={version}"),
                    "google-auth".to_owned(),
                ],
                configure,
            )
        },
    )?;
    let python = dir.join("bin/python");
    let bin = dir.join("bin/litellm");
    if !bin.exists() {
        return Err(ToolError(format!(
            "LiteLLM {version} is installed in {} but has no `litellm` entry point in its bin/: \
             its packaging moved the proxy's command; point COMPAT_LITELLM_BIN at it",
            dir.display()
        )));
    }
    let version = litellm_version(&python)?;
    Ok(LitellmTool {
        bin,
        python: Some(python),
        version,
    })
}

/// Whether the package index pip is configured with can install LiteLLM
/// `version` (its `proxy` extra's exact pins included), without installing
/// it: for the resolvers that pick a release. pip runs from a small cached
/// virtualenv (`pip-check` in the tools folder), made once.
pub fn check_litellm_release(version: &str) -> Result<index_check::Verdict, ToolError> {
    let dir = compat_matrix::paths::tools_dir().join("pip-check");
    with_install_lock(&dir, "a virtualenv for pip's dependency checks", |dir| {
        make_venv(dir, "the pip-check virtualenv")
    })?;
    index_check::check_litellm(&dir.join("bin/python"), version, &|_| {})
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

/// A virtualenv at `dir` (from `COMPAT_PYTHON`, default python3) with
/// `packages` pip-installed; pip's own lines are the progress shown.
fn pip_venv(dir: &Path, label: &str, packages: &[String]) -> Result<(), ToolError> {
    make_venv(dir, label)?;
    pip_install(dir, packages, &|_| {})
}

/// An empty virtualenv at `dir` (from `COMPAT_PYTHON`, default python3).
fn make_venv(dir: &Path, label: &str) -> Result<(), ToolError> {
    let python = std::env::var("COMPAT_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run(
        Command::new(&python).args(["-m", "venv"]).arg(dir),
        &format!("{python} -m venv ({label})"),
        "is python3 with its venv module installed (Debian: python3-venv)? COMPAT_PYTHON picks another python",
    )
}

/// `pip install packages` in the virtualenv `dir`.
fn pip_install(
    dir: &Path,
    packages: &[String],
    configure: &(dyn Fn(&mut Command) + Sync),
) -> Result<(), ToolError> {
    let mut cmd = Command::new(dir.join("bin/pip"));
    // Not --quiet: its lines are the progress shown while it runs.
    cmd.args([
        "install",
        "--disable-pip-version-check",
        "--progress-bar",
        "off",
    ])
    .args(packages);
    configure(&mut cmd);
    run(
        &mut cmd,
        &format!("pip install {}", packages.join(" ")),
        "check the network access to the package index",
    )
}

/// How often a running install step reports that it is still running.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// Runs one install step, showing progress: every [`PROGRESS_EVERY`] the
/// elapsed time and the step's latest output line ("Collecting uvicorn ...").
/// `if_missing` is the hint when the program cannot be started.
fn run(cmd: &mut Command, what: &str, if_missing: &str) -> Result<(), ToolError> {
    run_reporting(cmd, what, if_missing, PROGRESS_EVERY, &mut |line| {
        progress(line)
    })
}

fn run_reporting(
    cmd: &mut Command,
    what: &str,
    if_missing: &str,
    every: Duration,
    report: &mut dyn FnMut(&str),
) -> Result<(), ToolError> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ToolError(format!("cannot run {what}: {e}; {if_missing}")))?;
    // Both streams into one channel, line by line, as they come.
    let (tx, rx) = mpsc::channel::<String>();
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        })
    })
    .collect();
    drop(tx);
    let start = Instant::now();
    let mut next_report = start + every;
    let mut output = Vec::new();
    let mut current = String::from("no output yet");
    loop {
        match rx.recv_timeout(Duration::from_millis(250)) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    current = excerpt(line.trim(), 100);
                }
                output.push(line);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if Instant::now() >= next_report {
            report(&format!(
                "{what}: {:.0} s, {current}",
                start.elapsed().as_secs_f64()
            ));
            next_report += every;
        }
    }
    for r in readers {
        let _ = r.join();
    }
    let status = child
        .wait()
        .map_err(|e| ToolError(format!("cannot wait for {what}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        // The tail: pip's error is at the end, after every "Collecting" line.
        let tail = output[output.len().saturating_sub(40)..].join("\n");
        Err(ToolError(format!("{what} failed ({status}):\n{tail}")))
    }
}

fn excerpt(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        return line.to_owned();
    }
    let mut s: String = line.chars().take(max).collect();
    s.push_str(" ...");
    s
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
    // Appended, not `with_extension`: that would give `litellm-1.108.7`
    // and `litellm-1.108.23` one lock, `litellm-1.108.lock`.
    let mut lock_name = dir.file_name().expect("tools dir entry").to_owned();
    lock_name.push(".lock");
    let lock_path = dir.with_file_name(lock_name);
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| ToolError(format!("cannot create {}: {e}", lock_path.display())))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            // Otherwise a second test process sits silent for the whole install.
            progress(&format!(
                "waiting for another process installing {what} (lock {}) ...",
                lock_path.display()
            ));
            lock.lock()
                .map_err(|e| ToolError(format!("cannot lock {}: {e}", lock_path.display())))?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(ToolError(format!(
                "cannot lock {}: {e}",
                lock_path.display()
            )));
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_step_reports_elapsed_time_and_its_latest_line() {
        let mut reports = Vec::new();
        run_reporting(
            Command::new("sh").args([
                "-c",
                "echo 'Collecting litellm'; sleep 1; echo 'Installing collected packages' >&2; sleep 1",
            ]),
            "pip install x",
            "hint",
            Duration::from_millis(600),
            &mut |l| reports.push(l.to_owned()),
        )
        .unwrap();
        assert!(reports.len() >= 2, "{reports:?}");
        assert!(
            reports[0].starts_with("pip install x: ") && reports[0].ends_with("Collecting litellm"),
            "{reports:?}"
        );
        assert!(
            reports
                .last()
                .unwrap()
                .ends_with("Installing collected packages"),
            "{reports:?}"
        );
    }

    #[test]
    fn a_failing_step_shows_its_output_and_a_missing_program_the_hint() {
        let e = run_reporting(
            Command::new("sh").args(["-c", "echo 'ERROR: No matching distribution' >&2; exit 1"]),
            "pip install x",
            "hint",
            PROGRESS_EVERY,
            &mut |_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("pip install x failed (exit status: 1):")
                && e.contains("ERROR: No matching distribution"),
            "{e}"
        );
        let e = run(
            &mut Command::new("/nonexistent/npm"),
            "npm install y",
            "is Node.js with npm installed?",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("cannot run npm install y: ")
                && e.ends_with("; is Node.js with npm installed?"),
            "{e}"
        );
    }
}
