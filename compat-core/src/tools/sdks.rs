//! The providers' official clients, for the simulator conformance suite
//! (compat-harness/tests/sim_conformance.rs): the Anthropic Python SDK at two
//! generations, each with its Bedrock and Vertex extras, and boto3 (pinned),
//! in one virtualenv per SDK version in the tool cache, provisioned like
//! LiteLLM (file-locked, completion-marked, progress shown; see
//! [`crate::tools`]). `cargo xtask provision` installs both up front.
//!
//! Overrides (environment):
//! - `COMPAT_ANTHROPIC_SDK_LITELLM_VERSION`, `COMPAT_ANTHROPIC_SDK_NEWEST_VERSION`:
//!   provision these `anthropic` versions instead of the pins.
//! - `COMPAT_BOTO3_VERSION`: this boto3 instead of the pin.
//! - `COMPAT_SDK_PYTHON_LITELLM`, `COMPAT_SDK_PYTHON_NEWEST`: use this Python
//!   (a virtualenv that already has `anthropic` and `boto3`) as is.

use std::path::PathBuf;
use std::process::Command;

use super::{ToolError, pip_venv, with_install_lock};

/// The `anthropic` LiteLLM 1.108.7 resolves: its `proxy-runtime` extra asks
/// for `anthropic[vertex]>=0.84.0,<1.0`, and 0.125.0 is the newest release
/// below 1.0.
pub const ANTHROPIC_SDK_LITELLM: &str = "0.125.0";
/// The newest `anthropic` on PyPI when the suite was written.
pub const ANTHROPIC_SDK_NEWEST: &str = "2.14.0";
/// boto3 for `bedrock-runtime`: the version LiteLLM 1.108.7's virtualenv
/// resolves (`boto3>=1.43.117,<2.0`).
pub const BOTO3_VERSION: &str = "1.44.8";

/// Which generation of the Anthropic SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdkGeneration {
    /// The one LiteLLM depends on.
    Litellm,
    /// The newest.
    Newest,
}

impl SdkGeneration {
    pub fn label(self) -> &'static str {
        match self {
            SdkGeneration::Litellm => "litellm",
            SdkGeneration::Newest => "newest",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SdkVenv {
    pub python: PathBuf,
    /// `anthropic` as installed (e.g. `0.125.0`).
    pub anthropic_version: String,
    /// `boto3` as installed.
    pub boto3_version: String,
}

/// The virtualenv with the Anthropic SDK of `generation` and boto3,
/// provisioning it if needed.
pub fn anthropic_sdk(generation: SdkGeneration) -> Result<SdkVenv, ToolError> {
    let (pin, env_version, env_python) = match generation {
        SdkGeneration::Litellm => (
            ANTHROPIC_SDK_LITELLM,
            "COMPAT_ANTHROPIC_SDK_LITELLM_VERSION",
            "COMPAT_SDK_PYTHON_LITELLM",
        ),
        SdkGeneration::Newest => (
            ANTHROPIC_SDK_NEWEST,
            "COMPAT_ANTHROPIC_SDK_NEWEST_VERSION",
            "COMPAT_SDK_PYTHON_NEWEST",
        ),
    };
    if let Some(python) = std::env::var_os(env_python) {
        return describe(PathBuf::from(python));
    }
    let version = std::env::var(env_version).unwrap_or_else(|_| pin.to_owned());
    let boto3 = std::env::var("COMPAT_BOTO3_VERSION").unwrap_or_else(|_| BOTO3_VERSION.to_owned());
    let dir =
        compat_matrix::paths::tools_dir().join(format!("anthropic-sdk-{version}-boto3-{boto3}"));
    with_install_lock(
        &dir,
        &format!("anthropic[vertex,bedrock] {version} + boto3 {boto3} (PyPI, virtualenv)"),
        |dir| {
            pip_venv(
                dir,
                "the Anthropic SDK virtualenv",
                &[
                    format!("anthropic[vertex,bedrock]=={version}"),
                    format!("boto3=={boto3}"),
                ],
            )
        },
    )?;
    describe(dir.join("bin/python"))
}

fn describe(python: PathBuf) -> Result<SdkVenv, ToolError> {
    let out = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('anthropic'), m.version('boto3'))",
        ])
        .output()
        .map_err(|e| ToolError(format!("cannot run {}: {e}", python.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    match text.split_whitespace().collect::<Vec<_>>()[..] {
        [anthropic, boto3] if out.status.success() => Ok(SdkVenv {
            anthropic_version: anthropic.to_owned(),
            boto3_version: boto3.to_owned(),
            python,
        }),
        _ => Err(ToolError(format!(
            "{} has no anthropic + boto3: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        ))),
    }
}
