//! `cargo xtask publish`: the daily job. Resolve versions, run the suite,
//! build and validate the matrix, commit it (and only it) to the docs repo.
//! docs/publishing.md is the operator's guide.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use compat_matrix::manifest::Manifest;
use compat_matrix::matrix::v2::{AnyMatrix, CellHistory, MatrixV2, RunContext};
use compat_matrix::matrix::{BuildOptions, ResultsInput, SchemaVersion};
use compat_matrix::paths;
use compat_matrix::results::{Mode, RunResults};
use compat_core::secret::Secret;

use crate::history::History;
use crate::publisher::{
    self as publisher, Identity, Prepared, PublishOutcome, PublishRequest, Remote, TOKEN_VAR,
};
use crate::suite::{Suite, SuiteVersions};
use crate::versions::block_on;
use crate::versions::claude_code::ClaudeCodeResolver;
use crate::versions::litellm::{LitellmResolver, parse_stable_tag, pip_version};

pub const DEFAULT_DOCS_REPO: &str = "https://github.com/BerriAI/litellm-docs.git";
/// Overrides the default docs repository (`--docs-repo` wins).
pub const DOCS_REPO_VAR: &str = "COMPAT_DOCS_REPO";
pub const AUTHOR_NAME_VAR: &str = "COMPAT_PUBLISH_AUTHOR_NAME";
pub const AUTHOR_EMAIL_VAR: &str = "COMPAT_PUBLISH_AUTHOR_EMAIL";

pub const ENVIRONMENT: &str = "\
Environment:
  DOCS_REPO_TOKEN     GitHub App installation token for the docs repo
                      (contents: write); sent only as an HTTP header
  GITHUB_TOKEN        optional, for the GitHub Releases API quota
  COMPAT_DOCS_REPO    the docs repository when --docs-repo is not given
  COMPAT_PUBLISH_AUTHOR_NAME / COMPAT_PUBLISH_AUTHOR_EMAIL   commit identity

docs/publishing.md is the operator's guide.";

fn non_empty() -> clap::builder::NonEmptyStringValueParser {
    clap::builder::NonEmptyStringValueParser::new()
}

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// Suite mode [default: live]; sim results may only go to a local docs
    /// repo or a --dry-run.
    #[arg(long, value_parser = crate::matrix::mode_parser())]
    mode: Option<Mode>,
    /// LiteLLM release tag, vX.Y.Z-stable [default: the latest stable, from
    /// the GitHub Releases API].
    #[arg(long, value_name = "TAG", value_parser = non_empty())]
    litellm_version: Option<String>,
    /// Claude Code version [default: npm `latest`].
    #[arg(long, value_name = "V", value_parser = non_empty())]
    claude_code_version: Option<String>,
    /// Publish this results file instead of running the suite (versions
    /// default to the ones it recorded).
    #[arg(long, value_name = "FILE")]
    results: Option<PathBuf>,
    /// Docs repository [default: $COMPAT_DOCS_REPO, else
    /// https://github.com/BerriAI/litellm-docs.git].
    #[arg(long, value_name = "URL|PATH", value_parser = non_empty())]
    docs_repo: Option<String>,
    /// Branch to push.
    #[arg(long, value_name = "NAME", default_value = publisher::DEFAULT_BRANCH, value_parser = non_empty())]
    branch: String,
    /// Matrix path in the docs repo.
    #[arg(long, value_name = "PATH", default_value = publisher::DEFAULT_PATH)]
    path: PathBuf,
    /// Local copy of the matrix [default: target/compat/compatibility-matrix.json].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Manifest [default: the workspace's manifest.yaml].
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Print the diff that would be pushed; push nothing.
    #[arg(long)]
    dry_run: bool,
    /// Stop after writing --out (no docs repo access).
    #[arg(long)]
    no_publish: bool,
    /// Schema version written to the docs repo. 1 is what the docs repo's
    /// page reads today; 2 only once it carries the v2-reading page
    /// (docs/publishing.md).
    #[arg(long, value_enum, value_name = "1|2", default_value = "1")]
    schema: crate::matrix::Schema,
    /// Link to the run's logs recorded in the matrix (v2) [default:
    /// $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID].
    #[arg(long, value_name = "URL", value_parser = non_empty())]
    run_url: Option<String>,
    /// This repository's URL recorded in the matrix (v2) [default:
    /// $GITHUB_SERVER_URL/$GITHUB_REPOSITORY].
    #[arg(long, value_name = "URL", value_parser = non_empty())]
    source_repo: Option<String>,
}

