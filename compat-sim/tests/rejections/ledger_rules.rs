//! The rules issue 25 added or corrected (compat-sim/ledger/*.yaml):
//! the provider that refuses does so with its own words and status, and the
//! record names the rule; the provider that accepts, does.

use compat_sim::{Api, Simulators, creds};
use serde_json::{Value, json};

use crate::common::*;

/// The rule id the simulator recorded for its last request.
fn last_rule(sims: &Simulators) -> Option<String> {
    sims.requests().last().and_then(|r| r.rule.clone())
}

fn api_post(sims: &Simulators, body: &Value, headers: &[(&str, &str)]) -> Reply {
    let mut all = API_HEADERS.to_vec();
    all.extend_from_slice(headers);
    send(sims, Api::Anthropic, "/v1/messages", &all, body)
}

fn vertex_post(sims: &Simulators, model: &str, body: &Value, headers: &[(&str, &str)]) -> Reply {
    let path = format!(
        "/v1/projects/{}/locations/{}/publishers/anthropic/models/{model}:rawPredict",
        creds::VERTEX_PROJECT,
        creds::VERTEX_LOCATION
    );
    let bearer = format!("Bearer {}", creds::VERTEX_ACCESS_TOKEN);
    let mut all = vec![("authorization", bearer.as_str())];
    all.extend_from_slice(headers);
    let mut body = body.clone();
    body.as_object_mut().unwrap().remove("model");
    body["anthropic_version"] = json!("vertex-2023-10-16");
    send(sims, Api::VertexAi, &path, &all, &body)
}

fn invoke_post(sims: &Simulators, model_path: &str, body: &Value) -> BedrockReply {
    let mut body = body.clone();
    body.as_object_mut().unwrap().remove("model");
    body["anthropic_version"] = json!("bedrock-2023-05-31");
    post(sims, Api::BedrockInvoke, model_path, &body, |_, _| {})
}

fn with_messages(messages: Value) -> Value {
    let mut b = messages_body(Some("claude-sonnet-4-6"));
    b["messages"] = messages;
    b
}

const ADVANCED_TOOL_USE: (&str, &str) = ("anthropic-beta", "advanced-tool-use-2025-11-20");

#[test]
fn consecutive_turns_are_combined_except_on_converse() {
    let sims = Simulators::start(&[Api::Anthropic, Api::BedrockConverse]).unwrap();
    let b = with_messages(json!([
        {"role": "user", "content": "a"},
        {"role": "user", "content": "Reply with exactly `OK`."}
    ]));
    let r = api_post(&sims, &b, &[]);
    assert_eq!(r.status, 200, "{}", r.text);

    let mut c = converse_body();
    c["messages"] = json!([
        {"role": "user", "content": [{"text": "a"}]},
        {"role": "user", "content": [{"text": "b"}]}
    ]);
    let r = post(&sims, Api::BedrockConverse, CONVERSE, &c, |_, _| {});
    assert_rejected(
        &r,
        400,
        "ValidationException",
        "A conversation must alternate between user and assistant roles. Make sure the \
         conversation alternates between user and assistant roles and try again.",
    );
    assert_eq!(last_rule(&sims).as_deref(), Some("conv.alternate_roles"));
}

