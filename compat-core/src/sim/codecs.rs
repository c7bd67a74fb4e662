//! Wire codecs: one axum router per provider, all over the shared scripted
//! model. This file holds the Anthropic-dialect family (Anthropic API, Vertex
//! AI rawPredict, Azure AI Foundry) and the plumbing every codec shares
//! (recording, faults, model-id mapping, paced streaming).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use super::anthropic_wire::{self as wire, Dialect, Rejection};
use super::model::{ModelRequest, ModelResponse, OutBlock};
use super::{Fault, RecordedRequest, SimState, creds};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimProvider {
    Anthropic,
    BedrockInvoke,
    BedrockConverse,
    VertexAi,
    Azure,
}

impl SimProvider {
    pub const ALL: [SimProvider; 5] = [
        SimProvider::Anthropic,
        SimProvider::BedrockInvoke,
        SimProvider::BedrockConverse,
        SimProvider::VertexAi,
        SimProvider::Azure,
    ];

    /// The manifest's provider id.
    pub fn id(self) -> &'static str {
        match self {
            SimProvider::Anthropic => "anthropic",
            SimProvider::BedrockInvoke => "bedrock_invoke",
            SimProvider::BedrockConverse => "bedrock_converse",
            SimProvider::VertexAi => "vertex_ai",
            SimProvider::Azure => "azure",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }
}

pub(crate) fn router(p: SimProvider, state: Arc<SimState>) -> Router {
    let routes: Router<Arc<SimState>> = match p {
        SimProvider::Anthropic => Router::new().route("/v1/messages", post(anthropic_messages)),
        SimProvider::Azure => Router::new().route("/anthropic/v1/messages", post(azure_messages)),
        SimProvider::VertexAi => Router::new().route("/token", post(vertex_token)).route(
            "/v1/projects/{project}/locations/{location}/publishers/anthropic/models/{action}",
            post(vertex_predict),
        ),
        SimProvider::BedrockInvoke | SimProvider::BedrockConverse => super::bedrock::router(p),
    };
    routes
        .fallback(
            move |State(state): State<Arc<SimState>>,
                  method: Method,
                  uri: Uri,
                  headers: HeaderMap,
                  body: Bytes| async move {
                unknown_path(p, &state, method, uri, headers, body)
            },
        )
        .with_state(state)
}

/// A handler's view: which simulator, and the shared state.
pub(crate) struct Ctx {
    pub provider: SimProvider,
    pub state: Arc<SimState>,
}

fn unknown_path(
    p: SimProvider,
    state: &SimState,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let message = format!("no {} API route for {method} {}", p.id(), uri.path());
    let mut rec = Exchange::new(p, &method, &uri, &headers, &body);
    rec.rejection = Some(message.clone());
    rec.status = 404;
    state.record(rec.into_record());
    json_response(404, &wire::error_json("not_found_error", &message))
}

/// The part of a recorded request known before the response is decided.
pub(crate) struct Exchange {
    provider: SimProvider,
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: Value,
    pub raw_body: String,
    pub model: Option<String>,
    pub stream: bool,
    pub status: u16,
    pub rejection: Option<String>,
}

const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "x-api-key",
    "api-key",
    "x-amz-security-token",
    "cookie",
];

impl Exchange {
    pub fn new(
        provider: SimProvider,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Self {
        let headers = headers
            .iter()
            .map(|(k, v)| {
                let name = k.as_str().to_ascii_lowercase();
                let value = if SECRET_HEADERS.contains(&name.as_str()) {
                    redact_credential(v.to_str().unwrap_or(""))
                } else {
                    v.to_str().unwrap_or("<binary>").to_owned()
                };
                (name, value)
            })
            .collect();
        let raw_body = String::from_utf8_lossy(body).into_owned();
        let body = serde_json::from_slice(body).unwrap_or_else(|_| json!({"raw": raw_body}));
        Exchange {
            provider,
            method: method.to_string(),
            path: uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            headers,
            body,
            raw_body,
            model: None,
            stream: false,
            status: 200,
            rejection: None,
        }
    }

    pub fn json_body(&self) -> Option<&Value> {
        (!self
            .body
            .get("raw")
            .is_some_and(|_| self.body.as_object().is_some_and(|o| o.len() == 1)))
        .then_some(&self.body)
    }

    pub fn into_record(self) -> RecordedRequest {
        RecordedRequest {
            seq: 0,
            provider: self.provider.id(),
            method: self.method,
            path: self.path,
            headers: self.headers,
            body: self.body,
            model: self.model,
            stream: self.stream,
            status: self.status,
            rejection: self.rejection,
        }
    }
}

/// Keeps the scheme word of an auth header (`Bearer`, `AWS4-HMAC-SHA256 ...
/// Credential=AKIA.../...`) for diagnosis and hides the secret part.
fn redact_credential(v: &str) -> String {
    if let Some(rest) = v.strip_prefix("AWS4-HMAC-SHA256 ") {
        // The access key id and scope are not secret; the signature is only
        // good for this request, but keep the record free of it anyway.
        let kept: Vec<&str> = rest
            .split(", ")
            .filter(|p| !p.starts_with("Signature="))
            .collect();
        return format!("AWS4-HMAC-SHA256 {}, Signature=<redacted>", kept.join(", "));
    }
    match v.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} <redacted>"),
        None => "<redacted>".to_owned(),
    }
}

