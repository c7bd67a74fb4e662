//! Unit tests of the Chat Completions dialect: what parses into which
//! blocks, what is refused under which rule, and the answer's shapes.

use base64::Engine as _;
use serde_json::{Value, json};

use super::*;
use crate::wire::answer::Answer;
use crate::wire::image::solid_png;
use crate::wire::response::Usage;
use crate::wire::response::{ModelResponse, OutBlock, StopReason};

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn body() -> Value {
    json!({"model": "gpt-5.6-luna", "messages": [{"role": "user", "content": "hi"}]})
}

fn refusal(b: Value) -> Rejection {
    parse(&b).expect_err("refused")
}

fn error(r: &Rejection) -> &Value {
    &r.body.as_ref().expect("shaped")["error"]
}

#[test]
fn parses_a_conversation_with_tools_images_and_results() {
    let png = solid_png([255, 0, 0], 8);
    let b = json!({
        "model": "gpt-5.6-sol",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "developer", "content": [{"type": "text", "text": "and exact"}]},
            {"role": "user", "content": [
                {"type": "text", "text": "what colour?"},
                {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{}", b64(&png)), "detail": "auto"}},
            ]},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "Read", "arguments": "{\"path\":\"a\"}"}},
                {"id": "call_2", "type": "function", "function": {"name": "Read", "arguments": "{\"path\":\"b\"}"}},
            ]},
            {"role": "tool", "tool_call_id": "call_1", "content": "A"},
            {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "B"}]},
            {"role": "user", "content": "go on"},
        ],
        "tools": [{"type": "function", "function": {"name": "Read", "parameters": {"type": "object"}, "strict": false}}],
        "tool_choice": "auto",
        "reasoning_effort": "high",
        "max_completion_tokens": 100,
        "stream": true,
        "stream_options": {"include_usage": true},
        "stop": ["END"],
        "user": "u",
        "prompt_cache_key": "k",
        "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": {"type": "object"}, "strict": true}},
    });
    let call = parse(&b).unwrap();
    assert_eq!(call.model.as_deref(), Some("gpt-5.6-sol"));
    assert!(call.stream && call.include_usage);
    let r = call.request;
    assert_eq!(r.system.len(), 2);
    assert_eq!(r.effort.as_deref(), Some("high"));
    assert_eq!(r.thinking, Thinking::Adaptive);
    assert_eq!(r.tools.len(), 1);
    // user, assistant, user (both tool results and the next words in one turn)
    let roles: Vec<Role> = r.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::User, Role::Assistant, Role::User]);
    assert!(
        matches!(&r.messages[0].content[1], Block::Image { media_type, .. } if media_type == "image/png")
    );
    assert!(
        matches!(&r.messages[1].content[0], Block::ToolUse { id, input, .. } if id == "call_1" && input["path"] == "a")
    );
    let results: Vec<&str> = r.messages[2]
        .content
        .iter()
        .filter_map(|b| match b {
            Block::ToolResult { tool_use_id, .. } => Some(tool_use_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(results, ["call_1", "call_2"]);
}

#[test]
fn a_pdf_file_part_is_a_document() {
    let mut b = body();
    b["messages"][0]["content"] = json!([{"type": "file", "file": {"filename": "a.pdf",
        "file_data": format!("data:application/pdf;base64,{}", b64(b"%PDF-1.4"))}}]);
    let r = parse(&b).unwrap().request;
    assert!(matches!(r.messages[0].content[0], Block::Document { .. }));
}

#[test]
fn a_tool_message_takes_text_only() {
    let mut b = body();
    b["messages"] = json!([
        {"role": "user", "content": "x"},
        {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}]},
    ]);
    let r = refusal(b);
    assert_eq!(r.rule, "chat.tool_message_text_only");
    assert_eq!(r.status, 400);
    assert_eq!(error(&r)["param"], "messages[2].content[0].type");
    assert_eq!(error(&r)["type"], "invalid_request_error");
}

#[test]
fn an_image_url_must_hold_an_image() {
    let mut b = body();
    b["messages"][0]["content"] = json!([{"type": "image_url", "image_url": {"url": format!("data:application/pdf;base64,{}", b64(b"%PDF"))}}]);
    let r = refusal(b);
    assert_eq!(r.rule, "chat.image_url_is_image");
    assert_eq!(
        error(&r)["message"],
        "Invalid MIME type. Only image types are supported."
    );
    assert_eq!(error(&r)["code"], "invalid_image_format");
}

