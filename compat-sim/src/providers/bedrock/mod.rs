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
//! SigV4 (against the run's `Credentials`), event-stream frames with CRCs,
//! Bedrock's error shape (`{"message"}` + `x-amzn-ErrorType`), cache points and
//! cache usage, signed reasoning, images, tool use.
//! Not simulated: guardrails, inference-profile ARNs as model ids, provisioned
//! throughput, `performanceConfig`/`serviceTier` effects, documents and video,
//! the region of the endpoint in sim mode (the credential scope's region is
//! checked against the credentials'; with real hosts the `Host` is too).

pub(crate) mod converse;
pub(crate) mod error;
pub(crate) mod eventstream;
pub(crate) mod invoke;
pub(crate) mod sigv4;

use axum::http::Method;
use serde_json::Value;

use crate::pipeline::{Call, Turn};
use crate::providers::count_tokens;
use crate::wire::body::{canonical_model, decode_segment, json_body, random_hex};
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::request::ModelRequest;
use error::validation;

/// An operation of Bedrock Runtime: the model id from the path (decoded)
/// and whether it is the streaming variant.
pub(crate) struct Op {
    pub model: String,
    pub stream: bool,
    /// CountTokens rather than a model call.
    pub count: bool,
}

/// Parses `POST /model/{model}/{action}` where `actions` names the plain and
/// the streaming action.
fn operation(req: &Incoming, actions: [&str; 2]) -> Option<Op> {
    if req.method != Method::POST {
        return None;
    }
    match req.uri.path().split('/').collect::<Vec<_>>().as_slice() {
        ["", "model", model, action] if actions.contains(action) => Some(Op {
            model: decode_segment(model),
            stream: *action == actions[1],
            count: false,
        }),
        _ => count_operation(req),
    }
}

/// `POST /model/{model}/count-tokens`, CountTokens, which both the Invoke
/// and the Converse simulator serve (one Bedrock Runtime;
/// `crate::providers::count_tokens`).
fn count_operation(req: &Incoming) -> Option<Op> {
    if req.method != Method::POST {
        return None;
    }
    match req.uri.path().split('/').collect::<Vec<_>>().as_slice() {
        ["", "model", model, "count-tokens"] => Some(Op {
            model: decode_segment(model),
            stream: false,
            count: true,
        }),
        _ => None,
    }
}

/// Validates a CountTokens request into the turn to count: a foundation
/// model id (an inference profile is refused, as the live service does) and
/// its `input` (`count_tokens::bedrock_input`), a Converse one read by
/// `converse`, the Converse codec's parser (passed in, so that this module
/// does not import a codec that imports it).
fn count_call(
    req: &Incoming,
    op: Op,
    converse: impl Fn(&Value) -> Result<ModelRequest, Rejection>,
) -> Result<Call, Rejection> {
    if count_tokens::is_inference_profile(&op.model) {
        return Err(validation(
            "bedrock.count_tokens.no_inference_profile",
            "The provided model doesn't support counting tokens.",
        ));
    }
    let canonical = resolve(&op.model)?;
    let body = json_body(req).ok_or_else(|| validation("bedrock.malformed_json", MALFORMED))?;
    let mut request = count_tokens::bedrock_input(&body, converse)?;
    request.model = canonical;
    Ok(Call::Count(Turn {
        request,
        stream: false,
        upstream_model: op.model,
    }))
}

/// The canonical Claude id of a model in the path; Bedrock's error otherwise.
fn resolve(model: &str) -> Result<String, Rejection> {
    canonical_model(model).ok_or_else(|| {
        validation(
            "bedrock.model_id",
            "The provided model identifier is invalid.",
        )
    })
}

fn request_id() -> (String, String) {
    (
        "x-amzn-RequestId".to_owned(),
        format!("sim-{}", random_hex(16)),
    )
}

const MALFORMED: &str = "Malformed input request, please reformat your input and try again.";
