//! The routing table: provider x model -> LiteLLM `litellm_params`, for sim
//! mode (pointing at the local simulators, fake credentials) and live mode
//! (real model ids, credentials only from the environment via LiteLLM's
//! `os.environ/NAME` references, so no secret is ever written to a file).
//!
//! The proxy serves each model under its canonical id (the manifest's
//! `models[].id`: a Claude id, or a GPT id on the GPT columns), because the
//! claude CLI shapes its request by model name. One proxy per provider
//! keeps those names unambiguous. The GPT columns (OpenAI, Azure OpenAI)
//! are known by their simulator and routed by [`openai::GptRoute`].

use serde_json::{Value, json};

use compat_matrix::provider::Provider;

#[cfg(test)]
mod gateway_mode_tests;
mod live;
pub mod openai;
pub use live::{REDIRECTING_ENV, rehearsal_proxy_env, tls_front_env};
use openai::GptRoute;

/// The provider's own id for a canonical Claude model, as the real service
/// names it (LiteLLM's model map agrees: model_prices_and_context_window.json).
pub fn upstream_model_id(provider: Provider, canonical: &str) -> String {
    if let Some(gpt) = GptRoute::of(provider) {
        return gpt.upstream_model_id(canonical);
    }
    if let Some(native) = provider.passthrough_of() {
        return upstream_model_id(native, canonical);
    }
    let provider = provider.route_of();
    let dated = match canonical {
        "claude-haiku-4-5" => Some("20251001"),
        _ => None,
    };
    match provider {
        Provider::Anthropic => match dated {
            Some(d) => format!("{canonical}-{d}"),
            None => canonical.to_owned(),
        },
        // Cross-region inference profiles (`us.`): what on-demand use of these
        // models on Bedrock requires.
        Provider::BedrockInvoke | Provider::BedrockConverse => match dated {
            Some(d) => format!("us.anthropic.{canonical}-{d}-v1:0"),
            None => format!("us.anthropic.{canonical}"),
        },
        Provider::VertexAi => match dated {
            Some(d) => format!("{canonical}@{d}"),
            None => canonical.to_owned(),
        },
        // Azure AI Foundry: the deployment name; deployments are named after
        // the model by default.
        Provider::Azure => canonical.to_owned(),
        Provider::BedrockPassthrough
        | Provider::VertexPassthrough
        | Provider::AzurePassthrough
        | Provider::AnthropicPassthrough => unreachable!("handled above"),
        // Mantle: `anthropic.<model>`, no region prefix, no `-v1:0` (see
        // compat-sim/src/providers/mantle/mod.rs, "Model ids").
        Provider::BedrockMantle => format!("anthropic.{canonical}"),
        // Claude Platform on AWS: Anthropic's own ids (the CLI's AWS mode
        // sends `claude-opus-4-7`, captured; anthropic `lib/aws/` takes the
        // first-party ids). The undated alias: the service's model list is
        // not published, so the dated Haiku id is not assumed (inferred).
        Provider::ClaudePlatformAws => canonical.to_owned(),
        Provider::AnthropicRustPath | Provider::VertexAiRustPath | Provider::ClaudeCodeGateway => {
            unreachable!("route_of maps Rust-path and gateway-mode columns to their route")
        }
        Provider::Openai | Provider::AzureOpenai => {
            unreachable!("GPT columns: routing::openai::GptRoute, handled above")
        }
    }
}

