//! The token-counting endpoints (compat-sim/src/providers/count_tokens.rs): each
//! answers a count in its provider's shape, records it as usage, and refuses
//! what its provider refuses (a `max_tokens` in a count body, an inference
//! profile on Bedrock CountTokens).

use base64::Engine as _;
use compat_sim::{Api, Simulators, creds};
use serde_json::{Value, json};

use crate::common::*;

fn count_body() -> Value {
    json!({"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "a".repeat(4000)}]})
}

#[test]
fn anthropic_counts_and_refuses_a_messages_body() {
    let sims = Simulators::start(&[Api::Anthropic, Api::Azure]).unwrap();
    let r = send(
        &sims,
        Api::Anthropic,
        "/v1/messages/count_tokens",
        API_HEADERS,
        &count_body(),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let n = r.body["input_tokens"].as_u64().expect("input_tokens");
    assert!((1000..1100).contains(&n), "{n}");
    let recorded = sims.requests().pop().unwrap();
    assert_eq!(recorded.usage.unwrap()["input_tokens"], n);

    let mut b = count_body();
    b["max_tokens"] = json!(10);
    let r = send(
        &sims,
        Api::Anthropic,
        "/v1/messages/count_tokens",
        API_HEADERS,
        &b,
    );
    assert_anthropic_error(&r, 400, "invalid_request_error", "max_tokens: Extra inputs");

    let foundry = [
        ("api-key", creds::AZURE_API_KEY),
        ("anthropic-version", "2023-06-01"),
    ];
    let r = send(
        &sims,
        Api::Azure,
        "/anthropic/v1/messages/count_tokens",
        &foundry,
        &count_body(),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["input_tokens"], n);
}

#[test]
fn vertex_counts_with_the_model_in_the_body() {
    let sims = Simulators::start(&[Api::VertexAi]).unwrap();
    let path = format!(
        "/v1/projects/{}/locations/{}/publishers/anthropic/models/count-tokens:rawPredict",
        creds::VERTEX_PROJECT,
        creds::VERTEX_LOCATION
    );
    let bearer = format!("Bearer {}", creds::VERTEX_ACCESS_TOKEN);
    let r = send(
        &sims,
        Api::VertexAi,
        &path,
        &[("authorization", bearer.as_str())],
        &count_body(),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.body["input_tokens"].as_u64().unwrap() > 1000,
        "{}",
        r.text
    );
}

#[test]
fn bedrock_counts_invoke_and_converse_input_for_foundation_models_only() {
    let sims = Simulators::start(&[Api::BedrockInvoke, Api::BedrockConverse]).unwrap();
    let path = "/model/anthropic.claude-haiku-4-5-20251001-v1%3A0/count-tokens";
    let encoded = base64::engine::general_purpose::STANDARD.encode(invoke_body().to_string());
    let invoke = json!({"input": {"invokeModel": {"body": encoded}}});
    let r = post(&sims, Api::BedrockInvoke, path, &invoke, |_, _| {});
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status, 200, "{body}");
    assert!(body["inputTokens"].as_u64().unwrap() > 0, "{body}");
    // Recorded decoded, so the record shows what was counted.
    let recorded = sims.requests().pop().unwrap();
    assert!(recorded.body["input"]["invokeModel"]["body"]["messages"].is_array());

    let converse = json!({"input": {"converse": {"messages": converse_body()["messages"]}}});
    let r = post(&sims, Api::BedrockConverse, path, &converse, |_, _| {});
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));

    let profile = "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/count-tokens";
    assert_rejected(
        &post(&sims, Api::BedrockInvoke, profile, &invoke, |_, _| {}),
        400,
        "ValidationException",
        "doesn't support counting tokens",
    );
    assert_rejected(
        &post(
            &sims,
            Api::BedrockInvoke,
            path,
            &json!({"input": {}}),
            |_, _| {},
        ),
        400,
        "ValidationException",
        "exactly one of invokeModel or converse",
    );
}
