//! The routing table's tests: model ids, per-column configs and environments, live hosts.

use super::*;

#[test]
fn upstream_ids_match_the_providers_naming() {
    let cases = [
        (
            Provider::Anthropic,
            "claude-haiku-4-5",
            "anthropic/claude-haiku-4-5-20251001",
        ),
        (
            Provider::ClaudeCodeGateway,
            "claude-haiku-4-5",
            "anthropic/claude-haiku-4-5-20251001",
        ),
        (
            Provider::BedrockInvoke,
            "claude-haiku-4-5",
            "bedrock/invoke/us.anthropic.claude-haiku-4-5-20251001-v1:0",
        ),
        (
            Provider::BedrockConverse,
            "claude-sonnet-4-6",
            "bedrock/converse/us.anthropic.claude-sonnet-4-6",
        ),
        (
            Provider::VertexAi,
            "claude-haiku-4-5",
            "vertex_ai/claude-haiku-4-5@20251001",
        ),
        (
            Provider::VertexAi,
            "claude-opus-4-7",
            "vertex_ai/claude-opus-4-7",
        ),
        (
            Provider::Azure,
            "claude-opus-4-7",
            "azure_ai/claude-opus-4-7",
        ),
        (
            Provider::BedrockMantle,
            "claude-haiku-4-5",
            "bedrock_mantle/anthropic.claude-haiku-4-5",
        ),
        (
            Provider::ClaudePlatformAws,
            "claude-opus-4-7",
            "bedrock/claude_platform/claude-opus-4-7",
        ),
        (
            Provider::AnthropicRustPath,
            "claude-haiku-4-5",
            "anthropic/claude-haiku-4-5-20251001",
        ),
        (
            Provider::VertexAiRustPath,
            "claude-haiku-4-5",
            "vertex_ai/claude-haiku-4-5@20251001",
        ),
    ];
    for (p, m, want) in cases {
        assert_eq!(litellm_model(p, m), want);
    }
}

/// The Vertex pass-through's sim deployments are its live ones plus the
/// fake credentials: no api_base (the route ignores it; the TLS front's
/// environment takes it to the simulator), which the `/v1/messages`
/// Vertex columns keep.
#[test]
fn vertex_passthrough_reaches_the_simulator_by_proxy_not_api_base() {
    let creds = fake_creds();
    let sim = Upstream::Sim {
        base_url: "http://127.0.0.1:9",
        vertex_credentials: Some("/sa.json"),
        creds,
    };
    let pt = litellm_params(Provider::VertexPassthrough, "claude-sonnet-4-6", &sim);
    assert!(pt.get("api_base").is_none(), "{pt}");
    assert_eq!(pt["use_in_pass_through"], true);
    assert_eq!(pt["vertex_credentials"], "/sa.json");
    let direct = litellm_params(Provider::VertexAi, "claude-sonnet-4-6", &sim);
    assert_eq!(direct["api_base"], "http://127.0.0.1:9");
    let env = tls_front_env("http://127.0.0.1:7", "/ca.pem");
    for (k, v) in [
        ("HTTPS_PROXY", "http://127.0.0.1:7"),
        ("NO_PROXY", "127.0.0.1,localhost"),
        ("SSL_CERT_FILE", "/ca.pem"),
    ] {
        assert!(env.contains(&(k.to_owned(), v.to_owned())), "{k}: {env:?}");
    }
}

/// Simulator credentials whose values no test looks at.
fn fake_creds() -> SimCredentials<'static> {
    SimCredentials {
        anthropic_api_key: "a",
        azure_api_key: "a",
        bedrock_mantle_api_key: "a",
        claude_platform_aws_api_key: "a",
        claude_platform_aws_workspace_id: "wrkspc_a",
        aws_access_key_id: "a",
        aws_secret_access_key: "a",
        aws_region: "us-east-1",
        vertex_project: "p",
        vertex_location: "us-east5",
        tavily_api_key: "tvly-x",
        openai_api_key: "sk-x",
        azure_openai_api_key: "az-x",
    }
}

