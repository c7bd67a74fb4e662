//! Tests of `cargo xtask publish --releases`: the refusals the matrix has,
//! and a publish to a local docs repo beside the matrix path.

use super::*;
use crate::publish::tests::{docs_repo, git, opts};
use crate::publish::{REHEARSAL_PATH, run};
use crate::publisher::PublishOutcome;
use compat_matrix::releases::{Named, Release, ReleaseCell, ReleaseVerdict, VerdictStatus};
use compat_matrix::results::Mode;

fn file(mode: Mode) -> ReleasesFile {
    let verdict = |status| ReleaseVerdict {
        status,
        class: None,
        message: None,
    };
    ReleasesFile {
        schema_version: 1,
        generated_at: "2026-12-06T06:00:00Z".into(),
        mode,
        claude_code_version: "2.1.332".into(),
        releases: ["1.106.12", "1.108.7"]
            .iter()
            .map(|v| Release {
                litellm_version: (*v).into(),
                measured_at: "2026-12-06T05:40:00Z".into(),
                why: None,
                cells: Some(1),
                passing_models: Some(1),
            })
            .collect(),
        skipped: Vec::new(),
        features: vec![Named {
            id: "tool_use".into(),
            name: "Tool use".into(),
        }],
        providers: vec![Named {
            id: "anthropic".into(),
            name: "Anthropic".into(),
        }],
        models: vec![Named {
            id: "claude-haiku-4-5".into(),
            name: "Claude Haiku 4.5".into(),
        }],
        cells: vec![ReleaseCell {
            feature: "tool_use".into(),
            provider: "anthropic".into(),
            model: "claude-haiku-4-5".into(),
            by_release: [
                ("1.106.12".to_owned(), verdict(VerdictStatus::Fail)),
                ("1.108.7".to_owned(), verdict(VerdictStatus::Pass)),
            ]
            .into_iter()
            .collect(),
            works_since: Some("1.108.7".into()),
            broke_in: None,
        }],
    }
}

fn publish_file(
    dir: &Path,
    repo: &str,
    mode: Mode,
    path: &str,
) -> (anyhow::Result<Report>, String) {
    let f = dir.join(format!("{mode}-releases.json"));
    std::fs::write(&f, file(mode).to_json_pretty()).unwrap();
    let mut o = opts(dir, Path::new(repo), Path::new("unused.json"));
    o.results = None;
    o.litellm_version = None;
    o.releases = Some(f);
    o.docs_repo = repo.to_owned();
    o.path = PathBuf::from(path);
    let mut log = String::new();
    let r = run(&o, Some(Secret::new("ghs_NeverShown")), &mut |l| {
        log.push_str(l);
        log.push('\n');
    });
    (r, log)
}

#[test]
fn sim_releases_go_only_to_a_local_repo_away_from_the_real_path() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = "https://github.com/BerriAI/litellm-docs.git";
    let e = publish_file(tmp.path(), remote, Mode::Sim, publisher::DEFAULT_PATH)
        .0
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("refusing to publish simulator results to"),
        "{e}"
    );
    let repo = docs_repo(tmp.path());
    let local = repo.to_str().unwrap();
    let e = publish_file(tmp.path(), local, Mode::Sim, publisher::DEFAULT_PATH)
        .0
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("that is the docs site's real matrix path"),
        "{e}"
    );
    let (r, log) = publish_file(tmp.path(), local, Mode::Rehearsal, REHEARSAL_PATH);
    assert!(
        matches!(r.unwrap(), Report::Published(PublishOutcome::Pushed { .. })),
        "{log}"
    );
    assert!(!log.contains("ghs_NeverShown"));
    let shown = git(
        &repo,
        &["show", "main:rehearsal/compatibility-releases.json"],
    );
    assert_eq!(
        ReleasesFile::parse(&shown, Path::new("x")).unwrap(),
        file(Mode::Rehearsal)
    );
    let message = git(&repo, &["log", "-1", "--format=%B", "main"]);
    assert!(
        message.starts_with(
            "compatibility-releases: LiteLLM 1.106.12, 1.108.7 x Claude Code 2.1.332 (rehearsal)"
        ),
        "{message}"
    );
    assert!(message.contains("tool_use x anthropic x claude-haiku-4-5: works since 1.108.7"));
    // The same file again: nothing to commit.
    let (r, _) = publish_file(tmp.path(), local, Mode::Rehearsal, REHEARSAL_PATH);
    assert!(matches!(
        r.unwrap(),
        Report::Published(PublishOutcome::Unchanged)
    ));
}

#[test]
fn a_live_releases_file_goes_beside_the_real_matrix_path() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = docs_repo(tmp.path());
    let (r, log) = publish_file(
        tmp.path(),
        repo.to_str().unwrap(),
        Mode::Live,
        publisher::DEFAULT_PATH,
    );
    assert!(
        matches!(r.unwrap(), Report::Published(PublishOutcome::Pushed { .. })),
        "{log}"
    );
    let files = git(&repo, &["ls-tree", "-r", "--name-only", "main"]);
    assert!(
        files.contains("src/data/compatibility-releases.json"),
        "{files}"
    );
    assert!(
        !files.contains("src/data/compatibility-matrix.json"),
        "only the releases file"
    );
}

#[test]
fn a_file_that_is_not_a_releases_file_is_refused_before_the_docs_repo() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("m.json");
    std::fs::write(&f, r#"{"schema_version":"2","releases":[],"cells":[]}"#).unwrap();
    let mut o = opts(
        tmp.path(),
        Path::new("/nonexistent"),
        Path::new("unused.json"),
    );
    o.results = None;
    o.releases = Some(f);
    o.no_publish = true;
    let e = run(&o, None, &mut |_| {}).unwrap_err().to_string();
    assert!(e.contains("schema_version is \"2\""), "{e}");
}
