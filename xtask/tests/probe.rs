//! `cargo xtask probe` end to end: in sim mode every probe of
//! xtask/probes/*.yaml, sent with the providers' own clients, gets the
//! answer its ledger rule expects from the simulators (one simulator start,
//! one script run); in live mode without credentials nothing is sent, every
//! rule is `could not ask` with the variables it needs, and the run succeeds;
//! in rehearsal mode (live mode's path, minted credentials, the simulators
//! behind the real host names) every probe agrees.
//!
//! Sim mode needs python3 with venv and PyPI the first time (the SDK
//! virtualenv, as compat-harness/tests/sim_conformance.rs).

use std::process::Command;

use serde_json::Value;

/// Every variable live mode's probes read (`cargo xtask probe --help`).
const LIVE_VARS: [&str; 12] = [
    "ANTHROPIC_API_KEY",
    "AZURE_AI_API_BASE",
    "AZURE_AI_API_KEY",
    "VERTEX_PROJECT",
    "VERTEX_LOCATION",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "AWS_REGION_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_BEARER_TOKEN_BEDROCK",
    "BEDROCK_MANTLE_API_KEY",
];

fn probe(args: &[&str], out: &std::path::Path) -> (bool, String, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("probe").args(args).arg("--out").arg(out);
    for v in LIVE_VARS {
        cmd.env_remove(v);
    }
    let o = cmd.output().expect("run the xtask binary");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let report = std::fs::read_to_string(out.join("probe-report.json"))
        .map(|t| serde_json::from_str(&t).expect("the report is JSON"))
        .unwrap_or(Value::Null);
    (o.status.success(), stderr, report)
}

#[test]
fn in_sim_mode_every_probe_agrees_with_its_ledger_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, stderr, report) = probe(&["--mode", "sim"], tmp.path());
    assert!(ok, "cargo xtask probe --mode sim failed:\n{stderr}");
    assert_eq!(report["disagree"], 0, "{stderr}");
    // A probe (not a `no_probe`) that was not answered is a client or script failure.
    let unanswered = not_agreeing(&report);
    assert!(
        unanswered.is_empty(),
        "probes not answered: {unanswered:#?}\n{stderr}"
    );
    assert!(report["agree"].as_u64().unwrap() > 50, "{report}");
    assert!(tmp.path().join("probe-report.md").exists());
}

#[test]
fn in_live_mode_without_credentials_every_rule_is_could_not_ask_and_the_run_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, stderr, report) = probe(&["--mode", "live", "--rule", "betas.*"], tmp.path());
    assert!(ok, "{stderr}");
    let results = report["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["outcome"], "could_not_ask", "{r}");
        let why = r["reason"].as_str().unwrap_or_default();
        assert!(
            why.starts_with("no credentials: ")
                || why.starts_with("cannot be probed from outside: "),
            "{r}"
        );
    }
    let vertex = results.iter().find(|r| r["api"] == "vertex_ai").unwrap();
    assert_eq!(
        vertex["reason"],
        "no credentials: VERTEX_PROJECT + VERTEX_LOCATION + GOOGLE_APPLICATION_CREDENTIALS"
    );
}

/// Rehearsal: live mode's path end to end (the clients read the live
/// variables, reach the real host names through the front, boto3 signs for
/// bedrock-runtime's real name, google-auth exchanges a JWT at
/// oauth2.googleapis.com), and every probe agrees, since the provider side
/// is the simulators too. The operator's own live variables are set to
/// markers the simulators do not accept: the rehearsal must use only the
/// credentials it minted (a marker reaching a simulator is a 401 where the
/// sim side answers 200, a disagreement) and never print them.
#[test]
fn in_rehearsal_mode_every_probe_agrees_through_live_modes_path() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(["probe", "--mode", "rehearsal", "--out"]).arg(out);
    for v in LIVE_VARS {
        cmd.env(v, format!("OPERATOR-MARKER-{v}"));
    }
    let started = std::time::Instant::now();
    let o = cmd.output().expect("run the xtask binary");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    eprintln!("probe --mode rehearsal took {:?}", started.elapsed());
    assert!(
        o.status.success(),
        "cargo xtask probe --mode rehearsal failed:\n{stderr}"
    );
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("probe-report.json")).expect("the report"),
    )
    .expect("the report is JSON");
    assert_eq!(report["mode"], "rehearsal", "{report}");
    assert_eq!(report["disagree"], 0, "{stderr}");
    let unanswered = not_agreeing(&report);
    assert!(
        unanswered.is_empty(),
        "probes that did not agree in rehearsal: {unanswered:#?}\n{stderr}"
    );
    assert!(report["agree"].as_u64().unwrap() > 50, "{report}");
    // Every api crossed its real host name, and Vertex its token exchange.
    for tunnel in [
        "anthropic -> api.anthropic.com",
        "bedrock_invoke -> bedrock-runtime.",
        "bedrock_converse -> bedrock-runtime.",
        "bedrock_mantle -> bedrock-mantle.",
        "vertex_ai -> oauth2.googleapis.com",
        "vertex_ai -> us-east5-aiplatform.googleapis.com",
        ".services.ai.azure.com",
    ] {
        assert!(
            stderr.contains(tunnel),
            "no tunnel `{tunnel}` in the rehearsal's report:\n{stderr}"
        );
    }
    assert!(!stderr.contains("rehearsal integrity:"), "{stderr}");
    let printed = format!("{stderr}{}", String::from_utf8_lossy(&o.stdout));
    let written = std::fs::read_to_string(out.join("probe-report.md")).unwrap_or_default()
        + &report.to_string();
    for v in LIVE_VARS {
        let marker = format!("OPERATOR-MARKER-{v}");
        assert!(
            !printed.contains(&marker) && !written.contains(&marker),
            "the operator's {v} appears in the rehearsal's output or report"
        );
    }
}

#[test]
fn help_names_every_variable_live_mode_needs() {
    let o = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["probe", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    for v in LIVE_VARS {
        assert!(
            help.contains(v),
            "`cargo xtask probe --help` does not name {v}:\n{help}"
        );
    }
}

#[test]
fn an_unknown_rule_glob_says_where_the_rules_are() {
    let tmp = tempfile::tempdir().unwrap();
    let (ok, stderr, _) = probe(&["--rule", "no.such.rule*"], tmp.path());
    assert!(!ok);
    assert!(stderr.contains("xtask/probes/*.yaml"), "{stderr}");
}

#[test]
fn a_simulator_that_answers_otherwise_than_the_probe_expects_fails_the_run_naming_the_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let probes = tmp.path().join("probes.yaml");
    std::fs::write(
        &probes,
        "- rule: anthropic.requires_anthropic_version\n  api: anthropic\n  \
         request: {omit_headers: [anthropic-version]}\n  expect: {status: 200, words: \"\"}\n",
    )
    .unwrap();
    let (ok, stderr, report) = probe(&["--probes", probes.to_str().unwrap()], tmp.path());
    assert!(!ok, "{stderr}");
    assert_eq!(report["disagree"], 1, "{report}");
    assert!(
        stderr.contains(
            "simulator disagrees with the ledger's probe: anthropic.requires_anthropic_version: \
             sim 400 \"anthropic-version: header is required\", expected 200"
        ),
        "{stderr}"
    );
}

/// The report's probes (not `no_probe` entries) whose outcome is not
/// `agree`, one line each: rule, api, reason.
fn not_agreeing(report: &Value) -> Vec<String> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| !r["api"].is_null() && r["outcome"] != "agree")
        .map(|r| format!("{} ({}): {}", r["rule"], r["api"], r["reason"]))
        .collect()
}