/// LiteLLM's `model:` value (route prefix + upstream id).
pub fn litellm_model(provider: Provider, canonical: &str) -> String {
    if let Some(gpt) = GptRoute::of(provider) {
        return gpt.litellm_model(canonical);
    }
    let id = upstream_model_id(provider, canonical);
    match provider.route_of() {
        Provider::Anthropic => format!("anthropic/{id}"),
        Provider::BedrockInvoke => format!("bedrock/invoke/{id}"),
        Provider::BedrockConverse => format!("bedrock/converse/{id}"),
        Provider::VertexAi => format!("vertex_ai/{id}"),
        // `azure_ai/` is LiteLLM's native Anthropic route for Claude on
        // Foundry (`/anthropic/v1/messages`); `azure/` would translate to
        // OpenAI chat and silently drop thinking.
        Provider::Azure => format!("azure_ai/{id}"),
        // `bedrock/`, not `bedrock/invoke/`: the router rewrites the model
        // segment of the pass-through path to this model minus its provider
        // prefix (router.py `_add_deployment_model_to_endpoint_for_llm_passthrough_route`),
        // and `bedrock/invoke/x` would become `/model/invoke/x/...`.
        Provider::BedrockPassthrough => format!("bedrock/{id}"),
        Provider::VertexPassthrough => format!("vertex_ai/{id}"),
        Provider::AzurePassthrough => format!("azure_ai/{id}"),
        // The `/anthropic` route does not route by model (the CLI's model
        // goes upstream as written): the deployment is only where the route
        // finds its credential (`use_in_pass_through`, `litellm_params`).
        Provider::AnthropicPassthrough => format!("anthropic/{id}"),
        // LiteLLM's Mantle provider: `/anthropic/v1/messages` under api_base
        // (llms/bedrock_mantle/messages/transformation.py).
        Provider::BedrockMantle => format!("bedrock_mantle/{id}"),
        // LiteLLM 1.108.7's Claude Platform on AWS provider: `/v1/messages`
        // under api_base (llms/bedrock/claude_platform/common_utils.py
        // `get_complete_url`; route prefix `claude_platform/`).
        Provider::ClaudePlatformAws => format!("bedrock/claude_platform/{id}"),
        Provider::AnthropicRustPath | Provider::VertexAiRustPath | Provider::ClaudeCodeGateway => {
            unreachable!("route_of maps Rust-path and gateway-mode columns to their route")
        }
        Provider::Openai | Provider::AzureOpenai => {
            unreachable!("GPT columns: routing::openai::GptRoute, handled above")
        }
    }
}

/// The model name the proxy serves a model under. The canonical Claude id
/// for `/v1/messages` columns (the CLI shapes its request by it). A
/// pass-through route finds its deployment by the model id in the path the
/// CLI built (`/bedrock/model/{id}/...`, `.../models/{id}:streamRawPredict`),
/// which is the provider's own id: the deployment must be named so.
pub fn served_model_name(provider: Provider, canonical: &str) -> String {
    match provider {
        Provider::BedrockPassthrough | Provider::VertexPassthrough => {
            upstream_model_id(provider, canonical)
        }
        _ => canonical.to_owned(),
    }
}

/// The model the CLI is given (`--model` and `ANTHROPIC_DEFAULT_*_MODEL`).
/// In a native mode it is the provider's id, as a customer sets it: the
/// CLI 2.1.331 in Bedrock mode maps `claude-sonnet-4-6` to
/// `us.anthropic.claude-sonnet-4-6` itself but sends `claude-haiku-4-5`
/// unmapped (captured), which Bedrock does not know. A first-party client
/// (`anthropic_passthrough` too) gets the canonical id, which the Anthropic
/// API serves as an alias of the dated one.
pub fn cli_model(provider: Provider, canonical: &str) -> String {
    if provider.native_mode() {
        upstream_model_id(provider, canonical)
    } else {
        canonical.to_owned()
    }
}

