//! Token counting: each provider's counting endpoint, answered from the
//! prompt length the simulators already bill (`wire::request::prompt_tokens`, ~4
//! characters a token), so that a count and the usage of the same prompt
//! agree as they do on the real services.
//!
//! The endpoints (each codec routes its path here):
//! - Anthropic API: `POST /v1/messages/count_tokens`, the Messages body
//!   without `max_tokens`, answering `{"input_tokens": N}`
//!   (https://docs.claude.com/en/api/messages-count-tokens). Azure AI Foundry
//!   (`/anthropic/v1/messages/count_tokens`) and Bedrock Mantle
//!   (`/anthropic/v1/messages/count_tokens`) serve the same operation under
//!   their Anthropic base: Anthropic lists token counting among the features
//!   of every third-party platform API
//!   (https://platform.claude.com/docs/en/api/overview#third-party-platform-apis),
//!   and LiteLLM 1.108.7 calls exactly these paths
//!   (`llms/azure_ai/anthropic/count_tokens/transformation.py`,
//!   `llms/bedrock/count_tokens/mantle_handler.py`, which cites AWS).
//! - Vertex AI: `POST .../publishers/anthropic/models/count-tokens:rawPredict`,
//!   the model id in the body (Google, "Count tokens for Claude models":
//!   https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/partner-models/claude/count-tokens
//!   "The body of the request must contain the model ID").
//! - Bedrock Runtime: `POST /model/{modelId}/count-tokens` with
//!   `{"input": {"invokeModel": {"body": <base64 InvokeModel body>}}}` or
//!   `{"input": {"converse": {...}}}`, answering `{"inputTokens": N}`
//!   (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html,
//!   `API_runtime_CountTokensInput.html`, `API_runtime_InvokeModelTokensRequest.html`).
//!   It counts for a foundation model id only: a cross-region inference
//!   profile (`us.anthropic...`) is refused with "The provided model doesn't
//!   support counting tokens." (observed against the live service:
//!   github.com/Boise-State-Development/agentcore-public-stack/pull/430,
//!   github.com/maximhq/bifrost/pull/2169, github.com/strands-agents/harness-sdk/pull/2254).

use serde_json::{Value, json};

use crate::providers::anthropic::dialect::{self, Dialect};
use crate::wire::answer::Answer;
use crate::wire::rejection::Rejection;
use crate::wire::request::ModelRequest;

/// Top-level fields of a count_tokens body (the Messages body's, without
/// `max_tokens`, `stream`, sampling and `metadata`:
/// https://docs.claude.com/en/api/messages-count-tokens, body parameters).
const COUNT_FIELDS: &[&str] = &[
    "model",
    "messages",
    "system",
    "tools",
    "tool_choice",
    "thinking",
    "mcp_servers",
    "context_management",
    "output_config",
    "output_format",
];

/// Bedrock Runtime's answer, `{"inputTokens": N}`.
pub(crate) fn bedrock_answer(n: u64) -> Answer {
    Answer::Json {
        headers: Vec::new(),
        body: json!({ "inputTokens": n }),
    }
}

/// An Anthropic count_tokens body (Anthropic API, Foundry, Mantle; Vertex
/// with `vertex = true`, which also takes `anthropic_version`): the
/// conversation to count and the model id it names.
pub(crate) fn anthropic_body(
    body: &Value,
    vertex: bool,
) -> Result<(ModelRequest, String), Rejection> {
    let obj = body
        .as_object()
        .ok_or_else(|| Rejection::invalid("msg.body_object", "body: must be a JSON object"))?;
    for key in obj.keys() {
        let allowed =
            COUNT_FIELDS.contains(&key.as_str()) || (vertex && key == "anthropic_version");
        if !allowed {
            return Err(Rejection::invalid(
                "count_tokens.field_allowlist",
                format!("{key}: Extra inputs are not permitted"),
            ));
        }
    }
    if vertex
        && let Some(v) = obj.get("anthropic_version")
        && v != "vertex-2023-10-16"
    {
        return Err(Rejection::invalid(
            "vertex.count_tokens.anthropic_version",
            format!("anthropic_version: invalid version `{v}`, expected `vertex-2023-10-16`"),
        ));
    }
    // The Messages validation, with what a count body has no place for
    // (ledger rule "count_tokens.validates_as_turn").
    let mut as_turn = obj.clone();
    as_turn.remove("anthropic_version");
    as_turn.remove("output_format");
    as_turn.insert("max_tokens".into(), json!(1));
    let (request, model, _) = dialect::parse_body(&Value::Object(as_turn), Dialect::Api)?;
    Ok((request, model.unwrap_or_default()))
}

