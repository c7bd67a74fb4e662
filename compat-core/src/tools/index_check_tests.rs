//! The index check and LiteLLM provisioning against a package index built
//! here: a `file://` PEP 503 simple index of fake wheels whose METADATA
//! carries the `Requires-Dist` lines of LiteLLM's packaging (the 1.108.x,
//! 1.109.x and 1.110 shapes). pip is pointed at it and away from every other
//! configuration, so nothing reaches the network.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use super::*;
use crate::tools::{COMPLETE_MARKER, make_venv, provision_litellm};

/// Writes fake wheels (METADATA, WHEEL, RECORD, optional module and console
/// script) and a simple index over them: `<root>/simple/<name>/index.html`.
const MAKE_INDEX_PY: &str = r#"
import base64, hashlib, json, os, re, sys, zipfile
root, spec = sys.argv[1], json.loads(sys.argv[2])
files = os.path.join(root, "files")
os.makedirs(files, exist_ok=True)
by_name = {}
for pkg in spec:
    name, version = pkg["name"], pkg["version"]
    dist = re.sub(r"[-_.]+", "_", name)
    info = f"{dist}-{version}.dist-info"
    whl = f"{dist}-{version}-py3-none-any.whl"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Provides-Extra: {e}\n" for e in pkg.get("extras", []))
    meta += "".join(f"Requires-Dist: {r}\n" for r in pkg.get("requires", []))
    entries = {
        f"{info}/METADATA": meta,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: compat-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if pkg.get("module"):
        entries[f"{pkg['module']}/__init__.py"] = "def main():\n    print('fake')\n"
    if pkg.get("console"):
        entries[f"{info}/entry_points.txt"] = "[console_scripts]\n" + "".join(
            f"{k} = {v}\n" for k, v in pkg["console"].items())
    record = ""
    with zipfile.ZipFile(os.path.join(files, whl), "w") as z:
        for path, text in entries.items():
            data = text.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record += f"{path},sha256={digest},{len(data)}\n"
            z.writestr(path, data)
        record += f"{info}/RECORD,,\n"
        z.writestr(f"{info}/RECORD", record)
    by_name.setdefault(re.sub(r"[-_.]+", "-", name).lower(), []).append(whl)
for norm, whls in by_name.items():
    d = os.path.join(root, "simple", norm)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "index.html"), "w") as f:
        f.write("<!DOCTYPE html><html><body>\n")
        f.write("".join(f'<a href="../../files/{w}">{w}</a>\n' for w in whls))
        f.write("</body></html>\n")
"#;

/// LiteLLM's packaging, in miniature. On this index:
/// - 1.108.7 is installable (its pins are here; a pin under another extra
///   and one behind a false marker are not, and must not count);
/// - 1.109.0 pins `litellm-proxy-extras==0.4.113`, which is not here;
/// - 1.110.0 needs `litellm-proxy==1.110.0` (here), which pins
///   `litellm-proxy-extras==0.4.114.post1` (not here);
/// - 1.112.0 is not here at all.
fn spec() -> serde_json::Value {
    let litellm = |version: &str, requires: &[&str]| {
        serde_json::json!({
            "name": "litellm", "version": version, "extras": ["proxy", "grpc"],
            "requires": requires, "module": "litellm",
            "console": {"litellm": "litellm:main"},
        })
    };
    let plain = |name: &str, version: &str, requires: &[&str]| serde_json::json!({"name": name, "version": version, "requires": requires});
    serde_json::json!([
        litellm(
            "1.108.7",
            &[
                "uvicorn>=0.30,<1.0 ; extra == 'proxy'",
                "litellm-proxy-extras==0.4.110 ; extra == 'proxy'",
                "litellm-enterprise==0.1.79.post1 ; extra == 'proxy'",
                "grpcio==1.84.1 ; extra == 'grpc'",
                "oldpin==1.0 ; python_version < '3' and extra == 'proxy'",
                "rangeonly>=2 ; extra == 'extra-proxy'",
            ]
        ),
        litellm(
            "1.109.0",
            &[
                "litellm-proxy-extras==0.4.113 ; extra == 'proxy'",
                "litellm-enterprise==0.1.82 ; extra == 'proxy'",
            ]
        ),
        litellm(
            "1.110.0",
            &[
                "litellm-proxy==1.110.0 ; extra == \"proxy\"",
                "litellm-enterprise==0.1.82 ; extra == 'proxy'",
            ]
        ),
        plain(
            "litellm-proxy",
            "1.110.0",
            &["litellm-proxy-extras==0.4.114.post1"]
        ),
        plain("litellm-proxy-extras", "0.4.110", &[]),
        plain("litellm-enterprise", "0.1.79.post1", &[]),
        plain("litellm-enterprise", "0.1.82", &[]),
        plain("uvicorn", "0.30.0", &[]),
        plain("google-auth", "2.40.0", &[]),
    ])
}

