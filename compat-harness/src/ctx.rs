//! The per-trial context a case's check receives ([`Ctx`]): its feature,
//! column and model, the CLI run against its column's gateway, and what the
//! simulators and the column's tap recorded for this trial alone.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use compat_core::driver::{ClaudeRun, RunReport, Transcript};
use compat_core::gateway::Gateway;
use compat_core::gateway::routing::{self, Upstream};
use compat_matrix::classify::UpstreamAnswer;
use compat_matrix::key::{ModelId, TrialKey};
use compat_matrix::provider::Provider;
use compat_matrix::results::{Mode, Recovery};
use compat_sim::{RecordedRequest, Simulators};
use serde_json::{Value, json};

use crate::column;
use crate::env::{Env, EnvUnavailable, WINDOW, get, run_limits, started};
use crate::relay::{Tap, TapMode, TapRecord};

/// What a trial accumulated for its results entry.
#[derive(Default)]
pub(crate) struct TrialLog {
    pub attempts: u32,
    pub runs: Vec<Value>,
    pub last_transcript_tail: Option<String>,
    /// Why the first retried attempt failed: a pass after it is flaky.
    pub first_retry_reason: Option<String>,
}

/// Which family of model a trial runs on: what a check may assume of the
/// model's own features (signed thinking, the `[1m]` variant, Haiku as the
/// small fast model, Anthropic's betas and cache markers reaching the
/// provider) and of the provider's wire (an Anthropic-dialect body, or
/// OpenAI's Responses / Chat Completions body that LiteLLM translates to).
/// The one predicate for "is this a Claude model": checks branch on it,
/// never on the model id's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelFamily {
    /// Anthropic's Claude models, on every Anthropic-dialect route.
    Claude,
    /// OpenAI's GPT models (the `openai` and `azure_openai` columns, issue
    /// 29): the CLI treats them as unknown models, LiteLLM translates
    /// `/v1/messages` into OpenAI's APIs.
    Gpt,
}

impl ModelFamily {
    /// The family of a canonical model id (manifest.yaml `models`): the
    /// manifest's GPT ids are `gpt-*`, every other id is Claude's. (Read
    /// from the id until the manifest names each model's family, plan
    /// docs/research/openai-columns-2026-12-06.md section 6.1; then from
    /// there, in this one place.)
    pub fn of(model_id: &str) -> ModelFamily {
        if model_id.starts_with("gpt-") {
            ModelFamily::Gpt
        } else {
            ModelFamily::Claude
        }
    }

    pub fn is_claude(self) -> bool {
        self == ModelFamily::Claude
    }
}

/// The per-trial context a case's check receives.
pub struct Ctx {
    /// The trial's row, column and model.
    key: TrialKey,
    pub(crate) nonce: String,
    pub(crate) log: Mutex<TrialLog>,
    stall_after: Mutex<Option<Duration>>,
    /// The records of this trial's own relays (the non-streaming row's),
    /// read with the shared tap's by `gateway_requests`.
    own_relays: Mutex<Vec<Arc<Mutex<Vec<TapRecord>>>>>,
    /// The mode of this trial's own relays ([`Ctx::own_relay`]) a fault
    /// test set ([`Ctx::set_relay_fault`]); `Forward` otherwise.
    relay_fault: Mutex<Option<TapMode>>,
    /// Runs the CLI on the gateway's `/v1/messages` even on a pass-through
    /// or gateway-mode column (only the harness guard's own tests set it).
    misrouted: std::sync::atomic::AtomicBool,
    /// Where this trial began in the run's records (see [`Began`]).
    began: Began,
    /// The refusals this trial declared expected: (words, why), read by
    /// `crate::background` (see `Ctx::expect_refusal`). Held here, not in a
    /// run-wide map by nonce, so they go with the trial.
    pub(crate) declared: Mutex<Vec<(String, String)>>,
    /// The recoveries `crate::background` found in this trial's pass, for
    /// its results entry.
    pub(crate) recovered: Mutex<Vec<Recovery>>,
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
            .and_then(|e| e.any_sims())
            .map_or(0, |s| s.next_seq());
        let tap = tap_of(provider).map_or(0, |t| t.next_seq());
        running.insert(id, (provider, sim, tap));
        Began { id, sim, tap }
    }
}

