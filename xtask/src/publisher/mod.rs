//! The Publisher: commits the matrix file (and, with schema v2, the history
//! file beside it), and nothing else, to the docs repository and pushes it.
//!
//! Flow of [`publish`]: shallow-clone the docs branch into a scratch folder,
//! read the matrix it holds (if any) and make the new content from it
//! ([`PublishRequest::content`]: the previous verdicts, the cells' history and
//! the commit message's flips all come from the file being replaced), write
//! it at its path, list what changed, refuse if anything but the matrix path
//! (and [`PublishRequest::history_path`]) changed ([`select_allowed`]), stop
//! if nothing changed, otherwise commit and push. If the push is rejected
//! because the branch moved on since the clone, fetch the new tip, make the
//! content again from the new tip's files and push again, once; a second race
//! fails without pushing anything.
//!
//! The GitHub App behind the token can write the whole docs repository (GitHub
//! cannot scope a git-push token to one file); the two-path restriction is
//! this module's job, enforced in code before every commit.
//!
//! Credentials: see [`git`] for how the token reaches git without touching
//! argv, `.git/config` or any output.

use std::path::{Component, Path, PathBuf};

use compat_core::secret::Secret;

pub mod git;
#[cfg(test)]
mod git_tests;

pub use compat_matrix::matrix::compare::{describe_changes, flips};
use compat_matrix::matrix::validate::ValidationError;
pub use git::{Identity, Remote};

/// The one validator (compat-matrix's), with the publisher's error.
pub fn validate_any_for_publish(
    matrix: &compat_matrix::matrix::v2::AnyMatrix,
    manifest: &compat_matrix::manifest::Manifest,
) -> Result<String, PublishError> {
    compat_matrix::matrix::validate::validate_any_for_publish(matrix, manifest)
        .map_err(PublishError::from)
}

impl From<ValidationError> for PublishError {
    fn from(e: ValidationError) -> Self {
        match e {
            ValidationError::Invalid(m) => PublishError::Invalid(m),
            ValidationError::Infrastructure(m) => PublishError::Infrastructure(m),
        }
    }
}

use git::{Git, parse_status_z};

/// The environment variable holding the docs repo token (a GitHub App
/// installation token with contents: write on the docs repo).
pub const TOKEN_VAR: &str = "DOCS_REPO_TOKEN";
pub const DEFAULT_BRANCH: &str = "main";
pub const DEFAULT_PATH: &str = "src/data/compatibility-matrix.json";

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "refusing to publish: the docs clone has changes outside {allowed}: {}. The publisher only ever commits \
         the matrix file; check the path (is part of it a symlink in the docs repo?) and the docs repo's \
         .gitattributes, then rerun",
        list(files)
    )]
    OutsideAllowlist {
        allowed: PathBuf,
        files: Vec<PathBuf>,
    },
    #[error("invalid matrix path `{}` in the docs repo: {reason}", path.display())]
    BadPath { path: PathBuf, reason: String },
    #[error("invalid docs repo `{repo}`: {reason}")]
    BadRepo { repo: String, reason: String },
    #[error("the matrix failed validation, nothing was published: {0}")]
    Invalid(String),
    #[error("refusing to publish what looks like a broken environment: {0}")]
    Infrastructure(String),
    #[error("the docs repo {repo} has no branch `{branch}`; pass the right one with --branch")]
    BranchMissing { repo: String, branch: String },
    #[error(
        "the docs repo {repo} refused access: {detail}. {TOKEN_VAR} must hold a GitHub App installation token \
         (valid for 1 hour) of an App installed on that repository with Contents: read and write"
    )]
    Auth { repo: String, detail: String },
    #[error(
        "the docs repo's branch `{branch}` moved again while publishing (attempt {attempts} of {attempts}): \
         someone else is pushing at the same time; nothing was pushed. Rerun the publish, it is safe to repeat"
    )]
    PushRace { branch: String, attempts: u32 },
    #[error("the docs repo rejected the push to `{branch}`: {detail}")]
    PushRejected { branch: String, detail: String },
    #[error("git {command} failed: {detail}")]
    Git { command: String, detail: String },
    /// `what` says which file and what to check.
    #[error("{what}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

