//! The run's shared infrastructure (tools, simulators, gateways), started
//! once per process and only for the providers the selected trials need, and
//! the per-trial context [`Ctx`] that cases use.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::Context as _;
use compat_core::driver::{ClaudeRun, RunReport, Transcript};
use compat_core::gateway::relay::NonStreamingRelay;
use compat_core::gateway::routing::{self, Upstream};
use compat_core::gateway::{Gateway, ProxySpec};
use compat_core::manifest::Model;
use compat_core::results::Mode;
use compat_core::secret::Secret;
use compat_core::sim::{RecordedRequest, SimProvider, Simulators};
use compat_core::tools::{self, ClaudeTool};
use serde_json::{Value, json};

pub(crate) struct Env {
    pub mode: Mode,
    pub claude: ClaudeTool,
    pub litellm_version: Option<String>,
    pub sims: Option<Simulators>,
    pub gateways: BTreeMap<SimProvider, GatewaySlot>,
}

/// A provider's proxy: filled once by the background starter.
pub(crate) type GatewaySlot = Arc<OnceLock<Result<Gateway, String>>>;

/// A proxy to start: its provider, its LiteLLM config, its extra environment.
type ProxyToStart = (SimProvider, Value, Vec<(String, String)>);

/// Proxies started at once: LiteLLM's start-up is CPU-bound (imports).
const PROXY_START_CONCURRENCY: usize = 2;

static ENV: OnceLock<Result<Env, String>> = OnceLock::new();
static NEEDED: OnceLock<(Mode, BTreeSet<SimProvider>, Vec<String>)> = OnceLock::new();

/// Declares what the run needs; called once by the harness before trials run.
pub(crate) fn plan(mode: Mode, providers: BTreeSet<SimProvider>, models: Vec<String>) {
    let _ = NEEDED.set((mode, providers, models));
}

