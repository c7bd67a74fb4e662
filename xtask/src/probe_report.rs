//! The vocabulary of `cargo xtask probe` (mode, expectation, answer) and its
//! report: one result per probe (agree, disagree, could not ask, with both
//! answers quoted), written as `probe-report.json` and `probe-report.md`.

use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// The probe definitions (every `*.yaml` in it), relative to the workspace root.
pub const PROBES_DIR: &str = "xtask/probes";

/// Where the probes are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeMode {
    /// Against the local simulators; each answer must match the probe's expectation.
    Sim,
    /// Against the real providers (credentials from the environment), each
    /// answer compared with the simulator's.
    Live,
    /// Live mode's code path with the simulators behind the providers' real
    /// host names (minted credentials, an intercepting TLS front, nothing on
    /// the network): every probe must agree, since both sides are simulators.
    Rehearsal,
}

/// What a provider that enforces the rule answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub status: u16,
    /// A fragment of the provider's error message; "" compares the status only.
    #[serde(default)]
    pub words: String,
}

/// A provider's answer to one probe: status and its error words ("" on 2xx).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub status: u16,
    pub words: String,
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.words.is_empty() {
            write!(f, "{}", self.status)
        } else {
            write!(f, "{} {:?}", self.status, self.words)
        }
    }
}

impl Expect {
    pub fn matches(&self, a: &Answer) -> bool {
        let ok = |s: u16| (200..300).contains(&s);
        (a.status == self.status || (ok(a.status) && ok(self.status)))
            && (self.words.is_empty() || a.words.contains(&self.words))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Agree,
    Disagree,
    CouldNotAsk,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Agree => "agree",
            Outcome::Disagree => "disagree",
            Outcome::CouldNotAsk => "could not ask",
        }
    }
}

/// One probe's result.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    pub rule: String,
    pub api: Option<String>,
    pub model: Option<String>,
    pub outcome: Outcome,
    /// What a provider that enforces the rule answers (the probes file).
    pub expect: Option<Expect>,
    /// The simulator's answer.
    pub sim: Option<Answer>,
    /// The ledger rule the simulator's record names for its refusal (sim mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim_rule: Option<String>,
    /// The real provider's answer (live mode).
    pub provider: Option<Answer>,
    /// Why it could not be asked.
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub mode: ProbeMode,
    pub agree: usize,
    pub disagree: usize,
    pub could_not_ask: usize,
    pub results: Vec<ProbeResult>,
}

impl Report {
    pub fn new(mode: ProbeMode, results: Vec<ProbeResult>) -> Report {
        let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
        Report {
            mode,
            agree: count(Outcome::Agree),
            disagree: count(Outcome::Disagree),
            could_not_ask: count(Outcome::CouldNotAsk),
            results,
        }
    }

    /// One line per disagreement, as the run fails with it.
    pub fn disagreements(&self) -> Vec<String> {
        let quote = |a: &Option<Answer>| a.as_ref().map_or("no answer".into(), |a| a.to_string());
        self.results
            .iter()
            .filter(|r| r.outcome == Outcome::Disagree)
            .map(|r| {
                let api = r.api.as_deref().unwrap_or("?");
                match self.mode {
                    ProbeMode::Live | ProbeMode::Rehearsal => format!(
                        "simulator drift: {}: sim {}, provider {} ({api})",
                        r.rule,
                        quote(&r.sim),
                        quote(&r.provider)
                    ),
                    ProbeMode::Sim => format!(
                        "simulator disagrees with the ledger's probe: {}: sim {}, expected {} ({api}); \
                         fix the simulator or the probe in {}",
                        r.rule,
                        quote(&r.sim),
                        r.expect.as_ref().map_or("nothing".into(), |e| {
                            quote(&Some(Answer { status: e.status, words: e.words.clone() }))
                        }),
                        PROBES_DIR
                    ),
                }
            })
            .collect()
    }

    pub fn summary(&self, dir: &Path) -> String {
        format!(
            "probe ({:?} mode): {} agree, {} disagree, {} could not ask; report: {}",
            self.mode,
            self.agree,
            self.disagree,
            self.could_not_ask,
            dir.join("probe-report.md").display()
        )
    }

    pub fn markdown(&self) -> String {
        let mode = match self.mode {
            ProbeMode::Sim => "sim (the simulators against the probes' expectations)",
            ProbeMode::Live => "live (the real providers against the simulators)",
            ProbeMode::Rehearsal => {
                "rehearsal (live mode's path to the simulators behind the real host names, against the simulators)"
            }
        };
        let mut md = format!(
            "# Simulator rule probes\n\nMode: {mode}. {} agree, {} disagree, {} could not ask.\n\n\
             | rule | api | model | outcome | simulator | provider / expected | why not asked |\n\
             |---|---|---|---|---|---|---|\n",
            self.agree, self.disagree, self.could_not_ask
        );
        let cell = |s: String| s.replace('|', "\\|").replace('\n', " ");
        for r in &self.results {
            let other = match (&r.provider, &r.expect) {
                (Some(p), _) => p.to_string(),
                (None, Some(e)) if self.mode == ProbeMode::Sim => format!(
                    "expected {}",
                    Answer {
                        status: e.status,
                        words: e.words.clone()
                    }
                ),
                _ => String::new(),
            };
            md.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} | {} |\n",
                r.rule,
                r.api.as_deref().unwrap_or(""),
                r.model.as_deref().unwrap_or(""),
                r.outcome.label(),
                cell(r.sim.as_ref().map(ToString::to_string).unwrap_or_default()),
                cell(other),
                cell(r.reason.clone().unwrap_or_default()),
            ));
        }
        md
    }

    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the report directory {}", dir.display()))?;
        let json = dir.join("probe-report.json");
        std::fs::write(&json, serde_json::to_string_pretty(self)? + "\n")
            .with_context(|| format!("cannot write {}", json.display()))?;
        let md = dir.join("probe-report.md");
        std::fs::write(&md, self.markdown())
            .with_context(|| format!("cannot write {}", md.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_disagreement_reads_as_simulator_drift_with_both_answers() {
        let r = ProbeResult {
            rule: "foundry.requires_anthropic_version".into(),
            api: Some("azure".into()),
            model: Some("claude-haiku-4-5".into()),
            outcome: Outcome::Disagree,
            expect: None,
            sim: Some(Answer {
                status: 400,
                words: "anthropic-version: header is required".into(),
            }),
            sim_rule: None,
            provider: Some(Answer {
                status: 200,
                words: String::new(),
            }),
            reason: None,
        };
        let report = Report::new(ProbeMode::Live, vec![r]);
        assert_eq!(
            report.disagreements(),
            [
                "simulator drift: foundry.requires_anthropic_version: sim 400 \
                 \"anthropic-version: header is required\", provider 200 (azure)"
            ]
        );
        assert!(report.markdown().contains("| disagree |"));
    }
}