fn list(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The allowlist: given the paths that differ in the docs clone, returns what
/// to commit (`[allowed]`, or nothing when nothing changed) and refuses,
/// naming them, if any other path changed.
#[cfg(test)]
pub fn select_files_to_commit(
    changed: &[PathBuf],
    allowed: &Path,
) -> Result<Vec<PathBuf>, PublishError> {
    select_allowed(changed, &[allowed])
}

/// The allowlist of several paths (the matrix and, with schema v2, its
/// history file beside it): the allowed paths that changed, in `allowed`'s
/// order; refuses, naming them, if any other path changed.
pub fn select_allowed(
    changed: &[PathBuf],
    allowed: &[&Path],
) -> Result<Vec<PathBuf>, PublishError> {
    let allowed_n: Vec<PathBuf> = allowed.iter().map(|a| normalize(a)).collect();
    let changed_n: Vec<PathBuf> = changed.iter().map(|p| normalize(p)).collect();
    let mut others: Vec<PathBuf> = changed_n
        .iter()
        .filter(|p| !allowed_n.contains(p))
        .cloned()
        .collect();
    if !others.is_empty() {
        others.sort();
        others.dedup();
        return Err(PublishError::OutsideAllowlist {
            allowed: PathBuf::from(list(
                &allowed.iter().map(|a| a.to_path_buf()).collect::<Vec<_>>(),
            )),
            files: others,
        });
    }
    Ok(allowed_n
        .into_iter()
        .filter(|a| changed_n.contains(a))
        .collect())
}

/// `./a//b/` -> `a/b`.
fn normalize(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Checks the in-repo path: relative, no `..`, not empty, ends in a file name.
pub fn check_repo_path(path: &Path) -> Result<PathBuf, PublishError> {
    let bad = |reason: &str| PublishError::BadPath {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    let n = normalize(path);
    if n.as_os_str().is_empty() {
        return Err(bad("empty"));
    }
    for c in n.components() {
        match c {
            Component::Normal(s) if s == ".git" => return Err(bad("points into .git")),
            Component::Normal(_) => {}
            _ => return Err(bad("must be relative to the repository root, without `..`")),
        }
    }
    if path.to_string_lossy().ends_with('/') {
        return Err(bad("names a folder, not a file"));
    }
    Ok(n)
}

/// What one publish attempt commits, made from the matrix in the clone.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The validated matrix text.
    pub text: String,
    /// The commit message.
    pub message: String,
    /// One line per difference with the replaced file ([`describe_changes`]).
    pub changes: Vec<String>,
    /// The history file's new text (written at
    /// [`PublishRequest::history_path`]).
    pub history: Option<String>,
}

/// Makes the content to commit from the text of the matrix currently at the
/// path in the docs clone (`None` when there is none: a first publish).
/// Called once per attempt, so a push race rebuilds against the new tip.
pub type MakeContent<'a> = dyn Fn(&Old<'_>) -> Result<Prepared, PublishError> + 'a;

/// What the docs clone holds (committed at its tip) before this publish.
#[derive(Debug, Clone, Copy, Default)]
pub struct Old<'a> {
    /// The matrix's text; `None` on a first publish.
    pub matrix: Option<&'a str>,
    /// The history file's text, when one is published and exists.
    pub history: Option<&'a str>,
}

/// Content that does not depend on the replaced file: `text` (a schema v1 or
/// v2 matrix) with `message`; the changes are described against the old file.
#[cfg(test)]
pub fn fixed_content(
    text: &str,
    message: &str,
) -> impl Fn(&Old<'_>) -> Result<Prepared, PublishError> + use<> {
    let text = text.to_owned();
    let message = message.to_owned();
    move |old| {
        let new = compat_matrix::matrix::v2::AnyMatrix::parse(&text, Path::new("new matrix"))
            .map_err(|e| {
                PublishError::Invalid(format!("the content to publish is not a matrix: {e}"))
            })?;
        Ok(Prepared {
            text: text.clone(),
            message: message.clone(),
            changes: describe_changes(old.matrix, &new),
            history: None,
        })
    }
}

pub struct PublishRequest<'a> {
    /// Docs repository: https URL, ssh URL, `file://` URL or local path.
    pub repo: &'a str,
    pub branch: &'a str,
    /// The matrix file's path inside the docs repository.
    pub path: &'a Path,
    /// Makes the validated matrix text and the commit message from the
    /// matrix in the clone ([`fixed_content`] when they do not depend on it).
    pub content: &'a MakeContent<'a>,
    pub token: Option<&'a Secret>,
    pub author: Identity,
    /// Show what would be committed; commit and push nothing.
    pub dry_run: bool,
    /// Scratch folder the docs repo is cloned into (created; must not exist
    /// or be empty). The caller removes it.
    pub work_dir: &'a Path,
    /// A second file the publisher may commit beside the matrix (the
    /// history file); the allowlist is these two paths and nothing else.
    pub history_path: Option<&'a Path>,
    /// Called before every push attempt (1, 2). A test seam: tests move the
    /// remote here to stage a push race.
    pub before_push: Option<&'a dyn Fn(u32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PublishOutcome {
    /// The docs repo already holds exactly this matrix.
    Unchanged,
    /// `--dry-run`: the unified diff that would have been pushed.
    DryRun { diff: String, changes: Vec<String> },
    Pushed {
        commit: String,
        attempts: u32,
        diff: String,
        changes: Vec<String>,
    },
}