impl PublishArgs {
    /// Fills in the defaults that come from the environment.
    pub fn into_options(self) -> Options {
        Options {
            mode: self.mode,
            litellm_version: self.litellm_version,
            claude_code_version: self.claude_code_version,
            results: self.results,
            docs_repo: self.docs_repo.unwrap_or_else(|| {
                std::env::var(DOCS_REPO_VAR)
                    .ok()
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or_else(|| DEFAULT_DOCS_REPO.to_owned())
            }),
            branch: self.branch,
            path: self.path,
            out: self
                .out
                .unwrap_or_else(|| paths::out_dir().join("compatibility-matrix.json")),
            manifest: self.manifest,
            dry_run: self.dry_run,
            no_publish: self.no_publish,
            schema: self.schema.0,
            run_url: self.run_url.or_else(github_run_url),
            source_repo: self.source_repo.or_else(github_repo_url),
            context_lookups: true,
        }
    }
}

fn env_non_empty(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

/// `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY` in a GitHub Actions run.
fn github_repo_url() -> Option<String> {
    Some(format!(
        "{}/{}",
        env_non_empty("GITHUB_SERVER_URL")?.trim_end_matches('/'),
        env_non_empty("GITHUB_REPOSITORY")?
    ))
}

/// The Actions run's page.
fn github_run_url() -> Option<String> {
    Some(format!(
        "{}/actions/runs/{}",
        github_repo_url()?,
        env_non_empty("GITHUB_RUN_ID")?
    ))
}

/// The job's settings, every default filled in.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Option<Mode>,
    pub litellm_version: Option<String>,
    pub claude_code_version: Option<String>,
    pub results: Option<PathBuf>,
    pub docs_repo: String,
    pub branch: String,
    pub path: PathBuf,
    pub out: PathBuf,
    pub manifest: Option<PathBuf>,
    pub dry_run: bool,
    pub no_publish: bool,
    pub schema: SchemaVersion,
    pub run_url: Option<String>,
    pub source_repo: Option<String>,
    /// Ask npm and GitHub for the latest versions (the v2 `context`); tests
    /// turn it off.
    pub context_lookups: bool,
}

pub fn main(args: PublishArgs) -> anyhow::Result<ExitCode> {
    let opts = args.into_options();
    let report = run(&opts, Secret::from_env(TOKEN_VAR), &mut |l| {
        eprintln!("[publish] {l}")
    })?;
    match &report {
        Report::Written => println!(
            "wrote {} (--no-publish: the docs repo was not touched)",
            opts.out.display()
        ),
        Report::Published(PublishOutcome::Unchanged) => {
            println!("matrix unchanged; nothing to publish")
        }
        Report::Published(PublishOutcome::DryRun { diff, changes }) => {
            println!(
                "dry run: this is what would be pushed to {} ({}:{}):",
                opts.docs_repo,
                opts.branch,
                opts.path.display()
            );
            for c in changes {
                println!("  {c}");
            }
            println!("{diff}");
            println!("dry run: nothing was pushed");
        }
        Report::Published(PublishOutcome::Pushed {
            commit, attempts, ..
        }) => println!(
            "published {commit} to {} ({}:{}){}",
            opts.docs_repo,
            opts.branch,
            opts.path.display(),
            if *attempts > 1 {
                " after a push race"
            } else {
                ""
            }
        ),
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug)]
pub enum Report {
    /// `--no-publish`: the matrix is at `--out`.
    Written,
    Published(PublishOutcome),
}

