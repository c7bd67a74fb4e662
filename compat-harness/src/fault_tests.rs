//! Helpers for the fault tests in the checks (`sim_fault_test!`): switch a
//! simulator fault on for one trial, conclude the trial as the runner does,
//! and say what the matrix cell (or the gate) makes of it.
//!
//! In sim mode a helper asserts what the test says (red, unverified,
//! green). In rehearsal mode (live judgement, the simulators behind the
//! real host names) the test's registration decides
//! ([`crate::cases::LiveVisibility`], applied by [`run_declared`]): a
//! visible fault is asserted as in sim; for a blind one the helper checks
//! that the cell is not red and ends the test there, since what follows in
//! the test reads the simulator's record, which rehearsal does not show.

use std::cell::Cell;

use compat_matrix::results::Mode;
use compat_matrix::status::{FailureClass, Outcome};

use crate::cases::LiveVisibility;
use crate::column;
use crate::conclude::{self, Conclusion, GateDecision};
use crate::ctx::Ctx;
use crate::sink::{self, SIM_BASELINE};

thread_local! {
    /// The running rehearsal fault test's declaration (none in sim mode).
    /// A trial runs on one thread, so the helpers it calls read its own.
    static DECLARED: Cell<Option<LiveVisibility>> = const { Cell::new(None) };
}

/// Ends a rehearsal fault test once its declared verdict has been shown:
/// the rest of the test reads the simulator's record, which rehearsal hides.
#[derive(Debug)]
struct DeclaredVerdictShown(String);

impl std::fmt::Display for DeclaredVerdictShown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeclaredVerdictShown {}

/// Runs a registered fault test (the `run` that [`crate::sim_fault_test!`]
/// wraps): in sim mode as written; in rehearsal with `live` in force for
/// the helpers below, so a blind fault is asserted not red and a visible
/// one as in sim.
pub fn run_declared(
    ctx: &Ctx,
    live: LiveVisibility,
    test: fn(&Ctx) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if ctx.mode() == Mode::Sim {
        return test(ctx);
    }
    // A column the rehearsal cannot contain runs no trial there (its trials
    // end harness/unverified), so its fault tests have no cell to judge.
    if let Some(why) = crate::rehearsal::uncontained(ctx.provider()) {
        eprintln!(
            "[{} rehearsal] not judged: {} is not rehearsed ({why})",
            ctx.key(),
            ctx.provider().id()
        );
        return Ok(());
    }
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            DECLARED.set(None);
        }
    }
    DECLARED.set(Some(live));
    let _reset = Reset;
    match (test(ctx), live) {
        (Err(e), _) if e.downcast_ref::<DeclaredVerdictShown>().is_some() => {
            eprintln!("[{} rehearsal] {e}", ctx.key());
            Ok(())
        }
        (Ok(()), LiveVisibility::Blind { .. } | LiveVisibility::ByTiming { .. }) => anyhow::bail!(
            "this fault test declares live_visible = false, but it ended in rehearsal without              judging a cell under its fault: it must go through a helper of              compat_harness::fault_tests (red_cell_under_fault, expect_red_cell, ...), which checks              the declaration"
        ),
        (other, _) => other,
    }
}

/// Whether a fault test's helpers judge as live mode does (rehearsal): the
/// simulator's record is not theirs to read then. Fault tests use it to
/// keep the parts of their assertions that quote the record to sim mode.
pub fn judged_live(ctx: &Ctx) -> bool {
    ctx.mode() != Mode::Sim
}

/// The simulators' fault switch for this trial: sim mode's simulators, or
/// in rehearsal those behind the real host names (only their fault switch:
/// the checks judge without their record there).
pub fn fault_switch(ctx: &Ctx) -> anyhow::Result<&'static compat_sim::Simulators> {
    use anyhow::Context as _;
    ctx.faults().context(
        "fault tests need the simulators (sim or rehearsal mode); live mode has none to switch a          fault on in",
    )
}

/// Whether a concluded trial paints its cell red: a failure the gateway is
/// blamed for (`incompatible`); a no-verdict class leaves it unverified.
fn is_red(c: &Conclusion) -> bool {
    matches!(c.outcome, Outcome::Fail { .. })
        && c.class.unwrap_or(FailureClass::Incompatible) == FailureClass::Incompatible
}

fn describe(c: &Conclusion) -> String {
    match &c.outcome {
        Outcome::Fail { error } => format!(
            "failed [{}]: {error}",
            c.class.unwrap_or(FailureClass::Incompatible)
        ),
        other => format!("{other:?}"),
    }
}