#[test]
fn function_names_are_64_safe_characters() {
    let long = "mcp__plugin_chrome-devtools-mcp_chrome-devtools__performance_analyze_insight";
    let mut b = body();
    b["tools"] = json!([{"type": "function", "function": {"name": long}}]);
    let r = refusal(b.clone());
    assert_eq!(r.rule, "chat.function_name_64");
    assert_eq!(error(&r)["code"], "string_above_max_length");
    assert_eq!(error(&r)["param"], "tools[0].function.name");
    b["tools"][0]["function"]["name"] = json!("has space");
    assert_eq!(refusal(b.clone()).rule, "chat.function_name_64");
    b["tools"][0]["function"]["name"] = json!("a".repeat(64));
    parse(&b).unwrap();
}

#[test]
fn stream_options_need_a_stream() {
    let mut b = body();
    b["stream_options"] = json!({"include_usage": true});
    assert_eq!(refusal(b.clone()).rule, "chat.stream_usage");
    b["stream"] = json!(true);
    assert!(parse(&b).unwrap().include_usage);
}

#[test]
fn unknown_parameters_and_bad_values_are_refused() {
    let mut b = body();
    b["thinking"] = json!({"type": "adaptive"});
    let r = refusal(b);
    assert_eq!(r.rule, "chat.unknown_parameter");
    assert_eq!(
        error(&r)["message"],
        "Unrecognized request argument supplied: thinking"
    );
    for (key, value) in [
        ("reasoning_effort", json!("extreme")),
        ("tool_choice", json!("any")),
        ("stop", json!(["a", "b", "c", "d", "e"])),
        ("messages", json!([])),
        ("max_tokens", json!(0)),
    ] {
        let mut b = body();
        b[key] = value;
        assert_eq!(refusal(b).rule, "chat.shapes", "{key}");
    }
    let mut b = body();
    b["tool_choice"] = json!({"type": "function", "function": {"name": "nope"}});
    b["tools"] = json!([{"type": "function", "function": {"name": "yes"}}]);
    assert_eq!(refusal(b).rule, "chat.shapes");
    let mut b = body();
    b["messages"] = json!([{"role": "user"}]);
    assert_eq!(
        error(&refusal(b))["message"],
        "Missing required parameter: 'messages[0].content'."
    );
}

fn response(content: Vec<OutBlock>, stop: StopReason) -> ModelResponse {
    ModelResponse {
        content,
        stop_reason: stop,
        usage: Usage {
            input_tokens: 10,
            output_tokens: 20,
            cache_read_input_tokens: 30,
            cache_creation_input_tokens: 5,
            reasoning_tokens: 10,
            ..Usage::default()
        },
        eager_tool_input: true,
        usage_dropped: false,
        reasoning_view: Default::default(),
        openai_chat: true,
    }
}

fn tool_response() -> ModelResponse {
    response(
        vec![
            OutBlock::Thinking {
                thinking: "x".repeat(40),
                signature: "s".into(),
            },
            OutBlock::Text {
                text: "Reading it.".into(),
            },
            OutBlock::ToolUse {
                id: "toolu_sim1".into(),
                name: "Read".into(),
                input: json!({"path": "/tmp/a"}),
            },
        ],
        StopReason::ToolUse,
    )
}

