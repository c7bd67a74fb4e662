//! The Responses API answer: a `response` object, or its SSE stream
//! (`event: <type>` + `data:` with a `sequence_number`), in the event order
//! of ledger rule "responses.sse_events": `response.created`,
//! `response.in_progress`, then per output item `response.output_item.added`
//! … `response.output_item.done` (text: `content_part.added`,
//! `output_text.delta`*, `output_text.done`, `content_part.done`; a function
//! call: `function_call_arguments.delta`*, `.done`; a hosted web search:
//! `web_search_call.in_progress`, `.searching`, `.completed`, its cited
//! message's `output_text.annotation.added` after the deltas; reasoning:
//! the summary part and text events only when a summary was asked), and
//! `response.completed` (openai-python 3.63.0 and 1.109.1
//! `types/responses/*_event.py`; the spec's `ResponseStreamEvent`).

use bytes::Bytes;
use serde_json::{Value, json};

use crate::providers::anthropic::encode::chunks;
use crate::wire::answer::{Answer, Event, Framing};
use crate::wire::body::random_hex;
use crate::wire::response::{ModelResponse, OutBlock};

/// The answer as a `response` object or as SSE.
pub(crate) fn encode(resp: &ModelResponse, stream: bool, model: &str) -> Answer {
    let id = format!("resp_sim{}", random_hex(24));
    let items = items(resp);
    if !stream {
        return Answer::Json {
            headers: vec![(
                "x-request-id".to_owned(),
                format!("req_sim{}", random_hex(24)),
            )],
            body: response_json(resp, &id, model, "completed", &items),
        };
    }
    let mut payloads: Vec<(Value, bool)> = Vec::new();
    let start = response_json(resp, &id, model, "in_progress", &[]);
    payloads.push((
        json!({"type": "response.created", "response": start}),
        false,
    ));
    payloads.push((
        json!({"type": "response.in_progress", "response": start}),
        false,
    ));
    for (i, item) in items.iter().enumerate() {
        item_events(item, i, &mut payloads);
    }
    payloads.push((
        json!({"type": "response.completed", "response": response_json(resp, &id, model, "completed", &items)}),
        false,
    ));
    let events: Vec<Event> = payloads
        .into_iter()
        .enumerate()
        .map(|(seq, (mut p, paced))| {
            p["sequence_number"] = json!(seq);
            let kind = p["type"].as_str().unwrap_or("unknown").to_owned();
            Event {
                bytes: Bytes::from(format!("event: {kind}\ndata: {p}\n\n")),
                kind,
                paced,
            }
        })
        .collect();
    let events = crate::rules::tool_streaming::pace(events, resp.eager_tool_input);
    Answer::Stream {
        framing: Framing::Sse,
        headers: Vec::new(),
        events,
        hold_open: false,
        flush_at_end: false,
    }
}