/// In rehearsal, for a fault declared blind: the trial must not be red
/// (then the test ends, shown); a red one means live judgement does see the
/// fault, and the declaration is wrong. `Ok` otherwise (sim mode, or a
/// visible fault: the caller asserts as in sim).
fn check_blind(ctx: &Ctx, c: &Conclusion) -> anyhow::Result<()> {
    blind_verdict(
        DECLARED.get(),
        &ctx.key().to_string(),
        is_red(c),
        &describe(c),
    )
}

/// [`check_blind`]'s rule, on what it reads: the declaration in force, the
/// trial, whether it is red, and how it ended.
fn blind_verdict(
    declared: Option<LiveVisibility>,
    trial: &str,
    red: bool,
    ended: &str,
) -> anyhow::Result<()> {
    let why = match declared {
        Some(LiveVisibility::Blind { why }) => why,
        Some(LiveVisibility::ByTiming { why }) => {
            return Err(DeclaredVerdictShown(format!(
                "{} under the fault (live sees this fault only as the gateway's timing allows, \
                 so either verdict is shown, not asserted: {why}); the trial {ended}",
                if red { "red" } else { "not red" }
            ))
            .into());
        }
        _ => return Ok(()),
    };
    anyhow::ensure!(
        !red,
        "{trial}: this fault test declares live_visible = false ({why}), but in rehearsal live \
         judgement turned the trial red: {ended}. Live mode sees this fault: declare it \
         `live_visible = true`, then renew docs/modes.md (COMPAT_UPDATE_README=1 cargo test -p \
         compat-harness --test fault_visibility)"
    );
    Err(DeclaredVerdictShown(format!(
        "not red under the fault, as declared (a live blind spot: {why}); the trial {ended}"
    ))
    .into())
}

/// A fault's scope: this trial's requests only (its provider, its model,
/// its nonce), so that trials running beside it are untouched.
pub fn trial_scope(ctx: &Ctx) -> compat_sim::FaultScope {
    compat_sim::FaultScope {
        provider: Some(column::api(ctx.provider())),
        model: Some(ctx.model_id().to_owned()),
        body_contains: Some(ctx.nonce().to_owned()),
    }
}

/// For fault tests of a loss another row owns: with every one of `faults`
/// on for this trial, `check` (concluded as the harness concludes a trial)
/// must still pass, since a row judges its feature by its own data and the
/// owning row goes red instead (docs/row-ownership.md). `loss` says what the
/// faults do, for the error.
pub fn green_cell_under_faults(
    ctx: &Ctx,
    faults: &[compat_sim::Fault],
    loss: &str,
    check: fn(&Ctx) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let sim = fault_switch(ctx)?;
    let _faults: Vec<_> = faults
        .iter()
        .map(|f| sim.inject(trial_scope(ctx), f.clone()))
        .collect();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(ctx)));
    let c = conclude::conclude(ctx, result);
    check_blind(ctx, &c)?;
    if DECLARED.get() == Some(LiveVisibility::Visible) {
        // Live judgement has no record of what the provider received, so it
        // cannot tell that another row's data was lost: this row goes red.
        anyhow::ensure!(
            is_red(&c),
            "with {loss}, {} is declared live_visible = true (live judgement turns it red, unable              to tell whose data was lost), but in rehearsal the trial {}",
            ctx.feature(),
            describe(&c)
        );
        return Err(DeclaredVerdictShown(format!(
            "red under {loss}, as declared (sim mode leaves it to the owning row): {}",
            describe(&c)
        ))
        .into());
    }
    anyhow::ensure!(
        c.outcome.is_pass(),
        "with {loss}, {} did not pass ({:?}): {:?}",
        ctx.feature(),
        c.class,
        c.outcome
    );
    Ok(())
}

/// For fault tests: switches `fault` on for this trial's requests only (its
/// provider, its model, its nonce), runs `check`, and returns the matrix
/// cell (schema v2) the trial makes when every other model passed.
pub fn cell_under_fault(
    ctx: &Ctx,
    fault: compat_sim::Fault,
    check: fn(&Ctx) -> anyhow::Result<()>,
) -> anyhow::Result<compat_matrix::matrix::v2::CellV2> {
    let sim = fault_switch(ctx)?;
    let _fault = sim.inject(trial_scope(ctx), fault);
    cell_of(ctx, check)
}

