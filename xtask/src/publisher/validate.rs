//! Checks a built matrix must pass before it is published, and a human
//! summary of what a publish changes.

use std::collections::BTreeSet;
use std::path::Path;

use compat_core::manifest::Manifest;
use compat_core::matrix::{Matrix, SCHEMA_VERSION};
use compat_core::status::CellStatus;

use super::PublishError;

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
pub fn validate_for_publish(matrix: &Matrix, manifest: &Manifest) -> Result<String, PublishError> {
    let invalid = |m: String| Err(PublishError::Invalid(m));
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
    for (what, v) in [
        ("litellm_version", &matrix.litellm_version),
        ("claude_code_version", &matrix.claude_code_version),
    ] {
        if v.trim().is_empty() {
            return invalid(format!(
                "{what} is empty: pass it explicitly (--litellm-version / --claude-code-version)"
            ));
        }
        if v.trim() != v || v.contains(char::is_control) {
            return invalid(format!(
                "{what} `{}` has surrounding whitespace or control characters",
                v.escape_debug()
            ));
        }
    }
    let want: Vec<&str> = manifest.providers.iter().map(|p| p.id.as_str()).collect();
    let have: Vec<&str> = matrix.providers.iter().map(String::as_str).collect();
    if let Some(m) = list_mismatch("provider column", &want, &have) {
        return invalid(m);
    }
    let want: Vec<&str> = manifest.features.iter().map(|f| f.id.as_str()).collect();
    let have: Vec<&str> = matrix.features.iter().map(|f| f.id.as_str()).collect();
    if let Some(m) = list_mismatch("feature row", &want, &have) {
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
        return Err(PublishError::Infrastructure(m));
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

/// `claude-opus-4-7: connection refused` -> `connection refused`.
fn strip_model(line: &str) -> &str {
    match line.split_once(": ") {
        Some((m, rest)) if m.starts_with("claude-") && !m.contains(' ') => rest.trim(),
        _ => line.trim(),
    }
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(160).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// One line per difference between the published matrix (`old`, the file's
/// text if it exists) and the new one: versions, rows/columns, cell statuses.
pub fn describe_changes(old: Option<&str>, new: &Matrix) -> Vec<String> {
    let Some(old) = old else {
        return vec!["new file: the docs repo has no matrix at this path yet".into()];
    };
    let old = match Matrix::parse(old, Path::new("published matrix")) {
        Ok(m) => m,
        Err(e) => {
            return vec![format!(
                "the published file is not a valid matrix ({e}); it is replaced"
            )];
        }
    };
    let mut out = Vec::new();
    for (what, a, b) in [
        (
            "litellm_version",
            &old.litellm_version,
            &new.litellm_version,
        ),
        (
            "claude_code_version",
            &old.claude_code_version,
            &new.claude_code_version,
        ),
    ] {
        if a != b {
            out.push(format!("{what}: {a} -> {b}"));
        }
    }
    if old.providers != new.providers {
        out.push(format!(
            "providers: {:?} -> {:?}",
            old.providers, new.providers
        ));
    }
    for f in &new.features {
        let Some(of) = old.features.iter().find(|o| o.id == f.id) else {
            out.push(format!("new row: {}", f.id));
            continue;
        };
        for (p, cell) in &f.providers {
            match of.providers.get(p) {
                Some(o) if o == cell => {}
                Some(o) if o.name() == cell.name() => {
                    out.push(format!("{} × {p}: {} (message changed)", f.id, cell.name()))
                }
                Some(o) => out.push(format!("{} × {p}: {} -> {}", f.id, o.name(), cell.name())),
                None => out.push(format!("{} × {p}: new cell, {}", f.id, cell.name())),
            }
        }
    }
    for of in &old.features {
        if !new.features.iter().any(|f| f.id == of.id) {
            out.push(format!("removed row: {}", of.id));
        }
    }
    if out.is_empty() && old.generated_at != new.generated_at {
        out.push(format!(
            "same results, newer run: generated_at {} -> {}",
            old.generated_at, new.generated_at
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    fn manifest() -> Manifest {
        Manifest::parse(
            "features:\n  - id: f1\n    name: F1\n  - id: f2\n    name: F2\nproviders:\n  - id: a\n    name: A\n  - id: b\n    name: B\n\
             models:\n  - id: claude-haiku-4-5\n    name: Claude Haiku 4.5\n    short: haiku-4.5\n",
            Path::new("manifest.yaml"),
        )
        .unwrap()
    }

    fn matrix(cells: [[CellStatus; 2]; 2]) -> Matrix {
        let [r1, r2] = cells;
        let row =
            |id: &str, name: &str, [a, b]: [CellStatus; 2]| compat_core::matrix::MatrixFeature {
                id: id.into(),
                name: name.into(),
                providers: IndexMap::from([("a".to_owned(), a), ("b".to_owned(), b)]),
            };
        Matrix {
            schema_version: "1".into(),
            generated_at: "2026-11-25T10:00:00Z".into(),
            litellm_version: "v1.83.0-stable".into(),
            claude_code_version: "2.1.120".into(),
            providers: vec!["a".into(), "b".into()],
            features: vec![row("f1", "F1", r1), row("f2", "F2", r2)],
        }
    }

    fn fail(e: &str) -> CellStatus {
        CellStatus::Fail { error: e.into() }
    }

    use CellStatus::{NotApplicable, NotTested, Pass};

    #[test]
    fn a_normal_matrix_passes_and_serializes_exactly() {
        let m = matrix([
            [Pass, fail("claude-opus-4-7: tool_use block missing")],
            [NotTested, Pass],
        ]);
        assert_eq!(
            validate_for_publish(&m, &manifest()).unwrap(),
            m.to_json_pretty()
        );
    }

    #[test]
    fn missing_row_or_column_and_empty_versions_are_refused() {
        let mut m = matrix([[Pass, Pass], [Pass, Pass]]);
        m.features.pop();
        let e = validate_for_publish(&m, &manifest())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(r#"feature rows differ from manifest.yaml: missing ["f2"]"#),
            "{e}"
        );

        let mut m = matrix([[Pass, Pass], [Pass, Pass]]);
        m.litellm_version = " ".into();
        let e = validate_for_publish(&m, &manifest())
            .unwrap_err()
            .to_string();
        assert!(e.contains("litellm_version is empty"), "{e}");

        let mut m = matrix([[Pass, Pass], [Pass, Pass]]);
        m.features.swap(0, 1);
        let e = validate_for_publish(&m, &manifest())
            .unwrap_err()
            .to_string();
        assert!(e.contains("out of manifest order"), "{e}");

        let mut m = matrix([[Pass, Pass], [Pass, Pass]]);
        m.features[0].providers.shift_remove("b");
        let e = validate_for_publish(&m, &manifest())
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not read back as schema v1"), "{e}");
    }

    #[test]
    fn all_connection_refused_is_infrastructure() {
        let refused = "claude-haiku-4-5: API Error: Connection error (ECONNREFUSED 127.0.0.1:4000)\n\
                       claude-opus-4-7: connect ECONNREFUSED 127.0.0.1:4000";
        let m = matrix([
            [fail(refused), fail(refused)],
            [NotApplicable { reason: "r".into() }, fail(refused)],
        ]);
        let e = validate_for_publish(&m, &manifest()).unwrap_err();
        assert!(matches!(e, PublishError::Infrastructure(_)));
        let e = e.to_string();
        assert!(e.contains("all 3 tested cells failed"), "{e}");
        assert!(
            e.contains("cannot connect to the proxy (connection refused)"),
            "{e}"
        );
        assert!(
            e.contains(
                "Example (f1 × a): API Error: Connection error (ECONNREFUSED 127.0.0.1:4000)"
            ),
            "{e}"
        );
    }

    #[test]
    fn mixed_infrastructure_causes_are_named() {
        let m = matrix([
            [
                fail("claude-haiku-4-5: HTTP 401 Unauthorized"),
                fail("claude-haiku-4-5: proxy not ready after 60 s"),
            ],
            [NotTested, NotTested],
        ]);
        let e = detect_infrastructure_failure(&m).unwrap();
        assert!(
            e.contains("authentication failed (401)") && e.contains("proxy never became ready"),
            "{e}"
        );
    }

    #[test]
    fn one_pass_or_a_real_failure_is_publishable() {
        let refused = "claude-haiku-4-5: connection refused";
        assert!(
            detect_infrastructure_failure(&matrix([[fail(refused), Pass], [NotTested, NotTested]]))
                .is_none()
        );
        let m = matrix([
            [
                fail(refused),
                fail("claude-haiku-4-5: expected a tool_use block, got text"),
            ],
            [NotTested, NotTested],
        ]);
        assert!(detect_infrastructure_failure(&m).is_none());
        // "401" inside a number is not a status code.
        assert!(classify("took 14012 ms then the assertion failed").is_none());
    }

    #[test]
    fn identical_unknown_errors_everywhere_are_refused() {
        let e = "claude-haiku-4-5: weird: something broke";
        let m = matrix([[fail(e), fail(e)], [fail(e), fail(e)]]);
        assert!(
            detect_infrastructure_failure(&m)
                .unwrap()
                .contains("identical error `weird: something broke`")
        );
    }

    #[test]
    fn nothing_tested_is_refused() {
        let m = matrix([
            [NotTested, NotTested],
            [NotTested, NotApplicable { reason: "r".into() }],
        ]);
        assert!(
            detect_infrastructure_failure(&m)
                .unwrap()
                .starts_with("no cell was tested")
        );
    }

    #[test]
    fn describes_cell_and_version_changes() {
        let old = matrix([[Pass, Pass], [Pass, NotTested]]);
        let mut new = matrix([[Pass, fail("claude-haiku-4-5: x")], [Pass, NotTested]]);
        new.litellm_version = "v1.84.0-stable".into();
        assert_eq!(
            describe_changes(Some(&old.to_json_pretty()), &new),
            [
                "litellm_version: v1.83.0-stable -> v1.84.0-stable",
                "f1 × b: pass -> fail"
            ]
        );
        let mut newer = old.clone();
        newer.generated_at = "2026-11-26T10:00:00Z".into();
        assert_eq!(
            describe_changes(Some(&old.to_json_pretty()), &newer),
            ["same results, newer run: generated_at 2026-11-25T10:00:00Z -> 2026-11-26T10:00:00Z"]
        );
        assert!(describe_changes(None, &new)[0].starts_with("new file"));
    }
}
