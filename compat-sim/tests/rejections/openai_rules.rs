//! The OpenAI simulator's Responses rules, each refusal in OpenAI's shape
//! under its ledger rule, and the behaviour the rows rest on: a function
//! call round trip with reasoning replayed (and a forged replay refused),
//! images and PDFs, effort, structured output, prompt caching (explicit
//! and automatic) and the input token counter.

use base64::Engine as _;
use compat_sim::{Api, Simulators, document, image};
use serde_json::{Value, json};

use crate::common::{assert_last_rule, send};
use crate::openai::{assert_openai_error, body};

const P: Api = Api::OpenAi;
const AUTH: &[(&str, &str)] = &[("authorization", "Bearer sk-sim-openai-key")];

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn bash_tool() -> Value {
    json!({"type": "function", "name": "Bash", "strict": false, "parameters": {
        "type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}})
}

fn user(text: &str) -> Value {
    json!({"role": "user", "content": [{"type": "input_text", "text": text}]})
}

fn output_of<'a>(r: &'a Value, kind: &str) -> Option<&'a Value> {
    r["output"].as_array()?.iter().find(|i| i["type"] == kind)
}

fn text_of(r: &Value) -> String {
    output_of(r, "message").map_or(String::new(), |m| {
        m["content"][0]["text"].as_str().unwrap().to_owned()
    })
}

/// A first turn that calls Bash, with its reasoning issued encrypted.
fn first_turn(sims: &Simulators, model: &str) -> (Value, Value) {
    let mut b = json!({
        "model": model,
        "input": [user("Use the Bash tool to run `echo NONCE-RT-1`.")],
        "tools": [bash_tool()],
        "include": ["reasoning.encrypted_content"],
        "reasoning": {"effort": "high"},
    });
    let r = send(sims, P, "/v1/responses", AUTH, &b);
    assert_eq!(r.status, 200, "{}", r.text);
    b["input"]
        .as_array_mut()
        .unwrap()
        .extend(r.body["output"].as_array().unwrap().iter().cloned());
    (b, r.body)
}

#[test]
fn a_function_call_round_trip_replays_the_reasoning_it_was_issued() {
    let sims = Simulators::start(&[P]).unwrap();
    let (mut b, first) = first_turn(&sims, "gpt-5.6-terra");
    let call = output_of(&first, "function_call").expect("a function call");
    assert!(call["call_id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(call["name"], "Bash");
    let args: Value = serde_json::from_str(call["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args["command"], "echo NONCE-RT-1");
    let reasoning = output_of(&first, "reasoning").unwrap();
    assert!(
        reasoning["encrypted_content"]
            .as_str()
            .unwrap()
            .starts_with("gAAAAB")
    );
    b["input"].as_array_mut().unwrap().push(json!({
        "type": "function_call_output", "call_id": call["call_id"], "output": "NONCE-RT-1\n"}));
    let r = send(&sims, P, "/v1/responses", AUTH, &b);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(text_of(&r.body).contains("NONCE-RT-1"), "{}", r.text);

    // The same history with the reasoning altered: refused.
    let mut forged = b.clone();
    for item in forged["input"].as_array_mut().unwrap() {
        if item["type"] == "reasoning" {
            let e = item["encrypted_content"].as_str().unwrap();
            item["encrypted_content"] = json!(format!("{e}x"));
        }
    }
    let r = send(&sims, P, "/v1/responses", AUTH, &forged);
    assert_openai_error(
        &r,
        400,
        Some("invalid_encrypted_content"),
        "could not be verified",
    );
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("The encrypted content gAAA...")
    );
    assert_last_rule(&sims, "responses.reasoning_encrypted");

    // Reasoning issued for one model does not verify for another.
    let mut other = b.clone();
    other["model"] = json!("gpt-5.6-sol");
    let r = send(&sims, P, "/v1/responses", AUTH, &other);
    assert_openai_error(
        &r,
        400,
        Some("invalid_encrypted_content"),
        "could not be verified",
    );

    // Nor does reasoning issued by another simulator (another key).
    let elsewhere = Simulators::start(&[P]).unwrap();
    let r = send(&elsewhere, P, "/v1/responses", AUTH, &b);
    assert_openai_error(
        &r,
        400,
        Some("invalid_encrypted_content"),
        "could not be verified",
    );
}

#[test]
fn calls_and_outputs_must_pair_up() {
    let sims = Simulators::start(&[P]).unwrap();
    let call = json!({"type": "function_call", "call_id": "call_abc", "name": "Bash", "arguments": "{\"command\":\"ls\"}"});
    let mut b = body(json!([user("hi"), call]));
    b["tools"] = json!([bash_tool()]);
    let r = send(&sims, P, "/v1/responses", AUTH, &b);
    assert_openai_error(
        &r,
        400,
        None,
        "No tool output found for function call call_abc.",
    );
    assert_eq!(r.body["error"]["param"], "input");
    assert_last_rule(&sims, "responses.call_needs_output");
    let out = json!({"type": "function_call_output", "call_id": "call_zzz", "output": "x"});
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &body(json!([user("hi"), out])),
    );
    assert_openai_error(
        &r,
        400,
        None,
        "No tool call found for function call output with call_id call_zzz.",
    );
    assert_last_rule(&sims, "responses.output_needs_call");
}

#[test]
fn images_must_be_images_and_files_carry_names() {
    let sims = Simulators::start(&[P]).unwrap();
    let png = format!(
        "data:image/png;base64,{}",
        b64(&image::solid_png([255, 0, 0], 16))
    );
    let pdf = format!(
        "data:application/pdf;base64,{}",
        b64(&document::pdf_with_text(&["NONCE-PDF-7 lives here"]))
    );
    let msg = |part: Value| json!([{"role": "user", "content": [{"type": "input_text", "text": "What colour is this image?"}, part]}]);

    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &body(msg(
            json!({"type": "input_image", "image_url": png, "detail": "auto"}),
        )),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(text_of(&r.body).contains("red"), "{}", r.text);

    // A PDF where an image goes (what a chat-to-Responses bridge makes of
    // a document in a tool result): refused.
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &body(msg(json!({"type": "input_image", "image_url": pdf}))),
    );
    assert_openai_error(
        &r,
        400,
        Some("invalid_value"),
        "unsupported MIME type 'application/pdf'",
    );
    assert_last_rule(&sims, "responses.input_image_is_image");

    let file = json!({"type": "input_file", "filename": "doc.pdf", "file_data": pdf});
    let r = send(&sims, P, "/v1/responses", AUTH, &body(msg(file.clone())));
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(text_of(&r.body).contains("NONCE-PDF-7"), "{}", r.text);
    let mut nameless = file.clone();
    nameless.as_object_mut().unwrap().remove("filename");
    let r = send(&sims, P, "/v1/responses", AUTH, &body(msg(nameless)));
    assert_openai_error(&r, 400, None, "filename");
    assert_last_rule(&sims, "responses.input_file");

    // A tool result with parts: text and the PDF, as LiteLLM sends a Read
    // of a PDF; the model reads the document.
    let call =
        json!({"type": "function_call", "call_id": "call_r1", "name": "Read", "arguments": "{}"});
    let output = |parts: Value| json!({"type": "function_call_output", "call_id": "call_r1", "output": parts});
    let mut b = body(json!([
        user("Read the PDF."),
        call,
        output(json!([{"type": "input_text", "text": "PDF file read"}, file]))
    ]));
    b["tools"] = json!([{"type": "function", "name": "Read", "parameters": {"type": "object"}}]);
    let r = send(&sims, P, "/v1/responses", AUTH, &b);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(text_of(&r.body).contains("NONCE-PDF-7"), "{}", r.text);
    b["input"][2] = output(json!([{"type": "output_text", "text": "no"}]));
    let r = send(&sims, P, "/v1/responses", AUTH, &b);
    assert_openai_error(
        &r,
        400,
        None,
        "'input_text', 'input_image', and 'input_file'",
    );
    assert_last_rule(&sims, "responses.function_call_output_parts");
}

#[test]
fn effort_summary_format_and_tool_choice() {
    let sims = Simulators::start(&[P]).unwrap();
    let with = |k: &str, v: Value| {
        let mut b = body(json!("Reply with exactly `E`."));
        b[k] = v;
        b
    };
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &with("reasoning", json!({"effort": "minimal"})),
    );
    assert_openai_error(
        &r,
        400,
        Some("unsupported_value"),
        "'minimal' is not supported with the 'gpt-5.6-terra' model",
    );
    assert_last_rule(&sims, "responses.reasoning_effort_values");
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &with("reasoning", json!({"effort": "ultra"})),
    );
    assert_openai_error(&r, 400, Some("unsupported_value"), "Supported values");
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &with("reasoning", json!({"effort": "max", "summary": "detailed"})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let summary = &output_of(&r.body, "reasoning").unwrap()["summary"][0]["text"];
    assert!(
        summary.as_str().unwrap().contains("(effort: max)"),
        "{}",
        r.text
    );
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &with("reasoning", json!({"effort": "none"})),
    );
    assert!(output_of(&r.body, "reasoning").is_none(), "{}", r.text);
    assert_eq!(text_of(&r.body), "E");

    let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}});
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &with(
            "text",
            json!({"format": {"type": "json_schema", "schema": schema}}),
        ),
    );
    assert_openai_error(&r, 400, Some("invalid_value"), "text.format.name");
    assert_last_rule(&sims, "responses.text_format");
    let fmt = json!({"format": {"type": "json_schema", "name": "structured_output", "schema": schema, "strict": true}});
    assert_eq!(
        send(&sims, P, "/v1/responses", AUTH, &with("text", fmt)).status,
        200
    );

    let mut b = with(
        "tool_choice",
        json!({"type": "function", "name": "web_search"}),
    );
    b["tools"] = json!([{"type": "web_search_preview"}, bash_tool()]);
    let r = send(&sims, P, "/v1/responses", AUTH, &b);
    assert_openai_error(
        &r,
        400,
        Some("invalid_value"),
        "'web_search' not found in 'tools'",
    );
    assert_last_rule(&sims, "responses.tool_choice_offered");
}

