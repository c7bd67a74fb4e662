//! Schema v2 of `compatibility-matrix.json`: every cell with its per-model
//! results and the statuses a reader needs to trust a colour.
//!
//! v1's fields keep their meaning. A cell gains `models` (each model's status,
//! failure class, error, attempts, duration) and four statuses:
//! - `partial`: some models fail (incompatible), others pass; `passing_models`
//!   names the ones that pass.
//! - `flaky`: every model passed, but at least one only on a retry, or the
//!   runs given to the builder disagree about it.
//! - `unverified`: this run reached no verdict (upstream unavailable or
//!   harness); `previous` carries the previous published verdict and when it
//!   was last verified.
//! - `fail` now means every model with a verdict failed for the gateway.
//!
//! The JSON Schema is `schemas/compatibility-matrix.v2.schema.json`; the
//! builder's output is validated against it in tests.

use std::collections::BTreeMap;
use std::path::Path;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{
    BuildError, BuildOptions, MatrixError, ResultsInput, SchemaVersion, check_known, header,
};
use crate::manifest::Manifest;
use crate::results::{Mode, TrialResult};
use crate::status::{FailureClass, Outcome};

pub use super::history::{CellHistory, ChangedWith, VersionMove};

pub const SCHEMA_VERSION: &str = "2";

/// `compatibility-matrix.json`, schema v2. Field order is the published order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixV2 {
    pub schema_version: String,
    pub generated_at: String,
    pub litellm_version: String,
    pub claude_code_version: String,
    /// What the publisher knew at run time, for the page's freshness notice;
    /// absent when the matrix was built without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<RunContext>,
    pub providers: Vec<String>,
    /// Each column's facts, in `providers`' order (manifest.yaml): display
    /// name, how the CLI reaches the gateway (`reach`, the page's column
    /// group) and the gateway-contract format its rows exercise. Optional:
    /// matrices built before it have none (the page then names and groups
    /// nothing it cannot back).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnInfo>,
    /// The reaches the columns name, in display order, with their labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reaches: Vec<Described>,
    /// The formats the columns name, with their labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub formats: Vec<Described>,
    /// The models some column runs, in the manifest's order (a column's own:
    /// [`MatrixV2::models_of`]).
    pub models: Vec<ModelInfo>,
    pub features: Vec<FeatureV2>,
    /// The CLI's modes the gateway offers no route for (manifest.yaml
    /// `not_offered`), shown under the matrix; optional.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_offered: Vec<NotOfferedV2>,
}

/// A column's facts (manifest.yaml `providers[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnInfo {
    pub id: String,
    pub name: String,
    /// An id of `reaches`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<String>,
    /// An id of `formats`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The ids of the models the column runs (its model set), in display
    /// order; absent when it runs every model of `models`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<Vec<String>>,
}

/// A reach or a format: its id, display name and one-line description
/// (compat-matrix/src/manifest/reach.rs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Described {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// A CLI mode no column answers (manifest.yaml `not_offered`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotOfferedV2 {
    /// The CLI variable that selects the mode.
    pub mode: String,
    pub name: String,
    pub why: String,
    /// A repository path (at the run's source commit) or an https URL.
    pub evidence: String,
}

/// Facts about the run that are not results: how current the versions were,
/// where the code and logs are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunContext {
    /// The mode of the run the matrix was built from (`live`, `rehearsal`,
    /// `sim`), so a matrix file says what it measured even away from its
    /// results file; absent in matrices built before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// npm's `latest` claude-code version when the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claude_code_latest: Option<String>,
    /// Releases between the version run and `claude_code_latest` (0: latest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claude_code_releases_behind: Option<u32>,
    /// LiteLLM's latest stable release tag when the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub litellm_latest_stable: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub litellm_releases_behind: Option<u32>,
    /// Which LiteLLM release was measured and why, e.g. "v1.108.7-stable: the
    /// newest stable release the package index can install; newer ones it
    /// cannot: v1.110.2-stable (the package index ... lacks litellm-proxy==1.110.2 ...)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub litellm_selection: Option<String>,
    /// The repository whose tests ran (for links to a case's source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repo_url: Option<String>,
    /// The commit of that repository that ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_commit: Option<String>,
    /// The run's logs (a CI job page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelInfo {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureV2 {
    pub id: String,
    pub name: String,
    /// What the row checks and how to set the feature up through LiteLLM
    /// (manifest.yaml `description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Documentation links (manifest.yaml `links`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    pub providers: IndexMap<String, CellV2>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// A cell: its status (a tagged union, as in v1) and its per-model results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellV2 {
    #[serde(flatten)]
    pub status: CellStatusV2,
    /// Model id -> that model's result, in the manifest's model order.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub models: IndexMap<String, ModelResult>,
    /// The publisher's comparison with the matrix it replaced: the status
    /// that matrix had for the cell, and when the cell's status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<CellHistory>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CellStatusV2 {
    Pass,
    Flaky,
    Fail {
        error: String,
    },
    Partial {
        error: String,
        passing_models: Vec<String>,
    },
    Unverified {
        error: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<Previous>,
    },
    NotApplicable {
        reason: String,
    },
    NotTested,
}

