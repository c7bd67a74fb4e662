//! The runner: registered cases -> libtest-mimic trials -> compat-results.json.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use compat_core::driver::{CliError, DriverError};
use compat_matrix::classify::{self, Evidence, FailureKind, NoVerdict};
use compat_matrix::gate::{self, Judgement, Now};
use compat_matrix::manifest::Manifest;
use compat_matrix::matrix::v2::AnyMatrix;
use compat_matrix::provider::Provider;
use compat_matrix::results::{Mode, RunResults, TrialResult};
use compat_matrix::status::{FailureClass, Outcome};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use serde_json::json;

use crate::env::{self, Ctx, EnvUnavailable};
use crate::filters::{self, Filters};
use crate::{Case, CaseKind, FaultTest, feature_and_provider};

/// The run's results, rewritten atomically after every trial so that a crash
/// loses nothing that finished.
struct ResultsSink {
    path: PathBuf,
    results: Mutex<RunResults>,
}

impl ResultsSink {
    fn record(&self, trial: TrialResult) {
        let mut r = self.results.lock().expect("results lock");
        r.record(trial);
        fill_versions(&mut r);
        if let Err(e) = r.write_atomic(&self.path) {
            eprintln!("[compat] warning: {:#}", anyhow::Error::new(e));
        }
    }

    fn finish(&self, manifest: &Manifest, baseline: Option<&Baseline>, mode: Mode) {
        let mut r = self.results.lock().expect("results lock");
        r.run.finished_at = Some(jiff::Timestamp::now());
        fill_versions(&mut r);
        match r.write_atomic(&self.path) {
            Ok(()) => eprintln!(
                "[compat] results: {} ({} trials)",
                self.path.display(),
                r.trials.len()
            ),
            Err(e) => eprintln!("[compat] error: {:#}", anyhow::Error::new(e)),
        }
        // Under nextest every trial is a process; nextest writes its own JUnit.
        let junit_path = self.path.with_file_name("junit.xml");
        if std::env::var_os("NEXTEST_RUN_ID").is_some() {
            return;
        }
        let short = |id: &str| {
            manifest
                .model(id)
                .map(|m| m.short.clone())
                .unwrap_or_else(|| id.to_owned())
        };
        if let Err(e) = compat_matrix::fsutil::write_atomic(
            &junit_path,
            compat_matrix::junit::render(&r, &short).as_bytes(),
        ) {
            eprintln!(
                "[compat] warning: cannot write {}: {e}",
                junit_path.display()
            );
        }
        if let Some(b) = baseline {
            let options = compat_matrix::matrix::BuildOptions {
                litellm_version: Some(
                    r.run
                        .litellm_version
                        .clone()
                        .unwrap_or_else(|| "unknown".into()),
                ),
                claude_code_version: Some(
                    r.run
                        .claude_code_version
                        .clone()
                        .unwrap_or_else(|| "unknown".into()),
                ),
                ..Default::default()
            };
            let input = compat_matrix::matrix::ResultsInput {
                path: &self.path,
                results: &r,
            };
            // Per model (schema v2), as the trials were gated.
            match compat_matrix::matrix::v2::build(manifest, &[input], &options) {
                Ok(current) => eprint!(
                    "[compat] against baseline {}:\n{}",
                    b.source,
                    gate::compare(&b.matrix, &AnyMatrix::V2(current), mode).summary()
                ),
                Err(e) => eprintln!("[compat] cannot compare with the baseline: {e}"),
            }
        }
    }
}

fn fill_versions(r: &mut RunResults) {
    if let Some(env) = env::started() {
        r.run.claude_code_version = Some(env.claude.version.clone());
        r.run.litellm_version = env.litellm_version.clone();
    }
}

fn mode_from_env() -> Result<Mode, String> {
    match std::env::var("COMPAT_MODE").as_deref() {
        Err(_) | Ok("") | Ok("sim") => Ok(Mode::Sim),
        Ok("live") => Ok(Mode::Live),
        Ok(other) => Err(format!(
            "COMPAT_MODE={other:?}: expected `sim` (default) or `live`"
        )),
    }
}