/// The CLI's environment for a pass-through column: its native mode, the
/// gateway's route as the mode's base URL, the CLI's own provider auth
/// skipped (the gateway signs upstream), and the mode's region/project; or,
/// for a first-party client at a pass-through route (`anthropic_passthrough`),
/// `ANTHROPIC_BASE_URL` at the route, replacing the driver's own.
/// For a gateway-mode column: the mode (`CLAUDE_CODE_USE_GATEWAY`) and the
/// gateway's route as `ANTHROPIC_BASE_URL`, which replaces the driver's
/// (its later value wins); the key stays the driver's `ANTHROPIC_AUTH_TOKEN`,
/// which this mode sends as `Authorization: Bearer`, and nothing sets
/// `ANTHROPIC_API_KEY` (the CLI would send both).
/// `gateway` is the gateway's (or the tap's) base URL. No secret: the
/// gateway key is added by whoever runs the CLI (a header, by environment).
/// For a GPT column (a `/v1/messages` column): the small fast model
/// ([`openai::GptRoute::cli_env`]). Empty for every other `/v1/messages`
/// column. Captured from the CLI 2.1.331: docs/columns/<column>.md.
pub fn cli_env(
    provider: Provider,
    gateway: &str,
    upstream: &Upstream<'_>,
) -> Vec<(String, String)> {
    let env = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let from_env = |name: &str, sim: &str| match upstream {
        Upstream::Sim { .. } => sim.to_owned(),
        Upstream::Live => std::env::var(name).unwrap_or_default(),
    };
    let (region, project, location) = match upstream {
        Upstream::Sim { creds, .. } => (
            creds.aws_region,
            creds.vertex_project,
            creds.vertex_location,
        ),
        Upstream::Live => ("", "", ""),
    };
    if let Some(gpt) = GptRoute::of(provider) {
        return gpt.cli_env();
    }
    if let Some(route) = provider.gateway_mode_route() {
        return vec![
            env("CLAUDE_CODE_USE_GATEWAY", "1"),
            env(
                "ANTHROPIC_BASE_URL",
                &format!("{gateway}{}", route.trim_end_matches('/')),
            ),
        ];
    }
    match provider {
        Provider::BedrockPassthrough => vec![
            env("CLAUDE_CODE_USE_BEDROCK", "1"),
            env("ANTHROPIC_BEDROCK_BASE_URL", &format!("{gateway}/bedrock")),
            env("CLAUDE_CODE_SKIP_BEDROCK_AUTH", "1"),
            env("AWS_REGION", &from_env("AWS_REGION_NAME", region)),
        ],
        Provider::VertexPassthrough => vec![
            env("CLAUDE_CODE_USE_VERTEX", "1"),
            env(
                "ANTHROPIC_VERTEX_BASE_URL",
                &format!("{gateway}/vertex_ai/v1"),
            ),
            env("CLAUDE_CODE_SKIP_VERTEX_AUTH", "1"),
            env(
                "ANTHROPIC_VERTEX_PROJECT_ID",
                &from_env("VERTEX_PROJECT", project),
            ),
            env("CLOUD_ML_REGION", &from_env("VERTEX_LOCATION", location)),
        ],
        Provider::AzurePassthrough => vec![
            env("CLAUDE_CODE_USE_FOUNDRY", "1"),
            env("ANTHROPIC_FOUNDRY_BASE_URL", &format!("{gateway}/azure_ai")),
            env("CLAUDE_CODE_SKIP_FOUNDRY_AUTH", "1"),
        ],
        // The CLI's key stays the driver's `ANTHROPIC_AUTH_TOKEN` (the
        // gateway key): LiteLLM checks it and drops it before forwarding
        // (llm_passthrough_endpoints.py, headers equal to the caller's key).
        Provider::AnthropicPassthrough => {
            vec![env("ANTHROPIC_BASE_URL", &format!("{gateway}/anthropic"))]
        }
        // The AWS mode at the gateway's root: it posts `{base}/v1/messages`,
        // LiteLLM's unified route (captured, docs/research/cli-modes-2026-12-06.md
        // §2, `lt_cpaws`). Its own auth skipped (the gateway signs upstream);
        // the workspace id is required by the client but the gateway sends its
        // own configured one upstream, so the CLI's is a placeholder.
        Provider::ClaudePlatformAws => vec![
            env("CLAUDE_CODE_USE_ANTHROPIC_AWS", "1"),
            env("ANTHROPIC_AWS_BASE_URL", gateway),
            env("CLAUDE_CODE_SKIP_ANTHROPIC_AWS_AUTH", "1"),
            env("ANTHROPIC_AWS_WORKSPACE_ID", CLI_AWS_WORKSPACE_ID),
            env("AWS_REGION", &from_env("AWS_REGION_NAME", region)),
        ],
        _ => Vec::new(),
    }
}

/// The workspace id the CLI's AWS mode is given (it refuses to start
/// without one): deliberately not the upstream's, so that a gateway
/// forwarding the client's workspace header instead of its own configured
/// one is refused by the simulator (compat-sim ledger
/// `claude_platform_aws.workspace_access`).
pub const CLI_AWS_WORKSPACE_ID: &str = "wrkspc_claude_code_client";

/// Whether the column's CLI runs in one of its native provider modes
/// (`cli_env` gives it that mode's variables) rather than with a plain
/// `ANTHROPIC_BASE_URL`: the pass-through columns in a native mode (not
/// `anthropic_passthrough`, whose CLI is a first-party client at the route)
/// and Claude Platform on AWS. Such a CLI skips its own provider auth and
/// carries the gateway key in a header.
pub fn native_cli_mode(provider: Provider) -> bool {
    provider.native_mode() || provider == Provider::ClaudePlatformAws
}

