//! Tests of `cargo xtask publish`: options, the run against a local docs
//! repo, the built matrix and its history, the commit message.

use super::*;
use compat_matrix::matrix::v2::MatrixV2;
use compat_matrix::results::TrialResult;
use compat_matrix::status::Outcome;
use std::process::Command;

pub(super) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "h")
        .env("GIT_AUTHOR_EMAIL", "h@example.com")
        .env("GIT_COMMITTER_NAME", "h")
        .env("GIT_COMMITTER_EMAIL", "h@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

pub(super) fn docs_repo(root: &Path) -> PathBuf {
    let bare = root.join("docs.git");
    std::fs::create_dir_all(&bare).unwrap();
    git(&bare, &["init", "-q", "--bare", "--initial-branch=main"]);
    let seed = root.join("seed");
    git(
        root,
        &[
            "clone",
            "-q",
            bare.to_str().unwrap(),
            seed.to_str().unwrap(),
        ],
    );
    std::fs::write(seed.join("README.md"), "docs\n").unwrap();
    git(&seed, &["add", "-A"]);
    git(&seed, &["commit", "-q", "-m", "init"]);
    git(&seed, &["push", "-q", "origin", "HEAD:refs/heads/main"]);
    bare
}

/// A finished run in which every anthropic trial got `outcome`.
fn results_file(dir: &Path, mode: Mode, outcome: Outcome) -> PathBuf {
    let manifest = Manifest::load_default().unwrap();
    let mut r = RunResults::new(mode);
    r.run.started_at = "2026-11-25T10:00:00Z".parse().unwrap();
    r.run.finished_at = Some("2026-11-25T10:30:00Z".parse().unwrap());
    r.run.claude_code_version = Some("2.1.120".into());
    r.run.litellm_version = Some("1.83.0".into());
    for f in &manifest.features {
        for m in manifest.models_of("anthropic") {
            r.record(TrialResult {
                feature: f.id.clone(),
                provider: "anthropic".into(),
                model: m.id.clone(),
                outcome: outcome.clone(),
                duration_ms: 1,
                attempts: 1,
                class: None,
                first_error: None,
                signature: None,
                evidence: None,
                details: serde_json::Value::Null,
            });
        }
    }
    let p = dir.join(format!("{mode}-results.json"));
    r.write_atomic(&p).unwrap();
    p
}

pub(super) fn opts(dir: &Path, repo: &Path, results: &Path) -> Options {
    Options {
        mode: None,
        litellm_version: Some("v1.83.0-stable".into()),
        claude_code_version: None,
        results: Some(results.to_owned()),
        docs_repo: repo.to_str().unwrap().to_owned(),
        branch: "main".into(),
        path: PathBuf::from(publisher::DEFAULT_PATH),
        out: dir.join("out/compatibility-matrix.json"),
        manifest: None,
        dry_run: false,
        no_publish: false,
        schema: SchemaVersion::V1,
        run_url: None,
        source_repo: None,
        context_lookups: false,
        releases: None,
    }
}

fn run_capture(o: &Options) -> (anyhow::Result<Report>, String) {
    let mut log = String::new();
    let r = run(o, Some(Secret::new("ghs_NeverShown")), &mut |l| {
        log.push_str(l);
        log.push('\n');
    });
    (r, log)
}

#[test]
fn publishes_a_results_file_to_a_local_docs_repo_then_finds_it_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = docs_repo(tmp.path());
    let results = results_file(tmp.path(), Mode::Live, Outcome::Pass);
    let o = opts(tmp.path(), &repo, &results);

    let (r, log) = run_capture(&o);
    assert!(
        matches!(
            r.unwrap(),
            Report::Published(PublishOutcome::Pushed { attempts: 1, .. })
        ),
        "{log}"
    );
    let published = git(
        &repo,
        &["show", &format!("main:{}", publisher::DEFAULT_PATH)],
    );
    let m = compat_matrix::matrix::Matrix::parse(&published, Path::new("m")).unwrap();
    assert_eq!(
        (m.litellm_version.as_str(), m.claude_code_version.as_str()),
        ("v1.83.0-stable", "2.1.120")
    );
    assert_eq!(m.generated_at, "2026-11-25T10:30:00Z");
    assert_eq!(
        std::fs::read_to_string(&o.out).unwrap().trim_end(),
        published
    );
    assert!(
        git(&repo, &["log", "-1", "--format=%B", "main"])
            .contains("LiteLLM v1.83.0-stable, Claude Code 2.1.120")
    );
    assert!(
        log.contains("note: DOCS_REPO_TOKEN is set but the docs repo is not an http(s) URL"),
        "{log}"
    );
    assert!(!log.contains("ghs_NeverShown"));

    let (r, _) = run_capture(&o);
    assert!(matches!(
        r.unwrap(),
        Report::Published(PublishOutcome::Unchanged)
    ));
    assert_eq!(git(&repo, &["rev-list", "--count", "main"]), "2");
}