impl CellStatusV2 {
    pub fn name(&self) -> &'static str {
        match self {
            CellStatusV2::Pass => "pass",
            CellStatusV2::Flaky => "flaky",
            CellStatusV2::Fail { .. } => "fail",
            CellStatusV2::Partial { .. } => "partial",
            CellStatusV2::Unverified { .. } => "unverified",
            CellStatusV2::NotApplicable { .. } => "not_applicable",
            CellStatusV2::NotTested => "not_tested",
        }
    }

    /// A verdict on the gateway (as opposed to no verdict, n/a or not tested).
    pub fn is_verdict(&self) -> bool {
        matches!(
            self,
            CellStatusV2::Pass
                | CellStatusV2::Flaky
                | CellStatusV2::Fail { .. }
                | CellStatusV2::Partial { .. }
        )
    }
}

/// The last verdict an `unverified` cell had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Previous {
    /// `pass`, `flaky`, `fail` or `partial`.
    pub status: String,
    /// When that verdict was measured (the generated_at of its matrix).
    pub verified_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelResult {
    pub status: ModelStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FailureClass>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For `flaky`: the error of the attempt or run that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
    /// For `fail`: the failure's signature (`crate::signature`), which the
    /// regression gate compares with the baseline's. Optional: matrices
    /// built before signatures have none (the gate derives it from `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The refusals the CLI recovered from in the passing run, else the
    /// last run (from the trial's `details.recoveries`), for the page's
    /// deep dive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recoveries: Vec<crate::results::Recovery>,
    /// For `fail` in a sim run: the simulator rules that decided it and
    /// their evidence kind (`crate::rule_evidence`). Optional: live runs and
    /// older matrices have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::rule_evidence::RuleEvidence>,
    pub attempts: u32,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    Pass,
    Flaky,
    Fail,
    Unverified,
    NotApplicable,
}

/// A published matrix of either schema version (the previous matrix the
/// builder and the publisher read).
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "one or two per process, read once; boxing v2 would only add noise at every match"
)]
pub enum AnyMatrix {
    V1(super::Matrix),
    V2(MatrixV2),
}

impl AnyMatrix {
    pub fn load(path: &Path) -> Result<Self, MatrixError> {
        Self::parse(&super::read_matrix_file(path)?, path)
    }