/// Environment the proxy itself needs for a column (beyond its config and
/// the hermetic set).
///
/// The Rust-path columns switch LiteLLM's Rust `/v1/messages` on. LiteLLM
/// reads `LITELLM_RUST` as a pydantic bool (rust_bridge/configuration.py);
/// its catalog opts `messages` in for the anthropic, deepseek and vertex_ai
/// providers only (rust_bridge/catalog.py `RULES`).
///
/// LiteLLM 1.108.7's `/azure_ai` pass-through takes its upstream only from
/// `AZURE_API_BASE`/`AZURE_API_KEY` (llm_passthrough_endpoints.py
/// `azure_proxy_route`: a `/v1/messages` path names no deployment, so no
/// `model_list` entry applies); live mode inherits them from the environment.
///
/// Its `/anthropic` pass-through likewise takes its upstream only from
/// `ANTHROPIC_API_BASE` (else `ANTHROPIC_BASE_URL`, else
/// `https://api.anthropic.com`: llm_passthrough_endpoints.py
/// `anthropic_proxy_route`, a deployment's `api_base` is not read): sim
/// mode sets it to the simulator, set after [`REDIRECTING_ENV`]'s removal
/// so it is the only one; live mode sets nothing, the default host.
pub fn proxy_env(provider: Provider, upstream: &Upstream<'_>) -> Vec<(String, String)> {
    if let Some(gpt) = GptRoute::of(provider) {
        return gpt.proxy_env(upstream);
    }
    if provider.rust_path() {
        return vec![("LITELLM_RUST".to_owned(), "true".to_owned())];
    }
    match (provider, upstream) {
        (
            Provider::AzurePassthrough,
            Upstream::Sim {
                base_url, creds, ..
            },
        ) => vec![
            ("AZURE_API_BASE".to_owned(), format!("{base_url}/anthropic")),
            ("AZURE_API_KEY".to_owned(), creds.azure_api_key.to_owned()),
        ],
        (Provider::AnthropicPassthrough, Upstream::Sim { base_url, .. }) => {
            vec![("ANTHROPIC_API_BASE".to_owned(), (*base_url).to_owned())]
        }
        _ => Vec::new(),
    }
}

/// The fake credentials the simulators accept (compat-sim's `creds`). Whoever
/// starts the simulators hands them in: compat-core does not depend on the
/// simulator crate, which only tests and the harness need.
#[derive(Debug, Clone, Copy)]
pub struct SimCredentials<'a> {
    pub anthropic_api_key: &'a str,
    pub azure_api_key: &'a str,
    pub bedrock_mantle_api_key: &'a str,
    /// Claude Platform on AWS: its API key and the workspace it belongs to.
    pub claude_platform_aws_api_key: &'a str,
    pub claude_platform_aws_workspace_id: &'a str,
    pub aws_access_key_id: &'a str,
    pub aws_secret_access_key: &'a str,
    pub aws_region: &'a str,
    pub vertex_project: &'a str,
    pub vertex_location: &'a str,
    /// The search provider's (Tavily's) API key, for LiteLLM's web search
    /// interception (a placeholder the Tavily simulator accepts).
    pub tavily_api_key: &'a str,
    /// OpenAI's API key (the openai column).
    pub openai_api_key: &'a str,
    /// The Azure OpenAI resource's key (the azure_openai column).
    pub azure_openai_api_key: &'a str,
}

/// Where the upstream is and how to authenticate to it.
// Built a few times per column start and passed by reference, never stored
// in bulk: its size (the credentials' string slices) costs nothing; boxing
// them would only add noise at every construction site.
#[allow(clippy::large_enum_variant)]
pub enum Upstream<'a> {
    /// A local simulator at this base URL, accepting `creds`;
    /// `vertex_credentials` is the path of the fake service-account file
    /// whose token_uri is the simulator.
    Sim {
        base_url: &'a str,
        vertex_credentials: Option<&'a str>,
        creds: SimCredentials<'a>,
    },
    /// The real provider; credentials from the proxy's environment.
    Live,
}