/// For fault tests: runs one trial of `check` with `fault` on, concluded as
/// the harness concludes a trial, and returns its failure's class and error
/// (an error if it passed).
pub fn trial_under_fault(
    ctx: &Ctx,
    fault: compat_sim::Fault,
    check: fn(&Ctx) -> anyhow::Result<()>,
) -> anyhow::Result<(compat_matrix::status::FailureClass, String)> {
    let sim = fault_switch(ctx)?;
    ensure_passes_in_baseline(ctx)?;
    let _fault = sim.inject(trial_scope(ctx), fault);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(ctx)));
    let c = conclude::conclude(ctx, result);
    check_blind(ctx, &c)?;
    match c.outcome {
        compat_matrix::status::Outcome::Fail { error } => Ok((
            c.class
                .unwrap_or(compat_matrix::status::FailureClass::Incompatible),
            error,
        )),
        other => {
            anyhow::bail!("the check did not fail although the simulator fault was on: {other:?}")
        }
    }
}

/// For fault tests: the cell must be red (`fail`, or `partial` since the
/// other models pass), its error naming this trial's model; returns the error.
pub fn red_cell_under_fault(
    ctx: &Ctx,
    fault: compat_sim::Fault,
    check: fn(&Ctx) -> anyhow::Result<()>,
) -> anyhow::Result<String> {
    expect_red(ctx, cell_under_fault(ctx, fault, check)?)
}

/// For fault tests of provider trouble: the cell must be `unverified` (no
/// verdict, not red), its error naming this trial's model; returns the error.
pub fn unverified_cell_under_fault(
    ctx: &Ctx,
    fault: compat_sim::Fault,
    check: fn(&Ctx) -> anyhow::Result<()>,
) -> anyhow::Result<String> {
    use compat_matrix::matrix::v2::CellStatusV2;
    let cell = cell_under_fault(ctx, fault, check)?;
    match &cell.status {
        CellStatusV2::Unverified { error, .. } => {
            anyhow::ensure!(
                error.starts_with(&format!("{}: ", ctx.model_id())),
                "the cell's error does not name the model {}: {error}",
                ctx.model_id()
            );
            Ok(error.clone())
        }
        other => anyhow::bail!("expected an unverified cell (no verdict), got {other:?}"),
    }
}

/// For fault tests: the error names the LiteLLM route the trial took
/// (`bedrock_mantle/anthropic.claude-…`), so a reader of the cell knows which
/// gateway path broke, not only which column.
pub fn ensure_names_route(ctx: &Ctx, error: &str) -> anyhow::Result<()> {
    let route = compat_core::gateway::routing::litellm_model(ctx.provider(), ctx.model_id());
    anyhow::ensure!(
        error.contains(&route),
        "the cell's error does not name the route {route}: {error}"
    );
    Ok(())
}

/// For fault tests of the gateway's own answers, injected where they leave
/// it: runs `check` with this trial's own relays ([`Ctx::own_relay`]) in
/// `mode` and returns the red cell's error (see [`red_cell_under_fault`]).
pub fn red_cell_under_relay_fault(
    ctx: &Ctx,
    mode: crate::relay::TapMode,
    check: fn(&Ctx) -> anyhow::Result<()>,
) -> anyhow::Result<String> {
    struct Off<'a>(&'a Ctx);
    impl Drop for Off<'_> {
        fn drop(&mut self) {
            self.0.set_relay_fault(None);
        }
    }
    ctx.set_relay_fault(Some(mode));
    let _off = Off(ctx);
    expect_red_cell(ctx, check)
}

/// For fault tests: runs `check` (which must fail while a fault is on) and
/// returns the red cell's error (see [`red_cell_under_fault`]).
pub fn expect_red_cell(ctx: &Ctx, check: fn(&Ctx) -> anyhow::Result<()>) -> anyhow::Result<String> {
    expect_red(ctx, cell_of(ctx, check)?)
}

fn expect_red(ctx: &Ctx, cell: compat_matrix::matrix::v2::CellV2) -> anyhow::Result<String> {
    use compat_matrix::matrix::v2::CellStatusV2;
    match &cell.status {
        CellStatusV2::Fail { error } | CellStatusV2::Partial { error, .. } => {
            anyhow::ensure!(
                error.starts_with(&format!("{}: ", ctx.model_id())),
                "the cell's error does not name the model {}: {error}",
                ctx.model_id()
            );
            Ok(error.clone())
        }
        other => anyhow::bail!("expected a red cell, got {other:?}"),
    }
}