    /// The one reader: a matrix of any schema version this crate knows, by
    /// its `schema_version`. Another version (or none) is refused, naming
    /// the versions known; text that is not JSON gets v1's parse error.
    pub fn parse(text: &str, path: &Path) -> Result<Self, MatrixError> {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
            return super::Matrix::parse(text, path).map(AnyMatrix::V1);
        };
        let found = match value.get("schema_version") {
            Some(serde_json::Value::String(s)) => match SchemaVersion::from_id(s) {
                Some(SchemaVersion::V1) => {
                    return super::Matrix::parse(text, path).map(AnyMatrix::V1);
                }
                Some(SchemaVersion::V2) => return MatrixV2::parse(text, path).map(AnyMatrix::V2),
                None => format!("\"{s}\""),
            },
            Some(other) => other.to_string(),
            None => "missing".to_owned(),
        };
        Err(MatrixError::UnknownSchemaVersion {
            path: path.to_owned(),
            found,
        })
    }

    /// Which schema version this matrix is.
    pub fn schema(&self) -> SchemaVersion {
        match self {
            AnyMatrix::V1(_) => SchemaVersion::V1,
            AnyMatrix::V2(_) => SchemaVersion::V2,
        }
    }

    pub fn to_json_pretty(&self) -> String {
        match self {
            AnyMatrix::V1(m) => m.to_json_pretty(),
            AnyMatrix::V2(m) => m.to_json_pretty(),
        }
    }

    /// A cell's status name (`pass`, `partial`, ...), if the cell exists.
    pub fn status_name(&self, feature: &str, provider: &str) -> Option<&'static str> {
        match self {
            AnyMatrix::V1(m) => m.cell(feature, provider).map(|c| c.name()),
            AnyMatrix::V2(m) => m.cell(feature, provider).map(|c| c.status.name()),
        }
    }

    pub fn generated_at(&self) -> &str {
        match self {
            AnyMatrix::V1(m) => &m.generated_at,
            AnyMatrix::V2(m) => &m.generated_at,
        }
    }

    /// The (litellm_version, claude_code_version) the run measured.
    pub fn versions(&self) -> (&str, &str) {
        match self {
            AnyMatrix::V1(m) => (&m.litellm_version, &m.claude_code_version),
            AnyMatrix::V2(m) => (&m.litellm_version, &m.claude_code_version),
        }
    }

    /// The last verdict this matrix holds for a cell, and when it was made.
    pub fn last_verdict(&self, feature: &str, provider: &str) -> Option<Previous> {
        let at = self.generated_at().to_owned();
        match self {
            AnyMatrix::V1(m) => match m.cell(feature, provider)? {
                crate::status::CellStatus::Pass => Some(Previous {
                    status: "pass".into(),
                    verified_at: at,
                }),
                crate::status::CellStatus::Fail { .. } => Some(Previous {
                    status: "fail".into(),
                    verified_at: at,
                }),
                _ => None,
            },
            AnyMatrix::V2(m) => {
                let cell = m.cell(feature, provider)?;
                match &cell.status {
                    CellStatusV2::Unverified { previous, .. } => previous.clone(),
                    s if s.is_verdict() => Some(Previous {
                        status: s.name().into(),
                        verified_at: at,
                    }),
                    _ => None,
                }
            }
        }
    }
}

impl MatrixV2 {
    pub fn load(path: &Path) -> Result<Self, MatrixError> {
        Self::parse(&super::read_matrix_file(path)?, path)
    }

    /// Parses a schema v2 matrix (version first, then fields, then shape).
    pub fn parse(text: &str, path: &Path) -> Result<Self, MatrixError> {
        let m: MatrixV2 = super::parse_version(text, path, SCHEMA_VERSION)?;
        super::check_columns(
            &m.providers,
            m.features
                .iter()
                .map(|f| (f.id.as_str(), f.providers.keys().collect())),
        )
        .and_then(|()| m.check_column_facts())
        .map_err(|message| MatrixError::Invalid {
            path: path.to_owned(),
            message,
        })?;
        Ok(m)
    }

