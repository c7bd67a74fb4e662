//! The regression gate (user story 12): compare this run's matrix with a
//! baseline (the last published one). A cell that flipped from pass to fail is
//! a regression and fails the gate; a cell that was already failing, not
//! tested, not applicable, or absent from the baseline does not; newly passing
//! cells are reported.

use crate::matrix::Matrix;
use crate::status::CellStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRef {
    pub feature: String,
    pub provider: String,
}

impl std::fmt::Display for CellRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}::{}", self.feature, self.provider)
    }
}

/// What the baseline says about a cell that failed now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureVerdict {
    /// Passed in the baseline: the gate fails.
    Regression,
    /// Failing (or not tested / not applicable) in the baseline already.
    Known { baseline_status: &'static str },
    /// The baseline has no such cell (a new feature or provider).
    NewCell,
}

pub fn judge_failure(baseline: &Matrix, feature: &str, provider: &str) -> FailureVerdict {
    match baseline.cell(feature, provider) {
        Some(CellStatus::Pass) => FailureVerdict::Regression,
        Some(other) => FailureVerdict::Known {
            baseline_status: other.name(),
        },
        None => FailureVerdict::NewCell,
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct GateReport {
    /// pass -> fail: these fail the gate.
    pub regressions: Vec<CellRef>,
    /// fail / not_tested / absent -> pass.
    pub newly_passing: Vec<CellRef>,
    /// fail -> fail: reported, not gating.
    pub still_failing: Vec<CellRef>,
    /// Failing now and absent from the baseline: reported, not gating.
    pub new_failing: Vec<CellRef>,
}

impl GateReport {
    pub fn passed(&self) -> bool {
        self.regressions.is_empty()
    }

    pub fn summary(&self) -> String {
        let list = |v: &[CellRef]| {
            v.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = String::new();
        if self.regressions.is_empty() {
            out.push_str("regression gate: passed (no cell flipped from pass to fail)\n");
        } else {
            out.push_str(&format!(
                "regression gate: FAILED, {} cell(s) flipped from pass to fail: {}\n",
                self.regressions.len(),
                list(&self.regressions)
            ));
        }
        if !self.newly_passing.is_empty() {
            out.push_str(&format!("newly passing: {}\n", list(&self.newly_passing)));
        }
        if !self.still_failing.is_empty() {
            out.push_str(&format!(
                "still failing (already failing in the baseline): {}\n",
                list(&self.still_failing)
            ));
        }
        if !self.new_failing.is_empty() {
            out.push_str(&format!(
                "failing, not in the baseline: {}\n",
                list(&self.new_failing)
            ));
        }
        out
    }
}

/// Compares every cell of `current` that was actually tested (pass or fail).
pub fn compare(baseline: &Matrix, current: &Matrix) -> GateReport {
    let mut report = GateReport::default();
    for f in &current.features {
        for (provider, status) in &f.providers {
            let cell = CellRef {
                feature: f.id.clone(),
                provider: provider.clone(),
            };
            let before = baseline.cell(&f.id, provider);
            match (status, before) {
                (CellStatus::Fail { .. }, Some(CellStatus::Pass)) => report.regressions.push(cell),
                (CellStatus::Fail { .. }, Some(_)) => report.still_failing.push(cell),
                (CellStatus::Fail { .. }, None) => report.new_failing.push(cell),
                (CellStatus::Pass, Some(CellStatus::Pass)) => {}
                (CellStatus::Pass, _) => report.newly_passing.push(cell),
                _ => {}
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::MatrixFeature;

    fn matrix(cells: &[(&str, &str, CellStatus)]) -> Matrix {
        let mut features: Vec<MatrixFeature> = Vec::new();
        for (f, p, s) in cells {
            if !features.iter().any(|x| x.id == *f) {
                features.push(MatrixFeature {
                    id: f.to_string(),
                    name: f.to_string(),
                    providers: Default::default(),
                });
            }
            features
                .iter_mut()
                .find(|x| x.id == *f)
                .unwrap()
                .providers
                .insert(p.to_string(), s.clone());
        }
        Matrix {
            schema_version: "1".into(),
            generated_at: "2026-11-25T00:00:00Z".into(),
            litellm_version: "v1".into(),
            claude_code_version: "2".into(),
            providers: vec!["anthropic".into(), "azure".into()],
            features,
        }
    }

    fn fail() -> CellStatus {
        CellStatus::Fail {
            error: "claude-opus-4-7: boom".into(),
        }
    }

    fn names(v: &[CellRef]) -> Vec<String> {
        v.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn flip_to_fail_is_a_regression() {
        let base = matrix(&[("tool_use", "anthropic", CellStatus::Pass)]);
        let now = matrix(&[("tool_use", "anthropic", fail())]);
        let r = compare(&base, &now);
        assert!(!r.passed());
        assert_eq!(names(&r.regressions), ["tool_use::anthropic"]);
        assert_eq!(
            judge_failure(&base, "tool_use", "anthropic"),
            FailureVerdict::Regression
        );
        assert!(
            r.summary()
                .contains("FAILED, 1 cell(s) flipped from pass to fail: tool_use::anthropic")
        );
    }

    #[test]
    fn already_failing_does_not_gate() {
        let base = matrix(&[
            ("tool_use", "anthropic", fail()),
            ("vision", "azure", CellStatus::NotTested),
        ]);
        let now = matrix(&[
            ("tool_use", "anthropic", fail()),
            ("vision", "azure", fail()),
        ]);
        let r = compare(&base, &now);
        assert!(r.passed());
        assert_eq!(
            names(&r.still_failing),
            ["tool_use::anthropic", "vision::azure"]
        );
        assert_eq!(
            judge_failure(&base, "vision", "azure"),
            FailureVerdict::Known {
                baseline_status: "not_tested"
            }
        );
    }

    #[test]
    fn newly_passing_is_reported() {
        let base = matrix(&[
            ("tool_use", "anthropic", fail()),
            ("tool_use", "azure", CellStatus::NotTested),
        ]);
        let now = matrix(&[
            ("tool_use", "anthropic", CellStatus::Pass),
            ("tool_use", "azure", CellStatus::Pass),
        ]);
        let r = compare(&base, &now);
        assert!(r.passed());
        assert_eq!(
            names(&r.newly_passing),
            ["tool_use::anthropic", "tool_use::azure"]
        );
        assert!(
            r.summary()
                .contains("newly passing: tool_use::anthropic, tool_use::azure")
        );
    }

    #[test]
    fn missing_cell_in_baseline_does_not_gate() {
        let base = matrix(&[("tool_use", "anthropic", CellStatus::Pass)]);
        let now = matrix(&[
            ("tool_use", "anthropic", CellStatus::Pass),
            ("web_search", "anthropic", fail()),
        ]);
        let r = compare(&base, &now);
        assert!(r.passed());
        assert_eq!(names(&r.new_failing), ["web_search::anthropic"]);
        assert_eq!(
            judge_failure(&base, "web_search", "anthropic"),
            FailureVerdict::NewCell
        );
    }
}
