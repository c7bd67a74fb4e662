//! The regression gate (user story 12), per model and per failure signature:
//! each trial (feature × provider × model) is judged against what the
//! baseline matrix says about that same model in that same cell, whatever
//! the cell's colour.
//!
//! - A model that passed in the baseline and fails now is a REGRESSION,
//!   in a partial or red cell too (both modes).
//! - A model that failed in the baseline and fails now with another
//!   signature (`crate::signature`) is FAILING DIFFERENTLY: it fails the
//!   gate in sim mode (the simulators do not change, so the gateway did),
//!   and is reported in live mode (a provider can change its words).
//! - A model, cell or row the baseline does not have (or holds no verdict
//!   for) fails the gate in sim mode until the renewed
//!   `golden/sim-baseline.json` declares it, pass or fail; live mode
//!   reports it.
//! - In sim mode a model that passed only on a retry (`flaky`) fails the
//!   gate: a simulator never fails unless a fault says so, so the failed
//!   attempt was the gateway's. Live mode counts flaky as pass.
//!
//! No-verdict failures (`upstream_unavailable`, `harness`, `sim_environment`)
//! are the caller's (compat-harness's gate_trial); [`compare`] skips them.
//! A baseline that stores no signature for a failing model (built before
//! signatures) gets it from the model's stored error: the signature reads
//! only what a matrix keeps of an error (see `crate::signature`), so it is
//! the one the full error gave. A schema v1 baseline keeps no per-model
//! errors: its failing cells are compared without signatures (known).
//!
//! [`compare`] is the one comparison of two matrices: the run-end summary,
//! `cargo xtask render --diff` and the publisher's flip lines all read it.

use crate::matrix::v2::{AnyMatrix, CellStatusV2, CellV2, ModelStatus};
use crate::results::Mode;
use crate::signature::signature;
use crate::status::{CellStatus, FailureClass};

/// What the baseline does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Row,
    Cell,
    Model,
}

impl Missing {
    pub fn name(self) -> &'static str {
        match self {
            Missing::Row => "row",
            Missing::Cell => "cell",
            Missing::Model => "model",
        }
    }
}

/// What the baseline holds for one model of one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Before {
    Passed,
    /// Failed (incompatible); its signature if the baseline has one or it
    /// can be derived from the stored error.
    Failed {
        signature: Option<String>,
    },
    /// The cell is there but holds no verdict for the model (unverified
    /// with no previous verdict, not tested, not applicable).
    NoVerdict {
        status: &'static str,
    },
    Absent(Missing),
}

impl Before {
    /// A short name for tables: `pass`, `fail`, `not_applicable`, `absent`.
    pub fn name(&self) -> &'static str {
        match self {
            Before::Passed => "pass",
            Before::Failed { .. } => "fail",
            Before::NoVerdict { status } => status,
            Before::Absent(_) => "absent",
        }
    }
}

/// The model wildcard: a schema v1 matrix has no per-model results, so its
/// cells are compared as one model that stands for all.
pub const ALL_MODELS: &str = "*";

/// What `baseline` says about `model` in the cell `feature` × `provider`.
pub fn before(baseline: &AnyMatrix, feature: &str, provider: &str, model: &str) -> Before {
    match baseline {
        AnyMatrix::V1(m) => {
            let Some(f) = m.features.iter().find(|f| f.id == feature) else {
                return Before::Absent(Missing::Row);
            };
            match f.providers.get(provider) {
                None => Before::Absent(Missing::Cell),
                Some(CellStatus::Pass) => Before::Passed,
                Some(CellStatus::Fail { .. }) => Before::Failed { signature: None },
                Some(other) => Before::NoVerdict {
                    status: other.name(),
                },
            }
        }
        AnyMatrix::V2(m) => {
            let Some(f) = m.features.iter().find(|f| f.id == feature) else {
                return Before::Absent(Missing::Row);
            };
            let Some(cell) = f.providers.get(provider) else {
                return Before::Absent(Missing::Cell);
            };
            match cell.models.get(model) {
                Some(r) => match r.status {
                    ModelStatus::Pass | ModelStatus::Flaky => Before::Passed,
                    ModelStatus::Fail => Before::Failed {
                        signature: r.signature.clone().or_else(|| {
                            r.error
                                .as_deref()
                                .map(|e| signature(FailureClass::Incompatible, e))
                        }),
                    },
                    // The last thing known about it is the cell's previous
                    // verdict; which models failed then is not kept.
                    ModelStatus::Unverified => cell_level(cell, "unverified"),
                    ModelStatus::NotApplicable => Before::NoVerdict {
                        status: "not_applicable",
                    },
                },
                None if cell.models.is_empty() || model == ALL_MODELS => {
                    cell_level(cell, cell.status.name())
                }
                None => Before::Absent(Missing::Model),
            }
        }
    }
}

