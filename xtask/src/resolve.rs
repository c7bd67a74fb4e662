//! `cargo xtask resolve litellm|claude-code [--pr-gate]`: prints one version
//! on stdout (for `$(...)` in CI scripts); details go to stderr.

use std::process::ExitCode;

use anyhow::Context as _;
use jiff::Timestamp;

use crate::versions::block_on;
use crate::versions::claude_code::{self, ClaudeCodeResolver, PR_GATE_MIN_AGE};
use crate::versions::litellm::{self, LitellmResolver};

pub const ENVIRONMENT: &str = "\
Prints the version alone on stdout (for `$(...)` in CI scripts); details go to stderr.

Environment: GITHUB_TOKEN (optional, raises the GitHub API quota), GITHUB_API_URL
(default https://api.github.com), COMPAT_NPM_REGISTRY (default https://registry.npmjs.org).
`resolve litellm` asks pip about each candidate, so pip's own configuration
(PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, pip.conf) decides which releases count.";

#[derive(Debug, clap::Args)]
pub struct ResolveArgs {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// The newest vX.Y.Z-stable release of BerriAI/litellm (GitHub Releases
    /// API; drafts and prereleases skipped), e.g. v1.83.0-stable, that pip's
    /// configured package index can install: a release whose `proxy` extra
    /// pins a version the index lacks is skipped with a warning.
    Litellm {
        /// The GitHub API base [default: $GITHUB_API_URL, else https://api.github.com].
        #[arg(long, value_name = "URL")]
        api_base: Option<String>,
        /// The newest stable release, installable or not (no pip check).
        #[arg(long)]
        no_index_check: bool,
    },
    /// The `latest` dist-tag of @anthropic-ai/claude-code (npm), or with
    /// --pr-gate the newest stable, non-deprecated version published at least
    /// 72 h before now.
    ClaudeCode {
        /// The PR gate's version: published at least 72 h ago.
        #[arg(long)]
        pr_gate: bool,
        /// The npm registry [default: $COMPAT_NPM_REGISTRY, else https://registry.npmjs.org].
        #[arg(long, value_name = "URL")]
        registry: Option<String>,
        /// "Now" for --pr-gate (RFC 3339), to reproduce a past run.
        #[arg(long, value_name = "TIMESTAMP", requires = "pr_gate")]
        now: Option<Timestamp>,
    },
}

pub fn main(args: ResolveArgs) -> anyhow::Result<ExitCode> {
    match args.what {
        What::Litellm {
            api_base,
            no_index_check,
        } => {
            let r = match api_base {
                Some(base) => LitellmResolver::new(base)
                    .with_token(compat_core::secret::Secret::from_env(litellm::TOKEN_VAR)),
                None => LitellmResolver::from_env(),
            };
            let found = if no_index_check {
                block_on(r.latest_stable())
                    .context("resolving the latest stable LiteLLM release")?
            } else {
                let selection = block_on(r.latest_installable_stable(
                    &mut litellm::index_can_install,
                    litellm::MAX_SKIPPED,
                ))
                .context(
                    "resolving the latest stable LiteLLM release the package index can install",
                )?;
                for s in &selection.skipped {
                    eprintln!("warning: skipping LiteLLM {}: {}", s.tag, s.reason);
                }
                eprintln!("{}", selection.note());
                selection.release
            };
            eprintln!(
                "LiteLLM: {} (published {}){}",
                found.tag,
                found
                    .published_at
                    .map(compat_matrix::matrix::format_timestamp)
                    .unwrap_or_else(|| "?".into()),
                found.html_url.map(|u| format!(", {u}")).unwrap_or_default()
            );
            println!("{}", found.tag);
        }
        What::ClaudeCode {
            pr_gate,
            registry,
            now,
        } => {
            let r = match registry {
                Some(reg) => ClaudeCodeResolver::new(reg),
                None => ClaudeCodeResolver::from_env(),
            };
            if pr_gate {
                let now = now.unwrap_or_else(Timestamp::now);
                let found = block_on(r.pr_gate(now, PR_GATE_MIN_AGE))
                    .context("resolving the PR-gate Claude Code version")?;
                eprintln!(
                    "PR-gate {}: {} (published {}, at least {} h before {})",
                    claude_code::PACKAGE,
                    found.version,
                    compat_matrix::matrix::format_timestamp(found.published_at),
                    PR_GATE_MIN_AGE.as_hours(),
                    compat_matrix::matrix::format_timestamp(now)
                );
                println!("{}", found.version);
            } else {
                let v = block_on(r.latest()).context("resolving the latest Claude Code version")?;
                eprintln!("latest {}: {v}", claude_code::PACKAGE);
                println!("{v}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