/// Maps a provider's model id to the canonical Claude id: strips region
/// prefixes (`us.anthropic.`), version suffixes (`-v1:0`, `@20251001`) and
/// dates (`-20251001`). Only Claude ids are served.
pub(crate) fn canonical_model(upstream: &str) -> Option<String> {
    let decoded = upstream.replace("%3A", ":").replace("%3a", ":");
    let start = decoded.find("claude-")?;
    let mut id = &decoded[start..];
    if let Some(i) = id.find('@') {
        id = &id[..i];
    }
    if let Some(i) = id.find("-v1:") {
        id = &id[..i];
    }
    let mut parts: Vec<&str> = id.split('-').collect();
    if parts
        .last()
        .is_some_and(|p| p.len() == 8 && p.chars().all(|c| c.is_ascii_digit()))
    {
        parts.pop();
    }
    (parts.len() >= 3).then(|| parts.join("-"))
}

pub(crate) fn json_response(status: u16, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .header("request-id", format!("req_sim{:012x}", fastrand::u64(..)))
        .body(Body::from(body.to_string()))
        .expect("valid response")
}

/// Applies the faults that change what the model says.
pub(crate) fn model_faults(req: &mut ModelRequest, faults: &[Fault]) {
    if faults.contains(&Fault::IgnoreImages) {
        for m in &mut req.messages {
            m.content
                .retain(|b| !matches!(b, super::model::Block::Image { .. }));
            if m.content.is_empty() {
                m.content.push(super::model::Block::text("(image removed)"));
            }
        }
    }
    if faults.contains(&Fault::NoToolCall) {
        req.tools.clear();
    }
}

/// Applies the faults that change the response after the model answered.
pub(crate) fn response_faults(resp: &mut ModelResponse, faults: &[Fault]) {
    if faults.contains(&Fault::DropThinking) {
        resp.content
            .retain(|b| !matches!(b, OutBlock::Thinking { .. }));
    }
    if faults.contains(&Fault::StripCacheUsage) {
        resp.usage.input_tokens +=
            resp.usage.cache_read_input_tokens + resp.usage.cache_creation_input_tokens;
        resp.usage.cache_read_input_tokens = 0;
        resp.usage.cache_creation_input_tokens = 0;
    }
}

pub(crate) fn status_fault(faults: &[Fault], stream: bool) -> Option<u16> {
    faults.iter().find_map(|f| match f {
        Fault::Status(s) => Some(*s),
        Fault::FailNonStreaming if !stream => Some(500),
        _ => None,
    })
}

pub(crate) async fn slow_first_byte(faults: &[Fault]) {
    for f in faults {
        if let Fault::SlowFirstByte(d) = f {
            tokio::time::sleep(*d).await;
        }
    }
}

/// Delay before each text delta, so a client sees the answer arrive over
/// time as from a real model rather than in one burst. Long enough that a
/// busy gateway on a loaded 2-core machine still forwards deltas apart;
/// other events go out at once.
pub(crate) const DELTA_PACE: Duration = Duration::from_millis(20);

/// Whether an Anthropic stream event is a text delta (the paced kind).
pub(crate) fn is_text_delta(event: &Value) -> bool {
    event["type"] == "content_block_delta" && event["delta"]["type"] == "text_delta"
}

