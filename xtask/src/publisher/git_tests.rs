//! The publisher against real git repositories: a bare repository in a
//! temporary folder is the docs remote, reached by file path, and once over
//! smart HTTP (`git http-backend` behind a small server on 127.0.0.1 that
//! demands the token), to check where the token goes and where it does not.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use compat_core::secret::Secret;

use crate::publisher::{
    Identity, PublishError, PublishOutcome, PublishRequest, fixed_content, publish,
};

const PATH: &str = "src/data/compatibility-matrix.json";
const TOKEN: &str = "ghs_TestInstallationToken0123456789";

/// Runs git for test setup, isolated from the user's configuration.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Docs Human")
        .env("GIT_AUTHOR_EMAIL", "human@example.com")
        .env("GIT_COMMITTER_NAME", "Docs Human")
        .env("GIT_COMMITTER_EMAIL", "human@example.com")
        .env("LC_ALL", "C")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A bare `docs.git` whose `main` holds a README (and whatever `seed` adds).
fn docs_remote(root: &Path, seed: impl FnOnce(&Path)) -> PathBuf {
    let bare = root.join("docs.git");
    std::fs::create_dir_all(&bare).unwrap();
    git(
        &bare,
        &["init", "--quiet", "--bare", "--initial-branch=main"],
    );
    let work = root.join("seed");
    git(
        root,
        &[
            "clone",
            "--quiet",
            bare.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    std::fs::write(work.join("README.md"), "# docs\n").unwrap();
    seed(&work);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "--quiet", "-m", "docs: initial"]);
    git(
        &work,
        &["push", "--quiet", "origin", "HEAD:refs/heads/main"],
    );
    bare
}

/// Pushes a commit by someone else to the remote's `main`.
fn someone_else_pushes(bare: &Path, file: &str, content: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("w");
    git(
        tmp.path(),
        &[
            "clone",
            "--quiet",
            bare.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    std::fs::write(work.join(file), content).unwrap();
    git(&work, &["add", "-A"]);
    git(
        &work,
        &["commit", "--quiet", "-m", &format!("docs: edit {file}")],
    );
    git(
        &work,
        &["push", "--quiet", "origin", "HEAD:refs/heads/main"],
    );
}

fn log(bare: &Path) -> Vec<String> {
    git(bare, &["log", "--format=%s|%an", "main"])
        .lines()
        .map(str::to_owned)
        .collect()
}

fn files_of(bare: &Path, rev: &str) -> Vec<String> {
    git(
        bare,
        &["diff-tree", "--no-commit-id", "--name-only", "-r", rev],
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

fn matrix_json(generated_at: &str, tool_use: &str) -> String {
    format!(
        r#"{{
  "schema_version": "1",
  "generated_at": "{generated_at}",
  "litellm_version": "v1.83.0-stable",
  "claude_code_version": "2.1.120",
  "providers": ["anthropic", "bedrock_converse"],
  "features": [
    {{"id": "tool_use", "name": "Tool use", "providers": {{"anthropic": {{"status": "{tool_use}"}}, "bedrock_converse": {{"status": "not_tested"}}}}}}
  ]
}}
"#
    )
}

struct Run {
    outcome: Result<PublishOutcome, PublishError>,
    log: String,
    work: tempfile::TempDir,
}

fn run(
    repo: &str,
    content: &str,
    dry_run: bool,
    token: Option<&Secret>,
    before_push: Option<&dyn Fn(u32)>,
) -> Run {
    let work = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    let make = fixed_content(content, "Update Claude Code compatibility matrix");
    let req = PublishRequest {
        repo,
        branch: "main",
        path: Path::new(PATH),
        content: &make,
        token,
        author: Identity::default(),
        dry_run,
        work_dir: work.path(),
        history_path: None,
        before_push,
    };
    let outcome = publish(&req, &mut |l| {
        lines.push_str(l);
        lines.push('\n');
    });
    Run {
        outcome,
        log: lines,
        work,
    }
}

#[test]
fn first_publish_is_one_commit_touching_exactly_the_matrix() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = docs_remote(tmp.path(), |_| {});
    let content = matrix_json("2026-11-25T10:00:00Z", "pass");
    let r = run(bare.to_str().unwrap(), &content, false, None, None);
    let PublishOutcome::Pushed {
        commit,
        attempts,
        diff,
        changes,
    } = r.outcome.unwrap()
    else {
        panic!()
    };
    assert_eq!(attempts, 1);
    assert_eq!(
        log(&bare),
        [
            "Update Claude Code compatibility matrix|claude-code-compat-matrix[bot]",
            "docs: initial|Docs Human"
        ]
    );
    assert_eq!(git(&bare, &["rev-parse", "main"]), commit);
    assert_eq!(files_of(&bare, "main"), [PATH]);
    assert_eq!(
        git(&bare, &["show", &format!("main:{PATH}")]),
        content.trim_end()
    );
    assert!(
        diff.contains(&format!("+++ b/{PATH}")) && diff.contains("+  \"schema_version\": \"1\","),
        "{diff}"
    );
    assert_eq!(
        changes,
        ["new file: the docs repo has no matrix at this path yet"]
    );
    // The committer is the bot too (set by environment, not by git config).
    assert_eq!(
        git(&bare, &["log", "-1", "--format=%cn <%ce>", "main"]),
        "claude-code-compat-matrix[bot] <claude-code-compat-matrix[bot]@users.noreply.github.com>"
    );
    let config = std::fs::read_to_string(r.work.path().join("docs/.git/config")).unwrap();
    assert!(
        !config.contains("user.") && !config.contains("extraheader"),
        "{config}"
    );
}

#[test]
fn unchanged_publish_makes_no_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = docs_remote(tmp.path(), |_| {});
    let content = matrix_json("2026-11-25T10:00:00Z", "pass");
    assert!(matches!(
        run(bare.to_str().unwrap(), &content, false, None, None).outcome,
        Ok(PublishOutcome::Pushed { .. })
    ));
    let before = log(&bare);
    let r = run(bare.to_str().unwrap(), &content, false, None, None);
    assert_eq!(r.outcome.unwrap(), PublishOutcome::Unchanged);
    assert!(
        r.log.contains("matrix unchanged; nothing to publish"),
        "{}",
        r.log
    );
    assert_eq!(log(&bare), before);

    // A real change is summarised cell by cell.
    let r = run(
        bare.to_str().unwrap(),
        &matrix_json(
            "2026-11-26T10:00:00Z",
            "fail\", \"error\": \"claude-haiku-4-5: boom",
        ),
        false,
        None,
        None,
    );
    let PublishOutcome::Pushed { changes, .. } = r.outcome.unwrap() else {
        panic!()
    };
    assert_eq!(changes, ["tool_use × anthropic: pass -> fail"]);
    assert_eq!(log(&bare).len(), 3);
}

