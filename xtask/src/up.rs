//! `cargo xtask up` / `down`: the warm gateway for the author's loop (see
//! compat-harness/src/warm.rs): every column's proxy, kept running.

use std::process::ExitCode;

use compat_matrix::manifest::Manifest;
use compat_matrix::provider::Provider;

pub fn up() -> anyhow::Result<ExitCode> {
    let manifest = Manifest::load_default()?;
    let providers: Vec<Provider> = manifest
        .providers
        .iter()
        .filter_map(|p| Provider::from_id(&p.id))
        .collect();
    compat_core::tools::claude()?;
    compat_harness::warm::up(&providers)?;
    Ok(ExitCode::SUCCESS)
}

pub fn down() -> anyhow::Result<ExitCode> {
    if compat_harness::warm::down()? {
        eprintln!("[down] the warm gateway is stopped");
    } else {
        eprintln!("[down] no warm gateway was running (no target/compat-up/state.json)");
    }
    Ok(ExitCode::SUCCESS)
}