/// A body of stream chunks; `(chunk, true)` is a text delta, sent after
/// [`DELTA_PACE`].
pub(crate) fn paced_body(chunks: Vec<(Bytes, bool)>) -> Body {
    let stream = futures_util::stream::unfold(chunks.into_iter(), |mut it| async move {
        let (next, is_delta) = it.next()?;
        if is_delta {
            tokio::time::sleep(DELTA_PACE).await;
        }
        Some((Ok::<_, Infallible>(next), it))
    });
    Body::from_stream(stream)
}

/// Anthropic-style SSE: `event: <type>` + `data: <json>`, with a `ping` after
/// `message_start` as the real API sends.
pub(crate) fn sse_response(events: &[Value], faults: &[Fault]) -> Response {
    let mut chunks = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let kind = e["type"].as_str().unwrap_or("unknown");
        chunks.push((
            Bytes::from(format!("event: {kind}\ndata: {e}\n\n")),
            is_text_delta(e),
        ));
        if i == 0 {
            chunks.push((
                Bytes::from_static(b"event: ping\ndata: {\"type\": \"ping\"}\n\n"),
                false,
            ));
        }
        if i == 2 && faults.contains(&Fault::BreakStreamFraming) {
            chunks.push((
                Bytes::from_static(b"event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"ind\n\n"),
                false,
            ));
        }
    }
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(paced_body(chunks))
        .expect("valid response")
}

fn message_id() -> String {
    format!(
        "msg_sim{:020x}",
        fastrand::u128(..) & 0xffff_ffff_ffff_ffff_ffff
    )
}

/// How a codec reports an error: status, provider-shaped body.
pub(crate) struct WireError {
    pub status: u16,
    pub body: Value,
    pub message: String,
    /// Extra response headers (e.g. Bedrock's `x-amzn-ErrorType`).
    pub headers: Vec<(String, String)>,
}

fn anthropic_error(status: u16, kind: &str, message: impl Into<String>) -> WireError {
    let message = message.into();
    WireError {
        status,
        body: wire::error_json(kind, &message),
        message,
        headers: Vec::new(),
    }
}

fn status_error(status: u16) -> WireError {
    match status {
        429 => anthropic_error(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit (simulated)",
        ),
        529 => anthropic_error(529, "overloaded_error", "Overloaded (simulated)"),
        s => anthropic_error(
            s,
            "api_error",
            format!("Internal server error (simulated {s})"),
        ),
    }
}

impl From<Rejection> for WireError {
    fn from(r: Rejection) -> Self {
        anthropic_error(r.status, r.kind, r.message)
    }
}

/// Runs an Anthropic-dialect request through validation, faults and the
/// model; shared by the Anthropic API, Vertex and Azure handlers.
async fn serve_anthropic_dialect(
    ctx: &Ctx,
    ex: &mut Exchange,
    dialect: Dialect,
    path_model: Option<&str>,
    force_stream: Option<bool>,
) -> Result<Response, WireError> {
    let body = ex
        .json_body()
        .cloned()
        .ok_or_else(|| anthropic_error(400, "invalid_request_error", "body: invalid JSON"))?;
    let (mut req, body_model, body_stream) = wire::parse_body(&body, dialect)?;
    let stream = force_stream.unwrap_or(body_stream);
    ex.stream = stream;
    let upstream_model = path_model
        .map(str::to_owned)
        .or(body_model)
        .unwrap_or_default();
    let model = canonical_model(&upstream_model).ok_or_else(|| {
        anthropic_error(404, "not_found_error", format!("model: {upstream_model}"))
    })?;
    ex.model = Some(model.clone());
    req.model = model.clone();
    let (resp, faults) = model_turn(ctx, ex, req, stream, status_error, |m| {
        anthropic_error(400, "invalid_request_error", m)
    })
    .await?;
    let id = message_id();
    Ok(if stream {
        sse_response(&wire::stream_events(&resp, &id, &upstream_model), &faults)
    } else {
        json_response(200, &wire::message_json(&resp, &id, &upstream_model))
    })
}

/// One model turn with the faults that apply to this request: a slow first
/// byte, an error status instead of an answer, or an altered request or
/// answer. `status_error` and `invalid` give the provider's error shapes.
pub(crate) async fn model_turn(
    ctx: &Ctx,
    ex: &Exchange,
    mut req: ModelRequest,
    stream: bool,
    status_error: fn(u16) -> WireError,
    invalid: impl Fn(String) -> WireError,
) -> Result<(ModelResponse, Vec<Fault>), WireError> {
    let faults = ctx
        .state
        .faults
        .matching(ctx.provider, Some(&req.model), &ex.raw_body);
    slow_first_byte(&faults).await;
    if let Some(status) = status_fault(&faults, stream) {
        return Err(status_error(status));
    }
    model_faults(&mut req, &faults);
    let mut resp = ctx.state.model.respond(&req).map_err(|e| invalid(e.0))?;
    response_faults(&mut resp, &faults);
    Ok((resp, faults))
}