#[test]
fn a_change_outside_the_matrix_path_is_refused_and_nothing_is_pushed() {
    let tmp = tempfile::tempdir().unwrap();
    // `src/data` is a symlink to `other/` inside the docs repo: writing the
    // matrix "at src/data/..." would really change other/compatibility-matrix.json.
    let bare = docs_remote(tmp.path(), |w| {
        std::fs::create_dir_all(w.join("other")).unwrap();
        std::fs::write(w.join("other/keep.md"), "keep\n").unwrap();
        std::fs::create_dir_all(w.join("src")).unwrap();
        std::os::unix::fs::symlink("../other", w.join("src/data")).unwrap();
    });
    let before = log(&bare);
    let r = run(
        bare.to_str().unwrap(),
        &matrix_json("2026-11-25T10:00:00Z", "pass"),
        false,
        None,
        None,
    );
    let e = r.outcome.unwrap_err();
    match &e {
        PublishError::OutsideAllowlist { files, .. } => {
            assert_eq!(files, &[PathBuf::from("other/compatibility-matrix.json")])
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string().contains(
            "changes outside src/data/compatibility-matrix.json: other/compatibility-matrix.json"
        ),
        "{e}"
    );
    assert_eq!(log(&bare), before);
}

#[test]
fn a_symlink_out_of_the_repository_is_never_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let target = outside.clone();
    let bare = docs_remote(tmp.path(), move |w| {
        std::fs::create_dir_all(w.join("src")).unwrap();
        std::os::unix::fs::symlink(&target, w.join("src/data")).unwrap();
    });
    let r = run(
        bare.to_str().unwrap(),
        &matrix_json("2026-11-25T10:00:00Z", "pass"),
        false,
        None,
        None,
    );
    let e = r.outcome.unwrap_err().to_string();
    assert!(e.contains("resolves outside the docs repository"), "{e}");
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        0,
        "wrote outside the clone"
    );
}

