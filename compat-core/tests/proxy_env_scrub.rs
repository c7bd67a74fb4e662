//! Issue 26, bug 2: no proxy inherits a variable that would move its column
//! off the real host (`routing::REDIRECTING_ENV`) from the operator's shell,
//! whether spawned or forked from the prefork launcher, while the spec's own
//! environment (applied after the removal) and every other inherited
//! variable (live credentials) still reach it.
//!
//! The operator's shell is simulated by running this test binary again
//! with every redirecting variable set (no `unsafe` `set_var` in a test
//! process): the child runs the ignored `scrub_in_a_dirty_shell`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use compat_core::gateway::prefork::Launcher;
use compat_core::gateway::{Gateway, GatewayError, ProxySpec, routing};

/// The value the "operator's shell" holds for `k`. The CA variables name
/// real system paths: this test process's own HTTP client reads them.
fn inherited(k: &str) -> String {
    match k {
        "SSL_CERT_FILE" => "/etc/ssl/certs/ca-certificates.crt".to_owned(),
        "SSL_CERT_DIR" => "/etc/ssl/certs".to_owned(),
        _ => format!("inherited-{k}"),
    }
}

fn script(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/bash\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn redirect_vars_are_scrubbed() {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "scrub_in_a_dirty_shell",
        "--ignored",
        "--nocapture",
    ]);
    for k in routing::REDIRECTING_ENV {
        cmd.env(k, inherited(k));
    }
    cmd.env("COMPAT_SCRUB_TEST_CREDENTIAL", "kept");
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "the child ran no test:\n{text}");
}

#[test]
#[ignore = "run by redirect_vars_are_scrubbed with a dirty environment"]
fn scrub_in_a_dirty_shell() {
    assert_eq!(
        std::env::var("COMPAT_SCRUB_TEST_CREDENTIAL").as_deref(),
        Ok("kept"),
        "run through redirect_vars_are_scrubbed"
    );
    let own = vec![
        ("SSL_CERT_FILE".to_owned(), "/own/ca.pem".to_owned()),
        ("HTTPS_PROXY".to_owned(), "http://127.0.0.1:9".to_owned()),
    ];
    let check = |what: &str, env_dump: &str| {
        for k in routing::REDIRECTING_ENV {
            let inherited = format!("{k}={}", inherited(k));
            assert!(
                !env_dump.lines().any(|l| l == inherited),
                "{what} inherited {k}:\n{env_dump}"
            );
        }
        for line in [
            "COMPAT_SCRUB_TEST_CREDENTIAL=kept",
            "SSL_CERT_FILE=/own/ca.pem",
            "HTTPS_PROXY=http://127.0.0.1:9",
        ] {
            assert!(
                env_dump.lines().any(|l| l == line),
                "{what} lacks {line}:\n{env_dump}"
            );
        }
    };

    // A spawned proxy: the fake `litellm` prints its environment and exits,
    // so the error quotes it from the log.
    let dir = tempfile::tempdir().unwrap();
    let bin = script(dir.path(), "litellm", "env; exit 3");
    let e = Gateway::start(ProxySpec {
        litellm_bin: &bin,
        config: serde_json::json!({"model_list": []}),
        work_dir: dir.path(),
        label: "scrub",
        ready_timeout: Duration::from_secs(20),
        env: own.clone(),
    })
    .err()
    .expect("the fake proxy exits");
    let GatewayError::Exited { log, .. } = e else {
        panic!("{e}")
    };
    check("a spawned proxy", &std::fs::read_to_string(log).unwrap());

    // The prefork launcher (forks inherit its environment): the fake python
    // writes its environment to its log, says it is ready, and waits.
    let python = script(
        dir.path(),
        "python3",
        "env >&2; echo '{\"ready\": true}'; cat >/dev/null",
    );
    let launcher = Launcher::start(
        &python,
        dir.path(),
        "scrub",
        &own,
        Duration::from_secs(20),
        false,
    )
    .expect("the fake launcher is ready");
    let dump = std::fs::read_to_string(dir.path().join("litellm-prefork-scrub.log")).unwrap();
    drop(launcher);
    check("the prefork launcher", &dump);
}
