//! `compat-results.json`: what one run of the compat-tests harness measured.
//!
//! One entry per trial (feature x provider x model) with its outcome, timing,
//! attempts and diagnostics, plus the run's metadata (mode, start/finish, the
//! claude CLI and gateway versions actually run). The harness rewrites the file
//! atomically after every trial, so a crashed or interrupted run still leaves
//! every finished trial on disk; such a file has no `finished_at`, and the
//! matrix builder refuses it unless told otherwise.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::status::{FailureClass, Outcome};

/// Identifies the format of this file (not the published matrix's schema).
pub const RESULTS_FORMAT: &str = "compat-results/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunResults {
    pub format: String,
    pub run: RunMeta,
    pub trials: Vec<TrialResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Local provider simulators behind a local LiteLLM proxy; no credentials.
    Sim,
    /// Real providers behind the proxy, with real credentials.
    Live,
    /// A live run (live configs, live variable names, live judgement, the
    /// harness blind to the simulators' records) whose real hosts are
    /// answered by the simulators behind an intercepting TLS front, with
    /// per-run credentials shaped like real ones (issue 26). Never
    /// publishable as a live result.
    Rehearsal,
}

impl Mode {
    /// Whether the harness judges as in live mode: live configs, live limits,
    /// no simulator record. True for `Live` and `Rehearsal` (a rehearsal must
    /// exercise exactly the judgement a live run uses).
    pub fn judges_live(self) -> bool {
        !matches!(self, Mode::Sim)
    }

    /// Whether results of this mode may be published as the matrix readers
    /// see: only a live run measured the real providers.
    pub fn publishable(self) -> bool {
        self == Mode::Live
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Sim => "sim",
            Mode::Live => "live",
            Mode::Rehearsal => "rehearsal",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunMeta {
    pub mode: Mode,
    pub started_at: Timestamp,
    /// Absent while the run is in progress, or if it crashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    /// `claude --version` of the CLI binary the trials ran (None if no trial ran it).
    #[serde(default)]
    pub claude_code_version: Option<String>,
    /// The LiteLLM version the proxy reported (None if no proxy was started).
    #[serde(default)]
    pub litellm_version: Option<String>,
    /// Which slice of the suite this file holds when the suite is split
    /// across machines (`"1/4"`), for diagnostics only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialResult {
    pub feature: String,
    pub provider: String,
    /// Canonical model id (manifest `models[].id`).
    pub model: String,
    pub outcome: Outcome,
    pub duration_ms: u64,
    /// How many times the CLI was run for this trial (transient upstream
    /// failures are retried; assertion failures never are).
    pub attempts: u32,
    /// Why the trial failed (present with a `fail` outcome). Files written
    /// before classes existed have none: such a failure counts as
    /// `incompatible`, which is what every failure meant then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FailureClass>,
    /// A trial that passed only on a retry is flaky: the first attempt's
    /// error, kept so the flake can be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
    /// A failure's signature (`crate::signature`: its class and what decided
    /// it, normalised), computed from the whole error before the cell's
    /// copy of it is cut. Absent for a pass and in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// A failure of a sim run: the simulator rules that decided it and their
    /// evidence kind (`crate::rule_evidence`; `gateway` when none did).
    /// Absent for a pass, in live runs and in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::rule_evidence::RuleEvidence>,
    /// Free-form diagnostics: usage, transcript tail, the simulator's record
    /// of the offending request, retry log.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub details: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error(
        "cannot read the results file {}; check the path (`cargo xtask matrix` or `cargo test -p compat-tests` writes one)",
        path.display()
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: not a valid results file: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: results format `{found}` is not supported (expected `{RESULTS_FORMAT}`)", path.display())]
    Format { path: PathBuf, found: String },
    #[error(
        "cannot write the results file {}; check that its folder is writable (COMPAT_RESULTS or COMPAT_OUT_DIR moves it)",
        path.display()
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A refusal the CLI recovered from in a passing trial, as recorded in the
/// trial's `details.recoveries` (compat-harness/src/background.rs) and shown
/// in schema v2's per-model result: what was refused, the resend that was
/// answered, and the row that judges what the CLI dropped to get there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    pub refused: RefusedCall,
    pub resent: ResentCall,
    /// The row that owns the piece the CLI dropped to recover (e.g.
    /// `beta_headers` for a beta, `thinking_multi_turn` for a refused
    /// signature), or `provider_trouble` for a retried 429/529/5xx, which
    /// no row judges.
    pub owner_row: String,
}

/// The refused request of a [`Recovery`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusedCall {
    /// `provider` (the simulator's record) or `gateway` (the tap's record).
    pub side: String,
    pub status: u16,
    pub method: String,
    /// Path, query aside.
    pub path: String,
    /// The model the request was for (body `model`, else the path), when
    /// it named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The refusal's words (the provider's or the gateway's message).
    pub words: String,
}

/// The resend of a [`Recovery`], on the same side as the refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResentCall {
    /// Its sequence number in its side's record.
    pub seq: u64,
    pub path: String,
    pub status: u16,
}