#[test]
fn push_race_is_rebased_and_retried_once() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = docs_remote(tmp.path(), |_| {});
    let hook = |attempt: u32| {
        if attempt == 1 {
            someone_else_pushes(&bare, "README.md", "# docs, edited meanwhile\n");
        }
    };
    let r = run(
        bare.to_str().unwrap(),
        &matrix_json("2026-11-25T10:00:00Z", "pass"),
        false,
        None,
        Some(&hook),
    );
    let PublishOutcome::Pushed { attempts, .. } = r.outcome.unwrap() else {
        panic!()
    };
    assert_eq!(attempts, 2);
    assert!(
        r.log.contains(
            "push rejected: `main` moved since the clone; re-applying the matrix on its new tip"
        ),
        "{}",
        r.log
    );
    // Ours on top of theirs, theirs intact, ours still touches only the matrix.
    assert_eq!(
        log(&bare),
        [
            "Update Claude Code compatibility matrix|claude-code-compat-matrix[bot]",
            "docs: edit README.md|Docs Human",
            "docs: initial|Docs Human"
        ]
    );
    assert_eq!(files_of(&bare, "main"), [PATH]);
    assert_eq!(
        git(&bare, &["show", "main:README.md"]),
        "# docs, edited meanwhile"
    );
}

#[test]
fn a_second_push_race_fails_clearly_and_pushes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = docs_remote(tmp.path(), |_| {});
    let hook =
        |attempt: u32| someone_else_pushes(&bare, "README.md", &format!("# edit {attempt}\n"));
    let r = run(
        bare.to_str().unwrap(),
        &matrix_json("2026-11-25T10:00:00Z", "pass"),
        false,
        None,
        Some(&hook),
    );
    let e = r.outcome.unwrap_err();
    assert!(
        matches!(e, PublishError::PushRace { attempts: 2, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("moved again while publishing")
            && e.to_string().contains("nothing was pushed"),
        "{e}"
    );
    let subjects = log(&bare);
    assert_eq!(subjects[0], "docs: edit README.md|Docs Human");
    assert!(
        subjects.iter().all(|s| !s.contains("[bot]")),
        "{subjects:?}"
    );
}

#[test]
fn dry_run_shows_the_diff_and_pushes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = docs_remote(tmp.path(), |w| {
        std::fs::create_dir_all(w.join("src/data")).unwrap();
        std::fs::write(w.join(PATH), matrix_json("2026-11-24T10:00:00Z", "pass")).unwrap();
    });
    let before = git(&bare, &["rev-parse", "main"]);
    let r = run(
        bare.to_str().unwrap(),
        &matrix_json("2026-11-25T10:00:00Z", "pass"),
        true,
        None,
        None,
    );
    let PublishOutcome::DryRun { diff, changes } = r.outcome.unwrap() else {
        panic!()
    };
    assert!(
        diff.contains("-  \"generated_at\": \"2026-11-24T10:00:00Z\",\n+  \"generated_at\": \"2026-11-25T10:00:00Z\","),
        "{diff}"
    );
    assert_eq!(
        changes,
        ["same results, newer run: generated_at 2026-11-24T10:00:00Z -> 2026-11-25T10:00:00Z"]
    );
    assert_eq!(git(&bare, &["rev-parse", "main"]), before);
    // Not even a local commit was made.
    assert_eq!(
        git(&r.work.path().join("docs"), &["rev-parse", "HEAD"]),
        before
    );
}

#[test]
fn missing_branch_and_bad_inputs_have_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = docs_remote(tmp.path(), |_| {});
    let work = tempfile::tempdir().unwrap();
    let content = fixed_content(&matrix_json("2026-11-25T10:00:00Z", "pass"), "m");
    let mut req = PublishRequest {
        repo: bare.to_str().unwrap(),
        branch: "gh-pages",
        path: Path::new(PATH),
        content: &content,
        token: None,
        author: Identity::default(),
        dry_run: false,
        work_dir: work.path(),
        history_path: None,
        before_push: None,
    };
    let e = publish(&req, &mut |_| {}).unwrap_err();
    assert!(matches!(e, PublishError::BranchMissing { .. }), "{e:?}");
    assert!(
        e.to_string()
            .ends_with("has no branch `gh-pages`; pass the right one with --branch"),
        "{e}"
    );
    req.branch = "main";
    req.path = Path::new("../escape.json");
    assert!(
        publish(&req, &mut |_| {})
            .unwrap_err()
            .to_string()
            .contains("without `..`")
    );
}

