//! The gateway under test: a real LiteLLM proxy, started from a generated
//! config on 127.0.0.1 and a free port, or an already running one given by
//! URL. Its log goes to a file whose tail is quoted in every failure.

pub mod egress_guard;
pub mod prefork;
pub mod routing;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::Arc;

use crate::procgroup::GroupChild;
use crate::secret::Secret;
use prefork::{Forked, Launcher, LauncherError};

/// Environment that keeps LiteLLM from fetching remote tables at import time
/// (model cost map, beta-header map, ...): without these it reaches for
/// raw.githubusercontent.com and retries with backoff.
pub const HERMETIC_ENV: &[(&str, &str)] = &[
    ("LITELLM_LOCAL_MODEL_COST_MAP", "True"),
    ("LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS", "True"),
    ("LITELLM_LOCAL_BLOG_POSTS", "True"),
    ("LITELLM_LOCAL_POLICY_TEMPLATES", "True"),
    ("LITELLM_LOCAL_AUTOROUTER_PRESETS", "True"),
    ("LITELLM_TELEMETRY", "False"),
];

/// How to start a proxy.
pub struct ProxySpec<'a> {
    /// The `litellm` entry point (from the provisioned virtualenv, or an
    /// override such as the PR's own checkout).
    pub litellm_bin: &'a Path,
    /// The config, as JSON (valid YAML).
    pub config: serde_json::Value,
    /// Folder for the config file and the log.
    pub work_dir: &'a Path,
    /// A label for files and messages (`anthropic`, ...).
    pub label: &'a str,
    /// How long to wait for the proxy to answer.
    pub ready_timeout: Duration,
    /// Extra environment (live credentials are inherited from the parent,
    /// except [`routing::REDIRECTING_ENV`], which no proxy inherits; these
    /// are applied after that removal).
    pub env: Vec<(String, String)>,
}

/// A running proxy (or a reference to an external one).
pub struct Gateway {
    pub base_url: String,
    pub master_key: Secret,
    pub log_path: Option<PathBuf>,
    pub label: String,
    // Behind a lock: the gateway is shared by every trial (`&'static`), and
    // asking whether it is alive needs `&mut` on the child.
    process: std::sync::Mutex<Option<Proc>>,
}

/// The proxy's process: spawned as its own group, or forked by a launcher
/// (which it keeps alive while it runs).
enum Proc {
    Group(GroupChild),
    Forked(Forked, Arc<Launcher>),
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("cannot start the LiteLLM proxy ({label}) from {bin}. Is LiteLLM provisioned? Run `cargo xtask provision`, or set COMPAT_LITELLM_BIN", bin = bin.display())]
    Spawn {
        label: String,
        bin: PathBuf,
        source: std::io::Error,
    },
    #[error("the LiteLLM proxy ({label}) exited with {status} before it was ready. Last lines of {log}:\n{tail}", log = log.display())]
    Exited {
        label: String,
        status: String,
        log: PathBuf,
        tail: String,
    },
    #[error("the LiteLLM proxy ({label}) was not ready after {secs} s (no authenticated 200 from {url}/v1/models). Last lines of {log}:\n{tail}", secs = after.as_secs(), log = log.display())]
    NotReady {
        label: String,
        url: String,
        after: Duration,
        log: PathBuf,
        tail: String,
    },
    #[error("cannot fork the LiteLLM proxy ({label}) from the launcher")]
    Fork {
        label: String,
        source: LauncherError,
    },
    /// Preparing the proxy's folder, config or log, or watching its process.
    #[error(
        "cannot prepare or watch the LiteLLM proxy (its config and log live in the artifacts folder, \
         target/compat or COMPAT_OUT_DIR: check that it is writable)"
    )]
    Io(#[from] std::io::Error),
}

impl Gateway {
    /// Starts a proxy as its own `litellm` process and waits until it
    /// answers (see `wait_ready`).
    pub fn start(spec: ProxySpec<'_>) -> Result<Gateway, GatewayError> {
        Self::launch(spec, None)
    }

