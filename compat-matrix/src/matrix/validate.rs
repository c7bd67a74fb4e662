//! The one validator: the checks a built matrix must pass before it is
//! published (shape and labels, a verdict somewhere, and the text heuristics
//! that refuse a broken environment). What a publish changes is `compare.rs`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::manifest::Manifest;
use crate::matrix::compare::shorten;
use crate::matrix::v2::{AnyMatrix, CellStatusV2, MatrixV2, SCHEMA_VERSION as V2_SCHEMA};
use crate::matrix::{Matrix, SCHEMA_VERSION};
use crate::status::{CellStatus, FailureClass};

/// Why a matrix may not be published. xtask's publisher maps each variant to
/// its own error (the same words: the messages are this type's).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ValidationError {
    #[error("the matrix failed validation, nothing was published: {0}")]
    Invalid(String),
    #[error("refusing to publish what looks like a broken environment: {0}")]
    Infrastructure(String),
}

/// What both schema versions must hold before publishing: the version
/// labels are non-empty single lines, and the columns and rows are the
/// manifest's, in its order.
fn check_labels_and_shape(
    manifest: &Manifest,
    [litellm, claude]: [&String; 2],
    providers: &[String],
    features: &[&str],
) -> Result<(), String> {
    for (what, v) in [
        ("litellm_version", litellm),
        ("claude_code_version", claude),
    ] {
        if v.trim().is_empty() {
            return Err(format!(
                "{what} is empty: pass it explicitly (--litellm-version / --claude-code-version)"
            ));
        }
        if v.trim() != v || v.contains(char::is_control) {
            return Err(format!(
                "{what} `{}` has surrounding whitespace or control characters",
                v.escape_debug()
            ));
        }
    }
    let want: Vec<&str> = manifest.providers.iter().map(|p| p.id.as_str()).collect();
    let have: Vec<&str> = providers.iter().map(String::as_str).collect();
    if let Some(m) = list_mismatch("provider column", &want, &have) {
        return Err(m);
    }
    let want: Vec<&str> = manifest.features.iter().map(|f| f.id.as_str()).collect();
    if let Some(m) = list_mismatch("feature row", &want, features) {
        return Err(m);
    }
    Ok(())
}

/// Validates `matrix` for publishing and returns the exact bytes to publish.
///
/// - schema v1 round trip: the serialized text parses back (with
///   [`Matrix::parse`], the reader the tools share) into the same matrix;
/// - every manifest feature (row) and provider (column) is present, in
///   manifest order, with the manifest's display names, and nothing else;
/// - both version strings are non-empty single-line strings;
/// - every `fail` has an error and every `not_applicable` a reason;
/// - the run tested something, and it is not an all-infrastructure-failure
///   run ([`detect_infrastructure_failure`]).
pub fn validate_for_publish(
    matrix: &Matrix,
    manifest: &Manifest,
) -> Result<String, ValidationError> {
    let invalid = |m: String| Err(ValidationError::Invalid(m));
    let text = matrix.to_json_pretty();
    match Matrix::parse(&text, Path::new("compatibility-matrix.json")) {
        Err(e) => {
            return invalid(format!(
                "the serialized matrix does not read back as schema v{SCHEMA_VERSION}: {e}"
            ));
        }
        Ok(back) if back != *matrix => {
            return invalid(
                "the serialized matrix does not round-trip (it reads back different)".into(),
            );
        }
        Ok(_) => {}
    }
    let features: Vec<&str> = matrix.features.iter().map(|f| f.id.as_str()).collect();
    if let Err(m) = check_labels_and_shape(
        manifest,
        [&matrix.litellm_version, &matrix.claude_code_version],
        &matrix.providers,
        &features,
    ) {
        return invalid(m);
    }
    for (f, mf) in matrix.features.iter().zip(&manifest.features) {
        if f.name != mf.name {
            return invalid(format!(
                "feature `{}` is named `{}`, the manifest says `{}`",
                f.id, f.name, mf.name
            ));
        }
        for (p, cell) in &f.providers {
            match cell {
                CellStatus::Fail { error } if error.trim().is_empty() => {
                    return invalid(format!("{} × {p} failed with an empty error message", f.id));
                }
                CellStatus::NotApplicable { reason } if reason.trim().is_empty() => {
                    return invalid(format!(
                        "{} × {p} is not_applicable with an empty reason",
                        f.id
                    ));
                }
                _ => {}
            }
        }
    }
    if let Some(m) = detect_infrastructure_failure(matrix) {
        return Err(ValidationError::Infrastructure(m));
    }
    Ok(text)
}

