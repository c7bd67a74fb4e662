//! Amazon Bedrock Mantle's Anthropic-compatible endpoint:
//! `POST https://bedrock-mantle.{region}.api.aws/anthropic/v1/messages`, the
//! Anthropic Messages body with the model id in it, JSON or SSE answers.
//!
//! References:
//! - AWS, "Inference using Anthropic Messages API"
//!   (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-messages-api.html):
//!   the endpoint and path; authentication "a Amazon Bedrock API key or AWS
//!   SigV4 credentials"; an Anthropic version is required.
//! - The official clients, for what the docs leave out: anthropic 2.14.0
//!   (`anthropic/lib/bedrock/_mantle.py`: base URL
//!   `https://bedrock-mantle.{region}.api.aws/anthropic`, the API key as
//!   `Authorization: Bearer <key>`, SigV4 with `DEFAULT_SERVICE_NAME =
//!   "bedrock-mantle"`, `anthropic-version` header) and openai-java's
//!   bedrock.md ("Mantle requests use the `bedrock-mantle` SigV4 service
//!   name. Runtime requests use the `bedrock` SigV4 service name.").
//! - Model ids: `anthropic.<model>`, with neither a cross-region prefix
//!   (`us.`/`global.`) nor a `-v1:0` suffix (Bifrost's Mantle provider docs,
//!   https://docs.getbifrost.ai/providers/supported-providers/bedrock-mantle,
//!   "Model IDs"; LiteLLM 1.108.7's model map lists
//!   `bedrock_mantle/anthropic.claude-haiku-4-5`).
//!
//! Thin documentation, chosen and said so (README, fidelity table): AWS
//! publishes no error reference for this endpoint. Refusals use Anthropic's
//! error shape (`{"type":"error","error":{...}}`), which is what the
//! endpoint's Anthropic-compatible clients parse; an unknown model is a 404
//! `not_found_error` as on the Anthropic API.

use axum::http::Method;

use crate::pipeline::{Call, Codec};
use crate::providers::anthropic::api::Op;
use crate::providers::anthropic::dialect::Dialect;
use crate::providers::anthropic::{self, require_version};
use crate::providers::bedrock::sigv4;
use crate::wire::answer::Answer;
use crate::wire::api::Api;
use crate::wire::body::json_body;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::response::ModelResponse;

pub(crate) struct Mantle;

/// The Messages path under Mantle's Anthropic base (AWS docs above).
const MESSAGES_PATH: &str = "/anthropic/v1/messages";

/// Token counting under the same base (`crate::providers::count_tokens`).
const COUNT_TOKENS_PATH: &str = "/anthropic/v1/messages/count_tokens";

/// SigV4's signing service for Mantle (anthropic 2.14.0 `_mantle.py`
/// `DEFAULT_SERVICE_NAME`; openai-java bedrock.md). A signature scoped to
/// `bedrock` (Bedrock Runtime's) is refused: the scope names another service.
const SIGNING_SERVICE: &str = "bedrock-mantle";

/// AWS's refusal of a signature, in the endpoint's (Anthropic) error shape;
/// the AWS exception name stays in the message and the record.
fn deny(rule: &'static str, kind: &str, message: String) -> Rejection {
    anthropic::error(rule, 403, "permission_error", format!("{kind}: {message}"))
}

/// Whether `model` is a Mantle model id: `anthropic.claude-…`, no region
/// prefix, no `-v1:0` version suffix (module docs, "Model ids").
fn valid_model_id(model: &str) -> bool {
    model
        .strip_prefix("anthropic.claude-")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains(':') && !rest.ends_with("-v1"))
}

impl Codec for Mantle {
    type Op = Op;
    const API: Api = Api::BedrockMantle;

    fn operation(&self, req: &Incoming) -> Option<Op> {
        if req.method != Method::POST {
            return None;
        }
        match req.uri.path() {
            MESSAGES_PATH => Some(Op::Messages),
            COUNT_TOKENS_PATH => Some(Op::CountTokens),
            _ => None,
        }
    }

    fn authenticate(&self, req: &Incoming, _: &Op) -> Result<(), Rejection> {
        // Two forms (AWS docs): a Bedrock API key as a bearer token, or SigV4.
        match req.header("authorization") {
            Some(v) if v.starts_with("AWS4-HMAC-SHA256 ") => {
                sigv4::verify_service(req, SIGNING_SERVICE, deny)
            }
            Some(v) => match v.strip_prefix("Bearer ") {
                Some(key) if key == req.auth.creds.bedrock_mantle_api_key => Ok(()),
                _ => Err(anthropic::error(
                    "mantle.auth",
                    401,
                    "authentication_error",
                    "invalid Amazon Bedrock API key",
                )),
            },
            // The Anthropic API's `x-api-key` is not one of Mantle's forms.
            None => Err(anthropic::error(
                "mantle.auth",
                401,
                "authentication_error",
                "missing Authorization: send an Amazon Bedrock API key as a bearer token, or sign with SigV4 (service bedrock-mantle)",
            )),
        }
    }

    fn validate(&self, req: &Incoming, op: Op) -> Result<Call, Rejection> {
        require_version(req, "mantle.requires_anthropic_version")?;
        let model = json_body(req)
            .and_then(|b| b["model"].as_str().map(str::to_owned))
            .unwrap_or_default();
        if !model.is_empty() && !valid_model_id(&model) {
            return Err(anthropic::error(
                "mantle.model_id",
                404,
                "not_found_error",
                format!(
                    "model: {model} is not a Bedrock Mantle model id (expected anthropic.claude-…, no region prefix, no -v1:0)"
                ),
            ));
        }
        match op {
            Op::Messages => anthropic::turn(req, Dialect::Api, None, None),
            Op::CountTokens => anthropic::count(req, false),
        }
    }

    fn encode(&self, resp: &ModelResponse, stream: bool, upstream_model: &str) -> Answer {
        anthropic::encode(resp, stream, upstream_model)
    }

    fn invalid(&self, rule: &'static str, message: String) -> Rejection {
        anthropic::error(rule, 400, "invalid_request_error", message)
    }

    fn failure(&self, status: u16) -> Option<Rejection> {
        anthropic::failure(status)
    }

    fn unknown_route(&self, message: String) -> Rejection {
        anthropic::error("mantle.route", 404, "not_found_error", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_ids_as_mantle_names_them() {
        assert!(valid_model_id("anthropic.claude-haiku-4-5"));
        assert!(valid_model_id("anthropic.claude-opus-4-7"));
        for bad in [
            "us.anthropic.claude-haiku-4-5",
            "anthropic.claude-haiku-4-5-20251001-v1:0",
            "claude-haiku-4-5",
            "anthropic.claude-",
        ] {
            assert!(!valid_model_id(bad), "{bad}");
        }
    }
}
