//! Case registration: what a case file (`compat-tests/<feature>/<provider>.rs`)
//! and a feature's fault tests submit ([`Case`], [`FaultTest`], through
//! `inventory`), and where a case's feature and provider are read from its
//! `module_path!()`.

use compat_core::provider::Provider;

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

/// A sim-only test that switches a simulator fault on and checks that the
/// feature's cell turns red with a useful error. Registered from a feature's
/// helper module; runs as `<feature>::sim_fault::<name>::<model>`, on every
/// model for which the feature's case on that provider runs.
pub struct FaultTest {
    pub module: &'static str,
    pub name: &'static str,
    /// The column it runs on (the macro names the variant, so an unknown
    /// one does not compile).
    pub provider: Provider,
    pub run: fn(&Ctx) -> anyhow::Result<()>,
}

inventory::collect!(FaultTest);

/// Registers the case of this file:
/// `compat_case!(run = super::check::run);`,
/// `compat_case!(run = super::check::run, not_applicable_for = super::check::NOT_FOR);`
/// (a `&[(model id, reason)]`: those models' trials are not_applicable) or
/// `compat_case!(not_applicable = "why, in your words");`
#[macro_export]
macro_rules! compat_case {
    (run = $f:expr, not_applicable_for = $except:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::Case { module: module_path!(), file: file!(), kind: $crate::CaseKind::RunExcept($f, $except) }
        }
    };
    (run = $f:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::Case { module: module_path!(), file: file!(), kind: $crate::CaseKind::Run($f) }
        }
    };
    (not_applicable = $reason:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::Case { module: module_path!(), file: file!(), kind: $crate::CaseKind::NotApplicable($reason) }
        }
    };
}

/// Registers a sim-only fault test from a feature's helper module:
/// `sim_fault_test!(name = "drops_thinking", provider = Anthropic, run = drops_thinking);`
/// (`provider` is a [`Provider`] variant).
#[macro_export]
macro_rules! sim_fault_test {
    (name = $name:expr, provider = $provider:ident, run = $f:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::FaultTest {
                module: module_path!(),
                name: $name,
                provider: $crate::compat_core::provider::Provider::$provider,
                run: $f,
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