/// Bedrock CountTokens' `input`: the InvokeModel body (base64) in the
/// Anthropic Bedrock dialect, or a Converse request (parsed by
/// `converse`, the Converse codec's parser).
pub(crate) fn bedrock_input(
    body: &Value,
    converse: impl Fn(&Value) -> Result<ModelRequest, Rejection>,
) -> Result<ModelRequest, Rejection> {
    let input = body
        .get("input")
        .and_then(Value::as_object)
        .ok_or_else(|| Rejection::invalid("bedrock.count_tokens.input_union", "1 validation error detected: Value null at 'input' failed to satisfy constraint: Member must not be null"))?;
    match (input.get("invokeModel"), input.get("converse")) {
        (Some(invoke), None) => {
            let encoded = invoke.get("body").and_then(Value::as_str).ok_or_else(|| {
                Rejection::invalid(
                    "bedrock.count_tokens.input_union",
                    "input.invokeModel.body: Member must not be null",
                )
            })?;
            let raw = base64_decode(encoded).ok_or_else(|| {
                Rejection::invalid(
                    "bedrock.count_tokens.input_union",
                    "input.invokeModel.body: invalid base64",
                )
            })?;
            let inner: Value = serde_json::from_slice(&raw).map_err(|_| {
                Rejection::invalid(
                    "bedrock.count_tokens.input_union",
                    "Malformed input request, please reformat your input and try again.",
                )
            })?;
            // The InvokeModel body as InvokeModel validates it (its
            // `max_tokens` and `anthropic_version` included).
            let (request, _, _) = dialect::parse_body(&inner, Dialect::Bedrock)?;
            Ok(request)
        }
        (None, Some(c)) => converse(c),
        _ => Err(Rejection::invalid(
            "bedrock.count_tokens.input_union",
            "input: exactly one of invokeModel or converse must be set (CountTokensInput is a union)",
        )),
    }
}

/// A Bedrock CountTokens body with its InvokeModel body decoded in place
/// (`input.invokeModel.body` as JSON instead of base64), for the record;
/// `None` for any other body.
pub(crate) fn readable_body(body: &Value) -> Option<Value> {
    let encoded = body["input"]["invokeModel"]["body"].as_str()?;
    let decoded: Value = serde_json::from_slice(&base64_decode(encoded)?).ok()?;
    let mut readable = body.clone();
    readable["input"]["invokeModel"]["body"] = decoded;
    Some(readable)
}

/// Whether a Bedrock model id names a cross-region inference profile
/// (`us.`, `eu.`, `apac.`, `global.`, ... before `anthropic.`), which
/// CountTokens refuses (module docs).
pub(crate) fn is_inference_profile(model: &str) -> bool {
    model
        .split_once('.')
        .is_some_and(|(prefix, rest)| rest.starts_with("anthropic.") && prefix != "anthropic")
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::request::prompt_tokens;

    #[test]
    fn anthropic_body_takes_no_max_tokens_and_refuses_extra_fields() {
        let body = json!({"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "a".repeat(400)}]});
        let (req, model) = anthropic_body(&body, false).expect("valid count body");
        assert_eq!(model, "claude-haiku-4-5");
        assert!(
            (108..130).contains(&prompt_tokens(&req)),
            "{}",
            prompt_tokens(&req)
        );
        let extra = json!({"model": "m", "max_tokens": 5, "messages": []});
        let err = anthropic_body(&extra, false).unwrap_err();
        assert!(err.message.contains("max_tokens"), "{}", err.message);
    }

    #[test]
    fn bedrock_input_decodes_the_invoke_body() {
        use base64::Engine as _;
        let inner = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1,
            "messages": [{"role": "user", "content": "b".repeat(40)}]});
        let encoded = base64::engine::general_purpose::STANDARD.encode(inner.to_string());
        let body = json!({"input": {"invokeModel": {"body": encoded}}});
        let req = bedrock_input(&body, |_| unreachable!()).expect("valid");
        assert!(
            (18..40).contains(&prompt_tokens(&req)),
            "{}",
            prompt_tokens(&req)
        );
        assert!(bedrock_input(&json!({"input": {}}), |_| unreachable!()).is_err());
    }

    #[test]
    fn inference_profiles_are_told_from_foundation_models() {
        assert!(is_inference_profile(
            "us.anthropic.claude-haiku-4-5-20251001-v1:0"
        ));
        assert!(is_inference_profile("global.anthropic.claude-sonnet-4-6"));
        assert!(!is_inference_profile(
            "anthropic.claude-haiku-4-5-20251001-v1:0"
        ));
    }
}
