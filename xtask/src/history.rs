//! `cargo xtask history`: each cell's status over the published runs, read
//! from the docs repo's git history of the matrix file (v1 and v2 alike).
//!
//! A full clone into a scratch folder, `git log` of the matrix path, and
//! `git show <rev>:<path>` of each commit: the runs are the distinct
//! `generated_at`s, oldest first. It prints, per cell, the runs in which its
//! status changed, and writes (with `--out`) the compact history JSON
//! ([`History`]): per cell the last N runs' statuses with their generated_at.
//! The publisher keeps the same file beside the matrix up to date run by run
//! ([`History::push`]); docs/publishing.md says why.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context as _, bail};
use compat_matrix::matrix::v2::AnyMatrix;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use compat_matrix::matrix::compare::cells;

/// Runs kept per cell unless `--last` says otherwise.
pub const DEFAULT_LAST: usize = 30;
/// The history file's name, beside the matrix in the docs repo.
pub const FILE_NAME: &str = "compatibility-history.json";

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Docs repository: URL or local path (cloned in full into a scratch folder).
    #[arg(long, value_name = "URL|PATH")]
    docs_repo: String,
    /// Branch to read.
    #[arg(long, value_name = "NAME", default_value = crate::publisher::DEFAULT_BRANCH)]
    branch: String,
    /// Matrix path in the docs repo.
    #[arg(long, value_name = "PATH", default_value = crate::publisher::DEFAULT_PATH)]
    path: PathBuf,
    /// Write the compact history JSON here.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Runs kept per cell in --out.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LAST)]
    last: usize,
}

/// One run's status of a cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub generated_at: String,
    pub status: String,
}

/// The compact history: `"feature/provider"` -> the cell's last runs, oldest
/// first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    pub schema_version: String,
    pub cells: IndexMap<String, Vec<Point>>,
}

impl History {
    pub fn new() -> Self {
        History {
            schema_version: "1".into(),
            cells: IndexMap::new(),
        }
    }

    /// Adds a run (ignored when its generated_at is already the cell's last
    /// point: a republished run), keeping the last `last` points per cell.
    pub fn push(&mut self, m: &AnyMatrix, last: usize) {
        let at = m.generated_at().to_owned();
        for c in cells(m) {
            let points = self
                .cells
                .entry(format!("{}/{}", c.feature, c.provider))
                .or_default();
            if points.last().is_some_and(|p| p.generated_at == at) {
                continue;
            }
            points.push(Point {
                generated_at: at.clone(),
                status: c.status.to_owned(),
            });
            let extra = points.len().saturating_sub(last.max(1));
            points.drain(..extra);
        }
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        serde_json::from_str(text).context("not a compatibility history file")
    }

    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("history serializes");
        s.push('\n');
        s
    }

    /// Per cell, the runs in which its status changed (`at: old -> new`).
    pub fn changes(&self) -> Vec<(String, Vec<String>)> {
        self.cells
            .iter()
            .map(|(cell, points)| {
                let flips = points
                    .windows(2)
                    .filter(|w| w[0].status != w[1].status)
                    .map(|w| format!("{}: {} -> {}", w[1].generated_at, w[0].status, w[1].status))
                    .collect();
                (cell.clone(), flips)
            })
            .collect()
    }

    /// The printed report.
    pub fn report(&self, runs: usize) -> String {
        let mut out = format!("{runs} published run(s)\n");
        for (cell, flips) in self.changes() {
            let now = self.cells[&cell]
                .last()
                .map(|p| p.status.as_str())
                .unwrap_or("");
            if flips.is_empty() {
                out.push_str(&format!("{cell}: {now}, unchanged\n"));
            } else {
                out.push_str(&format!("{cell}: {now}\n"));
                for f in flips {
                    out.push_str(&format!("  {f}\n"));
                }
            }
        }
        out
    }
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .with_context(|| format!("running git {}", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Reads every published run of the matrix at `path` on `branch` of `repo`
/// (oldest first) into a history keeping `last` runs per cell; also returns
/// the number of distinct runs.
pub fn collect(
    repo: &str,
    branch: &str,
    path: &Path,
    last: usize,
) -> anyhow::Result<(History, usize)> {
    let rel = crate::publisher::check_repo_path(path)?;
    let rel = rel.to_string_lossy().into_owned();
    let scratch = tempfile::Builder::new()
        .prefix("compat-history-")
        .tempdir()
        .context("creating a scratch folder")?;
    let dir = scratch.path().join("docs");
    let url = crate::publisher::Remote::parse(repo)?.url;
    git(
        scratch.path(),
        &[
            "clone",
            "--quiet",
            "--no-checkout",
            "--single-branch",
            "--branch",
            branch,
            "--",
            &url,
            dir.to_str().context("scratch path is not UTF-8")?,
        ],
    )
    .with_context(|| format!("cloning {url}"))?;
    let revs = git(
        &dir,
        &["log", "--reverse", "--format=%H", "HEAD", "--", &rel],
    )?;
    let mut history = History::new();
    let mut runs = 0;
    let mut seen_at = String::new();
    for rev in revs.lines().filter(|l| !l.is_empty()) {
        let Ok(text) = git(&dir, &["show", &format!("{rev}:{rel}")]) else {
            continue; // deleted in this commit
        };
        let Ok(m) = AnyMatrix::parse(&text, Path::new(&rel)) else {
            eprintln!("[history] warning: {rev} holds no valid matrix at {rel}; skipped");
            continue;
        };
        if m.generated_at() != seen_at {
            runs += 1;
            seen_at = m.generated_at().to_owned();
        }
        history.push(&m, last);
    }
    Ok((history, runs))
}

pub fn main(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let (history, runs) = collect(&args.docs_repo, &args.branch, &args.path, args.last)?;
    print!("{}", history.report(runs));
    if let Some(out) = &args.out {
        compat_matrix::fsutil::write_atomic(out, history.to_json_pretty().as_bytes())
            .with_context(|| format!("writing {}", out.display()))?;
        eprintln!("[history] wrote {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}