#[test]
fn an_all_infrastructure_failure_run_is_refused_before_the_docs_repo() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = docs_repo(tmp.path());
    let results = results_file(
        tmp.path(),
        Mode::Live,
        Outcome::fail("API Error: Connection error (connect ECONNREFUSED 127.0.0.1:4000)"),
    );
    let (r, _) = run_capture(&opts(tmp.path(), &repo, &results));
    let e = format!("{:#}", r.unwrap_err());
    // One provider's cells: one per row of the repository's manifest.
    let rows = compat_matrix::manifest::Manifest::load_default()
        .unwrap()
        .features
        .len();
    assert!(
        e.starts_with(&format!(
            "refusing to publish what looks like a broken environment: all {rows} tested cells failed"
        )),
        "{e}"
    );
    assert_eq!(git(&repo, &["rev-list", "--count", "main"]), "1");
}

#[test]
fn sim_results_never_go_to_a_remote_docs_repo() {
    let tmp = tempfile::tempdir().unwrap();
    let results = results_file(tmp.path(), Mode::Sim, Outcome::Pass);
    let mut o = opts(tmp.path(), tmp.path(), &results);
    o.docs_repo = "https://github.com/BerriAI/litellm-docs.git".into();
    let (r, _) = run_capture(&o);
    assert!(
        r.unwrap_err()
            .to_string()
            .starts_with("refusing to publish simulator results")
    );
    // ... but a dry run is fine.
    o.dry_run = true;
    o.docs_repo = docs_repo(tmp.path()).to_str().unwrap().to_owned();
    let (r, _) = run_capture(&o);
    assert!(matches!(
        r.unwrap(),
        Report::Published(PublishOutcome::DryRun { .. })
    ));
}

/// Issue 26: a rehearsal (or sim) run is never published as the matrix
/// readers see: refused for any remote docs repo, refused at the docs
/// site's real path even in a local docs repo, accepted at another path of
/// a local (bare) repo; its v2 matrix says `rehearsal`.
#[test]
fn rehearsal_results_go_only_to_a_local_repo_away_from_the_real_path() {
    let tmp = tempfile::tempdir().unwrap();
    let results = results_file(tmp.path(), Mode::Rehearsal, Outcome::Pass);
    let repo = docs_repo(tmp.path());
    let mut o = opts(tmp.path(), &repo, &results);
    o.schema = SchemaVersion::V2;
    for remote in [
        "https://github.com/BerriAI/litellm-docs.git",
        "ssh://git@github.com/BerriAI/litellm-docs.git",
    ] {
        o.docs_repo = remote.into();
        for path in [publisher::DEFAULT_PATH, REHEARSAL_PATH] {
            o.path = PathBuf::from(path);
            let e = run_capture(&o).0.unwrap_err().to_string();
            assert!(
                e.starts_with(&format!(
                    "refusing to publish rehearsal results to {remote}"
                )),
                "{remote} {path}: {e}"
            );
        }
        // Refused before the suite when the mode is asked up front.
        let mut before = o.clone();
        before.results = None;
        before.mode = Some(Mode::Rehearsal);
        let e = run_capture(&before).0.unwrap_err().to_string();
        assert!(
            e.starts_with("refusing to publish rehearsal results"),
            "{e}"
        );
    }
    o.docs_repo = repo.to_str().unwrap().to_owned();
    let file_url = format!("file://{}", repo.display());
    for (repo_text, path) in [
        (o.docs_repo.clone(), publisher::DEFAULT_PATH.to_owned()),
        (file_url.clone(), format!("./{}", publisher::DEFAULT_PATH)),
        (file_url.clone(), format!("/{}", publisher::DEFAULT_PATH)),
    ] {
        let mut local = o.clone();
        local.docs_repo = repo_text;
        local.path = PathBuf::from(&path);
        let e = run_capture(&local).0.unwrap_err().to_string();
        assert!(
            e.starts_with("refusing to publish rehearsal results (rehearsal mode) to")
                && e.contains("the docs site's real matrix path")
                && e.contains(REHEARSAL_PATH),
            "{path}: {e}"
        );
    }
    assert_eq!(git(&repo, &["rev-list", "--count", "main"]), "1");

    o.docs_repo = file_url;
    o.path = PathBuf::from(REHEARSAL_PATH);
    let (r, log) = run_capture(&o);
    assert!(
        matches!(r.unwrap(), Report::Published(PublishOutcome::Pushed { .. })),
        "{log}"
    );
    let published = git(&repo, &["show", &format!("main:{REHEARSAL_PATH}")]);
    let m = MatrixV2::parse(&published, Path::new("m")).unwrap();
    assert_eq!(
        m.context.and_then(|c| c.mode),
        Some(Mode::Rehearsal),
        "{published}"
    );
    assert!(
        git(&repo, &["ls-tree", "-r", "--name-only", "main"])
            .lines()
            .all(|f| f != publisher::DEFAULT_PATH)
    );

    // Sim results obey the same rule at the real path of a local repo.
    let sim = results_file(tmp.path(), Mode::Sim, Outcome::Pass);
    let mut o = opts(tmp.path(), &repo, &sim);
    let e = run_capture(&o).0.unwrap_err().to_string();
    assert!(
        e.starts_with("refusing to publish simulator results (sim mode)"),
        "{e}"
    );
    // `--mode rehearsal` against a live file is refused.
    let live = results_file(tmp.path(), Mode::Live, Outcome::Pass);
    o.results = Some(live);
    o.mode = Some(Mode::Rehearsal);
    o.path = PathBuf::from(REHEARSAL_PATH);
    let e = run_capture(&o).0.unwrap_err().to_string();
    assert!(
        e.ends_with("holds a live run, but --mode rehearsal was asked"),
        "{e}"
    );
}

