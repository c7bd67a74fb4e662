//! The Chat Completions routes of the OpenAI and Azure OpenAI simulators:
//! one accepted request per route (JSON and stream), and each chat rule's
//! refusal in OpenAI's shape (Azure's gateway shape for its deployment and
//! api-version refusals).

use compat_sim::{Api, Simulators, creds};
use serde_json::{Value, json};

use crate::common::*;

const OPENAI_CHAT: &str = "/v1/chat/completions";
const AZURE_CHAT: &str =
    "/openai/deployments/gpt-5.6-luna/chat/completions?api-version=2025-04-01-preview";
const AZURE_V1_CHAT: &str = "/openai/v1/chat/completions";

fn bearer() -> String {
    format!("Bearer {}", creds::OPENAI_API_KEY)
}

fn chat(sims: &Simulators, p: Api, path: &str, body: &Value) -> Reply {
    let auth = bearer();
    let headers: Vec<(&str, &str)> = match p {
        Api::AzureOpenAi => vec![("api-key", creds::AZURE_OPENAI_API_KEY)],
        _ => vec![("authorization", auth.as_str())],
    };
    send(sims, p, path, &headers, body)
}

fn body() -> Value {
    json!({"model": "gpt-5.6-luna", "messages": [{"role": "user", "content": "Reply with exactly `PONG`."}]})
}

/// OpenAI's error envelope: all four keys, `type` invalid_request_error.
fn assert_openai_400(r: &Reply, code: Option<&str>) {
    assert_eq!(r.status, 400, "{}", r.text);
    let e = &r.body["error"];
    for k in ["message", "type", "param", "code"] {
        assert!(e.get(k).is_some(), "{k} missing: {}", r.text);
    }
    assert_eq!(e["type"], "invalid_request_error", "{}", r.text);
    if let Some(code) = code {
        assert_eq!(e["code"], code, "{}", r.text);
    }
}

/// The `data:` payloads of an SSE body, `[DONE]` included.
fn data_lines(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .filter_map(|e| e.trim().strip_prefix("data: "))
        .collect()
}

#[test]
fn every_chat_route_answers_json_and_stream() {
    let sims = Simulators::start(&[Api::OpenAi, Api::AzureOpenAi]).unwrap();
    for (p, path) in [
        (Api::OpenAi, OPENAI_CHAT),
        (Api::AzureOpenAi, AZURE_CHAT),
        (Api::AzureOpenAi, AZURE_V1_CHAT),
    ] {
        let r = chat(&sims, p, path, &body());
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(r.body["object"], "chat.completion", "{path}");
        assert_eq!(r.body["choices"][0]["message"]["content"], "PONG", "{path}");
        assert!(r.body["usage"]["prompt_tokens"].as_u64().unwrap() > 0);

        let mut b = body();
        b["stream"] = json!(true);
        b["stream_options"] = json!({"include_usage": true});
        let r = chat(&sims, p, path, &b);
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let lines = data_lines(&r.text);
        assert_eq!(lines.last(), Some(&"[DONE]"), "{path}: {}", r.text);
        let chunks: Vec<Value> = lines[..lines.len() - 1]
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let text: String = chunks
            .iter()
            .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
            .collect();
        assert_eq!(text, "PONG", "{path}");
        let last = chunks.last().unwrap();
        assert_eq!(last["choices"], json!([]), "{path}");
        assert!(
            last["usage"]["total_tokens"].as_u64().unwrap() > 0,
            "{path}"
        );
    }
    // The record names the chunks as sent.
    let rec = sims.requests();
    let last = rec.last().unwrap();
    assert!(last.stream && last.stream_completed);
    assert!(last.stream_events.iter().any(|e| e.kind == "chunk:usage"));
    assert_eq!(last.stream_events.last().unwrap().kind, "[DONE]");
}