/// `litellm_params` for one deployment.
pub fn litellm_params(provider: Provider, canonical: &str, upstream: &Upstream<'_>) -> Value {
    if let Some(gpt) = GptRoute::of(provider) {
        return gpt.litellm_params(canonical, upstream);
    }
    let mut p = json!({ "model": litellm_model(provider, canonical) });
    let o = p.as_object_mut().expect("object");
    // A pass-through column reaches the same upstream with the same
    // credentials as its native provider's column.
    let native = provider.passthrough_of().unwrap_or(provider).route_of();
    if matches!(
        provider,
        Provider::VertexPassthrough | Provider::AnthropicPassthrough
    ) {
        // The Vertex and Anthropic pass-throughs only take credentials from
        // deployments flagged so (passthrough_endpoint_router.py
        // `get_credentials`; for Anthropic, else `ANTHROPIC_API_KEY`, which
        // sim mode does not set).
        o.insert("use_in_pass_through".into(), json!(true));
    }
    match (native, upstream) {
        (
            Provider::Anthropic,
            Upstream::Sim {
                base_url, creds, ..
            },
        ) => {
            o.insert("api_base".into(), json!(base_url));
            o.insert("api_key".into(), json!(creds.anthropic_api_key));
        }
        (Provider::Anthropic, Upstream::Live) => {
            o.insert("api_key".into(), json!("os.environ/ANTHROPIC_API_KEY"));
        }
        (
            Provider::BedrockInvoke | Provider::BedrockConverse,
            Upstream::Sim {
                base_url, creds, ..
            },
        ) => {
            o.insert("aws_access_key_id".into(), json!(creds.aws_access_key_id));
            o.insert(
                "aws_secret_access_key".into(),
                json!(creds.aws_secret_access_key),
            );
            o.insert("aws_region_name".into(), json!(creds.aws_region));
            o.insert("aws_bedrock_runtime_endpoint".into(), json!(base_url));
        }
        (Provider::BedrockInvoke | Provider::BedrockConverse, Upstream::Live) => {
            // LiteLLM reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
            // AWS_SESSION_TOKEN (or AWS_BEARER_TOKEN_BEDROCK) itself.
            o.insert(
                "aws_region_name".into(),
                json!("os.environ/AWS_REGION_NAME"),
            );
        }
        (
            Provider::VertexAi,
            Upstream::Sim {
                base_url,
                vertex_credentials,
                creds,
            },
        ) => {
            o.insert("vertex_project".into(), json!(creds.vertex_project));
            o.insert("vertex_location".into(), json!(creds.vertex_location));
            // The pass-through has no use for an api_base (it always sends
            // to Google's host; sim mode reaches the simulator through a TLS
            // front, `tls_front_env`): its deployments stay as in live mode.
            if provider != Provider::VertexPassthrough {
                o.insert("api_base".into(), json!(base_url));
            }
            if let Some(path) = vertex_credentials {
                o.insert("vertex_credentials".into(), json!(path));
            }
        }
        (Provider::VertexAi, Upstream::Live) => {
            // Credentials: GOOGLE_APPLICATION_CREDENTIALS (a service-account file).
            o.insert("vertex_project".into(), json!("os.environ/VERTEX_PROJECT"));
            o.insert(
                "vertex_location".into(),
                json!("os.environ/VERTEX_LOCATION"),
            );
        }
        (
            Provider::Azure,
            Upstream::Sim {
                base_url, creds, ..
            },
        ) => {
            o.insert("api_base".into(), json!(base_url));
            o.insert("api_key".into(), json!(creds.azure_api_key));
        }
        (Provider::Azure, Upstream::Live) => {
            o.insert("api_base".into(), json!("os.environ/AZURE_AI_API_BASE"));
            o.insert("api_key".into(), json!("os.environ/AZURE_AI_API_KEY"));
        }
        (
            Provider::BedrockPassthrough
            | Provider::VertexPassthrough
            | Provider::AzurePassthrough
            | Provider::AnthropicPassthrough,
            _,
        ) => unreachable!("a pass-through column's native provider is a /v1/messages one"),
        (Provider::Openai | Provider::AzureOpenai, _) => {
            unreachable!("GPT columns: routing::openai::GptRoute, handled above")
        }
        // The API-key form: LiteLLM 1.108.7 sends it as `Authorization:
        // Bearer`. Its SigV4 form signs for service `bedrock` where Mantle
        // wants `bedrock-mantle` (BerriAI/litellm#31475), so a config with
        // AWS keys only is refused by Mantle (README, column notes).
        (
            Provider::BedrockMantle,
            Upstream::Sim {
                base_url, creds, ..
            },
        ) => {
            o.insert("api_base".into(), json!(base_url));
            o.insert("api_key".into(), json!(creds.bedrock_mantle_api_key));
            o.insert("aws_region_name".into(), json!(creds.aws_region));
        }
        (Provider::BedrockMantle, Upstream::Live) => {
            o.insert("api_key".into(), json!("os.environ/BEDROCK_MANTLE_API_KEY"));
            o.insert(
                "aws_region_name".into(),
                json!("os.environ/AWS_REGION_NAME"),
            );
        }
        // LiteLLM's `bedrock/claude_platform/` provider: `x-api-key` when an
        // api_key is configured, else SigV4 for `aws-external-anthropic`
        // (common_utils.py `sign_request`); `workspace_id` becomes the
        // `anthropic-workspace-id` header (messages_transformation.py).
        (
            Provider::ClaudePlatformAws,
            Upstream::Sim {
                base_url, creds, ..
            },
        ) => {
            o.insert("api_base".into(), json!(base_url));
            o.insert("api_key".into(), json!(creds.claude_platform_aws_api_key));
            o.insert(
                "workspace_id".into(),
                json!(creds.claude_platform_aws_workspace_id),
            );
            o.insert("aws_region_name".into(), json!(creds.aws_region));
        }
        (Provider::ClaudePlatformAws, Upstream::Live) => {
            o.insert("api_key".into(), json!("os.environ/ANTHROPIC_AWS_API_KEY"));
            o.insert(
                "workspace_id".into(),
                json!("os.environ/ANTHROPIC_AWS_WORKSPACE_ID"),
            );
            o.insert(
                "aws_region_name".into(),
                json!("os.environ/AWS_REGION_NAME"),
            );
        }
        (
            Provider::AnthropicRustPath | Provider::VertexAiRustPath | Provider::ClaudeCodeGateway,
            _,
        ) => {
            unreachable!("route_of maps Rust-path and gateway-mode columns to their route")
        }
    }
    p
}

