//! Where a run's trials land: the results file, rewritten after every
//! trial ([`ResultsSink`]); the baseline the run is gated against
//! ([`Baseline`]); the breaker that stops trials that can reach no verdict.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use compat_matrix::gate::{self};
use compat_matrix::manifest::Manifest;
use compat_matrix::matrix::v2::AnyMatrix;
use compat_matrix::results::{Mode, RunResults, TrialResult};
use compat_matrix::status::FailureClass;

use crate::env::{self};

/// The run's results, rewritten atomically after every trial so that a crash
/// loses nothing that finished.
pub(crate) struct ResultsSink {
    pub(crate) path: PathBuf,
    pub(crate) results: Mutex<RunResults>,
}

impl ResultsSink {
    pub(crate) fn record(&self, trial: TrialResult) {
        let mut r = self.results.lock().expect("results lock");
        r.record(trial);
        fill_versions(&mut r);
        if let Err(e) = r.write_atomic(&self.path) {
            eprintln!("[compat] warning: {:#}", anyhow::Error::new(e));
        }
    }

    pub(crate) fn finish(&self, manifest: &Manifest, baseline: Option<&Baseline>, mode: Mode) {
        let mut r = self.results.lock().expect("results lock");
        r.run.finished_at = Some(jiff::Timestamp::now());
        fill_versions(&mut r);
        match r.write_atomic(&self.path) {
            Ok(()) => eprintln!(
                "[compat] results: {} ({} trials)",
                self.path.display(),
                r.trials.len()
            ),
            Err(e) => eprintln!("[compat] error: {:#}", anyhow::Error::new(e)),
        }
        // Under nextest every trial is a process; nextest writes its own JUnit.
        let junit_path = self.path.with_file_name("junit.xml");
        if std::env::var_os("NEXTEST_RUN_ID").is_some() {
            return;
        }
        let short = |id: &str| {
            manifest
                .model(id)
                .map(|m| m.short.clone())
                .unwrap_or_else(|| id.to_owned())
        };
        if let Err(e) = compat_matrix::fsutil::write_atomic(
            &junit_path,
            compat_matrix::junit::render(&r, &short).as_bytes(),
        ) {
            eprintln!(
                "[compat] warning: cannot write {}: {e}",
                junit_path.display()
            );
        }
        if let Some(b) = baseline {
            let options = compat_matrix::matrix::BuildOptions {
                litellm_version: Some(
                    r.run
                        .litellm_version
                        .clone()
                        .unwrap_or_else(|| "unknown".into()),
                ),
                claude_code_version: Some(
                    r.run
                        .claude_code_version
                        .clone()
                        .unwrap_or_else(|| "unknown".into()),
                ),
                ..Default::default()
            };
            let input = compat_matrix::matrix::ResultsInput {
                path: &self.path,
                results: &r,
            };
            // Per model (schema v2), as the trials were gated.
            match compat_matrix::matrix::v2::build(manifest, &[input], &options) {
                Ok(current) => eprint!(
                    "[compat] against baseline {}:\n{}",
                    b.source,
                    gate::compare(&b.matrix, &AnyMatrix::V2(current), mode).summary()
                ),
                Err(e) => eprintln!("[compat] cannot compare with the baseline: {e}"),
            }
        }
    }
}

pub(crate) fn fill_versions(r: &mut RunResults) {
    if let Some(env) = env::started() {
        r.run.claude_code_version = Some(env.claude.version.clone());
        r.run.litellm_version = env.litellm_version.clone();
    }
}

/// The matrix a run is gated against (`COMPAT_BASELINE`: a file path or an
/// http(s) URL, e.g. the last published compatibility-matrix.json), read
/// per model by `compat_matrix::gate` (schema v1 or v2; a v2 baseline built
/// before signatures gets them from its stored errors).
pub(crate) struct Baseline {
    pub(crate) source: String,
    pub(crate) matrix: AnyMatrix,
}

/// The default sim baseline (`golden/sim-baseline.json`), as a sim run that
/// names none is gated against: for tests of the gate's decision.
pub(crate) fn sim_baseline() -> Result<Baseline, String> {
    let path = compat_matrix::paths::workspace_root().join(SIM_BASELINE);
    let matrix = AnyMatrix::load(&path).map_err(|e| format!("{SIM_BASELINE}: {e}"))?;
    Ok(Baseline {
        source: path.display().to_string(),
        matrix,
    })
}

/// The sim matrix's known state, the baseline of a sim run that names none:
/// the cells LiteLLM is known to break stay red in the matrix without failing
/// `cargo test` (each is printed as a known failure), and any cell that
/// passes in it and fails now is a regression. Renew it with
/// `cargo xtask matrix` and review the diff (`cargo xtask render --diff`).
pub(crate) const SIM_BASELINE: &str = "golden/sim-baseline.json";