/// A prompt of about `tokens` tokens (the simulator counts ~4 characters
/// a token), unique to `tag`.
fn long_text(tag: &str, tokens: usize) -> String {
    format!("{tag} ") + &"lorem ipsum ".repeat(tokens / 3)
}

#[test]
fn explicit_breakpoints_write_and_read_and_only_the_last_four_write() {
    let sims = Simulators::start(&[P]).unwrap();
    let marked = |text: String| json!({"type": "input_text", "text": text, "prompt_cache_breakpoint": {"mode": "explicit"}});
    let b = body(json!([
        {"role": "developer", "content": [marked(long_text("NONCE-BP", 3000))]},
        user("Reply with exactly `C`."),
    ]));
    let first = send(&sims, P, "/v1/responses", AUTH, &b);
    assert_eq!(first.status, 200, "{}", first.text);
    let d = &first.body["usage"]["input_tokens_details"];
    assert!(
        d["cache_write_tokens"].as_u64().unwrap() >= 1024,
        "{}",
        first.text
    );
    assert_eq!(d["cached_tokens"], 0);
    let second = send(&sims, P, "/v1/responses", AUTH, &b);
    let d = &second.body["usage"]["input_tokens_details"];
    assert_eq!(
        d["cached_tokens"], first.body["usage"]["input_tokens_details"]["cache_write_tokens"],
        "{}",
        second.text
    );
    assert_eq!(d["cache_write_tokens"], 0);

    // Six marks: accepted; only the last four write. Each part is ~1100
    // tokens, so every prefix is cacheable.
    let parts: Vec<Value> = (0..6)
        .map(|i| marked(long_text(&format!("NONCE-SIX-{i}"), 1100)))
        .collect();
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &body(json!([{"role": "user", "content": parts.clone()}])),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let prefix = |n: usize| body(json!([{"role": "user", "content": parts[..n].to_vec()}]));
    let unwritten = send(&sims, P, "/v1/responses", AUTH, &prefix(2));
    assert_eq!(
        unwritten.body["usage"]["input_tokens_details"]["cached_tokens"], 0,
        "{}",
        unwritten.text
    );
    let written = send(&sims, P, "/v1/responses", AUTH, &prefix(3));
    let cached = written.body["usage"]["input_tokens_details"]["cached_tokens"]
        .as_u64()
        .unwrap();
    assert!(cached >= 3000, "{}", written.text);
    let bad =
        json!({"type": "input_text", "text": "x", "prompt_cache_breakpoint": {"mode": "auto"}});
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &body(json!([{"role": "user", "content": [bad]}])),
    );
    assert_openai_error(&r, 400, Some("invalid_value"), "'mode' must be 'explicit'");
}