/// Records the exchange and turns an error into the provider's response.
pub(crate) fn finish(ctx: &Ctx, mut ex: Exchange, result: Result<Response, WireError>) -> Response {
    let response = match result {
        Ok(r) => r,
        Err(e) => {
            ex.status = e.status;
            ex.rejection = Some(e.message.clone());
            let mut r = json_response(e.status, &e.body);
            for (k, v) in &e.headers {
                if let (Ok(k), Ok(v)) = (
                    axum::http::HeaderName::try_from(k.as_str()),
                    axum::http::HeaderValue::try_from(v.as_str()),
                ) {
                    r.headers_mut().insert(k, v);
                }
            }
            r
        }
    };
    ex.status = response.status().as_u16();
    ctx.state.record(ex.into_record());
    response
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn require_anthropic_version(headers: &HeaderMap) -> Result<(), WireError> {
    match header(headers, "anthropic-version") {
        Some("2023-06-01") => Ok(()),
        Some(v) => Err(anthropic_error(
            400,
            "invalid_request_error",
            format!("anthropic-version: unknown version `{v}`"),
        )),
        None => Err(anthropic_error(
            400,
            "invalid_request_error",
            "anthropic-version: header is required",
        )),
    }
}

// ---- Anthropic API: POST /v1/messages ----------------------------------
// https://docs.anthropic.com/en/api/messages ; auth `x-api-key`,
// `anthropic-version: 2023-06-01` required.

async fn anthropic_messages(
    State(state): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = Ctx {
        provider: SimProvider::Anthropic,
        state,
    };
    let mut ex = Exchange::new(ctx.provider, &method, &uri, &headers, &body);
    let result = async {
        match header(&headers, "x-api-key") {
            Some(k) if k == creds::ANTHROPIC_API_KEY => {}
            Some(_) => {
                return Err(anthropic_error(
                    401,
                    "authentication_error",
                    "invalid x-api-key",
                ));
            }
            None => {
                return Err(anthropic_error(
                    401,
                    "authentication_error",
                    "x-api-key header is required",
                ));
            }
        }
        require_anthropic_version(&headers)?;
        serve_anthropic_dialect(&ctx, &mut ex, Dialect::Api, None, None).await
    }
    .await;
    finish(&ctx, ex, result)
}

// ---- Azure AI Foundry (Claude): POST /anthropic/v1/messages -------------
// LiteLLM's `azure_ai/<claude-*>` route (llms/azure_ai/anthropic/) calls
// `{api_base}/anthropic/v1/messages` with the Anthropic Messages body, the
// deployment name as `model`, and the key as `x-api-key` (Foundry also
// accepts `api-key`). Reference: learn.microsoft.com/azure/ai-foundry/foundry-models/how-to/use-foundry-models-claude

async fn azure_messages(
    State(state): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = Ctx {
        provider: SimProvider::Azure,
        state,
    };
    let mut ex = Exchange::new(ctx.provider, &method, &uri, &headers, &body);
    let result = async {
        let key = header(&headers, "x-api-key").or_else(|| header(&headers, "api-key"));
        if key != Some(creds::AZURE_API_KEY) {
            let message = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";
            return Err(WireError {
                status: 401,
                body: json!({"error": {"code": "401", "message": message}}),
                message: message.into(),
                headers: Vec::new(),
            });
        }
        require_anthropic_version(&headers)?;
        serve_anthropic_dialect(&ctx, &mut ex, Dialect::Api, None, None).await
    }
    .await;
    finish(&ctx, ex, result)
}

// ---- Vertex AI: rawPredict / streamRawPredict ----------------------------
// POST /v1/projects/{p}/locations/{l}/publishers/anthropic/models/{model}:rawPredict
// (and :streamRawPredict, which LiteLLM calls with `?alt=sse`). Body: the
// Anthropic body without `model`, `anthropic_version: vertex-2023-10-16`.
// Auth: an OAuth bearer token, which google-auth gets from `/token` with a
// service-account JWT.

fn google_error(status: u16, state: &str, message: impl Into<String>) -> WireError {
    let message = message.into();
    WireError {
        status,
        body: json!({"error": {"code": status, "message": message, "status": state}}),
        message,
        headers: Vec::new(),
    }
}

async fn vertex_predict(
    State(state): State<Arc<SimState>>,
    Path((project, location, action)): Path<(String, String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = Ctx {
        provider: SimProvider::VertexAi,
        state,
    };
    let mut ex = Exchange::new(ctx.provider, &method, &uri, &headers, &body);
    let result = async {
        if header(&headers, "authorization") != Some(&format!("Bearer {}", creds::VERTEX_ACCESS_TOKEN)) {
            return Err(google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            ));
        }
        if project != creds::VERTEX_PROJECT {
            return Err(google_error(403, "PERMISSION_DENIED", format!("Permission denied on resource project {project}.")));
        }
        if location != creds::VERTEX_LOCATION {
            return Err(google_error(404, "NOT_FOUND", format!("Publisher model not found in location {location}.")));
        }
        let (model, stream) = match action.rsplit_once(':') {
            Some((m, "rawPredict")) => (m.to_owned(), false),
            Some((m, "streamRawPredict")) => (m.to_owned(), true),
            _ => return Err(google_error(404, "NOT_FOUND", format!("unknown method `{action}`"))),
        };
        serve_anthropic_dialect(&ctx, &mut ex, Dialect::Vertex, Some(&model), Some(stream)).await
    }
    .await;
    finish(&ctx, ex, result)
}

/// Google's OAuth token endpoint, as google-auth's service-account flow calls
/// it: form-encoded `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`
/// and `assertion=<RS256 JWT>`.
async fn vertex_token(
    State(state): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctx = Ctx {
        provider: SimProvider::VertexAi,
        state,
    };
    let ex = Exchange::new(ctx.provider, &method, &uri, &headers, &body);
    let form: BTreeMap<String, String> = url_form(&String::from_utf8_lossy(&body));
    let result = (|| {
        let bad = |d: &str| WireError {
            status: 400,
            body: json!({"error": "invalid_grant", "error_description": d}),
            message: d.to_owned(),
            headers: Vec::new(),
        };
        if form.get("grant_type").map(String::as_str)
            != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
        {
            return Err(bad(
                "grant_type must be urn:ietf:params:oauth:grant-type:jwt-bearer",
            ));
        }
        let assertion = form
            .get("assertion")
            .ok_or_else(|| bad("assertion is required"))?;
        let parts: Vec<&str> = assertion.split('.').collect();
        let header_ok = parts.len() == 3
            && base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[0])
                .ok()
                .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
                .is_some_and(|h| h["alg"] == "RS256");
        if !header_ok {
            return Err(bad(
                "Invalid JWT: expected an RS256-signed service account assertion",
            ));
        }
        Ok(json_response(
            200,
            &json!({"access_token": creds::VERTEX_ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"}),
        ))
    })();
    finish(&ctx, ex, result)
}

fn url_form(s: &str) -> BTreeMap<String, String> {
    s.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_model_ids() {
        for (upstream, want) in [
            ("claude-sonnet-4-6", "claude-sonnet-4-6"),
            ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
            (
                "us.anthropic.claude-haiku-4-5-20251001-v1:0",
                "claude-haiku-4-5",
            ),
            (
                "us.anthropic.claude-haiku-4-5-20251001-v1%3A0",
                "claude-haiku-4-5",
            ),
            ("claude-haiku-4-5@20251001", "claude-haiku-4-5"),
            ("us.anthropic.claude-opus-4-7", "claude-opus-4-7"),
        ] {
            assert_eq!(
                canonical_model(upstream).as_deref(),
                Some(want),
                "{upstream}"
            );
        }
        assert_eq!(canonical_model("gpt-4o"), None);
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(redact_credential("Bearer ya29.secret"), "Bearer <redacted>");
        assert_eq!(redact_credential("sk-ant-123"), "<redacted>");
        assert_eq!(
            redact_credential(
                "AWS4-HMAC-SHA256 Credential=AKIA/20261125/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=abc"
            ),
            "AWS4-HMAC-SHA256 Credential=AKIA/20261125/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=<redacted>"
        );
    }

    #[test]
    fn form_decoding() {
        let f = url_form("grant_type=urn%3Aietf%3Aparams&assertion=a.b.c");
        assert_eq!(f["grant_type"], "urn:ietf:params");
        assert_eq!(f["assertion"], "a.b.c");
    }
}
