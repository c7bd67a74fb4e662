//! The run's shared infrastructure (tools, simulators, gateways), started
//! once per process and only for the providers the selected trials need, and
//! the per-trial context [`Ctx`] that cases use.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::relay::{Tap, TapMode, TapRecord};
use anyhow::Context as _;
use compat_core::driver::RetryPolicy;
use compat_core::driver::{ClaudeRun, RunReport, Transcript};
use compat_core::gateway::prefork::{self, Launcher};
use compat_core::gateway::routing::{self, Upstream};
use compat_core::gateway::{Gateway, HERMETIC_ENV, ProxySpec};
use compat_core::secret::Secret;
use compat_core::tools::{self, ClaudeTool};
use compat_matrix::classify::UpstreamAnswer;
use compat_matrix::manifest::Model;
use compat_matrix::provider::Provider;
use compat_matrix::results::Mode;
use compat_sim::{RecordedRequest, Simulators};
use serde_json::{Value, json};

use crate::sim;
use crate::window::{Finish, Window};

pub(crate) struct Env {
    pub mode: Mode,
    pub claude: ClaudeTool,
    pub litellm_version: Option<String>,
    pub sims: Option<Simulators>,
    pub gateways: BTreeMap<Provider, GatewaySlot>,
    /// One tap per provider in front of its gateway, started on first use:
    /// every trial's CLI talks to the gateway through it (see `crate::relay`).
    pub taps: BTreeMap<Provider, OnceLock<Result<Tap, String>>>,
    /// Google's TLS front to the Vertex simulator (sim mode, when the Vertex
    /// pass-through column runs): kept for the run, stopped with it.
    pub _google_front: Option<compat_sim::GoogleFront>,
}

/// The run's environment is not there (tools, simulators or a proxy failed
/// to start): the trial reaches no verdict, and the failure is classified
/// `harness`, never `incompatible`.
#[derive(Debug, Clone)]
pub struct EnvUnavailable(pub String);

impl std::fmt::Display for EnvUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EnvUnavailable {}

/// How long one CLI run may take, and how long it may print nothing, by mode.
/// A sim run finishes in seconds (a whole tool round trip in ~2 s), so a
/// hang is reported after 30 s of silence and not retried; live runs
/// wait on real models (thinking, slow first tokens) and retry a hang once.
pub(crate) fn run_limits(mode: Mode) -> (Duration, Duration, RetryPolicy) {
    match mode {
        Mode::Sim => (
            Duration::from_secs(120),
            Duration::from_secs(30),
            RetryPolicy {
                retry_hangs: false,
                ..RetryPolicy::default()
            },
        ),
        Mode::Live => (
            Duration::from_secs(300),
            Duration::from_secs(150),
            RetryPolicy {
                max_attempts: 2,
                ..RetryPolicy::default()
            },
        ),
    }
}

/// A provider's proxy: filled once by the background starter.
pub(crate) type GatewaySlot = Arc<OnceLock<Result<Gateway, String>>>;

/// A proxy to start: its provider, its LiteLLM config, its extra environment.
type ProxyToStart = (Provider, Value, Vec<(String, String)>);

/// What the window hands a starter.
struct ProxyJob {
    config: Value,
    /// The proxy's extra environment, which picks its launcher.
    env: Vec<(String, String)>,
    slot: GatewaySlot,
    launchers: Arc<Launchers>,
}

impl ProxyJob {
    /// Its column's trials all ended before it was started: it never will.
    fn drop_unstarted(self, p: Provider) {
        self.launchers.done_with(&self.env);
        let _ = self.slot.set(Err(format!(
            "the proxy for {} was not started: its column's trials had all ended",
            p.id()
        )));
    }
}

/// Proxies started at once: LiteLLM's start-up is CPU-bound (imports).
const PROXY_START_CONCURRENCY: usize = 2;

/// The launchers of a run, one per distinct proxy environment (a column
/// with its own switches, such as `LITELLM_RUST`, gets its own import),
/// each kept while proxies of its environment are still to be started,
/// then left to the proxies forked from it (each holds it): the launcher
/// goes with its last proxy.
#[derive(Default)]
struct Launchers(Mutex<BTreeMap<Vec<(String, String)>, LauncherEntry>>);

