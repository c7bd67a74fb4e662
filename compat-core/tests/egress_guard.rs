//! The rehearsal's proxy environment against the installed LiteLLM (issue
//! 26): the egress guard refuses every non-loopback name and connection in
//! LiteLLM's own Python (plain sockets, requests, uvloop) and lets the
//! loopback through; `routing::REDIRECTING_ENV` names every host variable
//! the columns' LiteLLM code reads.

use std::path::{Path, PathBuf};
use std::process::Command;

use compat_core::gateway::{egress_guard, routing};

fn litellm_python() -> PathBuf {
    let tool =
        compat_core::tools::litellm().expect("LiteLLM is provisioned (cargo xtask provision)");
    tool.python
        .or_else(|| compat_core::gateway::prefork::python_of(&tool.bin))
        .expect("the LiteLLM virtualenv's python")
}

/// Runs `script` with the venv's python under the guard; (stdout, stderr).
fn guarded(dir: &Path, script: &str) -> (String, String) {
    let log = dir.join("egress-refused.log");
    let env = egress_guard::install(&dir.join("guard"), &log).unwrap();
    let mut cmd = Command::new(litellm_python());
    cmd.arg("-c").arg(script).env_remove("PYTHONPATH");
    for k in routing::REDIRECTING_ENV {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn the_guard_refuses_every_non_loopback_target_and_passes_the_loopback() {
    let dir = tempfile::tempdir().unwrap();
    // Each probe prints `<name> ok` or `<name> refused: <message>`. The
    // non-loopback targets never leave the machine: the guard refuses before
    // any lookup or packet (192.0.2.1 is TEST-NET-1, should it not).
    let script = r#"
import asyncio, socket, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8)
port = srv.getsockname()[1]
def accept():
    while True:
        c, _ = srv.accept(); c.close()
threading.Thread(target=accept, daemon=True).start()
def probe(name, f):
    try:
        f(); print(name, "ok")
    except OSError as e:
        print(name, "refused:", e)
probe("getaddrinfo-example.com", lambda: socket.getaddrinfo("example.com", 443))
probe("connect-192.0.2.1", lambda: socket.create_connection(("192.0.2.1", 443), timeout=2))
probe("connect-127.0.0.1", lambda: socket.create_connection(("127.0.0.1", port), timeout=2).close())
probe("getaddrinfo-localhost", lambda: socket.getaddrinfo("localhost", port))
import requests
probe("requests-example.com", lambda: requests.get("https://example.com/", timeout=2))
import uvloop
loop = uvloop.new_event_loop()
print("loop", type(loop).__name__)
probe("uvloop-getaddrinfo-example.com", lambda: loop.run_until_complete(loop.getaddrinfo("example.com", 443)))
probe("uvloop-open-example.com", lambda: loop.run_until_complete(asyncio.open_connection("example.com", 443)))
async def local():
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.close()
probe("uvloop-open-127.0.0.1", lambda: loop.run_until_complete(local()))
"#;
    let (out, err) = guarded(dir.path(), script);
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} line:\n{out}\n{err}"))
            .to_owned()
    };
    for name in [
        "getaddrinfo-example.com",
        "connect-192.0.2.1",
        "requests-example.com",
        "uvloop-getaddrinfo-example.com",
        "uvloop-open-example.com",
    ] {
        let l = line(name);
        assert!(
            l.contains("refused:") && l.contains("is not loopback"),
            "{l}\n{out}\n{err}"
        );
    }
    assert!(line("getaddrinfo-example.com").contains("rehearsal: example.com is not loopback"));
    for name in [
        "connect-127.0.0.1",
        "getaddrinfo-localhost",
        "uvloop-open-127.0.0.1",
    ] {
        assert_eq!(line(name), format!("{name} ok"), "{out}\n{err}");
    }
    assert_eq!(line("loop"), "loop GuardedLoop");
    let log = egress_guard::refusals(&dir.path().join("egress-refused.log"));
    assert!(
        log.iter()
            .any(|l| l.contains("refused example.com:443 via getaddrinfo")),
        "{log:?}"
    );
    assert!(
        log.iter().any(|l| l.contains("refused 192.0.2.1:443")),
        "{log:?}"
    );
    assert!(log.iter().any(|l| l.contains("via uvloop")), "{log:?}");
    assert!(!log.iter().any(|l| l.contains("127.0.0.1")), "{log:?}");
}

/// Every `*_API_BASE`, `*_BASE_URL` and `*_ENDPOINT` variable the LiteLLM
/// code of our columns' providers reads is either scrubbed from every proxy
/// (`REDIRECTING_ENV`) or a variable live mode sets on purpose
/// (`routing::live_env`). A new one in a LiteLLM upgrade fails here.
#[test]
fn redirecting_env_covers_the_routes_host_variables() {
    let tool = compat_core::tools::litellm().expect("LiteLLM is provisioned");
    let python = litellm_python();
    let out = Command::new(&python)
        .args([
            "-c",
            "import litellm, os; print(os.path.dirname(litellm.__file__))",
        ])
        .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        .output()
        .unwrap();
    let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        root.join("llms").is_dir(),
        "{} ({})",
        root.display(),
        tool.version
    );
    let dirs = [
        "llms/anthropic",
        "llms/bedrock",
        "llms/bedrock_mantle",
        "llms/vertex_ai",
        "llms/azure_ai",
        "llms/tavily",
        "proxy/pass_through_endpoints",
        "rust_bridge",
    ];
    let ours = [
        "ANTHROPIC_",
        "AWS_",
        "BEDROCK_",
        "VERTEX",
        "TAVILY_",
        "GOOGLE_",
        "AZURE_",
    ];
    let live: Vec<&str> = compat_matrix::provider::Provider::ALL
        .iter()
        .flat_map(|&p| routing::live_env(p).iter().copied())
        .collect();
    let mut found = std::collections::BTreeSet::new();
    let mut files = Vec::new();
    for d in dirs {
        collect_py(&root.join(d), &mut files);
    }
    assert!(
        files.len() > 50,
        "only {} files under {}",
        files.len(),
        root.display()
    );
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for call in [
            "get_secret_str(\"",
            "get_secret(\"",
            "os.environ.get(\"",
            "os.getenv(\"",
        ] {
            for (i, _) in text.match_indices(call) {
                let rest = &text[i + call.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if ["_API_BASE", "_BASE_URL", "_ENDPOINT"]
                    .iter()
                    .any(|s| name.contains(s))
                    && ours.iter().any(|p| name.starts_with(p))
                {
                    found.insert(name);
                }
            }
        }
    }
    assert!(
        found.contains("ANTHROPIC_API_BASE"),
        "the scan found nothing: {found:?}"
    );
    let uncovered: Vec<&String> = found
        .iter()
        .filter(|n| !routing::REDIRECTING_ENV.contains(&n.as_str()) && !live.contains(&n.as_str()))
        .collect();
    assert!(
        uncovered.is_empty(),
        "LiteLLM {} reads {uncovered:?}, which would redirect a column: add them to routing::REDIRECTING_ENV",
        tool.version
    );
}

fn collect_py(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_py(&p, out);
        } else if p.extension().is_some_and(|x| x == "py") {
            out.push(p);
        }
    }
}
