//! The runner: registered cases -> libtest-mimic trials -> compat-results.json.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use compat_core::gate::{self, FailureVerdict};
use compat_core::manifest::Manifest;
use compat_core::matrix::Matrix;
use compat_core::results::{Mode, RunResults, TrialResult};
use compat_core::sim::SimProvider;
use compat_core::status::Outcome;
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use serde_json::json;

use crate::env::{self, Ctx};
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

    fn finish(&self, manifest: &Manifest, baseline: Option<&Baseline>) {
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
        if let Err(e) = compat_core::fsutil::write_atomic(
            &junit_path,
            compat_core::junit::render(&r, &short).as_bytes(),
        ) {
            eprintln!(
                "[compat] warning: cannot write {}: {e}",
                junit_path.display()
            );
        }
        if let Some(b) = baseline {
            let options = compat_core::matrix::BuildOptions {
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
            let input = compat_core::matrix::ResultsInput {
                path: &self.path,
                results: &r,
            };
            match compat_core::matrix::build(manifest, &[input], &options) {
                Ok(current) => eprint!(
                    "[compat] against baseline {}:\n{}",
                    b.source,
                    gate::compare(&b.matrix, &current).summary()
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
        }) => {
            let conclusion = libtest_mimic::run(&args, trials);
            if let Some(sink) = sink {
                sink.finish(&manifest, baseline.as_deref());
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
}

/// The matrix a run is gated against (`COMPAT_BASELINE`: a file path or an
/// http(s) URL, e.g. the last published compatibility-matrix.json).
struct Baseline {
    source: String,
    matrix: Matrix,
}

fn load_baseline() -> Result<Option<Baseline>, String> {
    let Ok(source) = std::env::var("COMPAT_BASELINE") else {
        return Ok(None);
    };
    if source.is_empty() {
        return Ok(None);
    }
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
    let matrix = Matrix::parse(&text, std::path::Path::new(&source))
        .map_err(|e| format!("COMPAT_BASELINE: {e}"))?;
    Ok(Some(Baseline { source, matrix }))
}

fn prepare(args: &Arguments, filters: &Filters) -> Result<Prepared, String> {
    let manifest = Manifest::load_default().map_err(|e| e.to_string())?;
    let mode = mode_from_env()?;
    let baseline = load_baseline()?.map(Arc::new);

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
        if SimProvider::from_id(provider).is_none() {
            return Err(format!(
                "{}: provider `{provider}` has no simulator/route in compat-core (sim::SimProvider)",
                case.file
            ));
        }
        cases.push((case, feature.to_owned(), provider.to_owned()));
    }
    // Provider by provider (then feature), so the first provider's trials
    // run while the later providers' proxies are still starting.
    cases.sort_by(|a, b| {
        let pos = |f: &str, p: &str| {
            (
                manifest.providers.iter().position(|x| x.id == p),
                manifest.features.iter().position(|x| x.id == f),
            )
        };
        pos(&a.1, &a.2).cmp(&pos(&b.1, &b.2))
    });

    let sink = if args.list {
        None
    } else {
        Some(Arc::new(ResultsSink {
            path: compat_core::paths::results_file(),
            results: Mutex::new(RunResults::new(mode)),
        }))
    };

    let mut trials = Vec::new();
    let mut needs: Vec<(String, SimProvider)> = Vec::new();
    for (case, feature, provider) in &cases {
        let sim_provider = SimProvider::from_id(provider).expect("checked");
        for model in &manifest.models {
            let name = format!("{feature}::{provider}::{}", model.short);
            let (feature, provider, model, sink) = (
                feature.clone(),
                provider.clone(),
                model.clone(),
                sink.clone(),
            );
            let trial = match case.kind {
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
                            details: serde_json::Value::Null,
                        });
                    }
                    Ok(())
                })
                .with_kind("n/a"),
                CaseKind::Run(check) => {
                    needs.push((name.clone(), sim_provider));
                    let baseline = baseline.clone();
                    Trial::ignorable_test(name, move || {
                        let result =
                            run_trial(check, &feature, sim_provider, &model, sink.as_deref());
                        gate_trial(result, baseline.as_deref(), &feature, &provider)
                    })
                }
            };
            trials.push(trial);
        }
    }

    for t in inventory::iter::<FaultTest> {
        let (feature, _) = feature_and_provider(t.module)
            .ok_or_else(|| format!("fault test `{}`: bad module path", t.name))?;
        let provider = SimProvider::from_id(t.provider)
            .ok_or_else(|| format!("fault test `{}`: unknown provider `{}`", t.name, t.provider))?;
        let model = manifest.models.last().expect("manifest has models").clone();
        let name = format!("{feature}::sim_fault::{}", t.name);
        needs.push((name.clone(), provider));
        let (run, feature) = (t.run, feature.to_owned());
        trials.push(
            Trial::test(name, move || {
                let ctx = Ctx::new(&feature, provider, &model);
                (run)(&ctx).map_err(|e| Failed::from(format!("{e:#}")))
            })
            .with_kind("sim-fault")
            .with_ignored_flag(mode == Mode::Live),
        );
    }

    // Several filters: libtest-mimic applies one, the rest is ours.
    trials.retain(|t| filters.select(t.name()));
    needs.retain(|(name, _)| filters.select(name));
    // Start only what the selected trials need.
    let selected: BTreeSet<SimProvider> = needs
        .iter()
        .filter(|(name, _)| {
            let probe = Trial::test(name.clone(), || Ok(()));
            !args.is_filtered_out(&probe)
        })
        .map(|(_, p)| *p)
        .collect();
    env::plan(
        mode,
        selected,
        manifest.models.iter().map(|m| m.id.clone()).collect(),
    );
    Ok(Prepared {
        trials,
        sink,
        manifest,
        baseline,
    })
}

