//! Tests of version-bump attribution in `cargo xtask publish`: a cell's
//! `history.changed_with` (the versions that moved with its change) and the
//! commit message's bump line, over four runs against a local docs repo.

use super::*;
use compat_matrix::matrix::v2::{ChangedWith, VersionMove};
use compat_matrix::status::FailureClass;

/// A finished live run (anthropic only) at `finished` with these versions;
/// tool_use and vision fail for the gateway where `failing` names them.
fn run_with(dir: &Path, finished: &str, litellm: &str, cli: &str, failing: &[&str]) -> PathBuf {
    let manifest = Manifest::load_default().unwrap();
    let mut r = RunResults::new(Mode::Live);
    r.run.started_at = "2026-11-20T00:00:00Z".parse().unwrap();
    r.run.finished_at = Some(finished.parse().unwrap());
    r.run.claude_code_version = Some(cli.into());
    r.run.litellm_version = Some(litellm.into());
    for f in &manifest.features {
        for m in manifest.models_of("anthropic") {
            let (outcome, class) = if failing.contains(&f.id.as_str()) {
                (
                    Outcome::fail("tool_use block missing"),
                    Some(FailureClass::Incompatible),
                )
            } else {
                (Outcome::Pass, None)
            };
            r.record(TrialResult {
                feature: f.id.clone(),
                provider: "anthropic".into(),
                model: m.id.clone(),
                outcome,
                duration_ms: 1,
                attempts: 1,
                class,
                first_error: None,
                signature: None,
                evidence: None,
                details: serde_json::Value::Null,
            });
        }
    }
    let p = dir.join(format!("{finished}.json"));
    r.write_atomic(&p).unwrap();
    p
}

fn moved(from: &str, to: &str) -> Option<VersionMove> {
    Some(VersionMove {
        from: from.into(),
        to: to.into(),
    })
}

#[test]
fn a_version_bump_is_named_in_the_changed_cells_history_and_the_commit_message() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = docs_repo(tmp.path());
    let publish_run = |results: &Path| {
        let mut o = opts(tmp.path(), &repo, results);
        o.schema = SchemaVersion::V2;
        // The versions the results recorded label the matrix (the builder
        // spells LiteLLM's as a tag: `v1.83.0`).
        o.litellm_version = None;
        let (r, log) = run_capture(&o);
        assert!(
            matches!(r, Ok(Report::Published(PublishOutcome::Pushed { .. }))),
            "{r:?}\n{log}"
        );
        let text = git(
            &repo,
            &["show", &format!("main:{}", publisher::DEFAULT_PATH)],
        );
        let msg = git(&repo, &["log", "-1", "--format=%B", "main"]);
        (MatrixV2::parse(&text, Path::new("m")).unwrap(), text, msg)
    };
    let with = |m: &MatrixV2, f: &str| {
        m.cell(f, "anthropic")
            .unwrap()
            .history
            .as_ref()
            .unwrap()
            .changed_with
            .clone()
    };
    let (t1, t2, t3, t4) = (
        "2026-11-23T10:30:00Z",
        "2026-11-24T10:30:00Z",
        "2026-11-25T10:30:00Z",
        "2026-11-26T10:30:00Z",
    );

    // Run 1: everything passes on LiteLLM 1.83.0.
    let (_, _, msg1) = publish_run(&run_with(tmp.path(), t1, "1.83.0", "2.1.120", &[]));
    assert!(!msg1.contains('→'), "{msg1}");

    // Run 2: LiteLLM moved to 1.84.0 and two cells broke with it.
    let (m2, text2, msg2) = publish_run(&run_with(
        tmp.path(),
        t2,
        "1.84.0",
        "2.1.120",
        &["tool_use", "vision"],
    ));
    let litellm_bump = Some(ChangedWith {
        litellm: moved("v1.83.0", "v1.84.0"),
        claude_code: None,
    });
    assert_eq!(with(&m2, "tool_use"), litellm_bump);
    assert_eq!(with(&m2, "vision"), litellm_bump);
    // A cell that kept its status did not change with the bump.
    assert_eq!(with(&m2, "extended_thinking"), None);
    // As published: only the version that moved.
    let v: serde_json::Value = serde_json::from_str(&text2).unwrap();
    let tool_use = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "tool_use")
        .unwrap();
    assert_eq!(
        tool_use["providers"]["anthropic"]["history"]["changed_with"],
        serde_json::json!({"litellm": {"from": "v1.83.0", "to": "v1.84.0"}})
    );
    assert!(
        msg2.contains(
            "\nLiteLLM v1.83.0 → v1.84.0: 2 cells changed (tool_use × anthropic: pass → fail, vision × anthropic: pass → fail).\n"
        ),
        "{msg2}"
    );

    // Run 3: the CLI moved; vision works again, tool_use still fails and
    // keeps the bump that broke it (with its change time).
    let (m3, _, msg3) = publish_run(&run_with(
        tmp.path(),
        t3,
        "1.84.0",
        "2.1.121",
        &["tool_use"],
    ));
    assert_eq!(with(&m3, "tool_use"), litellm_bump);
    assert_eq!(
        m3.cell("tool_use", "anthropic")
            .unwrap()
            .history
            .as_ref()
            .unwrap()
            .changed_at,
        t2
    );
    assert_eq!(
        with(&m3, "vision"),
        Some(ChangedWith {
            litellm: None,
            claude_code: moved("2.1.120", "2.1.121"),
        })
    );
    assert!(
        msg3.contains(
            "\nClaude Code 2.1.120 → 2.1.121: 1 cell changed (vision × anthropic: fail → pass).\n"
        ),
        "{msg3}"
    );

    // Run 4: no version moved; tool_use works again. Its change came with
    // no bump, and the message names none.
    let (m4, _, msg4) = publish_run(&run_with(tmp.path(), t4, "1.84.0", "2.1.121", &[]));
    let h = m4
        .cell("tool_use", "anthropic")
        .unwrap()
        .history
        .clone()
        .unwrap();
    assert_eq!(
        (h.previous_status.as_str(), h.changed_at.as_str()),
        ("fail", t4)
    );
    assert_eq!(h.changed_with, None);
    assert!(!msg4.contains('→'), "{msg4}");
    assert!(msg4.contains("tool_use/anthropic: fail -> pass"), "{msg4}");
}

