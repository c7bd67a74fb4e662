//! The published `compatibility-matrix.json`: schema v1's types, the header
//! and checks both schema versions share, and v1 built as a projection of
//! schema v2 (`matrix/v2.rs`, the one builder).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::manifest::Manifest;
use crate::results::{RunResults, TrialResult};
use crate::status::CellStatus;

mod column_models;
pub mod compare;
pub mod history;
pub mod v2;
pub mod validate;

pub const SCHEMA_VERSION: &str = "1";

/// The schema versions of compatibility-matrix.json this crate reads and
/// builds: the one list the reader, the builder and xtask's `--schema` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaVersion {
    /// Four statuses: v2 projected (flaky reads pass, partial fail,
    /// unverified not_tested).
    V1,
    /// Per-model results; partial, flaky, unverified.
    V2,
}

impl SchemaVersion {
    pub const ALL: [SchemaVersion; 2] = [SchemaVersion::V1, SchemaVersion::V2];

    /// The `schema_version` string in the file.
    pub fn id(self) -> &'static str {
        match self {
            SchemaVersion::V1 => SCHEMA_VERSION,
            SchemaVersion::V2 => v2::SCHEMA_VERSION,
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.id() == id)
    }

    /// `"1" and "2"`: how an error names the versions this reader knows.
    fn known() -> String {
        let ids: Vec<String> = Self::ALL
            .iter()
            .map(|v| format!("\"{}\"", v.id()))
            .collect();
        match ids.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    /// Builds the matrix in this schema version: v2, or v2 projected to v1.
    pub fn build(
        self,
        manifest: &Manifest,
        inputs: &[ResultsInput<'_>],
        options: &BuildOptions,
    ) -> Result<v2::AnyMatrix, BuildError> {
        Ok(match self {
            SchemaVersion::V1 => v2::AnyMatrix::V1(build(manifest, inputs, options)?),
            SchemaVersion::V2 => v2::AnyMatrix::V2(v2::build(manifest, inputs, options)?),
        })
    }
}

/// `compatibility-matrix.json`, schema v1. Field order is the published order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    pub schema_version: String,
    /// ISO-8601 UTC, second precision (`2026-11-25T10:00:00Z`).
    pub generated_at: String,
    pub litellm_version: String,
    pub claude_code_version: String,
    pub providers: Vec<String>,
    pub features: Vec<MatrixFeature>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixFeature {
    pub id: String,
    pub name: String,
    /// Provider id -> cell, in column order.
    pub providers: IndexMap<String, CellStatus>,
}

/// Metadata the builder cannot find in the results: when, and (optionally)
/// version strings that override what the results recorded, e.g. the
/// publisher's resolved release tag `v1.83.0-stable`.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub generated_at: Option<Timestamp>,
    pub litellm_version: Option<String>,
    pub claude_code_version: Option<String>,
    /// Accept results files of runs that did not finish (crashed/interrupted).
    pub allow_incomplete: bool,
    /// The matrix published before this one (schema v1 or v2): schema v2's
    /// `unverified` cells carry its verdict and when it was last verified.
    pub previous: Option<v2::AnyMatrix>,
}

/// One results file and where it came from (for error messages).
pub struct ResultsInput<'a> {
    pub path: &'a Path,
    pub results: &'a RunResults,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BuildError {
    #[error("{}: trial {trial}: unknown {what} `{id}` (not in manifest.yaml)", path.display())]
    Unknown {
        path: PathBuf,
        /// `feature::provider::model`.
        trial: String,
        what: &'static str,
        id: String,
    },
    #[error(
        "{}: trial {trial}: its column does not run that model (it runs the model set `{set}`, manifest.yaml `model_sets`)",
        path.display()
    )]
    NotInColumn {
        path: PathBuf,
        /// `feature::provider::model`.
        trial: String,
        /// The model set the column runs.
        set: String,
    },
    #[error(
        "{}: the run did not finish (no `finished_at`): it crashed or was interrupted after {trials} trial(s); \
         rerun it, or build anyway with --allow-incomplete",
        path.display()
    )]
    Incomplete { path: PathBuf, trials: usize },
    #[error("conflicting results for {feature}::{provider}::{model} in {} and {}", first.display(), second.display())]
    Conflict {
        feature: String,
        provider: String,
        model: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("the results disagree on the {what} version: `{a}` ({}) vs `{b}` ({})", pa.display(), pb.display())]
    VersionMismatch {
        what: &'static str,
        a: String,
        pa: PathBuf,
        b: String,
        pb: PathBuf,
    },
    #[error("no {what} version: no results file recorded one; pass it explicitly")]
    MissingVersion { what: &'static str },
    #[error("no results files given")]
    NoResults,
}

