//! The one way xtask runs the compatibility suite (`matrix`, `publish` and
//! `bench` all come here): `cargo test -p compat-tests --test compat` with the
//! harness's environment contract, and a check that it wrote a results file.
//!
//! The contract (read by compat-harness/src/conclude.rs and compat-core/src/tools.rs):
//!
//! - `COMPAT_MODE`: `live`, `sim` or `rehearsal`;
//! - `COMPAT_RESULTS`: where the harness writes compat-results.json;
//! - `COMPAT_OUT_DIR`: the artifacts folder, when not the default;
//! - `COMPAT_CLAUDE_VERSION`, `COMPAT_LITELLM_VERSION`: the versions the
//!   harness provisions (npm, PyPI), when the run is labelled with them.
//!
//! Removed from the suite's environment, always: the docs repo token and the
//! GitHub tokens (the suite runs an always-latest third-party CLI and needs
//! none of them) and the regression baseline (these commands measure the
//! whole matrix; the PR gate is `cargo test -p compat-tests` itself). When the
//! versions are pinned, also the binary overrides: they would make the run
//! test something other than the versions it is labelled with.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

use anyhow::{Context as _, bail};
use compat_matrix::paths;
use compat_matrix::results::Mode;

/// What the suite is asked to provision: the PyPI LiteLLM version (`1.83.0`)
/// and the npm Claude Code version.
#[derive(Debug, Clone)]
pub struct SuiteVersions {
    pub litellm: String,
    pub claude_code: String,
}

/// One run of the suite.
#[derive(Debug, Clone)]
pub struct Suite {
    pub mode: Mode,
    /// `COMPAT_RESULTS`. A file already there is removed first: a stale file
    /// from an earlier run must never be taken for this one's.
    pub results: PathBuf,
    /// `COMPAT_OUT_DIR`; `None` keeps the harness's default.
    pub out_dir: Option<PathBuf>,
    /// Provision exactly these versions (and ignore binary overrides).
    pub versions: Option<SuiteVersions>,
    /// Passed to the harness after `--`: test filters and harness options.
    pub harness_args: Vec<String>,
    /// `COMPAT_BASELINE=none`: no regression gate at all (`releases`: a red
    /// cell of another release is data, not a regression).
    pub baseline_off: bool,
}

const SCRUBBED_ALWAYS: &[&str] = &[
    "DOCS_REPO_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "COMPAT_BASELINE",
];
const SCRUBBED_WHEN_PINNED: &[&str] = &["COMPAT_CLAUDE_BIN", "COMPAT_LITELLM_BIN"];

/// The cargo that runs xtask (`cargo xtask` sets `CARGO`), else the one on PATH.
pub fn cargo() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")))
}

impl Suite {
    pub fn new(mode: Mode, results: PathBuf) -> Self {
        Suite {
            mode,
            results,
            out_dir: None,
            versions: None,
            harness_args: Vec::new(),
            baseline_off: false,
        }
    }