struct Index {
    _dir: tempfile::TempDir,
    url: String,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(base_python())
            .args(["-c", MAKE_INDEX_PY])
            .arg(dir.path())
            .arg(spec().to_string())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "building the test index: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = format!("file://{}/simple", dir.path().display());
        Index { _dir: dir, url }
    })
}

fn base_python() -> String {
    std::env::var("COMPAT_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// A Python with pip: a virtualenv made once for these tests (the system's
/// python3 may have no pip module).
fn python_with_pip() -> &'static Path {
    static VENV: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &VENV
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            make_venv(dir.path(), "the index-check test virtualenv").unwrap();
            let python = dir.path().join("bin/python");
            (dir, python)
        })
        .1
}

/// pip sees the test index and nothing else: no pip.conf, no PIP_* from
/// this machine (PIP_FIND_LINKS, PIP_EXTRA_INDEX_URL ...).
fn local_index(cmd: &mut Command) {
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("PIP_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_INDEX_URL", &index().url)
        .env("PIP_NO_CACHE_DIR", "1");
}

#[test]
fn a_release_whose_pin_the_index_lacks_fails_in_seconds_naming_it_and_the_ways_out() {
    let python = python_with_pip();
    index();
    let start = Instant::now();
    let verdict = check_litellm(python, "1.109.0", &local_index).unwrap();
    let took = start.elapsed();
    eprintln!("index check of 1.109.0 (missing pin): {took:.1?}");
    let Verdict::Missing(m) = verdict else {
        panic!("expected a missing pin, got {verdict:?}")
    };
    assert_eq!(
        m.missing,
        vec![Pin {
            name: "litellm-proxy-extras".into(),
            version: "0.4.113".into(),
            required_by: "litellm[proxy] 1.109.0".into(),
        }]
    );
    let line = m.to_string();
    assert!(!line.contains('\n'), "{line}");
    for part in [
        "LiteLLM 1.109.0 cannot be installed",
        &index().url,
        "lacks litellm-proxy-extras==0.4.113 (pinned by litellm[proxy] 1.109.0)",
        "an earlier release",
        "COMPAT_LITELLM_BIN",
        "PIP_INDEX_URL",
    ] {
        assert!(line.contains(part), "`{part}` not in: {line}");
    }
    // litellm-enterprise==0.1.82 is on the index: not named.
    assert!(!line.contains("litellm-enterprise"), "{line}");
    assert!(took.as_secs() < 60, "took {took:?}");
}

#[test]
fn a_pin_of_a_pinned_package_counts_the_litellm_proxy_split() {
    let Verdict::Missing(m) = check_litellm(python_with_pip(), "1.110.0", &local_index).unwrap()
    else {
        panic!("1.110.0's litellm-proxy pins a version the index lacks")
    };
    assert_eq!(
        m.missing,
        vec![Pin {
            name: "litellm-proxy-extras".into(),
            version: "0.4.114.post1".into(),
            required_by: "litellm-proxy 1.110.0".into(),
        }]
    );
}

#[test]
fn a_release_the_index_lacks_is_named_as_such() {
    let Verdict::Missing(m) = check_litellm(python_with_pip(), "1.112.0", &local_index).unwrap()
    else {
        panic!("1.112.0 is not on the index")
    };
    let line = m.to_string();
    assert!(
        line.starts_with(&format!(
            "LiteLLM 1.112.0 cannot be installed: the package index ({}) has no litellm==1.112.0; ways out:",
            index().url
        )),
        "{line}"
    );
}