/// With a baseline, only a regression (the cell passed in the baseline)
/// fails the trial; a failure the baseline already knew is reported as an
/// ignored trial with the reason, so the run stays green.
fn gate_trial(
    result: Result<(), Failed>,
    baseline: Option<&Baseline>,
    feature: &str,
    provider: &str,
) -> Result<Completion, Failed> {
    let (Err(failed), Some(b)) = (&result, baseline) else {
        return result.map(|()| Completion::Completed);
    };
    let message = failed.message().unwrap_or_default();
    match gate::judge_failure(&b.matrix, feature, provider) {
        FailureVerdict::Regression => Err(Failed::from(format!(
            "REGRESSION (passed in the baseline): {message}"
        ))),
        FailureVerdict::Known { baseline_status } => Ok(Completion::ignored_with(format!(
            "known failure, the baseline cell is {baseline_status}: {message}"
        ))),
        FailureVerdict::NewCell => Ok(Completion::ignored_with(format!(
            "failing, not in the baseline: {message}"
        ))),
    }
}

/// In sim mode, a pass must have crossed the trial's own provider: every
/// simulator request carrying the trial's nonce went to that provider, and
/// there was at least one. (Guards against a routing mistake that would let a
/// cell pass on another provider's wire.)
fn routed_to_own_provider(ctx: &Ctx) -> Result<(), String> {
    let Some(sim) = ctx.sim() else { return Ok(()) };
    let reqs = sim.requests_containing(ctx.nonce());
    if reqs.is_empty() {
        return Err(format!(
            "no request of this trial (nonce {}) reached the {} simulator: the check passed without crossing the provider",
            ctx.nonce(),
            ctx.provider().id()
        ));
    }
    if let Some(stray) = reqs.iter().find(|r| r.provider != ctx.provider().id()) {
        return Err(format!(
            "a request of this trial went to the {} simulator: {}",
            stray.provider,
            stray.describe()
        ));
    }
    Ok(())
}

/// Longest error kept in a matrix cell.
const MAX_CELL_ERROR: usize = 600;

fn run_trial(
    check: fn(&Ctx) -> anyhow::Result<()>,
    feature: &str,
    provider: SimProvider,
    model: &compat_core::manifest::Model,
    sink: Option<&ResultsSink>,
) -> Result<(), Failed> {
    let start = Instant::now();
    let ctx = Ctx::new(feature, provider, model);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&ctx)));
    let outcome = match result {
        Ok(Ok(())) => match routed_to_own_provider(&ctx) {
            Ok(()) => Outcome::Pass,
            Err(e) => Outcome::fail(e),
        },
        Ok(Err(e)) => Outcome::fail(format!("{e:#}")),
        Err(panic) => Outcome::fail(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    };
    let log = ctx.log.lock().expect("trial log");
    let mut details = json!({ "runs": log.runs, "nonce": ctx.nonce() });
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
    if !outcome.is_pass() {
        details["transcript_tail"] = json!(log.last_transcript_tail);
        let reqs = ctx.sim_requests();
        if let Some(bad) = reqs
            .iter()
            .rev()
            .find(|r| r.rejection.is_some())
            .or(reqs.last())
        {
            details["sim_request"] = json!(bad.describe());
        }
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
            details,
        });
    }
    match outcome {
        Outcome::Fail { error } => Err(Failed::from(format!("{}: {error}", model.id))),
        _ => Ok(()),
    }
}
