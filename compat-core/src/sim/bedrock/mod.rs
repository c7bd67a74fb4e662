//! Bedrock Runtime: InvokeModel (Anthropic body dialect) and Converse, with
//! AWS event-stream framing and SigV4 verification.
//!
//! References: Bedrock Runtime API (InvokeModel,
//! InvokeModelWithResponseStream, Converse, ConverseStream:
//! docs.aws.amazon.com/bedrock/latest/APIReference/), the request shapes and
//! error names of botocore's `bedrock-runtime/2023-09-30/service-2.json`,
//! "Anthropic Claude Messages API" parameters for Invoke bodies, and AWS
//! Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
//!
//! Simulated: both operations and their streaming variants, strict bodies,
//! SigV4 (against the fake keys in `creds`), event-stream frames with CRCs,
//! Bedrock's error shape (`{"message"}` + `x-amzn-ErrorType`), cache points and
//! cache usage, signed reasoning, images, tool use.
//! Not simulated: guardrails, inference-profile ARNs as model ids, provisioned
//! throughput, `performanceConfig`/`serviceTier` effects, documents and video,
//! the region/service of the endpoint (any region in the credential scope is
//! checked against `creds::AWS_REGION`).

mod converse;
pub mod eventstream;
pub mod sigv4;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use axum::routing::post;
use base64::Engine as _;
use serde_json::{Value, json};

use super::Fault;
use super::SimState;
use super::anthropic_wire::{self as wire, Dialect};
use super::codecs::{
    Ctx, Exchange, SimProvider, WireError, canonical_model, finish, is_text_delta, model_turn,
    paced_body,
};

pub(crate) fn router(p: SimProvider) -> Router<Arc<SimState>> {
    match p {
        SimProvider::BedrockInvoke => Router::new()
            .route(
                "/model/{model}/invoke",
                post(|s, m, mm, u, h, b| invoke(s, m, mm, u, h, b, false)),
            )
            .route(
                "/model/{model}/invoke-with-response-stream",
                post(|s, m, mm, u, h, b| invoke(s, m, mm, u, h, b, true)),
            ),
        _ => Router::new()
            .route(
                "/model/{model}/converse",
                post(|s, m, mm, u, h, b| converse(s, m, mm, u, h, b, false)),
            )
            .route(
                "/model/{model}/converse-stream",
                post(|s, m, mm, u, h, b| converse(s, m, mm, u, h, b, true)),
            ),
    }
}

/// Bedrock's error: status, `{"message": ...}`, and the error type header.
pub(crate) fn bedrock_error(status: u16, kind: &str, message: impl Into<String>) -> WireError {
    let message = message.into();
    WireError {
        status,
        body: json!({"message": message}),
        message: format!("{kind}: {message}"),
        headers: vec![(
            "x-amzn-ErrorType".to_owned(),
            format!("{kind}:http://internal.amazon.com/coral/com.amazon.bedrock/"),
        )],
    }
}

fn validation(message: impl Into<String>) -> WireError {
    bedrock_error(400, "ValidationException", message)
}

fn status_error(status: u16) -> WireError {
    match status {
        429 => bedrock_error(
            429,
            "ThrottlingException",
            "Too many requests, please wait before trying again. (simulated)",
        ),
        503 | 529 => bedrock_error(
            503,
            "ServiceUnavailableException",
            "Bedrock is unable to process your request. (simulated)",
        ),
        s => bedrock_error(
            s.max(500),
            "InternalServerException",
            format!("The server encountered an internal error (simulated {s})"),
        ),
    }
}

/// Verifies auth and resolves the model; shared by both operations.
fn authorize_and_resolve(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    model: &str,
) -> Result<String, WireError> {
    sigv4::verify(method, uri, headers, body)
        .map_err(|(kind, msg)| bedrock_error(403, kind, msg))?;
    canonical_model(model).ok_or_else(|| validation("The provided model identifier is invalid."))
}

fn event_stream_response(frames: Vec<(Bytes, bool)>) -> Response {
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/vnd.amazon.eventstream")
        .header(
            "x-amzn-RequestId",
            format!("sim-{:016x}", fastrand::u64(..)),
        )
        .body(paced_body(frames))
        .expect("valid response")
}

/// Breaks the framing after a few frames, if that fault is on: a frame whose
/// message CRC is wrong, as a corrupted stream would carry.
fn maybe_break(frames: &mut Vec<(Bytes, bool)>, faults: &[Fault]) {
    if faults.contains(&Fault::BreakStreamFraming) && frames.len() > 2 {
        let mut bad = frames[2].0.to_vec();
        let n = bad.len();
        bad[n - 1] ^= 0xff;
        frames.insert(3, (Bytes::from(bad), false));
    }
}