    /// The command, not yet started; `program` is cargo.
    pub fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.args(["test", "--quiet", "-p", "compat-tests", "--test", "compat"])
            .arg("--")
            .args(&self.harness_args)
            .current_dir(paths::workspace_root())
            .env("COMPAT_MODE", self.mode.to_string())
            .env("COMPAT_RESULTS", &self.results);
        if let Some(dir) = &self.out_dir {
            c.env("COMPAT_OUT_DIR", dir);
        }
        for v in SCRUBBED_ALWAYS {
            c.env_remove(v);
        }
        if self.baseline_off {
            c.env("COMPAT_BASELINE", "none");
        }
        if let Some(v) = &self.versions {
            c.env("COMPAT_CLAUDE_VERSION", &v.claude_code)
                .env("COMPAT_LITELLM_VERSION", &v.litellm);
            for var in SCRUBBED_WHEN_PINNED {
                c.env_remove(var);
            }
        }
        c
    }

    /// Runs the suite with `cargo test` and returns its exit status.
    pub fn run(&self) -> anyhow::Result<ExitStatus> {
        self.run_with(&cargo(), Command::status)
    }

    /// Runs the suite with `program` as cargo; `exec` starts the command and
    /// waits for it (`bench` measures it on the way).
    ///
    /// A non-zero exit is expected when cells fail, and returned; what makes
    /// this an error is a run that wrote no results file (it did not build, or
    /// it crashed before the first trial).
    pub fn run_with(
        &self,
        program: &Path,
        exec: impl FnOnce(&mut Command) -> io::Result<ExitStatus>,
    ) -> anyhow::Result<ExitStatus> {
        match std::fs::remove_file(&self.results) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "cannot remove the stale results file {}; remove it by hand and rerun",
                        self.results.display()
                    )
                });
            }
        }
        let status = exec(&mut self.command(program)).with_context(|| {
            format!(
                "cannot run `{} test -p compat-tests`; is cargo on PATH?",
                program.display()
            )
        })?;
        if !self.results.exists() {
            bail!(
                "the suite wrote no results file at {} (`{} test -p compat-tests` exited with {status}); see its output above",
                self.results.display(),
                program.display()
            );
        }
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envs(c: &Command) -> std::collections::HashMap<String, Option<String>> {
        c.get_envs()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.map(|v| v.to_string_lossy().into_owned()),
                )
            })
            .collect()
    }

    #[test]
    fn the_command_sets_the_contract_and_scrubs_secrets() {
        let mut s = Suite::new(Mode::Live, PathBuf::from("/tmp/r.json"));
        s.versions = Some(SuiteVersions {
            litellm: "1.83.0".into(),
            claude_code: "2.1.120".into(),
        });
        s.harness_args = vec!["tool_use".into(), "--exact".into()];
        let c = s.command(Path::new("cargo"));
        let args: Vec<String> = c
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "test",
                "--quiet",
                "-p",
                "compat-tests",
                "--test",
                "compat",
                "--",
                "tool_use",
                "--exact"
            ]
        );
        let envs = envs(&c);
        for (k, want) in [
            ("COMPAT_MODE", "live"),
            ("COMPAT_CLAUDE_VERSION", "2.1.120"),
            ("COMPAT_LITELLM_VERSION", "1.83.0"),
            ("COMPAT_RESULTS", "/tmp/r.json"),
        ] {
            assert_eq!(envs[k].as_deref(), Some(want), "{k}");
        }
        for k in SCRUBBED_ALWAYS.iter().chain(SCRUBBED_WHEN_PINNED) {
            assert_eq!(envs[*k], None, "{k} must be removed");
        }
    }

    #[test]
    fn unpinned_runs_keep_the_binary_overrides() {
        let s = Suite::new(Mode::Sim, PathBuf::from("/tmp/r.json"));
        let envs = envs(&s.command(Path::new("cargo")));
        assert_eq!(envs["COMPAT_MODE"].as_deref(), Some("sim"));
        assert_eq!(envs["COMPAT_BASELINE"], None, "removed: the default gate");
        let mut off = s.clone();
        off.baseline_off = true;
        assert_eq!(
            super::tests::envs(&off.command(Path::new("cargo")))["COMPAT_BASELINE"].as_deref(),
            Some("none")
        );
        for k in SCRUBBED_WHEN_PINNED {
            assert!(!envs.contains_key(*k), "{k} must be left alone");
        }
        assert!(!envs.contains_key("COMPAT_CLAUDE_VERSION"));
    }

    #[test]
    fn a_failing_run_with_results_is_returned_and_one_without_is_an_error() {
        use std::os::unix::fs::PermissionsExt as _;
        let tmp = tempfile::tempdir().unwrap();
        let fake = tmp.path().join("fake-cargo");
        // Writes the results file the way the harness does, then exits like
        // libtest with failing trials.
        std::fs::write(
            &fake,
            "#!/bin/sh\necho \"$COMPAT_MODE $COMPAT_LITELLM_VERSION\" > \"$COMPAT_RESULTS\"\nexit 101\n",
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let results = tmp.path().join("r/compat-results.json");
        std::fs::create_dir_all(results.parent().unwrap()).unwrap();
        std::fs::write(&results, "stale").unwrap();
        let mut s = Suite::new(Mode::Sim, results.clone());
        s.versions = Some(SuiteVersions {
            litellm: "1.83.0".into(),
            claude_code: "2.1.120".into(),
        });
        let status = s.run_with(&fake, Command::status).unwrap();
        assert_eq!(status.code(), Some(101));
        assert_eq!(std::fs::read_to_string(&results).unwrap(), "sim 1.83.0\n");

        std::fs::write(&fake, "#!/bin/sh\nexit 101\n").unwrap();
        let e = s.run_with(&fake, Command::status).unwrap_err().to_string();
        assert!(e.starts_with("the suite wrote no results file at"), "{e}");
        assert!(!results.exists(), "the stale file was removed");
    }
}