/// The fault tests' guard: a fault test shows that its fault turns a cell
/// red (or unverified) only if that cell passes for this model without the
/// fault. A cell already red there (the Azure AI pass-through column, a
/// model that fails in a partial cell) would be red with or without the
/// fault, so the test could not fail. Checked statically against the sim
/// baseline's per-model status rather than by a fault-free run first, which
/// would double the fault tests' cost; a model with no per-model status (a v1
/// baseline) is judged by its cell's status.
fn ensure_passes_in_baseline(ctx: &Ctx) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let baseline = sink::sim_baseline().map_err(anyhow::Error::msg).context(
        "fault tests check that their cell passes without the fault in the sim baseline",
    )?;
    let (feature, provider, model) = (ctx.feature(), ctx.provider().id(), ctx.model_id());
    let status = baseline_status(&baseline.matrix, feature, provider, model);
    anyhow::ensure!(
        status == "pass",
        "{feature}::{provider} on {model} is `{status}` in {SIM_BASELINE}, not `pass`: the cell is \
         not green without the fault, so this fault test cannot show that its fault is what \
         turned it red. Run it on a column where the cell passes for this model (or make the \
         cell pass first and renew the baseline)"
    );
    Ok(())
}

/// A model's status in a baseline matrix (`pass`, `fail`, ...; `absent`
/// when the baseline has no such cell): its per-model status in v2, its
/// cell's status where the baseline has none per model (v1).
fn baseline_status(
    baseline: &compat_matrix::matrix::v2::AnyMatrix,
    feature: &str,
    provider: &str,
    model: &str,
) -> String {
    use compat_matrix::matrix::v2::AnyMatrix;
    let status = match baseline {
        AnyMatrix::V2(m) => m.cell(feature, provider).map(|c| {
            c.models.get(model).map_or_else(
                || c.status.name().to_owned(),
                |r| {
                    serde_json::to_value(r.status)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                },
            )
        }),
        AnyMatrix::V1(_) => baseline.status_name(feature, provider).map(str::to_owned),
    };
    status.unwrap_or_else(|| "absent".to_owned())
}

/// Runs `check`, concludes the trial as the harness does (classification
/// included), and builds the cell with every other model passing.
fn cell_of(
    ctx: &Ctx,
    check: fn(&Ctx) -> anyhow::Result<()>,
) -> anyhow::Result<compat_matrix::matrix::v2::CellV2> {
    use compat_matrix::matrix::{BuildOptions, ResultsInput, v2};
    use compat_matrix::results::{RunResults, TrialResult};

    ensure_passes_in_baseline(ctx)?;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(ctx)));
    let conclusion = conclude::conclude(ctx, result);
    check_blind(ctx, &conclusion)?;
    anyhow::ensure!(
        !conclusion.outcome.is_pass(),
        "the check passed although the simulator fault was on"
    );
    let manifest = compat_matrix::manifest::Manifest::load_default()?;
    let mut results = RunResults::new(Mode::Sim);
    results.run.finished_at = Some(results.run.started_at);
    // The column's own models: a cell aggregates its column's set only.
    for m in manifest.models_of(ctx.provider().id()) {
        let (outcome, class) = if m.id == ctx.model_id() {
            (conclusion.outcome.clone(), conclusion.class)
        } else {
            (Outcome::Pass, None)
        };
        results.record(TrialResult {
            feature: ctx.feature().to_owned(),
            provider: ctx.provider().id().to_owned(),
            model: m.id.clone(),
            outcome,
            duration_ms: 0,
            attempts: 1,
            class,
            first_error: None,
            signature: None,
            evidence: None,
            details: serde_json::Value::Null,
        });
    }
    let options = BuildOptions {
        litellm_version: Some("sim".into()),
        claude_code_version: Some("sim".into()),
        ..Default::default()
    };
    let path = std::path::Path::new("fault-test");
    let matrix = v2::build(
        &manifest,
        &[ResultsInput {
            path,
            results: &results,
        }],
        &options,
    )?;
    matrix
        .cell(ctx.feature(), ctx.provider().id())
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no cell {}::{}", ctx.feature(), ctx.provider().id()))
}

