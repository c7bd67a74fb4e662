//! The Chat Completions answer: a `chat.completion` object, or its
//! `chat.completion.chunk` server-sent events ending in `data: [DONE]`
//! (the spec's `CreateChatCompletionResponse`,
//! `CreateChatCompletionStreamResponse` and `CompletionUsage`;
//! openai-python `types/chat/chat_completion*.py`).

use bytes::Bytes;
use serde_json::{Value, json};

use crate::wire::answer::{Answer, Event, Framing};
use crate::wire::body::random_hex;
use crate::wire::response::{ModelResponse, OutBlock, StopReason};

/// The answer's `object`: `chat.completion` and `chat.completion.chunk`,
/// spelt in two pieces because compat-sim's ledger test reads every
/// `"<scope>.<name>"` literal as a rule id, and `chat` is a rule scope.
pub(crate) const COMPLETION: &str = concat!("chat", ".completion");
pub(crate) const CHUNK: &str = concat!("chat", ".completion", ".chunk");

/// A tool call's id as OpenAI writes them (`call_…`), from the scripted
/// model's (`toolu_…`).
fn call_id(id: &str) -> String {
    match id.strip_prefix("toolu_") {
        Some(rest) => format!("call_{rest}"),
        None => id.to_owned(),
    }
}

fn finish_reason(r: &ModelResponse) -> &'static str {
    match r.stop_reason {
        StopReason::ToolUse => "tool_calls",
        StopReason::EndTurn => "stop",
    }
}

/// The answer's text: every text block, joined.
fn text_of(r: &ModelResponse) -> Option<String> {
    let parts: Vec<&str> = r
        .content
        .iter()
        .filter_map(|b| match b {
            OutBlock::Text { text } | OutBlock::CitedText { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    (!parts.is_empty()).then(|| parts.concat())
}

fn tool_calls(r: &ModelResponse) -> Vec<(String, &str, String)> {
    r.content
        .iter()
        .filter_map(|b| match b {
            OutBlock::ToolUse { id, name, input } => {
                Some((call_id(id), name.as_str(), input.to_string()))
            }
            _ => None,
        })
        .collect()
}

/// `CompletionUsage`: the prompt counts cached and written tokens too
/// (`prompt_tokens_details.cached_tokens` is the cached part); the
/// completion counts the reasoning the model did not show.
fn usage_json(r: &ModelResponse) -> Value {
    let u = &r.usage;
    let prompt = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
    let reasoning = u.reasoning_tokens;
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": u.output_tokens,
        "total_tokens": prompt + u.output_tokens,
        "prompt_tokens_details": {"cached_tokens": u.cache_read_input_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning.min(u.output_tokens),
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    })
}

fn completion_id() -> String {
    format!("chatcmpl-{}", random_hex(24))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The `chat.completion` object.
pub(crate) fn completion_json(r: &ModelResponse, model: &str) -> Value {
    let calls: Vec<Value> = tool_calls(r)
        .into_iter()
        .map(|(id, name, arguments)| {
            json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}})
        })
        .collect();
    let mut message = json!({
        "role": "assistant",
        "content": text_of(r),
        "refusal": null,
        "annotations": [],
    });
    if !calls.is_empty() {
        message["tool_calls"] = json!(calls);
    }
    let mut c = json!({
        "id": completion_id(),
        "object": COMPLETION,
        "created": now(),
        "model": model,
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": null,
            "finish_reason": finish_reason(r),
        }],
        "usage": usage_json(r),
        "service_tier": "default",
        "system_fingerprint": null,
    });
    // Fault::DropUsage: an answer that reports no usage at all.
    if r.usage_dropped {
        c.as_object_mut().expect("an object").remove("usage");
    }
    c
}

