//! OpenAI's error shapes, one function per shape, and the table of what
//! each rule's refusal carries as `type`/`code`/`param`.
//!
//! - OpenAI: `{"error":{"message","type","param","code"}}`, all four keys
//!   present, `param`/`code` nullable (OpenAI's OpenAPI spec, `Error` and
//!   `ErrorResponse`; openai-python's `APIError` reads `error.code`,
//!   `error.param`, `error.type`). Azure OpenAI answers a model's
//!   validation errors in the same shape.
//! - Azure's gateway (auth, routes, deployments, api-version):
//!   `{"error":{"code","message"}}` with a string code (the 401 body quoted
//!   in https://github.com/SciSharp/BotSharp/issues/386, 2024-04-02).
//!
//! chat: the Chat Completions codec (chat.rs) refuses through the same
//! functions; add its rules' codes to [`code_of`].

use serde_json::{Value, json};

use crate::wire::rejection::Rejection;

/// OpenAI's error body (ledger rule "openai.error_shape").
pub(crate) fn openai_body(
    message: &str,
    kind: &str,
    param: Option<&str>,
    code: Option<&str>,
) -> Value {
    json!({"error": {"message": message, "type": kind, "param": param, "code": code}})
}

/// A refusal in OpenAI's shape, decided by ledger rule `rule`.
pub(crate) fn openai(
    rule: &'static str,
    status: u16,
    kind: &str,
    param: Option<&str>,
    code: Option<&str>,
    message: impl Into<String>,
) -> Rejection {
    let message = message.into();
    Rejection::new(
        rule,
        status,
        openai_body(&message, kind, param, code),
        message,
    )
    .with_header("x-request-id", request_id())
}

/// A refusal in Azure's gateway shape (`{"error":{"code","message"}}`).
pub(crate) fn azure(
    rule: &'static str,
    status: u16,
    code: &str,
    message: impl Into<String>,
) -> Rejection {
    let message = message.into();
    Rejection::new(
        rule,
        status,
        json!({"error": {"code": code, "message": message}}),
        message,
    )
    .with_header("apim-request-id", request_id())
}

/// An invalid request (400) in OpenAI's shape: the `code` and `param` the
/// rule's refusal carries ([`code_of`]).
pub(crate) fn invalid(rule: &'static str, message: String) -> Rejection {
    let (param, code) = code_of(rule);
    let kind = "invalid_request_error";
    let status = if rule == "openai.model_not_found" {
        404
    } else {
        400
    };
    openai(rule, status, kind, param, code, message)
}

/// The `param` and `code` of each rule's refusal, as OpenAI names them
/// (their sources are the rules' ledger entries, compat-sim/ledger/openai.yaml);
/// a rule not listed answers `null` for both, as OpenAI does for a
/// generic invalid request.
pub(crate) fn code_of(rule: &str) -> (Option<&'static str>, Option<&'static str>) {
    match rule {
        "responses.reasoning_encrypted" => (None, Some("invalid_encrypted_content")),
        "responses.call_needs_output" | "responses.output_needs_call" => (Some("input"), None),
        "responses.reasoning_effort_values" => {
            (Some("reasoning.effort"), Some("unsupported_value"))
        }
        "responses.field_allowlist" => (None, Some("unknown_parameter")),
        "responses.model_required" => (Some("model"), Some("missing_required_parameter")),
        "responses.input_image_is_image" => (Some("input"), Some("invalid_value")),
        "responses.text_format" => (Some("text.format"), Some("invalid_value")),
        "openai.prompt_cache_breakpoint" => (Some("input"), Some("invalid_value")),
        "responses.tool_choice_offered" => (Some("tool_choice"), Some("invalid_value")),
        "openai.model_not_found" => (Some("model"), Some("model_not_found")),
        "context.window" => (Some("input"), Some("context_length_exceeded")),
        _ => (None, None),
    }
}

/// The statuses OpenAI answers a failing request with, the error `type`
/// it names and a message in its words (OpenAI's "Error codes" guide,
/// https://platform.openai.com/docs/guides/error-codes: 401, 403, 429, 500,
/// 503; the types as openai-python's tests and the public reports carry
/// them). Azure OpenAI relays the model's 500/503 in this shape and its
/// own 429 in its gateway shape ([`failure`]).
pub(crate) const STATUSES: &[(u16, &str, &str)] = &[
    (400, "invalid_request_error", "Invalid request (simulated)"),
    (
        401,
        "invalid_request_error",
        "Incorrect API key provided (simulated).",
    ),
    (
        403,
        "invalid_request_error",
        "Country, region, or territory not supported (simulated)",
    ),
    (
        404,
        "invalid_request_error",
        "The model does not exist or you do not have access to it (simulated).",
    ),
    (
        429,
        "tokens",
        "Rate limit reached for requests (simulated). Please try again in 1s.",
    ),
    (
        500,
        "server_error",
        "The server had an error while processing your request. Sorry about that! (simulated)",
    ),
    (
        503,
        "server_error",
        "The engine is currently overloaded, please try again later. (simulated)",
    ),
];

/// The failure's `code` (OpenAI's error codes guide names these).
fn failure_code(status: u16) -> Option<&'static str> {
    match status {
        401 => Some("invalid_api_key"),
        403 => Some("unsupported_country_region_territory"),
        404 => Some("model_not_found"),
        429 => Some("rate_limit_exceeded"),
        _ => None,
    }
}

/// OpenAI's (`azure`: Azure OpenAI's) answer when it fails with `status`,
/// or `None` for a status its table lacks.
pub(crate) fn failure(status: u16, azure_gateway: bool) -> Option<Rejection> {
    let (s, kind, message) = STATUSES.iter().find(|(s, ..)| *s == status)?;
    if azure_gateway && *s == 429 {
        return Some(
            azure(
                "fault.upstream_failure",
                429,
                "429",
                "Requests to the Responses_Create Operation have exceeded token rate limit of your current tier (simulated). Please retry after 1 second.",
            )
            .with_header("retry-after", "1"),
        );
    }
    Some(openai(
        "fault.upstream_failure",
        *s,
        kind,
        None,
        failure_code(*s),
        *message,
    ))
}

fn request_id() -> String {
    format!("req_sim{}", crate::wire::body::random_hex(24))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_present_even_when_null() {
        let r = invalid("responses.body_object", "x".into());
        let e = &r.body.unwrap()["error"];
        for k in ["message", "type", "param", "code"] {
            assert!(e.get(k).is_some(), "{k}");
        }
        assert!(e["code"].is_null());
    }

    #[test]
    fn azure_throttles_in_its_own_shape() {
        let r = failure(429, true).unwrap();
        assert_eq!(r.body.unwrap()["error"]["code"], "429");
        let r = failure(429, false).unwrap();
        assert_eq!(r.body.unwrap()["error"]["code"], "rate_limit_exceeded");
        assert!(failure(529, false).is_none());
    }
}