/// The `/anthropic` pass-through: the upstream by the proxy's
/// environment (sim: the simulator; live: nothing, Anthropic's host),
/// the credential from deployments flagged for pass-through, the CLI a
/// first-party client at the route with the canonical model id.
#[test]
fn anthropic_passthrough_upstream_by_env_credential_by_deployment() {
    let p = Provider::AnthropicPassthrough;
    assert!(!p.native_mode() && Provider::BedrockPassthrough.native_mode());
    let creds = SimCredentials {
        anthropic_api_key: "sk-ant-sim",
        ..fake_creds()
    };
    let sim = Upstream::Sim {
        base_url: "http://127.0.0.1:9",
        vertex_credentials: None,
        creds,
    };
    assert_eq!(
        proxy_env(p, &sim),
        [(
            "ANTHROPIC_API_BASE".to_owned(),
            "http://127.0.0.1:9".to_owned()
        )]
    );
    assert!(proxy_env(p, &Upstream::Live).is_empty());
    let params = litellm_params(p, "claude-haiku-4-5", &sim);
    assert_eq!(params["use_in_pass_through"], true);
    assert_eq!(params["api_key"], "sk-ant-sim");
    assert_eq!(params["model"], "anthropic/claude-haiku-4-5-20251001");
    let live = litellm_params(p, "claude-haiku-4-5", &Upstream::Live);
    assert_eq!(live["api_key"], "os.environ/ANTHROPIC_API_KEY");
    assert_eq!(cli_model(p, "claude-haiku-4-5"), "claude-haiku-4-5");
    assert_eq!(
        cli_env(p, "http://127.0.0.1:7", &Upstream::Live),
        [(
            "ANTHROPIC_BASE_URL".to_owned(),
            "http://127.0.0.1:7/anthropic".to_owned()
        )]
    );
    assert_eq!(live_env(p), ["ANTHROPIC_API_KEY"]);
}

/// The Bedrock columns' gateways run web search themselves (LiteLLM's
/// interception, Tavily); the others leave it to their provider. Live
/// mode names the Tavily key by environment only.
#[test]
fn bedrock_routes_configure_web_search_interception() {
    for p in Provider::ALL {
        let cfg = proxy_config(p, &["claude-sonnet-4-6"], &Upstream::Live);
        let on = cfg["litellm_settings"]["callbacks"] == json!(["websearch_interception"]);
        let bedrock = matches!(
            p,
            Provider::BedrockInvoke | Provider::BedrockConverse | Provider::BedrockMantle
        );
        assert_eq!(on, bedrock, "{p:?}: {cfg}");
        if bedrock {
            let tool = &cfg["search_tools"][0];
            assert_eq!(
                tool["search_tool_name"],
                cfg["litellm_settings"]["websearch_interception_params"]["search_tool_name"]
            );
            assert_eq!(tool["litellm_params"]["search_provider"], "tavily");
            assert_eq!(
                tool["litellm_params"]["api_key"],
                "os.environ/TAVILY_API_KEY"
            );
        }
    }
}