pub(crate) fn load_baseline(mode: Mode) -> Result<Option<Baseline>, String> {
    let source = match std::env::var("COMPAT_BASELINE") {
        Ok(s) if s.is_empty() || s == "none" => return Ok(None),
        Ok(s) => s,
        Err(_) => {
            let default = compat_matrix::paths::workspace_root().join(SIM_BASELINE);
            if mode != Mode::Sim || !default.is_file() {
                return Ok(None);
            }
            eprintln!(
                "[compat] gating against {SIM_BASELINE} (the sim matrix's known state; \
                 COMPAT_BASELINE=<file|URL> names another, COMPAT_BASELINE=none turns the gate off)"
            );
            default.display().to_string()
        }
    };
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        let resp = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .and_then(|c| c.get(&source).send())
            .map_err(|e| format!("COMPAT_BASELINE: cannot fetch {source}: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!(
                "COMPAT_BASELINE: {source} answered {}",
                resp.status()
            ));
        }
        resp.text()
            .map_err(|e| format!("COMPAT_BASELINE: reading {source}: {e}"))?
    } else {
        std::fs::read_to_string(&source)
            .map_err(|e| format!("COMPAT_BASELINE: cannot read {source}: {e}"))?
    };
    // A baseline of either schema version; the gate reads it per model.
    let matrix = AnyMatrix::parse(&text, std::path::Path::new(&source))
        .map_err(|e| format!("COMPAT_BASELINE: {e}"))?;
    Ok(Some(Baseline { source, matrix }))
}

/// Stops running trials when it is no use: past the suite's deadline, and
/// for a provider whose last trials all ended without a verdict (quota
/// gone, credentials refused, every stream stalling), so that one dead
/// provider costs a few trials' time, not the whole column's.
pub(crate) struct Breaker {
    deadline: Instant,
    deadline_secs: u64,
    /// Provider id -> (consecutive trials without a verdict, the last reason).
    streaks: Mutex<std::collections::HashMap<String, (u32, FailureClass, String)>>,
}

/// Consecutive no-verdict trials after which a provider's remaining trials
/// are reported unverified without running.
const BREAKER_TRIPS_AFTER: u32 = 3;

impl Breaker {
    pub(crate) fn new(mode: Mode) -> Result<Self, String> {
        let default = match mode {
            // The v1 matrix (15 rows x 11 columns x 3 models) takes ~30 min on
            // two loaded cores; the deadline is for hangs, not for slowness.
            Mode::Sim => 75 * 60,
            // A rehearsal runs under live limits and retries.
            Mode::Live | Mode::Rehearsal => 90 * 60,
        };
        let secs = match std::env::var("COMPAT_SUITE_DEADLINE_SECS") {
            Ok(v) => v.parse().map_err(|_| {
                format!("COMPAT_SUITE_DEADLINE_SECS={v:?}: expected a number of seconds")
            })?,
            Err(_) => default,
        };
        Ok(Breaker {
            deadline: Instant::now() + std::time::Duration::from_secs(secs),
            deadline_secs: secs,
            streaks: Mutex::new(Default::default()),
        })
    }

    /// Why this trial should not run, if it should not.
    pub(crate) fn refuse(&self, provider: &str) -> Option<(FailureClass, String)> {
        if Instant::now() >= self.deadline {
            return Some((
                FailureClass::Harness,
                format!(
                    "harness: not run: the suite's deadline ({} s, COMPAT_SUITE_DEADLINE_SECS) had passed",
                    self.deadline_secs
                ),
            ));
        }
        let streaks = self.streaks.lock().expect("breaker");
        match streaks.get(provider) {
            Some((n, class, reason)) if *n >= BREAKER_TRIPS_AFTER => Some((
                *class,
                format!(
                    "not run: the last {n} trials on {provider} reached no verdict; the last one: {}",
                    reason.lines().next().unwrap_or_default()
                ),
            )),
            _ => None,
        }
    }

    pub(crate) fn observe(&self, provider: &str, class: Option<FailureClass>, error: &str) {
        let mut streaks = self.streaks.lock().expect("breaker");
        match class {
            // A sim-environment failure says nothing of the provider's
            // health (it served), nor does the gateway's refusal of the
            // CLI's keyless call (our arrangement, the same on every trial
            // that makes it): both break a streak like a verdict does.
            Some(c)
                if !c.is_verdict()
                    && c != FailureClass::SimEnvironment
                    && !error.contains(compat_matrix::classify::KEYLESS_CALL) =>
            {
                let e = streaks
                    .entry(provider.to_owned())
                    .or_insert((0, c, String::new()));
                e.0 += 1;
                e.1 = c;
                e.2 = error.to_owned();
            }
            _ => {
                streaks.remove(provider);
            }
        }
    }
}