/// The output items, complete.
fn items(resp: &ModelResponse) -> Vec<Value> {
    let view = resp.reasoning_view;
    // A hosted web search answers with one message whose text the
    // citations index into (ledger rule "responses.hosted_web_search"):
    // the model's text blocks after the search join that message.
    let searched = resp
        .content
        .iter()
        .any(|b| matches!(b, OutBlock::ServerToolUse { .. }));
    let mut out: Vec<Value> = Vec::new();
    for b in &resp.content {
        match b {
            OutBlock::Thinking {
                thinking,
                signature,
            } => {
                let mut item = json!({
                    "id": format!("rs_sim{}", random_hex(24)),
                    "type": "reasoning",
                    "summary": if view.summary {
                        json!([{"type": "summary_text", "text": thinking}])
                    } else {
                        json!([])
                    },
                });
                // Ledger rule "responses.reasoning_encrypted": issued only
                // when `include` asks for it.
                if view.encrypted {
                    item["encrypted_content"] = json!(signature);
                }
                out.push(item);
            }
            OutBlock::Text { text } | OutBlock::CitedText { text, .. } => {
                let citations = match b {
                    OutBlock::CitedText { citations, .. } => citations.as_slice(),
                    _ => &[],
                };
                let joins = searched && out.last().is_some_and(|i| i["type"] == "message");
                if !joins {
                    out.push(json!({
                        "id": format!("msg_sim{}", random_hex(24)),
                        "type": "message",
                        "status": "completed",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": "", "annotations": [], "logprobs": []}],
                    }));
                }
                let part = &mut out.last_mut().expect("a message was pushed")["content"][0];
                cite(part, text, citations);
            }
            OutBlock::ToolUse { id, name, input } => out.push(json!({
                "id": format!("fc_sim{}", random_hex(24)),
                "type": "function_call",
                "status": "completed",
                "call_id": call_id(id),
                "name": name,
                "arguments": input.to_string(),
            })),
            // The hosted search's call (openai-python 3.63.0
            // `ResponseFunctionWebSearch`, action `ActionSearch`).
            OutBlock::ServerToolUse { input, .. } => out.push(json!({
                "id": format!("ws_sim{}", random_hex(24)),
                "type": "web_search_call",
                "status": "completed",
                "action": {"type": "search", "query": input["query"]},
            })),
            // OpenAI returns no result list unless `include` asks for
            // `web_search_call.action.sources`; the message cites them.
            OutBlock::WebSearchToolResult { .. } => {}
        }
    }
    out
}

/// Appends `text` to an `output_text` part, with a `url_citation` over it
/// for each of the model's citations (`start_index`/`end_index` in
/// characters of the part's whole text; the trailing line break is not
/// cited). openai-python 3.63.0 `response_output_text.py`
/// `AnnotationURLCitation`.
fn cite(part: &mut Value, text: &str, citations: &[Value]) {
    let before = part["text"].as_str().unwrap_or("").to_owned();
    let start = before.chars().count();
    let end = start + text.trim_end().chars().count();
    part["text"] = json!(before + text);
    if let Some(list) = part["annotations"].as_array_mut() {
        list.extend(citations.iter().map(|c| {
            json!({"type": "url_citation", "url": c["url"], "title": c["title"], "start_index": start, "end_index": end})
        }));
    }
}

/// A tool call's `call_id`: OpenAI's `call_` form of the model's id.
fn call_id(id: &str) -> String {
    match id.strip_prefix("toolu_") {
        Some(rest) => format!("call_{rest}"),
        None => id.to_owned(),
    }
}

/// The `usage` object (ledger rule "responses.usage"): OpenAI counts cached and written tokens inside
/// `input_tokens` (spec `ResponseUsage`). `null` under `Fault::DropUsage`.
fn usage_json(resp: &ModelResponse) -> Value {
    if resp.usage_dropped {
        return Value::Null;
    }
    let u = &resp.usage;
    let input = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
    json!({
        "input_tokens": input,
        "input_tokens_details": {
            "cached_tokens": u.cache_read_input_tokens,
            "cache_write_tokens": u.cache_creation_input_tokens,
        },
        "output_tokens": u.output_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": input + u.output_tokens,
    })
}

fn response_json(
    resp: &ModelResponse,
    id: &str,
    model: &str,
    status: &str,
    output: &[Value],
) -> Value {
    let done = status == "completed";
    json!({
        "id": id,
        "object": "response",
        "created_at": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        "status": status,
        "background": false,
        "error": null,
        "incomplete_details": null,
        "instructions": null,
        "max_output_tokens": null,
        "max_tool_calls": null,
        "model": model,
        "output": output,
        "parallel_tool_calls": true,
        "previous_response_id": null,
        "prompt_cache_key": null,
        "reasoning": {"effort": null, "summary": null},
        "safety_identifier": null,
        "service_tier": "default",
        "store": false,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": if done { usage_json(resp) } else { Value::Null },
        "user": null,
        "metadata": {},
    })
}

