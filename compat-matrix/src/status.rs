//! The two status vocabularies.
//!
//! - [`Outcome`]: what one trial (one feature x provider x model run) reports.
//!   Test authors only ever produce this: pass, fail with an error, or
//!   not applicable with a reason in their own voice.
//! - [`CellStatus`]: what a matrix cell shows after the models' outcomes are
//!   aggregated; adds `not_tested` for cells no case covers.
//!
//! - [`FailureClass`]: why a trial failed. Only `incompatible` is the
//!   gateway's fault; the others mean the run reached no verdict.
//!
//! Both serialize as the tagged union of the published schema v1:
//! `{"status":"pass"}`, `{"status":"fail","error":..}`,
//! `{"status":"not_applicable","reason":..}`, `{"status":"not_tested"}`.
//! Schema v2's richer cell statuses live in `matrix::v2`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum Outcome {
    Pass,
    Fail { error: String },
    NotApplicable { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case", deny_unknown_fields)]
pub enum CellStatus {
    Pass,
    Fail { error: String },
    NotApplicable { reason: String },
    NotTested,
}

/// Why a trial failed (see `classify`). Only [`FailureClass::Incompatible`]
/// makes a cell red: the other classes say the run could not reach a verdict,
/// and the cell is `unverified` rather than `fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// The gateway changed or rejected what the provider accepts, or an
    /// assertion on the feature failed: the feature is broken through the gateway.
    Incompatible,
    /// The provider could not serve: quota, credit, billing, credentials or
    /// permission, deployment or model not found, persistent 429/529, provider
    /// 5xx or timeout.
    UpstreamUnavailable,
    /// Our side: the CLI crashed or printed garbage, the proxy died or never
    /// became ready, the suite's deadline passed, our own bug.
    Harness,
    /// Sim mode only: the failure comes from the simulated environment, not
    /// from the gateway: the gateway reached for a public host the
    /// simulators cannot stand in for, or the CLI made a call without the
    /// gateway key our harness gives it (compat-harness's `sim_env`
    /// decides it from the trial's evidence). A live run settles it.
    SimEnvironment,
}

impl FailureClass {
    pub fn name(self) -> &'static str {
        match self {
            FailureClass::Incompatible => "incompatible",
            FailureClass::UpstreamUnavailable => "upstream_unavailable",
            FailureClass::Harness => "harness",
            FailureClass::SimEnvironment => "sim_environment",
        }
    }

    /// Whether a failure of this class is a verdict on the gateway.
    pub fn is_verdict(self) -> bool {
        self == FailureClass::Incompatible
    }
}

impl std::fmt::Display for FailureClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Outcome {
    pub fn fail(error: impl Into<String>) -> Self {
        Outcome::Fail {
            error: error.into(),
        }
    }

    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Pass)
    }
}

impl CellStatus {
    /// The wire name of the status (`pass`, `fail`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            CellStatus::Pass => "pass",
            CellStatus::Fail { .. } => "fail",
            CellStatus::NotApplicable { .. } => "not_applicable",
            CellStatus::NotTested => "not_tested",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_as_the_schema_v1_tagged_union() {
        let cases = [
            (CellStatus::Pass, json!({"status": "pass"})),
            (
                CellStatus::Fail { error: "e".into() },
                json!({"status": "fail", "error": "e"}),
            ),
            (
                CellStatus::NotApplicable { reason: "r".into() },
                json!({"status": "not_applicable", "reason": "r"}),
            ),
            (CellStatus::NotTested, json!({"status": "not_tested"})),
        ];
        for (status, want) in cases {
            assert_eq!(serde_json::to_value(&status).unwrap(), want);
            assert_eq!(serde_json::from_value::<CellStatus>(want).unwrap(), status);
        }
    }

    #[test]
    fn rejects_unknown_status_and_missing_fields() {
        assert!(serde_json::from_value::<Outcome>(json!({"status": "flaky"})).is_err());
        assert!(serde_json::from_value::<Outcome>(json!({"status": "fail"})).is_err());
        assert!(serde_json::from_value::<Outcome>(json!({"status": "not_tested"})).is_err());
    }
}