/// Plan 2.1's table: every column's real hosts.
#[test]
fn live_hosts_per_column() {
    let foundry = "https://compat-x.services.ai.azure.com";
    let table: Vec<(Provider, Option<&str>, &[&str])> = vec![
        (Provider::Anthropic, None, &["api.anthropic.com"]),
        (Provider::AnthropicRustPath, None, &["api.anthropic.com"]),
        (Provider::AnthropicPassthrough, None, &["api.anthropic.com"]),
        (Provider::ClaudeCodeGateway, None, &["api.anthropic.com"]),
        (
            Provider::BedrockInvoke,
            None,
            &[
                "bedrock-runtime.us-east-1.amazonaws.com",
                "bedrock-mantle.us-east-1.api.aws",
                "api.tavily.com",
            ],
        ),
        (
            Provider::BedrockConverse,
            None,
            &[
                "bedrock-runtime.us-east-1.amazonaws.com",
                "bedrock-mantle.us-east-1.api.aws",
                "api.tavily.com",
            ],
        ),
        (
            Provider::BedrockPassthrough,
            None,
            &[
                "bedrock-runtime.us-east-1.amazonaws.com",
                "bedrock-mantle.us-east-1.api.aws",
            ],
        ),
        (
            Provider::BedrockMantle,
            None,
            &["bedrock-mantle.us-east-1.api.aws", "api.tavily.com"],
        ),
        (
            Provider::ClaudePlatformAws,
            None,
            &["aws-external-anthropic.us-east-1.api.aws"],
        ),
        (
            Provider::VertexAi,
            None,
            &[
                "us-east5-aiplatform.googleapis.com",
                "oauth2.googleapis.com",
            ],
        ),
        (
            Provider::VertexAiRustPath,
            None,
            &[
                "us-east5-aiplatform.googleapis.com",
                "oauth2.googleapis.com",
            ],
        ),
        (
            Provider::VertexPassthrough,
            None,
            &[
                "us-east5-aiplatform.googleapis.com",
                "oauth2.googleapis.com",
            ],
        ),
        (
            Provider::Azure,
            Some(foundry),
            &["compat-x.services.ai.azure.com"],
        ),
        (
            Provider::AzurePassthrough,
            Some("https://compat-x.services.ai.azure.com/anthropic"),
            &["compat-x.services.ai.azure.com"],
        ),
        (Provider::Azure, None, &[]),
        (Provider::Openai, None, &["api.openai.com"]),
        (
            Provider::AzureOpenai,
            Some("https://compat-x.openai.azure.com"),
            &["compat-x.openai.azure.com"],
        ),
        (Provider::AzureOpenai, None, &[]),
    ];
    assert_eq!(
        table
            .iter()
            .map(|r| r.0)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        Provider::ALL.len(),
        "every column is in the table"
    );
    for (p, azure, want) in table {
        assert_eq!(
            live_hosts(p, "us-east-1", "us-east5", azure),
            want,
            "{}",
            p.id()
        );
    }
    let vertex = |l| live_hosts(Provider::VertexAi, "us-east-1", l, None)[0].clone();
    assert_eq!(vertex("global"), "aiplatform.googleapis.com");
    assert_eq!(vertex("eu"), "aiplatform.eu.rep.googleapis.com");
}

#[test]
fn live_config_holds_no_secret_only_env_references() {
    for p in Provider::ALL {
        let cfg = proxy_config(p, &["claude-sonnet-4-6"], &Upstream::Live).to_string();
        for (k, v) in
            serde_json::from_str::<Value>(&cfg).unwrap()["model_list"][0]["litellm_params"]
                .as_object()
                .unwrap()
        {
            // `api_version` is a fixed, public value (azure_openai).
            if k != "model" && k != "api_version" && !v.is_boolean() {
                assert!(
                    v.as_str().unwrap().starts_with("os.environ/"),
                    "{p:?} {k}={v}"
                );
            }
        }
    }
}