/// The events of one output item, in the SDKs' order; `true` marks the
/// deltas paced as a model writes them.
fn item_events(item: &Value, index: usize, out: &mut Vec<(Value, bool)>) {
    let item_id = item["id"].clone();
    let mut added = item.clone();
    match item["type"].as_str() {
        Some("message") => {
            added["status"] = json!("in_progress");
            added["content"] = json!([]);
            out.push((
                json!({"type": "response.output_item.added", "output_index": index, "item": added}),
                false,
            ));
            let part = &item["content"][0];
            let text = part["text"].as_str().unwrap_or("");
            let mut empty = part.clone();
            empty["text"] = json!("");
            empty["annotations"] = json!([]);
            out.push((
                json!({"type": "response.content_part.added", "item_id": item_id, "output_index": index, "content_index": 0, "part": empty}),
                false,
            ));
            for c in chunks(text, 8) {
                out.push((
                    json!({"type": "response.output_text.delta", "item_id": item_id, "output_index": index, "content_index": 0, "delta": c, "logprobs": []}),
                    true,
                ));
            }
            // Ledger rule "responses.hosted_web_search": each citation is
            // announced once its text has streamed.
            for (j, a) in part["annotations"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                out.push((
                    json!({"type": "response.output_text.annotation.added", "item_id": item_id, "output_index": index, "content_index": 0, "annotation_index": j, "annotation": a}),
                    false,
                ));
            }
            out.push((
                json!({"type": "response.output_text.done", "item_id": item_id, "output_index": index, "content_index": 0, "text": text, "logprobs": []}),
                false,
            ));
            out.push((
                json!({"type": "response.content_part.done", "item_id": item_id, "output_index": index, "content_index": 0, "part": part}),
                false,
            ));
        }
        Some("web_search_call") => {
            // Ledger rule "responses.hosted_web_search": the call opens in
            // progress, reports its search, and completes.
            added["status"] = json!("in_progress");
            out.push((
                json!({"type": "response.output_item.added", "output_index": index, "item": added}),
                false,
            ));
            for phase in ["in_progress", "searching", "completed"] {
                out.push((
                    json!({"type": format!("response.web_search_call.{phase}"), "item_id": item_id, "output_index": index}),
                    false,
                ));
            }
        }
        Some("function_call") => {
            added["status"] = json!("in_progress");
            added["arguments"] = json!("");
            out.push((
                json!({"type": "response.output_item.added", "output_index": index, "item": added}),
                false,
            ));
            let arguments = item["arguments"].as_str().unwrap_or("");
            for c in chunks(arguments, crate::rules::tool_streaming::FRAGMENT_CHARS) {
                out.push((
                    json!({"type": "response.function_call_arguments.delta", "item_id": item_id, "output_index": index, "delta": c}),
                    false,
                ));
            }
            out.push((
                json!({"type": "response.function_call_arguments.done", "item_id": item_id, "output_index": index, "name": item["name"], "arguments": arguments}),
                false,
            ));
        }
        _ => {
            // Reasoning: the item opens without summary or content.
            added["summary"] = json!([]);
            if let Some(o) = added.as_object_mut() {
                o.remove("encrypted_content");
            }
            out.push((
                json!({"type": "response.output_item.added", "output_index": index, "item": added}),
                false,
            ));
            if let Some(text) = item["summary"][0]["text"].as_str() {
                let empty = json!({"type": "summary_text", "text": ""});
                out.push((
                    json!({"type": "response.reasoning_summary_part.added", "item_id": item_id, "output_index": index, "summary_index": 0, "part": empty}),
                    false,
                ));
                for c in chunks(text, 24) {
                    out.push((
                        json!({"type": "response.reasoning_summary_text.delta", "item_id": item_id, "output_index": index, "summary_index": 0, "delta": c}),
                        false,
                    ));
                }
                out.push((
                    json!({"type": "response.reasoning_summary_text.done", "item_id": item_id, "output_index": index, "summary_index": 0, "text": text}),
                    false,
                ));
                out.push((
                    json!({"type": "response.reasoning_summary_part.done", "item_id": item_id, "output_index": index, "summary_index": 0, "part": {"type": "summary_text", "text": text}}),
                    false,
                ));
            }
        }
    }
    out.push((
        json!({"type": "response.output_item.done", "output_index": index, "item": item}),
        false,
    ));
}
