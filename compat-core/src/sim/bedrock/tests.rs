//! Bedrock simulator: each malformed request is rejected with Bedrock's own
//! error shape; a correctly signed one is answered in the right framing.

use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use serde_json::{Value, json};

use super::eventstream::decode_frames;
use super::sigv4;
use crate::sim::{SimProvider, Simulators, creds};

const AMZ_DATE: &str = "20261125T101500Z";

/// Signs like botocore: host, content-type and x-amz-date, payload hash.
fn signed_headers(base: &str, path: &str, body: &[u8], secret: &str) -> Vec<(String, String)> {
    let host = base.trim_start_matches("http://").to_owned();
    let mut h = HeaderMap::new();
    h.insert("host", HeaderValue::from_str(&host).unwrap());
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert("x-amz-date", HeaderValue::from_static(AMZ_DATE));
    let scope = format!("20261125/{}/bedrock/aws4_request", creds::AWS_REGION);
    let uri: Uri = path.parse().unwrap();
    let sig = sigv4::signature(
        &Method::POST,
        &uri,
        &h,
        body,
        "content-type;host;x-amz-date",
        AMZ_DATE,
        &scope,
        secret,
    );
    vec![
        ("content-type".into(), "application/json".into()),
        ("x-amz-date".into(), AMZ_DATE.into()),
        (
            "authorization".into(),
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=content-type;host;x-amz-date, Signature={sig}",
                creds::AWS_ACCESS_KEY_ID
            ),
        ),
    ]
}

struct Reply {
    status: u16,
    error_type: Option<String>,
    body: Vec<u8>,
}

fn post(
    sims: &Simulators,
    p: SimProvider,
    path: &str,
    body: &Value,
    tamper: impl FnOnce(&mut Vec<(String, String)>, &mut Vec<u8>),
) -> Reply {
    let base = sims.base_url(p).unwrap();
    let mut bytes = serde_json::to_vec(body).unwrap();
    let mut headers = signed_headers(&base, path, &bytes, creds::AWS_SECRET_ACCESS_KEY);
    tamper(&mut headers, &mut bytes);
    let mut req = reqwest::blocking::Client::new()
        .post(format!("{base}{path}"))
        .body(bytes);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let r = req.send().unwrap();
    let status = r.status().as_u16();
    let error_type = r
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_owned());
    Reply {
        status,
        error_type,
        body: r.bytes().unwrap().to_vec(),
    }
}

fn invoke_body() -> Value {
    json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100, "messages": [{"role": "user", "content": "Reply with exactly `OK`."}]})
}

fn converse_body() -> Value {
    json!({"messages": [{"role": "user", "content": [{"text": "Reply with exactly `OK`."}]}], "inferenceConfig": {"maxTokens": 100}})
}

const INVOKE: &str = "/model/us.anthropic.claude-sonnet-4-6/invoke";
const CONVERSE: &str = "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse";

fn assert_rejected(r: &Reply, status: u16, kind: &str, needle: &str) {
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status, status, "{body}");
    assert!(
        r.error_type.as_deref().unwrap_or("").starts_with(kind),
        "{:?}",
        r.error_type
    );
    assert!(body["message"].as_str().unwrap().contains(needle), "{body}");
}

#[test]
fn invoke_answers_a_signed_request_and_streams_chunks() {
    let sims = Simulators::start(&[SimProvider::BedrockInvoke]).unwrap();
    let r = post(
        &sims,
        SimProvider::BedrockInvoke,
        INVOKE,
        &invoke_body(),
        |_, _| {},
    );
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status, 200, "{v}");
    assert_eq!(v["content"][0]["text"], "OK");

    let path = "/model/us.anthropic.claude-sonnet-4-6/invoke-with-response-stream";
    let r = post(
        &sims,
        SimProvider::BedrockInvoke,
        path,
        &invoke_body(),
        |_, _| {},
    );
    assert_eq!(r.status, 200);
    let frames = decode_frames(&r.body).unwrap();
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
    let sims = Simulators::start(&[SimProvider::BedrockInvoke]).unwrap();
    let p = SimProvider::BedrockInvoke;
    // 1. a body with `model` (the Anthropic API dialect, not Bedrock's)
    let mut b = invoke_body();
    b["model"] = json!("claude-sonnet-4-6");
    assert_rejected(
        &post(&sims, p, INVOKE, &b, |_, _| {}),
        400,
        "ValidationException",
        "model: Extra inputs are not permitted",
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
}