#[derive(Default)]
struct LauncherEntry {
    /// Proxies of this environment queued or being started.
    jobs: usize,
    /// `None` once a launcher failed to start: its proxies are spawned.
    launcher: Arc<OnceLock<Option<Arc<Launcher>>>>,
}

impl Launchers {
    /// One more proxy of `env` is to be started.
    fn expect(&self, env: &[(String, String)]) {
        self.0
            .lock()
            .expect("launchers")
            .entry(env.to_vec())
            .or_default()
            .jobs += 1;
    }

    /// A proxy of `env` was started (or dropped): after the last, the
    /// launcher is let go.
    fn done_with(&self, env: &[(String, String)]) {
        let mut map = self.0.lock().expect("launchers");
        if let Some(e) = map.get_mut(env) {
            e.jobs = e.jobs.saturating_sub(1);
            if e.jobs == 0 {
                map.remove(env);
            }
        }
    }

    /// The launcher for proxies with `env`, started on first use; None when
    /// forking is off (`COMPAT_PROXY_LAUNCH=spawn`), the entry point's
    /// Python is unknown, or the launcher failed (said once, then proxies
    /// are spawned).
    fn get(
        &self,
        bin: &std::path::Path,
        dir: &std::path::Path,
        env: &[(String, String)],
    ) -> Option<Arc<Launcher>> {
        if !prefork::enabled() {
            return None;
        }
        let python = prefork::python_of(bin)?;
        let slot = self
            .0
            .lock()
            .expect("launchers")
            .entry(env.to_vec())
            .or_default()
            .launcher
            .clone();
        slot.get_or_init(|| {
            let t0 = std::time::Instant::now();
            let mut full: Vec<(String, String)> = HERMETIC_ENV
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            full.extend(env.iter().cloned());
            let label = format!("{:x}", fastrand::u32(..));
            match Launcher::start(&python, dir, &label, &full, Duration::from_secs(180), false) {
                Ok(l) => {
                    eprintln!(
                        "[compat] LiteLLM imported once in {:.1} s; proxies fork from it",
                        t0.elapsed().as_secs_f64()
                    );
                    Some(Arc::new(l))
                }
                Err(e) => {
                    eprintln!(
                        "[compat] {:#}; starting each proxy as its own process instead",
                        anyhow::Error::new(e)
                    );
                    None
                }
            }
        })
        .clone()
    }
}

static ENV: OnceLock<Result<Env, String>> = OnceLock::new();

/// What the run needs: the mode, each column's proxy in the order the trials
/// need them with the number of trials that will use it, the models.
#[derive(Clone)]
pub(crate) struct Plan {
    pub mode: Mode,
    pub columns: Vec<(Provider, usize)>,
    pub models: Vec<String>,
    /// Proxies alive at once (`crate::window`).
    pub window: usize,
}

static NEEDED: OnceLock<Plan> = OnceLock::new();

/// The run's window (`crate::window`), made with the plan so every trial
/// that ends is counted, even before the environment is up.
static WINDOW: OnceLock<Window<ProxyJob>> = OnceLock::new();

/// Declares what the run needs; called once by the harness before trials run.
pub(crate) fn plan(plan: Plan) {
    let _ = WINDOW.set(Window::new(
        plan.window,
        plan.columns.iter().copied().collect(),
    ));
    let _ = NEEDED.set(plan);
}

/// Held by a running trial of column `.0`: when it ends (a verdict, an
/// error or a panic), the column has one trial fewer to run.
pub(crate) struct Finished(pub Provider);

impl Drop for Finished {
    fn drop(&mut self) {
        trial_finished(self.0);
    }
}

/// A trial of column `p` has finished (it ran, whatever its verdict): after
/// the column's last one its proxy is stopped, in the background, and its
/// place in the window goes to the next column's. Never blocks the trial's
/// thread, never panics (it runs in a `Drop`).
fn trial_finished(p: Provider) {
    let Some(window) = WINDOW.get() else { return };
    match window.finished(p) {
        Finish::NotLast | Finish::Dropped(None) => {}
        Finish::Dropped(Some(job)) => job.drop_unstarted(p),
        Finish::Stop => {
            let _ = std::thread::Builder::new()
                .name(format!("stop-{}", p.id()))
                .spawn(move || {
                    // Handed out, so the environment is up or finishing
                    // its start; a proxy still starting is stopped once
                    // up; one that failed released its place already.
                    if let Ok(env) = ENV.wait()
                        && let Some(Ok(gw)) = env.gateways.get(&p).map(|s| s.wait())
                    {
                        gw.stop();
                        window.release();
                    }
                });
        }
    }
}

