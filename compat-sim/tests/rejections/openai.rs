//! The OpenAI simulator (Responses API) serves and rejects what OpenAI's
//! API does: routes, bearer auth, the error envelope, the stream's event
//! order and sequence numbers, reasoning items issued and verified,
//! function call round trips, images and files, prompt caching, and the
//! input token counter. Each refusal is checked in OpenAI's shape and by
//! the ledger rule the record names.

use compat_sim::{Api, Simulators, creds};
use serde_json::{Value, json};

use crate::common::*;

const P: Api = Api::OpenAi;
const BEARER: &str = "Bearer sk-sim-openai-key";

fn auth() -> [(&'static str, &'static str); 1] {
    [("authorization", BEARER)]
}

pub fn body(input: Value) -> Value {
    json!({"model": "gpt-5.6-terra", "input": input})
}

/// OpenAI's error envelope: all four keys, the type and code given.
pub fn assert_openai_error(r: &Reply, status: u16, code: Option<&str>, needle: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    let e = &r.body["error"];
    for k in ["message", "type", "param", "code"] {
        assert!(e.get(k).is_some(), "no {k}: {}", r.text);
    }
    assert_eq!(e["code"].as_str(), code, "{}", r.text);
    assert!(
        e["message"].as_str().unwrap().contains(needle),
        "{}",
        r.text
    );
}

/// The SSE events of a body: (event line, data JSON).
pub fn sse(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter(|c| !c.trim().is_empty())
        .map(|chunk| {
            let event = chunk
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .unwrap_or_default()
                .to_owned();
            let data = chunk
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .map(|d| serde_json::from_str(d).unwrap())
                .unwrap_or(Value::Null);
            (event, data)
        })
        .collect()
}