/// A v2 cell read as one model (no per-model result to read).
fn cell_level(cell: &CellV2, no_verdict: &'static str) -> Before {
    match &cell.status {
        CellStatusV2::Pass | CellStatusV2::Flaky => Before::Passed,
        CellStatusV2::Fail { .. } | CellStatusV2::Partial { .. } => {
            Before::Failed { signature: None }
        }
        CellStatusV2::Unverified { previous, .. } => {
            match previous.as_ref().map(|p| p.status.as_str()) {
                Some("pass" | "flaky") => Before::Passed,
                Some(_) => Before::Failed { signature: None },
                None => Before::NoVerdict { status: no_verdict },
            }
        }
        CellStatusV2::NotApplicable { .. } => Before::NoVerdict {
            status: "not_applicable",
        },
        CellStatusV2::NotTested => Before::NoVerdict {
            status: "not_tested",
        },
    }
}

/// A trial's verdict now (an `incompatible` failure; no-verdict classes are
/// not judged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Now {
    Pass,
    /// Passed on a retry; the first attempt's error.
    Flaky {
        first_error: String,
    },
    Fail {
        signature: String,
    },
}

/// The gate's judgement of one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// Passes, as in the baseline.
    Passed,
    /// Passes; the baseline had it failing.
    NewlyPassing,
    /// Passed in the baseline, fails now.
    Regression,
    /// Fails as in the baseline: the same signature, or the baseline has
    /// none to compare with (`before: None`).
    Known { before: Option<String> },
    /// Failed in the baseline, fails now with another signature.
    FailingDifferently { before: String, now: String },
    /// The baseline has no verdict for it (absent row, cell or model, or
    /// one without a verdict); `failing` says whether it fails now.
    NotInBaseline { what: String, failing: bool },
    /// Sim mode: passed only on a retry.
    FlakyInSim { first_error: String },
}

impl Judgement {
    /// Whether this judgement fails the gate in `mode`.
    pub fn fails_gate(&self, mode: Mode) -> bool {
        match self {
            Judgement::Regression => true,
            Judgement::FailingDifferently { .. }
            | Judgement::NotInBaseline { .. }
            | Judgement::FlakyInSim { .. } => mode == Mode::Sim,
            Judgement::Passed | Judgement::NewlyPassing | Judgement::Known { .. } => false,
        }
    }

    /// The label tables and summaries use.
    pub fn label(&self) -> &'static str {
        match self {
            Judgement::Passed => "passing",
            Judgement::NewlyPassing => "newly passing",
            Judgement::Regression => "regression",
            Judgement::Known { .. } => "still failing",
            Judgement::FailingDifferently { .. } => "failing differently",
            Judgement::NotInBaseline { failing: true, .. } => "failing, not in the baseline",
            Judgement::NotInBaseline { failing: false, .. } => "passing, not in the baseline",
            Judgement::FlakyInSim { .. } => "flaky in sim",
        }
    }
}

/// How to declare what the baseline lacks (the message of a sim gate that
/// fails for it).
pub const DECLARE: &str = "declare it: renew golden/sim-baseline.json with `cargo xtask matrix` \
     (copy target/compat/compatibility-matrix.json over it) and review `cargo xtask render \
     target/compat/compatibility-matrix.json --diff golden/sim-baseline.json`";