/// The shared environment, started on first use. A start failure is returned
/// to every trial (each fails with the same clear message).
pub(crate) fn get() -> Result<&'static Env, String> {
    ENV.get_or_init(|| {
        let plan = NEEDED.get().cloned().unwrap_or_else(|| Plan {
            mode: Mode::Sim,
            columns: Vec::new(),
            models: Vec::new(),
            window: crate::window::DEFAULT_WIDTH,
        });
        Env::start(&plan)
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The environment if it was started (for the run's metadata).
pub(crate) fn started() -> Option<&'static Env> {
    ENV.get().and_then(|r| r.as_ref().ok())
}

impl Env {
    fn start(plan: &Plan) -> Result<Env, String> {
        let (mode, models) = (plan.mode, &plan.models[..]);
        // In the order the trials need them.
        let providers: Vec<Provider> = plan.columns.iter().map(|&(p, _)| p).collect();
        let t0 = std::time::Instant::now();
        let claude = tools::claude().map_err(|e| e.to_string())?;
        // Proxy configs and logs. Under nextest, trials run as concurrent
        // processes, each with its own proxies: keep their files apart.
        let work_dir = match std::env::var("NEXTEST_RUN_ID") {
            Ok(run) => compat_matrix::paths::out_dir()
                .join(format!("nextest-{run}"))
                .join(format!("gateway-{}", std::process::id())),
            Err(_) => compat_matrix::paths::out_dir().join("gateway"),
        };
        let model_refs: Vec<&str> = models.iter().map(String::as_str).collect();

        if mode == Mode::Sim
            && !providers.is_empty()
            && let Some(warm) = crate::warm::attach(&providers, models)
        {
            for guard in run_faults(&warm.sims)? {
                std::mem::forget(guard);
            }
            let gateways: BTreeMap<Provider, GatewaySlot> = warm
                .gateways
                .into_iter()
                .map(|(p, gw)| {
                    let slot: GatewaySlot = Arc::new(OnceLock::new());
                    let _ = slot.set(Ok(gw));
                    (p, slot)
                })
                .collect();
            let taps = gateways.keys().map(|&p| (p, OnceLock::new())).collect();
            return Ok(Env {
                mode,
                claude,
                litellm_version: Some(warm.litellm_version),
                sims: Some(warm.sims),
                gateways,
                taps,
                _google_front: None,
            });
        }
        let mut google_front = None;
        let (sims, specs): (Option<Simulators>, Vec<ProxyToStart>) = match mode {
            Mode::Sim => {
                // A pass-through column shares its native provider's simulator.
                let list: Vec<compat_sim::Api> = providers
                    .iter()
                    .map(|&p| sim::api(p))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let sims = Simulators::start(&list)
                    .map_err(|e| format!("cannot start the provider simulators: {e}"))?;
                for guard in run_faults(&sims)? {
                    // The run's faults stay on for the whole run.
                    std::mem::forget(guard);
                }
                let mut specs = Vec::new();
                for &p in &providers {
                    let base = sims.base_url(sim::api(p)).expect("started");
                    let vertex_credentials = if sim::api(p) == compat_sim::Api::VertexAi {
                        Some(write_fake_service_account(&work_dir, &base)?)
                    } else {
                        None
                    };
                    let mut proxy_env =
                        routing::proxy_env(p, &sim_upstream(&base, vertex_credentials.as_deref()));
                    if p == Provider::VertexPassthrough {
                        let front = start_google_front(&sims, &work_dir)?;
                        proxy_env.extend(routing::tls_front_env(&front.0, &front.1));
                        google_front = Some(front.2);
                    }
                    specs.push((
                        p,
                        sim_proxy_config(p, &model_refs, &base, vertex_credentials.as_deref()),
                        proxy_env,
                    ));
                }
                (Some(sims), specs)
            }
            Mode::Live => {
                let mut specs = Vec::new();
                for &p in &providers {
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
                        routing::proxy_env(p, &Upstream::Live),
                    ));
                }
                (None, specs)
            }
        };

        // Proxies start in the background, two at a time, in the order the
        // trials need them (the harness runs trials column by column), at
        // most `plan.window` alive at once (`crate::window`): a trial waits
        // only for its own column's proxy, and a column's proxy is stopped
        // after its last trial.
        let mut gateways: BTreeMap<Provider, GatewaySlot> = BTreeMap::new();
        let mut litellm_version = None;
        if !specs.is_empty() {
            let litellm = tools::litellm().map_err(|e| e.to_string())?;
            litellm_version = Some(litellm.version.clone());
            eprintln!(
                "[compat] starting {} LiteLLM proxy(ies) {} in the background, {} at a time ...",
                specs.len(),
                litellm.version,
                plan.window
            );
            let window = WINDOW.get_or_init(|| Window::new(plan.window, BTreeMap::new()));
            let launchers: Arc<Launchers> = Arc::default();
            let mut jobs = Vec::new();
            for (p, config, env) in specs {
                let slot: GatewaySlot = Arc::new(OnceLock::new());
                gateways.insert(p, slot.clone());
                launchers.expect(&env);
                let launchers = launchers.clone();
                jobs.push((
                    p,
                    ProxyJob {
                        config,
                        env,
                        slot,
                        launchers,
                    },
                ));
            }
            // A column whose trials all ended before this (each failed
            // early) needs no proxy.
            for (p, job) in window.enqueue(jobs) {
                job.drop_unstarted(p);
            }
            for _ in 0..PROXY_START_CONCURRENCY {
                let (bin, dir) = (litellm.bin.clone(), work_dir.clone());
                let warm_model = models.first().cloned();
                std::thread::spawn(move || {
                    while let Some((p, job)) = window.next() {
                        let launcher = job.launchers.get(&bin, &dir, &job.env);
                        let t0 = std::time::Instant::now();
                        let spec = ProxySpec {
                            litellm_bin: &bin,
                            config: job.config,
                            work_dir: &dir,
                            label: p.id(),
                            ready_timeout: Duration::from_secs(180),
                            env: job.env.clone(),
                        };
                        // The cause chain too: a trial shows only this string.
                        let r = match &launcher {
                            Some(l) => Gateway::start_forked(spec, l),
                            None => Gateway::start(spec),
                        }
                        .map_err(|e| format!("{:#}", anyhow::Error::new(e)));
                        // The proxy holds its launcher; the map lets go of
                        // it after the last proxy of its environment.
                        drop(launcher);
                        job.launchers.done_with(&job.env);
                        match &r {
                            Ok(gw) => {
                                eprintln!(
                                    "[compat] proxy for {} ready in {:.1} s",
                                    p.id(),
                                    t0.elapsed().as_secs_f64()
                                );
                                if let Some(model) = &warm_model {
                                    warm_up(gw, &routing::served_model_name(p, model), p);
                                }
                            }
                            Err(e) => {
                                eprintln!("[compat] proxy for {} failed: {e}", p.id());
                                window.release();
                            }
                        }
                        let _ = job.slot.set(r);
                    }
                });
            }
        }
        for &p in &providers {
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
        let taps = gateways.keys().map(|&p| (p, OnceLock::new())).collect();
        Ok(Env {
            mode,
            claude,
            litellm_version,
            sims,
            gateways,
            taps,
            _google_front: google_front,
        })
    }
}

/// Starts Google's TLS front to the Vertex simulator (the Vertex
/// pass-through's way there in sim mode, see `compat_sim::google_front`) and
/// writes its per-run CA where the proxy's `SSL_CERT_FILE` points: returns
/// the front's proxy URL, the CA file, the front.
fn start_google_front(
    sims: &Simulators,
    work_dir: &std::path::Path,
) -> Result<(String, String, compat_sim::GoogleFront), String> {
    let base = sims
        .base_url(compat_sim::Api::VertexAi)
        .expect("the Vertex simulator runs for the Vertex pass-through");
    let addr: std::net::SocketAddr = base
        .trim_start_matches("http://")
        .parse()
        .map_err(|e| format!("the Vertex simulator's address {base}: {e}"))?;
    let front = compat_sim::GoogleFront::start(addr, &[sim::vertex_host()])
        .map_err(|e| format!("{:#}", anyhow::Error::new(e)))?;
    let ca = work_dir.join("google-front-ca.pem");
    compat_matrix::fsutil::write_atomic(&ca, front.ca_pem().as_bytes())
        .map_err(|e| format!("cannot write the TLS front's CA to {}: {e}", ca.display()))?;
    Ok((front.proxy_url(), ca.display().to_string(), front))
}

/// One streaming request through a freshly started proxy before any trial
/// uses it. Measured: the first streams through a fresh LiteLLM proxy leave
/// it in one burst, up to ~0.9 s after the provider sent the last delta
/// (one-time work on its first streaming response), while every later
/// stream is handed on as it comes. A customer's proxy is warm; a trial
/// should not pay for, or be judged on, the proxy's first breath. Failure
/// here is only logged: the trials themselves report what is wrong.
pub(crate) fn warm_up(gw: &Gateway, model: &str, p: Provider) {
    let t0 = std::time::Instant::now();
    let body = json!({
        "model": model,
        "max_tokens": 16,
        "stream": true,
        // Short: any streamed answer does the proxy's one-time work, and
        // a column's first trial waits for this one to end.
        "messages": [{"role": "user", "content": "Reply with exactly: ready"}],
    });
    let r = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .and_then(|c| {
            c.post(format!("{}/v1/messages", gw.base_url))
                .bearer_auth(gw.master_key.expose())
                .header("anthropic-version", "2023-06-01")
                .json(&body)
                .send()
        })
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.bytes());
    match r {
        Ok(_) => eprintln!(
            "[compat] proxy for {} warmed up in {:.1} s",
            p.id(),
            t0.elapsed().as_secs_f64()
        ),
        Err(e) => eprintln!(
            "[compat] proxy for {}: warm-up request failed ({e}); trials go on",
            p.id()
        ),
    }
}

