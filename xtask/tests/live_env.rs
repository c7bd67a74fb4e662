//! The live jobs pass every credential live mode reads (issue 26, bug 1),
//! in the daily workflow and the weekly releases workflow (issue 27).
//!
//! `Env::start` refuses the whole run when a selected column misses one of
//! `routing::live_env`'s variables, so a variable the CI job does not pass
//! turns every trial of the shard that draws that column `unverified`, not
//! just the column. This reads the CI files as YAML and checks, for every
//! column, that the live suite's step (GitHub Actions) and the live gate's
//! declared list (CircleCI) carry each variable, plus the ones live mode
//! reads without `live_env` checking them: the AWS key pair (boto's
//! environment chain) and `TAVILY_API_KEY` (web search interception on the
//! Bedrock columns), and every `os.environ/` reference of the generated
//! live configs. Read as YAML, scoped to the step that runs the live suite
//! (a name elsewhere in the file, say in the probe job, does not count).

use std::collections::BTreeSet;
use std::path::Path;

use compat_core::gateway::routing;
use compat_core::gateway::routing::openai::GptRoute;
use compat_matrix::provider::Provider;
use serde_json::Value;

/// Read from the environment by LiteLLM (not named in the configs, so not in
/// `live_env`) but needed for a live verdict.
const ALSO_NEEDED: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "TAVILY_API_KEY",
];

/// The service-account key is a secret's JSON text that the job's script
/// writes to a file and exports as this variable.
const WRITTEN_BY_THE_SCRIPT: (&str, &str) = (
    "GOOGLE_APPLICATION_CREDENTIALS",
    "VERTEX_SERVICE_ACCOUNT_JSON",
);

/// Every `os.environ/NAME` in a generated proxy config.
fn environ_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("os.environ/") {
                out.insert(name.to_owned());
            }
        }
        Value::Array(a) => a.iter().for_each(|x| environ_refs(x, out)),
        Value::Object(o) => o.values().for_each(|x| environ_refs(x, out)),
        _ => {}
    }
}

/// `routing::live_env` of every column, every `os.environ/` reference of
/// the generated live configs, and [`ALSO_NEEDED`].
fn needed() -> BTreeSet<String> {
    let mut out: BTreeSet<String> = ALSO_NEEDED.iter().map(|s| s.to_string()).collect();
    for p in Provider::ALL {
        out.extend(routing::live_env(p).iter().map(|s| s.to_string()));
        environ_refs(
            // Each column's own models (manifest.yaml `model_sets`).
            &routing::proxy_config(p, p.models(), &routing::Upstream::Live),
            &mut out,
        );
    }
    // The GPT columns' routes (issue 29), whether or not the manifest has
    // added their columns yet: the CI files carry their variables first.
    for r in [GptRoute::OpenAi, GptRoute::AzureOpenAi] {
        out.extend(r.live_env().iter().map(|s| s.to_string()));
        environ_refs(
            &r.proxy_config(GPT_MODELS, &routing::Upstream::Live),
            &mut out,
        );
    }
    out
}

/// The GPT columns' models (manifest model set `gpt`).
const GPT_MODELS: &[&str] = &["gpt-5.6-luna", "gpt-5.6-terra", "gpt-5.6-sol"];

/// The GPT routes' live variables are among those checked.
#[test]
fn the_gpt_routes_variables_are_needed() {
    let n = needed();
    for v in [
        "OPENAI_API_KEY",
        "AZURE_OPENAI_API_BASE",
        "AZURE_OPENAI_API_KEY",
    ] {
        assert!(n.contains(v), "{v}");
    }
}

fn load(rel: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not YAML: {e}"))
}

/// The variables missing from `given`, given that the script turns
/// [`WRITTEN_BY_THE_SCRIPT`]'s secret into its file variable iff `script`
/// exports it.
fn missing(given: &BTreeSet<String>, script: &str) -> Vec<String> {
    let (file_var, secret_var) = WRITTEN_BY_THE_SCRIPT;
    needed()
        .into_iter()
        .filter(|v| {
            if v == file_var {
                !(given.contains(secret_var) && script.contains(&format!("export {file_var}=")))
            } else {
                !given.contains(v)
            }
        })
        .collect()
}

/// Every step of workflow `rel` whose script contains `marker` (the live
/// suite's command) gets every variable live mode needs; at least one does.
fn check_live_steps(rel: &str, marker: &str) {
    let wf = load(rel);
    let jobs = wf["jobs"].as_object().expect("the workflow has jobs");
    let mut checked = 0;
    for (job, j) in jobs {
        for step in j["steps"].as_array().into_iter().flatten() {
            let script = step["run"].as_str().unwrap_or_default();
            if !script.contains(marker) {
                continue;
            }
            let step_env = step["env"].as_object();
            let job_env = j["env"].as_object();
            let given: BTreeSet<String> = step_env
                .into_iter()
                .chain(job_env)
                .flat_map(|m| m.keys().cloned())
                .collect();
            let m = missing(&given, script);
            assert!(
                m.is_empty(),
                "{rel}, job `{job}`, step {:?}: live mode needs {} but the step does not pass it",
                step["name"],
                m.join(", ")
            );
            checked += 1;
        }
    }
    assert!(
        checked > 0,
        "{rel}: no step runs `{marker}`: update this test with the workflow"
    );
}

