//! `cargo xtask <command>`: the project's jobs.
//!
//! - `matrix`: the main job. Provisions the tools, runs the whole suite
//!   (sim mode by default), builds compatibility-matrix.json and prints it.
//! - `build-matrix`: results file(s) + manifest -> compatibility-matrix.json.
//! - `provision`: installs the pinned claude CLI and LiteLLM into the cache.
//! - `render`: prints a matrix as a table or Markdown.
//! - `preview`: serves the docs page over a local matrix.
//! - `publish`: the daily job (docs/publishing.md).
//! - `resolve`: the LiteLLM / Claude Code version a pipeline targets.
//! - `bench`: speed and memory figures of the matrix against its floor.

mod args;
mod publisher;
mod versions;
mod bench;
mod capture;
mod matrix;
mod preview;
mod publish;
mod resolve;
mod sim;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  matrix [--mode sim|live] [--out FILE] [-- <test filter and harness args>]
      Run the compatibility suite (sim mode: local provider simulators, no
      credentials), build the matrix, print it and write the JSON
      (default target/compat/compatibility-matrix.json).
  build-matrix <results.json|dir>... [--out FILE] [--litellm-version V]
               [--claude-code-version V] [--allow-incomplete]
      Build compatibility-matrix.json from one or more results files.
  render [FILE] [--format table|markdown]
      Print a matrix (default target/compat/compatibility-matrix.json).
  preview [FILE] [--port N]
      Build and serve (127.0.0.1) the docs page over a matrix (default the
      latest local one), to see a run as customers will.
  sim
      Run the five provider simulators on 127.0.0.1 until Ctrl-C (for manual use).
  provision
      Install the pinned claude CLI and LiteLLM into the tool cache.
  publish [--dry-run] [--mode live|sim] [--litellm-version TAG]
          [--claude-code-version V] [--docs-repo URL|PATH] [--branch B]
          [--path P] [--results FILE] [--out FILE] [--no-publish]
      Run the suite at the resolved versions, build and validate the matrix,
      commit it (only it) to the docs repo (docs/publishing.md).
  resolve litellm|claude-code [--pr-gate]
      Print the latest stable LiteLLM tag, or the Claude Code version for the
      daily job (npm latest) or the PR gate (newest published >= 3 days ago).
  capture-transcripts
      Re-capture the real claude CLI's stream-JSON output (golden/transcripts/)
      for the driver's parser tests, e.g. after bumping the pinned CLI.
  bench
      Time the full sim matrix against its floor (bare claude runs against a
      simulator) and the one-cell author loop; print wall times, ratio, peak memory.
";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let command = args.remove(0);
    let result = match command.as_str() {
        "matrix" => matrix::run_matrix(args),
        "build-matrix" => matrix::build_matrix(args),
        "render" => matrix::render(args),
        "provision" => matrix::provision(),
        "bench" => bench::run(args),
        "preview" => preview::run(args),
        "sim" => sim::run(args),
        "capture-transcripts" => capture::run(args),
        "publish" => publish::main(args).map(|()| ExitCode::SUCCESS),
        "resolve" => resolve::main(args).map(|()| ExitCode::SUCCESS),
        other => Err(anyhow::anyhow!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
