//! The pre-forked launcher: one Python process imports LiteLLM's proxy once
//! (`prefork.py`) and forks one proxy per column, each started from its own
//! generated config, port, master key and log, exactly as `litellm --config`
//! starts (the same click entry point runs in the child).
//!
//! Why: importing the proxy is ~11 s of CPU and a forked child's start-up
//! ~0.35 s (measured on the two-core machine, 2026-11-25); five columns paid
//! the import five times. Each proxy is still its own process with its own
//! config, so a cell means what it meant, and a crash or a hang of one
//! column's proxy is that column's alone.
//!
//! Environment that LiteLLM might read at import time (a `LITELLM_RUST`
//! switch, say) is the launcher's: the harness starts one launcher per
//! distinct proxy environment, so a column with its own switch gets its own
//! import. The launcher starts without `routing::REDIRECTING_ENV`, so no fork
//! inherits them. A fork's own `env` is applied in the child with
//! `os.environ.update` before the proxy starts (prefork.py): variables read
//! at request time (`HTTPS_PROXY` through urllib's `getproxies`, per aiohttp
//! request) take a per-fork value, so one launcher serves columns that each
//! have their own front listener.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::procgroup::GroupChild;

/// The launcher script, written next to the proxies' configs.
const SCRIPT: &str = include_str!("prefork.py");

/// Modules the launcher imports before it forks, so the proxies share them
/// instead of each importing its own copy after start-up (about 40 MB less
/// per proxy, measured 2026-11-26). Best effort: see the file's header.
const PRELOAD: &str = include_str!("prefork_preload.txt");

/// `COMPAT_PROXY_LAUNCH=spawn` starts every proxy as its own `litellm`
/// process (the launcher's fallback, and a way to compare).
pub fn enabled() -> bool {
    !matches!(std::env::var("COMPAT_PROXY_LAUNCH").as_deref(), Ok("spawn"))
}

/// The Python interpreter of a `litellm` entry point: its `#!` line (pip's
/// console scripts name their virtualenv's Python there), else a `python`
/// beside it. None when neither exists (the caller spawns instead).
pub fn python_of(litellm_bin: &Path) -> Option<PathBuf> {
    let text = std::fs::read(litellm_bin).ok()?;
    let first = text.split(|&b| b == b'\n').next()?;
    let shebang = std::str::from_utf8(first).ok()?.strip_prefix("#!")?;
    let interp = PathBuf::from(shebang.split_whitespace().next()?);
    if interp
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("python"))
        && interp.exists()
    {
        return Some(interp);
    }
    let beside = litellm_bin.parent()?.join("python");
    beside.exists().then_some(beside)
}

