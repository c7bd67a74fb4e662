//! `cargo xtask resolve litellm|claude-code [--pr-gate]`: prints one version
//! on stdout (for `$(...)` in CI scripts); details go to stderr.

use anyhow::{Context as _, bail};
use crate::versions::block_on;
use crate::versions::claude_code::{self, ClaudeCodeResolver, PR_GATE_MIN_AGE};
use crate::versions::litellm::{self, LitellmResolver};
use jiff::Timestamp;

use crate::args::Args;

pub const USAGE: &str = "\
usage: cargo xtask resolve litellm [--api-base URL]
       cargo xtask resolve claude-code [--pr-gate] [--registry URL] [--now TIMESTAMP]

  litellm       the newest vX.Y.Z-stable release of BerriAI/litellm (GitHub
                Releases API; drafts and prereleases skipped), e.g. v1.83.0-stable
  claude-code   the `latest` dist-tag of @anthropic-ai/claude-code (npm), or with
                --pr-gate the newest stable, non-deprecated version published at
                least 72 h before now (--now, RFC 3339, to reproduce a past run)

Prints the version alone on stdout. Environment: GITHUB_TOKEN (optional,
raises the GitHub API quota), GITHUB_API_URL (default https://api.github.com),
COMPAT_NPM_REGISTRY (default https://registry.npmjs.org).
";

pub fn main(args: Vec<String>) -> anyhow::Result<()> {
    let mut a = Args::new("resolve", args);
    if a.switch("--help") || a.switch("-h") {
        print!("{USAGE}");
        return Ok(());
    }
    let api_base = a.value("--api-base")?;
    let registry = a.value("--registry")?;
    let now = a.value("--now")?;
    let pr_gate = a.switch("--pr-gate");
    let what = a.finish()?;
    match what
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["litellm"] => {
            if pr_gate || registry.is_some() || now.is_some() {
                bail!("--pr-gate, --registry and --now apply to `resolve claude-code`");
            }
            let r = match api_base {
                Some(base) => LitellmResolver::new(base)
                    .with_token(compat_core::secret::Secret::from_env(litellm::TOKEN_VAR)),
                None => LitellmResolver::from_env(),
            };
            let found = block_on(r.latest_stable())
                .context("resolving the latest stable LiteLLM release")?;
            eprintln!(
                "latest stable LiteLLM: {} (published {}){}",
                found.tag,
                found
                    .published_at
                    .map(compat_core::matrix::format_timestamp)
                    .unwrap_or_else(|| "?".into()),
                found.html_url.map(|u| format!(", {u}")).unwrap_or_default()
            );
            println!("{}", found.tag);
        }
        ["claude-code"] => {
            if api_base.is_some() {
                bail!("--api-base applies to `resolve litellm`");
            }
            let r = match registry {
                Some(reg) => ClaudeCodeResolver::new(reg),
                None => ClaudeCodeResolver::from_env(),
            };
            if pr_gate {
                let now = match now {
                    Some(t) => t
                        .parse::<Timestamp>()
                        .with_context(|| format!("--now `{t}` is not an RFC 3339 timestamp"))?,
                    None => Timestamp::now(),
                };
                let found = block_on(r.pr_gate(now, PR_GATE_MIN_AGE))
                    .context("resolving the PR-gate Claude Code version")?;
                eprintln!(
                    "PR-gate {}: {} (published {}, at least {} h before {})",
                    claude_code::PACKAGE,
                    found.version,
                    compat_core::matrix::format_timestamp(found.published_at),
                    PR_GATE_MIN_AGE.as_hours(),
                    compat_core::matrix::format_timestamp(now)
                );
                println!("{}", found.version);
            } else {
                if now.is_some() {
                    bail!("--now applies to --pr-gate");
                }
                let v = block_on(r.latest()).context("resolving the latest Claude Code version")?;
                eprintln!("latest {}: {v}", claude_code::PACKAGE);
                println!("{v}");
            }
        }
        [] => bail!("what to resolve? `litellm` or `claude-code`\n\n{USAGE}"),
        other => bail!(
            "cannot resolve `{}`: expected `litellm` or `claude-code`\n\n{USAGE}",
            other.join(" ")
        ),
    }
    Ok(())
}
