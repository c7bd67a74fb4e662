//! Gateway lifecycle with stand-in `litellm` executables: a proxy that dies
//! at start, one that never gets ready, and one that is ready only for this
//! run's master key. Errors must quote the proxy's log, and the master key
//! must never show.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use compat_core::gateway::{Gateway, GatewayError, ProxySpec};

fn fake_litellm(dir: &Path, script: &str) -> PathBuf {
    let path = dir.join("litellm");
    std::fs::write(&path, format!("#!/bin/bash\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn start(dir: &Path, bin: &Path, timeout: Duration) -> Result<Gateway, GatewayError> {
    Gateway::start(ProxySpec {
        litellm_bin: bin,
        config: serde_json::json!({"model_list": []}),
        work_dir: dir,
        label: "test",
        ready_timeout: timeout,
        env: vec![],
    })
}

#[test]
fn a_proxy_that_dies_at_start_is_reported_with_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_litellm(
        dir.path(),
        "echo \"config error: model_list[0] is invalid (key $LITELLM_MASTER_KEY)\" >&2; exit 3",
    );
    let e = start(dir.path(), &bin, Duration::from_secs(20))
        .err()
        .expect("must fail")
        .to_string();
    assert!(
        e.contains("exited with exit status: 3 before it was ready"),
        "{e}"
    );
    assert!(e.contains("config error: model_list[0] is invalid"), "{e}");
    assert!(
        e.contains("(key <redacted>)") && !e.contains("sk-compat-"),
        "the master key leaked: {e}"
    );
}

#[test]
fn a_proxy_that_never_gets_ready_times_out_and_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let bin = fake_litellm(
        dir.path(),
        &format!(
            "echo starting; sleep 60 & echo $! > {}; wait",
            pidfile.display()
        ),
    );
    // The error text proves the 1 s limit ended the wait; no wall-clock
    // bound is asserted (a busy machine may take longer to kill and reap).
    let e = start(dir.path(), &bin, Duration::from_secs(1))
        .err()
        .expect("must time out")
        .to_string();
    assert!(
        e.contains("was not ready after 1 s") && e.contains("starting"),
        "{e}"
    );
    std::thread::sleep(Duration::from_millis(100));
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_owned();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        stat.is_empty() || stat.contains(") Z "),
        "the proxy's child survived: {stat}"
    );
}

#[test]
fn ready_means_our_own_proxy_answers_with_our_key() {
    let dir = tempfile::tempdir().unwrap();
    // A stand-in that serves /v1/models only to the bearer of LITELLM_MASTER_KEY.
    let server = r#"
import http.server, os, sys
port = int(sys.argv[sys.argv.index("--port") + 1])
key = os.environ["LITELLM_MASTER_KEY"]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.headers.get("Authorization") == "Bearer " + key
        self.send_response(200 if ok else 401); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass
print("listening", flush=True)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"#;
    std::fs::write(dir.path().join("server.py"), server).unwrap();
    let bin = fake_litellm(
        dir.path(),
        &format!(
            "exec python3 {} \"$@\"",
            dir.path().join("server.py").display()
        ),
    );
    let gw = start(dir.path(), &bin, Duration::from_secs(20)).unwrap_or_else(|e| panic!("{e}"));
    assert!(gw.base_url.starts_with("http://127.0.0.1:"));
    let port: u16 = gw.base_url.rsplit(':').next().unwrap().parse().unwrap();
    assert!(
        (20_000..32_000).contains(&port),
        "proxy ports stay below the ephemeral range: {port}"
    );
    assert!(gw.log_tail(5).contains("listening"));
    gw.stop();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "stopped proxy still listening"
    );
}