impl Drop for Began {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().expect("running trials");
        running.remove(&self.id);
        let Some(env) = started() else { return };
        if let Some(sims) = env.any_sims() {
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
    /// The same trial's context for another model of the column (fault tests
    /// that must show every model's trial fails), with its own nonce.
    pub fn for_model(&self, model_id: &str) -> anyhow::Result<Ctx> {
        let manifest = compat_matrix::manifest::Manifest::load_default()?;
        let provider = self.key.cell.provider.id();
        let model = manifest
            .models_of(provider)
            .iter()
            .find(|m| m.id == model_id)
            .with_context(|| {
                format!(
                    "column {provider} does not run model `{model_id}` (manifest.yaml model_sets)"
                )
            })?;
        Ok(Ctx::new(&TrialKey {
            cell: self.key.cell.clone(),
            model: ModelId {
                id: model.id.clone(),
                short: model.short.clone(),
            },
        }))
    }

    pub(crate) fn new(key: &TrialKey) -> Self {
        let provider = key.cell.provider;
        Ctx {
            key: key.clone(),
            nonce: format!("{:08x}", fastrand::u32(..)),
            log: Mutex::new(TrialLog::default()),
            stall_after: Mutex::new(None),
            own_relays: Mutex::new(Vec::new()),
            relay_fault: Mutex::new(None),
            misrouted: std::sync::atomic::AtomicBool::new(false),
            began: Began::now(provider),
            declared: Mutex::new(Vec::new()),
            recovered: Mutex::new(Vec::new()),
        }
    }

    /// The trial's row, column and model.
    pub fn key(&self) -> &TrialKey {
        &self.key
    }

    pub fn feature(&self) -> &str {
        self.key.cell.feature.as_str()
    }

    pub fn provider(&self) -> Provider {
        self.key.cell.provider
    }

    /// Canonical model id (`claude-sonnet-4-6`).
    pub fn model_id(&self) -> &str {
        &self.key.model.id
    }

    /// The family of the trial's model ([`ModelFamily`]).
    pub fn model_family(&self) -> ModelFamily {
        ModelFamily::of(&self.key.model.id)
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
        let slot = env.gateways.get(&self.key.cell.provider).ok_or_else(|| {
            EnvUnavailable(format!(
                "no gateway was started for provider {}",
                self.key.cell.provider.id()
            ))
        })?;
        if let Some(w) = WINDOW.get() {
            w.want(self.key.cell.provider).map_err(EnvUnavailable)?;
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
        let slot = env.taps.get(&self.key.cell.provider).ok_or_else(|| {
            EnvUnavailable(format!(
                "no tap for provider {}",
                self.key.cell.provider.id()
            ))
        })?;
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
    /// On a pass-through column (and Claude Platform on AWS) the CLI runs in its native provider mode
    /// with the gateway's route as that mode's base URL (routing::cli_env),
    /// the provider's own model id, and the gateway key in a header
    /// (`x-litellm-api-key`, through `ANTHROPIC_CUSTOM_HEADERS`: with its own
    /// provider auth skipped the CLI sends no credential of its own). On a
    /// pass-through column whose CLI is a first-party client
    /// (`anthropic_passthrough`), only its `ANTHROPIC_BASE_URL` moves to the
    /// route; for a
    /// gateway-mode column it runs in its gateway mode with the column's
    /// route as `ANTHROPIC_BASE_URL` and the key as its auth token.
    pub fn claude_at(&self, base_url: &str) -> anyhow::Result<ClaudeRun> {
        let env = env()?;
        let gw = self.gateway()?;
        let (timeout, stall, retry) = run_limits(env.mode);
        let stall = self.stall_after.lock().expect("stall").unwrap_or(stall);
        let native = !self.misrouted.load(std::sync::atomic::Ordering::Relaxed);
        let model = routing::cli_model(self.key.cell.provider, &self.key.model.id);
        let mut run = ClaudeRun::new(
            env.claude.bin.clone(),
            base_url,
            gw.master_key.clone(),
            model,
        )
        .timeout(timeout)
        .stall_after(stall)
        .retry(retry);
        let provider = self.key.cell.provider;
        if native && (provider.passthrough_of().is_some() || routing::native_cli_mode(provider)) {
            // A rehearsal gives the CLI exactly live mode's native settings.
            let upstream = if env.mode.judges_live() {
                Upstream::Live
            } else {
                Upstream::Sim {
                    base_url: "",
                    vertex_credentials: None,
                    creds: column::CREDENTIALS,
                }
            };
            for (k, v) in routing::cli_env(self.key.cell.provider, base_url, &upstream) {
                run = run.env(&k, v);
            }
            // In a native mode with its auth skipped the CLI sends no
            // credential of its own; a first-party client at a pass-through
            // route sends the driver's `ANTHROPIC_AUTH_TOKEN`.
            if routing::native_cli_mode(provider) {
                run = run.gateway_key_header("x-litellm-api-key");
            }
        }
        if native && self.key.cell.provider.gateway_mode_route().is_some() {
            // Gateway mode: the variable and the route as ANTHROPIC_BASE_URL
            // (no credentials in it, so the sim and live forms agree); the
            // key stays the driver's ANTHROPIC_AUTH_TOKEN, sent as Bearer.
            let upstream = Upstream::Sim {
                base_url: "",
                vertex_credentials: None,
                creds: column::CREDENTIALS,
            };
            for (k, v) in routing::cli_env(self.key.cell.provider, base_url, &upstream) {
                run = run.env(&k, v);
            }
        }
        // A GPT column's small fast model (routing::openai, issue 29).
        if let Some(gpt) = routing::openai::GptRoute::of(provider) {
            for (k, v) in gpt.cli_env() {
                run = run.env(&k, v);
            }
        }
        if let Some(stage) = &env.rehearsal {
            // Live mode gives the CLI no real host; a rehearsal proves it:
            // the CLI's proxy is the front's listener that tunnels nowhere,
            // so any call it makes past the gateway is refused and fails the
            // run's integrity. The tap and local pages stay direct.
            let no_proxy = "127.0.0.1,localhost";
            run = run
                .env("HTTPS_PROXY", stage.cli_proxy_url())
                .env("https_proxy", stage.cli_proxy_url())
                .env("NO_PROXY", no_proxy)
                .env("no_proxy", no_proxy)
                .extra_ca(stage.ca_file());
        }
        Ok(run)
    }

    /// Makes this trial's CLI use the gateway's `/v1/messages` instead of
    /// its column's pass-through or gateway-mode route: for the test that shows the harness
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
        let mut records = tap_of(self.key.cell.provider)
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
                Err(anyhow::Error::new(e)
                    .context(format!("running claude ({})", self.key.model.id)))
            }
        }
    }

