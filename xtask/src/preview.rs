//! `cargo xtask preview [FILE] [--port N]`: builds the docs page's
//! CompatibilityMatrix component over a matrix JSON (default: the latest
//! local one, target/compat/compatibility-matrix.json) and serves it on
//! 127.0.0.1, so that after `cargo xtask matrix` a user sees the page.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Context as _, bail};

#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// The matrix [default: target/compat/compatibility-matrix.json, the latest local run].
    pub file: Option<PathBuf>,
    /// The port on 127.0.0.1 [default: the preview server's].
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
}

pub fn run(args: PreviewArgs) -> anyhow::Result<ExitCode> {
    let port = args.port;
    let root = compat_matrix::paths::workspace_root();
    let file = args
        .file
        .unwrap_or_else(|| compat_matrix::paths::out_dir().join("compatibility-matrix.json"));
    if !file.exists() {
        bail!(
            "{}: no matrix here yet; run `cargo xtask matrix` first, or name a compatibility-matrix.json",
            file.display()
        );
    }
    // Refuse a matrix the page would only show as an error placeholder.
    compat_matrix::matrix::v2::AnyMatrix::load(&file)?;
    let site = root.join("docs-site");
    if !site.join("node_modules").exists() {
        eprintln!("[preview] installing the docs page's npm dependencies (npm ci) ...");
        let st = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&site)
            .status()
            .context("running npm ci in docs-site/ (is Node.js installed?)")?;
        if !st.success() {
            bail!("npm ci in docs-site/ failed");
        }
    }
    let file = std::fs::canonicalize(&file)?;
    let mut cmd = Command::new("npm");
    cmd.args(["run", "--silent", "preview", "--"])
        .arg(&file)
        .current_dir(&site);
    if let Some(p) = port {
        cmd.args(["--port", &p.to_string()]);
    }
    let st = cmd
        .status()
        .context("running npm run preview in docs-site/")?;
    Ok(if st.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