#[test]
fn a_plain_turn_is_answered_as_a_response_object() {
    let sims = Simulators::start(&[P]).unwrap();
    let r = send(
        &sims,
        P,
        "/v1/responses",
        &auth(),
        &body(json!("Reply with exactly `PONG`.")),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["object"], "response");
    assert_eq!(r.body["status"], "completed");
    assert_eq!(r.body["model"], "gpt-5.6-terra");
    let output = r.body["output"].as_array().unwrap();
    let message = output.iter().find(|i| i["type"] == "message").unwrap();
    assert_eq!(message["content"][0]["type"], "output_text");
    assert_eq!(message["content"][0]["text"], "PONG");
    // Reasoning happened but nothing was asked to be shown.
    let reasoning = output.iter().find(|i| i["type"] == "reasoning").unwrap();
    assert_eq!(reasoning["summary"], json!([]));
    assert!(reasoning.get("encrypted_content").is_none(), "{}", r.text);
    let u = &r.body["usage"];
    assert!(u["input_tokens"].as_u64().unwrap() > 0);
    assert_eq!(u["input_tokens_details"]["cached_tokens"], 0);
    assert_eq!(u["input_tokens_details"]["cache_write_tokens"], 0);
    assert!(
        u["output_tokens_details"]["reasoning_tokens"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(
        u["total_tokens"].as_u64().unwrap(),
        u["input_tokens"].as_u64().unwrap() + u["output_tokens"].as_u64().unwrap()
    );
}

#[test]
fn auth_routes_and_models_are_refused_in_openais_shape() {
    let sims = Simulators::start(&[P]).unwrap();
    let b = body(json!("hi"));
    let r = send(&sims, P, "/v1/responses", &[], &b);
    assert_openai_error(&r, 401, None, "You didn't provide an API key");
    assert_last_rule(&sims, "openai.auth.bearer");
    let r = send(
        &sims,
        P,
        "/v1/responses",
        &[("authorization", "Bearer sk-wrong-key-123456")],
        &b,
    );
    assert_openai_error(
        &r,
        401,
        Some("invalid_api_key"),
        "Incorrect API key provided: sk-***",
    );
    assert!(
        !r.text.contains("wrong-key"),
        "the refused key is echoed: {}",
        r.text
    );
    // The api-key header is Azure's, not OpenAI's.
    let r = send(
        &sims,
        P,
        "/v1/responses",
        &[("api-key", creds::OPENAI_API_KEY)],
        &b,
    );
    assert_eq!(r.status, 401);
    let r = send(&sims, P, "/v1/chat/completions/nope", &auth(), &b);
    assert_openai_error(&r, 404, None, "Invalid URL");
    assert_last_rule(&sims, "openai.route");
    let r = send(
        &sims,
        P,
        "/v1/responses",
        &auth(),
        &json!({"model": "gpt-4o", "input": "hi"}),
    );
    assert_openai_error(
        &r,
        404,
        Some("model_not_found"),
        "The model `gpt-4o` does not exist",
    );
    assert_last_rule(&sims, "openai.model_not_found");
    let r = send(&sims, P, "/v1/responses", &auth(), &json!({"input": "hi"}));
    assert_openai_error(&r, 400, Some("missing_required_parameter"), "'model'");
    assert_last_rule(&sims, "responses.model_required");
    let r = send(
        &sims,
        P,
        "/v1/responses",
        &auth(),
        &json!({"model": "gpt-5.6-sol", "input": "hi", "max_tokens": 5}),
    );
    assert_openai_error(
        &r,
        400,
        Some("unknown_parameter"),
        "Unknown parameter: 'max_tokens'.",
    );
    assert_last_rule(&sims, "responses.field_allowlist");
}

#[test]
fn the_stream_keeps_the_sdks_event_order_and_numbers_every_event() {
    let sims = Simulators::start(&[P]).unwrap();
    let mut b = body(json!("Reply with exactly `STREAMED`."));
    b["stream"] = json!(true);
    b["reasoning"] = json!({"effort": "high", "summary": "auto"});
    b["include"] = json!(["reasoning.encrypted_content"]);
    let r = send(&sims, P, "/v1/responses", &auth(), &b);
    assert_eq!(r.status, 200, "{}", r.text);
    let events = sse(&r.text);
    for (i, (event, data)) in events.iter().enumerate() {
        assert_eq!(
            event,
            data["type"].as_str().unwrap(),
            "event line = data.type"
        );
        assert_eq!(data["sequence_number"], i, "sequence numbers count from 0");
    }
    let kinds: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
    let mut deduped = kinds.clone();
    deduped.dedup();
    assert_eq!(
        deduped,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    let text: String = events
        .iter()
        .filter(|(e, _)| e == "response.output_text.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(text, "STREAMED");
    let (_, done) = events.last().unwrap();
    assert_eq!(done["response"]["status"], "completed");
    let reasoning = &done["response"]["output"][0];
    assert!(
        reasoning["summary"][0]["text"]
            .as_str()
            .unwrap()
            .contains("(effort: high)")
    );
    assert!(
        reasoning["encrypted_content"]
            .as_str()
            .unwrap()
            .starts_with("gAAAAB")
    );
    assert!(done["response"]["usage"]["input_tokens"].as_u64().unwrap() > 0);
    // The record names each event as sent.
    let rec = sims.requests().pop().unwrap();
    assert!(rec.stream && rec.stream_completed);
    assert_eq!(rec.stream_events.len(), events.len());
}

#[test]
fn a_streamed_function_call_sends_its_arguments_in_deltas() {
    let sims = Simulators::start(&[P]).unwrap();
    let mut b = body(json!(
        "Use the Bash tool to run `echo NONCE-SFC-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789`."
    ));
    b["stream"] = json!(true);
    b["tools"] = json!([{"type": "function", "name": "Bash", "strict": false, "parameters": {"type": "object", "properties": {"command": {"type": "string"}}}}]);
    let r = send(&sims, P, "/v1/responses", &auth(), &b);
    assert_eq!(r.status, 200, "{}", r.text);
    let events = sse(&r.text);
    let at = events
        .iter()
        .position(|(_, d)| {
            d["type"] == "response.output_item.added" && d["item"]["type"] == "function_call"
        })
        .expect("a function_call item");
    let added = &events[at].1["item"];
    assert_eq!(added["arguments"], "");
    assert_eq!(added["status"], "in_progress");
    let deltas: Vec<&str> = events[at + 1..]
        .iter()
        .take_while(|(k, _)| k == "response.function_call_arguments.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    assert!(deltas.len() >= 2, "arguments in fragments: {deltas:?}");
    let (kind, done) = &events[at + 1 + deltas.len()];
    assert_eq!(kind, "response.function_call_arguments.done");
    assert_eq!(done["arguments"].as_str().unwrap(), deltas.concat());
    let (kind, item_done) = &events[at + 2 + deltas.len()];
    assert_eq!(kind, "response.output_item.done");
    assert_eq!(item_done["item"]["arguments"], done["arguments"]);
    assert!(
        item_done["item"]["call_id"]
            .as_str()
            .unwrap()
            .starts_with("call_")
    );
    let args: Value = serde_json::from_str(done["arguments"].as_str().unwrap()).unwrap();
    assert!(
        args["command"]
            .as_str()
            .unwrap()
            .starts_with("echo NONCE-SFC-")
    );
    // The arguments stream as written: each fragment paced.
    let rec = sims.requests().pop().unwrap();
    let times: Vec<f64> = rec
        .stream_events
        .iter()
        .filter(|e| e.kind == "response.function_call_arguments.delta")
        .map(|e| e.at_unix_ms)
        .collect();
    assert!(
        times.last().unwrap() - times.first().unwrap() >= 10.0,
        "{times:?}"
    );
}
