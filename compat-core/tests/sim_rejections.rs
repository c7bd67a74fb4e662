//! The Anthropic, Vertex AI and Azure simulators over HTTP: each rejects
//! malformed requests as the real service does, in its own error shape, and
//! records them; fault switches change the answer as advertised.
//! (Bedrock's equivalents live beside its codec: sim/bedrock/tests.rs.)

use std::time::{Duration, Instant};

use compat_core::sim::{Fault, FaultScope, SimProvider, Simulators, creds};
use serde_json::{Value, json};

struct Reply {
    status: u16,
    body: Value,
    text: String,
}

fn send(
    sims: &Simulators,
    p: SimProvider,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Reply {
    let mut req = reqwest::blocking::Client::new()
        .post(format!("{}{path}", sims.base_url(p).unwrap()))
        .json(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().unwrap();
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { status, body, text }
}

fn messages_body(model: Option<&str>) -> Value {
    let mut b = json!({"max_tokens": 64, "messages": [{"role": "user", "content": "Reply with exactly `OK`."}]});
    if let Some(m) = model {
        b["model"] = json!(m);
    }
    b
}

/// Anthropic's error shape: {"type":"error","error":{"type":..,"message":..}}.
fn assert_anthropic_error(r: &Reply, status: u16, kind: &str, needle: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.body["type"], "error", "{}", r.text);
    assert_eq!(r.body["error"]["type"], kind, "{}", r.text);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(needle),
        "{}",
        r.text
    );
}

const API_HEADERS: &[(&str, &str)] = &[
    ("x-api-key", creds::ANTHROPIC_API_KEY),
    ("anthropic-version", "2023-06-01"),
];

#[test]
fn anthropic_rejects_what_the_messages_api_rejects() {
    let sims = Simulators::start(&[SimProvider::Anthropic]).unwrap();
    let p = SimProvider::Anthropic;
    let ok = send(
        &sims,
        p,
        "/v1/messages",
        API_HEADERS,
        &messages_body(Some("claude-sonnet-4-6")),
    );
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["content"][0]["text"], "OK");

    // 1. wrong key
    let r = send(
        &sims,
        p,
        "/v1/messages",
        &[
            ("x-api-key", "sk-wrong"),
            ("anthropic-version", "2023-06-01"),
        ],
        &messages_body(Some("claude-sonnet-4-6")),
    );
    assert_anthropic_error(&r, 401, "authentication_error", "invalid x-api-key");
    // 2. no anthropic-version header
    let r = send(
        &sims,
        p,
        "/v1/messages",
        &API_HEADERS[..1],
        &messages_body(Some("claude-sonnet-4-6")),
    );
    assert_anthropic_error(&r, 400, "invalid_request_error", "anthropic-version");
    // 3. no model
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &messages_body(None));
    assert_anthropic_error(&r, 400, "invalid_request_error", "model: Field required");
    // 4. a Bedrock-dialect field
    let mut b = messages_body(Some("claude-sonnet-4-6"));
    b["anthropic_version"] = json!("bedrock-2023-05-31");
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &b);
    assert_anthropic_error(
        &r,
        400,
        "invalid_request_error",
        "anthropic_version: Extra inputs are not permitted",
    );
    // 5. an OpenAI-dialect image part
    let mut b = messages_body(Some("claude-sonnet-4-6"));
    b["messages"][0]["content"] =
        json!([{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}]);
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &b);
    assert_anthropic_error(&r, 400, "invalid_request_error", "image_url");
    // 6. an unknown model
    let r = send(
        &sims,
        p,
        "/v1/messages",
        API_HEADERS,
        &messages_body(Some("gpt-4o")),
    );
    assert_anthropic_error(&r, 404, "not_found_error", "gpt-4o");
    // 7. wrong path
    let r = send(
        &sims,
        p,
        "/v1/chat/completions",
        API_HEADERS,
        &messages_body(Some("claude-sonnet-4-6")),
    );
    assert_anthropic_error(&r, 404, "not_found_error", "/v1/chat/completions");

    let recorded = sims.requests();
    assert_eq!(recorded.len(), 8);
    assert_eq!(recorded.iter().filter(|r| r.rejection.is_some()).count(), 7);
    assert!(
        recorded
            .iter()
            .all(|r| r.headers.get("x-api-key").is_none_or(|k| k == "<redacted>")),
        "keys must be redacted"
    );
}

