//! The GPT columns' routes (issue 29): how LiteLLM reaches OpenAI
//! (`openai/<model>`, Anthropic -> Responses API) and Azure OpenAI
//! (`azure/<model>`, Anthropic -> Chat Completions, bridged to Responses
//! for GPT-5.4+ with tools), in sim, live and rehearsal mode
//! (docs/research/openai-columns-2026-12-06.md §0-§2, §6.3).
//!
//! A column is one of these by its simulator (manifest `simulator: openai`
//! or `azure_openai`), not by a `Provider` variant, so the routing table
//! serves the columns as soon as the manifest names them.

use serde_json::{Map, Value, json};

use compat_matrix::provider::Provider;

use super::Upstream;

/// The Azure OpenAI API version every azure_openai deployment names: a
/// dated version takes LiteLLM 1.108.7 to the deployments route
/// (`/openai/deployments/{d}/chat/completions?api-version=…`) and, bridged,
/// `/openai/responses?api-version=…` (captured, research §1.2).
pub const AZURE_OPENAI_API_VERSION: &str = "2025-04-01-preview";

/// The small fast model of the GPT columns (the CLI's background and side
/// requests: titles, the web fetch summariser): GPT-5.6 Luna, the family's
/// fast tier, as Haiku is on the Claude columns; never a Claude id, which
/// these gateways do not serve.
pub const SMALL_FAST_MODEL: &str = "gpt-5.6-luna";

/// OpenAI's API host, LiteLLM's default api_base `https://api.openai.com/v1`
/// for `openai/` (llms/openai/common_utils.py, the openai SDK's default).
pub const OPENAI_HOST: &str = "api.openai.com";

/// The two GPT routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GptRoute {
    /// `openai/<model>`: OpenAI's API at its default host.
    OpenAi,
    /// `azure/<model>`: an Azure OpenAI resource, deployment = model id.
    AzureOpenAi,
}

impl GptRoute {
    /// The GPT route of a column, by the simulator the manifest gives it
    /// (`openai`, `azure_openai`); None for every Claude column.
    pub fn of(p: Provider) -> Option<GptRoute> {
        GptRoute::by_simulator(p.simulator_id())
    }

    /// The GPT route a simulator id stands for.
    pub fn by_simulator(simulator_id: &str) -> Option<GptRoute> {
        match simulator_id {
            "openai" => Some(GptRoute::OpenAi),
            "azure_openai" => Some(GptRoute::AzureOpenAi),
            _ => None,
        }
    }

    /// The provider's own id for a model: OpenAI names GPT-5.6 Luna
    /// `gpt-5.6-luna`; an Azure deployment is named after its model
    /// (Microsoft's default, and LiteLLM detects the model's capabilities
    /// from the deployment name: research §2).
    pub fn upstream_model_id(self, canonical: &str) -> String {
        canonical.to_owned()
    }

    /// LiteLLM's `model:` value. `openai/` sends `/v1/messages` to the
    /// Responses API directly; `azure/` through Chat Completions
    /// (llms/anthropic/pass_through/messages/handler.py
    /// `_RESPONSES_API_PROVIDERS`, research §1.1).
    pub fn litellm_model(self, canonical: &str) -> String {
        let id = self.upstream_model_id(canonical);
        match self {
            GptRoute::OpenAi => format!("openai/{id}"),
            GptRoute::AzureOpenAi => format!("azure/{id}"),
        }
    }

    /// `litellm_params` for one deployment.
    /// - openai, sim and live alike: no api_base, so LiteLLM keeps its
    ///   default `https://api.openai.com/v1`; sim mode reaches the
    ///   simulator through the `openai` TLS front ([`super::tls_front_env`],
    ///   compat-sim `host_front`), because LiteLLM decides by that host
    ///   whether `cache_control` becomes `prompt_cache_breakpoint` (research
    ///   §0.2). The key by environment reference, `OPENAI_API_KEY`: live
    ///   mode's variable, which sim mode's proxy environment sets to the
    ///   simulator's fake key ([`GptRoute::proxy_env`]).
    /// - azure_openai: `api_base` (sim: the simulator's 127.0.0.1 URL, which
    ///   is faithful: LiteLLM's host checks treat `azure` as
    ///   constraint-enforcing whatever the host, responses/bridge_check.py;
    ///   live: `AZURE_OPENAI_API_BASE`), `api_key` (sim: the fake key in the
    ///   config, as the Foundry column's, so the column needs no proxy
    ///   environment of its own; live: `AZURE_OPENAI_API_KEY`),
    ///   `api_version` [`AZURE_OPENAI_API_VERSION`].
    pub fn litellm_params(self, canonical: &str, upstream: &Upstream<'_>) -> Value {
        let mut o = Map::new();
        o.insert("model".into(), json!(self.litellm_model(canonical)));
        match (self, upstream) {
            (GptRoute::OpenAi, _) => {
                o.insert("api_key".into(), json!("os.environ/OPENAI_API_KEY"));
            }
            (
                GptRoute::AzureOpenAi,
                Upstream::Sim {
                    base_url, creds, ..
                },
            ) => {
                o.insert("api_base".into(), json!(base_url));
                o.insert("api_key".into(), json!(creds.azure_openai_api_key));
                o.insert("api_version".into(), json!(AZURE_OPENAI_API_VERSION));
            }
            (GptRoute::AzureOpenAi, Upstream::Live) => {
                o.insert("api_base".into(), json!("os.environ/AZURE_OPENAI_API_BASE"));
                o.insert("api_key".into(), json!("os.environ/AZURE_OPENAI_API_KEY"));
                o.insert("api_version".into(), json!(AZURE_OPENAI_API_VERSION));
            }
        }
        Value::Object(o)
    }