/// Claude Platform on AWS: the CLI in its AWS mode at the gateway's root,
/// its own auth skipped, a placeholder workspace (never the upstream's), and
/// no credential among its variables; the deployment carries the key and the
/// workspace by environment reference in live mode.
#[test]
fn claude_platform_aws_runs_the_cli_in_its_aws_mode() {
    let p = Provider::ClaudePlatformAws;
    assert!(native_cli_mode(p));
    assert!(!native_cli_mode(Provider::BedrockMantle));
    let env: std::collections::BTreeMap<String, String> =
        cli_env(p, "http://127.0.0.1:9", &Upstream::Live)
            .into_iter()
            .collect();
    assert_eq!(env["CLAUDE_CODE_USE_ANTHROPIC_AWS"], "1");
    assert_eq!(env["ANTHROPIC_AWS_BASE_URL"], "http://127.0.0.1:9");
    assert_eq!(env["CLAUDE_CODE_SKIP_ANTHROPIC_AWS_AUTH"], "1");
    assert_eq!(env["ANTHROPIC_AWS_WORKSPACE_ID"], CLI_AWS_WORKSPACE_ID);
    assert!(env.contains_key("AWS_REGION"));
    assert!(!env.contains_key("ANTHROPIC_AWS_API_KEY"), "{env:?}");
    assert_eq!(cli_model(p, "claude-haiku-4-5"), "claude-haiku-4-5");
    let live = litellm_params(p, "claude-opus-4-7", &Upstream::Live);
    assert_eq!(live["api_key"], "os.environ/ANTHROPIC_AWS_API_KEY");
    assert_eq!(
        live["workspace_id"],
        "os.environ/ANTHROPIC_AWS_WORKSPACE_ID"
    );
    assert_eq!(live["model"], "bedrock/claude_platform/claude-opus-4-7");
}

/// The GPT columns are known by their simulator; no Claude column is one.
#[test]
fn gpt_routes_are_named_by_the_simulator() {
    assert_eq!(GptRoute::by_simulator("openai"), Some(GptRoute::OpenAi));
    assert_eq!(
        GptRoute::by_simulator("azure_openai"),
        Some(GptRoute::AzureOpenAi)
    );
    assert_eq!(GptRoute::by_simulator("azure"), None);
    for p in Provider::ALL {
        assert_eq!(
            GptRoute::of(p).is_some(),
            matches!(p.simulator_id(), "openai" | "azure_openai"),
            "{}",
            p.id()
        );
    }
}

fn sim_at(base_url: &str) -> Upstream<'_> {
    Upstream::Sim {
        base_url,
        vertex_credentials: None,
        creds: SimCredentials {
            openai_api_key: "sk-sim-openai",
            azure_openai_api_key: "sim-azure-openai",
            ..fake_creds()
        },
    }
}

/// The whole sim and live proxy configs of the openai column: LiteLLM's
/// default api_base (none configured: the TLS front answers as
/// api.openai.com in sim mode), the key by reference to `OPENAI_API_KEY`,
/// which sim mode's proxy environment sets to the simulator's key and live
/// mode inherits; every model served under its GPT id.
#[test]
fn openai_reaches_its_default_host_with_the_key_by_reference() {
    let models = ["gpt-5.6-luna", "gpt-5.6-terra", "gpt-5.6-sol"];
    let sim = sim_at("http://127.0.0.1:9");
    for upstream in [&sim, &Upstream::Live] {
        let cfg = GptRoute::OpenAi.proxy_config(&models, upstream);
        let list = cfg["model_list"].as_array().unwrap();
        assert_eq!(list.len(), 3, "{cfg}");
        for (d, m) in list.iter().zip(models) {
            assert_eq!(d["model_name"], m);
            assert_eq!(
                d["litellm_params"],
                json!({"model": format!("openai/{m}"), "api_key": "os.environ/OPENAI_API_KEY"}),
                "{cfg}"
            );
            assert_eq!(d["model_info"]["display_name"], gateway_display_name(m));
        }
        assert_eq!(cfg["router_settings"]["num_retries"], 0);
        assert!(cfg.get("search_tools").is_none(), "{cfg}");
    }
    assert_eq!(
        GptRoute::OpenAi.proxy_env(&sim),
        [("OPENAI_API_KEY".to_owned(), "sk-sim-openai".to_owned())]
    );
    assert!(GptRoute::OpenAi.proxy_env(&Upstream::Live).is_empty());
    assert_eq!(GptRoute::OpenAi.live_env(), ["OPENAI_API_KEY"]);
    assert_eq!(GptRoute::OpenAi.live_hosts(None), ["api.openai.com"]);
    assert_eq!(GptRoute::OpenAi.azure_base_var(), None);
    // The sim key is a proxy variable, never written to the config file.
    let text = GptRoute::OpenAi.proxy_config(&models, &sim).to_string();
    assert!(!text.contains("sk-sim-openai"), "{text}");
}

