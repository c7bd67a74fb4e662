//! The simulators against the providers' own clients: the Anthropic Python SDK
//! (`Anthropic`, `AnthropicFoundry`, `AnthropicVertex`, `AnthropicBedrock`,
//! `AnthropicBedrockMantle`, `AnthropicAWS`) at
//! two generations (the one LiteLLM depends on and the newest), boto3's
//! `bedrock-runtime` client (its SigV4 signer, event-stream parser and
//! service model), and the `openai` Python SDK (`OpenAI`, `AzureOpenAI`) at
//! two generations (the one LiteLLM resolves and the newest 1.x) against the
//! OpenAI and Azure OpenAI simulators (Responses and Chat Completions). The checks themselves are Python, in `conformance/`; each
//! prints one `RESULT` line per route, and this test prints them as a table
//! and fails on any `fail`.
//!
//! Needs python3 with venv and PyPI (the SDKs are provisioned on first use
//! into the tool cache, or up front by `cargo xtask provision`; see
//! compat_core::tools::sdks). It lives in compat-harness (which links both),
//! not beside the simulators' own tests in compat-sim/tests/, because it
//! needs compat-core's tool provisioning and compat-sim must not depend on
//! compat-core. The Python-free checks of the same dialect are in
//! compat-sim/tests/rejections/ (anthropic.rs, azure.rs, vertex_ai.rs,
//! bedrock_invoke.rs, openai*.rs, azure_openai.rs).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use compat_core::tools::sdks::{self as tools_sdks, OpenAiSdkGeneration, SdkGeneration, SdkVenv};
use compat_sim::{Api, Fault, FaultGuard, FaultScope, SearchPage, Simulators, creds};

/// A prompt marker the simulators answer 429 to (the scripts' rate-limit check).
const RATE_LIMIT_MARKER: &str = "CONFORMANCE-RATE-LIMIT";
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

struct Run {
    client: String,
    lines: Vec<(String, String, String)>,
    ok: bool,
    stderr: String,
}

fn run_script(python: &Path, script: &str, client: &str, env: &[(&str, String)]) -> Run {
    let path = compat_matrix::paths::workspace_root()
        .join("conformance")
        .join(script);
    let mut cmd = Command::new(python);
    cmd.arg(&path)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // No ambient credentials or endpoints may leak into the clients.
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("ANTHROPIC_BASE_URL")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_BEARER_TOKEN_BEDROCK")
        .env_remove("ANTHROPIC_AWS_API_KEY")
        .env_remove("ANTHROPIC_BEDROCK_MANTLE_BASE_URL")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OPENAI_ORG_ID")
        .env_remove("OPENAI_PROJECT_ID")
        .env_remove("AZURE_OPENAI_API_KEY")
        .env_remove("AZURE_OPENAI_ENDPOINT")
        .env_remove("AZURE_OPENAI_AD_TOKEN")
        .env_remove("OPENAI_API_VERSION")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_reader =
        std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err_reader =
        std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > SCRIPT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = out_reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    let lines: Vec<_> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT\t"))
        .map(|l| {
            let mut p = l.splitn(3, '\t');
            let route = p.next().unwrap_or("").to_owned();
            let result = p.next().unwrap_or("").to_owned();
            (route, result, p.next().unwrap_or("").to_owned())
        })
        .collect();
    let ok = status.is_some_and(|s| s.success()) && !lines.is_empty();
    Run {
        client: client.to_owned(),
        lines,
        ok,
        stderr: if status.is_none() {
            format!("timed out after {SCRIPT_TIMEOUT:?}\n{stderr}")
        } else {
            stderr
        },
    }
}