/// `COMPAT_SIM_FAULT=<fault>@<provider>[,...]`: faults switched on for a
/// whole sim run, to see what the matrix does when a provider misbehaves
/// throughout (e.g. `stall_stream@bedrock_invoke`: every stream of that
/// provider stalls). Faults: `stall_stream`, `hold_stream`, `status:<code>`.
fn run_faults(sims: &Simulators) -> Result<Vec<compat_sim::FaultGuard>, String> {
    let Ok(spec) = std::env::var("COMPAT_SIM_FAULT") else {
        return Ok(Vec::new());
    };
    let mut guards = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let bad = |why: &str| {
            format!(
                "COMPAT_SIM_FAULT: `{item}`: {why} (expected <fault>@<provider>, e.g. stall_stream@bedrock_invoke)"
            )
        };
        let (fault, provider) = item.split_once('@').ok_or_else(|| bad("no @<provider>"))?;
        let provider = Provider::from_id(provider).ok_or_else(|| bad("unknown provider"))?;
        let fault = match fault {
            "stall_stream" => compat_sim::Fault::StallStream,
            "hold_stream" => compat_sim::Fault::HoldStream,
            f => {
                let arg = |prefix: &str| f.strip_prefix(prefix).and_then(|c| c.parse::<u16>().ok());
                match (arg("status:"), arg("hold_stream_start:")) {
                    (Some(code), _) => compat_sim::Fault::Status(code),
                    (_, Some(pct @ 1..=99)) => compat_sim::Fault::HoldStreamStart(pct as u8),
                    (_, Some(_)) => {
                        return Err(bad("hold_stream_start takes a percentage, 1 to 99"));
                    }
                    _ => return Err(bad("unknown fault")),
                }
            }
        };
        // A status the provider never answers with would show the matrix
        // something no real provider does: refused here, naming the setting.
        compat_sim::check_fault(sim::api(provider), &fault).map_err(|e| bad(&e))?;
        eprintln!(
            "[compat] COMPAT_SIM_FAULT: {fault:?} on every request to {}",
            provider.id()
        );
        let scope = compat_sim::FaultScope {
            provider: Some(sim::api(provider)),
            ..Default::default()
        };
        guards.push(sims.inject(scope, fault));
    }
    Ok(guards)
}

