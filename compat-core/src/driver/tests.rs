//! Driver tests: argument/environment assembly, and process handling with a
//! fake `claude` (a shell script) for hangs, crashes and retries.

use super::*;

fn run_with(bin: &std::path::Path) -> ClaudeRun {
    ClaudeRun::new(
        bin,
        "http://127.0.0.1:9",
        Secret::new("sk-secret-key-123"),
        "claude-sonnet-4-6",
    )
    .prompt("say hi")
    .retry(RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        retry_hangs: true,
    })
    .timeout(Duration::from_secs(5))
}

fn fake_claude(dir: &std::path::Path, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("claude");
    std::fs::write(&path, format!("#!/bin/bash\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

const OK_RESULT: &str = r#"{"type":"result","subtype":"success","is_error":false,"result":"hi","num_turns":1,"usage":{"input_tokens":3,"output_tokens":1}}"#;

#[test]
fn secret_never_on_the_command_line_and_mandatory_env_present() {
    let run = run_with(std::path::Path::new("claude"))
        .partial_messages(true)
        .allowed_tools(&["Bash", "Read"])
        .max_turns(3);
    let args = run.args();
    assert!(!args.iter().any(|a| a.contains("sk-secret")), "{args:?}");
    for want in [
        "-p",
        "say hi",
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-partial-messages",
        "Bash,Read",
    ] {
        assert!(args.iter().any(|a| a == want), "missing {want}: {args:?}");
    }
    let env: std::collections::HashMap<_, _> = run.envs().into_iter().collect();
    assert_eq!(env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"], "1");
    assert_eq!(env["ANTHROPIC_AUTH_TOKEN"], "<redacted>");
    assert_eq!(env["ANTHROPIC_SMALL_FAST_MODEL"], "claude-sonnet-4-6");
    for k in ["HOME", "TMPDIR", "CLAUDE_CONFIG_DIR"] {
        assert!(env[k].starts_with("<run-dir>/"), "{k}={}", env[k]);
    }
}

#[test]
fn a_resumed_run_keeps_its_session_and_names_it() {
    let fresh = run_with(std::path::Path::new("claude")).args();
    assert!(fresh.iter().any(|a| a == "--no-session-persistence"));
    let args = run_with(std::path::Path::new("claude"))
        .resume("0b5e")
        .args();
    assert!(
        !args.iter().any(|a| a == "--no-session-persistence"),
        "{args:?}"
    );
    let at = args.iter().position(|a| a == "--resume").expect("--resume");
    assert_eq!(args[at + 1], "0b5e");
    let kept = run_with(std::path::Path::new("claude"))
        .persist_session()
        .args();
    assert!(
        !kept
            .iter()
            .any(|a| a == "--no-session-persistence" || a == "--resume")
    );
}

#[test]
fn gateway_key_header_goes_by_env_and_is_redacted_in_diagnostics() {
    let run = run_with(std::path::Path::new("claude")).gateway_key_header("x-litellm-api-key");
    assert!(!run.args().iter().any(|a| a.contains("sk-secret")));
    let env: std::collections::HashMap<_, _> = run.envs().into_iter().collect();
    assert_eq!(
        env["ANTHROPIC_CUSTOM_HEADERS"],
        "x-litellm-api-key: Bearer <redacted>"
    );
}

#[test]
fn images_go_on_stdin_as_stream_json() {
    let run = run_with(std::path::Path::new("claude")).image("image/png", vec![1, 2, 3]);
    let args = run.args();
    assert!(
        !args.iter().any(|a| a == "say hi"),
        "prompt must not be an argument with an image: {args:?}"
    );
    let payload: serde_json::Value =
        serde_json::from_str(run.stdin_payload().unwrap().trim()).unwrap();
    assert_eq!(payload["message"]["content"][0]["text"], "say hi");
    assert_eq!(payload["message"]["content"][1]["source"]["data"], "AQID");
}

#[test]
fn control_requests_go_on_stdin_before_the_prompt_in_order() {
    let run = run_with(std::path::Path::new("claude"))
        .control_request("init", serde_json::json!({"subtype": "initialize"}))
        .control_request(
            "model",
            serde_json::json!({"subtype": "set_model", "model": "claude-haiku-4-5"}),
        );
    let args = run.args();
    assert!(
        args.windows(2)
            .any(|w| w[0] == "--input-format" && w[1] == "stream-json"),
        "{args:?}"
    );
    assert!(!args.iter().any(|a| a == "say hi"), "{args:?}");
    let lines: Vec<serde_json::Value> = run
        .stdin_payload()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["type"], "control_request");
    assert_eq!(lines[0]["request_id"], "init");
    assert_eq!(lines[0]["request"]["subtype"], "initialize");
    assert_eq!(lines[1]["request"]["model"], "claude-haiku-4-5");
    assert_eq!(lines[2]["type"], "user");
    assert_eq!(lines[2]["message"]["content"][0]["text"], "say hi");
}

#[test]
fn control_responses_are_read_by_request_id() {
    let t = Transcript::parse_str(concat!(
        r#"{"type":"control_response","response":{"subtype":"success","request_id":"init","response":{"models":[{"value":"m"}]}}}"#,
        "\n",
        r#"{"type":"control_response","response":{"subtype":"error","request_id":"model","error":"unknown model"}}"#,
        "\n",
    ))
    .unwrap();
    assert!(t.shape_problems.is_empty(), "{:?}", t.shape_problems);
    assert_eq!(
        t.control_response("init").unwrap().unwrap()["models"][0]["value"],
        "m"
    );
    assert_eq!(
        t.control_response("model").unwrap().unwrap_err(),
        "unknown model"
    );
    assert!(t.control_response("other").is_none());
}

#[test]
fn each_run_gets_private_dirs_and_the_key_by_env() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seen");
    let bin = fake_claude(
        dir.path(),
        &format!(
            "echo \"$HOME|$CLAUDE_CONFIG_DIR|$ANTHROPIC_AUTH_TOKEN|$(pwd)|$@\" >> {}\necho '{OK_RESULT}'",
            out.display()
        ),
    );
    run_with(&bin).run().unwrap();
    run_with(&bin).run().unwrap();
    let seen = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = seen.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_ne!(
        lines[0].split('|').next(),
        lines[1].split('|').next(),
        "HOME must differ per run"
    );
    let fields: Vec<&str> = lines[0].split('|').collect();
    assert_eq!(fields[2], "sk-secret-key-123");
    assert!(!fields[4].contains("sk-secret"));
}

#[test]
fn hang_is_killed_with_its_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let bin = fake_claude(
        dir.path(),
        &format!(
            "sleep 60 & echo $! > {}\necho '{{\"type\":\"system\",\"subtype\":\"init\"}}'\nwait",
            pidfile.display()
        ),
    );
    let e = run_with(&bin)
        .timeout(Duration::from_millis(800))
        .retry(RetryPolicy {
            max_attempts: 1,
            base_delay: Duration::ZERO,
            retry_hangs: true,
        })
        .run()
        .unwrap_err();
    assert!(matches!(e, DriverError::Timeout { .. }), "{e}");
    assert!(e.to_string().contains("\"init\""), "tail quoted: {e}");
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_owned();
    std::thread::sleep(Duration::from_millis(100));
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        stat.is_empty() || stat.contains(") Z "),
        "grandchild survived: {stat}"
    );
}

