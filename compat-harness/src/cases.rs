//! Case registration: what a case file (`compat-tests/<feature>/<provider>.rs`,
//! [`Case`]), a feature's check.rs ([`FeatureCheck`]: the check and the
//! facts about the feature's models, once) and a feature's fault tests
//! ([`FaultTest`]) submit through `inventory`, and where a case's feature
//! and provider are read from its `module_path!()`.

use compat_matrix::provider::Provider;

use crate::ctx::Ctx;

/// What a case does for each model.
#[derive(Clone, Copy)]
pub enum CaseKind {
    /// Run this check; `Ok` is pass, `Err` is fail with the error chain.
    Run(fn(&Ctx) -> anyhow::Result<()>),
    /// The feature cannot apply to this provider; the reason is shown on the
    /// matrix in the author's words.
    NotApplicable(&'static str),
    /// Run this check, except for the listed models (model id, reason): the
    /// feature cannot apply to those (e.g. a model with no 1M-context
    /// variant), and their trials are not_applicable with the reason. A cell
    /// whose other models pass is `pass`; one whose models are all
    /// not_applicable is `not_applicable`.
    RunExcept(
        fn(&Ctx) -> anyhow::Result<()>,
        &'static [(&'static str, &'static str)],
    ),
    /// Run the check of the case's folder, with the facts about its models
    /// (`feature!` in `<feature>/check.rs`): resolved by [`Case::resolve`].
    Feature,
}

impl CaseKind {
    /// What the case does for this model: run, or not_applicable with a reason.
    pub fn for_model(self, model_id: &str) -> CaseKind {
        match self {
            CaseKind::RunExcept(run, except) => match except.iter().find(|(m, _)| *m == model_id) {
                Some((_, reason)) => CaseKind::NotApplicable(reason),
                None => CaseKind::Run(run),
            },
            other => other,
        }
    }
}

/// A registered case (one per `<feature>/<provider>.rs`).
pub struct Case {
    /// `module_path!()` of the registering file: `compat::<feature>::<provider>`.
    pub module: &'static str,
    pub file: &'static str,
    pub kind: CaseKind,
}

inventory::collect!(Case);

impl Case {
    /// What this case runs: a `case!()` runs its folder's check (`feature!`
    /// in `compat-tests/<feature>/check.rs`), except for the models that
    /// check names; any other kind is the case's own. An error names the file.
    pub(crate) fn resolve(&self, feature: &str, provider: Provider) -> Result<CaseKind, String> {
        if !matches!(self.kind, CaseKind::Feature) {
            return Ok(self.kind);
        }
        let checks: Vec<&FeatureCheck> = inventory::iter::<FeatureCheck>
            .into_iter()
            .filter(|c| feature_and_provider(c.module).map(|(f, _)| f) == Some(feature))
            .collect();
        match checks[..] {
            [c] if let Err(reason) = (c.applies)(provider) => {
                // Decided once per case, when the trial list is built: the
                // reason lives as long as the run.
                Ok(CaseKind::NotApplicable(Box::leak(reason.into_boxed_str())))
            }
            [c] if c.except.is_empty() => Ok(CaseKind::Run(c.run)),
            [c] => Ok(CaseKind::RunExcept(c.run, c.except)),
            [] => Err(format!(
                "{}: `case!()` runs its folder's check, but compat-tests/{feature}/check.rs \
                 registers none (`compat_harness::feature!(run = run)`)",
                self.file
            )),
            _ => Err(format!(
                "{}: compat-tests/{feature}/ registers more than one `feature!`",
                self.file
            )),
        }
    }
}

/// A feature's check and the facts about its models, stated once beside the
/// check (`<feature>/check.rs`) with [`feature!`] and run by every `case!()`
/// of the folder.
pub struct FeatureCheck {
    /// `module_path!()` of the registering file: `compat::<feature>::check`.
    pub module: &'static str,
    pub run: fn(&Ctx) -> anyhow::Result<()>,
    /// The models the feature cannot apply to (model id, reason): their
    /// trials are not_applicable with the reason, on every column that runs
    /// the model (its model set holds it); a key that names no model of
    /// manifest.yaml is refused when the trial list is built.
    pub except: &'static [(&'static str, &'static str)],
    /// Whether the feature applies to a column, decided from the column's
    /// facts (so that a column added later falls in without a case of its
    /// own saying so): `Err(reason)` makes every trial of the column's
    /// `case!()` not_applicable with the reason.
    pub applies: fn(Provider) -> Result<(), String>,
}

inventory::collect!(FeatureCheck);

/// [`FeatureCheck::applies`] of a feature that applies everywhere.
pub fn applies_everywhere(_: Provider) -> Result<(), String> {
    Ok(())
}

/// A test that switches a simulator fault on and checks what the feature's
/// cell makes of it. Registered from a feature's check.rs with
/// [`sim_fault_test!`]; runs as `<feature>::sim_fault::<name>::<model>`, on
/// every model for which the feature's case on that provider runs, in sim
/// and rehearsal mode (live mode has no simulator to switch a fault on in:
/// ignored there).
pub struct FaultTest {
    pub module: &'static str,
    pub name: &'static str,
    /// The column it runs on (the macro names the variant, so an unknown
    /// one does not compile).
    pub provider: Provider,
    /// The test, wrapped by the macro so that in rehearsal it asserts what
    /// [`FaultTest::live`] declares (`crate::fault_tests::run_declared`).
    pub run: fn(&Ctx) -> anyhow::Result<()>,
    /// Whether live mode's judgement can see this fault.
    pub live: LiveVisibility,
}

/// Whether live mode's judgement (no simulator record: only the CLI's
/// output, the tap in front of the gateway, and the gateway's log) sees a
/// fault test's fault, declared on each [`sim_fault_test!`]. Rehearsal
/// mode, which judges as live mode does with the simulators behind the
/// providers' real host names, checks each declaration: a visible fault
/// must reach the verdict it reaches in sim (red stays red, provider trouble
/// stays unverified; a loss another row owns, which sim leaves green, turns
/// red, live mode being unable to tell whose data was lost); a blind one
/// must leave the cell not red (a live blind spot, listed in docs/modes.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveVisibility {
    Visible,
    /// Live judgement cannot see the fault; `why` says what it would have
    /// to read (the simulator's record, mostly) and whether that is
    /// inferred from the check's code or observed in a rehearsal.
    Blind {
        why: &'static str,
    },
    /// Live judgement sees the fault only when the gateway's own timing
    /// lets it (the 20 ms stream rule reads how the translation spaced the
    /// deltas, which depends on the machine): either verdict is shown in
    /// rehearsal, never asserted, so the test cannot flake on a faster or
    /// slower machine. Listed as a blind spot.
    ByTiming {
        why: &'static str,
    },
}

