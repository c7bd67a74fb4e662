//! Shared helpers of the rejection tests: posting to a simulator, the
//! providers' request bodies, SigV4 signing like botocore, and assertions on
//! each provider's error shape.

#![allow(dead_code)] // each test module uses its own part

use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use compat_sim::{Api, Simulators, creds};
use serde_json::{Value, json};

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

pub fn send(
    sims: &Simulators,
    p: Api,
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

pub fn messages_body(model: Option<&str>) -> Value {
    let mut b = json!({"max_tokens": 64, "messages": [{"role": "user", "content": "Reply with exactly `OK`."}]});
    if let Some(m) = model {
        b["model"] = json!(m);
    }
    b
}

/// Anthropic's error shape: {"type":"error","error":{"type":..,"message":..}}.
pub fn assert_anthropic_error(r: &Reply, status: u16, kind: &str, needle: &str) {
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

pub const API_HEADERS: &[(&str, &str)] = &[
    ("x-api-key", creds::ANTHROPIC_API_KEY),
    ("anthropic-version", "2023-06-01"),
];

// ---- Bedrock ----

pub const AMZ_DATE: &str = "20261125T101500Z";

/// Signs like botocore: host, content-type and x-amz-date, payload hash.
pub fn signed_headers(base: &str, path: &str, body: &[u8], secret: &str) -> Vec<(String, String)> {
    signed_headers_for("bedrock", base, path, body, secret)
}

/// [`signed_headers`] with the credential scoped to signing service `service`.
pub fn signed_headers_for(
    service: &str,
    base: &str,
    path: &str,
    body: &[u8],
    secret: &str,
) -> Vec<(String, String)> {
    let host = base.trim_start_matches("http://").to_owned();
    let mut h = HeaderMap::new();
    h.insert("host", HeaderValue::from_str(&host).unwrap());
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert("x-amz-date", HeaderValue::from_static(AMZ_DATE));
    let scope = format!("20261125/{}/{service}/aws4_request", creds::AWS_REGION);
    let uri: Uri = path.parse().unwrap();
    let signing = compat_sim::aws::Signing {
        method: &Method::POST,
        uri: &uri,
        headers: &h,
        body,
        signed_headers: "content-type;host;x-amz-date",
        amz_date: AMZ_DATE,
        scope: &scope,
    };
    let sig = compat_sim::aws::signature(&signing, secret);
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

pub struct BedrockReply {
    pub status: u16,
    pub error_type: Option<String>,
    pub body: Vec<u8>,
}

pub fn post(
    sims: &Simulators,
    p: Api,
    path: &str,
    body: &Value,
    tamper: impl FnOnce(&mut Vec<(String, String)>, &mut Vec<u8>),
) -> BedrockReply {
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
    BedrockReply {
        status,
        error_type,
        body: r.bytes().unwrap().to_vec(),
    }
}

pub fn invoke_body() -> Value {
    json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100, "messages": [{"role": "user", "content": "Reply with exactly `OK`."}]})
}

pub fn converse_body() -> Value {
    json!({"messages": [{"role": "user", "content": [{"text": "Reply with exactly `OK`."}]}], "inferenceConfig": {"maxTokens": 100}})
}

pub const INVOKE: &str = "/model/us.anthropic.claude-sonnet-4-6/invoke";
pub const CONVERSE: &str = "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse";

pub fn assert_rejected(r: &BedrockReply, status: u16, kind: &str, needle: &str) {
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status, status, "{body}");
    assert!(
        r.error_type.as_deref().unwrap_or("").starts_with(kind),
        "{:?}",
        r.error_type
    );
    assert!(body["message"].as_str().unwrap().contains(needle), "{body}");
}

// ---- Streams read as they arrive ----

/// Sends a request and reads its body on a thread: each chunk arrives on the
/// channel as the server sends it, so a test can tell a stalled stream from a
/// slow one. The channel closes when the body ends.
pub fn open_stream(
    req: reqwest::blocking::RequestBuilder,
) -> (u16, std::sync::mpsc::Receiver<Vec<u8>>) {
    use std::io::Read as _;
    let mut resp = req.send().unwrap();
    let status = resp.status().as_u16();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = resp.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    (status, rx)
}

/// Everything that arrives within `window`; `None` for "the body ended".
pub fn collect_for(
    rx: &std::sync::mpsc::Receiver<Vec<u8>>,
    window: std::time::Duration,
) -> (Vec<u8>, bool) {
    let deadline = std::time::Instant::now() + window;
    let mut got = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(chunk) => got.extend(chunk),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => return (got, false),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return (got, true),
        }
    }
}

/// A signed Bedrock request, not yet sent.
pub fn bedrock_request(
    sims: &Simulators,
    p: Api,
    path: &str,
    body: &Value,
) -> reqwest::blocking::RequestBuilder {
    let base = sims.base_url(p).unwrap();
    let bytes = serde_json::to_vec(body).unwrap();
    let mut req = reqwest::blocking::Client::new().post(format!("{base}{path}"));
    for (k, v) in signed_headers(&base, path, &bytes, creds::AWS_SECRET_ACCESS_KEY) {
        req = req.header(k, v);
    }
    req.body(bytes)
}

/// An Anthropic API request, not yet sent.
pub fn anthropic_request(sims: &Simulators, body: &Value) -> reqwest::blocking::RequestBuilder {
    let mut req = reqwest::blocking::Client::new().post(format!(
        "{}/v1/messages",
        sims.base_url(Api::Anthropic).unwrap()
    ));
    for (k, v) in API_HEADERS {
        req = req.header(*k, *v);
    }
    req.json(body)
}

/// The kinds of the events the simulator recorded for a request.
pub fn kinds(r: &compat_sim::RecordedRequest) -> Vec<&str> {
    r.stream_events.iter().map(|e| e.kind.as_str()).collect()
}

/// The ledger rule the last request `sims` answered was refused under (the
/// record's `rule`), checked to be an entry of the ledger.
pub fn assert_last_rule(sims: &Simulators, rule: &str) {
    let last = sims.requests().pop().expect("a request was recorded");
    assert_eq!(last.rule.as_deref(), Some(rule), "{last:?}");
    assert!(
        compat_sim::ledger::find(rule).is_some(),
        "{rule} is not in the ledger"
    );
}