/// One script run per client, all at once (each is mostly waiting on the
/// simulators), in the order given.
fn run_in_parallel(
    python: &Path,
    script: &str,
    jobs: &[(String, Vec<(&str, String)>)],
) -> Vec<Run> {
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|(label, env)| s.spawn(move || run_script(python, script, label, env)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn start_sims() -> (Simulators, Vec<FaultGuard>) {
    let sims = Simulators::start(&Api::ALL).unwrap();
    let guards = Api::ALL
        .iter()
        .map(|&p| {
            sims.inject(
                FaultScope {
                    provider: Some(p),
                    body_contains: Some(RATE_LIMIT_MARKER.into()),
                    ..FaultScope::default()
                },
                Fault::Status(429),
            )
        })
        .collect();
    (sims, guards)
}

fn common_env() -> Vec<(&'static str, String)> {
    vec![
        ("CONF_AWS_ACCESS_KEY_ID", creds::AWS_ACCESS_KEY_ID.into()),
        (
            "CONF_AWS_SECRET_ACCESS_KEY",
            creds::AWS_SECRET_ACCESS_KEY.into(),
        ),
        ("CONF_AWS_REGION", creds::AWS_REGION.into()),
        ("CONF_VERTEX_PROJECT", creds::VERTEX_PROJECT.into()),
        ("CONF_VERTEX_LOCATION", creds::VERTEX_LOCATION.into()),
        // The service account's key the Vertex token endpoint verifies
        // google-auth's JWT signature against.
        (
            "CONF_VERTEX_SA_KEY",
            creds::vertex_service_account_key().private_key_pem.clone(),
        ),
        ("CONF_RATE_LIMIT_MARKER", RATE_LIMIT_MARKER.into()),
        (
            "CONF_AWS_WORKSPACE_ID",
            creds::CLAUDE_PLATFORM_AWS_WORKSPACE_ID.into(),
        ),
    ]
}

/// Prints the runs as a table (client x route x result) and panics on a failure.
fn report(title: &str, runs: &[Run]) {
    let mut table = format!("\n{title}\n| client | route | result | detail |\n|---|---|---|---|\n");
    for r in runs {
        for (route, result, detail) in &r.lines {
            let detail: String = detail.chars().take(140).collect();
            table.push_str(&format!(
                "| {} | {route} | {result} | {detail} |\n",
                r.client
            ));
        }
    }
    eprintln!("{table}");
    if let Ok(dir) = std::env::var("COMPAT_CONFORMANCE_OUT") {
        let _ = std::fs::create_dir_all(&dir);
        let file = Path::new(&dir).join(format!(
            "{}.md",
            title.split_whitespace().next().unwrap_or("run")
        ));
        let _ = std::fs::write(file, &table);
    }
    let failed: Vec<String> = runs
        .iter()
        .filter(|r| !r.ok || r.lines.iter().any(|(_, res, _)| res == "fail"))
        .map(|r| {
            let fails: Vec<String> = r
                .lines
                .iter()
                .filter(|(_, res, _)| res == "fail")
                .map(|(route, _, d)| format!("  {route}: {d}"))
                .collect();
            format!(
                "{}:\n{}\n  stderr: {}",
                r.client,
                fails.join("\n"),
                r.stderr.trim()
            )
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{title}: conformance failures:\n{}",
        failed.join("\n")
    );
}

fn anthropic_clients(generation: SdkGeneration) {
    let venv: SdkVenv = tools_sdks::anthropic_sdk(generation).unwrap_or_else(|e| panic!("{e}"));
    let (sims, _guards) = start_sims();
    let url = |p| sims.base_url(p).unwrap();
    let clients = [
        (
            "Anthropic",
            "anthropic",
            url(Api::Anthropic),
            "claude-haiku-4-5-20251001",
            creds::ANTHROPIC_API_KEY,
        ),
        (
            "AnthropicFoundry",
            "foundry",
            url(Api::Azure),
            "claude-haiku-4-5",
            creds::AZURE_API_KEY,
        ),
        (
            "AnthropicVertex",
            "vertex",
            url(Api::VertexAi),
            "claude-haiku-4-5@20251001",
            creds::VERTEX_ACCESS_TOKEN,
        ),
        (
            "AnthropicBedrock",
            "bedrock",
            url(Api::BedrockInvoke),
            "us.anthropic.claude-haiku-4-5-20251001-v1:0",
            creds::AWS_SECRET_ACCESS_KEY,
        ),
        // Bedrock Mantle, both auth forms (anthropic/lib/bedrock/_mantle.py
        // in both SDK generations).
        (
            "AnthropicBedrockMantle (API key)",
            "mantle",
            url(Api::BedrockMantle),
            "anthropic.claude-haiku-4-5",
            creds::BEDROCK_MANTLE_API_KEY,
        ),
        (
            "AnthropicBedrockMantle (SigV4)",
            "mantle_sigv4",
            url(Api::BedrockMantle),
            "anthropic.claude-haiku-4-5",
            creds::AWS_SECRET_ACCESS_KEY,
        ),
        // Claude Platform on AWS, both auth forms (anthropic/lib/aws/_client.py
        // `AnthropicAWS` in both SDK generations).
        (
            "AnthropicAWS (API key)",
            "aws",
            url(Api::ClaudePlatformAws),
            "claude-haiku-4-5",
            creds::CLAUDE_PLATFORM_AWS_API_KEY,
        ),
        (
            "AnthropicAWS (SigV4)",
            "aws_sigv4",
            url(Api::ClaudePlatformAws),
            "claude-haiku-4-5",
            creds::AWS_SECRET_ACCESS_KEY,
        ),
    ];
    let jobs: Vec<(String, Vec<(&str, String)>)> = clients
        .iter()
        .map(|(name, id, base, model, secret)| {
            let mut env = common_env();
            env.extend([
                ("CONF_CLIENT", id.to_string()),
                ("CONF_BASE_URL", base.clone()),
                ("CONF_MODEL", model.to_string()),
                ("CONF_SECRET", secret.to_string()),
            ]);
            (
                format!("{name} (anthropic {})", venv.anthropic_version),
                env,
            )
        })
        .collect();
    let runs = run_in_parallel(&venv.python, "anthropic_clients.py", &jobs);
    report(
        &format!(
            "anthropic-sdk-{} (anthropic {})",
            generation.label(),
            venv.anthropic_version
        ),
        &runs,
    );
}

#[test]
fn anthropic_sdk_of_litellm_against_every_anthropic_dialect_simulator() {
    anthropic_clients(SdkGeneration::Litellm);
}

#[test]
fn newest_anthropic_sdk_against_every_anthropic_dialect_simulator() {
    anthropic_clients(SdkGeneration::Newest);
}

#[test]
fn boto3_bedrock_runtime_against_invoke_and_converse() {
    let venv = tools_sdks::anthropic_sdk(SdkGeneration::Litellm).unwrap_or_else(|e| panic!("{e}"));
    let (sims, _guards) = start_sims();
    let mut env = common_env();
    env.extend([
        (
            "CONF_INVOKE_URL",
            sims.base_url(Api::BedrockInvoke).unwrap(),
        ),
        (
            "CONF_CONVERSE_URL",
            sims.base_url(Api::BedrockConverse).unwrap(),
        ),
    ]);
    let label = format!("boto3 {} bedrock-runtime", venv.boto3_version);
    let run = run_script(&venv.python, "boto3_bedrock.py", &label, &env);
    report("boto3 bedrock-runtime", &[run]);
}

/// The model the OpenAI scripts ask for (on Azure: the deployment, named
/// after its model).
const GPT_MODEL: &str = "gpt-5.6-luna";
/// The Azure OpenAI `api-version` LiteLLM's Azure routes use.
const AZURE_OPENAI_API_VERSION: &str = "2025-04-01-preview";

/// The key of the page the hosted web search check searches for.
const SEARCH_KEY: &str = "confq4z8";

fn openai_clients(generation: OpenAiSdkGeneration) {
    let venv = tools_sdks::openai_sdk(generation).unwrap_or_else(|e| panic!("{e}"));
    let (sims, _guards) = start_sims();
    // The page the hosted web search check finds (the script names the
    // key in its query; conformance/openai_clients.py).
    let _page = sims.register_search_page(
        SEARCH_KEY,
        SearchPage {
            url: format!("https://notes.example/{SEARCH_KEY}.html"),
            title: format!("Notes {SEARCH_KEY}"),
            text: format!("Notes {SEARCH_KEY}\nThe conformance code is ws-conf"),
            page_age: None,
        },
    );
    let url = |p| sims.base_url(p).unwrap();
    let clients = [
        ("OpenAI", "openai", url(Api::OpenAi), creds::OPENAI_API_KEY),
        (
            "AzureOpenAI",
            "azure",
            url(Api::AzureOpenAi),
            creds::AZURE_OPENAI_API_KEY,
        ),
        (
            "OpenAI on Azure's /openai/v1",
            "azure_v1",
            url(Api::AzureOpenAi),
            creds::AZURE_OPENAI_API_KEY,
        ),
    ];
    let jobs: Vec<(String, Vec<(&str, String)>)> = clients
        .iter()
        .map(|(name, id, base, secret)| {
            let mut env = common_env();
            env.extend([
                ("CONF_CLIENT", id.to_string()),
                ("CONF_BASE_URL", base.clone()),
                ("CONF_MODEL", GPT_MODEL.to_string()),
                ("CONF_SECRET", secret.to_string()),
                ("CONF_API_VERSION", AZURE_OPENAI_API_VERSION.to_string()),
                ("CONF_SEARCH_KEY", SEARCH_KEY.to_string()),
            ]);
            (format!("{name} (openai {})", venv.openai_version), env)
        })
        .collect();
    let runs = run_in_parallel(&venv.python, "openai_clients.py", &jobs);
    report(
        &format!(
            "openai-sdk-{} (openai {})",
            generation.label(),
            venv.openai_version
        ),
        &runs,
    );
}

#[test]
fn openai_sdk_of_litellm_against_the_openai_and_azure_openai_simulators() {
    openai_clients(OpenAiSdkGeneration::Litellm);
}

#[test]
fn older_openai_sdk_against_the_openai_and_azure_openai_simulators() {
    openai_clients(OpenAiSdkGeneration::Older);
}
