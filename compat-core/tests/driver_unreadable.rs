//! The driver on a CLI whose output it cannot read (a newer claude that
//! changed its stream-JSON): an error naming that CLI's version, never a
//! transcript built on defaults. Fake `claude` binaries (shell scripts).

use std::path::{Path, PathBuf};
use std::time::Duration;

use compat_core::driver::{ClaudeRun, DriverError, RetryPolicy};
use compat_core::secret::Secret;

fn fake_claude(dir: &Path, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("claude");
    std::fs::write(&path, format!("#!/bin/bash\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn run(bin: &Path) -> Result<compat_core::driver::RunReport, DriverError> {
    ClaudeRun::new(
        bin,
        "http://127.0.0.1:9",
        Secret::new("sk-unreadable-secret-9"),
        "claude-sonnet-4-6",
    )
    .prompt("say hi")
    .retry(RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        retry_hangs: false,
    })
    .timeout(Duration::from_secs(20))
    .run()
}

const INIT: &str = r#"{"type":"system","subtype":"init","claude_code_version":"9.9.9","model":"claude-sonnet-4-6","session_id":"s"}"#;

#[test]
fn a_result_line_of_an_unknown_shape_names_the_cli_version_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("n");
    // `is_error` renamed: read with defaults it would be a success (or, with
    // `subtype` gone too, an API error blamed on the gateway).
    let result = r#"{"type":"result","outcome":"error","error":true,"result":"API Error: 400 sk-unreadable-secret-9"}"#;
    let bin = fake_claude(
        dir.path(),
        &format!(
            "n=$(cat {c} 2>/dev/null || echo 0); echo $((n+1)) > {c}\necho '{INIT}'\necho '{result}'",
            c = counter.display()
        ),
    );
    let e = run(&bin).unwrap_err();
    assert!(matches!(e, DriverError::Unreadable { .. }), "{e:?}");
    let msg = e.to_string();
    for want in [
        "claude CLI 9.9.9",
        "cannot read",
        "line 2: a `result` line without `subtype` (a string), `is_error` (a boolean)",
        "cargo xtask capture-transcripts",
        compat_core::tools::CLAUDE_CODE_VERSION,
    ] {
        assert!(msg.contains(want), "missing {want:?}: {msg}");
    }
    assert!(!msg.contains("sk-unreadable-secret-9"), "{msg}");
    // Not retried: another attempt prints the same shape.
    assert_eq!(std::fs::read_to_string(&counter).unwrap().trim(), "1");
}

#[test]
fn a_line_that_is_not_json_names_the_version_the_binary_reports() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_claude(
        dir.path(),
        "if [ \"$1\" = --version ]; then echo '9.9.8 (Claude Code)'; exit 0; fi\necho 'Welcome to the new Claude Code output!'",
    );
    let e = run(&bin).unwrap_err();
    assert!(matches!(e, DriverError::Malformed { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("claude CLI 9.9.8")
            && msg.contains("line 1")
            && msg.contains("capture-transcripts"),
        "{msg}"
    );
}