/// Builds the schema v1 matrix: the v2 matrix ([`v2::build`]) projected by
/// [`project`]. Pure: the same inputs give the same bytes.
///
/// v1 refuses one thing v2 accepts: the same trial with different outcomes in
/// two results files (v2 calls that model `flaky`), so [`check_conflicts`]
/// runs first.
pub fn build(
    manifest: &Manifest,
    inputs: &[ResultsInput<'_>],
    options: &BuildOptions,
) -> Result<Matrix, BuildError> {
    check_conflicts(manifest, inputs, options)?;
    Ok(project(&v2::build(manifest, inputs, options)?))
}

/// v1's refusal of conflicting results from two files. It walks the inputs in
/// v1's order (a run that did not finish, then each trial: unknown ids, then a
/// conflict), so the first error is the one v1 always named.
fn check_conflicts(
    manifest: &Manifest,
    inputs: &[ResultsInput<'_>],
    options: &BuildOptions,
) -> Result<(), BuildError> {
    if inputs.is_empty() {
        return Err(BuildError::NoResults);
    }
    // (feature, provider, model) -> (outcome, file)
    let mut seen: BTreeMap<(&str, &str, &str), (&TrialResult, &Path)> = BTreeMap::new();
    for input in inputs {
        if !input.results.is_finished() && !options.allow_incomplete {
            return Err(BuildError::Incomplete {
                path: input.path.to_owned(),
                trials: input.results.trials.len(),
            });
        }
        for t in &input.results.trials {
            check_known(manifest, input.path, t)?;
            let key = (t.feature.as_str(), t.provider.as_str(), t.model.as_str());
            if let Some((prev, prev_path)) = seen.get(&key)
                && prev.outcome != t.outcome
            {
                return Err(BuildError::Conflict {
                    feature: t.feature.clone(),
                    provider: t.provider.clone(),
                    model: t.model.clone(),
                    first: prev_path.to_path_buf(),
                    second: input.path.to_owned(),
                });
            }
            seen.insert(key, (t, input.path));
        }
    }
    Ok(())
}

/// Schema v1 as a view of schema v2: flaky -> pass, partial -> fail,
/// unverified -> not_tested. Each v1 cell is computed from the v2 cell's
/// per-model results (a model without a verdict counts as no result), so a
/// cell whose other models are n/a reads n/a in v1 though v2 says unverified.
///
/// Cell rule: `pass` iff every manifest model passed; `fail` if any model
/// failed, the error naming each failing model; `not_applicable` if the case
/// declared it; `not_tested` where no case ran (or not every model has a
/// result and none failed).
pub fn project(m: &v2::MatrixV2) -> Matrix {
    Matrix {
        schema_version: SCHEMA_VERSION.to_owned(),
        generated_at: m.generated_at.clone(),
        litellm_version: m.litellm_version.clone(),
        claude_code_version: m.claude_code_version.clone(),
        providers: m.providers.clone(),
        features: m
            .features
            .iter()
            .map(|f| MatrixFeature {
                id: f.id.clone(),
                name: f.name.clone(),
                providers: f
                    .providers
                    .iter()
                    .map(|(p, cell)| (p.clone(), project_cell(cell, m.models_of(p).len())))
                    .collect(),
            })
            .collect(),
    }
}

fn project_cell(cell: &v2::CellV2, model_count: usize) -> CellStatus {
    use v2::ModelStatus;
    if cell.models.is_empty() {
        return CellStatus::NotTested;
    }
    let mut failures = Vec::new();
    let mut reasons: Vec<&str> = Vec::new();
    let (mut passed, mut not_applicable) = (0, 0);
    for (id, r) in &cell.models {
        match r.status {
            ModelStatus::Pass | ModelStatus::Flaky => passed += 1,
            ModelStatus::Fail => {
                failures.push(format!("{id}: {}", r.error.as_deref().unwrap_or_default()))
            }
            ModelStatus::NotApplicable => {
                not_applicable += 1;
                let reason = r.reason.as_deref().unwrap_or_default();
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
            // Schema v1 has no `unverified`: a failure that is not a verdict
            // on the gateway counts as no result.
            ModelStatus::Unverified => {}
        }
    }
    if !failures.is_empty() {
        CellStatus::Fail {
            error: failures.join("\n"),
        }
    } else if passed == 0 && not_applicable > 0 {
        CellStatus::NotApplicable {
            reason: reasons.join(" "),
        }
    } else if passed + not_applicable == model_count {
        CellStatus::Pass
    } else {
        CellStatus::NotTested
    }
}

/// The run metadata both schema versions publish.
pub(crate) struct Header {
    pub generated_at: String,
    pub litellm_version: String,
    pub claude_code_version: String,
}

pub(crate) fn header(
    inputs: &[ResultsInput<'_>],
    options: &BuildOptions,
) -> Result<Header, BuildError> {
    let litellm_version = resolve_version(
        "LiteLLM",
        options.litellm_version.as_deref(),
        inputs
            .iter()
            .map(|i| (i.results.run.litellm_version.as_deref(), i.path)),
    )?;
    // The schema wants LiteLLM's release tag form (`v1.83.0-stable`); a
    // PyPI version (`1.108.7`) becomes `v1.108.7`.
    let litellm_version = if litellm_version.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v{litellm_version}")
    } else {
        litellm_version
    };
    let claude_code_version = resolve_version(
        "Claude Code",
        options.claude_code_version.as_deref(),
        inputs
            .iter()
            .map(|i| (i.results.run.claude_code_version.as_deref(), i.path)),
    )?;
    let generated_at = options.generated_at.unwrap_or_else(|| {
        inputs
            .iter()
            .map(|i| {
                i.results
                    .run
                    .finished_at
                    .unwrap_or(i.results.run.started_at)
            })
            .max()
            .expect("non-empty")
    });

    Ok(Header {
        generated_at: format_timestamp(generated_at),
        litellm_version,
        claude_code_version,
    })
}

/// A trial must name a feature, provider and model of the manifest.
pub(crate) fn check_known(
    manifest: &Manifest,
    path: &Path,
    t: &TrialResult,
) -> Result<(), BuildError> {
    let unknown = |what, id: &str| BuildError::Unknown {
        path: path.to_owned(),
        trial: format!("{}::{}::{}", t.feature, t.provider, t.model),
        what,
        id: id.to_owned(),
    };
    if manifest.feature(&t.feature).is_none() {
        return Err(unknown("feature", &t.feature));
    }
    if manifest.provider(&t.provider).is_none() {
        return Err(unknown("provider", &t.provider));
    }
    if manifest.model(&t.model).is_none() {
        return Err(unknown("model", &t.model));
    }
    // A model the column does not run (manifest.yaml `model_sets`): the
    // cell would aggregate a model it is not judged on.
    if !manifest
        .models_of(&t.provider)
        .iter()
        .any(|m| m.id == t.model)
    {
        return Err(BuildError::NotInColumn {
            path: path.to_owned(),
            trial: format!("{}::{}::{}", t.feature, t.provider, t.model),
            set: manifest
                .provider(&t.provider)
                .map(|p| p.model_set.clone())
                .unwrap_or_default(),
        });
    }
    Ok(())
}

fn resolve_version<'a>(
    what: &'static str,
    explicit: Option<&str>,
    recorded: impl Iterator<Item = (Option<&'a str>, &'a Path)>,
) -> Result<String, BuildError> {
    if let Some(v) = explicit {
        return Ok(v.to_owned());
    }
    let mut found: Option<(&str, &Path)> = None;
    for (v, path) in recorded {
        let Some(v) = v else { continue };
        match found {
            Some((a, pa)) if a != v => {
                return Err(BuildError::VersionMismatch {
                    what,
                    a: a.to_owned(),
                    pa: pa.to_owned(),
                    b: v.to_owned(),
                    pb: path.to_owned(),
                });
            }
            _ => found = Some((v, path)),
        }
    }
    found
        .map(|(v, _)| v.to_owned())
        .ok_or(BuildError::MissingVersion { what })
}

pub fn format_timestamp(t: Timestamp) -> String {
    // Second precision, `Z` suffix: the form the docs page parses everywhere.
    t.round(jiff::Unit::Second)
        .unwrap_or(t)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    #[error("cannot read the matrix {}; check the path (`cargo xtask matrix` writes one)", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: schema_version is {found}; this reader reads schema_version \"{want}\"", path.display())]
    SchemaVersion {
        path: PathBuf,
        found: String,
        want: &'static str,
    },
    #[error("{}: schema_version {found}: this reader knows {}", path.display(), SchemaVersion::known())]
    UnknownSchemaVersion { path: PathBuf, found: String },
    #[error("{}:{line}:{column}: not a valid schema v{want} matrix: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        want: &'static str,
    },
    #[error("{}: invalid matrix: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// Parses a matrix of one schema version: the version is checked first, so a
/// matrix of another version gets that error rather than a field error.
pub(crate) fn parse_version<T: serde::de::DeserializeOwned>(
    text: &str,
    path: &Path,
    want: &'static str,
) -> Result<T, MatrixError> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        let found = match v.get("schema_version") {
            Some(serde_json::Value::String(s)) if s == want => None,
            Some(other) => Some(other.to_string()),
            None => Some("missing".to_owned()),
        };
        if let Some(found) = found {
            return Err(MatrixError::SchemaVersion {
                path: path.to_owned(),
                found,
                want,
            });
        }
    }
    serde_json::from_str(text).map_err(|e| MatrixError::Parse {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
        want,
    })
}

