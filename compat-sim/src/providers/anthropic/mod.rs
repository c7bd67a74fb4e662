//! The Anthropic-dialect family: the Anthropic API ([`api`]), Vertex AI
//! rawPredict ([`vertex`]) and Azure AI Foundry ([`azure`]) all take the
//! Messages body ([`dialect`]) and answer in Anthropic's JSON or SSE; they
//! differ in paths, auth and where the model id goes. This module holds what
//! the three codecs share: the error shape, the version header, decoding a
//! body into a model turn and encoding the answer.

pub(crate) mod api;
pub(crate) mod azure;
pub(crate) mod dialect;
pub(crate) mod encode;
pub(crate) mod models;
pub(crate) mod vertex;

use bytes::Bytes;
use serde_json::Value;

use crate::pipeline::{Call, Turn};
use crate::wire::answer::{Answer, Event, Framing};
use crate::wire::body::{canonical_model, json_body, random_hex};
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::response::ModelResponse;
use dialect::Dialect;

/// Anthropic's error: `{"type":"error","error":{"type":kind,"message":...}}`.
pub(crate) fn error(
    rule: &'static str,
    status: u16,
    kind: &str,
    message: impl Into<String>,
) -> Rejection {
    let message = message.into();
    Rejection::new(rule, status, encode::error_json(kind, &message), message)
        .with_header("request-id", request_id())
}

/// The error type the Anthropic API names for each HTTP status it answers
/// with, and a message in its words. Evidence: docs.claude.com/en/api/errors
/// ("HTTP errors": 400 invalid_request_error, 401 authentication_error, 403
/// permission_error, 404 not_found_error, 413 request_too_large, 429
/// rate_limit_error, 500 api_error, 529 overloaded_error). Vertex AI's
/// rawPredict and Azure AI Foundry pass the model's errors on in this shape,
/// and Bedrock Mantle serves Anthropic's API, so their simulators answer
/// with the same table (inferred from their Anthropic-shaped error bodies;
/// neither documents a status list of its own for these routes).
pub(crate) const STATUSES: &[(u16, &str, &str)] = &[
    (
        400,
        "invalid_request_error",
        "There was an issue with the format or content of your request. (simulated)",
    ),
    (401, "authentication_error", "invalid x-api-key (simulated)"),
    (
        403,
        "permission_error",
        "Your API key does not have permission to use the specified resource. (simulated)",
    ),
    (
        404,
        "not_found_error",
        "The requested resource could not be found. (simulated)",
    ),
    (
        413,
        "request_too_large",
        "Request exceeds the maximum allowed number of bytes. (simulated)",
    ),
    (
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your per-minute rate limit (simulated)",
    ),
    (500, "api_error", "Internal server error (simulated 500)"),
    (529, "overloaded_error", "Overloaded (simulated)"),
];

/// Anthropic's answer when it fails with `status`, or `None` for a status
/// its error table does not have (a 502, a 503): the fault switch refuses
/// those before a request is served (`crate::check_fault`).
pub(crate) fn failure(status: u16) -> Option<Rejection> {
    STATUSES
        .iter()
        .find(|(s, ..)| *s == status)
        .map(|(s, kind, message)| error("fault.upstream_failure", *s, kind, *message))
}

fn request_id() -> String {
    format!("req_sim{}", random_hex(12))
}

/// The `anthropic-version` values the Messages API accepts. `2023-06-01` is
/// the documented one (docs.anthropic.com/en/api/versioning); `2026-10-21` is
/// what the official SDKs send from anthropic 2.x on (PyPI `anthropic` 2.14.0,
/// `anthropic/_constants.py` `ANTHROPIC_API_VERSION`), as a header to the API
/// and Foundry and in the Bedrock/Vertex body (see `dialect::parse_body`).
pub(crate) const ANTHROPIC_VERSIONS: &[&str] = &["2023-06-01", dialect::SDK2_VERSION];

/// The `anthropic-version` header the Anthropic API, Foundry and Mantle
/// require, refused under each one's rule (`rule`, e.g.
/// `foundry.requires_anthropic_version`); a value it does not know is
/// refused under `msg.anthropic_versions`.
pub(crate) fn require_version(req: &Incoming, rule: &'static str) -> Result<(), Rejection> {
    match req.header("anthropic-version") {
        Some(v) if ANTHROPIC_VERSIONS.contains(&v) => Ok(()),
        Some(v) => Err(error(
            "msg.anthropic_versions",
            400,
            "invalid_request_error",
            format!("anthropic-version: unknown version `{v}`"),
        )),
        None => Err(error(
            rule,
            400,
            "invalid_request_error",
            "anthropic-version: header is required",
        )),
    }
}

