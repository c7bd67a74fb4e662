//! `cargo xtask releases`: the matrix across LiteLLM releases (issue 27 item
//! 3). Resolves which releases (a list, a range of what the package index
//! offers, or by default the last few stable lines and the LTS line's newest:
//! `select.rs`), runs the suite on each in its own cached virtualenv, and
//! writes `compatibility-releases.json` (compat-matrix's `releases`: each
//! cell/model's verdict per release, works since, broke in).
//!
//! Folder layout, shared with a hand-made run (`COMPAT_LITELLM_VERSION=<v>
//! cargo xtask matrix --out target/compat/releases/litellm-<v>/compatibility-matrix.json`):
//! `<dir>/litellm-<v>/compatibility-matrix.json` (+ `compat-results.json` and
//! the run's artifacts when this command ran it). `--from-dir <dir>` builds
//! the file from such a folder alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context as _, bail};
use compat_core::tools;
use compat_core::tools::index_check::Verdict;
use compat_matrix::manifest::Manifest;
use compat_matrix::matrix::v2::{AnyMatrix, MatrixV2};
use compat_matrix::matrix::{BuildOptions, ResultsInput, SchemaVersion};
use compat_matrix::paths;
use compat_matrix::releases::{self, LitellmVersion, ReleaseInput, ReleasesFile, ReleasesOptions};
use compat_matrix::results::{Mode, RunResults};

use crate::matrix::mode_parser;
use crate::suite::{Suite, SuiteVersions};
use crate::versions::block_on;
use crate::versions::litellm::{self, LitellmResolver};

pub mod select;

use select::Selection;

/// The schema the releases file is validated against before it is written.
pub const SCHEMA: &str = "schemas/compatibility-releases.v1.schema.json";

#[derive(Debug, clap::Args)]
pub struct ReleasesArgs {
    /// The releases to measure, comma-separated PyPI versions (1.106.12,1.108.7).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "V,V,...",
        conflicts_with = "range"
    )]
    pub litellm: Vec<String>,
    /// Every release the package index offers from A to B, both included
    /// (`1.105.0..1.108.7`; pip's `pip index versions litellm`).
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,
    /// Without --litellm or --range: how many release lines (major.minor),
    /// newest first, each measured on its newest stable release the package
    /// index can install; the LTS line's newest is added when not among them.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub count: usize,
    /// Print the resolved releases as JSON ({versions, releases, skipped}) and
    /// exit: the CI workflow's job matrix.
    #[arg(long, conflicts_with_all = ["from_dir", "matrix"])]
    pub list: bool,
    /// sim (default), live or rehearsal, as `cargo xtask matrix`.
    #[arg(long, env = "COMPAT_MODE", value_parser = mode_parser(), default_value = "sim")]
    pub mode: Mode,
    /// Re-run a release whose matrix is already in its folder, measured with
    /// the same claude CLI and mode (by default it is reused).
    #[arg(long)]
    pub fresh: bool,
    /// Build the file from the release folders in DIR (`litellm-<v>/compatibility-matrix.json`); run nothing.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["litellm", "range", "matrix"])]
    pub from_dir: Option<PathBuf>,
    /// Build the file from these matrices (`1.106.12=path.json`, repeatable); run nothing.
    #[arg(long, value_name = "V=FILE", conflicts_with_all = ["litellm", "range"])]
    pub matrix: Vec<String>,
    /// A `--list` output: the releases' why and the skipped ones, for the file
    /// built with --from-dir or --matrix (the CI workflow's last job).
    #[arg(long, value_name = "FILE")]
    pub selection: Option<PathBuf>,
    /// The folder of the per-release runs [default: target/compat/releases].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Where to write the file [default: target/compat/compatibility-releases.json].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Test filters and harness options for every release, e.g. `-- tool_use`.
    #[arg(last = true, value_name = "HARNESS ARGS")]
    pub harness_args: Vec<String>,
}

pub fn default_dir() -> PathBuf {
    paths::out_dir().join("releases")
}

/// A release's folder: `<dir>/litellm-<v>`.
pub fn release_dir(dir: &Path, version: &str) -> PathBuf {
    dir.join(format!("litellm-{version}"))
}