/// The whole job, minus printing. `token` is the docs repo token.
pub fn run(
    opts: &Options,
    token: Option<Secret>,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Report> {
    // Refuse sim results for a real docs site before spending a suite run.
    let remote = if opts.no_publish {
        None
    } else {
        Some(Remote::parse(&opts.docs_repo)?)
    };
    if opts.mode == Some(Mode::Sim) && pushes_remotely(opts, remote.as_ref()) {
        bail!(sim_refusal(&opts.docs_repo));
    }
    if let Some(tag) = &opts.litellm_version
        && parse_stable_tag(tag).is_none()
    {
        log(&format!(
            "warning: --litellm-version `{tag}` is not a vX.Y.Z-stable release tag"
        ));
    }

    let results_path = match &opts.results {
        Some(p) => p.clone(),
        None => {
            let litellm_tag = match &opts.litellm_version {
                Some(t) => t.clone(),
                None => {
                    let r = block_on(LitellmResolver::from_env().latest_stable()).context(
                        "resolving the latest stable LiteLLM release (or pass --litellm-version)",
                    )?;
                    log(&format!("latest stable LiteLLM: {}", r.tag));
                    r.tag
                }
            };
            let claude = match &opts.claude_code_version {
                Some(v) => v.clone(),
                None => {
                    let v = block_on(ClaudeCodeResolver::from_env().latest()).context(
                        "resolving the latest Claude Code version (or pass --claude-code-version)",
                    )?;
                    log(&format!("latest Claude Code: {v}"));
                    v
                }
            };
            let litellm = pip_version(&litellm_tag).with_context(|| {
                format!("cannot provision LiteLLM for `{litellm_tag}`: only vX.Y.Z-stable tags map to a PyPI release")
            })?;
            let path = run_suite(
                opts.mode.unwrap_or(Mode::Live),
                SuiteVersions {
                    litellm,
                    claude_code: claude.clone(),
                },
            )?;
            return finish(
                opts,
                &path,
                Some(litellm_tag),
                Some(claude),
                remote.as_ref(),
                token,
                log,
            );
        }
    };
    finish(
        opts,
        &results_path,
        opts.litellm_version.clone(),
        opts.claude_code_version.clone(),
        remote.as_ref(),
        token,
        log,
    )
}

/// Whether this invocation would push to a repository that is not on this
/// machine (anything but a local path or `file://` URL).
fn pushes_remotely(opts: &Options, remote: Option<&Remote>) -> bool {
    !opts.dry_run && remote.is_some_and(|r| !r.url.starts_with("file://"))
}

fn sim_refusal(repo: &str) -> String {
    format!(
        "refusing to publish simulator results to {repo}: the docs page would show simulated providers as real. \
         Use --mode live, --dry-run, --no-publish, or a local --docs-repo path for a rehearsal"
    )
}

fn finish(
    opts: &Options,
    results_path: &Path,
    litellm_tag: Option<String>,
    claude: Option<String>,
    remote: Option<&Remote>,
    token: Option<Secret>,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Report> {
    let results = RunResults::load(results_path)?;
    if let Some(mode) = opts.mode
        && mode != results.run.mode
    {
        bail!(
            "{} holds a {} run, but --mode {mode} was asked",
            results_path.display(),
            results.run.mode
        );
    }
    if results.run.mode == Mode::Sim && pushes_remotely(opts, remote) {
        bail!(sim_refusal(&opts.docs_repo));
    }
    check_recorded_versions(
        &results,
        results_path,
        litellm_tag.as_deref(),
        claude.as_deref(),
    )?;

    let manifest = match &opts.manifest {
        Some(m) => Manifest::load(m)?,
        None => Manifest::load_default()?,
    };
    let context = if opts.schema == SchemaVersion::V2 {
        Some(run_context(opts, &results, litellm_tag.as_deref(), log))
    } else {
        None
    };
    let inputs = [ResultsInput {
        path: results_path,
        results: &results,
    }];
    let build_opts = BuildOptions {
        litellm_version: litellm_tag,
        claude_code_version: claude,
        ..Default::default()
    };
    // Built and validated once without the docs repo: a broken run is
    // refused before the docs repo is touched, and --out is written.
    let matrix = build_schema(opts.schema, &manifest, &inputs, &build_opts, &context, None)
        .with_context(|| format!("building the matrix from {}", results_path.display()))?;
    let text = publisher::validate_any_for_publish(&matrix, &manifest)?;
    let (litellm_version, claude_code_version, generated_at) = match &matrix {
        AnyMatrix::V1(m) => (&m.litellm_version, &m.claude_code_version, &m.generated_at),
        AnyMatrix::V2(m) => (&m.litellm_version, &m.claude_code_version, &m.generated_at),
    };
    if parse_stable_tag(litellm_version).is_none() {
        log(&format!(
            "warning: litellm_version `{litellm_version}` is not a vX.Y.Z-stable release tag; pass --litellm-version to label it"
        ));
    }
    compat_matrix::fsutil::write_atomic(&opts.out, text.as_bytes())
        .with_context(|| format!("writing {}", opts.out.display()))?;
    log(&format!(
        "matrix (schema v{}) for LiteLLM {litellm_version} x Claude Code {claude_code_version} ({generated_at}) \
         validated, written to {}",
        opts.schema.id(),
        opts.out.display()
    ));
    let Some(remote) = remote else {
        return Ok(Report::Written);
    };

    let author = Identity {
        name: env_or(AUTHOR_NAME_VAR, Identity::default().name),
        email: env_or(AUTHOR_EMAIL_VAR, Identity::default().email),
    };
    if token.is_none() && remote.http_origin.is_some() && !opts.dry_run {
        log(&format!(
            "warning: {TOKEN_VAR} is not set; the push will only work if git needs no credentials"
        ));
    }
    let scratch = tempfile::Builder::new()
        .prefix("compat-publish-")
        .tempdir()
        .context("creating a scratch folder")?;
    // The published text depends on the matrix it replaces (previous
    // verdicts, history, flips); the last one made is the one --out keeps.
    let last_made = std::cell::RefCell::new(None::<String>);
    // Schema v2 keeps the compact history beside the matrix (docs/publishing.md).
    let history_path =
        (opts.schema == SchemaVersion::V2).then(|| opts.path.with_file_name(crate::history::FILE_NAME));
    let make = |old: &publisher::Old<'_>| -> Result<Prepared, publisher::PublishError> {
        let mut notes = Vec::new();
        let previous = match old.matrix.map(|t| AnyMatrix::parse(t, &opts.path)) {
            None => None,
            Some(Ok(m)) => Some(m),
            Some(Err(e)) => {
                notes.push(format!(
                    "the published file is not a valid matrix ({e}); it is replaced without history"
                ));
                None
            }
        };
        let matrix = build_schema(
            opts.schema,
            &manifest,
            &inputs,
            &BuildOptions {
                previous: previous.clone(),
                ..build_opts.clone()
            },
            &context,
            previous.as_ref(),
        )
        .map_err(|e| publisher::PublishError::Invalid(format!("rebuilding the matrix: {e}")))?;
        let text = publisher::validate_any_for_publish(&matrix, &manifest)?;
        let mut changes = notes;
        changes.extend(publisher::describe_changes(old.matrix, &matrix));
        let message = commit_message(&matrix, previous.as_ref());
        let history = history_path.as_ref().map(|_| {
            // Seeded from the replaced matrix when the file is new (or unreadable).
            let mut h = match old.history.map(History::parse) {
                Some(Ok(h)) => h,
                _ => {
                    let mut h = History::new();
                    if let Some(p) = &previous {
                        h.push(p, crate::history::DEFAULT_LAST);
                    }
                    h
                }
            };
            h.push(&matrix, crate::history::DEFAULT_LAST);
            h.to_json_pretty()
        });
        *last_made.borrow_mut() = Some(text.clone());
        Ok(Prepared {
            text,
            message,
            changes,
            history,
        })
    };
    let req = PublishRequest {
        repo: &opts.docs_repo,
        branch: &opts.branch,
        path: &opts.path,
        content: &make,
        history_path: history_path.as_deref(),
        token: token.as_ref(),
        author,
        dry_run: opts.dry_run,
        work_dir: scratch.path(),
        before_push: None,
    };
    let outcome = publisher::publish(&req, log)?;
    if let Some(made) = last_made.borrow().as_deref()
        && made != text
    {
        compat_matrix::fsutil::write_atomic(&opts.out, made.as_bytes())
            .with_context(|| format!("writing {}", opts.out.display()))?;
    }
    Ok(Report::Published(outcome))
}

/// Builds the matrix of `schema`; for v2 with the run's `context` and, when
/// `previous` (the matrix being replaced) is given, each cell's `history`.
fn build_schema(
    schema: SchemaVersion,
    manifest: &Manifest,
    inputs: &[ResultsInput<'_>],
    options: &BuildOptions,
    context: &Option<RunContext>,
    previous: Option<&AnyMatrix>,
) -> Result<AnyMatrix, compat_matrix::matrix::BuildError> {
    let mut m = schema.build(manifest, inputs, options)?;
    if let AnyMatrix::V2(m) = &mut m {
        m.context = context.clone().filter(|c| *c != RunContext::default());
        if let Some(previous) = previous {
            embed_history(m, previous);
        }
    }
    Ok(m)
}

/// Sets each cell's `history` from the matrix it replaces: the status it had
/// there, and when the status last changed (carried over while the status
/// stays; this run's generated_at when it flips; the replaced matrix's
/// generated_at when that matrix kept no history, e.g. schema v1).
/// Republishing the same run (same generated_at) keeps the old history, so
/// a rerun changes nothing. A cell the replaced matrix lacked gets none.
pub fn embed_history(m: &mut MatrixV2, previous: &AnyMatrix) {
    let old_cells = publisher::validate::cells(previous);
    let old_generated = previous.generated_at().to_owned();
    let same_run = old_generated == m.generated_at;
    for f in &mut m.features {
        for (p, cell) in &mut f.providers {
            let Some(o) = old_cells
                .iter()
                .find(|o| o.feature == f.id && o.provider == *p)
            else {
                continue;
            };
            if same_run {
                if let AnyMatrix::V2(old) = previous {
                    cell.history = old.cell(&f.id, p).and_then(|c| c.history.clone());
                }
                continue;
            }
            let changed_at = if o.status == cell.status.name() {
                o.changed_at.unwrap_or(&old_generated).to_owned()
            } else {
                m.generated_at.clone()
            };
            cell.history = Some(CellHistory {
                previous_status: o.status.to_owned(),
                changed_at,
            });
        }
    }
}

/// The commit message: versions, run time, and one line per flipped cell.
pub fn commit_message(matrix: &AnyMatrix, previous: Option<&AnyMatrix>) -> String {
    let (l, c, g) = match matrix {
        AnyMatrix::V1(m) => (&m.litellm_version, &m.claude_code_version, &m.generated_at),
        AnyMatrix::V2(m) => (&m.litellm_version, &m.claude_code_version, &m.generated_at),
    };
    let mut msg = format!(
        "Update Claude Code compatibility matrix\n\nLiteLLM {l}, Claude Code {c}, generated {g}.\n"
    );
    let flips = publisher::flips(previous, matrix);
    match (previous, flips.is_empty()) {
        (None, _) => msg.push_str("\nFirst publish at this path.\n"),
        (Some(_), true) => msg.push_str("\nNo cell changed status or model verdict.\n"),
        (Some(_), false) => {
            msg.push_str(&format!(
                "\n{} cell(s) changed status or model verdict:\n",
                flips.len()
            ));
            for f in flips {
                msg.push_str(&f);
                msg.push('\n');
            }
        }
    }
    msg
}

/// What the publisher knew about the run (schema v2's `context`). Every
/// lookup is optional: a failure is a warning and leaves its field out.
fn run_context(
    opts: &Options,
    results: &RunResults,
    litellm_tag: Option<&str>,
    log: &mut dyn FnMut(&str),
) -> RunContext {
    let mut c = RunContext {
        run_url: opts.run_url.clone(),
        source_repo_url: opts.source_repo.clone(),
        source_commit: env_non_empty("GITHUB_SHA").or_else(git_head),
        ..Default::default()
    };
    if !opts.context_lookups {
        return c;
    }
    if let Some(ran) = results.run.claude_code_version.as_deref() {
        match block_on(ClaudeCodeResolver::from_env().fetch()) {
            Ok(doc) => {
                let (latest, behind) = crate::versions::claude_code::releases_behind(&doc, ran);
                c.claude_code_latest = latest;
                c.claude_code_releases_behind = behind;
            }
            Err(e) => log(&format!(
                "warning: cannot read Claude Code's versions from npm ({e}); the matrix says nothing about how current it is"
            )),
        }
    }
    if let Some(tag) = litellm_tag {
        let floor = parse_stable_tag(tag).unwrap_or(crate::versions::litellm::StableTag {
            major: 0,
            minor: 0,
            patch: 0,
        });
        match block_on(LitellmResolver::from_env().stable_releases_since(floor)) {
            Ok(tags) => {
                let (latest, behind) = crate::versions::litellm::releases_behind(&tags, tag);
                c.litellm_latest_stable = latest;
                c.litellm_releases_behind = behind;
            }
            Err(e) => log(&format!(
                "warning: cannot list LiteLLM's releases ({e}); the matrix says nothing about how current it is"
            )),
        }
    }
    c
}

/// This checkout's commit, when run from a git work tree.
fn git_head() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(paths::workspace_root())
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && s.len() >= 7).then_some(s)
}

