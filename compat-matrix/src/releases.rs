//! The releases file (`compatibility-releases.json`, issue 27 item 3): the
//! cells x LiteLLM releases, with each cell/model's `works_since` and
//! `broke_in`, built from one schema v2 matrix per measured release.
//!
//! The shape is docs/research's releases-format (shared with the docs page)
//! and `schemas/compatibility-releases.v1.schema.json`. The builder is pure:
//! the same matrices and options give the same bytes.
//!
//! Definitions, over the releases in version order ([`version`]) and only
//! those with a verdict for the cell/model (pass and flaky work, fail is
//! broken; unverified, not_applicable, not_tested and absent are skipped):
//! - `works_since`: when the newest verdict works, the earliest release R
//!   such that every verdict from R on works; else null.
//! - `broke_in`: when the newest verdict is broken and an earlier one worked,
//!   the first broken release after the last working one, with its message;
//!   else null.

use std::collections::BTreeMap;
use std::path::Path;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::matrix::v2::{CellStatusV2, MatrixV2, ModelResult, ModelStatus};
use crate::results::Mode;
use crate::status::FailureClass;

pub mod render;
pub mod version;

pub use version::LitellmVersion;

/// The `schema_version` this crate writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// `compatibility-releases.json`. Field order is the published order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleasesFile {
    pub schema_version: u32,
    pub generated_at: String,
    pub mode: Mode,
    /// The CLI every release was measured with.
    pub claude_code_version: String,
    /// Oldest first (version order).
    pub releases: Vec<Release>,
    #[serde(default)]
    pub skipped: Vec<SkippedRelease>,
    /// Display order, from the newest release's matrix (then any only older
    /// releases have).
    pub features: Vec<Named>,
    pub providers: Vec<Named>,
    pub models: Vec<Named>,
    pub cells: Vec<ReleaseCell>,
}

/// One measured release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The PyPI version (`1.108.7`).
    pub litellm_version: String,
    /// The matrix's `generated_at`.
    pub measured_at: String,
    /// Why it is in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// The matrix's cells (feature x provider), every status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cells: Option<u32>,
    /// Model results that pass or are flaky.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passing_models: Option<u32>,
}

/// A release asked for or resolved but not measured, and the one-line why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkippedRelease {
    pub litellm_version: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// One cell and model across the releases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseCell {
    pub feature: String,
    pub provider: String,
    pub model: String,
    /// Release -> verdict, oldest first; a release whose matrix lacks the
    /// cell or the model is absent.
    pub by_release: IndexMap<String, ReleaseVerdict>,
    pub works_since: Option<String>,
    pub broke_in: Option<BrokeIn>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseVerdict {
    pub status: VerdictStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FailureClass>,
    /// fail/unverified: the error; flaky: the failed attempt's error;
    /// not_applicable: the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The v2 matrix's per-model statuses, and `not_tested` for a model the
/// cell did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictStatus {
    Pass,
    Flaky,
    Fail,
    Unverified,
    NotApplicable,
    NotTested,
}

impl VerdictStatus {
    pub fn name(self) -> &'static str {
        match self {
            VerdictStatus::Pass => "pass",
            VerdictStatus::Flaky => "flaky",
            VerdictStatus::Fail => "fail",
            VerdictStatus::Unverified => "unverified",
            VerdictStatus::NotApplicable => "not_applicable",
            VerdictStatus::NotTested => "not_tested",
        }
    }

    /// `Some(true)` works, `Some(false)` broken, `None` no verdict.
    pub fn works(self) -> Option<bool> {
        match self {
            VerdictStatus::Pass | VerdictStatus::Flaky => Some(true),
            VerdictStatus::Fail => Some(false),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokeIn {
    pub release: String,
    pub message: String,
}

/// One release's matrix, as the builder takes it.
#[derive(Debug, Clone)]
pub struct ReleaseInput<'a> {
    /// The release (PyPI version or a tag form of it).
    pub litellm_version: String,
    pub matrix: &'a MatrixV2,
    pub why: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ReleasesOptions {
    /// `generated_at` (RFC 3339, `Z`); default: the newest `measured_at`.
    pub generated_at: Option<String>,
    /// Display names of providers (the v2 matrix carries only ids); an id
    /// not here is its own name.
    pub provider_names: BTreeMap<String, String>,
    pub skipped: Vec<SkippedRelease>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReleasesError {
    #[error("no release matrix given: measure at least one release")]
    NoReleases,
    #[error(
        "`{0}` is not a LiteLLM version (e.g. 1.108.7, 1.108.7.post1, 1.110.0rc1, v1.108.7-stable)"
    )]
    BadVersion(String),
    #[error("LiteLLM {0} is given twice; give each release's matrix once")]
    Duplicate(String),
    #[error(
        "the matrix of LiteLLM {release} records no mode (built before matrices recorded it); rebuild it with `cargo xtask build-matrix`"
    )]
    NoMode { release: String },
    #[error(
        "LiteLLM {a} was measured in {ma} mode and {b} in {mb} mode; measure every release in one mode"
    )]
    ModeMismatch {
        a: String,
        ma: Mode,
        b: String,
        mb: Mode,
    },
    #[error(
        "LiteLLM {a} was measured with claude {ca} and {b} with claude {cb}; measure every release with one CLI (`cargo xtask releases --fresh`)"
    )]
    CliMismatch {
        a: String,
        ca: String,
        b: String,
        cb: String,
    },
    #[error(
        "the matrix for LiteLLM {asked} measured LiteLLM {recorded}; put it under litellm-{recorded} or rerun that release"
    )]
    Mislabelled { asked: String, recorded: String },
}