#[test]
fn long_prefixes_are_cached_without_markers_and_short_ones_are_not() {
    let sims = Simulators::start(&[P]).unwrap();
    let mut b = body(json!([user("Reply with exactly `I`.")]));
    b["instructions"] = json!(long_text("NONCE-IMPLICIT", 2000));
    let first = send(&sims, P, "/v1/responses", AUTH, &b);
    let d = &first.body["usage"]["input_tokens_details"];
    assert_eq!(
        (
            d["cached_tokens"].as_u64(),
            d["cache_write_tokens"].as_u64()
        ),
        (Some(0), Some(0)),
        "{}",
        first.text
    );
    // The next turn extends the conversation: its prefix is read.
    let mut next = b.clone();
    next["input"]
        .as_array_mut()
        .unwrap()
        .push(json!({"role": "assistant", "content": [{"type": "output_text", "text": "I"}]}));
    next["input"]
        .as_array_mut()
        .unwrap()
        .push(user("Reply with exactly `J`."));
    let second = send(&sims, P, "/v1/responses", AUTH, &next);
    let d = &second.body["usage"]["input_tokens_details"];
    assert!(
        d["cached_tokens"].as_u64().unwrap() >= 1024,
        "{}",
        second.text
    );
    assert_eq!(d["cache_write_tokens"], 0);

    let short = body(json!("Reply with exactly `S`."));
    send(&sims, P, "/v1/responses", AUTH, &short);
    let again = send(&sims, P, "/v1/responses", AUTH, &short);
    assert_eq!(
        again.body["usage"]["input_tokens_details"]["cached_tokens"], 0,
        "{}",
        again.text
    );
}