/// A sim-mode column's proxy config: every model routed at the simulator
/// at `base` (`cargo xtask up` generates the same, and the harness attaches
/// to its proxies only while it still does).
pub(crate) fn sim_proxy_config(
    p: Provider,
    models: &[&str],
    base: &str,
    vertex_credentials: Option<&str>,
) -> Value {
    routing::proxy_config(p, models, &sim_upstream(base, vertex_credentials))
}

/// The simulator at `base` as a column's upstream.
fn sim_upstream<'a>(base: &'a str, vertex_credentials: Option<&'a str>) -> Upstream<'a> {
    Upstream::Sim {
        base_url: base,
        vertex_credentials,
        creds: sim::CREDENTIALS,
    }
}

/// Why `cargo xtask up` cannot keep a column's proxy warm, if it cannot: its
/// proxy needs an environment of its own (`LITELLM_RUST`, the Foundry
/// pass-through's upstream, the Vertex pass-through's TLS front), which the
/// warm gateway's one launcher does not give.
pub(crate) fn not_warmable(p: Provider) -> Option<String> {
    if p == Provider::VertexPassthrough {
        return Some(
            "its proxy reaches the Vertex simulator through Google's TLS front, started per run \
             with its own CA (HTTPS_PROXY, SSL_CERT_FILE)"
                .to_owned(),
        );
    }
    let env = routing::proxy_env(p, &sim_upstream("http://127.0.0.1:0", None));
    (!env.is_empty()).then(|| {
        let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        format!(
            "its proxy needs an environment of its own ({})",
            names.join(", ")
        )
    })
}

