//! The providers' official clients, for the simulator conformance suite
//! (compat-harness/tests/sim_conformance.rs): the Anthropic Python SDK at two
//! generations, each with its Bedrock and Vertex extras, and boto3 (pinned);
//! the `openai` Python SDK at two generations. One virtualenv per SDK
//! version in the tool cache, provisioned like LiteLLM (file-locked,
//! completion-marked, progress shown; see [`crate::tools`]).
//! `cargo xtask provision` installs all four up front.
//!
//! Overrides (environment):
//! - `COMPAT_ANTHROPIC_SDK_LITELLM_VERSION`, `COMPAT_ANTHROPIC_SDK_NEWEST_VERSION`:
//!   provision these `anthropic` versions instead of the pins.
//! - `COMPAT_BOTO3_VERSION`: this boto3 instead of the pin.
//! - `COMPAT_SDK_PYTHON_LITELLM`, `COMPAT_SDK_PYTHON_NEWEST`: use this Python
//!   (a virtualenv that already has `anthropic` and `boto3`) as is.
//! - `COMPAT_OPENAI_SDK_LITELLM_VERSION`, `COMPAT_OPENAI_SDK_OLDER_VERSION`:
//!   provision these `openai` versions instead of the pins.
//! - `COMPAT_OPENAI_SDK_PYTHON_LITELLM`, `COMPAT_OPENAI_SDK_PYTHON_OLDER`: use
//!   this Python (a virtualenv that already has `openai`) as is.

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

/// The `openai` LiteLLM 1.108.7's virtualenv resolves (`openai>=2.20.0,<4.0.0`;
/// 3.63.0 was the newest release when the OpenAI columns were researched,
/// docs/research/openai-columns-2026-12-06.md §3).
pub const OPENAI_SDK_LITELLM: &str = "3.63.0";
/// The newest 1.x `openai`: the older generation many projects still pin
/// (`openai<2`); it already has the Responses API.
pub const OPENAI_SDK_OLDER: &str = "1.109.1";

/// Which generation of the `openai` SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenAiSdkGeneration {
    /// The one LiteLLM depends on (the newest).
    Litellm,
    /// The newest 1.x.
    Older,
}

impl OpenAiSdkGeneration {
    pub fn label(self) -> &'static str {
        match self {
            OpenAiSdkGeneration::Litellm => "litellm",
            OpenAiSdkGeneration::Older => "older",
        }
    }
}

#[derive(Debug, Clone)]
pub struct OpenAiSdkVenv {
    pub python: PathBuf,
    /// `openai` as installed (e.g. `3.63.0`).
    pub openai_version: String,
}

/// The virtualenv with the `openai` SDK of `generation`, provisioning it if
/// needed.
pub fn openai_sdk(generation: OpenAiSdkGeneration) -> Result<OpenAiSdkVenv, ToolError> {
    let (pin, env_version, env_python) = match generation {
        OpenAiSdkGeneration::Litellm => (
            OPENAI_SDK_LITELLM,
            "COMPAT_OPENAI_SDK_LITELLM_VERSION",
            "COMPAT_OPENAI_SDK_PYTHON_LITELLM",
        ),
        OpenAiSdkGeneration::Older => (
            OPENAI_SDK_OLDER,
            "COMPAT_OPENAI_SDK_OLDER_VERSION",
            "COMPAT_OPENAI_SDK_PYTHON_OLDER",
        ),
    };
    if let Some(python) = std::env::var_os(env_python) {
        return describe_openai(PathBuf::from(python));
    }
    let version = std::env::var(env_version).unwrap_or_else(|_| pin.to_owned());
    let dir = compat_matrix::paths::tools_dir().join(format!("openai-sdk-{version}"));
    with_install_lock(
        &dir,
        &format!("openai {version} (PyPI, virtualenv)"),
        |dir| {
            pip_venv(
                dir,
                "the OpenAI SDK virtualenv",
                &[format!("openai=={version}")],
            )
        },
    )?;
    describe_openai(dir.join("bin/python"))
}

fn describe_openai(python: PathBuf) -> Result<OpenAiSdkVenv, ToolError> {
    let out = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('openai'))",
        ])
        .output()
        .map_err(|e| ToolError(format!("cannot run {}: {e}", python.display())))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if out.status.success() && !version.is_empty() {
        Ok(OpenAiSdkVenv {
            openai_version: version,
            python,
        })
    } else {
        Err(ToolError(format!(
            "{} has no openai package: {}; delete that virtualenv (or unset \
             COMPAT_OPENAI_SDK_PYTHON_*) to have it provisioned again",
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}
