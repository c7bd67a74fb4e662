//! `cargo xtask <command>`: the project's jobs.
//!
//! - `publish`: the daily job: resolve versions, run the suite, validate the
//!   matrix and commit it to the docs repo (docs/publishing.md).
//! - `resolve`: print the LiteLLM or Claude Code version a pipeline targets.

mod args;
mod publish;
mod resolve;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  publish [--dry-run] [--mode live|sim] [--litellm-version TAG]
          [--claude-code-version V] [--docs-repo URL|PATH] [--branch B]
          [--path P] [--results FILE] [--out FILE] [--no-publish]
      Run the suite at the resolved versions, build and validate the matrix,
      commit it (only it) to the docs repo. `publish --help` for details.
  resolve litellm|claude-code [--pr-gate]
      Print the latest stable LiteLLM tag, or the Claude Code version for the
      daily job (npm latest) or the PR gate (newest published >= 3 days ago).
";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let command = args.remove(0);
    let result = match command.as_str() {
        "publish" => publish::main(args),
        "resolve" => resolve::main(args),
        other => Err(anyhow::anyhow!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
