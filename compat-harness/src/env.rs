//! The run's shared infrastructure (tools, simulators, gateways), started
//! once per process and only for the providers the selected trials need
//! (the per-trial context that reads it is `crate::ctx::Ctx`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::relay::Tap;
use compat_core::driver::RetryPolicy;
use compat_core::gateway::prefork::{self, Launcher};
use compat_core::gateway::routing::{self, Upstream};
use compat_core::gateway::{Gateway, HERMETIC_ENV, ProxySpec};
use compat_core::secret::Secret;
use compat_core::tools::{self, ClaudeTool};
use compat_matrix::provider::Provider;
use compat_matrix::results::Mode;
use compat_sim::Simulators;
use serde_json::Value;

use crate::column;
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
    /// The columns' TLS fronts to their simulators (sim mode: Google's for
    /// the Vertex pass-through, OpenAI's for the openai column; manifest
    /// `front:`): kept for the run, stopped with it.
    pub _fronts: Vec<compat_sim::HostFront>,
    /// A rehearsal's stage: the simulators behind the real hosts (hidden
    /// from the checks: `sims` stays None), the front, its CA.
    pub rehearsal: Option<crate::rehearsal::Stage>,
}

impl Env {
    /// The simulators a rehearsal runs behind the real hosts: kept from the
    /// checks (`Ctx::sim` is None), handed only to fault injection
    /// (`Ctx::faults`), record bookkeeping and the end-of-run integrity
    /// report.
    pub(crate) fn hidden_sims(&self) -> Option<&Simulators> {
        self.rehearsal.as_ref().map(|r| &r.sims)
    }