pub fn main(args: ReleasesArgs) -> anyhow::Result<ExitCode> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| paths::out_dir().join("compatibility-releases.json"));
    let dir = args.dir.clone().unwrap_or_else(default_dir);
    let mut selection = match &args.selection {
        Some(p) => serde_json::from_str::<Selection>(
            &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        )
        .with_context(|| {
            format!(
                "{}: not a `cargo xtask releases --list` output",
                p.display()
            )
        })?,
        None => Selection::default(),
    };
    let matrices: Vec<(String, PathBuf)> = if let Some(from) = &args.from_dir {
        matrices_in(from)?
    } else if !args.matrix.is_empty() {
        args.matrix
            .iter()
            .map(|m| {
                let (v, p) = m.split_once('=').with_context(|| {
                    format!("--matrix {m}: expected VERSION=FILE, e.g. 1.106.12=m.json")
                })?;
                Ok((v.to_owned(), PathBuf::from(p)))
            })
            .collect::<anyhow::Result<_>>()?
    } else {
        selection = resolve(&args)?;
        if args.list {
            println!("{}", serde_json::to_string(&selection)?);
            return Ok(ExitCode::SUCCESS);
        }
        run_each(&args, &dir, &mut selection)?
    };
    let file = build_file(&matrices, &selection)?;
    let text = file.to_json_pretty();
    validate(&text)?;
    compat_matrix::fsutil::write_atomic(&out, text.as_bytes())
        .with_context(|| format!("writing {}", out.display()))?;
    print!("{}", releases::render::table(&file, false));
    println!("\nwrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// The releases asked for, or the default selection; a release the index
/// cannot install lands in `skipped`.
fn resolve(args: &ReleasesArgs) -> anyhow::Result<Selection> {
    let mut s = Selection::default();
    if !args.litellm.is_empty() {
        for v in &args.litellm {
            let Some(parsed) = LitellmVersion::parse(v) else {
                bail!("--litellm {v}: not a LiteLLM version (e.g. 1.108.7)");
            };
            match installable(parsed.as_str()) {
                Ok(()) => s.push(parsed.to_string(), "asked for (--litellm)".into()),
                Err(why) => s.skip(parsed.to_string(), why),
            }
        }
        return Ok(s);
    }
    if let Some(range) = &args.range {
        let (a, b) = select::parse_range(range).map_err(anyhow::Error::msg)?;
        let out = Command::new("python3")
            .args([
                "-m",
                "pip",
                "index",
                "versions",
                "litellm",
                "--disable-pip-version-check",
            ])
            .output()
            .context(
                "running `python3 -m pip index versions litellm`; is python3 with pip on PATH?",
            )?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!(
                "`pip index versions litellm` failed ({}): {}; check pip's index configuration (PIP_INDEX_URL, pip.conf)",
                out.status,
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
        }
        let versions = select::versions_in_range(&text, &a, &b);
        if versions.is_empty() {
            bail!("the package index offers no LiteLLM release in {range}");
        }
        for v in versions {
            match installable(&v) {
                Ok(()) => s.push(v, format!("in {range}, offered by the package index")),
                Err(why) => s.skip(v, why),
            }
        }
        return Ok(s);
    }
    let resolver = LitellmResolver::from_env();
    let stable = block_on(resolver.stable_release_list(args.count + 6))
        .context("listing LiteLLM's stable releases (GitHub Releases API)")?;
    let mut check = |tag: &str| match litellm::pip_version(tag) {
        Some(v) => installable(&v),
        None => Err(format!("{tag} is not a vX.Y.Z-stable tag")),
    };
    let s = select::default_selection(&stable, args.count, &mut check);
    if s.releases.is_empty() {
        bail!(
            "no stable LiteLLM release the package index can install among the newest {} line(s): {}",
            args.count,
            s.skipped
                .iter()
                .map(|k| format!("{} ({})", k.litellm_version, k.why))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(s)
}

/// Whether the index can install a release (a complete cached virtualenv
/// counts without asking pip); the one-line why when not.
fn installable(version: &str) -> Result<(), String> {
    if tools_venv(version).join(".compat-complete").exists() {
        return Ok(());
    }
    match tools::check_litellm_release(version) {
        Ok(Verdict::Installable { .. }) => Ok(()),
        Ok(Verdict::Missing(m)) => Err(m.reason()),
        Err(e) => {
            eprintln!(
                "warning: cannot check whether the package index can install LiteLLM {version} ({e}); taking it"
            );
            Ok(())
        }
    }
}

fn tools_venv(version: &str) -> PathBuf {
    paths::tools_dir().join(format!("litellm-{version}"))
}

/// Runs the suite on each selected release (or reuses its matrix); a release
/// that cannot be provisioned moves to `skipped`. Returns (release, matrix).
fn run_each(
    args: &ReleasesArgs,
    dir: &Path,
    selection: &mut Selection,
) -> anyhow::Result<Vec<(String, PathBuf)>> {
    eprintln!("[releases] provisioning the claude CLI ...");
    let claude = tools::claude()?;
    let mut done = Vec::new();
    for planned in selection.releases.clone() {
        let v = planned.litellm_version;
        let folder = release_dir(dir, &v);
        let matrix_path = folder.join("compatibility-matrix.json");
        if !args.fresh
            && let Some(m) = reusable(&matrix_path, &v, &claude.version, args.mode)
        {
            eprintln!(
                "[releases] LiteLLM {v}: reusing {} (measured {}, claude {}, {} mode; --fresh re-runs it)",
                matrix_path.display(),
                m.generated_at,
                m.claude_code_version,
                args.mode
            );
            done.push((v, matrix_path));
            continue;
        }
        eprintln!("[releases] LiteLLM {v}: provisioning ...");
        if let Err(e) = tools::provision_litellm(&tools_venv(&v), &v, &|_| {}) {
            let why = e.to_string();
            let why = why.split("; ways out").next().unwrap_or(&why).to_owned();
            eprintln!("[releases] LiteLLM {v}: skipped: {why}");
            selection.releases.retain(|p| p.litellm_version != v);
            selection.versions.retain(|x| *x != v);
            selection.skip(v, why);
            continue;
        }
        eprintln!(
            "[releases] LiteLLM {v}: running the suite in {} mode ...",
            args.mode
        );
        let results = folder.join("compat-results.json");
        let mut suite = Suite::new(args.mode, results.clone());
        suite.out_dir = Some(folder.clone());
        suite.versions = Some(SuiteVersions {
            litellm: v.clone(),
            claude_code: claude.version.clone(),
        });
        // A red cell is data here, not a regression of this branch.
        suite.baseline_off = true;
        suite.harness_args = args.harness_args.clone();
        let status = suite.run()?;
        let loaded = RunResults::load(&results)?;
        let manifest = Manifest::load_default()?;
        let matrix = SchemaVersion::V2.build(
            &manifest,
            &[ResultsInput {
                path: &results,
                results: &loaded,
            }],
            &BuildOptions {
                allow_incomplete: !status.success(),
                ..Default::default()
            },
        )?;
        compat_matrix::fsutil::write_atomic(&matrix_path, matrix.to_json_pretty().as_bytes())
            .with_context(|| format!("writing {}", matrix_path.display()))?;
        eprintln!("[releases] LiteLLM {v}: wrote {}", matrix_path.display());
        done.push((v, matrix_path));
    }
    if done.is_empty() {
        bail!(
            "no release could be measured: {}",
            selection
                .skipped
                .iter()
                .map(|k| format!("{} ({})", k.litellm_version, k.why))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(done)
}

/// The matrix already in a release's folder, if it measured that release
/// with this CLI in this mode.
fn reusable(path: &Path, version: &str, claude: &str, mode: Mode) -> Option<MatrixV2> {
    let AnyMatrix::V2(m) = AnyMatrix::load(path).ok()? else {
        return None;
    };
    let same_mode = m.context.as_ref().and_then(|c| c.mode) == Some(mode);
    (same_mode && m.claude_code_version == claude && releases::check_label(version, &m).is_ok())
        .then_some(m)
}

/// `(release, matrix path)` of every `litellm-<v>/compatibility-matrix.json` in `dir`.
pub fn matrices_in(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("reading {}; is it the releases folder?", dir.display()))?
    {
        let path = entry?.path();
        let Some(v) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("litellm-"))
        else {
            continue;
        };
        let m = path.join("compatibility-matrix.json");
        if m.is_file() {
            found.push((v.to_owned(), m));
        }
    }
    found.sort();
    if found.is_empty() {
        bail!(
            "{}: no litellm-<version>/compatibility-matrix.json inside; write them with \
             `COMPAT_LITELLM_VERSION=<v> cargo xtask matrix --out {}/litellm-<v>/compatibility-matrix.json`",
            dir.display(),
            dir.display()
        );
    }
    Ok(found)
}

/// The releases file from the per-release matrices (schema v2 each, filed
/// under the release they measured).
pub fn build_file(
    matrices: &[(String, PathBuf)],
    selection: &Selection,
) -> anyhow::Result<ReleasesFile> {
    let loaded: Vec<(String, MatrixV2)> = matrices
        .iter()
        .map(|(v, p)| match AnyMatrix::load(p)? {
            AnyMatrix::V2(m) => {
                releases::check_label(v, &m).with_context(|| p.display().to_string())?;
                Ok((v.clone(), m))
            }
            AnyMatrix::V1(_) => bail!(
                "{}: a schema v1 matrix has no per-model results; build it as v2 (the default)",
                p.display()
            ),
        })
        .collect::<anyhow::Result<_>>()?;
    let inputs: Vec<ReleaseInput<'_>> = loaded
        .iter()
        .map(|(v, m)| ReleaseInput {
            litellm_version: v.clone(),
            matrix: m,
            why: selection.why(v).map(str::to_owned),
        })
        .collect();
    let provider_names: BTreeMap<String, String> = Manifest::load_default()
        .map(|m| {
            m.providers
                .iter()
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    Ok(releases::build(
        &inputs,
        &ReleasesOptions {
            generated_at: Some(compat_matrix::matrix::format_timestamp(
                jiff::Timestamp::now(),
            )),
            provider_names,
            skipped: selection.skipped.clone(),
        },
    )?)
}

/// Validates a releases file against [`SCHEMA`].
pub fn validate(text: &str) -> anyhow::Result<()> {
    let path = paths::workspace_root().join(SCHEMA);
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
    )?;
    let validator = jsonschema::validator_for(&schema)
        .map_err(|e| anyhow::anyhow!("{}: not a valid JSON Schema: {e}", path.display()))?;
    let instance: serde_json::Value = serde_json::from_str(text)?;
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if !errors.is_empty() {
        bail!(
            "the releases file does not match {SCHEMA} (a bug of the builder; please report it): {}",
            errors.join("; ")
        );
    }
    Ok(())
}
