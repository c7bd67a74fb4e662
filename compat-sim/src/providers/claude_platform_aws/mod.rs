//! Claude Platform on AWS (Anthropic's API sold and billed through AWS):
//! `POST https://aws-external-anthropic.{region}.api.aws/v1/messages`, the
//! Anthropic Messages body with Anthropic's model ids, JSON or SSE answers,
//! and the workspace the request runs in named by `anthropic-workspace-id`.
//!
//! References (no AWS or Anthropic API reference for this host was found;
//! the official client is the source):
//! - anthropic 0.125.0 and 2.14.0, `anthropic/lib/aws/_client.py`
//!   (`AnthropicAWS`) and `_credentials.py`: base URL
//!   `https://aws-external-anthropic.{region}.api.aws` (or
//!   `ANTHROPIC_AWS_BASE_URL`); the paths of the Anthropic client (`/v1/messages`,
//!   `/v1/messages/count_tokens`); auth an API key (`ANTHROPIC_AWS_API_KEY`,
//!   sent as the base client sends it: `x-api-key` in 0.x, `Authorization:
//!   Bearer` in 2.x) or SigV4 with `service_name="aws-external-anthropic"`;
//!   the header `anthropic-workspace-id` on every request, the client refusing
//!   to start without a workspace id ("No workspace ID found. ...").
//! - Claude Code 2.1.331 in its AWS mode (`CLAUDE_CODE_USE_ANTHROPIC_AWS`,
//!   docs/research/cli-modes-2026-12-06.md §2): the same requests, Anthropic's
//!   model ids (`claude-opus-4-7`), Anthropic's betas plus two of its own.
//! - LiteLLM 1.108.7 `llms/bedrock/claude_platform/` (a third client of the
//!   same host): `x-api-key` or SigV4 for `aws-external-anthropic`,
//!   `anthropic-workspace-id` required.
//!
//! Thin documentation, chosen and said so (ledger `inferred`): the service's
//! own error words are not published. Refusals use Anthropic's error shape,
//! which the clients above parse (they are the Anthropic client with another
//! base URL and auth); the workspace rules' words are the simulator's.

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

pub(crate) struct ClaudePlatformAws;

/// The Messages path: the Anthropic client's, under the service's root
/// (`_client.py` passes the base URL to the Anthropic client unchanged).
const MESSAGES_PATH: &str = "/v1/messages";

/// Token counting: the Anthropic client's `messages.count_tokens`, which
/// `AnthropicAWS` inherits (inferred that the service serves it: no source
/// says it does not; `crate::providers::count_tokens`).
const COUNT_TOKENS_PATH: &str = "/v1/messages/count_tokens";

/// SigV4's signing service (`_client.py` `_prepare_request`:
/// `service_name="aws-external-anthropic"`; the CLI's bundled client and
/// LiteLLM's `CLAUDE_PLATFORM_SERVICE_NAME` say the same). A signature
/// scoped to `bedrock` or `bedrock-mantle` is refused.
pub(crate) const SIGNING_SERVICE: &str = "aws-external-anthropic";

/// The header naming the workspace (`_client.py` `default_headers`).
pub(crate) const WORKSPACE_HEADER: &str = "anthropic-workspace-id";

/// AWS's refusal of a signature, in the endpoint's (Anthropic) error shape;
/// the AWS exception name stays in the message and the record.
fn deny(rule: &'static str, kind: &str, message: String) -> Rejection {
    anthropic::error(rule, 403, "permission_error", format!("{kind}: {message}"))
}

/// Whether `model` is an Anthropic model id (`claude-…`, optionally dated):
/// not Bedrock's (`us.anthropic.…-v1:0`), Mantle's (`anthropic.…`) or
/// Vertex's (`…@date`). Claude Code's AWS mode sends Anthropic's ids
/// (captured, `claude-opus-4-7`) and the client takes the first-party ones;
/// that the service refuses the other platforms' ids is inferred.
fn valid_model_id(model: &str) -> bool {
    model
        .strip_prefix("claude-")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains([':', '@', '.', '/']))
}

impl Codec for ClaudePlatformAws {
    type Op = Op;
    const API: Api = Api::ClaudePlatformAws;

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
        // Two forms (`_credentials.py` `resolve_auth_mode`): SigV4 for the
        // service, or the API key as the Anthropic client sends it.
        let authorization = req.header("authorization");
        if let Some(v) = authorization
            && v.starts_with("AWS4-HMAC-SHA256 ")
        {
            sigv4::verify_service(req, SIGNING_SERVICE, deny)?;
        } else {
            let bearer = authorization.and_then(|v| v.strip_prefix("Bearer "));
            match req.header("x-api-key").or(bearer) {
                Some(k) if k == req.auth.creds.claude_platform_aws_api_key => {}
                Some(_) => {
                    return Err(anthropic::error(
                        "claude_platform_aws.auth",
                        401,
                        "authentication_error",
                        "invalid x-api-key",
                    ));
                }
                None => {
                    return Err(anthropic::error(
                        "claude_platform_aws.auth",
                        401,
                        "authentication_error",
                        "missing credentials: send an API key as x-api-key, or sign with SigV4 (service aws-external-anthropic)",
                    ));
                }
            }
        }
        // The workspace the request runs in: the client always names one
        // (ledger "claude_platform_aws.workspace_required"); a workspace the
        // credentials do not belong to is refused (inferred).
        match req.header(WORKSPACE_HEADER) {
            None | Some("") => Err(anthropic::error(
                "claude_platform_aws.workspace_required",
                400,
                "invalid_request_error",
                "anthropic-workspace-id: header is required",
            )),
            Some(w) if w != req.auth.creds.claude_platform_aws_workspace_id => {
                Err(anthropic::error(
                    "claude_platform_aws.workspace_access",
                    403,
                    "permission_error",
                    format!("the credentials have no access to workspace `{w}`"),
                ))
            }
            Some(_) => Ok(()),
        }
    }

    fn validate(&self, req: &Incoming, op: Op) -> Result<Call, Rejection> {
        require_version(req, "claude_platform_aws.requires_anthropic_version")?;
        let model = json_body(req)
            .and_then(|b| b["model"].as_str().map(str::to_owned))
            .unwrap_or_default();
        if !model.is_empty() && !valid_model_id(&model) {
            return Err(anthropic::error(
                "claude_platform_aws.model_id",
                404,
                "not_found_error",
                format!("model: {model}"),
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
        anthropic::error("claude_platform_aws.route", 404, "not_found_error", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_ids_as_anthropic_names_them() {
        for good in ["claude-opus-4-7", "claude-haiku-4-5-20251001"] {
            assert!(valid_model_id(good), "{good}");
        }
        for bad in [
            "anthropic.claude-haiku-4-5",
            "us.anthropic.claude-haiku-4-5-20251001-v1:0",
            "claude-haiku-4-5@20251001",
            "claude-",
            "gpt-4o",
        ] {
            assert!(!valid_model_id(bad), "{bad}");
        }
    }
}
