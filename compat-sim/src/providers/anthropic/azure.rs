//! Azure AI Foundry's Claude endpoint: `POST /anthropic/v1/messages`.
//!
//! LiteLLM's `azure_ai/<claude-*>` route (llms/azure_ai/anthropic/) calls
//! `{api_base}/anthropic/v1/messages` with the Anthropic Messages body, the
//! deployment name as `model`, and the key as `x-api-key` (Foundry also
//! accepts `api-key`). Reference:
//! learn.microsoft.com/azure/ai-foundry/foundry-models/how-to/use-foundry-models-claude
//! Token counting: `POST /anthropic/v1/messages/count_tokens` (`crate::providers::count_tokens`).

use axum::http::Method;
use serde_json::json;

use super::api::Op;
use super::dialect::Dialect;
use crate::pipeline::{Call, Codec};
use crate::wire::answer::Answer;
use crate::wire::api::Api;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::response::ModelResponse;

pub(crate) struct Foundry;

/// Azure's own error shape (auth and routing happen before Claude's API).
fn azure_error(rule: &'static str, status: u16, message: &str, recorded: String) -> Rejection {
    Rejection::new(
        rule,
        status,
        json!({"error": {"code": status.to_string(), "message": message}}),
        recorded,
    )
}

impl Codec for Foundry {
    type Op = Op;
    const API: Api = Api::Azure;

    fn operation(&self, req: &Incoming) -> Option<Op> {
        if req.method != Method::POST {
            return None;
        }
        match req.uri.path() {
            "/anthropic/v1/messages" => Some(Op::Messages),
            "/anthropic/v1/messages/count_tokens" => Some(Op::CountTokens),
            _ => None,
        }
    }

    fn authenticate(&self, req: &Incoming, _: &Op) -> Result<(), Rejection> {
        let key = req.header("x-api-key").or_else(|| req.header("api-key"));
        if key == Some(req.auth.creds.azure_api_key.as_str()) {
            return Ok(());
        }
        let message = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";
        Err(azure_error(
            "foundry.auth.api_key",
            401,
            message,
            message.to_owned(),
        ))
    }

    fn validate(&self, req: &Incoming, op: Op) -> Result<Call, Rejection> {
        super::require_version(req, "foundry.requires_anthropic_version")?;
        match op {
            Op::Messages => super::turn(req, Dialect::Api, None, None),
            Op::CountTokens => super::count(req, false),
        }
    }

    fn encode(&self, resp: &ModelResponse, stream: bool, upstream_model: &str) -> Answer {
        super::encode(resp, stream, upstream_model)
    }

    fn invalid(&self, rule: &'static str, message: String) -> Rejection {
        super::error(rule, 400, "invalid_request_error", message)
    }

    fn failure(&self, status: u16) -> Option<Rejection> {
        super::failure(status)
    }

    fn unknown_route(&self, message: String) -> Rejection {
        azure_error("foundry.route", 404, "Resource not found", message)
    }
}