#[test]
fn a_tool_use_needs_its_result_in_the_next_turn() {
    let sims = Simulators::start(&[Api::Anthropic, Api::VertexAi, Api::BedrockInvoke]).unwrap();
    let call = json!({"type": "tool_use", "id": "toolu_01A", "name": "Bash", "input": {}});
    let unanswered = with_messages(json!([
        {"role": "user", "content": "run it"},
        {"role": "assistant", "content": [call]},
        {"role": "user", "content": "and?"}
    ]));
    let words = "messages.1: `tool_use` ids were found without `tool_result` blocks immediately \
                 after: toolu_01A. Each `tool_use` block must have a corresponding `tool_result` \
                 block in the next message.";
    let r = api_post(&sims, &unanswered, &[]);
    assert_anthropic_error(&r, 400, "invalid_request_error", words);
    assert_eq!(
        last_rule(&sims).as_deref(),
        Some("conv.tool_use_needs_result")
    );
    let r = vertex_post(&sims, "claude-sonnet-4-6", &unanswered, &[]);
    assert_anthropic_error(&r, 400, "invalid_request_error", words);
    let r = invoke_post(&sims, INVOKE, &unanswered);
    assert_rejected(&r, 400, "ValidationException", words);

    let answered = with_messages(json!([
        {"role": "user", "content": "run it"},
        {"role": "assistant", "content": [call]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01A", "content": "done"}]}
    ]));
    let r = api_post(&sims, &answered, &[]);
    assert_eq!(r.status, 200, "{}", r.text);
}

#[test]
fn a_tool_result_needs_its_tool_use_in_the_turn_before() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let orphan = with_messages(json!([
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01Z", "content": "x"}]}
    ]));
    let r = api_post(&sims, &orphan, &[]);
    assert_anthropic_error(
        &r,
        400,
        "invalid_request_error",
        "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: \
         toolu_01Z. Each `tool_result` block must have a corresponding `tool_use` block in the \
         previous message.",
    );
    assert_eq!(
        last_rule(&sims).as_deref(),
        Some("conv.tool_result_needs_use")
    );
}

/// `n` user text blocks, each a cache breakpoint.
fn breakpoints(n: usize) -> Value {
    let blocks: Vec<Value> = (0..n)
        .map(|i| json!({"type": "text", "text": format!("part {i}"), "cache_control": {"type": "ephemeral"}}))
        .chain([json!({"type": "text", "text": "Reply with exactly `OK`."})])
        .collect();
    with_messages(json!([{"role": "user", "content": blocks}]))
}

#[test]
fn at_most_four_cache_breakpoints() {
    let sims = Simulators::start(&[Api::Anthropic, Api::VertexAi, Api::BedrockInvoke]).unwrap();
    let words = "A maximum of 4 blocks with cache_control may be provided. Found 5.";
    assert_eq!(api_post(&sims, &breakpoints(4), &[]).status, 200);
    let r = api_post(&sims, &breakpoints(5), &[]);
    assert_anthropic_error(&r, 400, "invalid_request_error", words);
    assert_eq!(last_rule(&sims).as_deref(), Some("cache.max_4_breakpoints"));
    let r = vertex_post(&sims, "claude-sonnet-4-6", &breakpoints(5), &[]);
    assert_anthropic_error(&r, 400, "invalid_request_error", words);
    let r = invoke_post(&sims, INVOKE, &breakpoints(5));
    assert_rejected(
        &r,
        400,
        "ValidationException",
        &format!("The model returned the following errors: {words}"),
    );
}

#[test]
fn opus_4_7_takes_adaptive_thinking_only() {
    let sims = Simulators::start(&[Api::Anthropic, Api::BedrockInvoke]).unwrap();
    let mut b = messages_body(Some("claude-opus-4-7"));
    b["max_tokens"] = json!(4096);
    b["thinking"] = json!({"type": "enabled", "budget_tokens": 2048});
    let words = "\"thinking.type.enabled\" is not supported for this model. Use \
                 \"thinking.type.adaptive\" and \"output_config.effort\" to control thinking \
                 behavior.";
    let r = api_post(&sims, &b, &[]);
    assert_anthropic_error(&r, 400, "invalid_request_error", words);
    assert_eq!(
        last_rule(&sims).as_deref(),
        Some("msg.thinking_opus47_adaptive_only")
    );
    let r = invoke_post(&sims, "/model/us.anthropic.claude-opus-4-7/invoke", &b);
    assert_rejected(&r, 400, "ValidationException", words);
    // Adaptive on Opus 4.7, and budget thinking on Sonnet 4.6, are taken.
    b["thinking"] = json!({"type": "adaptive"});
    assert_eq!(api_post(&sims, &b, &[]).status, 200);
    b["model"] = json!("claude-sonnet-4-6");
    b["thinking"] = json!({"type": "enabled", "budget_tokens": 2048});
    assert_eq!(api_post(&sims, &b, &[]).status, 200);
}