/// Judges one model's verdict now against what the baseline held.
pub fn judge(before: &Before, now: &Now, mode: Mode) -> Judgement {
    if let (Now::Flaky { first_error }, Mode::Sim) = (now, mode) {
        return Judgement::FlakyInSim {
            first_error: first_error.clone(),
        };
    }
    let failing = matches!(now, Now::Fail { .. });
    match (before, now) {
        (Before::Absent(m), _) => Judgement::NotInBaseline {
            what: format!("the baseline has no such {}", m.name()),
            failing,
        },
        (Before::NoVerdict { status }, _) => Judgement::NotInBaseline {
            what: format!("the baseline holds no verdict for this model ({status})"),
            failing,
        },
        (Before::Passed, Now::Fail { .. }) => Judgement::Regression,
        (Before::Passed, _) => Judgement::Passed,
        (Before::Failed { .. }, Now::Pass | Now::Flaky { .. }) => Judgement::NewlyPassing,
        (Before::Failed { signature: None }, Now::Fail { .. }) => Judgement::Known { before: None },
        (Before::Failed { signature: Some(b) }, Now::Fail { signature: n }) if b == n => {
            Judgement::Known {
                before: Some(b.clone()),
            }
        }
        (Before::Failed { signature: Some(b) }, Now::Fail { signature: n }) => {
            Judgement::FailingDifferently {
                before: b.clone(),
                now: n.clone(),
            }
        }
    }
}

/// One model of one cell, judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub feature: String,
    pub provider: String,
    /// A model id, or [`ALL_MODELS`] for a schema v1 matrix.
    pub model: String,
    pub before: Before,
    pub judgement: Judgement,
    /// The current error (a failure) or first error (flaky), if any.
    pub error: Option<String>,
}

impl Entry {
    pub fn trial(&self) -> String {
        format!("{}::{}::{}", self.feature, self.provider, self.model)
    }
}

/// Every judged model of a comparison, in the current matrix's order.
#[derive(Debug, PartialEq, Eq)]
pub struct GateReport {
    pub mode: Mode,
    pub entries: Vec<Entry>,
}

impl GateReport {
    pub fn passed(&self) -> bool {
        !self
            .entries
            .iter()
            .any(|e| e.judgement.fails_gate(self.mode))
    }

    /// The entries that fail the gate.
    pub fn failing(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| e.judgement.fails_gate(self.mode))
    }

    /// The entries worth a line: everything but a pass as before.
    pub fn changes(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| e.judgement != Judgement::Passed)
    }

    /// The run-end summary: per model, what fails the gate and why, then
    /// what is reported.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let failing: Vec<&Entry> = self.failing().collect();
        if failing.is_empty() {
            out.push_str(&format!(
                "regression gate ({}): passed (no model regressed, per model and per failure signature)\n",
                self.mode
            ));
        } else {
            out.push_str(&format!(
                "regression gate ({}): FAILED, {} model(s):\n",
                self.mode,
                failing.len()
            ));
        }
        let order = [
            "regression",
            "failing differently",
            "failing, not in the baseline",
            "passing, not in the baseline",
            "flaky in sim",
            "newly passing",
            "still failing",
        ];
        for label in order {
            let group: Vec<&Entry> = self
                .changes()
                .filter(|e| e.judgement.label() == label)
                .collect();
            if group.is_empty() {
                continue;
            }
            out.push_str(&format!("{label}:\n"));
            for e in group {
                out.push_str(&format!("  {}{}\n", e.trial(), detail(&e.judgement)));
            }
            if label.ends_with("not in the baseline") && self.mode == Mode::Sim {
                out.push_str(&format!("  ({DECLARE})\n"));
            }
        }
        out
    }
}