/// Entry point of the `compat` test binary.
pub fn main() -> ExitCode {
    // Before any thread starts: Ctrl-C / SIGTERM stop every process we start.
    compat_core::procgroup::install_signal_cleanup();
    let (mut args, filters) = filters::parse(std::env::args_os().collect());
    // A trial spends much of its time waiting on the gateway, so one thread
    // more than the cores keeps them busy (measured: `cargo xtask bench`).
    // `--test-threads` (or RUST_TEST_THREADS) wins.
    if args.test_threads.is_none() && std::env::var_os("RUST_TEST_THREADS").is_none() {
        args.test_threads = Some(
            std::thread::available_parallelism()
                .map(|n| n.get() + 1)
                .unwrap_or(3),
        );
    }
    match prepare(&args, &filters) {
        Ok(Prepared {
            trials,
            sink,
            manifest,
            baseline,
            mode,
        }) => {
            let conclusion = libtest_mimic::run(&args, trials);
            if let Some(sink) = sink {
                sink.finish(&manifest, baseline.as_deref(), mode);
            }
            // The shared environment lives in a static, which is never
            // dropped: stop the proxies (and anything else left) explicitly.
            compat_core::procgroup::kill_all();
            conclusion.exit_code()
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

struct Prepared {
    trials: Vec<Trial>,
    sink: Option<Arc<ResultsSink>>,
    manifest: Manifest,
    baseline: Option<Arc<Baseline>>,
    mode: Mode,
}

/// The matrix a run is gated against (`COMPAT_BASELINE`: a file path or an
/// http(s) URL, e.g. the last published compatibility-matrix.json), read
/// per model by `compat_matrix::gate` (schema v1 or v2; a v2 baseline built
/// before signatures gets them from its stored errors).
pub(crate) struct Baseline {
    source: String,
    pub(crate) matrix: AnyMatrix,
}

/// The default sim baseline (`golden/sim-baseline.json`), as a sim run that
/// names none is gated against: for tests of the gate's decision.
pub(crate) fn sim_baseline() -> Result<Baseline, String> {
    let path = compat_matrix::paths::workspace_root().join(SIM_BASELINE);
    let matrix = AnyMatrix::load(&path).map_err(|e| format!("{SIM_BASELINE}: {e}"))?;
    Ok(Baseline {
        source: path.display().to_string(),
        matrix,
    })
}

/// The sim matrix's known state, the baseline of a sim run that names none:
/// the cells LiteLLM is known to break stay red in the matrix without failing
/// `cargo test` (each is printed as a known failure), and any cell that
/// passes in it and fails now is a regression. Renew it with
/// `cargo xtask matrix` and review the diff (`cargo xtask render --diff`).
pub(crate) const SIM_BASELINE: &str = "golden/sim-baseline.json";

fn load_baseline(mode: Mode) -> Result<Option<Baseline>, String> {
    let source = match std::env::var("COMPAT_BASELINE") {
        Ok(s) if s.is_empty() || s == "none" => return Ok(None),
        Ok(s) => s,
        Err(_) => {
            let default = compat_matrix::paths::workspace_root().join(SIM_BASELINE);
            if mode != Mode::Sim || !default.is_file() {
                return Ok(None);
            }
            eprintln!(
                "[compat] gating against {SIM_BASELINE} (the sim matrix's known state; \
                 COMPAT_BASELINE=<file|URL> names another, COMPAT_BASELINE=none turns the gate off)"
            );
            default.display().to_string()
        }
    };
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        let resp = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .and_then(|c| c.get(&source).send())
            .map_err(|e| format!("COMPAT_BASELINE: cannot fetch {source}: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!(
                "COMPAT_BASELINE: {source} answered {}",
                resp.status()
            ));
        }
        resp.text()
            .map_err(|e| format!("COMPAT_BASELINE: reading {source}: {e}"))?
    } else {
        std::fs::read_to_string(&source)
            .map_err(|e| format!("COMPAT_BASELINE: cannot read {source}: {e}"))?
    };
    // A baseline of either schema version; the gate reads it per model.
    let matrix = AnyMatrix::parse(&text, std::path::Path::new(&source))
        .map_err(|e| format!("COMPAT_BASELINE: {e}"))?;
    Ok(Some(Baseline { source, matrix }))
}

fn prepare(args: &Arguments, filters: &Filters) -> Result<Prepared, String> {
    let manifest = Manifest::load_default().map_err(|e| e.to_string())?;
    let mode = mode_from_env()?;
    let baseline = load_baseline(mode)?.map(Arc::new);

    let mut cases: Vec<(&'static Case, String, String)> = Vec::new();
    for case in inventory::iter::<Case> {
        let (feature, provider) = feature_and_provider(case.module).ok_or_else(|| {
            format!(
                "{}: a case must live in compat-tests/<feature>/<provider>.rs",
                case.file
            )
        })?;
        if manifest.feature(feature).is_none() {
            return Err(format!(
                "{}: feature `{feature}` (the folder name) is not in manifest.yaml `features`",
                case.file
            ));
        }
        if manifest.provider(provider).is_none() {
            return Err(format!(
                "{}: provider `{provider}` (the file name) is not in manifest.yaml `providers`",
                case.file
            ));
        }
        if Provider::from_id(provider).is_none() {
            return Err(format!(
                "{}: provider `{provider}` has no route in compat-core (provider::Provider)",
                case.file
            ));
        }
        if let CaseKind::RunExcept(_, except) = case.kind
            && let Some((m, _)) = except.iter().find(|(m, _)| manifest.model(m).is_none())
        {
            return Err(format!(
                "{}: not_applicable_for names model `{m}`, which is not in manifest.yaml `models`",
                case.file
            ));
        }
        cases.push((case, feature.to_owned(), provider.to_owned()));
    }
    // Provider by provider (then feature); the order trials run in is set
    // below.
    cases.sort_by(|a, b| {
        let pos = |f: &str, p: &str| {
            (
                manifest.providers.iter().position(|x| x.id == p),
                manifest.features.iter().position(|x| x.id == f),
            )
        };
        pos(&a.1, &a.2).cmp(&pos(&b.1, &b.2))
    });

    let shard = crate::shard::Shard::from_env()?;
    let sink = if args.list {
        None
    } else {
        let mut results = RunResults::new(mode);
        results.run.shard = shard.map(|s| format!("{}/{}", s.index, s.total));
        Some(Arc::new(ResultsSink {
            path: compat_matrix::paths::results_file(),
            results: Mutex::new(results),
        }))
    };

    let breaker = Arc::new(Breaker::new(mode)?);
    // Every trial with the column whose proxy it needs (the shard's unit).
    let mut trials: Vec<(Trial, Provider)> = Vec::new();
    // The trials that use their column's proxy (not the not_applicable ones).
    let mut needs_proxy: BTreeSet<String> = BTreeSet::new();
    for (case, feature, provider) in &cases {
        let sim_provider = Provider::from_id(provider).expect("checked");
        for model in &manifest.models {
            let name = format!("{feature}::{provider}::{}", model.short);
            let (feature, provider, model, sink) = (
                feature.clone(),
                provider.clone(),
                model.clone(),
                sink.clone(),
            );
            let trial = match case.kind.for_model(&model.id) {
                CaseKind::NotApplicable(reason) => Trial::test(name, move || {
                    if let Some(sink) = &sink {
                        sink.record(TrialResult {
                            feature,
                            provider,
                            model: model.id.clone(),
                            outcome: Outcome::NotApplicable {
                                reason: reason.to_owned(),
                            },
                            duration_ms: 0,
                            attempts: 0,
                            class: None,
                            first_error: None,
                            signature: None,
                            details: serde_json::Value::Null,
                        });
                    }
                    Ok(())
                })
                .with_kind("n/a"),
                CaseKind::RunExcept(..) => unreachable!("for_model resolves it"),
                CaseKind::Run(check) => {
                    needs_proxy.insert(name.clone());
                    let (baseline, breaker) = (baseline.clone(), breaker.clone());
                    Trial::ignorable_test(name, move || {
                        let _done = env::Finished(sim_provider);
                        let result = run_trial(
                            check,
                            &feature,
                            sim_provider,
                            &model,
                            sink.as_deref(),
                            &breaker,
                        );
                        gate_trial(
                            result,
                            baseline.as_deref(),
                            mode,
                            &feature,
                            &provider,
                            &model.id,
                        )
                    })
                }
            };
            trials.push((trial, sim_provider));
        }
    }

    // Every fault test runs on every model its cell runs (a fault that turns
    // Opus red says nothing about Haiku's path through the gateway, which
    // differs: no effort, no 1M variant, other betas); a model for which the
    // case is not applicable has no trial.
    for t in inventory::iter::<FaultTest> {
        let (feature, _) = feature_and_provider(t.module)
            .ok_or_else(|| format!("fault test `{}`: bad module path", t.name))?;
        let provider = Provider::from_id(t.provider)
            .ok_or_else(|| format!("fault test `{}`: unknown provider `{}`", t.name, t.provider))?;
        let case = cases
            .iter()
            .find(|(_, f, p)| f == feature && p == t.provider)
            .map(|(c, _, _)| c.kind)
            .ok_or_else(|| {
                format!(
                    "fault test `{}`: no case compat-tests/{feature}/{}.rs to run it on",
                    t.name, t.provider
                )
            })?;
        for model in &manifest.models {
            if !matches!(case.for_model(&model.id), CaseKind::Run(_)) {
                continue;
            }
            let name = format!("{feature}::sim_fault::{}::{}", t.name, model.short);
            needs_proxy.insert(name.clone());
            let (run, feature, model) = (t.run, feature.to_owned(), model.clone());
            trials.push((
                Trial::test(name, move || {
                    let _done = env::Finished(provider);
                    let ctx = Ctx::new(&feature, provider, &model);
                    (run)(&ctx).map_err(|e| Failed::from(format!("{e:#}")))
                })
                .with_kind("sim-fault")
                .with_ignored_flag(mode == Mode::Live),
                provider,
            ));
        }
    }

    // Several filters: libtest-mimic applies one, the rest is ours.
    trials.retain(|(t, _)| filters.select(t.name()));
    // A shard keeps whole columns (see `crate::shard`), partitioned over the
    // selected trials, so each shard starts only its columns' proxies.
    if let Some(shard) = shard {
        let providers: Vec<Provider> = trials.iter().map(|(_, p)| *p).collect();
        let order: Vec<Provider> = manifest
            .providers
            .iter()
            .filter_map(|p| Provider::from_id(&p.id))
            .collect();
        let of = crate::shard::assign(&providers, &order, shard.total);
        let mine = |p: &Provider| of.get(p) == Some(&shard.index);
        trials.retain(|(_, p)| mine(p));
        let columns: BTreeSet<&str> = trials.iter().map(|(_, p)| p.id()).collect();
        eprintln!(
            "[compat] shard {}/{} (COMPAT_SHARD): {} trials, columns {}",
            shard.index,
            shard.total,
            trials.len(),
            columns.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    // The order trials start in (libtest-mimic hands them to its threads in
    // order): column by column, so only a column or two of proxies need be
    // alive at once (`crate::window`, the run's memory), in the manifest's
    // order; within a column the fault tests first (the longest: stall
    // timeouts), then feature by feature, model by model.
    let key = |name: &str| {
        let mut parts = name.split("::");
        let (f, p, m) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        (
            p != "sim_fault",
            manifest.features.iter().position(|x| x.id == f),
            manifest.models.iter().position(|x| x.short == m),
        )
    };
    let column = |p: &Provider| manifest.providers.iter().position(|x| x.id == p.id());
    trials.sort_by_cached_key(|(t, p)| (column(p), key(t.name())));
    // Each column's trials that will run (libtest-mimic's own filter and
    // ignore rules), in trial order: only their proxies start, and the
    // window stops each after its column's last trial.
    let mut columns: Vec<(Provider, usize)> = Vec::new();
    for (t, p) in &trials {
        if !needs_proxy.contains(t.name()) || args.is_filtered_out(t) || args.is_ignored(t) {
            continue;
        }
        match columns.iter_mut().find(|(q, _)| q == p) {
            Some((_, n)) => *n += 1,
            None => columns.push((*p, 1)),
        }
    }
    let trials: Vec<Trial> = trials.into_iter().map(|(t, _)| t).collect();
    env::plan(env::Plan {
        mode,
        columns,
        models: manifest.models.iter().map(|m| m.id.clone()).collect(),
        window: crate::window::width_from_env()?,
    });
    Ok(Prepared {
        trials,
        sink,
        manifest,
        baseline,
        mode,
    })
}

/// A trial's result as the gate reads it: a pass (with the first attempt's
/// error if it passed only on a retry), or a failure with its class,
/// message (led by the model) and signature (`compat_matrix::signature`).
pub(crate) type TrialVerdict = Result<Option<String>, TrialFailure>;

#[derive(Debug, Clone)]
pub(crate) struct TrialFailure {
    pub class: FailureClass,
    pub message: String,
    pub signature: String,
}

/// How a trial's result becomes libtest's verdict.
///
/// Without a baseline every failure fails the run, named by its class. With
/// one (the PR gate; a sim run's default is `golden/sim-baseline.json`),
/// each model is judged against the same model in the baseline
/// (`compat_matrix::gate`): a model that passed there and fails now is a
/// REGRESSION, whatever the cell's colour; one that failed there with
/// another signature is FAILING DIFFERENTLY; one the baseline lacks (row,
/// cell or model) fails until the baseline declares it, and a pass on a
/// retry is FLAKY: these three fail in sim mode and are reported (ignored,
/// with the reason) in live mode. A failure as the baseline knew it is an
/// ignored trial with the reason. An upstream that could not serve is an
/// ignored trial too (no verdict, nothing to blame the change for); a
/// harness failure still fails the run, as "no verdict": a gate that cannot
/// measure (a proxy that will not start under the PR's LiteLLM, say) must
/// not pass quietly.
pub(crate) fn gate_trial(
    result: TrialVerdict,
    baseline: Option<&Baseline>,
    mode: Mode,
    feature: &str,
    provider: &str,
    model: &str,
) -> Result<Completion, Failed> {
    let Some(b) = baseline else {
        return match result {
            Ok(_) => Ok(Completion::Completed),
            Err(f) => Err(Failed::from(format!("[{}] {}", f.class, f.message))),
        };
    };
    let (now, message) = match result {
        Ok(None) => (Now::Pass, String::new()),
        Ok(Some(first_error)) => (Now::Flaky { first_error }, String::new()),
        Err(f) => match f.class {
            FailureClass::UpstreamUnavailable => {
                return Ok(Completion::ignored_with(format!(
                    "unverified, the provider could not serve (no verdict on the gateway): {}",
                    f.message
                )));
            }
            FailureClass::Harness => {
                return Err(Failed::from(format!(
                    "NO VERDICT (harness: the run could not measure this trial; not a regression verdict): {}",
                    f.message
                )));
            }
            FailureClass::Incompatible => (
                Now::Fail {
                    signature: f.signature,
                },
                f.message,
            ),
        },
    };
    let before = gate::before(&b.matrix, feature, provider, model);
    let judgement = gate::judge(&before, &now, mode);
    let fails = judgement.fails_gate(mode);
    let text = match &judgement {
        Judgement::Passed | Judgement::NewlyPassing => return Ok(Completion::Completed),
        Judgement::Regression => format!(
            "REGRESSION ({model} passed in the baseline {}): {message}",
            b.source
        ),
        Judgement::Known { before: Some(_) } => {
            format!(
                "known failure ({model} fails in the baseline with the same signature): {message}"
            )
        }
        Judgement::Known { before: None } => format!(
            "known failure ({model} fails in the baseline, which keeps no signature to compare): {message}"
        ),
        Judgement::FailingDifferently { before, now } => format!(
            "FAILING DIFFERENTLY ({model} failed in the baseline with `{before}`, now with `{now}`): {message}"
        ),
        Judgement::NotInBaseline { what, failing } => {
            let how = if mode == Mode::Sim {
                format!("; {}", gate::DECLARE)
            } else {
                String::new()
            };
            let now = if *failing {
                format!("fails: {message}")
            } else {
                "passes".to_owned()
            };
            if !fails && !failing {
                // Live mode: a pass the baseline lacks is only reported
                // (the run-end summary lists it).
                return Ok(Completion::Completed);
            }
            format!("NOT IN THE BASELINE ({what}{how}); {model} {now}")
        }
        Judgement::FlakyInSim { first_error } => format!(
            "FLAKY IN SIM ({model} passed only on a retry; a simulator fails only under a fault, so the gateway failed the first attempt): {first_error}"
        ),
    };
    if fails {
        Err(Failed::from(text))
    } else {
        Ok(Completion::ignored_with(text))
    }
}

/// A gate decision as data (libtest-mimic's types are opaque to tests).
pub(crate) fn decision(r: Result<Completion, Failed>) -> crate::GateDecision {
    match r {
        Ok(Completion::Completed) => crate::GateDecision::Passes,
        Ok(Completion::Ignored { reason }) => {
            crate::GateDecision::Ignored(reason.unwrap_or_default())
        }
        Err(f) => crate::GateDecision::Fails(f.message().unwrap_or_default().to_owned()),
    }
}

/// In sim mode, a pass must have crossed the trial's own provider: every
/// simulator request carrying the trial's nonce went to that provider, and
/// there was at least one. (Guards against a routing mistake that would let a
/// cell pass on another provider's wire.) A stray request is the gateway's
/// doing (incompatible); none at all means our routing is wrong (harness).
///
/// A pass-through column shares its simulator with its native provider's
/// column, so reaching it is not enough: every request of the trial must
/// also have entered the gateway by the column's route (`/bedrock/...`; the
/// tap's record, so this half holds in live mode too). A trial whose CLI
/// went through `/v1/messages` instead measured the other column: harness.
/// The Vertex pass-through's requests must also have come through Google's
/// TLS front, with the `Host` Google would see ([`judge_front`]).
fn routed_to_own_provider(ctx: &Ctx) -> Result<(), (FailureClass, String)> {
    if let Some(route) = ctx.provider().passthrough_route() {
        let tapped = ctx.gateway_requests();
        if let Some(off) = tapped.iter().find(|r| !r.path.starts_with(route)) {
            return Err((
                FailureClass::Harness,
                format!(
                    "harness: a request of this trial entered the gateway by {} {} instead of the {} pass-through \
                     route ({route}...): the check passed without crossing the column's route",
                    off.method,
                    off.path,
                    ctx.provider().id()
                ),
            ));
        }
        if tapped.is_empty() {
            return Err((
                FailureClass::Harness,
                format!(
                    "harness: no request of this trial (nonce {}) crossed the tap on the {} pass-through route ({route}...)",
                    ctx.nonce(),
                    ctx.provider().id()
                ),
            ));
        }
    }
    if ctx.sim().is_none() {
        return Ok(());
    }
    let reqs = ctx.sim_requests_anywhere();
    if let Some(stray) = reqs
        .iter()
        .find(|r| r.provider != crate::sim::api(ctx.provider()).id())
    {
        return Err((
            FailureClass::Incompatible,
            format!(
                "gateway: a request of this trial went to the {} simulator instead of {}: {}",
                stray.provider,
                ctx.provider().id(),
                stray.describe()
            ),
        ));
    }
    if reqs.is_empty() {
        return Err((
            FailureClass::Harness,
            format!(
                "harness: no request of this trial (nonce {}) reached the {} simulator: the check passed without crossing the provider",
                ctx.nonce(),
                ctx.provider().id()
            ),
        ));
    }
    judge_front(ctx.provider(), &reqs)
}

/// The Vertex pass-through in sim mode: LiteLLM sends it to Google's host,
/// and the run's TLS front (`compat_sim::google_front`) hands it to the
/// Vertex simulator, `Host` unchanged. A request of the trial that reached
/// the simulator with another `Host` (the simulator's own address, as the
/// `vertex_ai` column's `api_base` sends) did not take that way, so the pass
/// would not show that the pass-through reaches Google: harness.
pub(crate) fn judge_front(
    p: Provider,
    reqs: &[compat_sim::RecordedRequest],
) -> Result<(), (FailureClass, String)> {
    if p != Provider::VertexPassthrough {
        return Ok(());
    }
    let want = crate::sim::vertex_host();
    match reqs
        .iter()
        .find(|r| r.headers.get("host").map(String::as_str) != Some(want.as_str()))
    {
        Some(r) => Err((
            FailureClass::Harness,
            format!(
                "harness: a request of this trial reached the Vertex simulator with Host {}, not through Google's TLS front as {want}: \
                 the {} pass went around the route it measures: {}",
                r.headers
                    .get("host")
                    .map(String::as_str)
                    .unwrap_or("(none)"),
                p.id(),
                r.describe()
            ),
        )),
        None => Ok(()),
    }
}

/// A pass must also have been served by the column's own implementation
/// inside LiteLLM, in both modes (the tap sees the gateway's answers live
/// too): on a Rust-path column every Messages request of the trial that the
/// gateway answered 2xx carries `x-litellm-rust: true` — LiteLLM falls back
/// to its Python path silently when the Rust one declines
/// (rust_bridge/runtime.py `RustDeclined`), and such a trial measured the
/// other column. On every other column none does.
fn served_by_own_path(ctx: &Ctx) -> Result<(), (FailureClass, String)> {
    judge_path(ctx.provider(), ctx.model_id(), &ctx.gateway_answers())
}

/// [`served_by_own_path`] over the answers the tap recorded for one trial.
pub(crate) fn judge_path(
    p: Provider,
    model: &str,
    answers: &[crate::relay::TapRecord],
) -> Result<(), (FailureClass, String)> {
    let answered: Vec<_> = answers
        .iter()
        .filter(|r| {
            r.method == "POST"
                && r.path.starts_with("/v1/messages")
                && !r.path.starts_with("/v1/messages/")
                && !r.refused
                && (200..300).contains(&r.status)
        })
        .collect();
    let route = compat_core::gateway::routing::litellm_model(p, model);
    if p.rust_path() {
        if answered.is_empty() {
            return Err((
                FailureClass::Harness,
                format!(
                    "harness: {model} ({route}): no Messages request of this trial was answered by the gateway through the tap, so nothing shows that LiteLLM's Rust path served it"
                ),
            ));
        }
        let python = answered.iter().filter(|r| !r.litellm_rust).count();
        if python > 0 {
            return Err((
                FailureClass::Incompatible,
                format!(
                    "gateway: {model} ({route}, LITELLM_RUST=true): {python} of {} Messages request(s) of this trial were served by LiteLLM's Python path, not its Rust one (no `x-litellm-rust: true` on the answer: the Rust path declined or is unavailable, and LiteLLM fell back silently)",
                    answered.len()
                ),
            ));
        }
    } else if let Some(r) = answered.iter().find(|r| r.litellm_rust) {
        return Err((
            FailureClass::Harness,
            format!(
                "harness: {model} ({route}): the gateway answered {} with `x-litellm-rust: true`, but this column measures LiteLLM's Python path (is LITELLM_RUST set in the proxy's environment?)",
                r.path
            ),
        ));
    }
    Ok(())
}

/// Longest error kept in a matrix cell.
const MAX_CELL_ERROR: usize = 600;

/// What a check's error was, from the typed errors in its chain.
fn failure_kind(e: &anyhow::Error) -> FailureKind {
    for cause in e.chain() {
        if let Some(d) = cause.downcast_ref::<DriverError>() {
            return match d {
                DriverError::Timeout { .. } => FailureKind::TimedOut,
                DriverError::Stalled { .. } => FailureKind::Stalled,
                _ => FailureKind::CliCrashed,
            };
        }
        if let Some(c) = cause.downcast_ref::<CliError>() {
            return FailureKind::CliApiError {
                status: c.status,
                text: c.text.clone(),
            };
        }
        if cause.downcast_ref::<EnvUnavailable>().is_some() {
            return FailureKind::Environment;
        }
        if cause.downcast_ref::<NoVerdict>().is_some() {
            return FailureKind::NoVerdict;
        }
    }
    FailureKind::Assertion
}

/// A trial's conclusion: its outcome, the failure's class, and (for a pass
/// on a retry) the first attempt's error.
pub(crate) struct Conclusion {
    pub outcome: Outcome,
    pub class: Option<FailureClass>,
    pub first_error: Option<String>,
}

/// Turns what a check returned into the trial's conclusion: a pass must also
/// have crossed its own provider, been served by its column's path, and had
/// every request answered (`crate::background`); a failure is classified from the evidence
/// (see `compat_matrix::classify`), its message led by what broke and where.
pub(crate) fn conclude(ctx: &Ctx, result: std::thread::Result<anyhow::Result<()>>) -> Conclusion {
    let fail = |class: FailureClass, error: String| Conclusion {
        outcome: Outcome::fail(error),
        class: Some(class),
        first_error: None,
    };
    match result {
        Ok(Ok(())) => match routed_to_own_provider(ctx)
            .and_then(|()| served_by_own_path(ctx))
            .and_then(|()| crate::background::every_call_answered(ctx))
        {
            Ok(()) => Conclusion {
                outcome: Outcome::Pass,
                class: None,
                first_error: ctx
                    .log
                    .lock()
                    .expect("trial log")
                    .first_retry_reason
                    .clone(),
            },
            Err((class, e)) => fail(class, e),
        },
        Ok(Err(e)) => {
            crate::background::note_recoveries(ctx);
            let message = format!("{e:#}");
            let upstream = ctx.upstream_answers();
            let log = ctx.gateway_log_tail(30);
            let verdict = classify::classify(&Evidence {
                kind: failure_kind(&e),
                message: &message,
                upstream: upstream.as_deref(),
                gateway_alive: ctx.gateway_alive(),
                gateway_log: &log,
                // What the gateway received of this trial (the tap's record,
                // its own 404s of the non-streaming row aside): with no
                // simulator record, a hang is the gateway's only if the CLI
                // sent something.
                gateway_requests: Some(ctx.gateway_answers().len()),
            });
            // The route too: several columns share a simulator (a
            // pass-through or Rust-path column, Mantle beside Invoke), and the
            // reader must know which gateway path broke.
            let route = match ctx.provider().passthrough_route() {
                Some(r) => format!(" (CLI in native mode through the gateway's {r} pass-through)"),
                None => format!(
                    " (route {})",
                    compat_core::gateway::routing::litellm_model(ctx.provider(), ctx.model_id())
                ),
            };
            fail(
                verdict.class,
                format!("{}{route}\n{message}", verdict.headline),
            )
        }
        Err(panic) => fail(
            FailureClass::Harness,
            format!(
                "harness: the check panicked (our bug): {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            ),
        ),
    }
}

/// Stops running trials when it is no use: past the suite's deadline, and
/// for a provider whose last trials all ended without a verdict (quota
/// gone, credentials refused, every stream stalling), so that one dead
/// provider costs a few trials' time, not the whole column's.
pub(crate) struct Breaker {
    deadline: Instant,
    deadline_secs: u64,
    /// Provider id -> (consecutive trials without a verdict, the last reason).
    streaks: Mutex<std::collections::HashMap<String, (u32, FailureClass, String)>>,
}

/// Consecutive no-verdict trials after which a provider's remaining trials
/// are reported unverified without running.
const BREAKER_TRIPS_AFTER: u32 = 3;

impl Breaker {
    fn new(mode: Mode) -> Result<Self, String> {
        let default = match mode {
            // The v1 matrix (15 rows x 11 columns x 3 models) takes ~30 min on
            // two loaded cores; the deadline is for hangs, not for slowness.
            Mode::Sim => 75 * 60,
            Mode::Live => 90 * 60,
        };
        let secs = match std::env::var("COMPAT_SUITE_DEADLINE_SECS") {
            Ok(v) => v.parse().map_err(|_| {
                format!("COMPAT_SUITE_DEADLINE_SECS={v:?}: expected a number of seconds")
            })?,
            Err(_) => default,
        };
        Ok(Breaker {
            deadline: Instant::now() + std::time::Duration::from_secs(secs),
            deadline_secs: secs,
            streaks: Mutex::new(Default::default()),
        })
    }

    /// Why this trial should not run, if it should not.
    fn refuse(&self, provider: &str) -> Option<(FailureClass, String)> {
        if Instant::now() >= self.deadline {
            return Some((
                FailureClass::Harness,
                format!(
                    "harness: not run: the suite's deadline ({} s, COMPAT_SUITE_DEADLINE_SECS) had passed",
                    self.deadline_secs
                ),
            ));
        }
        let streaks = self.streaks.lock().expect("breaker");
        match streaks.get(provider) {
            Some((n, class, reason)) if *n >= BREAKER_TRIPS_AFTER => Some((
                *class,
                format!(
                    "not run: the last {n} trials on {provider} reached no verdict; the last one: {}",
                    reason.lines().next().unwrap_or_default()
                ),
            )),
            _ => None,
        }
    }

    fn observe(&self, provider: &str, class: Option<FailureClass>, error: &str) {
        let mut streaks = self.streaks.lock().expect("breaker");
        match class {
            Some(c) if !c.is_verdict() => {
                let e = streaks
                    .entry(provider.to_owned())
                    .or_insert((0, c, String::new()));
                e.0 += 1;
                e.1 = c;
                e.2 = error.to_owned();
            }
            _ => {
                streaks.remove(provider);
            }
        }
    }
}

fn run_trial(
    check: fn(&Ctx) -> anyhow::Result<()>,
    feature: &str,
    provider: Provider,
    model: &compat_matrix::manifest::Model,
    sink: Option<&ResultsSink>,
    breaker: &Breaker,
) -> TrialVerdict {
    let start = Instant::now();
    let ctx = Ctx::new(feature, provider, model);
    let (conclusion, ran) = match breaker.refuse(provider.id()) {
        Some((class, why)) => (
            Conclusion {
                outcome: Outcome::fail(why),
                class: Some(class),
                first_error: None,
            },
            false,
        ),
        None => {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&ctx)));
            (conclude(&ctx, result), true)
        }
    };
    let Conclusion {
        outcome,
        class,
        first_error,
    } = conclusion;
    if ran {
        let error = match &outcome {
            Outcome::Fail { error } => error.as_str(),
            _ => "",
        };
        breaker.observe(provider.id(), class, error);
    }
    let log = ctx.log.lock().expect("trial log");
    let mut details = json!({ "runs": log.runs, "nonce": ctx.nonce() });
    let expected = ctx.expected_refusals();
    if !expected.is_empty() {
        details["expected_refusals"] = json!(expected);
    }
    // The refusals a pass recovered from (background.rs): the page's deep
    // dive shows them, with the row that judges what the CLI dropped.
    let recoveries = crate::background::recoveries(ctx.nonce());
    if !recoveries.is_empty() {
        details["recoveries"] = json!(recoveries);
    }
    // Signed from the whole error, before the cell's copy is cut (the
    // signature reads only what the cut keeps, so the two agree).
    let signature = match &outcome {
        Outcome::Fail { error } => Some(compat_matrix::signature::signature(
            class.unwrap_or(FailureClass::Incompatible),
            error,
        )),
        _ => None,
    };
    // The matrix shows the error in a tooltip: keep it short there and the
    // whole of it in the details.
    let outcome = match outcome {
        Outcome::Fail { error } if error.chars().count() > MAX_CELL_ERROR => {
            details["error_full"] = json!(error);
            let short: String = error.chars().take(MAX_CELL_ERROR).collect();
            Outcome::fail(format!("{short}... (see compat-results.json)"))
        }
        other => other,
    };
    if !outcome.is_pass() && ran {
        details["transcript_tail"] = json!(log.last_transcript_tail);
        let reqs = ctx.sim_requests();
        if let Some(bad) = reqs
            .iter()
            .rev()
            .find(|r| r.rejection.is_some())
            .or(reqs.last())
        {
            details["sim_request"] = json!(format!(
                "{} {} {} -> {}{}\n{}",
                bad.provider,
                bad.method,
                bad.path,
                bad.status,
                bad.rejection
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default(),
                crate::evidence::summarize_body(&bad.body)
            ));
        }
        let tapped = ctx.gateway_requests();
        if !tapped.is_empty() {
            details["gateway_responses"] = json!(tapped
                .iter()
                .map(|r| json!({"path": r.path, "stream": r.stream, "status": r.status, "completed": r.completed, "events": r.events.len()}))
                .collect::<Vec<_>>());
        }
        details["gateway_alive"] = json!(ctx.gateway_alive());
        details["gateway_log_tail"] = json!(ctx.gateway_log_tail(15));
    }
    if let Some(sink) = sink {
        sink.record(TrialResult {
            feature: feature.to_owned(),
            provider: provider.id().to_owned(),
            model: model.id.clone(),
            outcome: outcome.clone(),
            duration_ms: start.elapsed().as_millis() as u64,
            attempts: log.attempts,
            class,
            first_error: first_error.clone(),
            signature: signature.clone(),
            details,
        });
    }
    match outcome {
        Outcome::Fail { error } => Err(TrialFailure {
            class: class.unwrap_or(FailureClass::Incompatible),
            message: format!("{}: {error}", model.id),
            signature: signature.unwrap_or_default(),
        }),
        _ => Ok(first_error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::TapRecord;

    fn answer(path: &str, status: u16, rust: bool) -> TapRecord {
        TapRecord {
            seq: 0,
            method: "POST".into(),
            path: path.into(),
            body: serde_json::Value::Null,
            stream: true,
            status,
            refused: false,
            events: Vec::new(),
            completed: true,
            usage: None,
            usage_events: Vec::new(),
            error: None,
            anthropic_beta: None,
            litellm_rust: rust,
        }
    }

    #[test]
    fn a_rust_path_trial_served_by_python_fails_naming_model_and_route() {
        let p = Provider::AnthropicRustPath;
        let m = "claude-haiku-4-5";
        let rust = answer("/v1/messages?beta=true", 200, true);
        assert!(judge_path(p, m, std::slice::from_ref(&rust)).is_ok());
        // One of the trial's requests fell back to Python: the guard says so.
        let (class, e) =
            judge_path(p, m, &[rust, answer("/v1/messages?beta=true", 200, false)]).unwrap_err();
        assert_eq!(class, FailureClass::Incompatible);
        assert!(
            e.contains(m) && e.contains("anthropic/claude-haiku-4-5-20251001"),
            "{e}"
        );
        assert!(e.contains("Python path"), "{e}");
        // Nothing answered: no evidence either way, no verdict.
        assert_eq!(judge_path(p, m, &[]).unwrap_err().0, FailureClass::Harness);
        // Refused and failed answers, and count_tokens, are not judged.
        let other = [
            answer("/v1/messages/count_tokens", 200, false),
            answer("/v1/messages", 500, false),
        ];
        assert_eq!(
            judge_path(p, m, &other).unwrap_err().0,
            FailureClass::Harness
        );
    }

    #[test]
    fn a_python_column_served_by_rust_is_our_misconfiguration() {
        let r = judge_path(
            Provider::Anthropic,
            "claude-haiku-4-5",
            &[answer("/v1/messages", 200, true)],
        );
        assert_eq!(r.unwrap_err().0, FailureClass::Harness);
        assert!(
            judge_path(
                Provider::BedrockMantle,
                "claude-haiku-4-5",
                &[answer("/v1/messages", 200, false)]
            )
            .is_ok()
        );
    }

    fn vertex_request(host: &str) -> compat_sim::RecordedRequest {
        compat_sim::RecordedRequest {
            seq: 0,
            provider: "vertex_ai",
            method: "POST".into(),
            path: "/v1/projects/sim-project/locations/us-east5/publishers/anthropic/models/claude-opus-4-7:streamRawPredict?alt=sse".into(),
            headers: [("host".to_owned(), host.to_owned())].into(),
            body: serde_json::Value::Null,
            model: None,
            stream: true,
            status: 200,
            rejection: None,
            stream_events: Vec::new(),
            stream_completed: true,
            usage: None,
            betas: None,
        }
    }

    #[test]
    fn a_vertex_passthrough_request_that_skipped_googles_front_is_refused() {
        let p = Provider::VertexPassthrough;
        let google = vertex_request("us-east5-aiplatform.googleapis.com");
        assert!(judge_front(p, std::slice::from_ref(&google)).is_ok());
        // Straight at the simulator's address (an api_base): not the
        // pass-through's way to Google.
        let (class, e) = judge_front(p, &[google, vertex_request("127.0.0.1:4242")]).unwrap_err();
        assert_eq!(class, FailureClass::Harness);
        assert!(
            e.contains("127.0.0.1:4242") && e.contains("vertex_passthrough"),
            "{e}"
        );
        // The vertex_ai column's api_base is its own route.
        assert!(judge_front(Provider::VertexAi, &[vertex_request("127.0.0.1:4242")]).is_ok());
    }

    /// The gate's decision on one trial, against the default sim baseline,
    /// in each mode: `count_tokens::bedrock_invoke` is partial there (Haiku
    /// and Sonnet pass, Opus fails with a 500 from the gateway's count).
    mod gate {
        use super::*;

        const F: &str = "count_tokens";
        const P: &str = "bedrock_invoke";
        const OPUS_AS_IN_BASELINE: &str = "gateway: the CLI finished, but the feature did not work through the gateway (route bedrock/invoke/us.anthropic.claude-opus-4-7)\nthe gateway answered the CLI's count_tokens (POST /v1/messages/count_tokens?beta=true) with 500 and no count. Gateway log: 21:04:59 - LiteLLM:WARNING: bedrock_token_counter.py:156 - bedrock_mantle_api CountTokens API error: status=500";

        fn fail(class: FailureClass, error: &str) -> TrialVerdict {
            Err(TrialFailure {
                class,
                signature: compat_matrix::signature::signature(class, error),
                message: format!("m: {error}"),
            })
        }

        use crate::GateDecision;

        fn decide(v: TrialVerdict, mode: Mode, f: &str, p: &str, m: &str) -> GateDecision {
            let b = sim_baseline().unwrap();
            decision(gate_trial(v, Some(&b), mode, f, p, m))
        }

        fn ignored(d: GateDecision) -> String {
            match d {
                GateDecision::Ignored(r) => r,
                other => panic!("expected an ignored trial, got {other:?}"),
            }
        }

        fn fails(d: GateDecision) -> String {
            match d {
                GateDecision::Fails(m) => m,
                other => panic!("expected a failing trial, got {other:?}"),
            }
        }

        #[test]
        fn a_model_that_passed_in_a_partial_cell_is_a_regression_in_both_modes() {
            for mode in [Mode::Sim, Mode::Live] {
                let e = fails(decide(
                    fail(FailureClass::Incompatible, "the count is not plausible"),
                    mode,
                    F,
                    P,
                    "claude-haiku-4-5",
                ));
                assert!(
                    e.starts_with("REGRESSION (claude-haiku-4-5 passed in the baseline"),
                    "{e}"
                );
            }
        }

        #[test]
        fn the_same_failure_is_known_another_fails_differently_in_sim_only() {
            let known = ignored(decide(
                fail(FailureClass::Incompatible, OPUS_AS_IN_BASELINE),
                Mode::Sim,
                F,
                P,
                "claude-opus-4-7",
            ));
            assert!(
                known.starts_with(
                    "known failure (claude-opus-4-7 fails in the baseline with the same signature)"
                ),
                "{known}"
            );
            let other = "gateway: the CLI finished (route bedrock/invoke/us.anthropic.claude-opus-4-7)\nthe count is not plausible";
            let e = fails(decide(
                fail(FailureClass::Incompatible, other),
                Mode::Sim,
                F,
                P,
                "claude-opus-4-7",
            ));
            assert!(e.starts_with("FAILING DIFFERENTLY (claude-opus-4-7 failed in the baseline with `incompatible: "), "{e}");
            assert!(
                e.contains("with 500 and no count")
                    && e.contains("now with `incompatible: ")
                    && e.contains("not plausible`"),
                "{e}"
            );
            let live = ignored(decide(
                fail(FailureClass::Incompatible, other),
                Mode::Live,
                F,
                P,
                "claude-opus-4-7",
            ));
            assert!(live.starts_with("FAILING DIFFERENTLY"), "{live}");
        }

        #[test]
        fn what_the_baseline_lacks_fails_in_sim_passing_or_not() {
            for (f, p, m) in [
                ("new_row", P, "claude-haiku-4-5"),
                (F, "new_column", "claude-haiku-4-5"),
                (F, P, "claude-fable-5"),
            ] {
                let e = fails(decide(Ok(None), Mode::Sim, f, p, m));
                assert!(
                    e.starts_with("NOT IN THE BASELINE (the baseline has no such"),
                    "{e}"
                );
                assert!(
                    e.contains("cargo xtask matrix") && e.ends_with(&format!("{m} passes")),
                    "{e}"
                );
                let e = fails(decide(
                    fail(FailureClass::Incompatible, "boom"),
                    Mode::Sim,
                    f,
                    p,
                    m,
                ));
                assert!(e.contains("fails: m: boom"), "{e}");
                // Live mode reports it.
                assert!(decide(Ok(None), Mode::Live, f, p, m) == GateDecision::Passes);
                let r = ignored(decide(
                    fail(FailureClass::Incompatible, "boom"),
                    Mode::Live,
                    f,
                    p,
                    m,
                ));
                assert!(r.starts_with("NOT IN THE BASELINE"), "{r}");
            }
        }

        #[test]
        fn a_sim_retry_fails_quoting_the_first_attempt_live_keeps_flaky() {
            let first =
                "transient upstream failure (status 529): API Error: 529 overloaded".to_owned();
            let e = fails(decide(
                Ok(Some(first.clone())),
                Mode::Sim,
                F,
                P,
                "claude-haiku-4-5",
            ));
            assert!(
                e.starts_with("FLAKY IN SIM (claude-haiku-4-5 passed only on a retry")
                    && e.ends_with(&first),
                "{e}"
            );
            assert_eq!(
                decide(Ok(Some(first)), Mode::Live, F, P, "claude-haiku-4-5"),
                GateDecision::Passes
            );
        }

        #[test]
        fn no_verdict_classes_are_handled_as_before() {
            let r = ignored(decide(
                fail(FailureClass::UpstreamUnavailable, "529"),
                Mode::Sim,
                F,
                P,
                "claude-haiku-4-5",
            ));
            assert!(
                r.starts_with("unverified, the provider could not serve"),
                "{r}"
            );
            let e = fails(decide(
                fail(FailureClass::Harness, "proxy died"),
                Mode::Sim,
                F,
                P,
                "claude-haiku-4-5",
            ));
            assert!(e.starts_with("NO VERDICT"), "{e}");
            // Without a baseline every failure fails, named by its class; a
            // retry does not.
            let none = |v| decision(gate_trial(v, None, Mode::Sim, F, P, "claude-haiku-4-5"));
            assert_eq!(
                none(fail(FailureClass::Incompatible, "boom")),
                GateDecision::Fails("[incompatible] m: boom".into())
            );
            assert_eq!(none(Ok(Some("x".into()))), GateDecision::Passes);
        }
    }
}
