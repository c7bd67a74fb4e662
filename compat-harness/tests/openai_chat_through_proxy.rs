//! The Chat Completions simulator behind the real LiteLLM proxy, on the one
//! path the gateway takes to it with the pinned version: `azure/…` with a
//! tool-less request (no function tool, no reasoning effort, so LiteLLM's
//! Responses bridge stays off; docs/research/openai-columns-2026-12-06.md
//! §0.1, §1.1). A Messages request sent to the proxy reaches
//! `/openai/deployments/{d}/chat/completions` and comes back as a valid
//! Anthropic answer, streaming and not.
//!
//! Needs LiteLLM (provisioned on first use into the tool cache).

use std::time::Duration;

use compat_core::gateway::{Gateway, ProxySpec};
use compat_sim::{Api, Simulators, creds};
use serde_json::{Value, json};

const MODEL: &str = "gpt-5.6-luna";
const API_VERSION: &str = "2025-04-01-preview";

fn post(gw: &Gateway, body: Value) -> (u16, String) {
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v1/messages", gw.base_url))
        .bearer_auth(gw.master_key.expose())
        .header("anthropic-version", "2023-06-01")
        .json(&body)
        .timeout(Duration::from_secs(90))
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
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

#[test]
fn litellm_reaches_azure_chat_completions_and_reads_its_answer() {
    let litellm = compat_core::tools::litellm().expect("LiteLLM provisioned");
    let sims = Simulators::start(&[Api::AzureOpenAi]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "model_list": [{"model_name": MODEL, "litellm_params": {
            "model": format!("azure/{MODEL}"),
            "api_base": sims.base_url(Api::AzureOpenAi).unwrap(),
            "api_key": creds::AZURE_OPENAI_API_KEY,
            "api_version": API_VERSION,
        }}],
        "router_settings": {"num_retries": 0},
        "litellm_settings": {"num_retries": 0},
    });
    let gw = Gateway::start(ProxySpec {
        litellm_bin: &litellm.bin,
        config,
        work_dir: dir.path(),
        label: "azure_openai_chat",
        ready_timeout: Duration::from_secs(300),
        env: vec![],
    })
    .unwrap_or_else(|e| panic!("{e}"));
    for stream in [false, true] {
        let nonce = format!("chat-proxy-{stream}");
        let (status, text) = post(
            &gw,
            json!({"model": MODEL, "max_tokens": 64, "stream": stream,
                   "messages": [{"role": "user", "content": format!("Reply with exactly `OK-{nonce}`.")}]}),
        );
        let reqs = sims.requests_containing(&nonce);
        let r = reqs
            .first()
            .unwrap_or_else(|| panic!("no request reached the Azure OpenAI simulator: {text}"));
        assert_eq!(
            r.path,
            format!("/openai/deployments/{MODEL}/chat/completions?api-version={API_VERSION}"),
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