impl TrialResult {
    /// The recoveries recorded in `details.recoveries` (empty when none, or
    /// when the entry does not parse: details are free-form diagnostics).
    pub fn recoveries(&self) -> Vec<Recovery> {
        self.details
            .get("recoveries")
            .and_then(|r| serde_json::from_value(r.clone()).ok())
            .unwrap_or_default()
    }

    /// The class of a failed trial (`incompatible` for files that predate
    /// classes); None for a pass or not_applicable.
    pub fn failure_class(&self) -> Option<FailureClass> {
        match self.outcome {
            Outcome::Fail { .. } => Some(self.class.unwrap_or(FailureClass::Incompatible)),
            _ => None,
        }
    }

    /// Passed, but only on a retry.
    pub fn is_flaky(&self) -> bool {
        self.outcome.is_pass() && self.first_error.is_some()
    }
}

impl RunResults {
    pub fn new(mode: Mode) -> Self {
        RunResults {
            format: RESULTS_FORMAT.to_owned(),
            run: RunMeta {
                mode,
                started_at: Timestamp::now(),
                finished_at: None,
                claude_code_version: None,
                litellm_version: None,
                shard: None,
            },
            trials: Vec::new(),
        }
    }

    pub fn is_finished(&self) -> bool {
        self.run.finished_at.is_some()
    }

    pub fn load(path: &Path) -> Result<Self, ResultsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ResultsError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, ResultsError> {
        // Check the format tag first so that a file of another format gets
        // that error rather than a confusing field-level one.
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
            let found = v
                .get("format")
                .and_then(|f| f.as_str())
                .unwrap_or("<missing>");
            if found != RESULTS_FORMAT {
                return Err(ResultsError::Format {
                    path: path.to_owned(),
                    found: found.to_owned(),
                });
            }
        }
        serde_json::from_str(text).map_err(|e| ResultsError::Parse {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })
    }

    /// Writes the file atomically (temp file in the same folder, then rename),
    /// so a reader never sees a half-written file.
    pub fn write_atomic(&self, path: &Path) -> Result<(), ResultsError> {
        let text = serde_json::to_string_pretty(self).expect("results serialize");
        crate::fsutil::write_atomic(path, text.as_bytes()).map_err(|source| ResultsError::Write {
            path: path.to_owned(),
            source,
        })
    }

    /// Inserts or replaces the trial with the same (feature, provider, model).
    pub fn record(&mut self, trial: TrialResult) {
        self.trials.retain(|t| {
            !(t.feature == trial.feature && t.provider == trial.provider && t.model == trial.model)
        });
        self.trials.push(trial);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RunResults {
        let mut r = RunResults::new(Mode::Sim);
        r.run.started_at = "2026-11-25T10:00:00Z".parse().unwrap();
        r.record(TrialResult {
            feature: "tool_use".into(),
            provider: "anthropic".into(),
            model: "claude-haiku-4-5".into(),
            outcome: Outcome::fail("boom"),
            duration_ms: 1200,
            attempts: 1,
            class: Some(FailureClass::Incompatible),
            first_error: None,
            signature: None,
            evidence: None,
            details: serde_json::Value::Null,
        });
        r
    }

    #[test]
    fn round_trips_through_an_atomic_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/compat-results.json");
        let r = sample();
        r.write_atomic(&path).unwrap();
        assert_eq!(RunResults::load(&path).unwrap(), r);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""status": "fail""#), "{text}");
    }

    #[test]
    fn record_replaces_the_same_trial() {
        let mut r = sample();
        let mut t = r.trials[0].clone();
        t.outcome = Outcome::Pass;
        r.record(t);
        assert_eq!(r.trials.len(), 1);
        assert!(r.trials[0].outcome.is_pass());
    }

    #[test]
    fn truncated_file_names_path_and_position() {
        let text = serde_json::to_string_pretty(&sample()).unwrap();
        let cut = &text[..text.len() / 2];
        let e = RunResults::parse(cut, Path::new("out/compat-results.json"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("out/compat-results.json:"), "{e}");
        assert!(e.contains("not a valid results file"), "{e}");
    }

    #[test]
    fn other_format_is_named() {
        let e = RunResults::parse(
            r#"{"format":"compat-results/9","run":{}}"#,
            Path::new("r.json"),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "r.json: results format `compat-results/9` is not supported (expected `compat-results/1`)"
        );
    }

    #[test]
    fn rehearsal_judges_live_but_is_not_publishable() {
        let judged: Vec<(Mode, bool, bool)> = [Mode::Sim, Mode::Live, Mode::Rehearsal]
            .into_iter()
            .map(|m| (m, m.judges_live(), m.publishable()))
            .collect();
        assert_eq!(
            judged,
            vec![
                (Mode::Sim, false, false),
                (Mode::Live, true, true),
                (Mode::Rehearsal, true, false),
            ]
        );
        assert_eq!(Mode::Rehearsal.to_string(), "rehearsal");
        assert_eq!(
            serde_json::to_string(&Mode::Rehearsal).unwrap(),
            r#""rehearsal""#
        );
        let back: Mode = serde_json::from_str(r#""rehearsal""#).unwrap();
        assert_eq!(back, Mode::Rehearsal);
    }
}