/// azure_openai: the simulator's 127.0.0.1 address in sim mode (LiteLLM's
/// host checks treat `azure` alike whatever the host), the resource's
/// endpoint and key by reference in live mode, the dated API version in
/// both; no proxy environment of its own.
#[test]
fn azure_openai_names_its_endpoint_key_and_api_version() {
    let r = GptRoute::AzureOpenAi;
    let sim = sim_at("http://127.0.0.1:9");
    assert_eq!(
        r.litellm_params("gpt-5.6-luna", &sim),
        json!({
            "model": "azure/gpt-5.6-luna",
            "api_base": "http://127.0.0.1:9",
            "api_key": "sim-azure-openai",
            "api_version": "2025-04-01-preview",
        })
    );
    assert_eq!(
        r.litellm_params("gpt-5.6-sol", &Upstream::Live),
        json!({
            "model": "azure/gpt-5.6-sol",
            "api_base": "os.environ/AZURE_OPENAI_API_BASE",
            "api_key": "os.environ/AZURE_OPENAI_API_KEY",
            "api_version": "2025-04-01-preview",
        })
    );
    assert_eq!(r.upstream_model_id("gpt-5.6-terra"), "gpt-5.6-terra");
    assert!(r.proxy_env(&sim).is_empty());
    assert!(r.proxy_env(&Upstream::Live).is_empty());
    assert_eq!(
        r.live_env(),
        ["AZURE_OPENAI_API_BASE", "AZURE_OPENAI_API_KEY"]
    );
    assert_eq!(r.azure_base_var(), Some("AZURE_OPENAI_API_BASE"));
    assert_eq!(
        r.live_hosts(Some("https://compat-x.openai.azure.com")),
        ["compat-x.openai.azure.com"]
    );
    assert!(r.live_hosts(None).is_empty());
    // Every live variable is read on purpose: none is scrubbed.
    for v in r.live_env().iter().chain(GptRoute::OpenAi.live_env()) {
        assert!(!REDIRECTING_ENV.contains(v), "{v}");
    }
    // What would move the openai column off api.openai.com is scrubbed.
    for v in ["OPENAI_API_BASE", "OPENAI_BASE_URL"] {
        assert!(REDIRECTING_ENV.contains(&v), "{v}");
    }
}

/// The CLI on a GPT column: the small fast model is GPT-5.6 Luna (served
/// there), never a Claude id.
#[test]
fn gpt_columns_give_the_cli_luna_as_its_small_fast_model() {
    for r in [GptRoute::OpenAi, GptRoute::AzureOpenAi] {
        let env: std::collections::BTreeMap<String, String> = r.cli_env().into_iter().collect();
        assert_eq!(env["ANTHROPIC_SMALL_FAST_MODEL"], "gpt-5.6-luna");
        assert_eq!(env["ANTHROPIC_DEFAULT_HAIKU_MODEL"], "gpt-5.6-luna");
        assert!(env.values().all(|v| !v.contains("claude")), "{env:?}");
    }
}

/// The Azure endpoint variable per column, as live_hosts takes it.
#[test]
fn azure_base_var_per_column() {
    for p in Provider::ALL {
        let want = match p {
            Provider::Azure => Some("AZURE_AI_API_BASE"),
            Provider::AzurePassthrough => Some("AZURE_API_BASE"),
            Provider::AzureOpenai => Some("AZURE_OPENAI_API_BASE"),
            _ => None,
        };
        assert_eq!(azure_base_var(p), want, "{}", p.id());
        if let Some(v) = want {
            assert!(live_env(p).contains(&v), "{}: {v}", p.id());
        }
    }
}