/// Environment variables a live proxy for this provider needs (checked before
/// starting it, so a missing credential is named instead of surfacing as a
/// 401 in every cell).
pub fn live_env(provider: Provider) -> &'static [&'static str] {
    if let Some(gpt) = GptRoute::of(provider) {
        return gpt.live_env();
    }
    match provider.route_of() {
        // The pass-through's credential is its deployments' api_key, the
        // same variable (llm_passthrough_endpoints.py `anthropic_proxy_route`).
        Provider::Anthropic | Provider::AnthropicPassthrough => &["ANTHROPIC_API_KEY"],
        Provider::BedrockInvoke | Provider::BedrockConverse => &["AWS_REGION_NAME"],
        Provider::VertexAi => &[
            "VERTEX_PROJECT",
            "VERTEX_LOCATION",
            "GOOGLE_APPLICATION_CREDENTIALS",
        ],
        Provider::Azure => &["AZURE_AI_API_BASE", "AZURE_AI_API_KEY"],
        Provider::BedrockPassthrough => &["AWS_REGION_NAME"],
        Provider::VertexPassthrough => &[
            "VERTEX_PROJECT",
            "VERTEX_LOCATION",
            "GOOGLE_APPLICATION_CREDENTIALS",
        ],
        // AZURE_API_BASE is the Foundry resource's Anthropic endpoint,
        // `https://<resource>.services.ai.azure.com/anthropic`.
        Provider::AzurePassthrough => &[
            "AZURE_AI_API_BASE",
            "AZURE_AI_API_KEY",
            "AZURE_API_BASE",
            "AZURE_API_KEY",
        ],
        Provider::BedrockMantle => &["BEDROCK_MANTLE_API_KEY", "AWS_REGION_NAME"],
        Provider::ClaudePlatformAws => &[
            "ANTHROPIC_AWS_API_KEY",
            "ANTHROPIC_AWS_WORKSPACE_ID",
            "AWS_REGION_NAME",
        ],
        Provider::AnthropicRustPath | Provider::VertexAiRustPath | Provider::ClaudeCodeGateway => {
            unreachable!("route_of maps Rust-path and gateway-mode columns to their route")
        }
        Provider::Openai | Provider::AzureOpenai => {
            unreachable!("GPT columns: routing::openai::GptRoute, handled above")
        }
    }
}

