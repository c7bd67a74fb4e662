//! `cargo xtask publish`: the daily job. Resolve versions, run the suite,
//! build and validate the matrix, commit it (and only it) to the docs repo.
//! docs/publishing.md is the operator's guide.
//! Split in three: `mod.rs` (the command, its options and the run), `content.rs`
//! (the matrix and commit message it publishes), `tests.rs`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use compat_core::secret::Secret;
use compat_matrix::manifest::Manifest;
use compat_matrix::matrix::v2::AnyMatrix;
use compat_matrix::matrix::{BuildOptions, ResultsInput, SchemaVersion};
use compat_matrix::paths;
use compat_matrix::results::{Mode, RunResults};

mod content;
pub mod releases;

use content::{build_schema, commit_message, run_context};

use crate::history::History;
use crate::publisher::{
    self as publisher, Identity, Prepared, PublishOutcome, PublishRequest, Remote, TOKEN_VAR,
};
use crate::suite::{Suite, SuiteVersions};
use crate::versions::block_on;
use crate::versions::claude_code::{ClaudeCodeResolver, PR_GATE_MIN_AGE};
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
    /// Suite mode [default: live; env: COMPAT_MODE]; sim and rehearsal
    /// results may only go to a local docs repo, at another path than the
    /// docs site's (e.g. --path rehearsal/compatibility-matrix.json), or to
    /// a --dry-run / --no-publish.
    #[arg(long, env = "COMPAT_MODE", value_parser = crate::matrix::mode_parser())]
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
    /// Publish this releases file (`cargo xtask releases`) instead of a
    /// matrix: no suite run; it goes beside the matrix path
    /// (src/data/compatibility-releases.json), refused there unless live.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["results", "litellm_version", "claude_code_version"])]
    releases: Option<PathBuf>,
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
            releases: self.releases,
        }
    }
}

fn env_non_empty(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

/// `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY` in a GitHub Actions run.
fn env_or(var: &str, default: String) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or(default)
}

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
    /// `--releases`: publish this releases file instead of a matrix.
    pub releases: Option<PathBuf>,
}

pub fn main(args: PublishArgs) -> anyhow::Result<ExitCode> {
    let opts = args.into_options();
    let report = run(&opts, Secret::from_env(TOKEN_VAR), &mut |l| {
        eprintln!("[publish] {l}")
    })?;
    let published = match &opts.releases {
        Some(_) => releases::releases_path(&opts),
        None => opts.path.clone(),
    };
    match &report {
        Report::Written if opts.releases.is_some() => {
            println!("the releases file is valid (--no-publish: the docs repo was not touched)")
        }
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
                published.display()
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
            published.display(),
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
    // Refuse sim or rehearsal results for a real docs site before spending
    // a suite run.
    let remote = if opts.no_publish {
        None
    } else {
        Some(Remote::parse(&opts.docs_repo)?)
    };
    if let Some(why) = opts
        .mode
        .and_then(|m| unpublishable_refusal(m, opts, remote.as_ref()))
    {
        bail!(why);
    }
    if let Some(file) = &opts.releases {
        return releases::publish_releases(opts, file, remote.as_ref(), token, log);
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
                    let s = block_on(LitellmResolver::from_env().latest_installable_stable(
                        &mut crate::versions::litellm::index_can_install,
                        crate::versions::litellm::MAX_SKIPPED,
                    ))
                    .context(
                        "resolving the latest stable LiteLLM release the package index can install (or pass --litellm-version)",
                    )?;
                    for k in &s.skipped {
                        log(&format!(
                            "warning: skipping LiteLLM {}: {}",
                            k.tag, k.reason
                        ));
                    }
                    log(&format!("LiteLLM: {}", s.note()));
                    s.release.tag
                }
            };
            let claude = match &opts.claude_code_version {
                Some(v) => v.clone(),
                None => {
                    // The newest version past the resolver's age rule, as
                    // the PR gate runs (a release has that long to be
                    // yanked before the daily matrix is published on it).
                    let v = block_on(
                        ClaudeCodeResolver::from_env().pr_gate(jiff::Timestamp::now(), PR_GATE_MIN_AGE),
                    )
                    .with_context(|| {
                        format!(
                            "resolving the newest Claude Code published at least {} h ago (or pass --claude-code-version)",
                            PR_GATE_MIN_AGE.as_hours()
                        )
                    })?;
                    log(&format!(
                        "Claude Code {} (the newest published at least {} h ago)",
                        v.version,
                        PR_GATE_MIN_AGE.as_hours()
                    ));
                    v.version
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

/// Why results (or a matrix) of `mode` may not be published where `opts`
/// points, or None. Only a live run is published as the matrix readers see:
/// a sim or rehearsal run goes nowhere but a local docs repo (a path or
/// `file://`), and never to the docs repo's real path
/// ([`publisher::DEFAULT_PATH`]) even there, so a local clone of the docs
/// repo cannot carry it onward. `--dry-run` and `--no-publish` push nothing
/// and are always allowed.
fn unpublishable_refusal(mode: Mode, opts: &Options, remote: Option<&Remote>) -> Option<String> {
    if mode.publishable() || opts.dry_run || remote.is_none() {
        return None;
    }
    let what = match mode {
        Mode::Sim => "simulator results",
        _ => "rehearsal results",
    };
    if pushes_remotely(opts, remote) {
        return Some(format!(
            "refusing to publish {what} to {}: the docs page would show simulated providers as real. \
             Use --mode live, --dry-run, --no-publish, or a local --docs-repo path with --path {REHEARSAL_PATH}",
            opts.docs_repo
        ));
    }
    if is_docs_real_path(&opts.path) {
        return Some(format!(
            "refusing to publish {what} ({mode} mode) to {}: that is the docs site's real matrix path, \
             even in a local docs repo; publish a {mode} run with --path {REHEARSAL_PATH}",
            opts.path.display()
        ));
    }
    None
}

/// Where a rehearsal is published in a local docs repo (docs/publishing.md).
pub const REHEARSAL_PATH: &str = "rehearsal/compatibility-matrix.json";

/// Whether `path` names [`publisher::DEFAULT_PATH`] (ignoring `./`, a
/// leading `/` and doubled separators).
fn is_docs_real_path(path: &Path) -> bool {
    let normal = |p: &Path| -> Vec<std::ffi::OsString> {
        p.components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => Some(s.to_owned()),
                _ => None,
            })
            .collect()
    };
    normal(path) == normal(Path::new(publisher::DEFAULT_PATH))
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
    if let Some(why) = unpublishable_refusal(results.run.mode, opts, remote) {
        bail!(why);
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
    // The matrix says its own mode (schema v2): checked too, so a matrix
    // that is not live cannot pass on a results file's word alone.
    if let AnyMatrix::V2(m) = &matrix
        && let Some(mode) = m.context.as_ref().and_then(|c| c.mode)
        && let Some(why) = unpublishable_refusal(mode, opts, remote)
    {
        bail!("the built matrix records its mode: {why}");
    }
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
    let history_path = (opts.schema == SchemaVersion::V2)
        .then(|| opts.path.with_file_name(crate::history::FILE_NAME));
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
mod tests;