/// How many times a push is tried (the first push plus one retry after
/// re-applying on the moved branch).
pub const PUSH_ATTEMPTS: u32 = 2;

/// Publishes; `log` receives progress lines (already redacted).
pub fn publish(
    req: &PublishRequest<'_>,
    log: &mut dyn FnMut(&str),
) -> Result<PublishOutcome, PublishError> {
    let rel = check_repo_path(req.path)?;
    let hist = req.history_path.map(check_repo_path).transpose()?;
    if hist.as_ref() == Some(&rel) {
        return Err(PublishError::BadPath {
            path: rel,
            reason: "the history file cannot be the matrix file".into(),
        });
    }
    if req.branch.is_empty()
        || req.branch.starts_with('-')
        || req.branch.contains(char::is_whitespace)
    {
        return Err(PublishError::BadRepo {
            repo: req.repo.to_owned(),
            reason: format!("bad branch `{}`", req.branch),
        });
    }
    let remote = Remote::parse(req.repo)?;
    if req.token.is_some() && remote.http_origin.is_none() {
        log(&format!(
            "note: {TOKEN_VAR} is set but the docs repo is not an http(s) URL; the token is not used"
        ));
    }
    let git = Git::new(&remote, req.token, &req.author);
    let dir = req.work_dir.join("docs");
    std::fs::create_dir_all(req.work_dir).map_err(|source| PublishError::Io {
        what: format!(
            "cannot create the scratch folder {}; check that the temporary folder is writable",
            req.work_dir.display()
        ),
        source,
    })?;

    log(&format!("cloning {} (branch {})", remote.url, req.branch));
    let out = git.output(
        None,
        &[
            "clone".as_ref(),
            "--quiet".as_ref(),
            "--depth=1".as_ref(),
            "--single-branch".as_ref(),
            "--no-tags".as_ref(),
            "--branch".as_ref(),
            req.branch.as_ref(),
            "--".as_ref(),
            remote.url.as_ref(),
            dir.as_os_str(),
        ],
    )?;
    if !out.status.success() {
        let detail = git.stderr(&out);
        return Err(classify_remote_error(
            &remote.url,
            req.branch,
            "clone",
            detail,
        ));
    }

    let mut attempt = 1;
    loop {
        let head = git.run(Some(&dir), &["rev-parse", "--short", "HEAD"])?;
        let Some((diff, prepared)) = stage(
            &git,
            &dir,
            &rel,
            hist.as_deref(),
            req.content,
            head.trim(),
            log,
        )?
        else {
            log("matrix unchanged; nothing to publish");
            return Ok(PublishOutcome::Unchanged);
        };
        let changes = prepared.changes;
        if req.dry_run {
            return Ok(PublishOutcome::DryRun { diff, changes });
        }
        git.run(
            Some(&dir),
            &[
                "commit",
                "--quiet",
                "--no-verify",
                "-m",
                prepared.message.as_str(),
            ],
        )?;
        let commit = git
            .run(Some(&dir), &["rev-parse", "HEAD"])?
            .trim()
            .to_owned();
        if let Some(hook) = req.before_push {
            hook(attempt);
        }
        log(&format!(
            "pushing {} to {} (attempt {attempt} of {PUSH_ATTEMPTS})",
            &commit[..12.min(commit.len())],
            req.branch
        ));
        let refspec = format!("HEAD:refs/heads/{}", req.branch);
        let out = git.output(
            Some(&dir),
            &["push", "--porcelain", "origin", refspec.as_str()],
        )?;
        if out.status.success() {
            log(&format!("published {commit}"));
            return Ok(PublishOutcome::Pushed {
                commit,
                attempts: attempt,
                diff,
                changes,
            });
        }
        let stdout = git.redact(&String::from_utf8_lossy(&out.stdout));
        let detail = git.stderr(&out);
        let rejected = stdout.lines().find(|l| l.starts_with('!'));
        match rejected {
            Some(line) if line.contains("[rejected]") => {
                if attempt == PUSH_ATTEMPTS {
                    return Err(PublishError::PushRace {
                        branch: req.branch.to_owned(),
                        attempts: attempt,
                    });
                }
                log(&format!(
                    "push rejected: `{}` moved since the clone; re-applying the matrix on its new tip",
                    req.branch
                ));
                let fetch_ref = format!("refs/heads/{}", req.branch);
                let out = git.output(
                    Some(&dir),
                    &[
                        "fetch",
                        "--quiet",
                        "--depth=1",
                        "--no-tags",
                        "origin",
                        fetch_ref.as_str(),
                    ],
                )?;
                if !out.status.success() {
                    return Err(classify_remote_error(
                        &remote.url,
                        req.branch,
                        "fetch",
                        git.stderr(&out),
                    ));
                }
                git.run(Some(&dir), &["reset", "--quiet", "--hard", "FETCH_HEAD"])?;
                attempt += 1;
            }
            Some(line) => {
                let reason = line.rsplit('\t').next().unwrap_or(line).trim();
                return Err(PublishError::PushRejected {
                    branch: req.branch.to_owned(),
                    detail: format!(
                        "{reason} ({detail}); a protected branch must allow the App to push"
                    ),
                });
            }
            None => {
                return Err(classify_remote_error(
                    &remote.url,
                    req.branch,
                    "push",
                    detail,
                ));
            }
        }
    }
}