// ---- InvokeModel ----------------------------------------------------------

#[allow(clippy::too_many_arguments)]
async fn invoke(
    State(state): State<Arc<SimState>>,
    Path(model): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    stream: bool,
) -> Response {
    let ctx = Ctx {
        provider: SimProvider::BedrockInvoke,
        state,
    };
    let mut ex = Exchange::new(ctx.provider, &method, &uri, &headers, &body);
    ex.stream = stream;
    let result = async {
        let canonical = authorize_and_resolve(&method, &uri, &headers, &body, &model)?;
        ex.model = Some(canonical.clone());
        let json_body = ex.json_body().cloned().ok_or_else(|| validation("Malformed input request, please reformat your input and try again."))?;
        let (mut req, _, _) = wire::parse_body(&json_body, Dialect::Bedrock).map_err(|r| validation(r.message))?;
        req.model = canonical.clone();
        let (resp, faults) = model_turn(&ctx, &ex, req, stream, status_error, validation).await?;
        let id = format!("msg_bdrk_{:020x}", fastrand::u128(..) & 0xffff_ffff_ffff_ffff_ffff);
        if !stream {
            let body = wire::message_json(&resp, &id, &model);
            return Ok(Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-amzn-RequestId", format!("sim-{:016x}", fastrand::u64(..)))
                .header("X-Amzn-Bedrock-Input-Token-Count", resp.usage.input_tokens.to_string())
                .header("X-Amzn-Bedrock-Output-Token-Count", resp.usage.output_tokens.to_string())
                .body(Body::from(body.to_string()))
                .expect("valid response"));
        }
        let mut events = wire::stream_events(&resp, &id, &model);
        if let Some(last) = events.last_mut() {
            last["amazon-bedrock-invocationMetrics"] = json!({
                "inputTokenCount": resp.usage.input_tokens,
                "outputTokenCount": resp.usage.output_tokens,
                "invocationLatency": 42,
                "firstByteLatency": 10,
                "cacheReadInputTokenCount": resp.usage.cache_read_input_tokens,
                "cacheWriteInputTokenCount": resp.usage.cache_creation_input_tokens,
            });
        }
        let mut frames: Vec<(Bytes, bool)> = events
            .iter()
            .map(|e| {
                let payload = json!({"bytes": base64::engine::general_purpose::STANDARD.encode(e.to_string())});
                (eventstream::event_frame("chunk", payload.to_string().as_bytes()), is_text_delta(e))
            })
            .collect();
        maybe_break(&mut frames, &faults);
        Ok(event_stream_response(frames))
    }
    .await;
    finish(&ctx, ex, result)
}

// ---- Converse -------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
async fn converse(
    State(state): State<Arc<SimState>>,
    Path(model): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    stream: bool,
) -> Response {
    let ctx = Ctx {
        provider: SimProvider::BedrockConverse,
        state,
    };
    let mut ex = Exchange::new(ctx.provider, &method, &uri, &headers, &body);
    ex.stream = stream;
    let result = async {
        let canonical = authorize_and_resolve(&method, &uri, &headers, &body, &model)?;
        ex.model = Some(canonical.clone());
        let json_body: Value = ex.json_body().cloned().ok_or_else(|| {
            validation("Malformed input request, please reformat your input and try again.")
        })?;
        let mut req = converse::parse(&json_body).map_err(validation)?;
        req.model = canonical.clone();
        let (resp, faults) = model_turn(&ctx, &ex, req, stream, status_error, validation).await?;
        if !stream {
            return Ok(Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "application/json")
                .header(
                    "x-amzn-RequestId",
                    format!("sim-{:016x}", fastrand::u64(..)),
                )
                .body(Body::from(converse::response_json(&resp).to_string()))
                .expect("valid response"));
        }
        let mut frames: Vec<(Bytes, bool)> = converse::stream_events(&resp)
            .into_iter()
            .map(|(kind, payload)| {
                (
                    eventstream::event_frame(kind, payload.to_string().as_bytes()),
                    payload["delta"].get("text").is_some(),
                )
            })
            .collect();
        maybe_break(&mut frames, &faults);
        Ok(event_stream_response(frames))
    }
    .await;
    finish(&ctx, ex, result)
}

#[cfg(test)]
mod tests;