#[test]
fn invoke_takes_only_bedrocks_fields_and_no_output_format() {
    let sims = Simulators::start(&[Api::BedrockInvoke]).unwrap();
    let mut b = invoke_body();
    b["mcp_servers"] = json!([]);
    let r = post(&sims, Api::BedrockInvoke, INVOKE, &b, |_, _| {});
    assert_rejected(
        &r,
        400,
        "ValidationException",
        "Malformed input request: #: extraneous key [mcp_servers] is not permitted, please \
         reformat your input and try again.",
    );
    assert_eq!(
        last_rule(&sims).as_deref(),
        Some("bedrock_invoke.field_allowlist")
    );
    let mut b = invoke_body();
    b["output_config"] = json!({"format": {"type": "json_schema", "schema": {"type": "object"}}});
    let r = post(&sims, Api::BedrockInvoke, INVOKE, &b, |_, _| {});
    assert_rejected(
        &r,
        400,
        "ValidationException",
        "output_config.format: Extra inputs are not permitted",
    );
    assert_eq!(
        last_rule(&sims).as_deref(),
        Some("bedrock_invoke.output_config_keys")
    );
    let mut b = invoke_body();
    b["output_config"] = json!({"effort": "low"});
    let r = post(&sims, Api::BedrockInvoke, INVOKE, &b, |_, _| {});
    assert_eq!(r.status, 200);
}

#[test]
fn bedrock_checks_betas_per_model() {
    let sims = Simulators::start(&[Api::BedrockInvoke]).unwrap();
    let mut b = invoke_body();
    b["anthropic_beta"] = json!(["thinking-binding-controls-2026-08-01"]);
    let sonnet_4_5 = "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke";
    let r = post(&sims, Api::BedrockInvoke, sonnet_4_5, &b, |_, _| {});
    assert_rejected(&r, 400, "ValidationException", "invalid beta flag");
    assert_eq!(last_rule(&sims).as_deref(), Some("betas.per_model"));
    let r = post(&sims, Api::BedrockInvoke, INVOKE, &b, |_, _| {});
    assert_eq!(r.status, 200);
}

fn deferred_tools() -> Value {
    json!([
        {"name": "Bash", "input_schema": {"type": "object"}},
        {"name": "mcp__fixture__lookup", "input_schema": {"type": "object"}, "defer_loading": true}
    ])
}

#[test]
fn vertex_refuses_the_tool_search_and_web_search_betas_and_needs_neither() {
    let sims = Simulators::start(&[Api::VertexAi, Api::Anthropic, Api::Azure]).unwrap();
    let b = messages_body(Some("claude-sonnet-4-6"));
    for beta in ["tool-search-tool-2025-10-19", "web-search-2025-03-05"] {
        let r = vertex_post(&sims, "claude-sonnet-4-6", &b, &[("anthropic-beta", beta)]);
        assert_anthropic_error(
            &r,
            400,
            "invalid_request_error",
            &format!("Unexpected value(s) `{beta}` for the `anthropic-beta` header."),
        );
    }
    // Tool search is GA on the Claude API and served on Vertex without a beta.
    let mut t = messages_body(Some("claude-sonnet-4-6"));
    t["tools"] = deferred_tools();
    let r = vertex_post(&sims, "claude-sonnet-4-6", &t, &[]);
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api_post(&sims, &t, &[]);
    assert_eq!(r.status, 200, "{}", r.text);
    // Foundry still gates it with the beta.
    let azure = |extra: &[(&'static str, &'static str)]| {
        let mut h = vec![
            ("api-key", creds::AZURE_API_KEY),
            ("anthropic-version", "2023-06-01"),
        ];
        h.extend_from_slice(extra);
        send(&sims, Api::Azure, "/anthropic/v1/messages", &h, &t)
    };
    let r = azure(&[]);
    assert_anthropic_error(
        &r,
        400,
        "invalid_request_error",
        "tools.1.custom.defer_loading: Extra inputs are not permitted",
    );
    // Foundry's requirement is inferred: its own rule, so a red shows it.
    assert_eq!(
        last_rule(&sims).as_deref(),
        Some("tool_search.beta_required_azure_mantle")
    );
    assert_eq!(azure(&[ADVANCED_TOOL_USE]).status, 200);
}

