//! Each provider simulator behind the real LiteLLM proxy: a Messages request,
//! streaming and non-streaming, sent to the proxy reaches the simulator in the
//! provider's own dialect and comes back as a valid Anthropic response; the
//! GPT routes (OpenAI through its TLS front, Azure OpenAI) one path each.
//!
//! Needs LiteLLM (provisioned on first use into the tool cache).

use std::time::Duration;

use compat_core::gateway::routing::openai::{AZURE_OPENAI_API_VERSION, GptRoute};
use compat_core::gateway::routing::{self, Upstream};
use compat_core::gateway::{Gateway, ProxySpec};
use compat_harness::column::{CREDENTIALS, api, write_fake_service_account};
use compat_matrix::provider::Provider;
use compat_sim::{Api, HostFront, RecordedRequest, Simulators, creds};
use serde_json::{Value, json};

const MODEL: &str = "claude-sonnet-4-6";

fn start(providers: &[Provider]) -> (Simulators, Vec<(Provider, Gateway)>, tempfile::TempDir) {
    let litellm = compat_core::tools::litellm().expect("LiteLLM provisioned");
    let apis: Vec<Api> = providers.iter().map(|&p| api(p)).collect();
    let sims = Simulators::start(&apis).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Two proxies start at a time, as the harness starts them: LiteLLM's
    // start-up is CPU-bound (imports), and eight at once on two cores, beside
    // anything else the machine runs, outlasted the readiness deadline.
    let mut gateways = Vec::new();
    for chunk in providers.chunks(2) {
        gateways.extend(std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|&p| {
                    let base = sims.base_url(api(p)).unwrap();
                    let litellm = &litellm;
                    let dir = dir.path();
                    s.spawn(move || {
                        let sa_path = (p.route_of() == Provider::VertexAi)
                            .then(|| write_fake_service_account(dir, &base).unwrap());
                        let upstream = Upstream::Sim {
                            base_url: &base,
                            vertex_credentials: sa_path.as_deref(),
                            creds: CREDENTIALS,
                        };
                        let gw = Gateway::start(ProxySpec {
                            litellm_bin: &litellm.bin,
                            config: routing::proxy_config(p, &[MODEL], &upstream),
                            work_dir: dir,
                            label: p.id(),
                            ready_timeout: Duration::from_secs(300),
                            env: routing::proxy_env(p, &upstream),
                        })
                        .unwrap_or_else(|e| panic!("{e}"));
                        (p, gw)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<_>>()
        }));
    }
    (sims, gateways, dir)
}

fn post(gw: &Gateway, body: Value) -> (u16, String) {
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v1/messages", gw.base_url))
        .bearer_auth(gw.master_key.expose())
        .header("anthropic-version", "2023-06-01")
        .json(&body)
        .timeout(Duration::from_secs(60))
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

#[test]
fn every_provider_round_trips_through_the_real_proxy() {
    let providers: Vec<Provider> = std::env::var("COMPAT_SIM_PROVIDERS")
        .map(|v| v.split(',').filter_map(Provider::from_id).collect())
        .unwrap_or_else(|_| Provider::ALL.to_vec())
        .into_iter()
        // Pass-through columns are reached by the CLI's native routes, not
        // `/v1/messages`; compat-tests covers them end to end.
        .filter(|p| p.passthrough_of().is_none())
        // The request names a Claude model: the GPT columns, which do not
        // serve it, have their own test below (`gpt_routes_…`).
        .filter(|p| p.models().contains(&MODEL))
        .collect();
    let (sims, gateways, _dir) = start(&providers);
    for (p, gw) in &gateways {
        for stream in [false, true] {
            let nonce = format!("{}-{stream}", p.id());
            let body = json!({
                "model": MODEL, "max_tokens": 256, "stream": stream,
                "messages": [{"role": "user", "content": format!("Reply with exactly `OK-{nonce}`.")}],
            });
            let (status, text) = post(gw, body);
            let reqs = sims.requests_containing(&nonce);
            let seen: Vec<String> = reqs.iter().map(|r| r.describe()).collect();
            assert_eq!(
                status,
                200,
                "{p:?} stream={stream}: {text}\nsimulator saw: {seen:#?}\nproxy log:\n{}",
                gw.log_tail(30)
            );
            assert!(
                text.contains(&format!("OK-{nonce}")) || text.contains("OK-"),
                "{p:?} stream={stream}: {text}"
            );
            let r = reqs
                .iter()
                .find(|r| r.provider == api(*p).id())
                .unwrap_or_else(|| panic!("{p:?}: no request recorded: {seen:#?}"));
            assert_eq!(
                r.stream,
                stream,
                "{p:?}: the upstream request's streaming mode: {}",
                r.describe()
            );
            if stream {
                assert!(
                    text.contains("event: message_stop"),
                    "{p:?}: no message_stop in the proxy's SSE: {text}"
                );
                // The simulator recorded every event it sent, to the last.
                assert!(
                    r.stream_completed && r.stream_events.len() > 2,
                    "{p:?}: stream events not recorded: {:?}",
                    r.stream_events
                );
            }
        }
    }
}

/// LiteLLM 1.108.7's SigV4 form of `bedrock_mantle/` (AWS keys, no API key)
/// signs for service `bedrock`, where Mantle takes `bedrock-mantle` (the
/// official clients sign so; BerriAI/litellm#31475): the Mantle simulator
/// refuses it as AWS would. This is why the `bedrock_mantle` column runs the
/// API-key form, and what README's column notes quote. When LiteLLM fixes
/// it, this test fails: switch the column (or add a SigV4 one) then.
#[test]
fn litellm_signs_mantle_for_the_wrong_service() {
    let litellm = compat_core::tools::litellm().expect("LiteLLM provisioned");
    let sims = Simulators::start(&[Api::BedrockMantle]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = sims.base_url(Api::BedrockMantle).unwrap();
    let config = json!({
        "model_list": [{"model_name": MODEL, "litellm_params": {
            "model": routing::litellm_model(Provider::BedrockMantle, MODEL),
            "api_base": base,
            "aws_access_key_id": creds::AWS_ACCESS_KEY_ID,
            "aws_secret_access_key": creds::AWS_SECRET_ACCESS_KEY,
            "aws_region_name": creds::AWS_REGION,
        }}],
        "router_settings": {"num_retries": 0},
        "litellm_settings": {"num_retries": 0},
    });
    let gw = Gateway::start(ProxySpec {
        litellm_bin: &litellm.bin,
        config,
        work_dir: dir.path(),
        label: "bedrock_mantle_sigv4",
        ready_timeout: Duration::from_secs(300),
        env: vec![],
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let nonce = "mantle-sigv4";
    let (status, text) = post(
        &gw,
        json!({"model": MODEL, "max_tokens": 64,
               "messages": [{"role": "user", "content": format!("Reply with exactly `OK-{nonce}`.")}]}),
    );
    let reqs = sims.requests_containing(nonce);
    let r = reqs
        .first()
        .unwrap_or_else(|| panic!("no request reached the Mantle simulator: {text}"));
    assert_eq!(r.status, 403, "{}", r.describe());
    let why = r.rejection.clone().unwrap_or_default();
    assert!(
        why.contains("/bedrock/aws4_request") && why.contains("bedrock-mantle service"),
        "{why}"
    );
    assert_ne!(status, 200, "{text}");
}

/// LiteLLM's `/anthropic` pass-through (the `anthropic_passthrough`
/// column), as routing configures it: the request reaches the Anthropic
/// simulator (`ANTHROPIC_API_BASE`) with the pass-through deployment's key
/// as `x-api-key` and without the caller's gateway key; the body goes as
/// sent, model unmapped, but for `metadata`, which LiteLLM 1.108.7 drops
/// (pass_through_endpoints.py pops `all_litellm_params`; fails once LiteLLM
/// forwards it: update docs/columns/anthropic_passthrough.md then); and
/// `GET /anthropic/v1/models` is the simulator's Models API.
#[test]
fn anthropic_passthrough_forwards_with_the_deployment_key() {
    let (sims, gateways, _dir) = start(&[Provider::AnthropicPassthrough]);
    let gw = &gateways[0].1;
    let nonce = "apt-pass-through";
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/anthropic/v1/messages", gw.base_url))
        .bearer_auth(gw.master_key.expose())
        .header("anthropic-version", "2023-06-01")
        .json(&json!({
            "model": MODEL, "max_tokens": 256,
            "metadata": {"user_id": "compat-user"},
            "messages": [{"role": "user", "content": format!("Reply with exactly `OK-{nonce}`.")}],
        }))
        .timeout(Duration::from_secs(60))
        .send()
        .unwrap();
    let (status, text) = (r.status().as_u16(), r.text().unwrap());
    assert_eq!(status, 200, "{text}\nproxy log:\n{}", gw.log_tail(30));
    let reqs = sims.requests_containing(nonce);
    let up = reqs
        .last()
        .unwrap_or_else(|| panic!("no upstream request: {text}"));
    assert_eq!(
        (up.provider, up.path.as_str()),
        ("anthropic", "/v1/messages")
    );
    assert_eq!(up.body["model"], MODEL, "the route does not map the model");
    assert!(
        up.headers.contains_key("x-api-key") && !up.headers.contains_key("authorization"),
        "the upstream must get the deployment's key only, not the gateway key: {:?}",
        up.headers
    );
    assert!(
        up.body.get("metadata").is_none(),
        "LiteLLM now forwards `metadata`: {}",
        up.body
    );
    let r = reqwest::blocking::Client::new()
        .get(format!("{}/anthropic/v1/models?limit=1000", gw.base_url))
        .bearer_auth(gw.master_key.expose())
        .header("anthropic-version", "2023-06-01")
        .timeout(Duration::from_secs(60))
        .send()
        .unwrap();
    let (status, text) = (r.status().as_u16(), r.text().unwrap());
    assert_eq!(status, 200, "{text}");
    let list: Value = serde_json::from_str(&text).unwrap();
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{text}"))
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(ids.contains(&MODEL), "{ids:?}");
}

/// The GPT columns' model as these tests ask for it.
const GPT_MODEL: &str = "gpt-5.6-luna";

/// One GPT route's proxy, started as the harness starts the column's.
fn start_gpt(
    litellm: &compat_core::tools::LitellmTool,
    route: GptRoute,
    base: &str,
    extra_env: Vec<(String, String)>,
    dir: &std::path::Path,
) -> Gateway {
    let upstream = Upstream::Sim {
        base_url: base,
        vertex_credentials: None,
        creds: CREDENTIALS,
    };
    let mut env = route.proxy_env(&upstream);
    env.extend(extra_env);
    Gateway::start(ProxySpec {
        litellm_bin: &litellm.bin,
        config: route.proxy_config(&[GPT_MODEL], &upstream),
        work_dir: dir,
        label: match route {
            GptRoute::OpenAi => "openai",
            GptRoute::AzureOpenAi => "azure_openai",
        },
        ready_timeout: Duration::from_secs(300),
        env,
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The one request of `sims` whose body carries `nonce` and that `api`
/// answered, with what the test saw if there is none.
fn upstream_of(sims: &Simulators, api: Api, nonce: &str, text: &str) -> RecordedRequest {
    let reqs = sims.requests_containing(nonce);
    let seen: Vec<String> = reqs.iter().map(|r| r.describe()).collect();
    reqs.into_iter()
        .rfind(|r| r.provider == api.id())
        .unwrap_or_else(|| {
            panic!(
                "{}: no request recorded: {seen:#?}\nproxy answered: {text}",
                api.id()
            )
        })
}

/// The GPT columns through the real LiteLLM proxy, one request per path
/// (docs/research/openai-columns-2026-12-06.md §1.2):
/// - openai: `/v1/messages` -> LiteLLM's Responses adapter -> the `openai`
///   TLS front -> the OpenAI simulator's `/v1/responses`, as
///   `https://api.openai.com/v1` (LiteLLM's default api_base), Bearer auth,
///   and the request's `cache_control` translated into
///   `prompt_cache_breakpoint`, which LiteLLM does only on that host. That
///   LiteLLM's client trusted the front's CA through `SSL_CERT_FILE` alone
///   (routing::tls_front_env) is shown by the request arriving at all.
/// - azure_openai with a tool (and the CLI's adaptive thinking and effort):
///   Chat Completions bridged to `/openai/responses?api-version=…`.
/// - azure_openai without tools: `/openai/deployments/{model}/chat/completions`.
#[test]
fn gpt_routes_reach_their_simulators_through_the_real_proxy() {
    let litellm = compat_core::tools::litellm().expect("LiteLLM provisioned");
    let sims = Simulators::start(&[Api::OpenAi, Api::AzureOpenAi]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let openai_addr = sims.addr(Api::OpenAi).unwrap();
    let front = HostFront::start("openai", openai_addr).unwrap();
    let ca = dir.path().join("openai-front-ca.pem");
    std::fs::write(&ca, front.ca_pem()).unwrap();
    let (openai, azure) = std::thread::scope(|s| {
        let openai = s.spawn(|| {
            start_gpt(
                &litellm,
                GptRoute::OpenAi,
                &sims.base_url(Api::OpenAi).unwrap(),
                routing::tls_front_env(&front.proxy_url(), &ca.display().to_string()),
                dir.path(),
            )
        });
        let azure = s.spawn(|| {
            start_gpt(
                &litellm,
                GptRoute::AzureOpenAi,
                &sims.base_url(Api::AzureOpenAi).unwrap(),
                Vec::new(),
                dir.path(),
            )
        });
        (openai.join().unwrap(), azure.join().unwrap())
    });

    // openai: streamed, with the CLI's cache markers on the system prompt
    // and the last user block.
    let nonce = "gpt-openai-responses";
    let (status, text) = post(
        &openai,
        json!({
            "model": GPT_MODEL, "max_tokens": 256, "stream": true,
            "system": [{"type": "text", "text": "You are a terse assistant.",
                        "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": [{"type": "text",
                "text": format!("Reply with exactly `OK-{nonce}`."),
                "cache_control": {"type": "ephemeral"}}]}],
        }),
    );
    assert_eq!(status, 200, "{text}\nproxy log:\n{}", openai.log_tail(30));
    assert!(text.contains("event: message_stop"), "{text}");
    let up = upstream_of(&sims, Api::OpenAi, nonce, &text);
    assert_eq!(up.status, 200, "{}", up.describe());
    assert_eq!(up.path, "/v1/responses", "{}", up.describe());
    assert_eq!(
        up.headers.get("host").map(String::as_str),
        Some("api.openai.com")
    );
    assert_eq!(
        up.headers.get("authorization").map(String::as_str),
        Some("Bearer <redacted>"),
        "{:?}",
        up.headers
    );
    assert!(up.stream, "{}", up.describe());
    assert!(
        up.body.to_string().contains("\"prompt_cache_breakpoint\""),
        "LiteLLM sent no prompt_cache_breakpoint for the request's cache_control \
         (is the request still reaching api.openai.com?): {}",
        up.body
    );
    let tunnels = front.tunnels();
    assert!(
        tunnels.iter().all(|t| t.opened)
            && tunnels.iter().any(|t| t.target == "api.openai.com:443"),
        "{tunnels:?}"
    );

    // azure_openai with a tool: bridged to the Responses API.
    let nonce = "gpt-azure-bridged";
    let (status, text) = post(
        &azure,
        json!({
            "model": GPT_MODEL, "max_tokens": 1024,
            "thinking": {"type": "adaptive"},
            "output_config": {"effort": "high"},
            "tools": [{"name": "get_time", "description": "The current time.",
                       "input_schema": {"type": "object", "properties": {}}}],
            "messages": [{"role": "user", "content": format!("Reply with exactly `OK-{nonce}`.")}],
        }),
    );
    assert_eq!(status, 200, "{text}\nproxy log:\n{}", azure.log_tail(30));
    let up = upstream_of(&sims, Api::AzureOpenAi, nonce, &text);
    assert_eq!(up.status, 200, "{}", up.describe());
    assert_eq!(
        up.path,
        format!("/openai/responses?api-version={}", AZURE_OPENAI_API_VERSION),
        "{}",
        up.describe()
    );
    assert!(up.headers.contains_key("api-key"), "{:?}", up.headers);

    // azure_openai without tools: Chat Completions on the deployment.
    let nonce = "gpt-azure-chat";
    let (status, text) = post(
        &azure,
        json!({
            "model": GPT_MODEL, "max_tokens": 256,
            "messages": [{"role": "user", "content": format!("Reply with exactly `OK-{nonce}`.")}],
        }),
    );
    assert_eq!(status, 200, "{text}\nproxy log:\n{}", azure.log_tail(30));
    assert!(text.contains(&format!("OK-{nonce}")), "{text}");
    let up = upstream_of(&sims, Api::AzureOpenAi, nonce, &text);
    assert_eq!(up.status, 200, "{}", up.describe());
    assert_eq!(
        up.path,
        format!(
            "/openai/deployments/{GPT_MODEL}/chat/completions?api-version={}",
            AZURE_OPENAI_API_VERSION
        ),
        "{}",
        up.describe()
    );
}

/// Why the openai column goes through the front (research §0.2, captured
/// there): the same deployment with the simulator's own address as
/// api_base loses the request's `cache_control` on the way (LiteLLM 1.108.7
/// translates it into `prompt_cache_breakpoint` only for api.openai.com).
/// When LiteLLM stops deciding by host, this fails: the front may then go.
#[test]
fn openai_at_a_local_api_base_loses_the_cache_breakpoints() {
    let litellm = compat_core::tools::litellm().expect("LiteLLM provisioned");
    let sims = Simulators::start(&[Api::OpenAi]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = sims.base_url(Api::OpenAi).unwrap();
    let upstream = Upstream::Sim {
        base_url: &base,
        vertex_credentials: None,
        creds: CREDENTIALS,
    };
    let mut config = GptRoute::OpenAi.proxy_config(&[GPT_MODEL], &upstream);
    config["model_list"][0]["litellm_params"]["api_base"] = json!(format!("{base}/v1"));
    let gw = Gateway::start(ProxySpec {
        litellm_bin: &litellm.bin,
        config,
        work_dir: dir.path(),
        label: "openai_local_api_base",
        ready_timeout: Duration::from_secs(300),
        env: GptRoute::OpenAi.proxy_env(&upstream),
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let nonce = "gpt-openai-local-base";
    let (status, text) = post(
        &gw,
        json!({
            "model": GPT_MODEL, "max_tokens": 256,
            "system": [{"type": "text", "text": "You are a terse assistant.",
                        "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": [{"type": "text",
                "text": format!("Reply with exactly `OK-{nonce}`."),
                "cache_control": {"type": "ephemeral"}}]}],
        }),
    );
    assert_eq!(status, 200, "{text}\nproxy log:\n{}", gw.log_tail(30));
    let up = upstream_of(&sims, Api::OpenAi, nonce, &text);
    assert_eq!(up.path, "/v1/responses", "{}", up.describe());
    assert_ne!(
        up.headers.get("host").map(String::as_str),
        Some("api.openai.com")
    );
    assert!(
        !up.body.to_string().contains("prompt_cache_breakpoint"),
        "LiteLLM now sends prompt_cache_breakpoint to any host: {}",
        up.body
    );
}

/// The text of an Anthropic SSE answer: its `text_delta`s joined.
fn streamed_text(sse: &str) -> String {
    sse.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter(|e| e["delta"]["type"] == "text_delta")
        .filter_map(|e| e["delta"]["text"].as_str().map(str::to_owned))
        .collect()
}

/// The Chat Completions simulator behind the real LiteLLM proxy, on the one
/// path the gateway takes to it with the pinned version: `azure/…` with a
/// tool-less request (no function tool, no reasoning effort, so LiteLLM's
/// Responses bridge stays off; docs/research/openai-columns-2026-12-06.md
/// §0.1, §1.1). A Messages request sent to the proxy reaches
/// `/openai/deployments/{d}/chat/completions` and comes back as a valid
/// Anthropic answer, streaming and not.
#[test]
fn litellm_reaches_azure_chat_completions_and_reads_its_answer() {
    let litellm = compat_core::tools::litellm().expect("LiteLLM provisioned");
    let sims = Simulators::start(&[Api::AzureOpenAi]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gw = start_gpt(
        &litellm,
        GptRoute::AzureOpenAi,
        &sims.base_url(Api::AzureOpenAi).unwrap(),
        Vec::new(),
        dir.path(),
    );
    for stream in [false, true] {
        let nonce = format!("chat-proxy-{stream}");
        let (status, text) = post(
            &gw,
            json!({"model": GPT_MODEL, "max_tokens": 64, "stream": stream,
                   "messages": [{"role": "user", "content": format!("Reply with exactly `OK-{nonce}`.")}]}),
        );
        let reqs = sims.requests_containing(&nonce);
        let r = reqs
            .first()
            .unwrap_or_else(|| panic!("no request reached the Azure OpenAI simulator: {text}"));
        assert_eq!(
            r.path,
            format!(
                "/openai/deployments/{GPT_MODEL}/chat/completions?api-version={AZURE_OPENAI_API_VERSION}"
            ),
            "{}",
            r.describe()
        );
        assert_eq!(r.status, 200, "{}", r.describe());
        assert_eq!(r.stream, stream, "{}", r.describe());
        // LiteLLM maps the Messages max_tokens to what GPT-5 takes.
        assert!(
            r.body.get("max_tokens").is_none() && r.body.get("max_completion_tokens").is_some(),
            "{}",
            r.body
        );
        assert_eq!(status, 200, "{text}");
        let answer = if stream {
            assert!(r.stream_completed, "{}", r.describe());
            assert!(text.contains("message_stop"), "{text}");
            streamed_text(&text)
        } else {
            let v: Value = serde_json::from_str(&text).unwrap();
            v["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(answer, format!("OK-{nonce}"), "{text}");
    }
}