    /// `columns`, when present, follow `providers` one to one, and name only
    /// reaches and formats the matrix describes.
    fn check_column_facts(&self) -> Result<(), String> {
        if self.columns.is_empty() {
            return Ok(());
        }
        let ids: Vec<&String> = self.columns.iter().map(|c| &c.id).collect();
        if ids != self.providers.iter().collect::<Vec<_>>() {
            return Err(format!(
                "columns {ids:?} do not follow providers {:?} one to one",
                self.providers
            ));
        }
        for c in &self.columns {
            for (what, v, list, field) in [
                ("reach", &c.reach, &self.reaches, "reaches"),
                ("format", &c.format, &self.formats, "formats"),
            ] {
                if let Some(v) = v
                    && !list.iter().any(|d| &d.id == v)
                {
                    return Err(format!(
                        "column `{}`: {what} `{v}` is not described in `{field}`",
                        c.id
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("matrix serializes");
        s.push('\n');
        s
    }

    pub fn cell(&self, feature: &str, provider: &str) -> Option<&CellV2> {
        self.features
            .iter()
            .find(|f| f.id == feature)?
            .providers
            .get(provider)
    }
}

/// One model's results for a cell: every run of the trial found in the
/// inputs (several when results files of repeated runs are merged).
type Runs<'a> = Vec<&'a TrialResult>;

/// Builds the schema v2 matrix. Pure: the same inputs give the same bytes.
///
/// Unlike v1, the same trial in several results files with different
/// outcomes is not an error: the runs disagree, and the model is `flaky`
/// (when at least one run passed) with the failing run's error kept.
pub fn build(
    manifest: &Manifest,
    inputs: &[ResultsInput<'_>],
    options: &BuildOptions,
) -> Result<MatrixV2, BuildError> {
    if inputs.is_empty() {
        return Err(BuildError::NoResults);
    }
    let mut cells: BTreeMap<(&str, &str), BTreeMap<&str, Runs<'_>>> = BTreeMap::new();
    for input in inputs {
        if !input.results.is_finished() && !options.allow_incomplete {
            return Err(BuildError::Incomplete {
                path: input.path.to_owned(),
                trials: input.results.trials.len(),
            });
        }
        for t in &input.results.trials {
            check_known(manifest, input.path, t)?;
            cells
                .entry((&t.feature, &t.provider))
                .or_default()
                .entry(&t.model)
                .or_default()
                .push(t);
        }
    }
    let h = header(inputs, options)?;
    let features = manifest
        .features
        .iter()
        .map(|f| FeatureV2 {
            id: f.id.clone(),
            name: f.name.clone(),
            description: f.description.clone(),
            links: f
                .links
                .iter()
                .map(|(title, url)| Link {
                    title: title.clone(),
                    url: url.clone(),
                })
                .collect(),
            providers: manifest
                .providers
                .iter()
                .map(|p| {
                    let cell = match cells.get(&(f.id.as_str(), p.id.as_str())) {
                        None => CellV2 {
                            status: CellStatusV2::NotTested,
                            models: IndexMap::new(),
                            history: None,
                        },
                        Some(models) => {
                            let previous = options
                                .previous
                                .as_ref()
                                .and_then(|m| m.last_verdict(&f.id, &p.id));
                            aggregate(manifest, &p.id, models, previous)
                        }
                    };
                    (p.id.clone(), cell)
                })
                .collect(),
        })
        .collect();
    Ok(MatrixV2 {
        schema_version: SCHEMA_VERSION.to_owned(),
        generated_at: h.generated_at,
        litellm_version: h.litellm_version,
        claude_code_version: h.claude_code_version,
        context: Some(RunContext {
            mode: built_mode(inputs),
            ..RunContext::default()
        }),
        providers: manifest.providers.iter().map(|p| p.id.clone()).collect(),
        columns: manifest
            .providers
            .iter()
            .map(|p| ColumnInfo {
                id: p.id.clone(),
                name: p.name.clone(),
                reach: p.reach.clone(),
                format: p.format.clone(),
                models: column_entry(manifest, &p.id),
            })
            .collect(),
        reaches: described(
            crate::manifest::REACHES
                .iter()
                .map(|r| (r.id, r.name, r.description)),
            manifest.providers.iter().filter_map(|p| p.reach.as_deref()),
        ),
        formats: described(
            crate::manifest::FORMATS
                .iter()
                .map(|f| (f.id, f.name, f.description)),
            manifest
                .providers
                .iter()
                .filter_map(|p| p.format.as_deref()),
        ),
        not_offered: manifest
            .not_offered
            .iter()
            .map(|n| NotOfferedV2 {
                mode: n.mode.clone(),
                name: n.name.clone(),
                why: n.why.clone(),
                evidence: n.evidence.clone(),
            })
            .collect(),
        models: manifest
            .models_in_use()
            .into_iter()
            .map(|m| ModelInfo {
                id: m.id.clone(),
                name: m.name.clone(),
            })
            .collect(),
        features,
    })
}

/// What `columns[].models` says for column `provider_id`: None when it runs
/// every model the matrix lists (so a matrix whose columns all run one set
/// is written as before sets; `MatrixV2::models_of` reads it).
fn column_entry(manifest: &Manifest, provider_id: &str) -> Option<Vec<String>> {
    let own = manifest.models_of(provider_id);
    (own.len() != manifest.models_in_use().len())
        .then(|| own.iter().map(|m| m.id.clone()).collect())
}

/// The entries of a fixed list (id, name, description) that some column
/// names, in the list's order.
fn described<'a>(
    list: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
    used: impl Iterator<Item = &'a str> + Clone,
) -> Vec<Described> {
    list.filter(|(id, _, _)| used.clone().any(|u| u == *id))
        .map(|(id, name, description)| Described {
            id: id.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
        })
        .collect()
}

/// The mode the matrix records: the inputs' common mode; if they disagree
/// (the library does not refuse it; `build-matrix` does), the first mode that
/// is not publishable, so a mixed matrix never claims to be live.
fn built_mode(inputs: &[ResultsInput<'_>]) -> Option<Mode> {
    let modes: Vec<Mode> = inputs.iter().map(|i| i.results.run.mode).collect();
    let first = *modes.first()?;
    if modes.iter().all(|&m| m == first) {
        Some(first)
    } else {
        modes.into_iter().find(|m| !m.publishable())
    }
}

/// One model's result from its runs (usually one).
fn model_result(runs: &Runs<'_>) -> ModelResult {
    let last = runs.last().expect("at least one run");
    let attempts = runs.iter().map(|t| t.attempts).sum();
    let duration_ms = runs.iter().map(|t| t.duration_ms).sum();
    let error_of = |t: &TrialResult| match &t.outcome {
        Outcome::Fail { error } => Some(error.clone()),
        _ => None,
    };
    let passed = runs.iter().find(|t| t.outcome.is_pass());
    let verdict_fail = runs
        .iter()
        .find(|t| t.failure_class() == Some(FailureClass::Incompatible));
    let mut r = ModelResult {
        status: ModelStatus::Pass,
        class: None,
        error: None,
        first_error: None,
        signature: None,
        reason: None,
        recoveries: passed.unwrap_or(last).recoveries(),
        evidence: None,
        attempts,
        duration_ms,
    };
    match (passed, verdict_fail) {
        // The runs disagree: flaky, with the failing run's error.
        (Some(_), Some(failed)) => {
            r.status = ModelStatus::Flaky;
            r.first_error = error_of(failed);
        }
        (Some(p), None) => {
            if let Some(first) = runs.iter().find_map(|t| t.first_error.clone()) {
                r.status = ModelStatus::Flaky;
                r.first_error = Some(first);
            } else if p.first_error.is_some() {
                r.status = ModelStatus::Flaky;
            }
        }
        (None, Some(failed)) => {
            r.status = ModelStatus::Fail;
            r.class = Some(FailureClass::Incompatible);
            r.error = error_of(failed);
            r.evidence = failed.evidence.clone();
            r.signature = Some(failed.signature.clone().unwrap_or_else(|| {
                // A results file from before signatures: the same function
                // over the kept error gives the same signature.
                crate::signature::signature(
                    FailureClass::Incompatible,
                    r.error.as_deref().unwrap_or_default(),
                )
            }));
        }
        (None, None) => match &last.outcome {
            Outcome::NotApplicable { reason } => {
                r.status = ModelStatus::NotApplicable;
                r.reason = Some(reason.clone());
            }
            Outcome::Fail { error } => {
                r.status = ModelStatus::Unverified;
                r.class = last.failure_class();
                r.error = Some(error.clone());
            }
            Outcome::Pass => unreachable!("a pass was looked for above"),
        },
    }
    r
}

/// Column `provider`'s cell from its models' runs: only its own models
/// (manifest.yaml `model_sets`), in their display order.
fn aggregate(
    manifest: &Manifest,
    provider: &str,
    models: &BTreeMap<&str, Runs<'_>>,
    previous: Option<Previous>,
) -> CellV2 {
    let own = manifest.models_of(provider);
    let mut results = IndexMap::new();
    for m in own {
        if let Some(runs) = models.get(m.id.as_str()) {
            results.insert(m.id.clone(), model_result(runs));
        }
    }
    let with = |s: ModelStatus| results.iter().filter(move |(_, r)| r.status == s);
    let lines = |s: ModelStatus| {
        with(s)
            .map(|(id, r)| format!("{id}: {}", r.error.as_deref().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let passing: Vec<String> = results
        .iter()
        .filter(|(_, r)| matches!(r.status, ModelStatus::Pass | ModelStatus::Flaky))
        .map(|(id, _)| id.clone())
        .collect();
    let count = |s: ModelStatus| with(s).count();
    let status = if count(ModelStatus::Fail) > 0 {
        if passing.is_empty() {
            CellStatusV2::Fail {
                error: lines(ModelStatus::Fail),
            }
        } else {
            CellStatusV2::Partial {
                error: lines(ModelStatus::Fail),
                passing_models: passing,
            }
        }
    } else if count(ModelStatus::Unverified) > 0 {
        CellStatusV2::Unverified {
            error: lines(ModelStatus::Unverified),
            previous,
        }
    } else if results.len() < own.len() && count(ModelStatus::NotApplicable) < results.len() {
        // A partial run proves nothing about the missing models.
        CellStatusV2::NotTested
    } else if passing.is_empty() && count(ModelStatus::NotApplicable) > 0 {
        let mut reasons: Vec<&str> = Vec::new();
        for (_, r) in with(ModelStatus::NotApplicable) {
            let reason = r.reason.as_deref().unwrap_or_default();
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        CellStatusV2::NotApplicable {
            reason: reasons.join(" "),
        }
    } else if count(ModelStatus::Flaky) > 0 {
        CellStatusV2::Flaky
    } else {
        CellStatusV2::Pass
    };
    CellV2 {
        status,
        models: results,
        history: None,
    }
}