#[test]
fn a_chat_tool_call_round_trip() {
    let sims = Simulators::start(&[Api::OpenAi]).unwrap();
    let tools = json!([{"type": "function", "function": {"name": "Bash", "parameters": {
        "type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}}]);
    let mut b = json!({"model": "gpt-5.6-luna", "tools": tools,
        "messages": [{"role": "user", "content": "Use the Bash tool to run `echo conformance`."}]});
    let r = chat(&sims, Api::OpenAi, OPENAI_CHAT, &b);
    assert_eq!(r.status, 200, "{}", r.text);
    let choice = &r.body["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls", "{}", r.text);
    let call = &choice["message"]["tool_calls"][0];
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    let args: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args["command"], "echo conformance");
    let messages = b["messages"].as_array_mut().unwrap();
    messages.push(choice["message"].clone());
    messages.push(json!({"role": "tool", "tool_call_id": call["id"], "content": "conformance"}));
    let r = chat(&sims, Api::OpenAi, OPENAI_CHAT, &b);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["choices"][0]["message"]["content"],
        "The command printed: conformance"
    );
}

#[test]
fn chat_rules_refuse_in_openai_shape() {
    let sims = Simulators::start(&[Api::OpenAi, Api::AzureOpenAi]).unwrap();
    let p = Api::OpenAi;
    // chat.tool_message_text_only
    let mut b = body();
    b["messages"] = json!([
        {"role": "user", "content": "x"},
        {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}]},
    ]);
    let r = chat(&sims, p, OPENAI_CHAT, &b);
    assert_openai_400(&r, Some("invalid_value"));
    assert_last_rule(&sims, "chat.tool_message_text_only");
    // chat.image_url_is_image: a PDF in image_url (LiteLLM's Azure chat path)
    let mut b = body();
    b["messages"][0]["content"] = json!([{"type": "image_url", "image_url": {"url": "data:application/pdf;base64,JVBERi0xLjQK"}}]);
    let r = chat(&sims, Api::AzureOpenAi, AZURE_CHAT, &b);
    assert_openai_400(&r, Some("invalid_image_format"));
    assert_eq!(
        r.body["error"]["message"],
        "Invalid MIME type. Only image types are supported."
    );
    assert_last_rule(&sims, "chat.image_url_is_image");
    // chat.function_name_64: an MCP tool's name as Claude Code writes it
    let mut b = body();
    b["tools"] = json!([{"type": "function", "function": {
        "name": "mcp__plugin_chrome-devtools-mcp_chrome-devtools__performance_analyze_insight"}}]);
    let r = chat(&sims, p, OPENAI_CHAT, &b);
    assert_openai_400(&r, Some("string_above_max_length"));
    assert_eq!(r.body["error"]["param"], "tools[0].function.name");
    assert_last_rule(&sims, "chat.function_name_64");
    // chat.stream_usage: stream_options without a stream
    let mut b = body();
    b["stream_options"] = json!({"include_usage": true});
    let r = chat(&sims, p, OPENAI_CHAT, &b);
    assert_openai_400(&r, None);
    assert_eq!(r.body["error"]["param"], "stream_options");
    assert_last_rule(&sims, "chat.stream_usage");
    // chat.stream_usage: without include_usage no usage chunk at all
    let mut b = body();
    b["stream"] = json!(true);
    let r = chat(&sims, p, OPENAI_CHAT, &b);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("\"usage\""), "{}", r.text);
    // chat.unknown_parameter: an Anthropic field that crossed untranslated
    let mut b = body();
    b["thinking"] = json!({"type": "adaptive"});
    let r = chat(&sims, p, OPENAI_CHAT, &b);
    assert_openai_400(&r, None);
    assert_eq!(
        r.body["error"]["message"],
        "Unrecognized request argument supplied: thinking"
    );
    assert_last_rule(&sims, "chat.unknown_parameter");
    // chat.max_completion_tokens: GPT-5 models take no max_tokens
    let mut b = body();
    b["max_tokens"] = json!(100);
    let r = chat(&sims, Api::AzureOpenAi, AZURE_CHAT, &b);
    assert_openai_400(&r, Some("unsupported_parameter"));
    assert_eq!(r.body["error"]["param"], "max_tokens");
    assert_last_rule(&sims, "chat.max_completion_tokens");
    b.as_object_mut().unwrap().remove("max_tokens");
    b["max_completion_tokens"] = json!(100);
    assert_eq!(chat(&sims, p, OPENAI_CHAT, &b).status, 200);
    // chat.shapes
    let mut b = body();
    b["messages"] = json!([]);
    assert_openai_400(&chat(&sims, p, OPENAI_CHAT, &b), Some("empty_array"));
    assert_last_rule(&sims, "chat.shapes");
}

#[test]
fn azure_chat_routes_check_deployment_and_api_version() {
    let sims = Simulators::start(&[Api::AzureOpenAi]).unwrap();
    let p = Api::AzureOpenAi;
    // azure_openai.deployment_not_found: the path names the deployment
    let r = chat(
        &sims,
        p,
        "/openai/deployments/gpt-4o/chat/completions?api-version=2025-04-01-preview",
        &body(),
    );
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "DeploymentNotFound");
    assert_last_rule(&sims, "azure_openai.deployment_not_found");
    // azure_openai.api_version_required on the dated route
    let r = chat(
        &sims,
        p,
        "/openai/deployments/gpt-5.6-luna/chat/completions",
        &body(),
    );
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "404");
    assert_last_rule(&sims, "azure_openai.api_version_required");
    // the body's model is not needed on the deployment route
    let mut b = body();
    b.as_object_mut().unwrap().remove("model");
    let r = chat(&sims, p, AZURE_CHAT, &b);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["model"], "gpt-5.6-luna");
    // a wrong key: Azure's gateway shape
    let r = send(&sims, p, AZURE_CHAT, &[("api-key", "wrong")], &body());
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "401");
}