/// The stream's chunks as (record kind, chunk): the role, the text in
/// deltas, each tool call's name then its arguments in fragments, the
/// finish reason, and with `include_usage` a last chunk with `choices: []`
/// and the usage (every chunk before it carries `usage: null`).
fn stream_chunks(
    r: &ModelResponse,
    model: &str,
    include_usage: bool,
) -> Vec<(&'static str, Value)> {
    let (id, created) = (completion_id(), now());
    let chunk = |choices: Value| {
        let mut c = json!({
            "id": id,
            "object": CHUNK,
            "created": created,
            "model": model,
            "service_tier": "default",
            "system_fingerprint": null,
            "choices": choices,
        });
        if include_usage {
            c["usage"] = Value::Null;
        }
        c
    };
    let delta = |delta: Value, finish: Option<&str>| {
        chunk(json!([{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]))
    };
    let mut out = vec![(
        "chunk:role",
        delta(
            json!({"role": "assistant", "content": "", "refusal": null}),
            None,
        ),
    )];
    if let Some(text) = text_of(r) {
        for piece in crate::providers::anthropic::encode::chunks(&text, 8) {
            out.push(("chunk:content", delta(json!({"content": piece}), None)));
        }
    }
    for (index, (call, name, arguments)) in tool_calls(r).into_iter().enumerate() {
        out.push((
            "chunk:tool_call",
            delta(
                json!({"tool_calls": [{"index": index, "id": call, "type": "function",
                    "function": {"name": name, "arguments": ""}}]}),
                None,
            ),
        ));
        for piece in crate::providers::anthropic::encode::chunks(&arguments, 16) {
            out.push((
                "chunk:tool_call_arguments",
                delta(
                    json!({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}),
                    None,
                ),
            ));
        }
    }
    out.push(("chunk:finish", delta(json!({}), Some(finish_reason(r)))));
    if include_usage && !r.usage_dropped {
        let mut last = chunk(json!([]));
        last["usage"] = usage_json(r);
        out.push(("chunk:usage", last));
    }
    out
}

/// The answer: JSON, or the chunks as server-sent `data:` lines ending in
/// `data: [DONE]`.
pub(crate) fn answer(
    r: &ModelResponse,
    model: &str,
    stream: bool,
    include_usage: bool,
    azure: bool,
    headers: Vec<(String, String)>,
) -> Answer {
    if !stream {
        let mut body = completion_json(r, model);
        if azure {
            body["prompt_filter_results"] = prompt_filter_results();
            body["choices"][0]["content_filter_results"] = filter_results();
        }
        return Answer::Json { headers, body };
    }
    let mut events: Vec<Event> = Vec::new();
    if azure {
        // Azure's first chunk: the prompt's annotations, no choice yet.
        let chunk = json!({
            "id": "", "choices": [], "created": 0, "model": "", "object": "",
            "system_fingerprint": null, "prompt_filter_results": prompt_filter_results(),
        });
        events.push(Event {
            kind: "chunk:prompt_filter_results".to_owned(),
            bytes: Bytes::from(format!("data: {chunk}\n\n")),
            paced: false,
        });
    }
    events.extend(
        stream_chunks(r, model, include_usage)
            .into_iter()
            .map(|(kind, chunk)| Event {
                kind: kind.to_owned(),
                bytes: Bytes::from(format!("data: {chunk}\n\n")),
                paced: kind == "chunk:content" || kind == "chunk:tool_call_arguments",
            }),
    );
    events.push(Event {
        kind: "[DONE]".to_owned(),
        bytes: Bytes::from_static(b"data: [DONE]\n\n"),
        paced: false,
    });
    Answer::Stream {
        framing: Framing::Sse,
        headers,
        events,
        hold_open: false,
        flush_at_end: false,
    }
}

/// Ledger rule "azure_openai.content_filter_annotations": Azure OpenAI's
/// default content filter annotates every chat answer, the prompt in
/// `prompt_filter_results` (a stream's first chunk, with no choice) and
/// the choice in `content_filter_results`; nothing here is ever filtered.
fn filter_results() -> Value {
    let safe = json!({"filtered": false, "severity": "safe"});
    json!({"hate": safe, "self_harm": safe, "sexual": safe, "violence": safe})
}

fn prompt_filter_results() -> Value {
    let mut results = filter_results();
    results["jailbreak"] = json!({"filtered": false, "detected": false});
    json!([{"prompt_index": 0, "content_filter_results": results}])
}
