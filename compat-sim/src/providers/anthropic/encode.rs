//! The Anthropic Messages answer on the wire: a scripted model's response
//! as one Messages JSON object, as the stream's SSE events, and the error
//! body. Shared by every provider that speaks the Messages body (the API,
//! Foundry, Mantle, Vertex rawPredict, Bedrock InvokeModel); the request
//! side is `dialect.rs`.

use serde_json::{Value, json};

use crate::wire::response::{ModelResponse, OutBlock};

/// The response as one Messages API JSON object.
pub fn message_json(resp: &ModelResponse, id: &str, model: &str) -> Value {
    json!({
        "id": id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": resp.content.iter().map(block_json).collect::<Vec<_>>(),
        "stop_reason": resp.stop_reason.as_anthropic(),
        "stop_sequence": null,
        "usage": usage_json(resp),
    })
}

fn usage_json(resp: &ModelResponse) -> Value {
    let mut usage = json!({
        "input_tokens": resp.usage.input_tokens,
        "cache_creation_input_tokens": resp.usage.cache_creation_input_tokens,
        "cache_read_input_tokens": resp.usage.cache_read_input_tokens,
        // The write split by TTL, as the Messages API reports it
        // (platform.claude.com/docs/en/build-with-claude/prompt-caching#1-hour-cache-duration);
        // Vertex rawPredict, Bedrock InvokeModel and Foundry return the
        // model's own usage object.
        "cache_creation": {
            "ephemeral_5m_input_tokens": resp.usage.cache_creation_5m_input_tokens(),
            "ephemeral_1h_input_tokens": resp.usage.cache_creation_1h_input_tokens,
        },
        "output_tokens": resp.usage.output_tokens,
    });
    // Server tool use is reported when a server tool ran (the web search
    // tool's docs, "Usage and pricing").
    if resp.usage.web_search_requests > 0 {
        usage["server_tool_use"] = json!({"web_search_requests": resp.usage.web_search_requests});
    }
    usage
}

fn block_json(b: &OutBlock) -> Value {
    match b {
        OutBlock::Thinking {
            thinking,
            signature,
        } => {
            json!({"type": "thinking", "thinking": thinking, "signature": signature})
        }
        OutBlock::Text { text } => json!({"type": "text", "text": text}),
        OutBlock::ToolUse { id, name, input } => {
            json!({"type": "tool_use", "id": id, "name": name, "input": input})
        }
        OutBlock::ServerToolUse { id, name, input } => {
            json!({"type": "server_tool_use", "id": id, "name": name, "input": input})
        }
        OutBlock::WebSearchToolResult {
            tool_use_id,
            content,
        } => {
            json!({"type": "web_search_tool_result", "tool_use_id": tool_use_id, "content": content})
        }
        OutBlock::CitedText { text, citations } => {
            json!({"type": "text", "text": text, "citations": citations})
        }
    }
}

/// The response as the sequence of Messages streaming events (the payloads of
/// SSE `data:` lines, or of Bedrock `chunk` frames). Text is split into
/// several deltas, as a real model streams it.
pub fn stream_events(resp: &ModelResponse, id: &str, model: &str) -> Vec<Value> {
    let mut start_usage = usage_json(resp);
    start_usage["output_tokens"] = json!(1);
    let mut events = vec![json!({
        "type": "message_start",
        "message": {
            "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": null, "stop_sequence": null, "usage": start_usage,
        }
    })];
    for (index, block) in resp.content.iter().enumerate() {
        let (start, deltas): (Value, Vec<Value>) = match block {
            OutBlock::Thinking {
                thinking,
                signature,
            } => (
                json!({"type": "thinking", "thinking": "", "signature": ""}),
                chunks(thinking, 24)
                    .into_iter()
                    .map(|c| json!({"type": "thinking_delta", "thinking": c}))
                    .chain([json!({"type": "signature_delta", "signature": signature})])
                    .collect(),
            ),
            OutBlock::Text { text } => (
                json!({"type": "text", "text": ""}),
                chunks(text, 8)
                    .into_iter()
                    .map(|c| json!({"type": "text_delta", "text": c}))
                    .collect(),
            ),
            OutBlock::ToolUse { id, name, input } => (
                json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
                chunks(
                    &input.to_string(),
                    crate::rules::tool_streaming::FRAGMENT_CHARS,
                )
                .into_iter()
                .map(|c| json!({"type": "input_json_delta", "partial_json": c}))
                .collect(),
            ),
            // Server tools stream as Anthropic's web search docs show: the
            // call's input as input_json_delta, the result whole in its
            // start event, citations as citations_delta before the text.
            OutBlock::ServerToolUse { id, name, input } => (
                json!({"type": "server_tool_use", "id": id, "name": name, "input": {}}),
                vec![json!({"type": "input_json_delta", "partial_json": input.to_string()})],
            ),
            OutBlock::WebSearchToolResult { .. } => (block_json(block), Vec::new()),
            OutBlock::CitedText { text, citations } => (
                json!({"type": "text", "text": ""}),
                citations
                    .iter()
                    .map(|c| json!({"type": "citations_delta", "citation": c}))
                    .chain(
                        chunks(text, 8)
                            .into_iter()
                            .map(|c| json!({"type": "text_delta", "text": c})),
                    )
                    .collect(),
            ),
        };
        events.push(json!({"type": "content_block_start", "index": index, "content_block": start}));
        for delta in deltas {
            events.push(json!({"type": "content_block_delta", "index": index, "delta": delta}));
        }
        events.push(json!({"type": "content_block_stop", "index": index}));
    }
    events.push(json!({
        "type": "message_delta",
        "delta": {"stop_reason": resp.stop_reason.as_anthropic(), "stop_sequence": null},
        "usage": usage_json(resp),
    }));
    events.push(json!({"type": "message_stop"}));
    events
}

/// Splits text into pieces of about `size` characters (on char boundaries).
pub(crate) fn chunks(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

/// Anthropic's error body.
pub fn error_json(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}})
}