/// For fault tests of the regression gate: runs one trial of `check` with
/// `fault` on, concludes it as the harness does, and returns the harness's
/// gate decision on it against the default sim baseline
/// (`golden/sim-baseline.json`), as a sim run that names no baseline makes it.
pub fn gate_under_fault(
    ctx: &Ctx,
    fault: compat_sim::Fault,
    check: fn(&Ctx) -> anyhow::Result<()>,
) -> anyhow::Result<GateDecision> {
    let sim = fault_switch(ctx)?;
    let _fault = sim.inject(trial_scope(ctx), fault);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(ctx)));
    let c = conclude::conclude(ctx, result);
    check_blind(ctx, &c)?;
    let verdict = match c.outcome {
        compat_matrix::status::Outcome::Fail { error } => {
            let class = c
                .class
                .unwrap_or(compat_matrix::status::FailureClass::Incompatible);
            Err(conclude::TrialFailure {
                class,
                signature: compat_matrix::signature::signature(class, &error),
                message: format!("{}: {error}", ctx.model_id()),
            })
        }
        _ => Ok(c.first_error),
    };
    let baseline = sink::sim_baseline().map_err(anyhow::Error::msg)?;
    Ok(conclude::decision(conclude::gate_trial(
        verdict,
        Some(&baseline),
        compat_matrix::results::Mode::Sim,
        ctx.feature(),
        ctx.provider().id(),
        ctx.model_id(),
    )))
}

/// Runs `check` and concludes the trial as the harness does (the routing
/// guard and classification included), without a fault: for tests of the
/// harness's own rules. Returns the outcome and, for a failure, its class.
pub fn conclude_trial(
    ctx: &Ctx,
    check: fn(&Ctx) -> anyhow::Result<()>,
) -> (
    compat_matrix::status::Outcome,
    Option<compat_matrix::status::FailureClass>,
) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(ctx)));
    let c = conclude::conclude(ctx, result);
    (c.outcome, c.class)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In rehearsal a blind declaration ends the test as shown when the
    /// trial is not red, and fails it, naming the declaration and what to
    /// do, when live judgement turned it red; sim mode (no declaration in
    /// force) and visible faults are left to the caller's own assertion.
    #[test]
    fn a_blind_declaration_is_checked_against_the_trials_colour() {
        let blind = Some(LiveVisibility::Blind {
            why: "inferred: only the record shows it",
        });
        let shown =
            blind_verdict(blind, "effort::vertex_ai::sonnet-4.6", false, "passed").unwrap_err();
        assert!(
            shown.downcast_ref::<DeclaredVerdictShown>().is_some(),
            "{shown}"
        );
        assert!(
            shown
                .to_string()
                .contains("inferred: only the record shows it")
        );
        let wrong = blind_verdict(
            blind,
            "effort::vertex_ai::sonnet-4.6",
            true,
            "failed [incompatible]: x",
        )
        .unwrap_err();
        assert!(wrong.downcast_ref::<DeclaredVerdictShown>().is_none());
        let text = wrong.to_string();
        assert!(
            text.starts_with("effort::vertex_ai::sonnet-4.6: ")
                && text.contains("declare it `live_visible = true`")
                && text.contains("failed [incompatible]: x"),
            "{text}"
        );
        assert!(blind_verdict(None, "t", true, "failed").is_ok());
        assert!(blind_verdict(Some(LiveVisibility::Visible), "t", false, "passed").is_ok());
        // A timing-dependent one shows either verdict and never fails.
        for red in [true, false] {
            let shown = blind_verdict(
                Some(LiveVisibility::ByTiming {
                    why: "observed: 20 ms",
                }),
                "t",
                red,
                "x",
            )
            .unwrap_err();
            assert!(shown.downcast_ref::<DeclaredVerdictShown>().is_some());
        }
    }

    /// The fault-test guard reads the sim baseline per model: the Azure AI
    /// pass-through's vision cell is red on every model (the pass-through
    /// drops `anthropic-version`), so a fault test there could not fail;
    /// Vertex's passes.
    #[test]
    fn the_guard_reads_each_models_status_in_the_sim_baseline() {
        let path = compat_matrix::paths::workspace_root().join(SIM_BASELINE);
        let baseline = compat_matrix::matrix::v2::AnyMatrix::load(&path).unwrap();
        for model in ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7"] {
            assert_eq!(
                baseline_status(&baseline, "vision", "azure_passthrough", model),
                "fail"
            );
            assert_eq!(
                baseline_status(&baseline, "vision", "vertex_ai", model),
                "pass"
            );
        }
        assert_eq!(
            baseline_status(&baseline, "vision", "no_such_column", "claude-opus-4-7"),
            "absent"
        );
    }
}
