//! `cargo xtask releases --from-dir` and `--matrix` on three small synthetic
//! matrices (golden/releases/), then `cargo xtask render` on the file: the
//! command's own path from folders to a validated file to the table.

use std::path::{Path, PathBuf};
use std::process::Command;

fn xtask(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("run the xtask binary");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/releases")
}

#[test]
fn from_dir_builds_a_valid_file_and_render_shows_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("compatibility-releases.json");
    // The selection a `--list` wrote: the why of each release and the skipped.
    let selection = tmp.path().join("selection.json");
    std::fs::write(
        &selection,
        r#"{"versions":["1.108.7"],"releases":[{"litellm_version":"1.108.7","why":"the last stable release of 1.108"}],
            "skipped":[{"litellm_version":"1.110.0","why":"the package index lacks litellm-proxy==1.110.0"}]}"#,
    )
    .unwrap();
    let (ok, stdout, stderr) = xtask(&[
        "releases",
        "--from-dir",
        golden().to_str().unwrap(),
        "--selection",
        selection.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("wrote "), "{stdout}");
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let versions: Vec<&str> = file["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["litellm_version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.105.7", "1.106.12", "1.108.7"]);
    assert_eq!(
        file["releases"][2]["why"],
        "the last stable release of 1.108"
    );
    assert_eq!(file["skipped"][0]["litellm_version"], "1.110.0");
    assert_eq!(
        file["providers"][1]["name"], "Bedrock (Converse)",
        "names from the manifest"
    );

    let (ok, table, stderr) = xtask(&["render", out.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(
        table.contains("cell/models whose verdict changed across the releases: 2 of"),
        "{table}"
    );
    assert!(table.contains("works since 1.106.12"), "{table}");
    assert!(
        table.contains("broke in 1.108.7: the gateway dropped the image block"),
        "{table}"
    );
    assert!(table.contains("skipped LiteLLM 1.110.0"), "{table}");
    assert!(
        !table.contains("Vision × Bedrock (Converse)"),
        "unchanged cells only with --all"
    );
    let (ok, all, _) = xtask(&[
        "render",
        out.to_str().unwrap(),
        "--all",
        "--format",
        "markdown",
    ]);
    assert!(ok);
    assert!(
        all.contains("| Vision × Bedrock (Converse) × Claude Sonnet 4.6 |"),
        "{all}"
    );
    assert!(
        all.contains("works in every measured release (since ≤ 1.105.7)"),
        "{all}"
    );
}

#[test]
fn a_matrix_filed_under_another_release_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let m = golden().join("litellm-1.106.12/compatibility-matrix.json");
    let (ok, _, stderr) = xtask(&[
        "releases",
        "--matrix",
        &format!("1.108.7={}", m.display()),
        "--out",
        tmp.path().join("r.json").to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("the matrix for LiteLLM 1.108.7 measured LiteLLM 1.106.12"),
        "{stderr}"
    );
    let (ok, _, stderr) = xtask(&["releases", "--from-dir", tmp.path().to_str().unwrap()]);
    assert!(!ok);
    assert!(
        stderr.contains("no litellm-<version>/compatibility-matrix.json inside"),
        "{stderr}"
    );
}