/// Checks that a matrix measured the release it is filed under (`asked`,
/// any form): its `litellm_version` reads as the same PyPI version.
pub fn check_label(asked: &str, matrix: &MatrixV2) -> Result<(), ReleasesError> {
    let recorded = version::pypi_form(&matrix.litellm_version);
    if version::pypi_form(asked) == recorded {
        Ok(())
    } else {
        Err(ReleasesError::Mislabelled {
            asked: version::pypi_form(asked).to_owned(),
            recorded: recorded.to_owned(),
        })
    }
}

/// Builds the releases file (see the module docs for the definitions).
pub fn build(
    inputs: &[ReleaseInput<'_>],
    options: &ReleasesOptions,
) -> Result<ReleasesFile, ReleasesError> {
    let mut sorted: Vec<(LitellmVersion, &ReleaseInput<'_>)> = inputs
        .iter()
        .map(|i| {
            LitellmVersion::parse(&i.litellm_version)
                .map(|v| (v, i))
                .ok_or_else(|| ReleasesError::BadVersion(i.litellm_version.clone()))
        })
        .collect::<Result<_, _>>()?;
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for w in sorted.windows(2) {
        if w[0].0.as_str() == w[1].0.as_str() {
            return Err(ReleasesError::Duplicate(w[0].0.to_string()));
        }
    }
    let (first_v, first) = sorted.first().ok_or(ReleasesError::NoReleases)?;
    let mode_of = |v: &LitellmVersion, m: &MatrixV2| {
        m.context
            .as_ref()
            .and_then(|c| c.mode)
            .ok_or_else(|| ReleasesError::NoMode {
                release: v.to_string(),
            })
    };
    let mode = mode_of(first_v, first.matrix)?;
    let cli = first.matrix.claude_code_version.clone();
    for (v, i) in &sorted[1..] {
        let m = mode_of(v, i.matrix)?;
        if m != mode {
            return Err(ReleasesError::ModeMismatch {
                a: first_v.to_string(),
                ma: mode,
                b: v.to_string(),
                mb: m,
            });
        }
        if i.matrix.claude_code_version != cli {
            return Err(ReleasesError::CliMismatch {
                a: first_v.to_string(),
                ca: cli.clone(),
                b: v.to_string(),
                cb: i.matrix.claude_code_version.clone(),
            });
        }
    }

    // Display order: the newest release's, then what only older ones have.
    let newest_first: Vec<&MatrixV2> = sorted.iter().rev().map(|(_, i)| i.matrix).collect();
    let mut features: IndexMap<String, String> = IndexMap::new();
    let mut providers: IndexMap<String, String> = IndexMap::new();
    let mut models: IndexMap<String, String> = IndexMap::new();
    for m in &newest_first {
        for f in &m.features {
            features
                .entry(f.id.clone())
                .or_insert_with(|| f.name.clone());
        }
        for p in &m.providers {
            providers.entry(p.clone()).or_insert_with(|| {
                options
                    .provider_names
                    .get(p)
                    .cloned()
                    .unwrap_or_else(|| p.clone())
            });
        }
        for md in &m.models {
            models
                .entry(md.id.clone())
                .or_insert_with(|| md.name.clone());
        }
    }

    let mut cells = Vec::new();
    for f in features.keys() {
        for p in providers.keys() {
            for md in models.keys() {
                let by_release: IndexMap<String, ReleaseVerdict> = sorted
                    .iter()
                    .filter_map(|(v, i)| Some((v.to_string(), verdict_in(i.matrix, f, p, md)?)))
                    .collect();
                // Nothing measured anywhere (a filtered run's other cells):
                // not worth a row.
                if by_release
                    .values()
                    .all(|r| r.status == VerdictStatus::NotTested)
                {
                    continue;
                }
                let (works_since, broke_in) = works_since_broke_in(&by_release);
                cells.push(ReleaseCell {
                    feature: f.clone(),
                    provider: p.clone(),
                    model: md.clone(),
                    by_release,
                    works_since,
                    broke_in,
                });
            }
        }
    }

    let releases: Vec<Release> = sorted
        .iter()
        .map(|(v, i)| Release {
            litellm_version: v.to_string(),
            measured_at: i.matrix.generated_at.clone(),
            why: i.why.clone(),
            cells: Some(
                i.matrix
                    .features
                    .iter()
                    .map(|f| f.providers.len())
                    .sum::<usize>() as u32,
            ),
            passing_models: Some(
                i.matrix
                    .features
                    .iter()
                    .flat_map(|f| f.providers.values())
                    .flat_map(|c| c.models.values())
                    .filter(|r| matches!(r.status, ModelStatus::Pass | ModelStatus::Flaky))
                    .count() as u32,
            ),
        })
        .collect();
    let generated_at = options.generated_at.clone().unwrap_or_else(|| {
        releases
            .iter()
            .map(|r| r.measured_at.clone())
            .max()
            .unwrap_or_default()
    });
    Ok(ReleasesFile {
        schema_version: SCHEMA_VERSION,
        generated_at,
        mode,
        claude_code_version: cli,
        releases,
        skipped: options.skipped.clone(),
        features: named(features),
        providers: named(providers),
        models: named(models),
        cells,
    })
}

fn named(map: IndexMap<String, String>) -> Vec<Named> {
    map.into_iter()
        .map(|(id, name)| Named { id, name })
        .collect()
}

/// A model's verdict in one release's matrix; `None` when the matrix lacks
/// the feature, the provider or the model.
fn verdict_in(m: &MatrixV2, feature: &str, provider: &str, model: &str) -> Option<ReleaseVerdict> {
    // A model the column does not run (its model set) has no verdict there.
    if !m.models_of(provider).iter().any(|x| x.id == model) {
        return None;
    }
    let cell = m.cell(feature, provider)?;
    if let Some(r) = cell.models.get(model) {
        return Some(from_model(r));
    }
    Some(match &cell.status {
        CellStatusV2::NotApplicable { reason } => ReleaseVerdict {
            status: VerdictStatus::NotApplicable,
            class: None,
            message: Some(reason.clone()),
        },
        _ => ReleaseVerdict {
            status: VerdictStatus::NotTested,
            class: None,
            message: None,
        },
    })
}

fn from_model(r: &ModelResult) -> ReleaseVerdict {
    let (status, message) = match r.status {
        ModelStatus::Pass => (VerdictStatus::Pass, None),
        ModelStatus::Flaky => (VerdictStatus::Flaky, r.first_error.clone()),
        ModelStatus::Fail => (VerdictStatus::Fail, r.error.clone()),
        ModelStatus::Unverified => (VerdictStatus::Unverified, r.error.clone()),
        ModelStatus::NotApplicable => (VerdictStatus::NotApplicable, r.reason.clone()),
    };
    ReleaseVerdict {
        status,
        class: r.class,
        message,
    }
}

/// `works_since` and `broke_in` over a cell/model's releases, oldest first
/// (the module docs define them).
pub fn works_since_broke_in(
    by_release: &IndexMap<String, ReleaseVerdict>,
) -> (Option<String>, Option<BrokeIn>) {
    let verdicts: Vec<(&String, bool, &ReleaseVerdict)> = by_release
        .iter()
        .filter_map(|(r, v)| Some((r, v.status.works()?, v)))
        .collect();
    let Some(&(_, newest_works, _)) = verdicts.last() else {
        return (None, None);
    };
    if newest_works {
        let since = verdicts
            .iter()
            .rev()
            .take_while(|(_, works, _)| *works)
            .last()
            .map(|(r, _, _)| (*r).clone());
        return (since, None);
    }
    let Some(last_working) = verdicts.iter().rposition(|(_, works, _)| *works) else {
        return (None, None);
    };
    let (release, _, v) = verdicts[last_working + 1];
    let broke = BrokeIn {
        release: release.clone(),
        message: v
            .message
            .clone()
            .unwrap_or_else(|| "(the matrix recorded no message)".to_owned()),
    };
    (None, Some(broke))
}

impl ReleasesFile {
    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the releases file serializes");
        s.push('\n');
        s
    }

    /// Reads a releases file (its `schema_version` first, so another
    /// version is named rather than misread).
    pub fn parse(text: &str, path: &Path) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        match value.get("schema_version") {
            Some(serde_json::Value::Number(n)) if n.as_u64() == Some(SCHEMA_VERSION as u64) => {}
            other => {
                return Err(format!(
                    "{}: schema_version is {}; this reader reads releases files of schema_version {SCHEMA_VERSION}",
                    path.display(),
                    other.map_or("missing".to_owned(), ToString::to_string)
                ));
            }
        }
        serde_json::from_value(value)
            .map_err(|e| format!("{}: not a valid releases file: {e}", path.display()))
    }

    /// Whether a JSON document looks like a releases file rather than a
    /// matrix (`render` takes both).
    pub fn is_releases_document(text: &str) -> bool {
        serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| {
            v.get("releases").is_some_and(|r| r.is_array())
                && v.get("cells").is_some_and(|c| c.is_array())
        })
    }
}

#[cfg(test)]
mod tests;
