//! The Anthropic API: `POST /v1/messages`
//! (docs.anthropic.com/en/api/messages); auth `x-api-key` (or
//! `Authorization: Bearer`, as anthropic 2.x sends it), `anthropic-version`
//! required, the model in the body; its token counting,
//! `POST /v1/messages/count_tokens` (`crate::providers::count_tokens`); and
//! its Models API, `GET /v1/models` ([`super::models`]).

use axum::http::Method;

use super::dialect::Dialect;
use crate::pipeline::{Call, Codec};
use crate::wire::answer::Answer;
use crate::wire::api::Api;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::response::ModelResponse;

pub(crate) struct Messages;

/// The two operations of the Messages family (Foundry and Mantle share them).
pub(crate) enum Op {
    Messages,
    CountTokens,
}

/// The Anthropic API's own operations: those two, and the model list (only
/// the Anthropic API has the Models API).
pub(crate) enum Route {
    Op(Op),
    ListModels,
}

impl Codec for Messages {
    type Op = Route;
    const API: Api = Api::Anthropic;

    fn operation(&self, req: &Incoming) -> Option<Route> {
        match (&req.method, req.uri.path()) {
            (&Method::POST, "/v1/messages") => Some(Route::Op(Op::Messages)),
            (&Method::POST, "/v1/messages/count_tokens") => Some(Route::Op(Op::CountTokens)),
            (&Method::GET, "/v1/models") => Some(Route::ListModels),
            _ => None,
        }
    }

    fn authenticate(&self, req: &Incoming, _: &Route) -> Result<(), Rejection> {
        // The key comes as `x-api-key` (docs.anthropic.com/en/api/overview) or,
        // from the official SDKs of anthropic 2.x on, as `Authorization: Bearer
        // <key>` (PyPI `anthropic` 2.14.0, anthropic/_client.py `_api_key_auth`).
        // `x-api-key` wins when both are present.
        let bearer = req
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "));
        match req.header("x-api-key").or(bearer) {
            Some(k) if k == req.auth.creds.anthropic_api_key => Ok(()),
            Some(_) => Err(super::error(
                "anthropic.auth.api_key",
                401,
                "authentication_error",
                "invalid x-api-key",
            )),
            None => Err(super::error(
                "anthropic.auth.api_key",
                401,
                "authentication_error",
                "x-api-key header is required",
            )),
        }
    }

    fn validate(&self, req: &Incoming, op: Route) -> Result<Call, Rejection> {
        super::require_version(req, "anthropic.requires_anthropic_version")?;
        match op {
            Route::Op(Op::Messages) => super::turn(req, Dialect::Api, None, None),
            Route::Op(Op::CountTokens) => super::count(req, false),
            Route::ListModels => super::models::list(req).map(Call::Answer),
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
        super::error("anthropic.route", 404, "not_found_error", message)
    }
}