/// The real hosts (`name`, port 443) a live proxy of `provider` talks to,
/// from the same rules as its live config (LiteLLM 1.108.7): the
/// rehearsal's front tunnels only these, per column. `region` is
/// `AWS_REGION_NAME`, `location` `VERTEX_LOCATION`, `azure_base` the
/// Azure endpoint the column's variable [`azure_base_var`] gives; None
/// leaves the Azure host out.
/// - Anthropic and its pass-through: `api.anthropic.com`
///   (llms/anthropic/common_utils.py; llm_passthrough_endpoints.py
///   `anthropic_proxy_route`'s default).
/// - Bedrock Invoke/Converse and the pass-through:
///   `bedrock-runtime.<region>.amazonaws.com` (base_aws_llm.py
///   `_select_default_endpoint_url`), and the Mantle host too: LiteLLM's
///   token counter falls back to Mantle for a model bedrock-runtime refuses
///   (count_tokens/bedrock_token_counter.py, mantle_handler.py: the public
///   host, no api_base).
/// - Mantle: `bedrock-mantle.<region>.api.aws`
///   (bedrock_mantle/messages/transformation.py).
/// - `api.tavily.com` where the live config runs web search interception
///   (llms/tavily/search/transformation.py).
/// - Vertex: the location's host (`global`: `aiplatform.googleapis.com`; a
///   multi-region such as `us`: `aiplatform.us.rep.googleapis.com`; else
///   `<location>-aiplatform.googleapis.com`: vertex_ai/common_utils.py
///   `get_vertex_base_url`, the pass-through's copy agrees) and
///   `oauth2.googleapis.com` (google-auth's token exchange, the service
///   account's `token_uri`).
/// - Azure: the host of `azure_base` (`<resource>.services.ai.azure.com`).
/// - Claude Platform on AWS: `aws-external-anthropic.<region>.api.aws`.
/// - OpenAI: `api.openai.com`; Azure OpenAI: the host of `azure_base`
///   (`<resource>.openai.azure.com`, `AZURE_OPENAI_API_BASE`)
///   ([`openai::GptRoute::live_hosts`]).
///
/// The Bedrock control plane (`bedrock.<region>.amazonaws.com`) is absent:
/// in 1.108.7 only batches call it, and the CLI's inference-profile lookup
/// stays on the gateway (routing's `cli_env`).
pub fn live_hosts(
    provider: Provider,
    region: &str,
    location: &str,
    azure_base: Option<&str>,
) -> Vec<String> {
    if let Some(gpt) = GptRoute::of(provider) {
        return gpt.live_hosts(azure_base);
    }
    let runtime = format!("bedrock-runtime.{region}.amazonaws.com");
    let mantle = format!("bedrock-mantle.{region}.api.aws");
    let vertex = match location {
        "global" => "aiplatform.googleapis.com".to_owned(),
        l if !l.contains('-') => format!("aiplatform.{l}.rep.googleapis.com"),
        l => format!("{l}-aiplatform.googleapis.com"),
    };
    let mut hosts: Vec<String> = match provider.route_of() {
        // The pass-through's default upstream (no `ANTHROPIC_API_BASE` live).
        Provider::Anthropic | Provider::AnthropicPassthrough => {
            vec!["api.anthropic.com".to_owned()]
        }
        Provider::BedrockInvoke | Provider::BedrockConverse | Provider::BedrockPassthrough => {
            vec![runtime, mantle]
        }
        Provider::BedrockMantle => vec![mantle],
        // Claude Platform on AWS: `aws-external-anthropic.<region>.api.aws`
        // (llms/bedrock/claude_platform/common_utils.py `get_complete_url`).
        Provider::ClaudePlatformAws => vec![format!("aws-external-anthropic.{region}.api.aws")],
        Provider::VertexAi | Provider::VertexPassthrough => {
            vec![vertex, "oauth2.googleapis.com".to_owned()]
        }
        Provider::Azure | Provider::AzurePassthrough => azure_base
            .and_then(|b| reqwest::Url::parse(b).ok())
            .and_then(|u| u.host_str().map(str::to_owned))
            .into_iter()
            .collect(),
        Provider::AnthropicRustPath | Provider::VertexAiRustPath | Provider::ClaudeCodeGateway => {
            unreachable!("route_of maps Rust-path and gateway-mode columns to their route")
        }
        Provider::Openai | Provider::AzureOpenai => {
            unreachable!("GPT columns: routing::openai::GptRoute, handled above")
        }
    };
    if web_search_interception(provider, &Upstream::Live).is_some() {
        hosts.push("api.tavily.com".to_owned());
    }
    hosts
}

/// The live variable that names a column's Azure endpoint, whose host is
/// among its [`live_hosts`]: `AZURE_AI_API_BASE` (the Foundry column),
/// `AZURE_API_BASE` (the Foundry pass-through's Anthropic endpoint),
/// `AZURE_OPENAI_API_BASE` (azure_openai); None for the other columns.
pub fn azure_base_var(provider: Provider) -> Option<&'static str> {
    if let Some(gpt) = GptRoute::of(provider) {
        return gpt.azure_base_var();
    }
    match provider {
        Provider::AzurePassthrough => Some("AZURE_API_BASE"),
        Provider::Azure => Some("AZURE_AI_API_BASE"),
        _ => None,
    }
}