/// `COMPAT_GATEWAY_URL_<PROVIDER>`: an already running proxy for a provider.
fn external_gateway_url(p: Provider) -> Option<String> {
    std::env::var(format!("COMPAT_GATEWAY_URL_{}", p.id().to_uppercase())).ok()
}

/// A throwaway service-account file whose `token_uri` is the Vertex
/// simulator: google-auth signs a JWT with its (freshly generated) RSA key and
/// trades it there for a bearer token, exactly its real flow.
pub(crate) fn write_fake_service_account(
    dir: &std::path::Path,
    sim_base: &str,
) -> Result<String, String> {
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
        "project_id": compat_sim::creds::VERTEX_PROJECT,
        "private_key_id": "sim-key",
        "private_key": String::from_utf8_lossy(&out.stdout),
        "client_email": "compat-sim@sim-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": format!("{sim_base}/token"),
    });
    let path = dir.join("vertex-sim-service-account.json");
    compat_matrix::fsutil::write_atomic(&path, sa.to_string().as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.display().to_string())
}

/// What a trial accumulated for its results entry.
#[derive(Default)]
pub(crate) struct TrialLog {
    pub attempts: u32,
    pub runs: Vec<Value>,
    pub last_transcript_tail: Option<String>,
    /// Why the first retried attempt failed: a pass after it is flaky.
    pub first_retry_reason: Option<String>,
}

/// The per-trial context a case's check receives.
pub struct Ctx {
    pub(crate) feature: String,
    pub(crate) provider: Provider,
    pub(crate) model: Model,
    pub(crate) nonce: String,
    pub(crate) log: Mutex<TrialLog>,
    stall_after: Mutex<Option<Duration>>,
    /// The records of this trial's own relays (the non-streaming row's),
    /// read with the shared tap's by `gateway_requests`.
    own_relays: Mutex<Vec<Arc<Mutex<Vec<TapRecord>>>>>,
    /// Runs the CLI on the gateway's `/v1/messages` even on a pass-through
    /// column (only the harness guard's own test sets it).
    misrouted: std::sync::atomic::AtomicBool,
    /// Where this trial began in the run's records (see [`Began`]).
    began: Began,
}

/// Where a trial began in the simulators' and its column's tap's records:
/// it reads only what arrived since (its requests cannot be older), and what
/// no running trial can read any more is forgotten when a trial ends. Without
/// this, every search walked every request of the run so far, and a full
/// matrix spent most of its CPU re-reading old requests.
struct Began {
    id: u64,
    sim: u64,
    tap: u64,
}

/// The running trials' [`Began`]s: (id -> (provider, sim, tap)).
static RUNNING: Mutex<BTreeMap<u64, (Provider, u64, u64)>> = Mutex::new(BTreeMap::new());

fn tap_of(provider: Provider) -> Option<&'static Tap> {
    started()?.taps.get(&provider)?.get()?.as_ref().ok()
}