fn env_or(var: &str, default: String) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or(default)
}

/// The versions a matrix is labelled with must be the ones the run measured:
/// the harness records `claude --version` and LiteLLM's package version.
fn check_recorded_versions(
    results: &RunResults,
    path: &Path,
    litellm_tag: Option<&str>,
    claude: Option<&str>,
) -> anyhow::Result<()> {
    if let (Some(asked), Some(ran)) = (claude, results.run.claude_code_version.as_deref())
        && asked != ran
    {
        bail!(
            "{} was produced with Claude Code {ran}, but the matrix would be labelled {asked}; \
             pass --claude-code-version {ran} or rerun the suite",
            path.display()
        );
    }
    if let (Some(tag), Some(ran)) = (litellm_tag, results.run.litellm_version.as_deref())
        && let Some(pip) = pip_version(tag)
        && ran != "unknown"
        && pip != ran.trim_start_matches('v')
    {
        bail!(
            "{} was produced with LiteLLM {ran}, but the matrix would be labelled {tag}; \
             pass the matching --litellm-version or rerun the suite",
            path.display()
        );
    }
    Ok(())
}

/// Runs the suite at `versions` and returns the results file it wrote
/// (target/compat/publish/compat-results.json). Failing cells are part of the
/// matrix, not an error; a run that wrote no results is.
fn run_suite(mode: Mode, versions: SuiteVersions) -> anyhow::Result<PathBuf> {
    let results = paths::out_dir().join("publish").join("compat-results.json");
    eprintln!(
        "[publish] running the suite ({mode} mode, LiteLLM {}, Claude Code {}) ...",
        versions.litellm, versions.claude_code
    );
    let mut suite = Suite::new(mode, results.clone());
    suite.versions = Some(versions);
    let status = suite.run()?;
    if !status.success() {
        eprintln!(
            "[publish] the suite exited with {status} (failing cells are part of the matrix)"
        );
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use compat_matrix::results::TrialResult;
    use compat_matrix::status::Outcome;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
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

    fn docs_repo(root: &Path) -> PathBuf {
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
            for m in &manifest.models {
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
                    details: serde_json::Value::Null,
                });
            }
        }
        let p = dir.join(format!("{mode}-results.json"));
        r.write_atomic(&p).unwrap();
        p
    }

    fn opts(dir: &Path, repo: &Path, results: &Path) -> Options {
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
        // ... but a dry run, or a local rehearsal repo, is fine.
        o.dry_run = true;
        o.docs_repo = docs_repo(tmp.path()).to_str().unwrap().to_owned();
        let (r, _) = run_capture(&o);
        assert!(matches!(
            r.unwrap(),
            Report::Published(PublishOutcome::DryRun { .. })
        ));
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
            for m in &manifest.models {
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
            publisher::validate::validate_v2_for_publish(m, &manifest).map_err(|e| e.to_string())
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
        }
        .into_options();
        assert_eq!((o.docs_repo.as_str(), o.branch.as_str()), ("/d", "main"));
        assert!(o.out.ends_with("compatibility-matrix.json"));
    }
}
