//! Bedrock InvokeModel: `POST /model/{id}/invoke` and
//! `/invoke-with-response-stream`. The body is the Anthropic dialect with
//! `anthropic_version: bedrock-2023-05-31` and no `model`/`stream`; the
//! stream is event-stream `chunk` frames, each a base64 Anthropic event.

use base64::Engine as _;
use serde_json::{Value, json};

use super::error::{bedrock_error, failure, validation};
use super::{MALFORMED, Op, converse, eventstream, request_id, resolve, sigv4};
use crate::pipeline::{Call, Codec, Turn};
use crate::providers::anthropic::dialect::{self, Dialect};
use crate::providers::anthropic::encode;
use crate::providers::anthropic::{event_kind, is_text_delta};
use crate::providers::count_tokens;
use crate::rules::tool_streaming;
use crate::wire::answer::{Answer, Event, Framing};
use crate::wire::api::Api;
use crate::wire::body::{json_body, random_hex};
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::response::ModelResponse;

pub(crate) struct Invoke;

/// The top-level fields InvokeModel takes for Claude: AWS's request page
/// (anthropic_version, anthropic_beta, max_tokens, system, messages,
/// temperature, top_p, top_k, tools, tool_choice, stop_sequences:
/// https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html),
/// `thinking` (its extended thinking page), and what Bedrock is observed to
/// take: `output_config` with `effort` (BerriAI/litellm PR #28312 refuses
/// only its `format`), `context_management` with its beta
/// (BerriAI/litellm#27532), `metadata`. LiteLLM keeps the same list
/// (PR #26148, `BedrockInvokeAnthropicMessagesRequest`) after Claude Code
/// through it failed on Bedrock with the Anthropic-only fields.
const INVOKE_FIELDS: &[&str] = &[
    "anthropic_version",
    "anthropic_beta",
    "max_tokens",
    "messages",
    "system",
    "stop_sequences",
    "temperature",
    "top_p",
    "top_k",
    "tools",
    "tool_choice",
    "thinking",
    "metadata",
    "output_config",
    "context_management",
];

/// Bedrock's own schema check of the InvokeModel body, before the model
/// sees it: a top-level key it does not know is refused in Bedrock's words
/// ("Malformed input request: #: extraneous key [output_config] is not
/// permitted", BerriAI/litellm PR #22802, 2026-03-04; the same form for
/// `stream`, sigoden/aichat#543); `output_config.format` is refused by the
/// model's validation (BerriAI/litellm PR #28312, 2026-05-20, Opus 4.7:
/// `{"message":"output_config.format: Extra inputs are not permitted"}`).
fn check_fields(body: &Value) -> Result<(), Rejection> {
    let Some(obj) = body.as_object() else {
        return Ok(());
    };
    if let Some(key) = obj.keys().find(|k| !INVOKE_FIELDS.contains(&k.as_str())) {
        return Err(validation(
            "bedrock_invoke.field_allowlist",
            format!(
                "Malformed input request: #: extraneous key [{key}] is not permitted, please \
             reformat your input and try again."
            ),
        ));
    }
    if obj
        .get("output_config")
        .is_some_and(|o| o.get("format").is_some())
    {
        return Err(validation(
            "bedrock_invoke.output_config_keys",
            "output_config.format: Extra inputs are not permitted",
        ));
    }
    Ok(())
}

impl Codec for Invoke {
    type Op = Op;
    const API: Api = Api::BedrockInvoke;

    fn operation(&self, req: &Incoming) -> Option<Op> {
        super::operation(req, ["invoke", "invoke-with-response-stream"])
    }

    fn streams(&self, op: &Op) -> Option<bool> {
        Some(op.stream)
    }

    fn authenticate(&self, req: &Incoming, _: &Op) -> Result<(), Rejection> {
        sigv4::verify(req)
    }

    fn validate(&self, req: &Incoming, op: Op) -> Result<Call, Rejection> {
        if op.count {
            return super::count_call(req, op, converse::parse);
        }
        let canonical = resolve(&op.model)?;
        let body = json_body(req).ok_or_else(|| validation("bedrock.malformed_json", MALFORMED))?;
        check_fields(&body)?;
        let (mut request, _, _) = dialect::parse_body(&body, Dialect::Bedrock)?;
        request.model = canonical;
        request.eager_tool_input = tool_streaming::opted_in(
            tool_streaming::body_betas(body.get("anthropic_beta")),
            body.get("tools"),
        );
        Ok(Call::Turn(Turn {
            request,
            stream: op.stream,
            upstream_model: op.model,
        }))
    }

    fn encode(&self, resp: &ModelResponse, stream: bool, upstream_model: &str) -> Answer {
        let id = format!("msg_bdrk_{}", random_hex(20));
        if !stream {
            return Answer::Json {
                headers: vec![
                    request_id(),
                    (
                        "X-Amzn-Bedrock-Input-Token-Count".to_owned(),
                        resp.usage.input_tokens.to_string(),
                    ),
                    (
                        "X-Amzn-Bedrock-Output-Token-Count".to_owned(),
                        resp.usage.output_tokens.to_string(),
                    ),
                ],
                body: encode::message_json(resp, &id, upstream_model),
            };
        }
        let mut events = encode::stream_events(resp, &id, upstream_model);
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
        let events = events
            .iter()
            .map(|e| {
                let payload = json!({"bytes": base64::engine::general_purpose::STANDARD.encode(e.to_string())});
                Event {
                    kind: event_kind(e),
                    bytes: eventstream::event_frame("chunk", payload.to_string().as_bytes()),
                    paced: is_text_delta(e),
                }
            })
            .collect();
        let events = tool_streaming::pace(events, resp.eager_tool_input);
        Answer::Stream {
            framing: Framing::EventStream,
            headers: vec![
                request_id(),
                // InvokeModelWithResponseStreamResponse's `contentType` is
                // required and bound to this header (botocore
                // bedrock-runtime/2023-09-30/service-2.json); boto3's parsed
                // response lacked a required member without it.
                (
                    "X-Amzn-Bedrock-Content-Type".to_owned(),
                    "application/json".to_owned(),
                ),
            ],
            events,
            hold_open: false,
            flush_at_end: false,
        }
    }

    fn encode_count(&self, input_tokens: u64) -> Answer {
        count_tokens::bedrock_answer(input_tokens)
    }

    fn readable_count_body(&self, body: &Value) -> Option<Value> {
        count_tokens::readable_body(body)
    }

    fn invalid(&self, rule: &'static str, message: String) -> Rejection {
        validation(rule, message)
    }

    fn failure(&self, status: u16) -> Option<Rejection> {
        failure(status)
    }

    fn unknown_route(&self, message: String) -> Rejection {
        bedrock_error("bedrock.route", 404, "UnknownOperationException", message)
    }
}