#[test]
fn input_tokens_counts_what_a_request_would_send() {
    let sims = Simulators::start(&[P]).unwrap();
    let count = |b: &Value| send(&sims, P, "/v1/responses/input_tokens", AUTH, b);
    let short = count(&body(json!("hi")));
    assert_eq!(short.status, 200, "{}", short.text);
    assert_eq!(short.body["object"], "response.input_tokens");
    let long = count(&body(json!(long_text("NONCE-COUNT", 5000))));
    assert!(
        long.body["input_tokens"].as_u64().unwrap()
            > short.body["input_tokens"].as_u64().unwrap() + 4000
    );
    let mut with_tools = body(json!("hi"));
    with_tools["tools"] = json!([bash_tool()]);
    assert!(count(&with_tools).body["input_tokens"].as_u64() > short.body["input_tokens"].as_u64());
    let mut streamed = body(json!("hi"));
    streamed["stream"] = json!(true);
    let r = count(&streamed);
    assert_openai_error(
        &r,
        400,
        Some("unknown_parameter"),
        "Unknown parameter: 'stream'.",
    );
    let r = send(
        &sims,
        P,
        "/v1/responses/input_tokens",
        &[],
        &body(json!("hi")),
    );
    assert_eq!(r.status, 401);
    let rec = sims.requests_containing("NONCE-COUNT").pop().unwrap();
    assert_eq!(
        rec.usage.unwrap()["input_tokens"],
        long.body["input_tokens"]
    );
}

#[test]
fn a_long_context_prompt_crosses() {
    let sims = Simulators::start(&[P]).unwrap();
    // ~250K tokens, the long-context row's size, inside GPT-5.6's 922K.
    // (Past the window, the refusal is a unit test of rules::context: a
    // body of 922K tokens is ~3.7 MB, over the simulators' 2 MB body limit.)
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &body(json!(long_text("NONCE-LC", 250_000))),
    );
    assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(400)]);
    assert!(r.body["usage"]["input_tokens"].as_u64().unwrap() > 240_000);
}