#[test]
fn the_completion_object() {
    let c = completion_json(&tool_response(), "gpt-5.6-luna");
    assert_eq!(c["object"], COMPLETION);
    assert!(c["id"].as_str().unwrap().starts_with("chatcmpl-"));
    let choice = &c["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    assert_eq!(choice["message"]["content"], "Reading it.");
    let call = &choice["message"]["tool_calls"][0];
    assert_eq!(call["id"], "call_sim1");
    assert_eq!(
        serde_json::from_str::<Value>(call["function"]["arguments"].as_str().unwrap()).unwrap(),
        json!({"path": "/tmp/a"})
    );
    let u = &c["usage"];
    assert_eq!(u["prompt_tokens"], 45);
    assert_eq!(u["prompt_tokens_details"]["cached_tokens"], 30);
    assert_eq!(u["completion_tokens_details"]["reasoning_tokens"], 10);
    assert_eq!(u["total_tokens"], 65);
    let plain = completion_json(&response(vec![], StopReason::EndTurn), "gpt-5.6-luna");
    assert_eq!(plain["choices"][0]["message"]["content"], Value::Null);
    assert_eq!(plain["choices"][0]["finish_reason"], "stop");
}

#[test]
fn the_stream_reassembles_and_ends_in_done() {
    let Answer::Stream { events, .. } = answer(&tool_response(), "m", true, true, false, vec![])
    else {
        panic!("a stream");
    };
    let lines: Vec<String> = events
        .iter()
        .map(|e| String::from_utf8(e.bytes.to_vec()).unwrap())
        .collect();
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("data: ") && l.ends_with("\n\n"))
    );
    assert_eq!(lines.last().unwrap(), "data: [DONE]\n\n");
    let chunks: Vec<Value> = lines[..lines.len() - 1]
        .iter()
        .map(|l| serde_json::from_str(l.trim_start_matches("data: ").trim()).unwrap())
        .collect();
    let (mut text, mut args, mut finish) = (String::new(), String::new(), None);
    for c in &chunks {
        assert_eq!(c["object"], CHUNK);
        assert_eq!(c["id"], chunks[0]["id"]);
        let Some(choice) = c["choices"].get(0) else {
            continue;
        };
        assert!(c["usage"].is_null());
        text.push_str(choice["delta"]["content"].as_str().unwrap_or(""));
        if let Some(f) = choice["delta"]["tool_calls"][0]["function"]["arguments"].as_str() {
            args.push_str(f);
        }
        if let Some(f) = choice["finish_reason"].as_str() {
            finish = Some(f.to_owned());
        }
    }
    assert_eq!(text, "Reading it.");
    assert_eq!(
        serde_json::from_str::<Value>(&args).unwrap()["path"],
        "/tmp/a"
    );
    assert_eq!(finish.as_deref(), Some("tool_calls"));
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"], json!([]));
    assert_eq!(last["usage"]["prompt_tokens_details"]["cached_tokens"], 30);
    // Without include_usage: no usage chunk, and no usage key at all.
    let Answer::Stream { events, .. } = answer(&tool_response(), "m", true, false, false, vec![])
    else {
        panic!("a stream");
    };
    assert!(events.iter().all(|e| e.kind != "chunk:usage"));
    assert!(
        events
            .iter()
            .all(|e| !String::from_utf8_lossy(&e.bytes).contains("\"usage\""))
    );
}

#[test]
fn dropped_usage_leaves_no_usage() {
    let mut r = tool_response();
    r.usage_dropped = true;
    assert!(completion_json(&r, "m").get("usage").is_none());
    let Answer::Stream { events, .. } = answer(&r, "m", true, true, false, vec![]) else {
        panic!("a stream");
    };
    assert!(events.iter().all(|e| e.kind != "chunk:usage"));
}

#[test]
fn the_usage_mark_round_trips() {
    for asked in [true, false] {
        assert_eq!(
            read_usage_mark(&mark_usage("gpt-5.6-sol", asked)),
            ("gpt-5.6-sol", asked)
        );
    }
}

#[test]
fn azure_annotates_the_prompt_and_the_choice() {
    let Answer::Json { body, .. } = answer(&tool_response(), "m", false, false, true, vec![])
    else {
        panic!("JSON");
    };
    assert_eq!(body["prompt_filter_results"][0]["prompt_index"], 0);
    assert_eq!(
        body["choices"][0]["content_filter_results"]["hate"]["filtered"],
        false
    );
    let Answer::Stream { events, .. } = answer(&tool_response(), "m", true, true, true, vec![])
    else {
        panic!("a stream");
    };
    let first: Value = serde_json::from_str(
        String::from_utf8_lossy(&events[0].bytes)
            .trim()
            .trim_start_matches("data: "),
    )
    .unwrap();
    assert_eq!(first["choices"], json!([]));
    assert!(first["prompt_filter_results"].is_array());
    // OpenAI's own answers carry none.
    let Answer::Json { body, .. } = answer(&tool_response(), "m", false, false, false, vec![])
    else {
        panic!("JSON");
    };
    assert!(body.get("prompt_filter_results").is_none());
}
