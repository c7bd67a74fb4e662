//! `cargo xtask <command>`: the project's jobs. One parser (clap) for every
//! command, so every command has `--help` and rejects what it does not know
//! (a typo must not silently change what gets published).
//!
//! - `matrix`: the main job. Provisions the tools, runs the whole suite
//!   (sim mode by default), builds compatibility-matrix.json and prints it.
//! - `build-matrix`, `render`, `preview`: the matrix file commands.
//! - `releases`: the matrix across LiteLLM releases (works since, broke in).
//! - `provision`, `sim`, `capture-transcripts`, `bench`: tools and simulators.
//! - `probe`: the simulators' rules checked against the providers (issue 25).
//! - `codegen`: the files derived from manifest.yaml and the case folders.
//! - `publish`, `resolve`, `history`: the pipelines (docs/publishing.md), with the
//!   publisher (`publisher/`) and the version resolvers (`versions/`).
//!
//! `suite.rs` is the one place that runs the suite (`matrix`, `publish`, `bench`).

mod bench;
mod capture;
mod codegen;
mod codegen_ledger;
mod history;
mod matrix;
mod preview;
mod probe;
mod probe_rehearsal;
mod probe_report;
mod publish;
mod publisher;
mod releases;
mod resolve;
mod sim;
mod suite;
mod up;
mod versions;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The Claude Code Compatibility Matrix's jobs (README.md, docs/publishing.md)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the compatibility suite (sim mode: local provider simulators, no
    /// credentials), build the matrix, print it and write the JSON.
    Matrix(matrix::MatrixArgs),
    /// Build compatibility-matrix.json from one or more results files.
    BuildMatrix(matrix::BuildMatrixArgs),
    /// Run the matrix on several LiteLLM releases (a list, a range, or the
    /// last stable lines and the LTS) and write compatibility-releases.json:
    /// each cell/model per release, works since, broke in.
    Releases(releases::ReleasesArgs),
    /// Print a matrix, or a releases file, as a table or Markdown.
    Render(matrix::RenderArgs),
    /// Build and serve (127.0.0.1) the docs page over a matrix, to see a run
    /// as customers will.
    Preview(preview::PreviewArgs),
    /// Run the provider simulators on 127.0.0.1 until Ctrl-C (for
    /// manual use: curl, a bare `claude -p`, a hand-started LiteLLM).
    Sim,
    /// Install the pinned claude CLI, LiteLLM and the conformance suite's
    /// SDK virtualenvs (Anthropic SDK x2, boto3) into the tool cache.
    Provision,
    /// The daily job: run the suite at the resolved versions, build and
    /// validate the matrix, commit it (only it) to the docs repo.
    #[command(after_help = publish::ENVIRONMENT)]
    Publish(publish::PublishArgs),
    /// Each cell's status over the published runs, from the docs repo's git
    /// history of the matrix; writes the compact history JSON with --out.
    History(history::HistoryArgs),
    /// Print the LiteLLM or Claude Code version a pipeline targets.
    #[command(after_help = resolve::ENVIRONMENT)]
    Resolve(resolve::ResolveArgs),
    /// Re-capture the real claude CLI's stream-JSON output
    /// (golden/transcripts/) for the driver's parser tests, e.g. after
    /// bumping the pinned CLI.
    CaptureTranscripts,
    /// Time the full sim matrix against its floor (bare claude runs against a
    /// simulator) and the one-cell author loop; print wall times, ratio,
    /// peak memory.
    Bench(bench::BenchArgs),
    /// Start the warm gateway for authors: LiteLLM imported once, one proxy
    /// per column kept running (state in target/compat-up/state.json); runs
    /// of the suite attach to it and say so.
    Up,
    /// Stop the warm gateway that `cargo xtask up` started.
    Down,
    /// Write the generated files: compat-core's `Provider` (from
    /// manifest.yaml) and compat-tests/main.rs (from the case folders).
    Codegen(codegen::CodegenArgs),
    /// Check each rule of the simulators' ledger with the smallest request
    /// that tells whether a provider enforces it: against the simulators
    /// (sim) or the real providers (live); writes probe-report.json and .md.
    #[command(after_help = probe::ENVIRONMENT)]
    Probe(probe::ProbeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Matrix(a) => matrix::run_matrix(a),
        Command::BuildMatrix(a) => matrix::build_matrix(a),
        Command::Releases(a) => releases::main(a),
        Command::Render(a) => matrix::render(a),
        Command::Preview(a) => preview::run(a),
        Command::Sim => sim::run(),
        Command::Provision => matrix::provision(),
        Command::Publish(a) => publish::main(a),
        Command::Resolve(a) => resolve::main(a),
        Command::History(a) => history::main(a),
        Command::CaptureTranscripts => capture::run(),
        Command::Bench(a) => bench::run(a),
        Command::Up => up::up(),
        Command::Down => up::down(),
        Command::Codegen(a) => codegen::run(a),
        Command::Probe(a) => probe::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprint!("{}", report(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error as the user reads it: what failed and what to do (the message),
/// then why (each cause in the chain, once), as cargo-nextest prints them.
fn report(e: &anyhow::Error) -> String {
    let mut out = format!("error: {e}\n");
    let causes: Vec<String> = e.chain().skip(1).map(ToString::to_string).collect();
    if !causes.is_empty() {
        out.push_str("  caused by:\n");
        for c in causes {
            out.push_str(&format!("  - {c}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    fn parse(line: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("xtask").chain(line.split_whitespace()))
    }

    #[test]
    fn the_parser_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_help_and_rejects_unknown_arguments() {
        for name in [
            "matrix",
            "build-matrix",
            "render",
            "releases",
            "preview",
            "sim",
            "provision",
            "publish",
            "resolve",
            "capture-transcripts",
            "bench",
            "up",
            "down",
            "codegen",
            "probe",
        ] {
            let e = parse(&format!("{name} --help")).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp, "{name}");
            let e = parse(&format!("{name} --no-such-flag")).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::UnknownArgument, "{name}");
        }
        assert!(parse("sim extra").is_err());
        // bench takes the harness's filter (`cargo xtask bench tool_use`).
        assert!(parse("bench tool_use").is_ok());
    }

    #[test]
    fn matrix_passes_everything_after_the_separator_to_the_harness() {
        let Command::Matrix(a) = parse("matrix --mode live -- tool_use --exact")
            .unwrap()
            .command
        else {
            panic!("not matrix")
        };
        assert_eq!(a.mode, compat_matrix::results::Mode::Live);
        assert_eq!(a.harness_args, ["tool_use", "--exact"]);
        assert!(parse("matrix tool_use").is_err(), "filters go after `--`");
        assert!(parse("matrix --mode prod").is_err());
    }

    #[test]
    fn a_report_names_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let e = anyhow::Error::new(io).context("reading x.json; check the path");
        assert_eq!(
            report(&e),
            "error: reading x.json; check the path\n  caused by:\n  - gone\n"
        );
    }
}
