//! The runner: registered cases -> libtest-mimic trials -> compat-results.json.

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use compat_matrix::key::{CellKey, FeatureId, ModelId, TrialKey, TrialName};
use compat_matrix::manifest::Manifest;
use compat_matrix::provider::Provider;
use compat_matrix::results::{Mode, RunResults, TrialResult};
use compat_matrix::status::{FailureClass, Outcome};
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
        Ok("rehearsal") => Ok(Mode::Rehearsal),
        Ok(other) => Err(format!(
            "COMPAT_MODE={other:?}: expected `sim` (default), `live` or `rehearsal`"
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
    // A rehearsal's first process mints the run's credentials and runs the
    // trials in a second one that reads them as live mode does
    // (`crate::rehearsal`); listing trials needs no credentials.
    if !args.list
        && mode_from_env() == Ok(Mode::Rehearsal)
        && let Some(code) = crate::rehearsal::run_as_parent()
    {
        return code;
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
            // A rehearsal that reached past its stage fails whatever its
            // cells say (and paints none: the report is its own file).
            let intact = match (env::started().and_then(|e| e.rehearsal.as_ref()), &sink) {
                (Some(stage), Some(sink)) => crate::rehearsal::conclude(stage, &sink.path),
                _ => true,
            };
            if let Some(sink) = sink {
                sink.finish(&manifest, baseline.as_deref(), mode);
            }
            // The shared environment lives in a static, which is never
            // dropped: stop the proxies (and anything else left) explicitly.
            compat_core::procgroup::kill_all();
            if !intact {
                return ExitCode::from(3);
            }
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

    // Each case's cell, read once from where its file sits.
    let mut cases: Vec<(CaseKind, CellKey)> = Vec::new();
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
        let Some(provider) = Provider::from_id(provider) else {
            return Err(format!(
                "{}: provider `{provider}` has no route in compat-core (provider::Provider)",
                case.file
            ));
        };
        let kind = case.resolve(feature, provider)?;
        if let CaseKind::RunExcept(_, except) = kind
            && let Some((m, _)) = except.iter().find(|(m, _)| manifest.model(m).is_none())
        {
            return Err(format!(
                "{}: not_applicable_for names model `{m}`, which is not in manifest.yaml `models`",
                case.file
            ));
        }
        let feature = FeatureId(feature.to_owned());
        cases.push((kind, CellKey { feature, provider }));
    }
    // The manifest's order: a column's position, a row's, a model's.
    let column = |p: Provider| manifest.providers.iter().position(|x| x.id == p.id());
    let row = |f: &FeatureId| manifest.features.iter().position(|x| x.id == f.as_str());
    let model_id = |m: &compat_matrix::manifest::Model| ModelId {
        id: m.id.clone(),
        short: m.short.clone(),
    };
    // Provider by provider (then feature); the order trials run in is set
    // below.
    cases.sort_by_key(|(_, cell)| (column(cell.provider), row(&cell.feature)));

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
    let mut trials: Vec<(Trial, TrialName)> = Vec::new();
    // The trials that use their column's proxy (not the not_applicable ones).
    let mut needs_proxy: BTreeSet<String> = BTreeSet::new();
    for (kind, cell) in &cases {
        for (model, kind) in cell_trials(&manifest, cell.provider, *kind) {
            let key = TrialKey {
                cell: cell.clone(),
                model: model_id(model),
            };
            let name = TrialName::Case(key.clone());
            let label = name.to_string();
            let sink = sink.clone();
            let trial = match kind {
                CaseKind::NotApplicable(reason) => Trial::test(label, move || {
                    if let Some(sink) = &sink {
                        sink.record(TrialResult {
                            feature: key.cell.feature.0.clone(),
                            provider: key.cell.provider.id().to_owned(),
                            model: key.model.id.clone(),
                            outcome: Outcome::NotApplicable {
                                reason: reason.to_owned(),
                            },
                            duration_ms: 0,
                            attempts: 0,
                            class: None,
                            first_error: None,
                            signature: None,
                            evidence: None,
                            details: serde_json::Value::Null,
                        });
                    }
                    Ok(())
                })
                .with_kind("n/a"),
                CaseKind::RunExcept(..) | CaseKind::Feature => {
                    unreachable!("resolve and for_model leave Run or NotApplicable")
                }
                CaseKind::Run(check) => {
                    needs_proxy.insert(label.clone());
                    let (baseline, breaker) = (baseline.clone(), breaker.clone());
                    Trial::ignorable_test(label, move || {
                        let _done = env::Finished(key.cell.provider);
                        let result = run_trial(check, &key, sink.as_deref(), &breaker);
                        gate_trial(
                            result,
                            baseline.as_deref(),
                            mode,
                            key.cell.feature.as_str(),
                            key.cell.provider.id(),
                            &key.model.id,
                        )
                    })
                }
            };
            trials.push((trial, name));
        }
    }

    // Every fault test runs on every model its cell runs (a fault that turns
    // Opus red says nothing about Haiku's path through the gateway, which
    // differs: no effort, no 1M variant, other betas); a model for which the
    // case is not applicable has no trial.
    for t in inventory::iter::<FaultTest> {
        let (feature, _) = feature_and_provider(t.module)
            .ok_or_else(|| format!("fault test `{}`: bad module path", t.name))?;
        let (kind, cell) = cases
            .iter()
            .find(|(_, c)| c.feature.as_str() == feature && c.provider == t.provider)
            .ok_or_else(|| {
                format!(
                    "fault test `{}`: no case compat-tests/{feature}/{}.rs to run it on",
                    t.name,
                    t.provider.id()
                )
            })?;
        for (model, kind) in cell_trials(&manifest, cell.provider, *kind) {
            if !matches!(kind, CaseKind::Run(_)) {
                continue;
            }
            let on = TrialKey {
                cell: cell.clone(),
                model: model_id(model),
            };
            let name = TrialName::Fault {
                on: on.clone(),
                name: t.name,
            };
            needs_proxy.insert(name.to_string());
            let run = t.run;
            trials.push((
                Trial::test(name.to_string(), move || {
                    let _done = env::Finished(on.cell.provider);
                    let ctx = Ctx::new(&on);
                    (run)(&ctx).map_err(|e| Failed::from(format!("{e:#}")))
                })
                .with_kind("sim-fault")
                .with_ignored_flag(mode == Mode::Live),
                name,
            ));
        }
    }

    // Several filters: libtest-mimic applies one, the rest is ours.
    trials.retain(|(t, _)| filters.select(t.name()));
    // A shard keeps whole columns (see `crate::shard`), partitioned over the
    // selected trials, so each shard starts only its columns' proxies.
    if let Some(shard) = shard {
        let providers: Vec<Provider> = trials.iter().map(|(_, n)| n.key().cell.provider).collect();
        let order: Vec<Provider> = manifest
            .providers
            .iter()
            .filter_map(|p| Provider::from_id(&p.id))
            .collect();
        let of = crate::shard::assign(&providers, &order, shard.total);
        let mine = |p: &Provider| of.get(p) == Some(&shard.index);
        trials.retain(|(_, n)| mine(&n.key().cell.provider));
        let columns: BTreeSet<&str> = trials
            .iter()
            .map(|(_, n)| n.key().cell.provider.id())
            .collect();
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
    trials.sort_by_cached_key(|(_, n)| run_order(&manifest, n));
    // Each column's trials that will run (libtest-mimic's own filter and
    // ignore rules), in trial order: only their proxies start, and the
    // window stops each after its column's last trial.
    let mut columns: Vec<(Provider, usize)> = Vec::new();
    for (t, n) in &trials {
        let p = &n.key().cell.provider;
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

/// A case's trials on its column: one per model the column runs (its model
/// set, manifest.yaml `model_sets`, in display order), with what the case
/// does for that model. A `not_applicable_for` key (a model of the manifest,
/// checked in `prepare`) only matters on columns whose set holds the model.
fn cell_trials(
    manifest: &Manifest,
    provider: Provider,
    kind: CaseKind,
) -> Vec<(&compat_matrix::manifest::Model, CaseKind)> {
    manifest
        .models_of(provider.id())
        .iter()
        .map(|m| (m, kind.for_model(&m.id)))
        .collect()
}

/// Where a trial comes in the run, on its key's fields, in the manifest's
/// order: column by column (so only a column or two of proxies need be
/// alive at once), within a column the fault tests first (the longest:
/// stall timeouts), then row by row, a cell's fault tests by name, model by
/// model.
fn run_order(
    manifest: &Manifest,
    n: &TrialName,
) -> (
    Option<usize>,
    bool,
    Option<usize>,
    Option<&'static str>,
    Option<usize>,
) {
    let k = n.key();
    (
        manifest
            .providers
            .iter()
            .position(|x| x.id == k.cell.provider.id()),
        n.fault().is_none(),
        manifest
            .features
            .iter()
            .position(|x| x.id == k.cell.feature.as_str()),
        n.fault(),
        manifest
            .models_of(k.cell.provider.id())
            .iter()
            .position(|x| x.id == k.model.id),
    )
}

fn run_trial(
    check: fn(&Ctx) -> anyhow::Result<()>,
    key: &TrialKey,
    sink: Option<&ResultsSink>,
    breaker: &Breaker,
) -> TrialVerdict {
    let start = Instant::now();
    let (feature, provider, model) = (key.cell.feature.as_str(), key.cell.provider, &key.model);
    let ctx = Ctx::new(key);
    let (conclusion, ran) = match breaker.refuse(provider.id()) {
        Some((class, why)) => (
            Conclusion {
                outcome: Outcome::fail(why),
                class: Some(class),
                first_error: None,
                evidence: None,
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
        evidence,
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
            evidence,
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

    /// The run's order on a 2-column, 2-row plan, as the trial list showed
    /// it before the typed key: the manifest's column order, a column's
    /// fault tests first, then row by row, model by model.
    #[test]
    fn trials_run_column_by_column_fault_tests_first() {
        let manifest = Manifest::load_default().unwrap();
        let model = |short: &str| {
            let m = manifest.model_by_short(short).unwrap();
            ModelId {
                id: m.id.clone(),
                short: m.short.clone(),
            }
        };
        let key = |feature: &str, provider, short: &str| TrialKey {
            cell: CellKey {
                feature: FeatureId(feature.to_owned()),
                provider,
            },
            model: model(short),
        };
        let mut names = Vec::new();
        for p in [Provider::BedrockInvoke, Provider::Anthropic] {
            for f in ["tool_use", "basic_messaging_streaming"] {
                for m in ["opus-4.7", "haiku-4.5"] {
                    names.push(TrialName::Case(key(f, p, m)));
                }
            }
        }
        for name in [
            "held_stream_start_turns_cell_red",
            "broken_stream_framing_turns_cell_red",
        ] {
            names.push(TrialName::Fault {
                on: key(
                    "basic_messaging_streaming",
                    Provider::Anthropic,
                    "haiku-4.5",
                ),
                name,
            });
        }
        names.sort_by_cached_key(|n| run_order(&manifest, n));
        let names: Vec<String> = names.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "basic_messaging_streaming::sim_fault::broken_stream_framing_turns_cell_red::haiku-4.5",
                "basic_messaging_streaming::sim_fault::held_stream_start_turns_cell_red::haiku-4.5",
                "basic_messaging_streaming::anthropic::haiku-4.5",
                "basic_messaging_streaming::anthropic::opus-4.7",
                "tool_use::anthropic::haiku-4.5",
                "tool_use::anthropic::opus-4.7",
                "basic_messaging_streaming::bedrock_invoke::haiku-4.5",
                "basic_messaging_streaming::bedrock_invoke::opus-4.7",
                "tool_use::bedrock_invoke::haiku-4.5",
                "tool_use::bedrock_invoke::opus-4.7",
            ]
        );
    }

    fn no_check(_: &Ctx) -> anyhow::Result<()> {
        Ok(())
    }

    /// A column of another model set runs that set's models, in the set's
    /// order; a `not_applicable_for` key applies where its model runs and
    /// nowhere else.
    #[test]
    fn a_column_runs_its_own_model_set() {
        let text = "features:\n  - {id: tool_use, name: Tool use}\nproviders:\n\
                    \x20 - {id: anthropic, name: Anthropic}\n\
                    \x20 - {id: bedrock_invoke, name: Bedrock, models: gpt}\n\
                    models:\n  - {id: claude-haiku-4-5, name: H, short: haiku-4.5}\n\
                    \x20 - {id: claude-opus-4-7, name: O, short: opus-4.7}\n\
                    \x20 - {id: gpt-5.6-luna, name: L, short: luna-5.6}\n\
                    \x20 - {id: gpt-5.6-sol, name: S, short: sol-5.6}\n\
                    model_sets:\n  claude: [claude-haiku-4-5, claude-opus-4-7]\n\
                    \x20 gpt: [gpt-5.6-sol, gpt-5.6-luna]\n";
        let manifest = Manifest::parse(text, std::path::Path::new("fixture.yaml")).unwrap();
        const EXCEPT: &[(&str, &str)] =
            &[("claude-opus-4-7", "no opus"), ("gpt-5.6-luna", "no luna")];
        let kind = CaseKind::RunExcept(no_check, EXCEPT);
        let show = |p: Provider| {
            cell_trials(&manifest, p, kind)
                .into_iter()
                .map(|(m, k)| match k {
                    CaseKind::NotApplicable(r) => format!("{} n/a: {r}", m.short),
                    CaseKind::Run(_) => format!("{} runs", m.short),
                    _ => format!("{} ?", m.short),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            show(Provider::Anthropic),
            ["haiku-4.5 runs", "opus-4.7 n/a: no opus"]
        );
        assert_eq!(
            show(Provider::BedrockInvoke),
            ["sol-5.6 runs", "luna-5.6 n/a: no luna"]
        );
        // Within a column, trials follow the set's order.
        let key = |short: &str| {
            let m = manifest.model_by_short(short).unwrap();
            TrialName::Case(TrialKey {
                cell: CellKey {
                    feature: FeatureId("tool_use".to_owned()),
                    provider: Provider::BedrockInvoke,
                },
                model: ModelId {
                    id: m.id.clone(),
                    short: m.short.clone(),
                },
            })
        };
        let mut names = [key("luna-5.6"), key("sol-5.6")];
        names.sort_by_cached_key(|n| run_order(&manifest, n));
        let names: Vec<String> = names.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "tool_use::bedrock_invoke::sol-5.6",
                "tool_use::bedrock_invoke::luna-5.6"
            ]
        );
    }
}