/// A running launcher; forked proxies are its children, in its process
/// group (killed with it on every path).
pub struct Launcher {
    io: Mutex<(ChildStdin, BufReader<ChildStdout>)>,
    group: Mutex<GroupChild>,
    log: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LauncherError {
    #[error("the LiteLLM launcher could not start ({python})", python = python.display())]
    Spawn {
        python: PathBuf,
        source: std::io::Error,
    },
    #[error("the LiteLLM launcher did not finish importing LiteLLM: {why}. Its log: {log}", log = log.display())]
    NotReady { why: String, log: PathBuf },
    #[error("the LiteLLM launcher refused to fork a proxy: {0}")]
    Refused(String),
    #[error("cannot talk to the LiteLLM launcher (did it die? its log: {log})", log = log.display())]
    Io {
        log: PathBuf,
        source: std::io::Error,
    },
}

impl Launcher {
    /// Starts the launcher with `python` and waits (up to `timeout`) until
    /// LiteLLM is imported. `env` is the proxies' environment (the hermetic
    /// switches included).
    /// `detached`: the launcher keeps its proxies when its stdin closes.
    pub fn start(
        python: &Path,
        work_dir: &Path,
        label: &str,
        env: &[(String, String)],
        timeout: Duration,
        detached: bool,
    ) -> Result<Launcher, LauncherError> {
        let io_err = |log: &Path| {
            let log = log.to_owned();
            move |source| LauncherError::Io { log, source }
        };
        let script = work_dir.join("litellm-prefork.py");
        let log = work_dir.join(format!("litellm-prefork-{label}.log"));
        std::fs::create_dir_all(work_dir).map_err(io_err(&log))?;
        compat_matrix::fsutil::write_atomic(&script, SCRIPT.as_bytes()).map_err(io_err(&log))?;
        let preload = work_dir.join("litellm-prefork-preload.txt");
        compat_matrix::fsutil::write_atomic(&preload, PRELOAD.as_bytes()).map_err(io_err(&log))?;
        let log_file = std::fs::File::create(&log).map_err(io_err(&log))?;
        let mut cmd = Command::new(python);
        cmd.arg(&script)
            .arg("--preload")
            .arg(&preload)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .env("PYTHONUNBUFFERED", "1");
        // What LiteLLM reads at import is the launcher's environment, and
        // every fork inherits it: none of the redirecting variables the
        // operator's shell may hold (routing::REDIRECTING_ENV); a proxy's own
        // values come with `env` here or per fork.
        for k in super::routing::REDIRECTING_ENV {
            cmd.env_remove(k);
        }
        if detached {
            cmd.arg("--detached");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut group = GroupChild::spawn(&mut cmd).map_err(|source| LauncherError::Spawn {
            python: python.to_owned(),
            source,
        })?;
        let stdin = group.child_mut().stdin.take().expect("piped");
        let stdout = BufReader::new(group.child_mut().stdout.take().expect("piped"));
        // The first line says the import is done; read it on a thread so the
        // wait is bounded.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut stdout = stdout;
            let mut line = String::new();
            let r = stdout.read_line(&mut line).map(|_| line);
            let _ = tx.send((r, stdout));
        });
        let (first, stdout) = match rx.recv_timeout(timeout) {
            Ok(v) => v,
            Err(_) => {
                group.kill();
                return Err(LauncherError::NotReady {
                    why: format!("no answer after {} s", timeout.as_secs()),
                    log,
                });
            }
        };
        let first = first.map_err(io_err(&log))?;
        if !first.contains("\"ready\"") {
            group.kill();
            return Err(LauncherError::NotReady {
                why: if first.is_empty() {
                    "it exited".into()
                } else {
                    format!("it said {first:?}")
                },
                log,
            });
        }
        Ok(Launcher {
            io: Mutex::new((stdin, stdout)),
            group: Mutex::new(group),
            log,
        })
    }

    /// Forks a proxy running `litellm <argv>` with `env` added, its output to
    /// `log`. Returns the child's pid.
    pub fn fork(
        &self,
        argv: &[String],
        env: &[(String, String)],
        log: &Path,
    ) -> Result<i32, LauncherError> {
        let req = serde_json::json!({
            "argv": argv,
            "env": env.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
            "log": log,
        });
        let mut io = self.io.lock().expect("launcher io");
        let io_err = |source| LauncherError::Io {
            log: self.log.clone(),
            source,
        };
        writeln!(io.0, "{req}").map_err(io_err)?;
        io.0.flush().map_err(io_err)?;
        let mut line = String::new();
        io.1.read_line(&mut line).map_err(io_err)?;
        let answer: serde_json::Value = serde_json::from_str(&line).map_err(|_| {
            LauncherError::Refused(if line.is_empty() {
                format!("it exited; see {}", self.log.display())
            } else {
                line.clone()
            })
        })?;
        match answer.get("pid").and_then(serde_json::Value::as_i64) {
            Some(pid) => Ok(pid as i32),
            None => Err(LauncherError::Refused(answer.to_string())),
        }
    }

    /// Whether the launcher itself still runs.
    pub fn is_alive(&self) -> bool {
        matches!(self.group.lock().expect("launcher").try_wait(), Ok(None))
    }

    /// Leaves the launcher and its proxies running after this process ends
    /// (`cargo xtask up`): its stdin is closed, which a launcher started
    /// with `detached` takes as no order to stop. Returns its process group.
    pub fn detach(self) -> i32 {
        let Launcher { io, group, .. } = self;
        drop(io);
        group.into_inner().expect("launcher").detach()
    }
}

/// A proxy forked by a launcher.
pub struct Forked {
    pub pid: i32,
}

impl Forked {
    /// Alive: the process exists and is not a zombie the launcher has yet
    /// to reap.
    pub fn is_alive(&self) -> bool {
        match std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) {
            Ok(stat) => {
                // The state follows the parenthesised command name.
                let state = stat
                    .rsplit_once(')')
                    .and_then(|(_, r)| r.trim().chars().next());
                !matches!(state, Some('Z') | Some('X') | None)
            }
            Err(_) => false,
        }
    }

    /// SIGTERM, up to `grace` to go, then SIGKILL. (The launcher reaps it.)
    pub fn terminate(&self, grace: Duration) {
        let pid = Pid::from_raw(self.pid);
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = std::time::Instant::now() + grace;
        while std::time::Instant::now() < deadline {
            if !self.is_alive() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = kill(pid, Signal::SIGKILL);
    }
}