    /// The proxy's own environment: sim mode's openai proxy gets the
    /// simulator's fake key as `OPENAI_API_KEY` (the variable its config
    /// references; set after [`super::REDIRECTING_ENV`]'s removal, so an
    /// operator's real key never reaches the simulator). Its TLS front's
    /// variables are the harness's to add (it starts the front). Live mode
    /// inherits the live variables.
    pub fn proxy_env(self, upstream: &Upstream<'_>) -> Vec<(String, String)> {
        match (self, upstream) {
            (GptRoute::OpenAi, Upstream::Sim { creds, .. }) => {
                vec![("OPENAI_API_KEY".to_owned(), creds.openai_api_key.to_owned())]
            }
            _ => Vec::new(),
        }
    }

    /// The live variables (checked before a live proxy starts). The names
    /// the gateway maintainers' own matrix uses (research §6.3).
    pub fn live_env(self) -> &'static [&'static str] {
        match self {
            GptRoute::OpenAi => &["OPENAI_API_KEY"],
            GptRoute::AzureOpenAi => &["AZURE_OPENAI_API_BASE", "AZURE_OPENAI_API_KEY"],
        }
    }

    /// The variable that names the column's Azure endpoint, whose host
    /// [`super::live_hosts`] takes.
    pub fn azure_base_var(self) -> Option<&'static str> {
        match self {
            GptRoute::OpenAi => None,
            GptRoute::AzureOpenAi => Some("AZURE_OPENAI_API_BASE"),
        }
    }

    /// The real hosts a live proxy talks to: `api.openai.com` (the default
    /// api_base; count_tokens' `/v1/responses/input_tokens` too:
    /// llms/openai/responses/count_tokens/, `get_openai_count_tokens_endpoint`),
    /// or the Azure resource's host from `azure_base`
    /// (`https://<resource>.openai.azure.com`; None leaves it out).
    pub fn live_hosts(self, azure_base: Option<&str>) -> Vec<String> {
        match self {
            GptRoute::OpenAi => vec![OPENAI_HOST.to_owned()],
            GptRoute::AzureOpenAi => azure_base
                .and_then(|b| reqwest::Url::parse(b).ok())
                .and_then(|u| u.host_str().map(str::to_owned))
                .into_iter()
                .collect(),
        }
    }

    /// The CLI's environment beyond the driver's: the small fast model
    /// (`ANTHROPIC_SMALL_FAST_MODEL`, and `ANTHROPIC_DEFAULT_HAIKU_MODEL`,
    /// the alias the CLI resolves its background model by) is
    /// [`SMALL_FAST_MODEL`], which every GPT column serves. The CLI's model
    /// is the GPT id as served, an unknown model to it (research §0.3);
    /// the driver already sets `CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP=1`.
    pub fn cli_env(self) -> Vec<(String, String)> {
        [
            "ANTHROPIC_SMALL_FAST_MODEL",
            "ANTHROPIC_DEFAULT_HAIKU_MODEL",
        ]
        .into_iter()
        .map(|k| (k.to_owned(), SMALL_FAST_MODEL.to_owned()))
        .collect()
    }

    /// The whole proxy config: every model under its own id, as
    /// [`super::proxy_config`] builds it for a Claude column.
    pub fn proxy_config(self, models: &[&str], upstream: &Upstream<'_>) -> Value {
        let model_list: Vec<Value> = models
            .iter()
            .map(|m| {
                json!({
                    "model_name": m,
                    "litellm_params": self.litellm_params(m, upstream),
                    "model_info": {"display_name": super::gateway_display_name(m)},
                })
            })
            .collect();
        super::base_config(model_list)
    }
}