    /// The simulators, in sim mode. None in live and rehearsal mode: a
    /// check's live branch must judge without the simulators' records (in
    /// rehearsal the simulators run, behind the real hosts, but the checks
    /// stay blind to them: that is what the rehearsal rehearses).
    pub fn sim(&self) -> Option<&'static Simulators> {
        env().ok()?.sims.as_ref()
    }

    /// The simulators a fault test switches faults on: sim mode's, and in
    /// rehearsal the ones behind the real hosts (which [`Ctx::sim`] hides).
    /// None in live mode (no simulator to misbehave). Use it only to inject
    /// faults and scope them; judge through the check, never through the
    /// simulators' records, so a rehearsal fault test turns a cell red only
    /// where live judgement can see the fault.
    pub fn faults(&self) -> Option<&'static Simulators> {
        let env = env().ok()?;
        env.sims.as_ref().or(env.hidden_sims())
    }

    /// The requests this trial's provider simulator received that carry this
    /// trial's nonce. Empty in live mode.
    pub fn sim_requests(&self) -> Vec<RecordedRequest> {
        self.sim()
            .map(|s| {
                s.requests_since_containing(self.began.sim, &self.nonce)
                    .into_iter()
                    .filter(|r| r.provider == column::api(self.key.cell.provider).id())
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
        self.relay_in(TapMode::RefuseStreaming)
            .context("starting the non-streaming relay")
    }

    /// A tap in front of this provider's gateway for this trial alone, in
    /// the mode a fault test set ([`Ctx::set_relay_fault`]), else
    /// forwarding. Its [`Tap::records`] are this trial's whole traffic,
    /// bodiless requests included (the gateway's `GET /v1/models`, which
    /// carries no nonce the shared tap could find it by); its own base URL
    /// also keeps the CLI's per-base-URL caches to this trial.
    pub fn own_relay(&self) -> anyhow::Result<Tap> {
        let mode = self
            .relay_fault
            .lock()
            .expect("relay fault")
            .unwrap_or(TapMode::Forward);
        self.relay_in(mode)
            .with_context(|| format!("starting the trial's relay ({mode:?})"))
    }

    /// For fault tests: this trial's later [`Ctx::own_relay`]s run in `mode`
    /// (a fault of the gateway's answers, injected where they leave it);
    /// `None` turns it off.
    pub fn set_relay_fault(&self, mode: Option<TapMode>) {
        *self.relay_fault.lock().expect("relay fault") = mode;
    }

    fn relay_in(&self, mode: TapMode) -> anyhow::Result<Tap> {
        let tap = Tap::start(&self.gateway_url()?, mode)?;
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

#[cfg(test)]
mod tests {
    use super::ModelFamily;

    #[test]
    fn the_family_is_read_from_the_canonical_model_id() {
        for id in ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7"] {
            assert_eq!(ModelFamily::of(id), ModelFamily::Claude, "{id}");
            assert!(ModelFamily::of(id).is_claude());
        }
        for id in ["gpt-5.6-luna", "gpt-5.6-terra", "gpt-5.6-sol"] {
            assert_eq!(ModelFamily::of(id), ModelFamily::Gpt, "{id}");
            assert!(!ModelFamily::of(id).is_claude());
        }
    }
}
