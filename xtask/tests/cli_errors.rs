//! How `cargo xtask` reports a failure: the message says what failed and what
//! to do, the cause follows once ("caused by"), never repeated in the message.

use std::process::Command;

fn xtask(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("run the xtask binary");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_missing_results_file_names_the_file_the_fix_and_the_cause_once() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.json");
    let (ok, stderr) = xtask(&["build-matrix", missing.to_str().unwrap()]);
    assert!(!ok, "{stderr}");
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "the cause must appear exactly once:\n{stderr}"
    );
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: cannot read the results file ")
            && first.contains(missing.to_str().unwrap())
            && first.contains("check the path"),
        "{stderr}"
    );
    assert!(
        stderr.contains("caused by:\n  - No such file or directory"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_option_is_refused_with_the_command_s_usage() {
    let (ok, stderr) = xtask(&["publish", "--dry-rum"]);
    assert!(!ok);
    assert!(
        stderr.contains("unexpected argument '--dry-rum'") && stderr.contains("--dry-run"),
        "{stderr}"
    );
}

#[test]
fn render_refuses_an_unknown_schema_version_naming_the_known_ones() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs-site/fixtures/schema-v3-compatibility-matrix.json"
    );
    let (ok, stderr) = xtask(&["render", fixture]);
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("schema_version \"3\": this reader knows \"1\" and \"2\""),
        "{stderr}"
    );
}

/// `--mode` of `matrix` and `publish` reads COMPAT_MODE (the suite is started
/// with COMPAT_MODE set from `--mode`, so without this `COMPAT_MODE=rehearsal
/// cargo xtask matrix` would silently run sim). Checked where it costs no
/// suite run: an invalid value is refused by name, and a rehearsal asked
/// through the variable is compared with the results file's mode.
#[test]
fn the_mode_comes_from_compat_mode_when_not_given() {
    use compat_matrix::results::{Mode, RunResults};
    let run = |args: &[&str], mode: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .env("COMPAT_MODE", mode)
            .output()
            .expect("run the xtask binary");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stderr) = run(&["matrix"], "bogus");
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("invalid value 'bogus'") && stderr.contains("rehearsal"),
        "{stderr}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("live.json");
    let mut r = RunResults::new(Mode::Live);
    r.run.finished_at = Some(r.run.started_at);
    r.write_atomic(&path).unwrap();
    let out = tmp.path().join("m.json");
    let args = [
        "publish",
        "--no-publish",
        "--results",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let (ok, stderr) = run(&args, "rehearsal");
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("holds a live run, but --mode rehearsal was asked"),
        "{stderr}"
    );
    // An explicit --mode wins over the variable.
    let (_, stderr) = run(&[&args[..], &["--mode", "live"]].concat(), "rehearsal");
    assert!(!stderr.contains("--mode rehearsal was asked"), "{stderr}");
}
