//! The Azure AI Foundry simulator rejects what Foundry's Claude endpoint
//! rejects: Azure's shape for auth and routing, Anthropic's past them.

use compat_sim::{Api, Simulators, creds};
use serde_json::json;

use crate::common::*;

#[test]
fn azure_rejects_what_foundry_rejects() {
    let sims = Simulators::start(&[Api::Azure]).unwrap();
    let p = Api::Azure;
    let headers: &[(&str, &str)] = &[
        ("api-key", creds::AZURE_API_KEY),
        ("anthropic-version", "2023-06-01"),
    ];
    let ok = send(
        &sims,
        p,
        "/anthropic/v1/messages",
        headers,
        &messages_body(Some("claude-opus-4-7")),
    );
    assert_eq!(ok.status, 200, "{}", ok.text);

    // 1. wrong key: Azure's own error shape
    let r = send(
        &sims,
        p,
        "/anthropic/v1/messages",
        &[("api-key", "nope"), ("anthropic-version", "2023-06-01")],
        &messages_body(Some("claude-opus-4-7")),
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"]["code"], "401");
    assert_last_rule(&sims, "foundry.auth.api_key");
    // 2. the OpenAI-style Azure route is not this endpoint
    let r = send(
        &sims,
        p,
        "/openai/deployments/claude-opus-4-7/chat/completions",
        headers,
        &messages_body(Some("claude-opus-4-7")),
    );
    assert_eq!(r.status, 404);
    assert_last_rule(&sims, "foundry.route");
    // 3. no anthropic-version
    let r = send(
        &sims,
        p,
        "/anthropic/v1/messages",
        &headers[..1],
        &messages_body(Some("claude-opus-4-7")),
    );
    assert_anthropic_error(&r, 400, "invalid_request_error", "anthropic-version");
    // the rule the 22 azure_passthrough reds rest on (issue 25)
    assert_last_rule(&sims, "foundry.requires_anthropic_version");
    // 4. a deployment that is not a Claude model
    let r = send(
        &sims,
        p,
        "/anthropic/v1/messages",
        headers,
        &messages_body(Some("gpt-4o")),
    );
    assert_anthropic_error(&r, 404, "not_found_error", "gpt-4o");
    // 5. consecutive user turns are combined, as the Messages API does
    // (rule conv.alternate_roles corrected: tests/rejections/ledger_rules.rs)
    let mut b = messages_body(Some("claude-opus-4-7"));
    b["messages"] = json!([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]);
    let r = send(&sims, p, "/anthropic/v1/messages", headers, &b);
    assert_eq!(r.status, 200, "{}", r.text);
    // 6. max_tokens missing
    let mut b = messages_body(Some("claude-opus-4-7"));
    b.as_object_mut().unwrap().remove("max_tokens");
    let r = send(&sims, p, "/anthropic/v1/messages", headers, &b);
    assert_anthropic_error(
        &r,
        400,
        "invalid_request_error",
        "max_tokens: Field required",
    );
    assert_last_rule(&sims, "msg.max_tokens_required");
}

/// `AnthropicFoundry` of anthropic 2.x sends `anthropic-version: 2026-10-21`
/// (PyPI `anthropic` 2.14.0, anthropic/_constants.py `ANTHROPIC_API_VERSION`):
/// accepted; an unknown version is still refused.
#[test]
fn azure_accepts_the_sdk2_api_version_and_no_other() {
    let sims = Simulators::start(&[Api::Azure]).unwrap();
    let p = Api::Azure;
    let body = messages_body(Some("claude-opus-4-7"));
    let send_version = |v: &str| {
        send(
            &sims,
            p,
            "/anthropic/v1/messages",
            &[
                ("x-api-key", creds::AZURE_API_KEY),
                ("anthropic-version", v),
            ],
            &body,
        )
    };
    let ok = send_version("2026-10-21");
    assert_eq!(ok.status, 200, "{}", ok.text);
    let r = send_version("2099-01-01");
    assert_anthropic_error(&r, 400, "invalid_request_error", "unknown version");
}
