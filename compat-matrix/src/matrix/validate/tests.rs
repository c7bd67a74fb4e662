//! Tests of the validator: shape, labels, verdicts, the broken-environment
//! heuristics, and the summary of changes.

use super::*;
use crate::matrix::compare::{describe_changes, flips};
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
    let row = |id: &str, name: &str, [a, b]: [CellStatus; 2]| crate::matrix::MatrixFeature {
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
    assert!(matches!(e, ValidationError::Infrastructure(_)));
    let e = e.to_string();
    assert!(e.contains("all 3 tested cells failed"), "{e}");
    assert!(
        e.contains("cannot connect to the proxy (connection refused)"),
        "{e}"
    );
    assert!(
        e.contains("Example (f1 × a): API Error: Connection error (ECONNREFUSED 127.0.0.1:4000)"),
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
        describe_changes(Some(&old.to_json_pretty()), &AnyMatrix::V1(new.clone())),
        [
            "litellm_version: v1.83.0-stable -> v1.84.0-stable",
            "f1 × b: pass -> fail"
        ]
    );
    let mut newer = old.clone();
    newer.generated_at = "2026-11-26T10:00:00Z".into();
    assert_eq!(
        describe_changes(Some(&old.to_json_pretty()), &AnyMatrix::V1(newer)),
        ["same results, newer run: generated_at 2026-11-25T10:00:00Z -> 2026-11-26T10:00:00Z"]
    );
    assert!(describe_changes(None, &AnyMatrix::V1(new))[0].starts_with("new file"));
}

/// Flip lines speak per model: a regression inside a partial cell and a
/// model failing differently are listed although the cell stays partial.
#[test]
fn flips_name_each_model_and_both_signatures() {
    let m = |haiku: &str, opus: &str| {
        let r = |s: &str| {
            if s == "pass" {
                serde_json::json!({"status": "pass", "attempts": 1, "duration_ms": 1})
            } else {
                serde_json::json!({"status": "fail", "class": "incompatible", "error": s, "attempts": 1, "duration_ms": 1})
            }
        };
        let text = serde_json::json!({
            "schema_version": "2",
            "generated_at": "2026-11-25T00:00:00Z",
            "litellm_version": "v1",
            "claude_code_version": "2",
            "providers": ["bedrock_invoke"],
            "models": [{"id": "claude-haiku-4-5", "name": "Haiku"}, {"id": "claude-sonnet-4-6", "name": "Sonnet"}, {"id": "claude-opus-4-7", "name": "Opus"}],
            "features": [{"id": "count_tokens", "name": "Token counting", "providers": {"bedrock_invoke": {
                "status": "partial", "error": "x", "passing_models": ["claude-sonnet-4-6"],
                "models": {"claude-haiku-4-5": r(haiku), "claude-sonnet-4-6": r("pass"), "claude-opus-4-7": r(opus)}
            }}}]
        })
        .to_string();
        AnyMatrix::parse(&text, std::path::Path::new("m.json")).unwrap()
    };
    let old = m("pass", "the gateway answered 500 and no count");
    let new = m(
        "the count 3 is not plausible",
        "the gateway answered 502 and no count",
    );
    let lines = flips(Some(&old), &new);
    assert_eq!(
        lines,
        ["count_tokens/bedrock_invoke: partial -> partial\n  \
          claude-haiku-4-5: pass -> fail (the count 3 is not plausible)\n  \
          claude-opus-4-7: failing differently: was `incompatible: the gateway answered 500 and no count`, now `incompatible: the gateway answered 502 and no count`"]
    );
    // Run-to-run noise is no change.
    let again = m("pass", "the gateway answered 500 and no count");
    assert!(flips(Some(&old), &again).is_empty());
}