/// The shared environment, started on first use. A start failure is returned
/// to every trial (each fails with the same clear message).
pub(crate) fn get() -> Result<&'static Env, String> {
    ENV.get_or_init(|| {
        let (mode, providers, models) =
            NEEDED
                .get()
                .cloned()
                .unwrap_or((Mode::Sim, BTreeSet::new(), Vec::new()));
        Env::start(mode, &providers, &models)
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The environment if it was started (for the run's metadata).
pub(crate) fn started() -> Option<&'static Env> {
    ENV.get().and_then(|r| r.as_ref().ok())
}

impl Env {
    fn start(
        mode: Mode,
        providers: &BTreeSet<SimProvider>,
        models: &[String],
    ) -> Result<Env, String> {
        let t0 = std::time::Instant::now();
        let claude = tools::claude().map_err(|e| e.to_string())?;
        // Proxy configs and logs. Under nextest, trials run as concurrent
        // processes, each with its own proxies: keep their files apart.
        let work_dir = match std::env::var("NEXTEST_RUN_ID") {
            Ok(run) => compat_core::paths::out_dir()
                .join(format!("nextest-{run}"))
                .join(format!("gateway-{}", std::process::id())),
            Err(_) => compat_core::paths::out_dir().join("gateway"),
        };
        let model_refs: Vec<&str> = models.iter().map(String::as_str).collect();

        let (sims, specs): (Option<Simulators>, Vec<ProxyToStart>) = match mode {
            Mode::Sim => {
                let list: Vec<SimProvider> = providers.iter().copied().collect();
                let sims = Simulators::start(&list)
                    .map_err(|e| format!("cannot start the provider simulators: {e}"))?;
                let mut specs = Vec::new();
                for &p in providers {
                    let base = sims.base_url(p).expect("started");
                    let vertex_credentials = if p == SimProvider::VertexAi {
                        Some(write_fake_service_account(&work_dir, &base)?)
                    } else {
                        None
                    };
                    let upstream = Upstream::Sim {
                        base_url: &base,
                        vertex_credentials: vertex_credentials.as_deref(),
                    };
                    specs.push((
                        p,
                        routing::proxy_config(p, &model_refs, &upstream),
                        Vec::new(),
                    ));
                }
                (Some(sims), specs)
            }
            Mode::Live => {
                let mut specs = Vec::new();
                for &p in providers {
                    if external_gateway_url(p).is_some() {
                        continue;
                    }
                    let missing: Vec<&str> = routing::live_env(p)
                        .iter()
                        .copied()
                        .filter(|v| std::env::var_os(v).is_none())
                        .collect();
                    if !missing.is_empty() {
                        return Err(format!(
                            "live mode, provider {}: missing environment variable(s) {} (see README, \"Live mode\")",
                            p.id(),
                            missing.join(", ")
                        ));
                    }
                    specs.push((
                        p,
                        routing::proxy_config(p, &model_refs, &Upstream::Live),
                        Vec::new(),
                    ));
                }
                (None, specs)
            }
        };

        // Proxies start in the background, two at a time, in the order the
        // trials need them (the harness runs trials provider by provider): a
        // trial waits only for its own provider's proxy, so the first trials
        // run while the later proxies are still starting.
        let mut gateways: BTreeMap<SimProvider, GatewaySlot> = BTreeMap::new();
        let mut litellm_version = None;
        if !specs.is_empty() {
            let litellm = tools::litellm().map_err(|e| e.to_string())?;
            litellm_version = Some(litellm.version.clone());
            eprintln!(
                "[compat] starting {} LiteLLM proxy(ies) {} in the background ...",
                specs.len(),
                litellm.version
            );
            let queue = Arc::new(Mutex::new(std::collections::VecDeque::new()));
            for (p, config, env) in specs {
                let slot: GatewaySlot = Arc::new(OnceLock::new());
                gateways.insert(p, slot.clone());
                queue
                    .lock()
                    .expect("queue")
                    .push_back((p, config, env, slot));
            }
            for _ in 0..PROXY_START_CONCURRENCY {
                let (queue, bin, dir) = (queue.clone(), litellm.bin.clone(), work_dir.clone());
                std::thread::spawn(move || {
                    loop {
                        let Some((p, config, env, slot)) = queue.lock().expect("queue").pop_front()
                        else {
                            break;
                        };
                        let t0 = std::time::Instant::now();
                        // The cause chain too: a trial shows only this string.
                        let r = Gateway::start(ProxySpec {
                            litellm_bin: &bin,
                            config,
                            work_dir: &dir,
                            label: p.id(),
                            ready_timeout: Duration::from_secs(180),
                            env,
                        })
                        .map_err(|e| format!("{:#}", anyhow::Error::new(e)));
                        match &r {
                            Ok(_) => eprintln!(
                                "[compat] proxy for {} ready in {:.1} s",
                                p.id(),
                                t0.elapsed().as_secs_f64()
                            ),
                            Err(e) => eprintln!("[compat] proxy for {} failed: {e}", p.id()),
                        }
                        let _ = slot.set(r);
                    }
                });
            }
        }
        for &p in providers {
            if let (Mode::Live, Some(url)) = (mode, external_gateway_url(p)) {
                let key = std::env::var("COMPAT_GATEWAY_KEY").map_err(|_| {
                    "COMPAT_GATEWAY_KEY must hold the external gateway's key".to_owned()
                })?;
                let gw = Gateway::external(&url, Secret::new(key), p.id());
                litellm_version = litellm_version.or_else(|| gw.version());
                let slot: GatewaySlot = Arc::new(OnceLock::new());
                let _ = slot.set(Ok(gw));
                gateways.insert(p, slot);
            }
        }
        eprintln!(
            "[compat] environment ready in {:.1} s",
            t0.elapsed().as_secs_f64()
        );
        Ok(Env {
            mode,
            claude,
            litellm_version,
            sims,
            gateways,
        })
    }
}

/// `COMPAT_GATEWAY_URL_<PROVIDER>`: an already running proxy for a provider.
fn external_gateway_url(p: SimProvider) -> Option<String> {
    std::env::var(format!("COMPAT_GATEWAY_URL_{}", p.id().to_uppercase())).ok()
}

/// A throwaway service-account file whose `token_uri` is the Vertex
/// simulator: google-auth signs a JWT with its (freshly generated) RSA key and
/// trades it there for a bearer token, exactly its real flow.
fn write_fake_service_account(dir: &std::path::Path, sim_base: &str) -> Result<String, String> {
    let litellm = tools::litellm().map_err(|e| e.to_string())?;
    let python = litellm.python.ok_or(
        "the Vertex simulator needs LiteLLM's virtualenv python to make a fake service account",
    )?;
    let out = std::process::Command::new(&python)
        .args([
            "-c",
            "from cryptography.hazmat.primitives.asymmetric import rsa\n\
             from cryptography.hazmat.primitives import serialization\n\
             k = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n\
             print(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())",
        ])
        .output()
        .map_err(|e| format!("cannot generate the fake Vertex key with {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "cannot generate the fake Vertex key: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let sa = json!({
        "type": "service_account",
        "project_id": compat_core::sim::creds::VERTEX_PROJECT,
        "private_key_id": "sim-key",
        "private_key": String::from_utf8_lossy(&out.stdout),
        "client_email": "compat-sim@sim-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": format!("{sim_base}/token"),
    });
    let path = dir.join("vertex-sim-service-account.json");
    compat_core::fsutil::write_atomic(&path, sa.to_string().as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.display().to_string())
}

/// What a trial accumulated for its results entry.
#[derive(Default)]
pub(crate) struct TrialLog {
    pub attempts: u32,
    pub runs: Vec<Value>,
    pub last_transcript_tail: Option<String>,
}

/// The per-trial context a case's check receives.
pub struct Ctx {
    pub(crate) feature: String,
    pub(crate) provider: SimProvider,
    pub(crate) model: Model,
    pub(crate) nonce: String,
    pub(crate) log: Mutex<TrialLog>,
}

impl Ctx {
    pub(crate) fn new(feature: &str, provider: SimProvider, model: &Model) -> Self {
        Ctx {
            feature: feature.to_owned(),
            provider,
            model: model.clone(),
            nonce: format!("{:08x}", fastrand::u32(..)),
            log: Mutex::new(TrialLog::default()),
        }
    }

    pub fn feature(&self) -> &str {
        &self.feature
    }

    pub fn provider(&self) -> SimProvider {
        self.provider
    }

    /// Canonical model id (`claude-sonnet-4-6`).
    pub fn model_id(&self) -> &str {
        &self.model.id
    }

    /// A random token unique to this trial: put it in prompts so the
    /// simulators' records and fault switches can tell this trial's requests
    /// from its neighbours'.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    pub fn mode(&self) -> Mode {
        env().map(|e| e.mode).unwrap_or(Mode::Sim)
    }

    fn gateway(&self) -> anyhow::Result<&'static Gateway> {
        let env = env()?;
        let slot = env.gateways.get(&self.provider).with_context(|| {
            format!("no gateway was started for provider {}", self.provider.id())
        })?;
        // Waits while the proxy is still starting.
        slot.wait().as_ref().map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The gateway's base URL for this trial's provider.
    pub fn gateway_url(&self) -> anyhow::Result<String> {
        Ok(self.gateway()?.base_url.clone())
    }

    /// A claude invocation against this provider's gateway, for this model.
    pub fn claude(&self) -> anyhow::Result<ClaudeRun> {
        let url = self.gateway_url()?;
        self.claude_at(&url)
    }

    /// A claude invocation against another base URL (e.g. a relay in front
    /// of the gateway), authenticated with the gateway's key.
    pub fn claude_at(&self, base_url: &str) -> anyhow::Result<ClaudeRun> {
        let env = env()?;
        let gw = self.gateway()?;
        Ok(ClaudeRun::new(
            env.claude.bin.clone(),
            base_url,
            gw.master_key.clone(),
            self.model.id.clone(),
        ))
    }

    /// Runs the CLI, recording attempts and usage for the results file. The
    /// transcript comes back whatever the CLI reported; the check decides.
    pub fn run(&self, run: &ClaudeRun) -> anyhow::Result<Transcript> {
        let outcome = run.run();
        let mut log = self.log.lock().expect("trial log");
        match outcome {
            Ok(RunReport {
                transcript,
                attempts,
            }) => {
                log.attempts += attempts.len() as u32;
                log.runs.push(json!({
                    "attempts": attempts.len(),
                    "retried_because": attempts.iter().filter_map(|a| a.retry_reason.clone()).collect::<Vec<_>>(),
                    "usage": serde_json::to_value(&transcript.usage).unwrap_or(Value::Null),
                    "num_turns": transcript.num_turns,
                    "duration_ms": transcript.duration_ms,
                    "is_error": transcript.is_error,
                    "api_error_status": transcript.api_error_status,
                }));
                log.last_transcript_tail = Some(transcript.tail(12));
                Ok(transcript)
            }
            Err(e) => {
                log.attempts += 1;
                Err(anyhow::Error::new(e).context(format!("running claude ({})", self.model.id)))
            }
        }
    }

    /// The simulators, in sim mode.
    pub fn sim(&self) -> Option<&'static Simulators> {
        env().ok()?.sims.as_ref()
    }

    /// The requests this trial's provider simulator received that carry this
    /// trial's nonce. Empty in live mode.
    pub fn sim_requests(&self) -> Vec<RecordedRequest> {
        self.sim()
            .map(|s| {
                s.requests_containing(&self.nonce)
                    .into_iter()
                    .filter(|r| r.provider == self.provider.id())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A relay in front of this provider's gateway that refuses streaming
    /// Messages requests with 404 (see `gateway::relay`).
    pub fn non_streaming_relay(&self) -> anyhow::Result<NonStreamingRelay> {
        NonStreamingRelay::start(&self.gateway_url()?).context("starting the non-streaming relay")
    }

    /// The last lines of this provider's gateway log.
    pub fn gateway_log_tail(&self, n: usize) -> String {
        self.gateway().map(|g| g.log_tail(n)).unwrap_or_default()
    }
}

fn env() -> anyhow::Result<&'static Env> {
    get().map_err(|e| anyhow::anyhow!("{e}"))
}