inventory::collect!(FaultTest);

/// Registers the case of this file (`compat-tests/<feature>/<provider>.rs`):
/// `case!();` runs the folder's check (see [`feature!`]),
/// `case!(not_applicable = "why, in your words");` makes the cell
/// not_applicable with that reason, and `case!(run = super::check::other);`
/// runs a check of its own.
#[macro_export]
macro_rules! case {
    () => {
        $crate::inventory::submit! {
            $crate::Case { module: module_path!(), file: file!(), kind: $crate::CaseKind::Feature }
        }
    };
    (not_applicable = $reason:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::Case { module: module_path!(), file: file!(), kind: $crate::CaseKind::NotApplicable($reason) }
        }
    };
    (run = $f:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::Case { module: module_path!(), file: file!(), kind: $crate::CaseKind::Run($f) }
        }
    };
}

/// Registers a feature's check, in its `check.rs`: `feature!(run = run);`
/// or `feature!(run = run, not_applicable_for = NO_EFFORT);` (a
/// `&[(model id, reason)]`, ids of manifest.yaml `models`: those models'
/// trials are not_applicable with the reason, on every column whose case runs
/// the check and whose model set holds the model), or
/// `feature!(run = run, applies = applies);` (a `fn(Provider) ->
/// Result<(), String>` deciding from the column's facts; `Err(reason)`:
/// the column's trials are not_applicable with the reason).
#[macro_export]
macro_rules! feature {
    (run = $f:expr, not_applicable_for = $except:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::FeatureCheck { module: module_path!(), run: $f, except: $except, applies: $crate::applies_everywhere }
        }
    };
    (run = $f:expr, applies = $applies:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::FeatureCheck { module: module_path!(), run: $f, except: &[], applies: $applies }
        }
    };
    (run = $f:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::FeatureCheck { module: module_path!(), run: $f, except: &[], applies: $crate::applies_everywhere }
        }
    };
}

/// Registers a fault test from a feature's check.rs, with whether live
/// mode's judgement can see its fault (a required field; see
/// [`LiveVisibility`]):
/// `sim_fault_test!(name = "drops_thinking", provider = Anthropic, run = drops_thinking, live_visible = true);`
/// or, for a fault only the simulator's record shows,
/// `sim_fault_test!(name = "…", provider = Anthropic, run = f, live_visible = false, why = "…");`
/// or, for one live sees only as the machine's timing allows,
/// `sim_fault_test!(name = "…", provider = Anthropic, run = f, live_visible = by_timing, why = "…");`
/// (`provider` is a [`Provider`] variant). Any other spelling does not
/// compile.
#[macro_export]
macro_rules! sim_fault_test {
    (name = $name:expr, provider = $provider:ident, run = $f:expr, live_visible = true $(,)?) => {
        $crate::sim_fault_test!(@submit $name, $provider, $f, $crate::LiveVisibility::Visible);
    };
    (name = $name:expr, provider = $provider:ident, run = $f:expr, live_visible = false, why = $why:literal $(,)?) => {
        $crate::sim_fault_test!(@submit $name, $provider, $f, $crate::LiveVisibility::Blind { why: $why });
    };
    (name = $name:expr, provider = $provider:ident, run = $f:expr, live_visible = by_timing, why = $why:literal $(,)?) => {
        $crate::sim_fault_test!(@submit $name, $provider, $f, $crate::LiveVisibility::ByTiming { why: $why });
    };
    (@submit $name:expr, $provider:ident, $f:expr, $live:expr) => {
        $crate::inventory::submit! {
            $crate::FaultTest {
                module: module_path!(),
                name: $name,
                provider: $crate::compat_matrix::provider::Provider::$provider,
                run: |ctx: &$crate::Ctx| $crate::run_declared(ctx, $live, $f),
                live: $live,
            }
        }
    };
}

/// `(feature, provider)` from a case's module path `<crate>::<feature>::<provider>`.
pub(crate) fn feature_and_provider(module: &str) -> Option<(&str, &str)> {
    let mut parts = module.rsplit("::");
    let provider = parts.next()?;
    let feature = parts.next()?;
    parts.next()?; // the crate
    Some((feature, provider))
}
