//! OpenAI's API and Azure OpenAI: two codecs over one Responses dialect
//! ([`responses`]), with OpenAI's error shapes ([`error`]) and the input
//! token counter ([`count`]).
//!
//! Routes (research: docs/research/openai-columns-2026-12-06.md §1, §3):
//! - OpenAI, `https://api.openai.com`: `POST /v1/responses`,
//!   `POST /v1/responses/input_tokens` (OpenAI's OpenAPI spec, paths
//!   `/responses` and `/responses/input_tokens`); `Authorization: Bearer`.
//! - Azure OpenAI, `https://{resource}.openai.azure.com`: the dated route
//!   `POST /openai/responses?api-version=YYYY-MM-DD[-preview]` (LiteLLM
//!   1.108.7 `llms/azure/common_utils.py:802-847`) and the v1 route
//!   `POST /openai/v1/responses` (api-version `preview`, `latest`, `v1` or
//!   none); the key in `api-key` (or `Authorization: Bearer`); the model
//!   field names a deployment (deployment name = model id here).
//!
//! - Chat Completions ([`chat`]): OpenAI `POST /v1/chat/completions`
//!   (the spec's path `/chat/completions`); Azure
//!   `POST /openai/deployments/{deployment}/chat/completions?api-version=…`
//!   (the path names the deployment) and `POST /openai/v1/chat/completions`
//!   (Microsoft's Azure OpenAI REST reference; LiteLLM 1.108.7
//!   `llms/azure/common_utils.py:802-847`). `chat::turn` sets
//!   `ModelRequest::openai_chat`; the model copies it to
//!   `ModelResponse::openai_chat`, which `encode` reads to pick the dialect.

pub(crate) mod chat;
pub(crate) mod count;
pub(crate) mod encode;
pub(crate) mod error;
pub(crate) mod responses;

use axum::http::Method;

use crate::pipeline::{Call, Codec};
use crate::wire::answer::Answer;
use crate::wire::api::Api;
use crate::wire::body::json_body;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::response::ModelResponse;

/// The GPT models both simulators serve, by the id a request names (on
/// Azure: the deployment, named after its model).
pub(crate) const MODELS: &[&str] = &["gpt-5.6-luna", "gpt-5.6-terra", "gpt-5.6-sol"];

/// An operation of either API.
pub(crate) enum Op {
    /// Create a response (`/responses`).
    Responses,
    /// Count a response's input tokens (`/responses/input_tokens`).
    InputTokens,
    /// Create a chat completion (`/chat/completions`); on Azure's dated
    /// route, with the deployment its path names.
    Chat { deployment: Option<String> },
    /// Azure's dated route without `api-version`.
    NoApiVersion,
    /// An `api-version` the route does not take.
    BadApiVersion,
}

/// OpenAI's API.
pub(crate) struct OpenAi;

/// Azure OpenAI.
pub(crate) struct AzureOpenAi;

/// The `api-version` query parameter.
fn api_version(req: &Incoming) -> Option<String> {
    req.uri.query()?.split('&').find_map(|kv| {
        kv.strip_prefix("api-version=")
            .map(crate::wire::body::decode_segment)
    })
}