/// Makes the content from the matrix the clone holds, writes it into the
/// clone and stages it. `None` when the clone already holds exactly this
/// content; otherwise the staged diff and what was made.
fn stage(
    git: &Git,
    dir: &Path,
    rel: &Path,
    hist: Option<&Path>,
    content: &MakeContent<'_>,
    head: &str,
    log: &mut dyn FnMut(&str),
) -> Result<Option<(String, Prepared)>, PublishError> {
    // The committed files, read from git's tree rather than the work tree:
    // nothing is read through a symlink, and a symlink reads as its target's
    // name (not a matrix) instead of as the file it points at.
    let show = |p: &Path| -> Result<Option<String>, PublishError> {
        let spec = format!("HEAD:{}", p.to_string_lossy());
        let out = git.output(Some(dir), &["show", spec.as_str()])?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned()))
    };
    let old_matrix = show(rel)?;
    let old_history = match hist {
        Some(h) => show(h)?,
        None => None,
    };
    let prepared = content(&Old {
        matrix: old_matrix.as_deref(),
        history: old_history.as_deref(),
    })?;
    write_inside(dir, rel, &prepared.text)?;
    let mut allowed: Vec<&Path> = vec![rel];
    if let (Some(h), Some(text)) = (hist, &prepared.history) {
        write_inside(dir, h, text)?;
        allowed.push(h);
    }

    let status = git.run(
        Some(dir),
        &[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--ignored=matching",
        ],
    )?;
    let changed: Vec<PathBuf> = parse_status_z(&status);
    let selected = select_allowed(&changed, &allowed)?;
    if selected.is_empty() {
        return Ok(None);
    }
    // --force: the docs repo may .gitignore generated data; we mean these files.
    let mut add: Vec<&std::ffi::OsStr> = vec!["add".as_ref(), "--force".as_ref(), "--".as_ref()];
    add.extend(selected.iter().map(|p| p.as_os_str()));
    git.run(Some(dir), &add)?;
    // Belt and braces: what is staged must be exactly the allowlisted files
    // that changed.
    let staged = git.run(Some(dir), &["diff", "--cached", "--name-only", "-z"])?;
    let staged: Vec<PathBuf> = staged
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect();
    if select_allowed(&staged, &allowed)? != selected {
        return Err(PublishError::Git {
            command: "add".into(),
            detail: "what was staged is not what changed".into(),
        });
    }
    let diff = git.redact(&git.run(
        Some(dir),
        &[
            "diff",
            "--cached",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
        ],
    )?);
    log(&format!("changes against {head}:"));
    for c in &prepared.changes {
        log(&format!("  {c}"));
    }
    Ok(Some((diff, prepared)))
}