#[test]
fn tool_search_refusals_use_the_pages_words() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let mut b = messages_body(Some("claude-sonnet-4-6"));
    b["tools"] = json!([
        {"name": "mcp__fixture__lookup", "input_schema": {"type": "object"}, "defer_loading": true}
    ]);
    let r = api_post(&sims, &b, &[]);
    assert_anthropic_error(
        &r,
        400,
        "invalid_request_error",
        "At least one tool must have defer_loading=false. All tools cannot be deferred.",
    );
    let mut b = with_messages(json!([
        {"role": "user", "content": "find it"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "ToolSearch", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
            "content": [{"type": "tool_reference", "tool_name": "unknown_tool"}]}]}
    ]));
    b["tools"] = deferred_tools();
    let r = api_post(&sims, &b, &[]);
    assert_anthropic_error(
        &r,
        400,
        "invalid_request_error",
        "Tool reference 'unknown_tool' not found in available tools",
    );
}

#[test]
fn server_tool_blocks_pass_back_in_the_history() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let b = with_messages(json!([
        {"role": "user", "content": "search the web"},
        {"role": "assistant", "content": [
            {"type": "server_tool_use", "id": "srvtoolu_01", "name": "web_search", "input": {"query": "x"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01", "content": []},
            {"type": "text", "text": "Found nothing."}
        ]},
        {"role": "user", "content": "Reply with exactly `OK`."}
    ]));
    let r = api_post(&sims, &b, &[]);
    assert_eq!(r.status, 200, "{}", r.text);
}

#[test]
fn top_level_cache_control_is_taken_by_the_api_not_by_vertex() {
    let sims = Simulators::start(&[Api::Anthropic, Api::VertexAi]).unwrap();
    let mut b = messages_body(Some("claude-sonnet-4-6"));
    b["cache_control"] = json!({"type": "ephemeral"});
    let r = api_post(&sims, &b, &[]);
    assert_eq!(r.status, 200, "{}", r.text);
    let r = vertex_post(&sims, "claude-sonnet-4-6", &b, &[]);
    assert_anthropic_error(
        &r,
        400,
        "invalid_request_error",
        "cache_control: Extra inputs are not permitted",
    );
}

/// A JWT assertion as google-auth makes it, RS256-signed with `pem`.
fn assertion(pem: &str) -> String {
    use base64::Engine as _;
    use tokio_rustls::rustls::SignatureScheme;
    use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let der: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(der)
        .unwrap();
    let key = tokio_rustls::rustls::crypto::aws_lc_rs::sign::any_supported_type(
        &PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der)),
    )
    .unwrap();
    let signer = key
        .choose_scheme(&[SignatureScheme::RSA_PKCS1_SHA256])
        .unwrap();
    let header = b64.encode(json!({"alg": "RS256", "typ": "JWT", "kid": "sim-key"}).to_string());
    let claims = b64.encode(
        json!({"iss": "compat-sim@sim-project.iam.gserviceaccount.com",
               "scope": "https://www.googleapis.com/auth/cloud-platform",
               "aud": "https://oauth2.googleapis.com/token", "iat": 1, "exp": 3601})
        .to_string(),
    );
    let signature = signer
        .sign(format!("{header}.{claims}").as_bytes())
        .unwrap();
    format!("{header}.{claims}.{}", b64.encode(signature))
}

#[test]
fn the_token_endpoint_verifies_the_service_accounts_signature() {
    let sims = Simulators::start(&[Api::VertexAi]).unwrap();
    let token = |assertion: &str| {
        reqwest::blocking::Client::new()
            .post(format!("{}/token", sims.base_url(Api::VertexAi).unwrap()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
            ))
            .send()
            .unwrap()
    };
    let ours = creds::vertex_service_account_key();
    let r = token(&assertion(&ours.private_key_pem));
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.json::<Value>().unwrap()["access_token"],
        creds::VERTEX_ACCESS_TOKEN
    );
    // A padded base64url signature (as LiteLLM's Rust path sends it) is read.
    let r = token(&format!("{}==", assertion(&ours.private_key_pem)));
    assert_eq!(r.status().as_u16(), 200);
    // Signed with another key: Google's words.
    let other = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let r = token(&assertion(&other.serialize_pem()));
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        r.json::<Value>().unwrap(),
        json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
    );
    assert_eq!(
        last_rule(&sims).as_deref(),
        Some("vertex.token.jwt_signature")
    );
}
