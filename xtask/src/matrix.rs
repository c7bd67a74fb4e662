//! The main job (`matrix`) and the matrix file commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use compat_core::tools;
use compat_core::tools::sdks;
use compat_matrix::manifest::Manifest;
use compat_matrix::matrix::v2::AnyMatrix;
use compat_matrix::matrix::{BuildOptions, ResultsInput, SchemaVersion};
use compat_matrix::results::{Mode, RunResults};
use compat_matrix::{paths, render as rendering};

use crate::suite::Suite;

fn default_matrix_path() -> PathBuf {
    paths::out_dir().join("compatibility-matrix.json")
}

/// Parses `--mode`: `sim`, `live` or `rehearsal`.
pub fn mode_parser() -> impl clap::builder::TypedValueParser<Value = Mode> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(["sim", "live", "rehearsal"]).map(|m| {
        match m.as_str() {
            "live" => Mode::Live,
            "rehearsal" => Mode::Rehearsal,
            _ => Mode::Sim,
        }
    })
}

/// Which schema version of compatibility-matrix.json to write: compat-matrix's
/// `SchemaVersion`, given to clap (the one list of versions lives there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema(pub SchemaVersion);

impl clap::ValueEnum for Schema {
    fn value_variants<'a>() -> &'a [Self] {
        &[Schema(SchemaVersion::V1), Schema(SchemaVersion::V2)]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let help = match self.0 {
            SchemaVersion::V1 => {
                "Schema v1: four statuses (flaky reads pass, partial fail, unverified not_tested)."
            }
            SchemaVersion::V2 => "Schema v2: per-model results; partial, flaky, unverified.",
        };
        Some(clap::builder::PossibleValue::new(self.0.id()).help(help))
    }
}