/// Decodes a Messages body of `dialect` into a model turn. The model comes
/// from the path when the API puts it there (`path_model`), else from the
/// body; `force_stream` likewise overrides the body's `stream`.
pub(crate) fn turn(
    req: &Incoming,
    dialect: Dialect,
    path_model: Option<&str>,
    force_stream: Option<bool>,
) -> Result<Call, Rejection> {
    let body = json_body(req)
        .ok_or_else(|| Rejection::invalid("msg.body_object", "body: invalid JSON"))?;
    let (mut request, body_model, body_stream) = dialect::parse_body(&body, dialect)?;
    let header_betas = req.header("anthropic-beta").unwrap_or_default();
    request.eager_tool_input = crate::rules::tool_streaming::opted_in(
        header_betas
            .split(',')
            .chain(crate::rules::tool_streaming::body_betas(
                body.get("anthropic_beta"),
            )),
        body.get("tools"),
    );
    let upstream_model = path_model
        .map(str::to_owned)
        .or(body_model)
        .unwrap_or_default();
    request.model = canonical_model(&upstream_model).ok_or_else(|| {
        error(
            "msg.model_id",
            404,
            "not_found_error",
            format!("model: {upstream_model}"),
        )
    })?;
    Ok(Call::Turn(Turn {
        request,
        stream: force_stream.unwrap_or(body_stream),
        upstream_model,
    }))
}

/// Decodes a count_tokens body (`crate::providers::count_tokens::anthropic_body`; the
/// Vertex form with `vertex`) into the turn to count.
pub(crate) fn count(req: &Incoming, vertex: bool) -> Result<Call, Rejection> {
    let body = json_body(req)
        .ok_or_else(|| Rejection::invalid("msg.body_object", "body: invalid JSON"))?;
    let (request, upstream_model) = crate::providers::count_tokens::anthropic_body(&body, vertex)?;
    let model = canonical_model(&upstream_model).ok_or_else(|| {
        error(
            "msg.model_id",
            404,
            "not_found_error",
            format!("model: {upstream_model}"),
        )
    })?;
    Ok(Call::Count(Turn {
        request: crate::wire::request::ModelRequest { model, ..request },
        stream: false,
        upstream_model,
    }))
}

/// The answer as a Messages JSON object or as SSE.
pub(crate) fn encode(resp: &ModelResponse, stream: bool, upstream_model: &str) -> Answer {
    let id = format!("msg_sim{}", random_hex(20));
    if !stream {
        return Answer::Json {
            headers: vec![("request-id".to_owned(), request_id())],
            body: encode::message_json(resp, &id, upstream_model),
        };
    }
    let mut events = Vec::new();
    for (i, e) in encode::stream_events(resp, &id, upstream_model)
        .iter()
        .enumerate()
    {
        let kind = e["type"].as_str().unwrap_or("unknown");
        events.push(Event {
            kind: event_kind(e),
            bytes: Bytes::from(format!("event: {kind}\ndata: {e}\n\n")),
            paced: is_text_delta(e),
        });
        // The real API sends a ping right after message_start.
        if i == 0 {
            events.push(Event {
                kind: "ping".to_owned(),
                bytes: Bytes::from_static(b"event: ping\ndata: {\"type\": \"ping\"}\n\n"),
                paced: false,
            });
        }
    }
    let events = crate::rules::tool_streaming::pace(events, resp.eager_tool_input);
    Answer::Stream {
        framing: Framing::Sse,
        headers: Vec::new(),
        events,
        hold_open: false,
        flush_at_end: false,
    }
}

/// A stream event's type, with the delta's type for a content delta
/// (`content_block_delta:text_delta`), as the request record names it.
pub(crate) fn event_kind(event: &Value) -> String {
    let kind = event["type"].as_str().unwrap_or("unknown");
    match event["delta"]["type"].as_str() {
        Some(delta) if kind == "content_block_delta" => format!("{kind}:{delta}"),
        _ => kind.to_owned(),
    }
}

/// Whether a stream event is a text delta (the paced kind).
pub(crate) fn is_text_delta(event: &Value) -> bool {
    event["type"] == "content_block_delta" && event["delta"]["type"] == "text_delta"
}