impl Began {
    fn now(provider: Provider) -> Began {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Before the environment (or this column's tap) exists, nothing has
        // been recorded: 0 is where the trial began.
        let mut running = RUNNING.lock().expect("running trials");
        let sim = started()
            .and_then(|e| e.sims.as_ref())
            .map_or(0, |s| s.next_seq());
        let tap = tap_of(provider).map_or(0, |t| t.next_seq());
        running.insert(id, (provider, sim, tap));
        Began { id, sim, tap }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        crate::background::forget_expected(&self.nonce);
    }
}

impl Drop for Began {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().expect("running trials");
        running.remove(&self.id);
        let Some(env) = started() else { return };
        if let Some(sims) = env.sims.as_ref() {
            let oldest = running.values().map(|&(_, sim, _)| sim).min();
            sims.forget_before(oldest.unwrap_or_else(|| sims.next_seq()));
        }
        for provider in env.taps.keys() {
            if let Some(tap) = tap_of(*provider) {
                let oldest = running
                    .values()
                    .filter(|(p, _, _)| p == provider)
                    .map(|&(_, _, tap)| tap)
                    .min();
                tap.forget_before(oldest.unwrap_or_else(|| tap.next_seq()));
            }
        }
    }
}

impl Ctx {
    /// The same trial's context for another manifest model (fault tests that
    /// must show every model's trial fails), with its own nonce.
    pub fn for_model(&self, model_id: &str) -> anyhow::Result<Ctx> {
        let manifest = compat_matrix::manifest::Manifest::load_default()?;
        let model = manifest
            .model(model_id)
            .with_context(|| format!("no model `{model_id}` in manifest.yaml"))?;
        Ok(Ctx::new(&self.feature, self.provider, model))
    }

    pub(crate) fn new(feature: &str, provider: Provider, model: &Model) -> Self {
        Ctx {
            feature: feature.to_owned(),
            provider,
            model: model.clone(),
            nonce: format!("{:08x}", fastrand::u32(..)),
            log: Mutex::new(TrialLog::default()),
            stall_after: Mutex::new(None),
            own_relays: Mutex::new(Vec::new()),
            misrouted: std::sync::atomic::AtomicBool::new(false),
            began: Began::now(provider),
        }
    }

    pub fn feature(&self) -> &str {
        &self.feature
    }

    pub fn provider(&self) -> Provider {
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
        let slot = env.gateways.get(&self.provider).ok_or_else(|| {
            EnvUnavailable(format!(
                "no gateway was started for provider {}",
                self.provider.id()
            ))
        })?;
        if let Some(w) = WINDOW.get() {
            w.want(self.provider).map_err(EnvUnavailable)?;
        }
        // Waits while the proxy is still starting.
        slot.wait()
            .as_ref()
            .map_err(|e| EnvUnavailable(e.clone()).into())
    }

    /// The gateway's base URL for this trial's provider (the proxy itself).
    pub fn gateway_url(&self) -> anyhow::Result<String> {
        Ok(self.gateway()?.base_url.clone())
    }