#[derive(Debug, clap::Args)]
pub struct MatrixArgs {
    /// sim: local provider simulators, no credentials; live: the real
    /// providers, credentials from the environment; rehearsal: a live run
    /// against the simulators behind the real host names (README). Read from
    /// COMPAT_MODE when not given, since the suite is started with
    /// COMPAT_MODE set from this option (it would otherwise overwrite it).
    #[arg(long, env = "COMPAT_MODE", value_parser = mode_parser(), default_value = "sim")]
    pub mode: Mode,
    /// Where to write the matrix [default: target/compat/compatibility-matrix.json].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Schema version of the matrix written.
    #[arg(long, value_enum, default_value = "2")]
    pub schema: Schema,
    /// Test filters and harness options, e.g. `-- tool_use::azure vision --test-threads 2`.
    #[arg(last = true, value_name = "HARNESS ARGS")]
    pub harness_args: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct BuildMatrixArgs {
    /// Results files, or folders of them (every *.json inside)
    /// [default: target/compat/compat-results.json].
    #[arg(value_name = "RESULTS")]
    pub inputs: Vec<PathBuf>,
    /// Where to write the matrix [default: target/compat/compatibility-matrix.json].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Label the matrix with this LiteLLM version (default: the recorded one).
    #[arg(long, value_name = "V", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub litellm_version: Option<String>,
    /// Label the matrix with this Claude Code version (default: the recorded one).
    #[arg(long, value_name = "V", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub claude_code_version: Option<String>,
    /// Build from a run that did not finish (its missing cells are not_tested).
    #[arg(long)]
    pub allow_incomplete: bool,
    /// Schema version of the matrix written (1 for consumers that have not moved to v2).
    #[arg(long, value_enum, default_value = "2")]
    pub schema: Schema,
    /// The matrix published before (v1 or v2): v2's unverified cells carry
    /// its verdict and when it was measured.
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    /// Also write the inputs merged into one results file (the shards of a
    /// split run, as `cargo xtask publish --results` takes one).
    #[arg(long, value_name = "FILE")]
    pub merged_results: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    #[value(alias = "md")]
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The matrix, or a releases file (`cargo xtask releases`)
    /// [default: target/compat/compatibility-matrix.json].
    pub file: Option<PathBuf>,
    /// For a releases file: every cell/model, not only those whose verdict
    /// changed across the releases.
    #[arg(long)]
    pub all: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Print instead the regression gate's table against this baseline
    /// matrix, per model (regressions, failing differently with both
    /// signatures, models the baseline lacks, newly passing, still failing),
    /// as Markdown.
    #[arg(long, value_name = "BASELINE")]
    pub diff: Option<PathBuf>,
    /// With --diff: judge as the gate of this mode does (sim: failing
    /// differently, models the baseline lacks and retries fail it; live:
    /// only regressions do).
    #[arg(long, default_value = "sim", value_parser = ["sim", "live"])]
    pub mode: String,
}

/// `cargo xtask provision`: every tool the tests use, up front (CI runs it
/// before `cargo test --workspace`, so installs show progress here rather
/// than inside a silent test): the claude CLI and LiteLLM, and the providers'
/// official clients of the simulator conformance suite (one virtualenv per
/// Anthropic SDK generation, with boto3; one per `openai` SDK generation).
pub fn provision() -> anyhow::Result<ExitCode> {
    provision_tools()?;
    for generation in [sdks::SdkGeneration::Litellm, sdks::SdkGeneration::Newest] {
        let venv = sdks::anthropic_sdk(generation)?;
        println!(
            "Anthropic SDK ({}) {} with boto3 {} at {}",
            generation.label(),
            venv.anthropic_version,
            venv.boto3_version,
            venv.python.display()
        );
    }
    for generation in [
        sdks::OpenAiSdkGeneration::Litellm,
        sdks::OpenAiSdkGeneration::Older,
    ] {
        let venv = sdks::openai_sdk(generation)?;
        println!(
            "OpenAI SDK ({}) {} at {}",
            generation.label(),
            venv.openai_version,
            venv.python.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The tools a matrix run needs: the claude CLI and LiteLLM.
fn provision_tools() -> anyhow::Result<()> {
    let claude = tools::claude()?;
    println!("claude CLI {} at {}", claude.version, claude.bin.display());
    let litellm = tools::litellm()?;
    println!("LiteLLM {} at {}", litellm.version, litellm.bin.display());
    Ok(())
}

pub fn run_matrix(args: MatrixArgs) -> anyhow::Result<ExitCode> {
    let out = args.out.unwrap_or_else(default_matrix_path);
    let t0 = Instant::now();
    eprintln!("[matrix] provisioning tools ...");
    provision_tools()?;

    let results_path = paths::results_file();
    eprintln!("[matrix] running the suite in {} mode ...", args.mode);
    let mut suite = Suite::new(args.mode, results_path.clone());
    suite.harness_args = args.harness_args;
    let status = suite.run()?;
    let manifest = Manifest::load_default()?;
    let results = RunResults::load(&results_path)?;
    let matrix = args.schema.0.build(
        &manifest,
        &[ResultsInput {
            path: &results_path,
            results: &results,
        }],
        &BuildOptions {
            allow_incomplete: !status.success(),
            ..Default::default()
        },
    )?;
    compat_matrix::fsutil::write_atomic(&out, matrix.to_json_pretty().as_bytes())
        .with_context(|| format!("writing {}", out.display()))?;
    println!();
    print!("{}", rendering::table_any(&matrix, Some(&manifest)));
    println!(
        "\nwrote {} ({:.0} s)",
        out.display(),
        t0.elapsed().as_secs_f64()
    );
    println!("results: {}", results_path.display());
    // The matrix is the product; a red cell is information, not a crash of
    // this command. The suite's own exit status says whether trials failed.
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Expands the arguments into results files: a directory means every
/// `*.json` in it.
fn results_files(inputs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let mut in_dir: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|f| f.extension().is_some_and(|e| e == "json"))
                .collect();
            in_dir.sort();
            if in_dir.is_empty() {
                bail!("{}: no .json results files in this folder", p.display());
            }
            files.extend(in_dir);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

pub fn build_matrix(args: BuildMatrixArgs) -> anyhow::Result<ExitCode> {
    let out = args.out.unwrap_or_else(default_matrix_path);
    let mut inputs = args.inputs;
    if inputs.is_empty() {
        inputs.push(paths::results_file());
    }
    let files = results_files(&inputs)?;
    let loaded: Vec<(PathBuf, RunResults)> = files
        .into_iter()
        .map(|f| RunResults::load(&f).map(|r| (f, r)))
        .collect::<Result<_, _>>()?;
    let inputs: Vec<ResultsInput<'_>> = loaded
        .iter()
        .map(|(p, r)| ResultsInput {
            path: p,
            results: r,
        })
        .collect();
    let manifest = Manifest::load_default()?;
    let previous = args.previous.as_deref().map(AnyMatrix::load).transpose()?;
    let matrix = args.schema.0.build(
        &manifest,
        &inputs,
        &BuildOptions {
            litellm_version: args.litellm_version,
            claude_code_version: args.claude_code_version,
            allow_incomplete: args.allow_incomplete,
            generated_at: None,
            previous,
        },
    )?;
    compat_matrix::fsutil::write_atomic(&out, matrix.to_json_pretty().as_bytes())
        .with_context(|| format!("writing {}", out.display()))?;
    if let Some(path) = &args.merged_results {
        let merged = merge_results(&loaded)?;
        merged
            .write_atomic(path)
            .with_context(|| format!("writing the merged results {}", path.display()))?;
        eprintln!(
            "merged {} results files ({} trials) into {}",
            loaded.len(),
            merged.trials.len(),
            path.display()
        );
    }
    print!("{}", rendering::table_any(&matrix, Some(&manifest)));
    println!("\nwrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// The shards of one split run as one results file: every trial once (the
/// builder above has already refused conflicting ones and disagreeing
/// versions), started at the earliest start, finished at the last finish
/// (unfinished if any shard is).
fn merge_results(loaded: &[(PathBuf, RunResults)]) -> anyhow::Result<RunResults> {
    let (_, first) = loaded.first().context("no results files given")?;
    let mut merged = RunResults::new(first.run.mode);
    merged.run = first.run.clone();
    merged.run.shard = None;
    for (path, r) in loaded {
        if r.run.mode != merged.run.mode {
            bail!(
                "{}: a {} run cannot be merged with a {} run",
                path.display(),
                r.run.mode,
                merged.run.mode
            );
        }
        merged.run.started_at = merged.run.started_at.min(r.run.started_at);
        merged.run.finished_at = match (merged.run.finished_at, r.run.finished_at) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
        merged.run.claude_code_version = merged
            .run
            .claude_code_version
            .or_else(|| r.run.claude_code_version.clone());
        merged.run.litellm_version = merged
            .run
            .litellm_version
            .or_else(|| r.run.litellm_version.clone());
        for t in &r.trials {
            merged.record(t.clone());
        }
    }
    Ok(merged)
}

pub fn render(args: RenderArgs) -> anyhow::Result<ExitCode> {
    let path = args.file.unwrap_or_else(default_matrix_path);
    if let Ok(text) = std::fs::read_to_string(&path)
        && compat_matrix::releases::ReleasesFile::is_releases_document(&text)
    {
        if args.diff.is_some() {
            bail!(
                "--diff compares two matrices; {} is a releases file",
                path.display()
            );
        }
        let file = compat_matrix::releases::ReleasesFile::parse(&text, &path)
            .map_err(anyhow::Error::msg)?;
        match args.format {
            Format::Table => print!(
                "{}",
                compat_matrix::releases::render::table(&file, args.all)
            ),
            Format::Markdown => {
                print!(
                    "{}",
                    compat_matrix::releases::render::markdown(&file, args.all)
                )
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let matrix = AnyMatrix::load(&path)?;
    let manifest = Manifest::load_default().ok();
    if let Some(baseline) = args.diff {
        let baseline = AnyMatrix::load(&baseline)?;
        print!(
            "{}",
            rendering::diff_markdown(
                &baseline,
                &matrix,
                manifest.as_ref(),
                if args.mode == "live" {
                    compat_matrix::results::Mode::Live
                } else {
                    compat_matrix::results::Mode::Sim
                }
            )
        );
        return Ok(ExitCode::SUCCESS);
    }
    match args.format {
        Format::Table => print!("{}", rendering::table_any(&matrix, manifest.as_ref())),
        Format::Markdown => print!("{}", rendering::markdown_any(&matrix, manifest.as_ref())),
    }
    Ok(ExitCode::SUCCESS)
}