#[test]
fn vertex_rejects_what_rawpredict_rejects() {
    let sims = Simulators::start(&[SimProvider::VertexAi]).unwrap();
    let p = SimProvider::VertexAi;
    let path = |project: &str, location: &str, action: &str| {
        format!("/v1/projects/{project}/locations/{location}/publishers/anthropic/models/{action}")
    };
    let bearer = format!("Bearer {}", creds::VERTEX_ACCESS_TOKEN);
    let auth: &[(&str, &str)] = &[("authorization", &bearer)];
    let mut body = messages_body(None);
    body["anthropic_version"] = json!("vertex-2023-10-16");
    let good = path(
        creds::VERTEX_PROJECT,
        creds::VERTEX_LOCATION,
        "claude-sonnet-4-6:rawPredict",
    );
    let ok = send(&sims, p, &good, auth, &body);
    assert_eq!(ok.status, 200, "{}", ok.text);

    let google = |r: &Reply, status: u16, state: &str| {
        assert_eq!(r.status, status, "{}", r.text);
        assert_eq!(r.body["error"]["status"], state, "{}", r.text);
        assert_eq!(r.body["error"]["code"], status, "{}", r.text);
    };
    // 1. no token
    google(&send(&sims, p, &good, &[], &body), 401, "UNAUTHENTICATED");
    // 2. another project
    google(
        &send(
            &sims,
            p,
            &path(
                "other-project",
                creds::VERTEX_LOCATION,
                "claude-sonnet-4-6:rawPredict",
            ),
            auth,
            &body,
        ),
        403,
        "PERMISSION_DENIED",
    );
    // 3. an unknown method
    google(
        &send(
            &sims,
            p,
            &path(
                creds::VERTEX_PROJECT,
                creds::VERTEX_LOCATION,
                "claude-sonnet-4-6:predict",
            ),
            auth,
            &body,
        ),
        404,
        "NOT_FOUND",
    );
    // 4. `model` in the body (it belongs in the path)
    let mut b = body.clone();
    b["model"] = json!("claude-sonnet-4-6");
    assert_anthropic_error(
        &send(&sims, p, &good, auth, &b),
        400,
        "invalid_request_error",
        "model: Extra inputs are not permitted",
    );
    // 5. the Bedrock version string
    let mut b = body.clone();
    b["anthropic_version"] = json!("bedrock-2023-05-31");
    assert_anthropic_error(
        &send(&sims, p, &good, auth, &b),
        400,
        "invalid_request_error",
        "expected `vertex-2023-10-16`",
    );
    // 6. the token endpoint refuses a non-JWT assertion
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/token", sims.base_url(p).unwrap()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=not-a-jwt",
        )
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().unwrap()["error"], "invalid_grant");

    // streamRawPredict answers SSE
    let r = send(
        &sims,
        p,
        &path(
            creds::VERTEX_PROJECT,
            creds::VERTEX_LOCATION,
            "claude-sonnet-4-6:streamRawPredict",
        ),
        auth,
        &body,
    );
    assert_eq!(r.status, 200);
    assert!(r.text.contains("event: message_stop"), "{}", r.text);
}