/// The matrix's own mode is checked too: a hand-built live-labelled results
/// file cannot carry a matrix that says otherwise past the publisher (the
/// check reads the built matrix, not only the results file).
#[test]
fn the_refusal_reads_the_mode_of_the_matrix_too() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = docs_repo(tmp.path());
    let o = opts(tmp.path(), &repo, Path::new("unused"));
    for mode in [Mode::Sim, Mode::Rehearsal] {
        let why = unpublishable_refusal(mode, &o, Some(&Remote::parse(&o.docs_repo).unwrap()));
        assert!(
            why.is_some_and(|w| w.contains("real matrix path")),
            "{mode}"
        );
        let mut dry = o.clone();
        dry.dry_run = true;
        let remote = Remote::parse(&dry.docs_repo).unwrap();
        assert_eq!(unpublishable_refusal(mode, &dry, Some(&remote)), None);
        assert_eq!(unpublishable_refusal(mode, &o, None), None, "--no-publish");
    }
    let remote = Remote::parse(&o.docs_repo).unwrap();
    assert_eq!(unpublishable_refusal(Mode::Live, &o, Some(&remote)), None);
    assert!(!is_docs_real_path(Path::new(REHEARSAL_PATH)));
    assert!(is_docs_real_path(Path::new(
        "src//data/./compatibility-matrix.json"
    )));
}

#[test]
fn labels_must_match_what_the_run_measured() {
    let tmp = tempfile::tempdir().unwrap();
    let results = results_file(tmp.path(), Mode::Live, Outcome::Pass);
    let mut o = opts(tmp.path(), tmp.path(), &results);
    o.no_publish = true;
    o.claude_code_version = Some("2.1.121".into());
    let e = run_capture(&o).0.unwrap_err().to_string();
    assert!(
        e.contains(
            "was produced with Claude Code 2.1.120, but the matrix would be labelled 2.1.121"
        ),
        "{e}"
    );
    o.claude_code_version = None;
    o.litellm_version = Some("v1.84.0-stable".into());
    let e = run_capture(&o).0.unwrap_err().to_string();
    assert!(
        e.contains(
            "was produced with LiteLLM 1.83.0, but the matrix would be labelled v1.84.0-stable"
        ),
        "{e}"
    );
    o.litellm_version = Some("v1.83.0-stable".into());
    assert!(matches!(run_capture(&o).0.unwrap(), Report::Written));
    let mut o2 = o.clone();
    o2.mode = Some(Mode::Sim);
    let e = run_capture(&o2).0.unwrap_err().to_string();
    assert!(
        e.ends_with("holds a live run, but --mode sim was asked"),
        "{e}"
    );
}

