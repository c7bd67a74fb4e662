//! The fault switches on the OpenAI simulators' Responses answers: the
//! existing ones show on a Responses stream as on the Messages one, and
//! `DropUsage` answers `usage: null`.

use compat_sim::{Api, Fault, FaultScope, Simulators, check_fault};
use serde_json::{Value, json};

use crate::common::send;
use crate::openai::{body, sse};

const P: Api = Api::OpenAi;
const AUTH: &[(&str, &str)] = &[("authorization", "Bearer sk-sim-openai-key")];

fn scope(nonce: &str) -> FaultScope {
    FaultScope {
        provider: Some(P),
        body_contains: Some(nonce.into()),
        ..Default::default()
    }
}

fn streamed(text: &str) -> Value {
    let mut b = body(json!(text));
    b["stream"] = json!(true);
    b
}

#[test]
fn drop_usage_answers_usage_null_and_records_none() {
    let sims = Simulators::start(&[P]).unwrap();
    let _g = sims.inject(scope("NONCE-DU"), Fault::DropUsage);
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &body(json!("NONCE-DU reply with exactly `U`.")),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["usage"].is_null(), "{}", r.text);
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &streamed("NONCE-DU reply with exactly `U`."),
    );
    let (kind, completed) = sse(&r.text).pop().unwrap();
    assert_eq!(kind, "response.completed");
    assert!(completed["response"]["usage"].is_null(), "{}", r.text);
    assert!(
        sims.requests_containing("NONCE-DU")
            .iter()
            .all(|q| q.usage.is_none())
    );
    // Untouched requests keep their usage.
    let r = send(&sims, P, "/v1/responses", AUTH, &body(json!("other")));
    assert!(r.body["usage"]["input_tokens"].as_u64().unwrap() > 0);
    // Only OpenAI's APIs answer without usage.
    assert!(check_fault(Api::Anthropic, &Fault::DropUsage).is_err());
    assert!(check_fault(Api::AzureOpenAi, &Fault::DropUsage).is_ok());
}

#[test]
fn the_existing_switches_show_on_a_responses_stream() {
    let sims = Simulators::start(&[P]).unwrap();
    // A broken frame after the first text delta.
    let _g = sims.inject(scope("NONCE-BF"), Fault::BreakStreamFraming);
    send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &streamed("NONCE-BF reply with exactly `FRAMES`."),
    );
    let rec = sims.requests_containing("NONCE-BF").pop().unwrap();
    assert!(
        rec.stream_events
            .iter()
            .any(|e| e.kind == "corrupted:response.output_text.delta"),
        "{:?}",
        rec.stream_events
    );
    // No tool call: text instead of a function_call item.
    let _g = sims.inject(scope("NONCE-NT"), Fault::NoToolCall);
    let mut b = body(json!("NONCE-NT use the Bash tool to run `echo hi`."));
    b["tools"] = json!([{"type": "function", "name": "Bash", "parameters": {"type": "object"}}]);
    let r = send(&sims, P, "/v1/responses", AUTH, &b);
    let types: Vec<&str> = r.body["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert!(!types.contains(&"function_call"), "{types:?}");
    // Dropped reasoning.
    let _g = sims.inject(scope("NONCE-DT"), Fault::DropThinking);
    let r = send(
        &sims,
        P,
        "/v1/responses",
        AUTH,
        &body(json!("NONCE-DT reply with exactly `T`.")),
    );
    assert!(
        r.body["output"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["type"] != "reasoning"),
        "{}",
        r.text
    );
    // A status OpenAI answers, in its shape; one it never answers, refused.
    let _g = sims.inject(scope("NONCE-503"), Fault::Status(503));
    let r = send(&sims, P, "/v1/responses", AUTH, &body(json!("NONCE-503")));
    assert_eq!(r.status, 503);
    assert_eq!(r.body["error"]["type"], "server_error", "{}", r.text);
    assert!(check_fault(P, &Fault::Status(529)).is_err());
    // Buffered tool input: the arguments' deltas go out in one burst.
    let _g = sims.inject(scope("NONCE-BT"), Fault::BufferToolInput);
    let mut b = streamed("NONCE-BT use the Bash tool to run `echo buffered`.");
    b["tools"] = json!([{"type": "function", "name": "Bash", "parameters": {"type": "object"}}]);
    let r = send(&sims, P, "/v1/responses", AUTH, &b);
    assert!(
        sse(&r.text)
            .iter()
            .any(|(k, _)| k == "response.function_call_arguments.delta"),
        "{}",
        r.text
    );
    // The system prompt dropped on the way: instructions and developer messages.
    let _g = sims.inject(scope("NONCE-DS"), Fault::DropSystemPrompt);
    let mut b = body(json!([
        {"role": "developer", "content": "NONCE-DS be terse"},
        {"role": "user", "content": "NONCE-DS hi"},
    ]));
    b["instructions"] = json!("NONCE-DS system");
    send(&sims, P, "/v1/responses", AUTH, &b);
    let rec = sims.requests_containing("NONCE-DS").pop().unwrap();
    assert!(rec.body.get("instructions").is_none(), "{}", rec.describe());
    assert_eq!(
        rec.body["input"].as_array().unwrap().len(),
        1,
        "{}",
        rec.describe()
    );
}