/// A dated Azure API version: `YYYY-MM-DD` or `YYYY-MM-DD-preview`.
fn dated(v: &str) -> bool {
    let date = v.strip_suffix("-preview").unwrap_or(v);
    let b = date.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The model a Responses body names (`""` when it names none).
fn body_model(req: &Incoming) -> String {
    json_body(req)
        .and_then(|b| b["model"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl Codec for OpenAi {
    type Op = Op;
    const API: Api = Api::OpenAi;

    fn operation(&self, req: &Incoming) -> Option<Op> {
        if req.method != Method::POST {
            return None;
        }
        match req.uri.path() {
            "/v1/responses" => Some(Op::Responses),
            "/v1/responses/input_tokens" => Some(Op::InputTokens),
            "/v1/chat/completions" => Some(Op::Chat { deployment: None }),
            _ => None,
        }
    }

    fn authenticate(&self, req: &Incoming, _: &Op) -> Result<(), Rejection> {
        // Ledger rule "openai.auth.bearer".
        match req
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            Some(key) if key == req.auth.creds.openai_api_key => Ok(()),
            Some(key) => Err(error::openai(
                "openai.auth.bearer",
                401,
                "invalid_request_error",
                None,
                Some("invalid_api_key"),
                format!(
                    "Incorrect API key provided: {}. You can find your API key at https://platform.openai.com/account/api-keys.",
                    masked(key)
                ),
            )),
            None => Err(error::openai(
                "openai.auth.bearer",
                401,
                "invalid_request_error",
                None,
                None,
                "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
            )),
        }
    }

    fn validate(&self, req: &Incoming, op: Op) -> Result<Call, Rejection> {
        let model = body_model(req);
        if !model.is_empty() && !MODELS.contains(&model.as_str()) {
            return Err(error::invalid(
                "openai.model_not_found",
                format!("The model `{model}` does not exist or you do not have access to it."),
            ));
        }
        match op {
            Op::InputTokens => count::turn(req),
            Op::Chat { .. } => chat::turn(req, None),
            _ => responses::turn(req),
        }
    }

    fn encode(&self, resp: &ModelResponse, stream: bool, upstream_model: &str) -> Answer {
        encode_either(resp, stream, upstream_model, false)
    }

    fn encode_count(&self, input_tokens: u64) -> Answer {
        count::encode(input_tokens)
    }

    fn invalid(&self, rule: &'static str, message: String) -> Rejection {
        error::invalid(rule, message)
    }

    fn failure(&self, status: u16) -> Option<Rejection> {
        error::failure(status, false)
    }

    fn unknown_route(&self, message: String) -> Rejection {
        error::openai(
            "openai.route",
            404,
            "invalid_request_error",
            None,
            None,
            format!("Invalid URL: {message}"),
        )
    }
}

impl Codec for AzureOpenAi {
    type Op = Op;
    const API: Api = Api::AzureOpenAi;

    fn operation(&self, req: &Incoming) -> Option<Op> {
        if req.method != Method::POST {
            return None;
        }
        let version = api_version(req);
        match req.uri.path() {
            "/openai/responses" => Some(match version {
                None => Op::NoApiVersion,
                Some(v) if dated(&v) => Op::Responses,
                Some(_) => Op::BadApiVersion,
            }),
            "/openai/v1/responses" => Some(v1(version, Op::Responses)),
            "/openai/v1/chat/completions" => Some(v1(version, Op::Chat { deployment: None })),
            path => {
                let deployment = path
                    .strip_prefix("/openai/deployments/")?
                    .strip_suffix("/chat/completions")
                    .filter(|d| !d.is_empty() && !d.contains('/'))?;
                Some(match version {
                    None => Op::NoApiVersion,
                    Some(v) if dated(&v) => Op::Chat {
                        deployment: Some(crate::wire::body::decode_segment(deployment)),
                    },
                    Some(_) => Op::BadApiVersion,
                })
            }
        }
    }

    fn authenticate(&self, req: &Incoming, op: &Op) -> Result<(), Rejection> {
        // The route's version is checked before the key (inferred order).
        match op {
            Op::NoApiVersion => {
                return Err(error::azure(
                    "azure_openai.api_version_required",
                    404,
                    "404",
                    "Resource not found",
                ));
            }
            Op::BadApiVersion => {
                return Err(error::azure(
                    "azure_openai.api_version_supported",
                    400,
                    "BadRequest",
                    "API version not supported",
                ));
            }
            Op::Responses | Op::InputTokens | Op::Chat { .. } => {}
        }
        // Ledger rule "azure_openai.auth.api_key".
        let key = req.header("api-key").or_else(|| {
            req.header("authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
        });
        if key == Some(req.auth.creds.azure_openai_api_key.as_str()) {
            return Ok(());
        }
        Err(error::azure(
            "azure_openai.auth.api_key",
            401,
            "401",
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
        ))
    }

    fn validate(&self, req: &Incoming, op: Op) -> Result<Call, Rejection> {
        // The deployment route names the deployment in its path, the
        // others in the body's `model`.
        let model = match &op {
            Op::Chat {
                deployment: Some(d),
            } => d.clone(),
            _ => body_model(req),
        };
        if !model.is_empty() && !MODELS.contains(&model.as_str()) {
            return Err(error::azure(
                "azure_openai.deployment_not_found",
                404,
                "DeploymentNotFound",
                "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
            ));
        }
        match op {
            Op::InputTokens => count::turn(req),
            Op::Chat { deployment } => chat::turn(req, deployment.as_deref()),
            _ => responses::turn(req),
        }
    }

    fn encode(&self, resp: &ModelResponse, stream: bool, upstream_model: &str) -> Answer {
        encode_either(resp, stream, upstream_model, true)
    }

    fn invalid(&self, rule: &'static str, message: String) -> Rejection {
        error::invalid(rule, message)
    }

    fn failure(&self, status: u16) -> Option<Rejection> {
        error::failure(status, true)
    }

    fn unknown_route(&self, _message: String) -> Rejection {
        error::azure("azure_openai.route", 404, "404", "Resource not found")
    }
}

/// The v1 route's operation: `api-version` absent or one of `preview`,
/// `latest`, `v1`.
fn v1(version: Option<String>, op: Op) -> Op {
    match version {
        None => op,
        Some(v) if ["preview", "latest", "v1"].contains(&v.as_str()) => op,
        Some(_) => Op::BadApiVersion,
    }
}

/// The answer in the dialect the turn was asked in (`azure`: with Azure's
/// content-filter annotations on a chat answer).
fn encode_either(resp: &ModelResponse, stream: bool, upstream_model: &str, azure: bool) -> Answer {
    if !resp.openai_chat {
        return responses::encode(resp, stream, upstream_model);
    }
    let (model, include_usage) = chat::read_usage_mark(upstream_model);
    chat::answer(
        resp,
        model,
        stream,
        include_usage,
        azure,
        vec![(
            "x-request-id".to_owned(),
            format!("req_sim{}", crate::wire::body::random_hex(24)),
        )],
    )
}

/// A key as an error message may quote it: its first three characters.
fn masked(key: &str) -> String {
    let head: String = key.chars().take(3).collect();
    format!("{head}***")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_versions() {
        assert!(dated("2025-04-01-preview"));
        assert!(dated("2024-10-21"));
        for bad in ["preview", "2025-4-01", "2025-04-01-beta", ""] {
            assert!(!dated(bad), "{bad}");
        }
    }

    #[test]
    fn a_refused_key_is_not_repeated() {
        assert_eq!(masked("sk-proj-abcdef"), "sk-***");
    }
}
