//! The Bedrock Mantle simulator takes what Mantle's Anthropic endpoint takes
//! (a Bedrock API key as a bearer token, or SigV4 for service
//! `bedrock-mantle`; `anthropic.claude-…` model ids) and refuses the rest in
//! Anthropic's error shape, among them a signature scoped to Bedrock
//! Runtime's `bedrock` service (what LiteLLM 1.108.7 sends, BerriAI/litellm#31475).

use compat_sim::{Api, Simulators, creds};

use crate::common::*;

const PATH: &str = "/anthropic/v1/messages";
const MODEL: &str = "anthropic.claude-sonnet-4-6";

fn bearer() -> String {
    format!("Bearer {}", creds::BEDROCK_MANTLE_API_KEY)
}

/// Posts `body` signed with SigV4 for `service`.
fn send_signed(sims: &Simulators, service: &str, body: &serde_json::Value) -> Reply {
    let base = sims.base_url(Api::BedrockMantle).unwrap();
    let bytes = serde_json::to_vec(body).unwrap();
    let mut req = reqwest::blocking::Client::new()
        .post(format!("{base}{PATH}"))
        .header("anthropic-version", "2023-06-01")
        .body(bytes.clone());
    for (k, v) in signed_headers_for(service, &base, PATH, &bytes, creds::AWS_SECRET_ACCESS_KEY) {
        req = req.header(k, v);
    }
    let r = req.send().unwrap();
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Reply { status, body, text }
}

#[test]
fn bedrock_mantle_takes_an_api_key_or_its_own_sigv4() {
    let sims = Simulators::start(&[Api::BedrockMantle]).unwrap();
    let p = Api::BedrockMantle;
    let auth = bearer();
    let headers: &[(&str, &str)] = &[
        ("authorization", &auth),
        ("anthropic-version", "2023-06-01"),
    ];
    let ok = send(&sims, p, PATH, headers, &messages_body(Some(MODEL)));
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["type"], "message", "{}", ok.text);
    assert_eq!(ok.body["model"], MODEL, "{}", ok.text);

    // SigV4 scoped to bedrock-mantle (anthropic 2.14.0 `_mantle.py`).
    let r = send_signed(&sims, "bedrock-mantle", &messages_body(Some(MODEL)));
    assert_eq!(r.status, 200, "{}", r.text);
    // Scoped to Bedrock Runtime's service: another service's signature.
    let r = send_signed(&sims, "bedrock", &messages_body(Some(MODEL)));
    assert_anthropic_error(&r, 403, "permission_error", "bedrock-mantle service");

    // A wrong key; the Anthropic API's x-api-key is not a Mantle form.
    let r = send(
        &sims,
        p,
        PATH,
        &[
            ("authorization", "Bearer nope"),
            ("anthropic-version", "2023-06-01"),
        ],
        &messages_body(Some(MODEL)),
    );
    assert_anthropic_error(&r, 401, "authentication_error", "API key");
    let r = send(
        &sims,
        p,
        PATH,
        &[
            ("x-api-key", creds::BEDROCK_MANTLE_API_KEY),
            ("anthropic-version", "2023-06-01"),
        ],
        &messages_body(Some(MODEL)),
    );
    assert_anthropic_error(&r, 401, "authentication_error", "Authorization");

    // Model ids as Bedrock Runtime names them are not Mantle's.
    for model in [
        "us.anthropic.claude-sonnet-4-6",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "claude-sonnet-4-6",
    ] {
        let r = send(&sims, p, PATH, headers, &messages_body(Some(model)));
        assert_anthropic_error(&r, 404, "not_found_error", model);
    }
    // No anthropic-version; the Anthropic API's path; an invalid body.
    let r = send(&sims, p, PATH, &headers[..1], &messages_body(Some(MODEL)));
    assert_anthropic_error(&r, 400, "invalid_request_error", "anthropic-version");
    let r = send(
        &sims,
        p,
        "/v1/messages",
        headers,
        &messages_body(Some(MODEL)),
    );
    assert_anthropic_error(&r, 404, "not_found_error", "/v1/messages");
    let mut bad = messages_body(Some(MODEL));
    bad.as_object_mut().unwrap().remove("max_tokens");
    let r = send(&sims, p, PATH, headers, &bad);
    assert_anthropic_error(&r, 400, "invalid_request_error", "max_tokens");
}