#[test]
fn the_daily_workflow_s_live_suite_step_gets_every_live_variable() {
    check_live_steps(
        ".github/workflows/claude_code_compat_matrix.yml",
        "cargo xtask publish --mode live",
    );
}

/// The weekly releases workflow (docs/publishing.md, "Release jobs"): its
/// per-release step runs the live suite too, and needs every variable; its
/// jobs fan out over `releases --list` and the last one publishes the file
/// built from the per-release matrices.
#[test]
fn the_releases_workflow_measures_each_release_live_and_publishes_the_file() {
    let rel = ".github/workflows/claude_code_compat_releases.yml";
    check_live_steps(rel, "cargo xtask releases --mode live");
    let wf = load(rel);
    let jobs = &wf["jobs"];
    let script = |job: &str| -> String {
        jobs[job]["steps"]
            .as_array()
            .unwrap_or_else(|| panic!("{rel}: no job `{job}`"))
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(script("resolve").contains("cargo xtask releases --list"));
    assert_eq!(
        jobs["measure"]["strategy"]["matrix"]["litellm"].as_str(),
        Some("${{ fromJSON(needs.resolve.outputs.versions) }}"),
        "{rel}: one measure job per resolved release"
    );
    assert_eq!(
        jobs["measure"]["environment"].as_str(),
        Some("compat-matrix-live")
    );
    let publish = script("publish");
    assert!(
        publish.contains("cargo xtask releases --from-dir"),
        "{publish}"
    );
    assert!(
        publish.contains("--releases compatibility-releases.json"),
        "{publish}"
    );
    assert!(
        publish.contains("--mode live"),
        "publishing needs a live file"
    );
    assert_eq!(
        jobs["publish"]["environment"].as_str(),
        Some("compat-matrix-publish")
    );
    // The token only where it is used: never in a job that runs the suite.
    for job in ["resolve", "measure"] {
        assert!(
            !serde_json::to_string(&jobs[job])
                .unwrap()
                .contains("COMPAT_MATRIX_APP_PRIVATE_KEY"),
            "{rel}: job `{job}` must not see the docs-repo App key"
        );
    }
    assert!(wf["on"]["schedule"].is_array() && wf["on"]["workflow_dispatch"].is_object());
}

#[test]
fn the_circleci_live_gate_declares_and_checks_every_live_variable() {
    let ci = load(".circleci/config.yml");
    let job = &ci["jobs"]["claude_code_compat_pr_gate"];
    assert_eq!(
        job["environment"]["COMPAT_MODE"], "live",
        "the live gate job moved?"
    );
    let declared = job["environment"]["COMPAT_LIVE_VARS"]
        .as_str()
        .expect("the live gate job declares COMPAT_LIVE_VARS");
    let given: BTreeSet<String> = declared.split_whitespace().map(str::to_owned).collect();
    let scripts: Vec<&str> = job["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["run"]["command"].as_str())
        .collect();
    let all = scripts.join("\n");
    let m = missing(&given, &all);
    assert!(
        m.is_empty(),
        "the CircleCI live gate's COMPAT_LIVE_VARS lacks {}",
        m.join(", ")
    );
    // The list is enforced, not only written down: a step loops over it.
    assert!(
        scripts
            .iter()
            .any(|s| s.contains("for v in $COMPAT_LIVE_VARS")),
        "no step of the live gate checks COMPAT_LIVE_VARS"
    );
    // The credentials come from the context that holds them.
    let uses_context = ci["workflows"]
        .as_object()
        .into_iter()
        .flat_map(|w| w.values())
        .flat_map(|w| w["jobs"].as_array().into_iter().flatten())
        .any(|j| j["claude_code_compat_pr_gate"]["context"] == "claude-code-compat-live");
    assert!(
        uses_context,
        "the live gate runs without the claude-code-compat-live context"
    );
}

/// The check itself can fail: a step without the four variables the plan
/// found missing (BEDROCK_MANTLE_API_KEY, AZURE_API_BASE, AZURE_API_KEY,
/// TAVILY_API_KEY) is reported with exactly those.
#[test]
fn a_step_without_the_late_variables_is_reported() {
    let given: BTreeSet<String> = needed()
        .into_iter()
        .filter(|v| {
            ![
                "BEDROCK_MANTLE_API_KEY",
                "AZURE_API_BASE",
                "AZURE_API_KEY",
                "TAVILY_API_KEY",
                "GOOGLE_APPLICATION_CREDENTIALS",
            ]
            .contains(&v.as_str())
        })
        .chain(["VERTEX_SERVICE_ACCOUNT_JSON".to_owned()])
        .collect();
    let mut m = missing(&given, "export GOOGLE_APPLICATION_CREDENTIALS=\"$f\"");
    m.sort();
    assert_eq!(
        m,
        [
            "AZURE_API_BASE",
            "AZURE_API_KEY",
            "BEDROCK_MANTLE_API_KEY",
            "TAVILY_API_KEY"
        ]
    );
    assert_eq!(missing(&given, "no export"), {
        let mut v = vec![
            "AZURE_API_BASE",
            "AZURE_API_KEY",
            "BEDROCK_MANTLE_API_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "TAVILY_API_KEY",
        ];
        v.sort();
        v
    });
}