#[test]
fn a_bump_that_changed_nothing_says_so_and_a_long_list_is_cut() {
    use compat_matrix::matrix::compare::{BUMP_CELLS_SHOWN, bump_summary};
    let tmp = tempfile::tempdir().unwrap();
    let manifest = Manifest::load_default().unwrap();
    let build = |finished: &str, litellm: &str, failing: &[&str]| {
        let path = run_with(tmp.path(), finished, litellm, "2.1.120", failing);
        let results = RunResults::load(&path).unwrap();
        AnyMatrix::V2(
            compat_matrix::matrix::v2::build(
                &manifest,
                &[compat_matrix::matrix::ResultsInput {
                    path: &path,
                    results: &results,
                }],
                &BuildOptions::default(),
            )
            .unwrap(),
        )
    };
    let old = build("2026-11-23T10:30:00Z", "1.83.0", &[]);
    let same = build("2026-11-24T10:30:00Z", "1.84.0", &[]);
    assert_eq!(
        bump_summary(&old, &same).as_deref(),
        Some("LiteLLM v1.83.0 → v1.84.0: no cell changed status")
    );
    // No version moved: not a bump's change.
    let broken_same_versions = build("2026-11-24T11:30:00Z", "1.83.0", &["tool_use"]);
    assert_eq!(bump_summary(&old, &broken_same_versions), None);
    let rows: Vec<&str> = manifest
        .features
        .iter()
        .map(|f| f.id.as_str())
        .take(BUMP_CELLS_SHOWN + 2)
        .collect();
    let many = build("2026-11-25T10:30:00Z", "1.84.0", &rows);
    let line = bump_summary(&old, &many).unwrap();
    let expected_start = format!(
        "LiteLLM v1.83.0 → v1.84.0: {} cells changed ({} × anthropic: pass → fail, ",
        BUMP_CELLS_SHOWN + 2,
        rows[0]
    );
    assert!(line.starts_with(&expected_start), "{line}");
    assert!(line.ends_with(", … and 2 more)"), "{line}");
    assert_eq!(line.matches(" → fail").count(), BUMP_CELLS_SHOWN, "{line}");
}