    /// The tap in front of this provider's gateway (started on first use).
    fn tap(&self) -> anyhow::Result<&'static Tap> {
        let env = env()?;
        let url = self.gateway_url()?;
        let slot = env
            .taps
            .get(&self.provider)
            .ok_or_else(|| EnvUnavailable(format!("no tap for provider {}", self.provider.id())))?;
        slot.get_or_init(|| {
            Tap::start(&url, TapMode::Forward).map_err(|e| format!("cannot start the tap: {e}"))
        })
        .as_ref()
        .map_err(|e| EnvUnavailable(e.clone()).into())
    }

    /// A claude invocation against this provider's gateway (through the
    /// tap), for this model.
    pub fn claude(&self) -> anyhow::Result<ClaudeRun> {
        let url = self.tap()?.base_url();
        self.claude_at(&url)
    }

    /// A claude invocation against another base URL (e.g. a relay in front
    /// of the gateway), authenticated with the gateway's key, with the
    /// mode's time limits.
    ///
    /// On a pass-through column the CLI runs in its native provider mode
    /// with the gateway's route as that mode's base URL (routing::cli_env),
    /// the provider's own model id, and the gateway key in a header
    /// (`x-litellm-api-key`, through `ANTHROPIC_CUSTOM_HEADERS`: with its own
    /// provider auth skipped the CLI sends no credential of its own).
    pub fn claude_at(&self, base_url: &str) -> anyhow::Result<ClaudeRun> {
        let env = env()?;
        let gw = self.gateway()?;
        let (timeout, stall, retry) = run_limits(env.mode);
        let stall = self.stall_after.lock().expect("stall").unwrap_or(stall);
        let native = !self.misrouted.load(std::sync::atomic::Ordering::Relaxed);
        let model = routing::cli_model(self.provider, &self.model.id);
        let mut run = ClaudeRun::new(
            env.claude.bin.clone(),
            base_url,
            gw.master_key.clone(),
            model,
        )
        .timeout(timeout)
        .stall_after(stall)
        .retry(retry);
        if native && self.provider.passthrough_of().is_some() {
            let upstream = match env.mode {
                Mode::Sim => Upstream::Sim {
                    base_url: "",
                    vertex_credentials: None,
                    creds: sim::CREDENTIALS,
                },
                Mode::Live => Upstream::Live,
            };
            for (k, v) in routing::cli_env(self.provider, base_url, &upstream) {
                run = run.env(&k, v);
            }
            run = run.gateway_key_header("x-litellm-api-key");
        }
        Ok(run)
    }

    /// Makes this trial's CLI use the gateway's `/v1/messages` instead of
    /// its column's pass-through route: for the test that shows the harness
    /// refuses a pass that did not take the column's route.
    pub fn misroute_to_messages(&self) {
        self.misrouted
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Overrides how long this trial's CLI runs may print nothing (fault
    /// tests of hangs keep their own wait short).
    pub fn set_stall_after(&self, d: Duration) {
        *self.stall_after.lock().expect("stall") = Some(d);
    }

    /// What left the gateway for this trial's requests (the tap's records of
    /// requests carrying this trial's nonce), in both modes.
    pub fn gateway_requests(&self) -> Vec<TapRecord> {
        let mut records = tap_of(self.provider)
            .map(|t| t.records_since_containing(self.began.tap, &self.nonce))
            .unwrap_or_default();
        for relay in self.own_relays.lock().expect("relays").iter() {
            records.extend(crate::relay::containing(
                &relay.lock().expect("tap records"),
                0,
                &self.nonce,
            ));
        }
        records
    }

    /// Whether this trial's proxy process is alive (None: unknown/external).
    pub fn gateway_alive(&self) -> Option<bool> {
        self.gateway().ok().and_then(|g| g.is_alive())
    }

    /// What the provider answered to this trial's requests (sim mode only),
    /// for the failure classifier.
    pub fn upstream_answers(&self) -> Option<Vec<UpstreamAnswer>> {
        self.sim()?;
        Some(
            self.sim_requests()
                .iter()
                .map(|r| UpstreamAnswer {
                    status: r.status,
                    rejection: r.rejection.clone(),
                    // A held answer is recorded with status 0 until it is sent.
                    completed: if r.stream {
                        r.stream_completed
                    } else {
                        r.status != 0
                    },
                })
                .collect(),
        )
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
                if log.first_retry_reason.is_none() {
                    log.first_retry_reason = attempts.iter().find_map(|a| a.retry_reason.clone());
                }
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
                log.last_transcript_tail = Some(format!("{e}"));
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
                s.requests_since_containing(self.began.sim, &self.nonce)
                    .into_iter()
                    .filter(|r| r.provider == sim::api(self.provider).id())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The requests of this trial that any simulator received (sim mode),
    /// for the guard that a trial's requests reached its own provider only.
    pub(crate) fn sim_requests_anywhere(&self) -> Vec<RecordedRequest> {
        self.sim()
            .map(|s| s.requests_since_containing(self.began.sim, &self.nonce))
            .unwrap_or_default()
    }

    /// A tap in front of this provider's gateway that refuses streaming
    /// Messages requests with 404 (see `crate::relay`), for this trial only.
    pub fn non_streaming_relay(&self) -> anyhow::Result<Tap> {
        let tap = Tap::start(&self.gateway_url()?, TapMode::RefuseStreaming)
            .context("starting the non-streaming relay")?;
        self.own_relays
            .lock()
            .expect("relays")
            .push(tap.records_handle());
        Ok(tap)
    }

    /// Every request of this trial the gateway answered, through the shared
    /// tap and the trial's own relays (those the relay refused itself are
    /// left out: the gateway never saw them).
    pub(crate) fn gateway_answers(&self) -> Vec<TapRecord> {
        let mut all = self.gateway_requests();
        all.retain(|r| !r.refused);
        all
    }

    /// The last lines of this provider's gateway log.
    pub fn gateway_log_tail(&self, n: usize) -> String {
        self.gateway().map(|g| g.log_tail(n)).unwrap_or_default()
    }
}

fn env() -> anyhow::Result<&'static Env> {
    get().map_err(|e| EnvUnavailable(e).into())
}