/// A matrix file's text; the error names the file and what to do.
pub(crate) fn read_matrix_file(path: &Path) -> Result<String, MatrixError> {
    std::fs::read_to_string(path).map_err(|source| MatrixError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Both schema versions' shape rule: feature ids unique, and every feature
/// has exactly the declared providers, in column order.
pub(crate) fn check_columns<'a>(
    providers: &[String],
    features: impl Iterator<Item = (&'a str, Vec<&'a String>)>,
) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    let want: Vec<&String> = providers.iter().collect();
    for (id, keys) in features {
        if !seen.insert(id) {
            return Err(format!("feature `{id}` appears twice"));
        }
        if keys != want {
            return Err(format!(
                "feature `{id}` has providers {keys:?}, expected {want:?} (the column order)"
            ));
        }
    }
    Ok(())
}

impl Matrix {
    pub fn load(path: &Path) -> Result<Self, MatrixError> {
        Self::parse(&read_matrix_file(path)?, path)
    }

    /// Parses a matrix and checks it against schema v1 (version first, so a
    /// matrix of another version gets that error, not a field error).
    pub fn parse(text: &str, path: &Path) -> Result<Self, MatrixError> {
        let m: Matrix = parse_version(text, path, SCHEMA_VERSION)?;
        m.check_shape().map_err(|message| MatrixError::Invalid {
            path: path.to_owned(),
            message,
        })?;
        Ok(m)
    }