/// Writes `content` at `root/rel`, refusing to follow a symlink out of `root`
/// (a docs repo could hold `src -> /etc`) or to replace a symlink.
fn write_inside(root: &Path, rel: &Path, content: &str) -> Result<(), PublishError> {
    let bad = |reason: String| PublishError::BadPath {
        path: rel.to_owned(),
        reason,
    };
    let io = |what: String| move |source| PublishError::Io { what, source };
    let root_c = root.canonicalize().map_err(io(format!(
        "cannot resolve the docs clone {}",
        root.display()
    )))?;
    let target = root.join(rel);
    let parent = target.parent().expect("a relative file path has a parent");
    // The deepest existing ancestor must resolve inside the clone.
    let mut existing = parent.to_path_buf();
    while !existing.exists() {
        existing.pop();
    }
    let inside = |p: &Path| {
        p.canonicalize()
            .map(|c| c.starts_with(&root_c))
            .unwrap_or(false)
    };
    if !inside(&existing) {
        return Err(bad(
            "resolves outside the docs repository (through a symlink)".into(),
        ));
    }
    std::fs::create_dir_all(parent).map_err(io(format!(
        "cannot create {} in the docs clone; check --path",
        parent.display()
    )))?;
    if !inside(parent) {
        return Err(bad(
            "resolves outside the docs repository (through a symlink)".into(),
        ));
    }
    match std::fs::symlink_metadata(&target) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(bad("is a symlink in the docs repository".into()));
        }
        Ok(m) if m.is_dir() => return Err(bad("is a folder in the docs repository".into())),
        _ => {}
    }
    std::fs::write(&target, content).map_err(io(format!(
        "cannot write {} in the docs clone; check --path",
        target.display()
    )))
}

fn classify_remote_error(repo: &str, branch: &str, op: &str, detail: String) -> PublishError {
    let d = detail.to_ascii_lowercase();
    if d.contains("remote branch") && d.contains("not found")
        || d.contains("couldn't find remote ref")
    {
        PublishError::BranchMissing {
            repo: repo.to_owned(),
            branch: branch.to_owned(),
        }
    } else if [
        "authentication failed",
        "could not read username",
        "could not read password",
        "terminal prompts disabled",
        "repository not found",
        "permission to",
        "error: 401",
        "error: 403",
        "returned error: 403",
        "returned error: 401",
        "write access to repository not granted",
        "invalid username or token",
        "permission denied",
    ]
    .iter()
    .any(|n| d.contains(n))
    {
        PublishError::Auth {
            repo: repo.to_owned(),
            detail,
        }
    } else {
        PublishError::Git {
            command: op.to_owned(),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    #[test]
    fn allowlist_accepts_only_the_matrix_path() {
        let allowed = Path::new("src/data/compatibility-matrix.json");
        assert_eq!(
            select_files_to_commit(&[], allowed).unwrap(),
            Vec::<PathBuf>::new()
        );
        assert_eq!(
            select_files_to_commit(&[p("./src/data/compatibility-matrix.json")], allowed).unwrap(),
            [p("src/data/compatibility-matrix.json")]
        );
    }

    #[test]
    fn allowlist_names_every_other_file() {
        let allowed = Path::new("src/data/compatibility-matrix.json");
        let e = select_files_to_commit(
            &[
                p("src/data/compatibility-matrix.json"),
                p("docs/evil.md"),
                p(".github/workflows/x.yml"),
                p("docs/evil.md"),
            ],
            allowed,
        )
        .unwrap_err();
        match &e {
            PublishError::OutsideAllowlist { files, .. } => {
                assert_eq!(files, &[p(".github/workflows/x.yml"), p("docs/evil.md")])
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().starts_with(
            "refusing to publish: the docs clone has changes outside src/data/compatibility-matrix.json: \
             .github/workflows/x.yml, docs/evil.md."
        ));
        // A sibling with a similar name is another file.
        assert!(
            select_files_to_commit(&[p("src/data/compatibility-matrix.json.bak")], allowed)
                .is_err()
        );
    }

    #[test]
    fn a_two_path_allowlist_commits_only_what_changed_and_refuses_the_rest() {
        let m = Path::new("src/data/compatibility-matrix.json");
        let h = Path::new("src/data/compatibility-history.json");
        assert_eq!(
            select_allowed(&[p("./src/data/compatibility-history.json")], &[m, h]).unwrap(),
            [p("src/data/compatibility-history.json")]
        );
        assert_eq!(
            select_allowed(
                &[
                    p("src/data/compatibility-history.json"),
                    p("src/data/compatibility-matrix.json")
                ],
                &[m, h]
            )
            .unwrap(),
            [m, h]
        );
        let e = select_allowed(&[p("src/data/other.json")], &[m, h]).unwrap_err();
        assert!(
            e.to_string().contains(
                "changes outside src/data/compatibility-matrix.json, src/data/compatibility-history.json: src/data/other.json"
            ),
            "{e}"
        );
    }

    #[test]
    fn repo_path_rules() {
        assert_eq!(
            check_repo_path(Path::new("./src/data/m.json")).unwrap(),
            p("src/data/m.json")
        );
        for bad in [
            "",
            "/etc/passwd",
            "../m.json",
            "src/../../m.json",
            ".git/config",
            "src/data/",
        ] {
            assert!(check_repo_path(Path::new(bad)).is_err(), "{bad}");
        }
    }
}
