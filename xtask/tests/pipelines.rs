//! The CI pipelines run the probe before the suite and keep its report. That
//! the live suite's step gets every variable live mode reads is
//! xtask/tests/live_env.rs.

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