/// The whole proxy config for one provider: every model under its canonical
/// id. JSON is valid YAML, so this is written as the proxy's config file.
pub fn proxy_config(provider: Provider, models: &[&str], upstream: &Upstream<'_>) -> Value {
    if let Some(gpt) = GptRoute::of(provider) {
        return gpt.proxy_config(models, upstream);
    }
    let model_list: Vec<Value> = models
        .iter()
        .map(|m| {
            json!({
                "model_name": served_model_name(provider, m),
                "litellm_params": litellm_params(provider, m, upstream),
                "model_info": {"display_name": gateway_display_name(m)},
            })
        })
        .collect();
    let mut config = base_config(model_list);
    if provider.gateway_mode_route().is_some() {
        // LiteLLM 1.108.7 serves its Claude Code gateway routes
        // (`/claude_code_gateway/...`, proxy/anthropic_endpoints/gateway_endpoints.py)
        // only with this set; otherwise each answers 404 "Claude Code gateway
        // is not enabled" (`ensure_gateway_enabled`).
        config["general_settings"] = json!({"enable_claude_code_gateway": true});
    }
    if let Some(search_tool) = web_search_interception(provider, upstream) {
        config["search_tools"] = json!([search_tool]);
        let settings = &mut config["litellm_settings"];
        settings["callbacks"] = json!(["websearch_interception"]);
        settings["websearch_interception_params"] = json!({
            "enabled_providers": ["bedrock", "bedrock_mantle"],
            "search_tool_name": SEARCH_TOOL_NAME,
        });
    }
    config
}

/// A proxy config with these deployments and the settings every column's
/// proxy has.
fn base_config(model_list: Vec<Value>) -> Value {
    json!({
        "model_list": model_list,
        // Deterministic tests: the harness retries transient failures itself
        // and records every attempt; the router's own retries would hide them.
        // No cooldowns either: a fault test's injected 500 must not bench the
        // deployment for the trials running beside it.
        "router_settings": {"num_retries": 0, "disable_cooldowns": true},
        "litellm_settings": {"request_timeout": 120, "num_retries": 0},
    })
}

/// The display name every deployment of `canonical` carries
/// (`model_info.display_name`), which LiteLLM's `GET /v1/models` lists in
/// the Anthropic shape (1.108.7 `llms/anthropic/common_utils.py`: the
/// deployment's `display_name`, else the id). Named after no provider's own
/// label, so the model_discovery row knows a name the CLI shows could only
/// have come from the gateway's listing.
pub fn gateway_display_name(canonical: &str) -> String {
    format!("{canonical} (listed by the compat gateway)")
}

/// The name of the search tool the Bedrock columns' gateways configure.
pub const SEARCH_TOOL_NAME: &str = "tavily-search";

/// LiteLLM's web search interception, as a customer of a Bedrock route
/// configures it: the route's provider does not run Anthropic's web search
/// server tool, which Claude Code's WebSearch forces (the Bedrock
/// InvokeModel route refuses it: LiteLLM 1.108.7
/// `_reject_unsupported_web_search_tools`, "enable LiteLLM's web search
/// interception"), so the gateway runs the search itself. LiteLLM 1.108.7:
/// `litellm_settings.callbacks: ["websearch_interception"]` and
/// `websearch_interception_params` (`enabled_providers`, matched against
/// the route's provider, `bedrock` for Invoke and Converse, `bedrock_mantle`
/// for Mantle; `search_tool_name`, an entry of the top-level `search_tools`)
/// (litellm/integrations/websearch_interception/ARCHITECTURE.md,
/// handler.py `from_config_yaml`; https://docs.litellm.ai/docs/integrations/websearch_interception).
/// The search provider is Tavily (`search_provider: tavily`, its key; the
/// search tool's `litellm_params` go to `litellm.asearch`, `api_base`
/// included). Returns the `search_tools` entry, `None` for the other
/// columns, whose providers run the server tool themselves.
fn web_search_interception(provider: Provider, upstream: &Upstream<'_>) -> Option<Value> {
    if !matches!(
        provider,
        Provider::BedrockInvoke | Provider::BedrockConverse | Provider::BedrockMantle
    ) {
        return None;
    }
    let params = match upstream {
        // Tavily's API as the Bedrock simulators serve it (compat-sim's
        // `tavily`: under `/tavily` on the simulator's port).
        Upstream::Sim {
            base_url, creds, ..
        } => json!({
            "search_provider": "tavily",
            "api_key": creds.tavily_api_key,
            "api_base": format!("{base_url}/tavily"),
        }),
        Upstream::Live => json!({
            "search_provider": "tavily",
            "api_key": "os.environ/TAVILY_API_KEY",
        }),
    };
    Some(json!({"search_tool_name": SEARCH_TOOL_NAME, "litellm_params": params}))
}

#[cfg(test)]
mod tests;