    /// Starts a proxy forked from `launcher` (LiteLLM already imported) and
    /// waits until it answers. The same config, port, key and log as
    /// [`Gateway::start`]; only the import is shared.
    pub fn start_forked(
        spec: ProxySpec<'_>,
        launcher: &Arc<Launcher>,
    ) -> Result<Gateway, GatewayError> {
        Self::launch(spec, Some(launcher))
    }

    fn launch(
        spec: ProxySpec<'_>,
        launcher: Option<&Arc<Launcher>>,
    ) -> Result<Gateway, GatewayError> {
        std::fs::create_dir_all(spec.work_dir)?;
        let config_path = spec.work_dir.join(format!("litellm-{}.yaml", spec.label));
        compat_matrix::fsutil::write_atomic(
            &config_path,
            serde_json::to_string_pretty(&spec.config)
                .expect("json")
                .as_bytes(),
        )?;
        let log_path = spec.work_dir.join(format!("litellm-{}.log", spec.label));
        let port = free_port()?;
        let master_key = Secret::new(format!("sk-compat-{:032x}", fastrand::u128(..)));
        let argv: Vec<String> = vec![
            "--config".into(),
            config_path.display().to_string(),
            "--host".into(),
            "127.0.0.1".into(),
            "--port".into(),
            port.to_string(),
        ];
        // The master key goes by environment, never on the command line.
        let mut env: Vec<(String, String)> = vec![
            ("LITELLM_MASTER_KEY".into(), master_key.expose().to_owned()),
            ("PYTHONUNBUFFERED".into(), "1".into()),
        ];
        env.extend(
            HERMETIC_ENV
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        env.extend(spec.env.iter().cloned());

        let process = match launcher {
            Some(l) => {
                let pid = l
                    .fork(&argv, &env, &log_path)
                    .map_err(|source| GatewayError::Fork {
                        label: spec.label.to_owned(),
                        source,
                    })?;
                Proc::Forked(Forked { pid }, l.clone())
            }
            None => {
                let log = std::fs::File::create(&log_path)?;
                let mut cmd = Command::new(spec.litellm_bin);
                cmd.args(&argv)
                    .stdin(Stdio::null())
                    .stdout(log.try_clone()?)
                    .stderr(log);
                // No inherited redirect, proxy or CA: the spec's own
                // environment, applied after, is the only one.
                for k in routing::REDIRECTING_ENV {
                    cmd.env_remove(k);
                }
                for (k, v) in &env {
                    cmd.env(k, v);
                }
                Proc::Group(
                    GroupChild::spawn(&mut cmd).map_err(|source| GatewayError::Spawn {
                        label: spec.label.to_owned(),
                        bin: spec.litellm_bin.to_owned(),
                        source,
                    })?,
                )
            }
        };
        let mut gw = Gateway {
            base_url: format!("http://127.0.0.1:{port}"),
            master_key,
            log_path: Some(log_path.clone()),
            label: spec.label.to_owned(),
            process: std::sync::Mutex::new(Some(process)),
        };
        gw.wait_ready(spec.ready_timeout)?;
        Ok(gw)
    }

    /// Uses an already running proxy (live mode, or a proxy from a PR's code).
    pub fn external(base_url: &str, master_key: Secret, label: &str) -> Gateway {
        Gateway {
            base_url: base_url.trim_end_matches('/').to_owned(),
            master_key,
            log_path: None,
            label: label.to_owned(),
            process: std::sync::Mutex::new(None),
        }
    }

    /// A proxy this run did not start but whose log it knows (one kept
    /// running by `cargo xtask up`): the log's tail goes into failures.
    pub fn attach(base_url: &str, master_key: Secret, label: &str, log: PathBuf) -> Gateway {
        let mut gw = Self::external(base_url, master_key, label);
        gw.log_path = Some(log);
        gw
    }

    /// Leaves the proxy running past this process (`cargo xtask up`); its
    /// launcher's process group is what stops it.
    pub fn detach(mut self) {
        match self.process.get_mut().expect("lock").take() {
            Some(Proc::Forked(_, launcher)) => drop(launcher),
            Some(Proc::Group(g)) => {
                g.detach();
            }
            None => {}
        }
    }

    /// The proxy's process id, when this run started it.
    pub fn pid(&self) -> Option<i32> {
        match self.process.lock().expect("process lock").as_ref()? {
            Proc::Forked(f, _) => Some(f.pid),
            Proc::Group(g) => Some(g.id() as i32),
        }
    }

    /// Ready = our own proxy answers an authenticated request (a 200 with
    /// this run's master key, which no other server on the port would accept)
    /// and the process is still alive.
    fn wait_ready(&mut self, timeout: Duration) -> Result<(), GatewayError> {
        let start = Instant::now();
        let url = format!("{}/v1/models", self.base_url);
        let client = http_client();
        loop {
            let exited = match self.process.get_mut().expect("process lock").as_mut() {
                Some(Proc::Group(p)) => p.try_wait()?.map(|s| s.to_string()),
                Some(Proc::Forked(f, _)) => (!f.is_alive()).then(|| "an exit".to_owned()),
                None => None,
            };
            if let Some(status) = exited {
                return Err(GatewayError::Exited {
                    label: self.label.clone(),
                    status,
                    log: self.log_path.clone().unwrap_or_default(),
                    tail: self.log_tail(40),
                });
            }
            if let Ok(r) = client
                .get(&url)
                .bearer_auth(self.master_key.expose())
                .timeout(Duration::from_secs(2))
                .send()
            {
                let alive = self.is_alive() != Some(false);
                if r.status().is_success() && alive {
                    return Ok(());
                }
            }
            if start.elapsed() > timeout {
                return Err(GatewayError::NotReady {
                    label: self.label.clone(),
                    url: self.base_url.clone(),
                    after: timeout,
                    log: self.log_path.clone().unwrap_or_default(),
                    tail: self.log_tail(40),
                });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The LiteLLM version the proxy reports (authenticated readiness details).
    pub fn version(&self) -> Option<String> {
        let r = http_client()
            .get(format!("{}/health/readiness/details", self.base_url))
            .bearer_auth(self.master_key.expose())
            .timeout(Duration::from_secs(10))
            .send()
            .ok()?;
        let v: serde_json::Value = r.json().ok()?;
        v.get("litellm_version")
            .and_then(|s| s.as_str())
            .map(str::to_owned)
    }

    /// Whether the proxy process is still running (None for an external proxy).
    /// The failure classifier asks: a trial that failed because the gateway
    /// died is our infrastructure, not an incompatibility.
    pub fn is_alive(&self) -> Option<bool> {
        let mut guard = self.process.lock().expect("process lock");
        match guard.as_mut()? {
            Proc::Group(p) => Some(matches!(p.try_wait(), Ok(None))),
            Proc::Forked(f, _) => Some(f.is_alive()),
        }
    }

    /// The last `n` lines of the proxy's log, with the master key masked.
    pub fn log_tail(&self, n: usize) -> String {
        let Some(path) = &self.log_path else {
            return "(external proxy: no log)".into();
        };
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(n)..].join("\n");
        self.master_key.redact(&tail)
    }

    /// Stops the proxy and its workers (the harness stops a column's proxy
    /// after its last trial; `Drop` does it too).
    pub fn stop(&self) {
        match self.process.lock().expect("process lock").take() {
            Some(Proc::Group(mut p)) => p.terminate(Duration::from_secs(3)),
            Some(Proc::Forked(f, _launcher)) => f.terminate(Duration::from_secs(3)),
            None => {}
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A free TCP port on 127.0.0.1 for a server that must be told its port.
///
/// Picked at random below the kernel's ephemeral range (32768-60999 by
/// default), where every `bind(0)` listener and outgoing connection of the
/// run lives, so the port cannot be taken by one of those between this check
/// and the proxy's own bind. (Seen once: a relay's ephemeral port collided
/// with a proxy's and the proxy died with "address already in use".)
pub fn free_port() -> std::io::Result<u16> {
    for _ in 0..200 {
        let port = fastrand::u16(20_000..32_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?
        .local_addr()?
        .port())
}

fn http_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .expect("http client")
}
