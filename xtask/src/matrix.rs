//! The main job (`matrix`) and the matrix file commands.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context as _, bail};
use compat_core::manifest::Manifest;
use compat_core::matrix::{BuildOptions, Matrix, ResultsInput, build};
use compat_core::results::RunResults;
use compat_core::{paths, render as rendering, tools};

fn default_matrix_path() -> PathBuf {
    paths::out_dir().join("compatibility-matrix.json")
}

/// Takes `--name VALUE` out of `args`.
pub fn take_flag(args: &mut Vec<String>, name: &str) -> anyhow::Result<Option<String>> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => {
            if i + 1 >= args.len() {
                bail!("{name} needs a value");
            }
            let v = args.remove(i + 1);
            args.remove(i);
            Ok(Some(v))
        }
    }
}

/// Takes a boolean `--name` out of `args`.
pub fn take_switch(args: &mut Vec<String>, name: &str) -> bool {
    match args.iter().position(|a| a == name) {
        Some(i) => {
            args.remove(i);
            true
        }
        None => false,
    }
}

pub fn provision() -> anyhow::Result<ExitCode> {
    let claude = tools::claude()?;
    println!("claude CLI {} at {}", claude.version, claude.bin.display());
    let litellm = tools::litellm()?;
    println!("LiteLLM {} at {}", litellm.version, litellm.bin.display());
    Ok(ExitCode::SUCCESS)
}

pub fn run_matrix(mut args: Vec<String>) -> anyhow::Result<ExitCode> {
    let harness_args: Vec<String> = match args.iter().position(|a| a == "--") {
        Some(i) => {
            let rest = args.split_off(i);
            rest[1..].to_vec()
        }
        None => Vec::new(),
    };
    let mode = take_flag(&mut args, "--mode")?.unwrap_or_else(|| "sim".into());
    let out = take_flag(&mut args, "--out")?
        .map(PathBuf::from)
        .unwrap_or_else(default_matrix_path);
    if let Some(extra) = args.first() {
        bail!("unexpected argument `{extra}` (harness arguments go after `--`)");
    }
    let t0 = Instant::now();
    eprintln!("[matrix] provisioning tools ...");
    provision()?;

    let results_path = paths::results_file();
    // A stale file from an earlier run must not be mistaken for this one's.
    let _ = std::fs::remove_file(&results_path);
    eprintln!("[matrix] running the suite in {mode} mode ...");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "test",
            "--quiet",
            "-p",
            "compat-tests",
            "--test",
            "compat",
            "--",
        ])
        .args(&harness_args)
        .env("COMPAT_MODE", &mode)
        .env("COMPAT_RESULTS", &results_path)
        .current_dir(paths::workspace_root())
        .status()
        .context("running cargo test -p compat-tests")?;

    if !results_path.exists() {
        bail!(
            "the suite wrote no results file at {} (cargo test exited with {status}); see its output above",
            results_path.display()
        );
    }
    let manifest = Manifest::load_default()?;
    let results = RunResults::load(&results_path)?;
    let matrix = build(
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
    compat_core::fsutil::write_atomic(&out, matrix.to_json_pretty().as_bytes())
        .with_context(|| format!("writing {}", out.display()))?;
    println!();
    print!("{}", rendering::table(&matrix, Some(&manifest)));
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
fn results_files(inputs: &[String]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for i in inputs {
        let p = PathBuf::from(i);
        if p.is_dir() {
            let mut in_dir: Vec<PathBuf> = std::fs::read_dir(&p)
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
            files.push(p);
        }
    }
    Ok(files)
}

pub fn build_matrix(mut args: Vec<String>) -> anyhow::Result<ExitCode> {
    let out = take_flag(&mut args, "--out")?
        .map(PathBuf::from)
        .unwrap_or_else(default_matrix_path);
    let litellm_version = take_flag(&mut args, "--litellm-version")?;
    let claude_code_version = take_flag(&mut args, "--claude-code-version")?;
    let allow_incomplete = take_switch(&mut args, "--allow-incomplete");
    if let Some(flag) = args.iter().find(|a| a.starts_with("--")) {
        bail!("unknown option `{flag}`");
    }
    if args.is_empty() {
        args.push(paths::results_file().display().to_string());
    }
    let files = results_files(&args)?;
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
    let matrix = build(
        &manifest,
        &inputs,
        &BuildOptions {
            litellm_version,
            claude_code_version,
            allow_incomplete,
            generated_at: None,
            previous: None,
        },
    )?;
    compat_core::fsutil::write_atomic(&out, matrix.to_json_pretty().as_bytes())
        .with_context(|| format!("writing {}", out.display()))?;
    print!("{}", rendering::table(&matrix, Some(&manifest)));
    println!("\nwrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

pub fn render(mut args: Vec<String>) -> anyhow::Result<ExitCode> {
    let format = take_flag(&mut args, "--format")?.unwrap_or_else(|| "table".into());
    let path = args
        .first()
        .map(PathBuf::from)
        .unwrap_or_else(default_matrix_path);
    let matrix = Matrix::load(Path::new(&path))?;
    let manifest = Manifest::load_default().ok();
    match format.as_str() {
        "table" => print!("{}", rendering::table(&matrix, manifest.as_ref())),
        "markdown" | "md" => print!("{}", rendering::markdown(&matrix, manifest.as_ref())),
        other => bail!("--format {other}: expected `table` or `markdown`"),
    }
    Ok(ExitCode::SUCCESS)
}