#[test]
fn azure_rejects_what_foundry_rejects() {
    let sims = Simulators::start(&[SimProvider::Azure]).unwrap();
    let p = SimProvider::Azure;
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
    // 2. the OpenAI-style Azure route is not this endpoint
    let r = send(
        &sims,
        p,
        "/openai/deployments/claude-opus-4-7/chat/completions",
        headers,
        &messages_body(Some("claude-opus-4-7")),
    );
    assert_eq!(r.status, 404);
    // 3. no anthropic-version
    let r = send(
        &sims,
        p,
        "/anthropic/v1/messages",
        &headers[..1],
        &messages_body(Some("claude-opus-4-7")),
    );
    assert_anthropic_error(&r, 400, "invalid_request_error", "anthropic-version");
    // 4. a deployment that is not a Claude model
    let r = send(
        &sims,
        p,
        "/anthropic/v1/messages",
        headers,
        &messages_body(Some("gpt-4o")),
    );
    assert_anthropic_error(&r, 404, "not_found_error", "gpt-4o");
    // 5. roles that do not alternate
    let mut b = messages_body(Some("claude-opus-4-7"));
    b["messages"] = json!([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]);
    let r = send(&sims, p, "/anthropic/v1/messages", headers, &b);
    assert_anthropic_error(&r, 400, "invalid_request_error", "roles must alternate");
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
}

#[test]
fn faults_change_the_answer_as_advertised() {
    let sims = Simulators::start(&[SimProvider::Anthropic]).unwrap();
    let p = SimProvider::Anthropic;
    let body = |tag: &str, stream: bool| {
        let mut b = messages_body(Some("claude-haiku-4-5"));
        b["messages"][0]["content"] = json!(format!("Reply with exactly `{tag}`."));
        b["stream"] = json!(stream);
        b
    };
    let scoped = |tag: &str| FaultScope {
        provider: Some(p),
        model: Some("claude-haiku-4-5".into()),
        body_contains: Some(tag.into()),
    };

    let _g = sims.inject(scoped("t429"), Fault::Status(429));
    assert_anthropic_error(
        &send(&sims, p, "/v1/messages", API_HEADERS, &body("t429", false)),
        429,
        "rate_limit_error",
        "rate limit",
    );
    let _g = sims.inject(scoped("t529"), Fault::Status(529));
    assert_anthropic_error(
        &send(&sims, p, "/v1/messages", API_HEADERS, &body("t529", false)),
        529,
        "overloaded_error",
        "Overloaded",
    );
    // Scoped: another trial's request is untouched.
    assert_eq!(
        send(&sims, p, "/v1/messages", API_HEADERS, &body("other", false)).status,
        200
    );

    let _g = sims.inject(
        scoped("slow"),
        Fault::SlowFirstByte(Duration::from_millis(400)),
    );
    let t0 = Instant::now();
    assert_eq!(
        send(&sims, p, "/v1/messages", API_HEADERS, &body("slow", false)).status,
        200
    );
    assert!(t0.elapsed() >= Duration::from_millis(400));

    let _g = sims.inject(scoped("broken"), Fault::BreakStreamFraming);
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &body("broken", true));
    let bad_lines = r
        .text
        .lines()
        .filter(|l| l.starts_with("data: ") && serde_json::from_str::<Value>(&l[6..]).is_err())
        .count();
    assert_eq!(bad_lines, 1, "{}", r.text);

    let mut cached = body("nocache", false);
    cached["system"] = json!([{"type": "text", "text": "x".repeat(40_000), "cache_control": {"type": "ephemeral"}}]);
    let _g = sims.inject(scoped("nocache"), Fault::StripCacheUsage);
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &cached);
    assert_eq!(
        r.body["usage"]["cache_creation_input_tokens"], 0,
        "{}",
        r.text
    );
    assert_eq!(r.body["usage"]["cache_read_input_tokens"], 0, "{}", r.text);

    let mut think = body("nothink", false);
    think["max_tokens"] = json!(4000);
    think["thinking"] = json!({"type": "enabled", "budget_tokens": 1024});
    assert_eq!(
        send(&sims, p, "/v1/messages", API_HEADERS, &think).body["content"][0]["type"],
        "thinking"
    );
    let _g = sims.inject(scoped("nothink"), Fault::DropThinking);
    assert_eq!(
        send(&sims, p, "/v1/messages", API_HEADERS, &think).body["content"][0]["type"],
        "text"
    );
}