#[test]
fn a_stall_ends_the_run_naming_the_last_event_and_is_not_retried_when_told() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("count");
    let bin = fake_claude(
        dir.path(),
        &format!(
            "echo x >> {}\necho '{{\"type\":\"system\",\"subtype\":\"init\"}}'\n\
             echo '{{\"type\":\"stream_event\",\"event\":{{\"type\":\"message_start\"}}}}'\n\
             for i in 1 2 3 4 5 6; do sleep 0.3; echo '{{\"type\":\"stream_event\",\"event\":{{\"type\":\"ping\"}}}}'; done\nsleep 60",
            count.display()
        ),
    );
    // `Stalled` (not `Timeout`): the stall ended it, not the 60 s deadline.
    let e = run_with(&bin)
        .timeout(Duration::from_secs(60))
        .stall_after(Duration::from_millis(700))
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::ZERO,
            retry_hangs: false,
        })
        .run()
        .unwrap_err();
    assert!(matches!(e, DriverError::Stalled { .. }), "{e}");
    assert!(
        e.to_string().contains("`stream_event message_start`"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(&count).unwrap().lines().count(),
        1,
        "a hang was retried"
    );
}

#[test]
fn death_without_result_quotes_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_claude(dir.path(), "echo 'native binary not installed' >&2\nexit 1");
    let e = run_with(&bin)
        .retry(RetryPolicy {
            max_attempts: 1,
            base_delay: Duration::ZERO,
            retry_hangs: true,
        })
        .run()
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("without a result line") && msg.contains("native binary not installed"),
        "{msg}"
    );
}