fn list_mismatch(what: &str, want: &[&str], have: &[&str]) -> Option<String> {
    if want == have {
        return None;
    }
    let missing: Vec<&&str> = want.iter().filter(|w| !have.contains(w)).collect();
    let extra: Vec<&&str> = have.iter().filter(|h| !want.contains(h)).collect();
    Some(if !missing.is_empty() || !extra.is_empty() {
        format!(
            "{what}s differ from manifest.yaml: missing {missing:?}, not in the manifest {extra:?}"
        )
    } else {
        format!("{what}s are out of manifest order: {have:?}, expected {want:?}")
    })
}

/// An infrastructure cause recognised in a failure message.
fn classify(error: &str) -> Option<&'static str> {
    let e = error.to_ascii_lowercase();
    let any = |needles: &[&str]| needles.iter().any(|n| e.contains(n));
    if any(&[
        "connection refused",
        "econnrefused",
        "connection reset",
        "error trying to connect",
        "failed to connect",
    ]) {
        Some("cannot connect to the proxy (connection refused)")
    } else if any(&[
        "not ready",
        "never became ready",
        "did not become ready",
        "readiness",
        "failed to start the proxy",
    ]) {
        Some("the LiteLLM proxy never became ready")
    } else if has_code(&e, "401")
        || any(&[
            "unauthorized",
            "authentication_error",
            "authentication error",
            "authenticationerror",
            "invalid api key",
            "invalid x-api-key",
            "invalid_api_key",
        ])
    {
        Some(
            "authentication failed (401): provider credentials or the proxy key are missing or wrong",
        )
    } else if any(&[
        "no credentials",
        "unable to locate credentials",
        "could not load credentials",
        "missing credentials",
        "credentials not found",
    ]) {
        Some("provider credentials are missing")
    } else if any(&[
        "could not resolve host",
        "dns error",
        "failed to lookup address",
        "name or service not known",
        "temporary failure in name resolution",
    ]) {
        Some("DNS resolution failed")
    } else if has_code(&e, "429") || any(&["rate limit", "too many requests"]) {
        Some("rate limited (429)")
    } else if any(&["timed out", "timeout"]) {
        Some("requests timed out")
    } else if any(&[
        "command not found",
        "failed to spawn",
        "failed to start claude",
        "claude cli not found",
    ]) {
        Some("the claude CLI could not be started")
    } else {
        None
    }
}

