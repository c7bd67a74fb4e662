//! The Bedrock InvokeModel simulator: each malformed request is rejected with
//! Bedrock's own error shape; a correctly signed one is answered in the right
//! framing.

use compat_sim::{Api, Simulators, creds};
use serde_json::{Value, json};

use crate::common::*;

#[test]
fn invoke_answers_a_signed_request_and_streams_chunks() {
    let sims = Simulators::start(&[Api::BedrockInvoke]).unwrap();
    let r = post(&sims, Api::BedrockInvoke, INVOKE, &invoke_body(), |_, _| {});
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status, 200, "{v}");
    assert_eq!(v["content"][0]["text"], "OK");

    let path = "/model/us.anthropic.claude-sonnet-4-6/invoke-with-response-stream";
    let r = post(&sims, Api::BedrockInvoke, path, &invoke_body(), |_, _| {});
    assert_eq!(r.status, 200);
    let frames = compat_sim::aws::decode_frames(&r.body).unwrap();
    assert!(frames.iter().all(|f| {
        f.headers
            .iter()
            .any(|(k, v)| k == ":event-type" && v == "chunk")
    }));
    let last: Value = serde_json::from_slice(&frames.last().unwrap().payload).unwrap();
    use base64::Engine as _;
    let event: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(last["bytes"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(event["type"], "message_stop");
    assert!(
        event["amazon-bedrock-invocationMetrics"]["inputTokenCount"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn invoke_rejects_malformed_requests_as_bedrock_does() {
    let sims = Simulators::start(&[Api::BedrockInvoke]).unwrap();
    let p = Api::BedrockInvoke;
    // 1. a body with `model` (the Anthropic API dialect, not Bedrock's):
    // Bedrock's own schema check (rule bedrock_invoke.field_allowlist)
    let mut b = invoke_body();
    b["model"] = json!("claude-sonnet-4-6");
    assert_rejected(
        &post(&sims, p, INVOKE, &b, |_, _| {}),
        400,
        "ValidationException",
        "extraneous key [model] is not permitted",
    );
    // 2. no anthropic_version
    let mut b = invoke_body();
    b.as_object_mut().unwrap().remove("anthropic_version");
    assert_rejected(
        &post(&sims, p, INVOKE, &b, |_, _| {}),
        400,
        "ValidationException",
        "anthropic_version: Field required",
    );
    // 3. the wrong version (Vertex's)
    let mut b = invoke_body();
    b["anthropic_version"] = json!("vertex-2023-10-16");
    assert_rejected(
        &post(&sims, p, INVOKE, &b, |_, _| {}),
        400,
        "ValidationException",
        "expected `bedrock-2023-05-31`",
    );
    // 4. body changed after signing
    let r = post(&sims, p, INVOKE, &invoke_body(), |_, body| {
        body.extend_from_slice(b" ")
    });
    assert_rejected(
        &r,
        403,
        "InvalidSignatureException",
        "signature we calculated does not match",
    );
    // 5. an unknown access key
    let r = post(&sims, p, INVOKE, &invoke_body(), |h, _| {
        h[2].1 = h[2]
            .1
            .replace(creds::AWS_ACCESS_KEY_ID, "AKIAUNKNOWN000000000");
    });
    assert_rejected(&r, 403, "UnrecognizedClientException", "security token");
    // 6. no auth at all
    let r = post(&sims, p, INVOKE, &invoke_body(), |h, _| {
        h.retain(|(k, _)| k != "authorization")
    });
    assert_rejected(
        &r,
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    );
    // 7. a model id that is not Claude
    let r = post(
        &sims,
        p,
        "/model/amazon.titan-text-express-v1/invoke",
        &invoke_body(),
        |_, _| {},
    );
    assert_rejected(
        &r,
        400,
        "ValidationException",
        "model identifier is invalid",
    );
    // 8. wrong path: 404, recorded
    let r = post(&sims, p, "/v1/messages", &invoke_body(), |_, _| {});
    assert_eq!(r.status, 404);
    let recorded = sims.requests();
    assert_eq!(recorded.len(), 8);
    assert!(
        recorded
            .iter()
            .all(|r| r.rejection.is_some() || r.status == 200)
    );
    assert!(recorded.iter().all(|r| {
        !r.headers
            .get("authorization")
            .is_some_and(|a| a.contains("Signature=") && !a.ends_with("<redacted>"))
    }));
    // 9. a streaming request refused before its body is read is recorded as streaming
    let stream_path = "/model/us.anthropic.claude-sonnet-4-6/invoke-with-response-stream";
    let r = post(&sims, p, stream_path, &invoke_body(), |h, _| {
        h.retain(|(k, _)| k != "authorization")
    });
    assert_eq!(r.status, 403);
    let last = sims.requests().pop().unwrap();
    assert!(
        last.stream && last.rejection.is_some(),
        "{}",
        last.describe()
    );
}

/// anthropic 2.x puts the API version itself in the InvokeModel body (PyPI
/// `anthropic` 2.14.0, lib/bedrock/_client.py `setdefault("anthropic_version",
/// ANTHROPIC_API_VERSION)`): accepted beside bedrock-2023-05-31; others are not.
#[test]
fn invoke_accepts_the_sdk2_body_version_and_no_other() {
    let sims = Simulators::start(&[Api::BedrockInvoke]).unwrap();
    let p = Api::BedrockInvoke;
    let mut b = invoke_body();
    b["anthropic_version"] = json!("2026-10-21");
    let r = post(&sims, p, INVOKE, &b, |_, _| {});
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    for v in ["2026-10-22", "2023-06-01"] {
        b["anthropic_version"] = json!(v);
        assert_rejected(
            &post(&sims, p, INVOKE, &b, |_, _| {}),
            400,
            "ValidationException",
            "expected `bedrock-2023-05-31`",
        );
    }
}

/// InvokeModelWithResponseStreamResponse's required `contentType` is bound to
/// the `X-Amzn-Bedrock-Content-Type` response header (botocore
/// bedrock-runtime/2023-09-30/service-2.json).
#[test]
fn invoke_stream_sends_the_bedrock_content_type_header() {
    let sims = Simulators::start(&[Api::BedrockInvoke]).unwrap();
    let path = "/model/us.anthropic.claude-sonnet-4-6/invoke-with-response-stream";
    let r = bedrock_request(&sims, Api::BedrockInvoke, path, &invoke_body())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()
            .get("x-amzn-bedrock-content-type")
            .map(|v| v.to_str().unwrap()),
        Some("application/json")
    );
    assert_eq!(
        r.headers().get("content-type").map(|v| v.to_str().unwrap()),
        Some("application/vnd.amazon.eventstream")
    );
}