#[test]
fn transient_529_is_retried_and_every_attempt_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("n");
    let overloaded = r#"{"type":"result","subtype":"success","is_error":true,"api_error_status":529,"result":"API Error: 529 Overloaded"}"#;
    let bin = fake_claude(
        dir.path(),
        &format!(
            "n=$(cat {c} 2>/dev/null || echo 0); echo $((n+1)) > {c}\nif [ $n -eq 0 ]; then echo '{overloaded}'; exit 1; fi\necho '{OK_RESULT}'",
            c = counter.display()
        ),
    );
    let r = run_with(&bin).run().unwrap();
    assert_eq!(r.attempts.len(), 2);
    assert!(
        r.attempts[0]
            .retry_reason
            .as_deref()
            .unwrap()
            .contains("529")
    );
    assert!(!r.transcript.is_error);
}

#[test]
fn non_transient_400_is_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let bad = r#"{"type":"result","subtype":"success","is_error":true,"api_error_status":400,"result":"API Error: 400 thinking.type: invalid"}"#;
    let bin = fake_claude(dir.path(), &format!("echo '{bad}'; exit 1"));
    let r = run_with(&bin).run().unwrap();
    assert_eq!(r.attempts.len(), 1);
    let e = r.transcript.ensure_success().unwrap_err().to_string();
    assert!(
        e.contains("API status 400") && e.contains("thinking.type"),
        "{e}"
    );
}

#[test]
fn non_json_output_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_claude(
        dir.path(),
        "echo 'Error: When using --print, --output-format=stream-json requires --verbose'",
    );
    let e = run_with(&bin).run().unwrap_err().to_string();
    assert!(
        e.contains("line 1") && e.contains("requires --verbose"),
        "{e}"
    );
}

/// Two CAs given by two parties (a check's page, a rehearsal's front), one
/// through `extra_ca` and one through the old `env("NODE_EXTRA_CA_CERTS")`,
/// both reach the CLI in the one file Node reads; an unreadable CA fails
/// the run naming the file.
#[test]
fn extra_cas_are_concatenated_into_the_one_file_node_reads() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.pem"),
        dir.path().join("b.pem"),
        dir.path().join("c.pem"),
    );
    std::fs::write(
        &a,
        "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----",
    )
    .unwrap();
    std::fs::write(
        &b,
        "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::fs::write(
        &c,
        "-----BEGIN CERTIFICATE-----\nCCC\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let seen = dir.path().join("seen");
    let bin = fake_claude(
        dir.path(),
        &format!(
            "cat \"$NODE_EXTRA_CA_CERTS\" > {}\necho '{OK_RESULT}'",
            seen.display()
        ),
    );
    let run = run_with(&bin)
        .extra_ca(&a)
        .env("NODE_EXTRA_CA_CERTS", c.display().to_string())
        .extra_ca(&b);
    let shown = run.envs();
    let node: Vec<&String> = shown
        .iter()
        .filter(|(k, _)| k == "NODE_EXTRA_CA_CERTS")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(node, [&format!("<run-dir>/{EXTRA_CA_FILE}")]);
    run.run().unwrap();
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap(),
        "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\
         -----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n\
         -----BEGIN CERTIFICATE-----\nCCC\n-----END CERTIFICATE-----\n"
    );
    // Without a CA nothing is set.
    assert!(
        !run_with(&bin)
            .envs()
            .iter()
            .any(|(k, _)| k == "NODE_EXTRA_CA_CERTS")
    );

    let missing = dir.path().join("missing.pem");
    let e = run_with(&bin)
        .extra_ca(&missing)
        .run()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&missing.display().to_string()) && e.contains("ClaudeRun::extra_ca"),
        "{e}"
    );
}
