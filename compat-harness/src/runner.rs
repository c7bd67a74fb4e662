//! The runner: registered cases -> libtest-mimic trials -> compat-results.json.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use compat_core::manifest::Manifest;
use compat_core::provider::Provider;
use compat_core::results::{Mode, RunResults, TrialResult};
use compat_core::status::{FailureClass, Outcome};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::json;

use crate::cases::{Case, CaseKind, FaultTest, feature_and_provider};
use crate::conclude::{
    Conclusion, MAX_CELL_ERROR, TrialFailure, TrialVerdict, conclude, gate_trial,
};
use crate::ctx::Ctx;
use crate::env::{self};
use crate::filters::{self, Filters};
use crate::sink::{Baseline, Breaker, ResultsSink, load_baseline};

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
            path: compat_core::paths::results_file(),
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

fn run_trial(
    check: fn(&Ctx) -> anyhow::Result<()>,
    feature: &str,
    provider: Provider,
    model: &compat_core::manifest::Model,
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
    let recoveries = crate::background::recoveries(&ctx);
    if !recoveries.is_empty() {
        details["recoveries"] = json!(recoveries);
    }
    // Signed from the whole error, before the cell's copy is cut (the
    // signature reads only what the cut keeps, so the two agree).
    let signature = match &outcome {
        Outcome::Fail { error } => Some(compat_core::signature::signature(
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