/// A finished run (anthropic only) at `finished`, each trial's outcome
/// and class from `outcome(feature, model)`.
fn run_at(
    dir: &Path,
    finished: &str,
    outcome: impl Fn(&str, &str) -> (Outcome, Option<compat_matrix::status::FailureClass>),
) -> PathBuf {
    let manifest = Manifest::load_default().unwrap();
    let mut r = RunResults::new(Mode::Live);
    r.run.started_at = "2026-11-20T00:00:00Z".parse().unwrap();
    r.run.finished_at = Some(finished.parse().unwrap());
    r.run.claude_code_version = Some("2.1.120".into());
    r.run.litellm_version = Some("1.83.0".into());
    for f in &manifest.features {
        for m in manifest.models_of("anthropic") {
            let (outcome, class) = outcome(&f.id, &m.id);
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

#[test]
fn three_runs_in_a_row_carry_previous_statuses_history_and_flips() {
    use compat_matrix::matrix::v2::{CellStatusV2, MatrixV2, Previous};
    use compat_matrix::status::FailureClass;
    let tmp = tempfile::tempdir().unwrap();
    let repo = docs_repo(tmp.path());
    let (t1, t2, t3) = (
        "2026-11-23T10:30:00Z",
        "2026-11-24T10:30:00Z",
        "2026-11-25T10:30:00Z",
    );
    let publish_run = |results: &Path| {
        let mut o = opts(tmp.path(), &repo, results);
        o.schema = SchemaVersion::V2;
        o.run_url = Some("https://ci.example/run/1".into());
        let (r, log) = run_capture(&o);
        assert!(
            matches!(r, Ok(Report::Published(PublishOutcome::Pushed { .. }))),
            "{r:?}\n{log}"
        );
        let text = git(
            &repo,
            &["show", &format!("main:{}", publisher::DEFAULT_PATH)],
        );
        assert_eq!(std::fs::read_to_string(&o.out).unwrap().trim_end(), text);
        let msg = git(&repo, &["log", "-1", "--format=%B", "main"]);
        (MatrixV2::parse(&text, Path::new("m")).unwrap(), msg)
    };
    let pass = || (Outcome::Pass, None);
    let broken = "tool_use block missing\nsecond line";

    // Run 1: everything passes. A first publish: no history, no flips.
    let (m1, msg1) = publish_run(&run_at(tmp.path(), t1, |_, _| pass()));
    assert!(
        m1.features
            .iter()
            .all(|f| f.providers.values().all(|c| c.history.is_none()))
    );
    assert!(msg1.contains("First publish at this path."), "{msg1}");
    assert_eq!(
        m1.context.as_ref().and_then(|c| c.run_url.as_deref()),
        Some("https://ci.example/run/1")
    );

    // Run 2: tool_use fails on haiku only (partial).
    let (m2, msg2) = publish_run(&run_at(tmp.path(), t2, |f, m| {
        if f == "tool_use" && m == "claude-haiku-4-5" {
            (Outcome::fail(broken), Some(FailureClass::Incompatible))
        } else {
            pass()
        }
    }));
    let c = m2.cell("tool_use", "anthropic").unwrap();
    assert_eq!(c.status.name(), "partial");
    let h = c.history.as_ref().unwrap();
    assert_eq!(
        (h.previous_status.as_str(), h.changed_at.as_str()),
        ("pass", t2)
    );
    // Unchanged since run 1 (which kept no history): changed at run 1.
    let h = m2
        .cell("vision", "anthropic")
        .unwrap()
        .history
        .as_ref()
        .unwrap();
    assert_eq!(
        (h.previous_status.as_str(), h.changed_at.as_str()),
        ("pass", t1)
    );
    // Untested cells have a history too (not_tested both times).
    let h = m2
        .cell("vision", "azure")
        .unwrap()
        .history
        .as_ref()
        .unwrap();
    assert_eq!(h.previous_status, "not_tested");
    assert!(
        msg2.contains(
            "1 cell(s) changed status or model verdict:\ntool_use/anthropic: pass -> partial\n  claude-haiku-4-5: pass -> fail (tool_use block missing)"
        ),
        "{msg2}"
    );

    // Run 3: tool_use fails everywhere, vision's provider is unavailable.
    let (m3, msg3) = publish_run(&run_at(tmp.path(), t3, |f, _| match f {
        "tool_use" => (Outcome::fail(broken), Some(FailureClass::Incompatible)),
        "vision" => (
            Outcome::fail("529 overloaded"),
            Some(FailureClass::UpstreamUnavailable),
        ),
        _ => pass(),
    }));
    let c = m3.cell("tool_use", "anthropic").unwrap();
    assert_eq!(c.status.name(), "fail");
    let h = c.history.as_ref().unwrap();
    assert_eq!(
        (h.previous_status.as_str(), h.changed_at.as_str()),
        ("partial", t3)
    );
    let c = m3.cell("vision", "anthropic").unwrap();
    assert_eq!(
        c.status,
        CellStatusV2::Unverified {
            error: "claude-haiku-4-5: 529 overloaded\nclaude-sonnet-4-6: 529 overloaded\nclaude-opus-4-7: 529 overloaded".into(),
            previous: Some(Previous {
                status: "pass".into(),
                verified_at: t2.into(),
            }),
        }
    );
    assert_eq!(c.history.as_ref().unwrap().previous_status, "pass");
    // Still passing: the change time carries over from run 1.
    let h = m3
        .cell("extended_thinking", "anthropic")
        .unwrap()
        .history
        .as_ref()
        .unwrap();
    assert_eq!(
        (h.previous_status.as_str(), h.changed_at.as_str()),
        ("pass", t1)
    );
    assert!(
        msg3.contains(
            "2 cell(s) changed status or model verdict:\n\
             tool_use/anthropic: partial -> fail\n  \
             claude-sonnet-4-6: pass -> fail (tool_use block missing)\n  \
             claude-opus-4-7: pass -> fail (tool_use block missing)\n\
             vision/anthropic: pass -> unverified (claude-haiku-4-5: 529 overloaded)"
        ),
        "{msg3}"
    );
    assert_eq!(git(&repo, &["rev-list", "--count", "main"]), "4");
    // Each publish committed the matrix and its history file, nothing else.
    let hist_path = "src/data/compatibility-history.json";
    for rev in ["main", "main~1", "main~2"] {
        let files = git(
            &repo,
            &["diff-tree", "--no-commit-id", "--name-only", "-r", rev],
        );
        assert_eq!(
            files,
            format!("{hist_path}\n{}", publisher::DEFAULT_PATH),
            "{rev}"
        );
    }
    let h = History::parse(&git(&repo, &["show", &format!("main:{hist_path}")])).unwrap();
    let statuses = |cell: &str| {
        h.cells[cell]
            .iter()
            .map(|p| format!("{} {}", p.generated_at, p.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        statuses("tool_use/anthropic"),
        [
            format!("{t1} pass"),
            format!("{t2} partial"),
            format!("{t3} fail")
        ]
    );

    // `cargo xtask history` reads the same from the git history.
    let (from_git, runs) = crate::history::collect(
        repo.to_str().unwrap(),
        "main",
        Path::new(publisher::DEFAULT_PATH),
        2,
    )
    .unwrap();
    assert_eq!(runs, 3);
    assert_eq!(
        from_git.cells["tool_use/anthropic"],
        h.cells["tool_use/anthropic"][1..]
    );
    let report = from_git.report(runs);
    assert!(report.starts_with("3 published run(s)\n"), "{report}");
    assert!(
        report.contains(&format!(
            "tool_use/anthropic: fail\n  {t3}: partial -> fail\n"
        )),
        "{report}"
    );
    assert!(
        report.contains("extended_thinking/anthropic: pass, unchanged\n"),
        "{report}"
    );
    let (all, _) = crate::history::collect(
        repo.to_str().unwrap(),
        "main",
        Path::new(publisher::DEFAULT_PATH),
        30,
    )
    .unwrap();
    assert_eq!(all, h, "the incremental file and the git history agree");
    assert!(all.report(3).contains(&format!(
        "vision/anthropic: unverified\n  {t3}: pass -> unverified\n"
    )));

    // Publishing run 3 again changes nothing (its history is kept).
    let mut o = opts(tmp.path(), &repo, &tmp.path().join(format!("{t3}.json")));
    o.schema = SchemaVersion::V2;
    o.run_url = Some("https://ci.example/run/1".into());
    assert!(matches!(
        run_capture(&o).0.unwrap(),
        Report::Published(PublishOutcome::Unchanged)
    ));
}

#[test]
fn a_v2_run_without_a_single_verdict_is_refused() {
    use compat_matrix::status::FailureClass;
    let tmp = tempfile::tempdir().unwrap();
    let repo = docs_repo(tmp.path());
    let results = run_at(tmp.path(), "2026-11-25T10:30:00Z", |_, _| {
        (
            Outcome::fail("credit balance is too low"),
            Some(FailureClass::UpstreamUnavailable),
        )
    });
    let mut o = opts(tmp.path(), &repo, &results);
    o.schema = SchemaVersion::V2;
    let e = format!("{:#}", run_capture(&o).0.unwrap_err());
    let rows = compat_matrix::manifest::Manifest::load_default()
        .unwrap()
        .features
        .len();
    assert!(
        e.contains(&format!("no cell reached a verdict: all {rows} tested cells are unverified (failure classes: upstream_unavailable)"))
            && e.contains("claude-haiku-4-5: credit balance is too low"),
        "{e}"
    );
    assert_eq!(git(&repo, &["rev-list", "--count", "main"]), "1");
}

#[test]
fn v2_validation_names_what_is_wrong() {
    use compat_matrix::matrix::v2::CellStatusV2;
    use compat_matrix::status::FailureClass;
    let tmp = tempfile::tempdir().unwrap();
    let results_path = run_at(tmp.path(), "2026-11-25T10:30:00Z", |f, m| match f {
        "tool_use" if m == "claude-haiku-4-5" => (
            Outcome::fail("no tool_use"),
            Some(FailureClass::Incompatible),
        ),
        _ => (Outcome::Pass, None),
    });
    let results = RunResults::load(&results_path).unwrap();
    let manifest = Manifest::load_default().unwrap();
    let inputs = [ResultsInput {
        path: &results_path,
        results: &results,
    }];
    let AnyMatrix::V2(good) = build_schema(
        SchemaVersion::V2,
        &manifest,
        &inputs,
        &BuildOptions {
            litellm_version: Some("v1.83.0-stable".into()),
            ..Default::default()
        },
        &None,
        None,
    )
    .unwrap() else {
        panic!()
    };
    let check = |m: &MatrixV2| {
        compat_matrix::matrix::validate::validate_v2_for_publish(m, &manifest)
            .map_err(|e| e.to_string())
    };
    assert_eq!(check(&good).unwrap(), good.to_json_pretty());

    let mut m = good.clone();
    let cell = m.features[2].providers.get_mut("anthropic").unwrap();
    let CellStatusV2::Partial { error, .. } = &mut cell.status else {
        panic!("{:?}", cell.status)
    };
    *error = " ".into();
    let e = check(&m).unwrap_err();
    assert!(
        e.contains("tool_use × anthropic is partial with an empty error message"),
        "{e}"
    );

    let mut m = good.clone();
    m.models.swap(0, 1);
    let e = check(&m).unwrap_err();
    assert!(e.contains("models are out of manifest order"), "{e}");

    let mut m = good.clone();
    m.features.pop();
    let e = check(&m).unwrap_err();
    assert!(e.contains("feature rows differ from manifest.yaml"), "{e}");

    let mut m = good;
    m.claude_code_version = "2.1.120\n".into();
    let e = check(&m).unwrap_err();
    assert!(e.contains("claude_code_version"), "{e}");
}

#[test]
fn defaults_fill_in() {
    let o = PublishArgs {
        mode: None,
        litellm_version: None,
        claude_code_version: None,
        results: None,
        docs_repo: Some("/d".into()),
        branch: publisher::DEFAULT_BRANCH.into(),
        path: PathBuf::from(publisher::DEFAULT_PATH),
        out: None,
        manifest: None,
        dry_run: true,
        no_publish: false,
        schema: crate::matrix::Schema(SchemaVersion::V1),
        run_url: None,
        source_repo: None,
        releases: None,
    }
    .into_options();
    assert_eq!((o.docs_repo.as_str(), o.branch.as_str()), ("/d", "main"));
    assert!(o.out.ends_with("compatibility-matrix.json"));
}

mod bump;