// ---- over HTTP, with a token ----------------------------------------------

mod http {
    use super::*;
    use axum::body::Body;
    use axum::extract::State;
    use axum::http::{Request, Response, StatusCode};
    use base64::Engine as _;

    #[derive(Clone)]
    struct Server {
        root: PathBuf,
        expected: String,
        seen: Arc<Mutex<Vec<Option<String>>>>,
    }

    /// A CGI bridge to `git http-backend` that answers 401 unless the request
    /// carries exactly the expected Authorization header.
    async fn handle(State(s): State<Server>, req: Request<Body>) -> Response<Body> {
        let auth = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        s.seen.lock().unwrap().push(auth.clone());
        if auth.as_deref() != Some(s.expected.as_str()) {
            return Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .header("www-authenticate", "Basic realm=\"docs\"")
                .body(Body::empty())
                .unwrap();
        }
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let header = |n: &str| {
            parts
                .headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let mut cmd = tokio::process::Command::new("git");
        cmd.arg("http-backend")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_PROJECT_ROOT", &s.root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("REMOTE_USER", "x-access-token")
            .env("REMOTE_ADDR", "127.0.0.1")
            .env("REQUEST_METHOD", parts.method.as_str())
            .env("PATH_INFO", parts.uri.path())
            .env("QUERY_STRING", parts.uri.query().unwrap_or(""))
            .env("CONTENT_TYPE", header("content-type"))
            .env("CONTENT_LENGTH", body.len().to_string())
            .env("HTTP_CONTENT_ENCODING", header("content-encoding"))
            .env("GIT_PROTOCOL", header("git-protocol"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            stdin.write_all(&body).await.ok();
        });
        let out = child.wait_with_output().await.unwrap();
        writer.await.unwrap();
        let raw = out.stdout;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| (i, 4))
            .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)))
            .expect("CGI headers");
        let head = String::from_utf8_lossy(&raw[..split.0]).into_owned();
        let mut resp = Response::builder().status(StatusCode::OK);
        for line in head.lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.eq_ignore_ascii_case("status") {
                let code: u16 = v.trim().split(' ').next().unwrap().parse().unwrap();
                resp = resp.status(code);
            } else {
                resp = resp.header(k.trim(), v.trim());
            }
        }
        resp.body(Body::from(raw[split.0 + split.1..].to_vec()))
            .unwrap()
    }

    fn serve(root: PathBuf) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{TOKEN}"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = Server {
            root,
            expected: format!("Basic {basic}"),
            seen: seen.clone(),
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    let app = axum::Router::new().fallback(handle).with_state(state);
                    let l = tokio::net::TcpListener::from_std(listener).unwrap();
                    axum::serve(l, app).await.unwrap();
                })
        });
        (format!("http://{addr}/docs.git"), seen)
    }

    /// Every file under `dir`, as text (lossy), for leak hunting.
    fn all_text(dir: &Path) -> String {
        let mut out = String::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(b) = std::fs::read(&p) {
                    out.push_str(&String::from_utf8_lossy(&b));
                }
            }
        }
        out
    }

    #[test]
    fn the_token_is_sent_as_a_header_and_left_nowhere() {
        let tmp = tempfile::tempdir().unwrap();
        let bare = docs_remote(tmp.path(), |_| {});
        git(&bare, &["config", "http.receivepack", "true"]);
        let (url, seen) = serve(tmp.path().to_path_buf());
        let token = Secret::new(TOKEN);
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{TOKEN}"));

        let r = run(
            &url,
            &matrix_json("2026-11-25T10:00:00Z", "pass"),
            false,
            Some(&token),
            None,
        );
        let outcome = r.outcome.unwrap();
        let PublishOutcome::Pushed { diff, .. } = &outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(files_of(&bare, "main"), [PATH]);
        // The server demanded the token on every request, and got it.
        let seen = seen.lock().unwrap().clone();
        assert!(seen.len() >= 3, "clone and push requests: {seen:?}");
        assert!(
            seen.iter()
                .all(|a| a.as_deref() == Some(format!("Basic {basic}").as_str())),
            "{seen:?}"
        );
        // Nowhere on disk in the clone (config, logs, FETCH_HEAD...), nor in
        // the output the publisher surfaced.
        let on_disk = all_text(&r.work.path().join("docs"));
        for needle in [TOKEN, basic.as_str()] {
            assert!(!on_disk.contains(needle), "token found in the clone");
            assert!(
                !r.log.contains(needle) && !diff.contains(needle),
                "token found in the output"
            );
            assert!(!format!("{outcome:?}").contains(needle));
        }
    }

    #[test]
    fn a_wrong_token_is_an_auth_error_that_does_not_echo_it() {
        let tmp = tempfile::tempdir().unwrap();
        let bare = docs_remote(tmp.path(), |_| {});
        git(&bare, &["config", "http.receivepack", "true"]);
        let (url, _) = serve(tmp.path().to_path_buf());
        let wrong = Secret::new("ghs_WrongTokenValue");
        let r = run(
            &url,
            &matrix_json("2026-11-25T10:00:00Z", "pass"),
            false,
            Some(&wrong),
            None,
        );
        let e = r.outcome.unwrap_err();
        assert!(matches!(e, PublishError::Auth { .. }), "{e:?}");
        let text = format!("{e} {e:?} {}", r.log);
        assert!(
            text.contains("DOCS_REPO_TOKEN must hold a GitHub App installation token"),
            "{text}"
        );
        assert!(!text.contains("ghs_WrongTokenValue"), "{text}");
    }
}