/// What a line adds after the trial's name.
pub fn detail(j: &Judgement) -> String {
    match j {
        Judgement::FailingDifferently { before, now } => {
            format!(": was `{before}`, now `{now}`")
        }
        Judgement::NotInBaseline { what, .. } => format!(" ({what})"),
        Judgement::FlakyInSim { first_error } => format!(
            " (passed on a retry; first attempt: {})",
            first_error.lines().next().unwrap_or_default()
        ),
        Judgement::Regression => " (passed in the baseline)".into(),
        _ => String::new(),
    }
}

/// A model's verdict in a matrix, if it has one.
fn now_of(cell: &CellV2, model: &str) -> Option<(Now, Option<String>)> {
    let r = cell.models.get(model)?;
    match r.status {
        ModelStatus::Pass => Some((Now::Pass, None)),
        ModelStatus::Flaky => {
            let first = r.first_error.clone().unwrap_or_default();
            Some((
                Now::Flaky {
                    first_error: first.clone(),
                },
                Some(first),
            ))
        }
        ModelStatus::Fail => {
            let error = r.error.clone().unwrap_or_default();
            let sig = r
                .signature
                .clone()
                .unwrap_or_else(|| signature(FailureClass::Incompatible, &error));
            Some((Now::Fail { signature: sig }, Some(error)))
        }
        ModelStatus::Unverified | ModelStatus::NotApplicable => None,
    }
}

