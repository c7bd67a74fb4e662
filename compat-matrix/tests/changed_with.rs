//! A v2 cell's `history.changed_with` (the version bump that came with a
//! change): what moved between two runs, its words, its place in the file
//! and the JSON Schema, and files written before it still load.

use std::path::Path;

use compat_matrix::matrix::v2::{AnyMatrix, ChangedWith, MatrixV2, VersionMove};

fn moved(from: &str, to: &str) -> Option<VersionMove> {
    Some(VersionMove {
        from: from.into(),
        to: to.into(),
    })
}

#[test]
fn only_the_versions_that_moved_are_named() {
    assert_eq!(
        ChangedWith::between(("1.108.7", "2.1.331"), ("1.108.7", "2.1.331")),
        None
    );
    let l = ChangedWith::between(("1.108.7", "2.1.331"), ("1.110.2", "2.1.331")).unwrap();
    assert_eq!(
        l,
        ChangedWith {
            litellm: moved("1.108.7", "1.110.2"),
            claude_code: None
        }
    );
    assert_eq!(l.text(), "LiteLLM 1.108.7 → 1.110.2");
    let c = ChangedWith::between(("1.108.7", "2.1.331"), ("1.108.7", "2.1.332")).unwrap();
    assert_eq!(c.text(), "Claude Code 2.1.331 → 2.1.332");
    let both = ChangedWith::between(("1.108.7", "2.1.331"), ("1.110.2", "2.1.332")).unwrap();
    assert_eq!(
        both.text(),
        "LiteLLM 1.108.7 → 1.110.2 and Claude Code 2.1.331 → 2.1.332"
    );
    // A downgrade is a move too (a rerun on an older release).
    assert_eq!(
        ChangedWith::between(("1.110.2", "x"), ("1.108.7", "x"))
            .unwrap()
            .text(),
        "LiteLLM 1.110.2 → 1.108.7"
    );
}

/// A minimal v2 matrix with one cell whose history is `history` (JSON).
fn matrix_with_history(history: &str) -> String {
    format!(
        r#"{{
  "schema_version": "2",
  "generated_at": "2026-12-06T06:00:00Z",
  "litellm_version": "1.110.2",
  "claude_code_version": "2.1.332",
  "providers": ["anthropic"],
  "models": [{{"id": "claude-haiku-4-5", "name": "Claude Haiku 4.5"}}],
  "features": [{{"id": "tool_use", "name": "Tool use", "providers": {{"anthropic": {{
    "status": "fail", "error": "claude-haiku-4-5: broken",
    "models": {{"claude-haiku-4-5": {{"status": "fail", "class": "incompatible", "error": "broken", "attempts": 1, "duration_ms": 5}}}},
    "history": {history}
  }}}}}}]
}}"#
    )
}

fn schema_errors(json: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas/compatibility-matrix.v2.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance: serde_json::Value = serde_json::from_str(json).unwrap();
    validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn changed_with_reads_writes_and_matches_the_schema_and_old_files_still_load() {
    let with = matrix_with_history(
        r#"{"previous_status": "pass", "changed_at": "2026-12-06T06:00:00Z",
            "changed_with": {"litellm": {"from": "1.108.7", "to": "1.110.2"}}}"#,
    );
    let m = MatrixV2::parse(&with, Path::new("m.json")).unwrap();
    let h = m
        .cell("tool_use", "anthropic")
        .unwrap()
        .history
        .clone()
        .unwrap();
    assert_eq!(
        h.changed_with,
        Some(ChangedWith {
            litellm: moved("1.108.7", "1.110.2"),
            claude_code: None
        })
    );
    let written = m.to_json_pretty();
    let v: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(
        v["features"][0]["providers"]["anthropic"]["history"]["changed_with"],
        serde_json::json!({"litellm": {"from": "1.108.7", "to": "1.110.2"}}),
        "{written}"
    );
    assert_eq!(schema_errors(&written), Vec::<String>::new());

    // Written before changed_with existed: loads, and writes nothing new.
    let old =
        matrix_with_history(r#"{"previous_status": "pass", "changed_at": "2026-12-05T06:00:00Z"}"#);
    let m = AnyMatrix::parse(&old, Path::new("old.json")).unwrap();
    let AnyMatrix::V2(m) = m else { panic!("v2") };
    assert_eq!(
        m.cell("tool_use", "anthropic")
            .unwrap()
            .history
            .as_ref()
            .unwrap()
            .changed_with,
        None
    );
    assert!(!m.to_json_pretty().contains("changed_with"));
    assert_eq!(schema_errors(&m.to_json_pretty()), Vec::<String>::new());

    // The schema and the reader refuse an empty or misspelt bump.
    let empty = matrix_with_history(
        r#"{"previous_status": "pass", "changed_at": "2026-12-06T06:00:00Z", "changed_with": {}}"#,
    );
    assert_eq!(
        schema_errors(&empty).len(),
        1,
        "{:?}",
        schema_errors(&empty)
    );
    let typo = matrix_with_history(
        r#"{"previous_status": "pass", "changed_at": "2026-12-06T06:00:00Z",
            "changed_with": {"lite_llm": {"from": "a", "to": "b"}}}"#,
    );
    assert!(!schema_errors(&typo).is_empty());
    let e = MatrixV2::parse(&typo, Path::new("typo.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("lite_llm"), "{e}");
}