#[test]
fn a_push_race_rebuilds_the_content_from_the_new_tips_matrix() {
    let tmp = tempfile::tempdir().unwrap();
    let bare = docs_remote(tmp.path(), |w| {
        std::fs::create_dir_all(w.join("src/data")).unwrap();
        std::fs::write(w.join(PATH), matrix_json("2026-11-23T10:00:00Z", "pass")).unwrap();
    });
    let theirs = matrix_json("2026-11-24T10:00:00Z", "not_tested");
    let hook = |attempt: u32| {
        if attempt == 1 {
            someone_else_pushes(&bare, PATH, &theirs);
        }
    };
    let seen = Mutex::new(Vec::<String>::new());
    let make = |old: &crate::publisher::Old<'_>| {
        let old = old.matrix.unwrap_or_default();
        seen.lock().unwrap().push(old.to_owned());
        let generated = if old.contains("2026-11-24") {
            "2026-11-25T11:00:00Z"
        } else {
            "2026-11-25T10:00:00Z"
        };
        Ok(crate::publisher::Prepared {
            text: matrix_json(generated, "pass"),
            message: format!("made from a matrix of {} bytes", old.len()),
            changes: Vec::new(),
            history: Some("{}\n".into()),
        })
    };
    let work = tempfile::tempdir().unwrap();
    let history = format!(
        "{}/compatibility-history.json",
        PATH.rsplit_once('/').unwrap().0
    );
    let req = PublishRequest {
        repo: bare.to_str().unwrap(),
        branch: "main",
        path: Path::new(PATH),
        content: &make,
        token: None,
        author: Identity::default(),
        dry_run: false,
        work_dir: work.path(),
        history_path: Some(Path::new(&history)),
        before_push: Some(&hook),
    };
    let out = publish(&req, &mut |_| {}).unwrap();
    assert!(matches!(out, PublishOutcome::Pushed { attempts: 2, .. }));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].contains("2026-11-23T10:00:00Z"));
    assert_eq!(seen[1], theirs, "the retry saw the new tip's matrix");
    assert!(
        git(&bare, &["show", &format!("main:{PATH}")]).contains("2026-11-25T11:00:00Z"),
        "the pushed matrix is the one rebuilt on the new tip"
    );
    assert_eq!(files_of(&bare, "main"), [history.as_str(), PATH]);
    // The history path is the only other file the publisher may commit.
    let evil = tempfile::tempdir().unwrap();
    let req = PublishRequest {
        history_path: Some(Path::new(PATH)),
        work_dir: evil.path(),
        before_push: None,
        ..req
    };
    assert!(matches!(
        publish(&req, &mut |_| {}),
        Err(PublishError::BadPath { .. })
    ));
}