#[test]
fn converse_answers_and_streams_converse_events() {
    let sims = Simulators::start(&[SimProvider::BedrockConverse]).unwrap();
    let p = SimProvider::BedrockConverse;
    let r = post(&sims, p, CONVERSE, &converse_body(), |_, _| {});
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status, 200, "{v}");
    assert_eq!(v["output"]["message"]["content"][0]["text"], "OK");
    assert_eq!(v["stopReason"], "end_turn");

    let r = post(
        &sims,
        p,
        "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse-stream",
        &converse_body(),
        |_, _| {},
    );
    let frames = decode_frames(&r.body).unwrap();
    let kinds: Vec<String> = frames.iter().map(|f| f.headers[0].1.clone()).collect();
    assert_eq!(kinds.first().unwrap(), "messageStart");
    assert_eq!(kinds[kinds.len() - 2], "messageStop");
    let meta: Value = serde_json::from_slice(&frames.last().unwrap().payload).unwrap();
    assert!(
        meta.get("metrics").is_some() && meta["usage"]["inputTokens"].as_u64().unwrap() > 0,
        "{meta}"
    );
}

#[test]
fn converse_rejects_malformed_requests_as_bedrock_does() {
    let sims = Simulators::start(&[SimProvider::BedrockConverse]).unwrap();
    let p = SimProvider::BedrockConverse;
    // 1. an unknown top-level field
    let mut b = converse_body();
    b["max_tokens"] = json!(100);
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "extraneous key [max_tokens]",
    );
    // 2. an Anthropic-dialect image block inside Converse content
    let mut b = converse_body();
    b["messages"][0]["content"] = json!([{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}]);
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "extraneous key [type]",
    );
    // 3. a cachePoint with nothing before it
    let mut b = converse_body();
    b["system"] = json!([{"cachePoint": {"type": "default"}}]);
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "must follow a content block",
    );
    // 4. a tool without an input schema
    let mut b = converse_body();
    b["toolConfig"] = json!({"tools": [{"toolSpec": {"name": "Bash", "description": "x"}}]});
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "inputSchema.json: required",
    );
    // 5. a thinking budget under the minimum
    let mut b = converse_body();
    b["inferenceConfig"]["maxTokens"] = json!(4000);
    b["additionalModelRequestFields"] =
        json!({"thinking": {"type": "enabled", "budget_tokens": 500}});
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "greater than or equal to 1024",
    );
    // 6. a replayed reasoning block whose signature was altered
    let mut b = converse_body();
    b["inferenceConfig"]["maxTokens"] = json!(4000);
    b["additionalModelRequestFields"] =
        json!({"thinking": {"type": "enabled", "budget_tokens": 1024}});
    b["messages"] = json!([
        {"role": "user", "content": [{"text": "hi"}]},
        {"role": "assistant", "content": [{"reasoningContent": {"reasoningText": {"text": "hmm", "signature": "forged"}}}, {"text": "hello"}]},
        {"role": "user", "content": [{"text": "again"}]},
    ]);
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "Invalid `signature`",
    );
    // 7. signed for another region
    let r = post(&sims, p, CONVERSE, &converse_body(), |h, _| {
        h[2].1 = h[2].1.replace("/us-east-1/", "/eu-west-1/")
    });
    assert_rejected(&r, 403, "InvalidSignatureException", "valid region");
}