/// `code` as a number of its own (not part of `1401` or `4010`).
fn has_code(text: &str, code: &str) -> bool {
    let b = text.as_bytes();
    text.match_indices(code).any(|(i, _)| {
        let before = i.checked_sub(1).map(|j| b[j]);
        let after = b.get(i + code.len()).copied();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

/// `Some(explanation)` when the matrix looks like a broken environment rather
/// than a measurement: nothing was tested at all, or every tested cell failed
/// and every failure either names an infrastructure cause (connection refused,
/// proxy not ready, 401, missing credentials, DNS, 429, timeouts, CLI missing)
/// or all failures carry the identical message.
pub fn detect_infrastructure_failure(matrix: &Matrix) -> Option<String> {
    let mut passed = 0usize;
    let mut failed: Vec<(&str, &str, &str)> = Vec::new();
    for f in &matrix.features {
        for (p, cell) in &f.providers {
            match cell {
                CellStatus::Pass => passed += 1,
                CellStatus::Fail { error } => failed.push((&f.id, p, error)),
                _ => {}
            }
        }
    }
    if passed > 0 {
        return None;
    }
    if failed.is_empty() {
        return Some(
            "no cell was tested (every cell is not_tested or not_applicable): the suite produced no evidence; \
             check that it ran and found its cases"
                .into(),
        );
    }
    // Cell errors hold one `model: message` line per failing model.
    let lines: Vec<(&str, &str, &str)> = failed
        .iter()
        .flat_map(|&(f, p, e)| {
            e.lines()
                .filter(|l| !l.trim().is_empty())
                .map(move |l| (f, p, strip_model(l)))
        })
        .collect();
    let causes: Vec<Option<&str>> = lines.iter().map(|(_, _, l)| classify(l)).collect();
    let (ef, ep, example) = lines.first().copied().unwrap_or(("", "", ""));
    let n = failed.len();
    if !causes.is_empty() && causes.iter().all(Option::is_some) {
        let set: BTreeSet<&str> = causes.into_iter().flatten().collect();
        let set: Vec<&str> = set.into_iter().collect();
        return Some(format!(
            "all {n} tested cells failed and every error points at the environment, not at LiteLLM: {}. \
             Example ({ef} × {ep}): {}. Fix the environment and rerun; the published matrix is left as it is",
            set.join("; "),
            shorten(example)
        ));
    }
    let first = lines.first().map(|l| l.2);
    if n > 1 && lines.iter().all(|l| Some(l.2) == first) {
        return Some(format!(
            "all {n} tested cells failed with the identical error `{}`: that is one cause, most likely the \
             environment; fix it and rerun; the published matrix is left as it is",
            shorten(example)
        ));
    }
    None
}

/// `claude-opus-4-7: connection refused` -> `connection refused` (also
/// `gpt-5.6-sol: ...`: any prefix shaped like a model id, a-z 0-9 `.` `_`
/// with a `-`, since a column's models are its own set's).
fn strip_model(line: &str) -> &str {
    let model_like = |m: &str| {
        m.contains('-')
            && m.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_')
            })
    };
    match line.split_once(": ") {
        Some((m, rest)) if model_like(m) => rest.trim(),
        _ => line.trim(),
    }
}

/// Validates a matrix of either schema ([`validate_for_publish`],
/// [`validate_v2_for_publish`]) and returns the exact bytes to publish.
pub fn validate_any_for_publish(
    matrix: &AnyMatrix,
    manifest: &Manifest,
) -> Result<String, ValidationError> {
    match matrix {
        AnyMatrix::V1(m) => validate_for_publish(m, manifest),
        AnyMatrix::V2(m) => validate_v2_for_publish(m, manifest),
    }
}

/// Validates a schema v2 matrix for publishing and returns the exact bytes.
///
/// - round trip with [`MatrixV2::parse`];
/// - rows, columns and the models line are the manifest's, in its order;
/// - both version strings are non-empty single-line strings;
/// - every `fail`, `partial` and `unverified` has an error, every
///   `not_applicable` a reason, every `partial` its passing models;
/// - the run reached a verdict somewhere: a matrix in which every tested cell
///   is `unverified` (every failure was the environment's: upstream
///   unavailable, harness) is refused, naming the failure classes and an
///   example. v1's heuristics on error texts are not needed: v2's cells carry
///   the classes the harness gave.
pub fn validate_v2_for_publish(
    matrix: &MatrixV2,
    manifest: &Manifest,
) -> Result<String, ValidationError> {
    let invalid = |m: String| Err(ValidationError::Invalid(m));
    let text = matrix.to_json_pretty();
    match MatrixV2::parse(&text, Path::new("compatibility-matrix.json")) {
        Err(e) => {
            return invalid(format!(
                "the serialized matrix does not read back as schema v{V2_SCHEMA}: {e}"
            ));
        }
        Ok(back) if back != *matrix => {
            return invalid(
                "the serialized matrix does not round-trip (it reads back different)".into(),
            );
        }
        Ok(_) => {}
    }
    let features: Vec<&str> = matrix.features.iter().map(|f| f.id.as_str()).collect();
    if let Err(m) = check_labels_and_shape(
        manifest,
        [&matrix.litellm_version, &matrix.claude_code_version],
        &matrix.providers,
        &features,
    ) {
        return invalid(m);
    }
    let want: Vec<&str> = manifest
        .models_in_use()
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    let have: Vec<&str> = matrix.models.iter().map(|m| m.id.as_str()).collect();
    if let Some(m) = list_mismatch("model", &want, &have) {
        return invalid(m);
    }
    // Each column's own models (`columns[].models`, else all) are its set's.
    for p in &matrix.providers {
        let want: Vec<&str> = manifest
            .models_of(p)
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        let have: Vec<&str> = matrix.models_of(p).iter().map(|m| m.id.as_str()).collect();
        if want != have {
            return invalid(format!(
                "column {p} runs the models {have:?} in the matrix, {want:?} in manifest.yaml (model_sets)"
            ));
        }
    }
    let mut tested = 0usize;
    let mut verdicts = 0usize;
    let mut classes: BTreeSet<String> = BTreeSet::new();
    let mut example: Option<(String, String)> = None;
    for (f, mf) in matrix.features.iter().zip(&manifest.features) {
        if f.name != mf.name {
            return invalid(format!(
                "feature `{}` is named `{}`, the manifest says `{}`",
                f.id, f.name, mf.name
            ));
        }
        for (p, cell) in &f.providers {
            // A cell is judged on its column's models only.
            let own = manifest.models_of(p);
            if let Some(m) = cell
                .models
                .keys()
                .find(|m| !own.iter().any(|o| &o.id == *m))
            {
                return invalid(format!(
                    "{} × {p} has a result for model `{m}`, which column {p} does not run (manifest.yaml model_sets)",
                    f.id
                ));
            }
            let empty = |s: &str| s.trim().is_empty();
            match &cell.status {
                CellStatusV2::Fail { error }
                | CellStatusV2::Partial { error, .. }
                | CellStatusV2::Unverified { error, .. }
                    if empty(error) =>
                {
                    return invalid(format!(
                        "{} × {p} is {} with an empty error message",
                        f.id,
                        cell.status.name()
                    ));
                }
                CellStatusV2::Partial { passing_models, .. } if passing_models.is_empty() => {
                    return invalid(format!("{} × {p} is partial with no passing model", f.id));
                }
                CellStatusV2::NotApplicable { reason } if empty(reason) => {
                    return invalid(format!(
                        "{} × {p} is not_applicable with an empty reason",
                        f.id
                    ));
                }
                _ => {}
            }
            match &cell.status {
                s if s.is_verdict() => {
                    tested += 1;
                    verdicts += 1;
                }
                CellStatusV2::Unverified { error, .. } => {
                    tested += 1;
                    for r in cell.models.values() {
                        if let Some(c) = r.class {
                            classes.insert(class_name(c));
                        }
                    }
                    if example.is_none() {
                        let line = error.lines().next().unwrap_or_default();
                        example = Some((format!("{} × {p}", f.id), shorten(line)));
                    }
                }
                _ => {}
            }
        }
    }
    if tested == 0 {
        return Err(ValidationError::Infrastructure(
            "no cell was tested (every cell is not_tested or not_applicable): the suite produced no evidence; \
             check that it ran and found its cases"
                .into(),
        ));
    }
    if verdicts == 0 {
        let (cell, line) = example.unwrap_or_default();
        let classes = if classes.is_empty() {
            "none recorded".to_owned()
        } else {
            classes.into_iter().collect::<Vec<_>>().join(", ")
        };
        return Err(ValidationError::Infrastructure(format!(
            "no cell reached a verdict: all {tested} tested cells are unverified (failure classes: {classes}). \
             Example ({cell}): {line}. Fix the environment and rerun; the published matrix is left as it is"
        )));
    }
    Ok(text)
}

/// A failure class's wire name (`upstream_unavailable`, ...).
fn class_name(c: FailureClass) -> String {
    serde_json::to_value(c)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{c:?}"))
}

#[cfg(test)]
mod tests;