#[test]
fn an_installable_release_passes_with_only_its_active_exact_pins_checked() {
    let verdict = check_litellm(python_with_pip(), "1.108.7", &local_index).unwrap();
    let Verdict::Installable { mut pins } = verdict else {
        panic!("1.108.7's proxy pins are all on the index: {verdict:?}")
    };
    pins.sort();
    let names: Vec<String> = pins.iter().map(|p| p.to_string()).collect();
    // Not grpcio (another extra), oldpin (false marker), rangeonly (a range).
    assert_eq!(
        names,
        [
            "litellm-enterprise==0.1.79.post1",
            "litellm-proxy-extras==0.4.110"
        ]
    );
}

#[test]
fn provisioning_fails_before_installing_or_installs_what_the_release_needs() {
    let tools = tempfile::tempdir().unwrap();
    index();

    let dir = tools.path().join("litellm-1.109.0");
    let start = Instant::now();
    let e = provision_litellm(&dir, "1.109.0", &local_index)
        .unwrap_err()
        .to_string();
    let took = start.elapsed();
    eprintln!(
        "provisioning 1.109.0 from the test index failed after {took:.1?} (virtualenv included): {e}"
    );
    assert!(
        e.starts_with("LiteLLM 1.109.0 cannot be installed:") && !e.contains('\n'),
        "{e}"
    );
    assert!(!dir.exists(), "the failed install's virtualenv is left");
    assert!(took.as_secs() < 90, "took {took:?}");

    let dir = tools.path().join("litellm-1.108.7");
    let tool = provision_litellm(&dir, "1.108.7", &local_index).unwrap();
    assert_eq!(tool.version, "1.108.7");
    assert!(tool.bin.ends_with("bin/litellm") && tool.bin.exists());
    assert!(dir.join(COMPLETE_MARKER).exists());
    let installed = Command::new(tool.python.as_ref().unwrap())
        .args(["-m", "pip", "list", "--format=freeze"])
        .output()
        .unwrap();
    let installed = String::from_utf8_lossy(&installed.stdout);
    for pkg in [
        "litellm-proxy-extras==0.4.110",
        "litellm-enterprise==0.1.79.post1",
        "uvicorn==0.30.0",
        "google-auth==2.40.0",
    ] {
        assert!(installed.contains(pkg), "{pkg} not installed: {installed}");
    }
    // Provisioned once: a second call reuses it without pip.
    let again = provision_litellm(&dir, "1.108.7", &|cmd| {
        cmd.env("PIP_INDEX_URL", "file:///nonexistent");
    })
    .unwrap();
    assert_eq!(again.version, "1.108.7");
}

#[test]
fn index_names_drop_credentials_and_pip_version_lists() {
    assert_eq!(
        index_of("Looking in indexes: https://user:****@pypi.example/simple, https://x/simple\n"),
        "https://pypi.example/simple, https://x/simple"
    );
    assert_eq!(
        index_of("Looking in links: /opt/wheels\nCollecting x\n"),
        "https://pypi.org/simple, /opt/wheels"
    );
    assert_eq!(index_of("Collecting x\n"), "https://pypi.org/simple");
    assert_eq!(
        last_error_line(
            "ERROR: Could not find a version that satisfies the requirement a==2 (from versions: 0.1, 0.2)\nERROR: No matching distribution found for a==2\n"
        ),
        "ERROR: No matching distribution found for a==2"
    );
    assert_eq!(
        last_error_line(
            "ERROR: Could not find a version that satisfies the requirement a==2 (from versions: 0.1, 0.2)"
        ),
        "ERROR: Could not find a version that satisfies the requirement a==2"
    );
    assert_eq!(
        unreachable_index(
            "WARNING: Retrying ... NewConnectionError at https://u:p@mirror.example/simple/x/\n"
        )
        .unwrap(),
        "WARNING: Retrying ... NewConnectionError at https://mirror.example/simple/x/"
    );
    assert_eq!(normalize("Litellm_Proxy.Extras"), "litellm-proxy-extras");
}