    /// Internal consistency: timestamp form, every feature has exactly the
    /// declared providers in column order, ids unique.
    fn check_shape(&self) -> Result<(), String> {
        self.generated_at.parse::<Timestamp>().map_err(|e| {
            format!(
                "generated_at `{}` is not an ISO-8601 UTC timestamp: {e}",
                self.generated_at
            )
        })?;
        check_columns(
            &self.providers,
            self.features
                .iter()
                .map(|f| (f.id.as_str(), f.providers.keys().collect())),
        )
    }

    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("matrix serializes");
        s.push('\n');
        s
    }

    pub fn cell(&self, feature: &str, provider: &str) -> Option<&CellStatus> {
        self.features
            .iter()
            .find(|f| f.id == feature)?
            .providers
            .get(provider)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_is_second_precision_utc() {
        let t: Timestamp = "2026-11-25T10:00:00.600Z".parse().unwrap();
        assert_eq!(format_timestamp(t), "2026-11-25T10:00:01Z");
    }

    #[test]
    fn other_schema_version_is_named() {
        let e = Matrix::parse(
            r#"{"schema_version":"2","features":[]}"#,
            Path::new("m.json"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "m.json: schema_version is \"2\"; this reader reads schema_version \"1\""
        );
        let e = Matrix::parse(r#"{"features":[]}"#, Path::new("m.json")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "m.json: schema_version is missing; this reader reads schema_version \"1\""
        );
    }

    #[test]
    fn provider_keys_must_follow_column_order() {
        let text = r#"{"schema_version":"1","generated_at":"2026-11-25T10:00:00Z","litellm_version":"v1",
            "claude_code_version":"2","providers":["a","b"],
            "features":[{"id":"f","name":"F","providers":{"b":{"status":"pass"},"a":{"status":"pass"}}}]}"#;
        let e = Matrix::parse(text, Path::new("m.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("feature `f` has providers"), "{e}");
    }
}