/// Compares every model with a verdict in `current` with `baseline`.
pub fn compare(baseline: &AnyMatrix, current: &AnyMatrix, mode: Mode) -> GateReport {
    let mut entries = Vec::new();
    let mut push = |feature: &str, provider: &str, model: &str, now: Now, error| {
        let b = before(baseline, feature, provider, model);
        let judgement = judge(&b, &now, mode);
        entries.push(Entry {
            feature: feature.to_owned(),
            provider: provider.to_owned(),
            model: model.to_owned(),
            before: b,
            judgement,
            error,
        });
    };
    match current {
        AnyMatrix::V1(m) => {
            for f in &m.features {
                for (p, status) in &f.providers {
                    let now = match status {
                        CellStatus::Pass => (Now::Pass, None),
                        CellStatus::Fail { error } => (
                            Now::Fail {
                                signature: signature(FailureClass::Incompatible, error),
                            },
                            Some(error.clone()),
                        ),
                        _ => continue,
                    };
                    push(&f.id, p, ALL_MODELS, now.0, now.1);
                }
            }
        }
        AnyMatrix::V2(m) => {
            for f in &m.features {
                for (p, cell) in &f.providers {
                    for model in cell.models.keys() {
                        if let Some((now, error)) = now_of(cell, model) {
                            push(&f.id, p, model, now, error);
                        }
                    }
                }
            }
        }
    }
    GateReport { mode, entries }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::v2::{FeatureV2, MatrixV2, ModelInfo, ModelResult};
    use indexmap::IndexMap;

    const H: &str = "claude-haiku-4-5";
    const S: &str = "claude-sonnet-4-6";
    const O: &str = "claude-opus-4-7";

    fn result(status: ModelStatus, error: Option<&str>) -> ModelResult {
        ModelResult {
            status,
            class: error.map(|_| FailureClass::Incompatible),
            error: error.map(str::to_owned),
            first_error: (status == ModelStatus::Flaky).then(|| "API Error: 500 boom".to_owned()),
            signature: None,
            reason: (status == ModelStatus::NotApplicable).then(|| "no 1M variant".to_owned()),
            recoveries: Vec::new(),
            evidence: None,
            attempts: 1,
            duration_ms: 1,
        }
    }

    /// A v2 matrix: (feature, provider, [(model, status, error)]); the cell
    /// status is derived as the builder does (enough for the gate).
    /// (model, status, error) of one cell.
    type Models<'a> = &'a [(&'a str, ModelStatus, Option<&'a str>)];

    fn matrix(cells: &[(&str, &str, Models<'_>)]) -> AnyMatrix {
        let mut features: Vec<FeatureV2> = Vec::new();
        for (f, p, models) in cells {
            if !features.iter().any(|x| x.id == *f) {
                features.push(FeatureV2 {
                    id: f.to_string(),
                    name: f.to_string(),
                    description: None,
                    links: vec![],
                    providers: IndexMap::new(),
                });
            }
            let results: IndexMap<String, ModelResult> = models
                .iter()
                .map(|(m, s, e)| (m.to_string(), result(*s, *e)))
                .collect();
            let fails: Vec<String> = models
                .iter()
                .filter(|(_, s, _)| *s == ModelStatus::Fail)
                .map(|(m, _, e)| format!("{m}: {}", e.unwrap_or_default()))
                .collect();
            let passing: Vec<String> = models
                .iter()
                .filter(|(_, s, _)| matches!(s, ModelStatus::Pass | ModelStatus::Flaky))
                .map(|(m, _, _)| m.to_string())
                .collect();
            let status = match (fails.is_empty(), passing.is_empty()) {
                (true, false) => CellStatusV2::Pass,
                (false, true) => CellStatusV2::Fail {
                    error: fails.join("\n"),
                },
                (false, false) => CellStatusV2::Partial {
                    error: fails.join("\n"),
                    passing_models: passing,
                },
                (true, true) => CellStatusV2::NotApplicable {
                    reason: "n/a".into(),
                },
            };
            features
                .iter_mut()
                .find(|x| x.id == *f)
                .unwrap()
                .providers
                .insert(
                    p.to_string(),
                    CellV2 {
                        status,
                        models: results,
                        history: None,
                    },
                );
        }
        AnyMatrix::V2(MatrixV2 {
            schema_version: "2".into(),
            generated_at: "2026-11-25T00:00:00Z".into(),
            litellm_version: "v1".into(),
            claude_code_version: "2".into(),
            providers: vec!["anthropic".into(), "bedrock_invoke".into()],
            models: [H, S, O]
                .iter()
                .map(|m| ModelInfo {
                    id: m.to_string(),
                    name: m.to_string(),
                })
                .collect(),
            features,
            ..MatrixV2::default()
        })
    }

    use ModelStatus::{Fail, Flaky, NotApplicable, Pass};
    const OPUS_500: &str = "gateway: the CLI finished (route bedrock/invoke/us.anthropic.claude-opus-4-7)\n\
         the gateway answered the CLI's count_tokens with 500 and no count. Gateway log: 05:28:26";
    const COUNT_BAD: &str = "gateway: the CLI finished (route bedrock/invoke/us.anthropic.claude-haiku-4-5)\n\
         the count the gateway returned (3) is not plausible for the file";

    fn partial_baseline() -> AnyMatrix {
        matrix(&[(
            "count_tokens",
            "bedrock_invoke",
            &[(H, Pass, None), (S, Pass, None), (O, Fail, Some(OPUS_500))],
        )])
    }

    fn fail_now(e: &str) -> Now {
        Now::Fail {
            signature: signature(FailureClass::Incompatible, e),
        }
    }

    #[test]
    fn a_model_that_passed_in_a_partial_cell_regresses() {
        let base = partial_baseline();
        for m in [H, S] {
            let b = before(&base, "count_tokens", "bedrock_invoke", m);
            assert_eq!(b, Before::Passed);
            for mode in [Mode::Sim, Mode::Live] {
                let j = judge(&b, &fail_now(COUNT_BAD), mode);
                assert_eq!(j, Judgement::Regression);
                assert!(j.fails_gate(mode));
            }
        }
        // Whole matrices: the cell stays red, Haiku and Sonnet regress.
        let now = matrix(&[(
            "count_tokens",
            "bedrock_invoke",
            &[
                (H, Fail, Some(COUNT_BAD)),
                (S, Fail, Some(COUNT_BAD)),
                (O, Fail, Some(OPUS_500)),
            ],
        )]);
        let r = compare(&base, &now, Mode::Sim);
        assert!(!r.passed());
        let regressions: Vec<String> = r
            .failing()
            .map(|e| format!("{} {}", e.trial(), e.judgement.label()))
            .collect();
        assert_eq!(
            regressions,
            [
                "count_tokens::bedrock_invoke::claude-haiku-4-5 regression",
                "count_tokens::bedrock_invoke::claude-sonnet-4-6 regression"
            ]
        );
        let s = r.summary();
        assert!(s.contains("FAILED, 2 model(s)"), "{s}");
        assert!(
            s.contains("still failing:\n  count_tokens::bedrock_invoke::claude-opus-4-7"),
            "{s}"
        );
        // Regression fails the gate in live mode too.
        assert!(!compare(&base, &now, Mode::Live).passed());
    }

    #[test]
    fn same_signature_is_known_other_signature_fails_differently() {
        let base = partial_baseline();
        let b = before(&base, "count_tokens", "bedrock_invoke", O);
        // Run-to-run noise (the log's time, the model name) is the same failure.
        let again = OPUS_500.replace("05:28:26", "17:02:11");
        let j = judge(&b, &fail_now(&again), Mode::Sim);
        assert!(matches!(j, Judgement::Known { before: Some(_) }), "{j:?}");
        assert!(!j.fails_gate(Mode::Sim));
        // Another failure: fails the sim gate, reported in live mode.
        let j = judge(&b, &fail_now(COUNT_BAD), Mode::Sim);
        let Judgement::FailingDifferently { before, now } = &j else {
            panic!("{j:?}")
        };
        assert!(before.contains("with 500 and no count"), "{before}");
        assert!(now.contains("not plausible"), "{now}");
        assert!(j.fails_gate(Mode::Sim));
        assert!(!j.fails_gate(Mode::Live));
        let now = matrix(&[(
            "count_tokens",
            "bedrock_invoke",
            &[(H, Pass, None), (S, Pass, None), (O, Fail, Some(COUNT_BAD))],
        )]);
        let s = compare(&base, &now, Mode::Sim).summary();
        assert!(s.contains("failing differently:\n  count_tokens::bedrock_invoke::claude-opus-4-7: was `incompatible: "), "{s}");
        assert!(compare(&base, &now, Mode::Live).passed());
    }

    #[test]
    fn a_new_model_cell_or_row_fails_the_sim_gate_passing_or_not() {
        let base = partial_baseline();
        assert_eq!(
            before(&base, "vision", "bedrock_invoke", H),
            Before::Absent(Missing::Row)
        );
        assert_eq!(
            before(&base, "count_tokens", "anthropic", H),
            Before::Absent(Missing::Cell)
        );
        assert_eq!(
            before(&base, "count_tokens", "bedrock_invoke", "claude-fable-5"),
            Before::Absent(Missing::Model)
        );
        for missing in [Missing::Row, Missing::Cell, Missing::Model] {
            for now in [Now::Pass, fail_now(COUNT_BAD)] {
                let j = judge(&Before::Absent(missing), &now, Mode::Sim);
                assert!(matches!(j, Judgement::NotInBaseline { .. }), "{j:?}");
                assert!(j.fails_gate(Mode::Sim));
                assert!(!j.fails_gate(Mode::Live));
            }
        }
        let now = matrix(&[
            (
                "count_tokens",
                "bedrock_invoke",
                &[(H, Pass, None), (S, Pass, None), (O, Fail, Some(OPUS_500))],
            ),
            (
                "vision",
                "anthropic",
                &[(H, Pass, None), (S, Pass, None), (O, Pass, None)],
            ),
        ]);
        let r = compare(&base, &now, Mode::Sim);
        assert!(!r.passed());
        let s = r.summary();
        assert!(s.contains("passing, not in the baseline:\n  vision::anthropic::claude-haiku-4-5 (the baseline has no such row)"), "{s}");
        assert!(s.contains("cargo xtask matrix"), "{s}");
        assert!(compare(&base, &now, Mode::Live).passed());
        // A model the baseline had as not applicable and that runs now.
        let base = matrix(&[(
            "long_context_1m",
            "anthropic",
            &[(H, NotApplicable, None), (S, Pass, None), (O, Pass, None)],
        )]);
        let b = before(&base, "long_context_1m", "anthropic", H);
        assert_eq!(
            b,
            Before::NoVerdict {
                status: "not_applicable"
            }
        );
        assert!(judge(&b, &Now::Pass, Mode::Sim).fails_gate(Mode::Sim));
    }

    #[test]
    fn flaky_fails_the_sim_gate_only() {
        let base = partial_baseline();
        let b = before(&base, "count_tokens", "bedrock_invoke", H);
        let now = Now::Flaky {
            first_error: "API Error: 500 the first attempt".into(),
        };
        let j = judge(&b, &now, Mode::Sim);
        assert_eq!(
            j,
            Judgement::FlakyInSim {
                first_error: "API Error: 500 the first attempt".into()
            }
        );
        assert!(j.fails_gate(Mode::Sim));
        assert_eq!(judge(&b, &now, Mode::Live), Judgement::Passed);
        let now = matrix(&[(
            "count_tokens",
            "bedrock_invoke",
            &[(H, Flaky, None), (S, Pass, None), (O, Fail, Some(OPUS_500))],
        )]);
        let r = compare(&base, &now, Mode::Sim);
        assert!(!r.passed());
        assert!(
            r.summary().contains("first attempt: API Error: 500 boom"),
            "{}",
            r.summary()
        );
        assert!(compare(&base, &now, Mode::Live).passed());
    }

    #[test]
    fn newly_passing_and_baselines_without_signatures() {
        let base = partial_baseline();
        let now = matrix(&[(
            "count_tokens",
            "bedrock_invoke",
            &[(H, Pass, None), (S, Pass, None), (O, Pass, None)],
        )]);
        let r = compare(&base, &now, Mode::Sim);
        assert!(r.passed());
        assert!(
            r.summary()
                .contains("newly passing:\n  count_tokens::bedrock_invoke::claude-opus-4-7")
        );
        // The baseline stores no signature: derived from its error.
        assert_eq!(
            before(&base, "count_tokens", "bedrock_invoke", O),
            Before::Failed {
                signature: Some(signature(FailureClass::Incompatible, OPUS_500))
            }
        );
        // A v1 baseline has neither: a failure there is known, whatever it says.
        let v1 = AnyMatrix::V1(crate::matrix::Matrix {
            schema_version: "1".into(),
            generated_at: "2026-11-25T00:00:00Z".into(),
            litellm_version: "v1".into(),
            claude_code_version: "2".into(),
            providers: vec!["bedrock_invoke".into()],
            features: vec![crate::matrix::MatrixFeature {
                id: "count_tokens".into(),
                name: "count_tokens".into(),
                providers: [(
                    "bedrock_invoke".to_owned(),
                    CellStatus::Fail { error: "x".into() },
                )]
                .into_iter()
                .collect(),
            }],
        });
        let b = before(&v1, "count_tokens", "bedrock_invoke", O);
        assert_eq!(b, Before::Failed { signature: None });
        assert_eq!(
            judge(&b, &fail_now(COUNT_BAD), Mode::Sim),
            Judgement::Known { before: None }
        );
    }

    /// The sim baseline loads and the gate reads it per model: the partial
    /// `prompt_caching_1h::bedrock_mantle` has Sonnet and Opus passing and
    /// Haiku failing with a signature derived from its stored error.
    #[test]
    fn the_sim_baseline_is_read_per_model() {
        let path = crate::paths::workspace_root().join("golden/sim-baseline.json");
        let base = AnyMatrix::load(&path).unwrap();
        assert_eq!(
            before(&base, "prompt_caching_1h", "bedrock_mantle", S),
            Before::Passed
        );
        let Before::Failed { signature: Some(s) } =
            before(&base, "prompt_caching_1h", "bedrock_mantle", H)
        else {
            panic!("Haiku fails there")
        };
        assert!(s.contains("-minute bucket"), "{s}");
        // Compared with itself, nothing fails the gate and nothing changes.
        let r = compare(&base, &base, Mode::Sim);
        assert!(r.passed(), "{}", r.summary());
        assert!(
            r.changes()
                .all(|e| matches!(e.judgement, Judgement::Known { before: Some(_) }))
        );
    }
}
