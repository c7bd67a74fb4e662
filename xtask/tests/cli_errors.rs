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