    /// The simulators whose records grow with the run, whoever may read
    /// them: forgotten as trials end (`ctx::Began`).
    pub(crate) fn any_sims(&self) -> Option<&Simulators> {
        self.sims.as_ref().or(self.hidden_sims())
    }
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
    // A rehearsal runs under live limits: it rehearses their timeouts too.
    match mode {
        Mode::Sim => (
            Duration::from_secs(120),
            Duration::from_secs(30),
            RetryPolicy {
                retry_hangs: false,
                ..RetryPolicy::default()
            },
        ),
        // A rehearsal runs under live limits: it rehearses them too.
        Mode::Live | Mode::Rehearsal => (
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

/// A proxy to start: its provider, its LiteLLM config, its extra
/// environment (which picks its launcher), and what only its fork adds.
type ProxyToStart = (
    Provider,
    Value,
    Vec<(String, String)>,
    Vec<(String, String)>,
);

/// What the window hands a starter.
pub(crate) struct ProxyJob {
    config: Value,
    /// The proxy's extra environment, which picks its launcher.
    env: Vec<(String, String)>,
    /// What the proxy's own process adds (a rehearsal column's front
    /// listener), so columns that differ only there share one launcher.
    fork_env: Vec<(String, String)>,
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
/// need them with the number of trials that will use it. (Each column's
/// models are its own, `Provider::models`, from manifest.yaml.)
#[derive(Clone)]
pub(crate) struct Plan {
    pub mode: Mode,
    pub columns: Vec<(Provider, usize)>,
    /// Proxies alive at once (`crate::window`).
    pub window: usize,
}

static NEEDED: OnceLock<Plan> = OnceLock::new();

/// The run's window (`crate::window`), made with the plan so every trial
/// that ends is counted, even before the environment is up.
pub(crate) static WINDOW: OnceLock<Window<ProxyJob>> = OnceLock::new();

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
        let mode = plan.mode;
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

        if mode == Mode::Sim
            && !providers.is_empty()
            && let Some(warm) = crate::warm::attach(&providers)
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
                _fronts: Vec::new(),
                rehearsal: None,
            });
        }
        let mut fronts = Vec::new();
        let mut stage = None;
        // Rehearsal columns whose proxy would reach past the front.
        let mut uncontained: Vec<(Provider, &str)> = Vec::new();
        let (sims, specs): (Option<Simulators>, Vec<ProxyToStart>) = match mode {
            Mode::Sim => {
                // A pass-through column shares its native provider's simulator.
                let list: Vec<compat_sim::Api> = providers
                    .iter()
                    .map(|&p| column::api(p))
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
                    let base = sims.base_url(column::api(p)).expect("started");
                    let vertex_credentials = if column::api(p) == compat_sim::Api::VertexAi {
                        Some(column::write_fake_service_account(&work_dir, &base)?)
                    } else {
                        None
                    };
                    let mut proxy_env = routing::proxy_env(
                        p,
                        &column::sim_upstream(&base, vertex_credentials.as_deref()),
                    );
                    if let Some((url, ca, front)) = column::start_front(p, &sims, &work_dir)? {
                        proxy_env.extend(routing::tls_front_env(&url, &ca));
                        fronts.push(front);
                    }
                    specs.push((
                        p,
                        column::sim_proxy_config(
                            p,
                            p.models(),
                            &base,
                            vertex_credentials.as_deref(),
                        ),
                        proxy_env,
                        Vec::new(),
                    ));
                }
                (Some(sims), specs)
            }
            Mode::Live | Mode::Rehearsal => {
                let mut specs = Vec::new();
                for &p in &providers {
                    if mode == Mode::Rehearsal
                        && let Some(why) = crate::rehearsal::uncontained(p)
                    {
                        eprintln!("[compat] rehearsal: {} is not rehearsed: {why}", p.id());
                        uncontained.push((p, why));
                        continue;
                    }
                    // A rehearsal runs its own proxies behind the front.
                    if mode == Mode::Live && column::external_gateway_url(p).is_some() {
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
                        routing::proxy_config(p, p.models(), &Upstream::Live),
                        routing::proxy_env(p, &Upstream::Live),
                        Vec::new(),
                    ));
                }
                if mode == Mode::Rehearsal && !specs.is_empty() {
                    // Exactly live mode's configs and variables; only where
                    // their hosts answer from changes: each proxy reaches
                    // the real hosts through its column's front listener.
                    let columns: Vec<Provider> = specs.iter().map(|s| s.0).collect();
                    let s = crate::rehearsal::Stage::start(&columns, &work_dir, &|k| {
                        std::env::var(k).ok()
                    })?;
                    for (p, _, env, fork_env) in &mut specs {
                        let extra = s.proxy_env(*p)?;
                        env.extend(extra.shared);
                        fork_env.extend(extra.fork);
                    }
                    for guard in run_faults(s.simulators())? {
                        // COMPAT_SIM_FAULT works in a rehearsal too.
                        std::mem::forget(guard);
                    }
                    stage = Some(s);
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
            for (p, config, env, fork_env) in specs {
                let slot: GatewaySlot = Arc::new(OnceLock::new());
                gateways.insert(p, slot.clone());
                launchers.expect(&env);
                let launchers = launchers.clone();
                jobs.push((
                    p,
                    ProxyJob {
                        config,
                        env,
                        fork_env,
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
                std::thread::spawn(move || {
                    while let Some((p, job)) = window.next() {
                        // The column's own first model, as its proxy serves
                        // it (a GPT column serves GPT models).
                        let warm_model = column::first_served_model(&job.config);
                        let launcher = job.launchers.get(&bin, &dir, &job.env);
                        let t0 = std::time::Instant::now();
                        let spec = ProxySpec {
                            litellm_bin: &bin,
                            config: job.config,
                            work_dir: &dir,
                            label: p.id(),
                            ready_timeout: Duration::from_secs(180),
                            env: job.env.iter().chain(&job.fork_env).cloned().collect(),
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
                                    column::warm_up(gw, model, p);
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
            // Only a live run may attach to an external gateway: a rehearsal
            // must run its own proxies behind the front.
            if let (Mode::Live, Some(url)) = (mode, column::external_gateway_url(p)) {
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
        for (p, why) in uncontained {
            let slot: GatewaySlot = Arc::new(OnceLock::new());
            let _ = slot.set(Err(format!(
                "rehearsal: column {} cannot be rehearsed: {why}; its cells stay unverified \
                 (only a live run measures it)",
                p.id()
            )));
            gateways.insert(p, slot);
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
            _fronts: fronts,
            rehearsal: stage,
        })
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
        compat_sim::check_fault(column::api(provider), &fault).map_err(|e| bad(&e))?;
        eprintln!(
            "[compat] COMPAT_SIM_FAULT: {fault:?} on every request to {}",
            provider.id()
        );
        let scope = compat_sim::FaultScope {
            provider: Some(column::api(provider)),
            ..Default::default()
        };
        guards.push(sims.inject(scope, fault));
    }
    Ok(guards)
}
