//! The daily publisher gives live mode every variable live mode reads: a
//! name missing from the workflow's test step is found here, not by the
//! first customer-facing run (`Env::start` refuses a column whose variables
//! are unset, which fails the shard that holds it).

use std::collections::BTreeSet;

use compat_core::gateway::routing::{self, Upstream};
use compat_matrix::provider::Provider;

/// Every `os.environ/NAME` in a generated proxy config.
fn environ_refs(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::String(s) => {
            if let Some(name) = s.strip_prefix("os.environ/") {
                out.insert(name.to_owned());
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| environ_refs(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| environ_refs(x, out)),
        _ => {}
    }
}

#[test]
fn the_daily_workflow_sets_every_variable_live_mode_reads() {
    let root = compat_matrix::paths::workspace_root();
    let path = root.join(".github/workflows/claude_code_compat_matrix.yml");
    let workflow = std::fs::read_to_string(&path).expect("read the daily workflow");
    let manifest = compat_matrix::manifest::Manifest::load_default().expect("manifest");
    let models: Vec<&str> = manifest.models.iter().map(|m| m.id.as_str()).collect();

    let mut needed: BTreeSet<String> = BTreeSet::new();
    for provider in Provider::ALL {
        needed.extend(routing::live_env(provider).iter().map(|s| s.to_string()));
        let config = routing::proxy_config(provider, &models, &Upstream::Live);
        environ_refs(&config, &mut needed);
    }
    // Set in the step's script rather than its `env:` (the service account
    // key goes to a private file first).
    let set = |name: &str| {
        workflow.contains(&format!("          {name}: "))
            || workflow.contains(&format!("export {name}="))
    };
    let missing: Vec<&String> = needed.iter().filter(|n| !set(n)).collect();
    assert!(
        missing.is_empty(),
        "{}: the live run's step does not set {missing:?}, which the generated live proxy configs \
         or `routing::live_env` read (add each under the step's `env:`, a secret for keys, a \
         variable for hosts and regions)",
        path.display()
    );
}

/// Every variable `cargo xtask probe --mode live` reads, one alternative per
/// provider (xtask/src/probe.rs `live_vars`; AWS_SESSION_TOKEN and
/// AWS_BEARER_TOKEN_BEDROCK are the other AWS forms, not needed here).
const PROBE_VARS: [&str; 10] = [
    "ANTHROPIC_API_KEY",
    "AZURE_AI_API_BASE",
    "AZURE_AI_API_KEY",
    "VERTEX_PROJECT",
    "VERTEX_LOCATION",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "AWS_REGION_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BEDROCK_MANTLE_API_KEY",
];

/// The text of one top-level job of a GitHub workflow (`  <name>:` to the next job).
fn github_job<'a>(workflow: &'a str, name: &str) -> &'a str {
    let start = workflow
        .find(&format!("\n  {name}:\n"))
        .unwrap_or_else(|| panic!("the workflow has no job `{name}`"))
        + 1;
    let rest = &workflow[start..];
    // The next line indented exactly two spaces starts the next job.
    let end = rest
        .match_indices("\n  ")
        .map(|(i, _)| i)
        .find(|&i| !rest[i + 3..].starts_with(' '))
        .unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn the_daily_workflow_probes_the_simulators_live_before_the_matrix_and_keeps_the_report() {
    let root = compat_matrix::paths::workspace_root();
    let path = root.join(".github/workflows/claude_code_compat_matrix.yml");
    let workflow = std::fs::read_to_string(&path).expect("read the daily workflow");
    let probe = github_job(&workflow, "probe");
    assert!(
        probe.contains("cargo xtask probe --mode live"),
        "{}: the probe job must run `cargo xtask probe --mode live`:\n{probe}",
        path.display()
    );
    assert!(
        probe.contains("actions/upload-artifact@") && probe.contains("target/probe/probe-report"),
        "{}: the probe job must attach target/probe/probe-report.* to the run",
        path.display()
    );
    assert!(
        probe.contains("if: ${{ !cancelled() }}"),
        "{}: the report must be uploaded even when the probe found a drift",
        path.display()
    );
    let set = |name: &str| {
        probe.contains(&format!("          {name}: ")) || probe.contains(&format!("export {name}="))
    };
    let missing: Vec<&str> = PROBE_VARS.into_iter().filter(|v| !set(v)).collect();
    assert!(
        missing.is_empty(),
        "{}: the probe step does not set {missing:?}, which `cargo xtask probe --mode live` reads",
        path.display()
    );
    assert!(
        !probe.contains("continue-on-error"),
        "a drift must fail the run"
    );
    let test = github_job(&workflow, "test");
    assert!(
        test.contains("needs: probe"),
        "{}: the matrix (test job) must run after the probe:\n{test}",
        path.display()
    );
}

#[test]
fn the_circleci_live_gate_probes_before_the_suite_and_stores_the_report() {
    let root = compat_matrix::paths::workspace_root();
    let path = root.join(".circleci/config.yml");
    let config = std::fs::read_to_string(&path).expect("read the CircleCI config");
    let job = &config[config
        .find("\n  claude_code_compat_pr_gate:\n")
        .expect("the live PR gate job")..];
    let probe = job
        .find("cargo xtask probe --mode live")
        .unwrap_or_else(|| panic!("{}: the live gate does not run the probe", path.display()));
    let suite = job
        .find("cargo test -p compat-tests")
        .expect("the live gate runs the suite");
    assert!(
        probe < suite,
        "{}: the probe must run before the suite",
        path.display()
    );
    assert!(
        job.contains("/target/probe\n          destination: compat/probe"),
        "{}: the live gate must store target/probe as an artifact",
        path.display()
    );
}
