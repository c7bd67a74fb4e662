//! The Bedrock Converse simulator: each malformed request is rejected with
//! Bedrock's own error shape; a correctly signed one is answered in Converse's
//! JSON and stream events.

use compat_sim::{Api, Simulators};
use serde_json::{Value, json};

use crate::common::*;

#[test]
fn converse_answers_and_streams_converse_events() {
    let sims = Simulators::start(&[Api::BedrockConverse]).unwrap();
    let p = Api::BedrockConverse;
    let r = post(&sims, p, CONVERSE, &converse_body(), |_, _| {});
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status, 200, "{v}");
    assert_eq!(v["output"]["message"]["content"][0]["text"], "OK");
    assert_eq!(v["stopReason"], "end_turn");

    let r = post(
        &sims,
        p,
        "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse-stream",
        &converse_body(),
        |_, _| {},
    );
    let frames = compat_sim::aws::decode_frames(&r.body).unwrap();
    let kinds: Vec<String> = frames.iter().map(|f| f.headers[0].1.clone()).collect();
    assert_eq!(kinds.first().unwrap(), "messageStart");
    assert_eq!(kinds[kinds.len() - 2], "messageStop");
    let meta: Value = serde_json::from_slice(&frames.last().unwrap().payload).unwrap();
    assert!(
        meta.get("metrics").is_some() && meta["usage"]["inputTokens"].as_u64().unwrap() > 0,
        "{meta}"
    );
}

#[test]
fn converse_rejects_malformed_requests_as_bedrock_does() {
    let sims = Simulators::start(&[Api::BedrockConverse]).unwrap();
    let p = Api::BedrockConverse;
    // 1. an unknown top-level field
    let mut b = converse_body();
    b["max_tokens"] = json!(100);
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "extraneous key [max_tokens]",
    );
    assert_last_rule(&sims, "converse.field_allowlist");
    // 2. an Anthropic-dialect image block inside Converse content
    let mut b = converse_body();
    b["messages"][0]["content"] = json!([{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}]);
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "extraneous key [type]",
    );
    assert_last_rule(&sims, "converse.union_member");
    // 3. a cachePoint with nothing before it
    let mut b = converse_body();
    b["system"] = json!([{"cachePoint": {"type": "default"}}]);
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "must follow a content block",
    );
    assert_last_rule(&sims, "converse.cache_point_placement");
    // 4. a tool without an input schema
    let mut b = converse_body();
    b["toolConfig"] = json!({"tools": [{"toolSpec": {"name": "Bash", "description": "x"}}]});
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "inputSchema.json: required",
    );
    // 5. a thinking budget under the minimum
    let mut b = converse_body();
    b["inferenceConfig"]["maxTokens"] = json!(4000);
    b["additionalModelRequestFields"] =
        json!({"thinking": {"type": "enabled", "budget_tokens": 500}});
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "greater than or equal to 1024",
    );
    // 6. a replayed reasoning block whose signature was altered
    let mut b = converse_body();
    b["inferenceConfig"]["maxTokens"] = json!(4000);
    b["additionalModelRequestFields"] =
        json!({"thinking": {"type": "enabled", "budget_tokens": 1024}});
    b["messages"] = json!([
        {"role": "user", "content": [{"text": "hi"}]},
        {"role": "assistant", "content": [{"reasoningContent": {"reasoningText": {"text": "hmm", "signature": "forged"}}}, {"text": "hello"}]},
        {"role": "user", "content": [{"text": "again"}]},
    ]);
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "Invalid `signature`",
    );
    // 7. context editing, which Converse does not take (LiteLLM #29085)
    let mut b = converse_body();
    b["additionalModelRequestFields"] = json!({
        "anthropic_beta": ["context-management-2025-06-27"],
        "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
    });
    assert_rejected(
        &post(&sims, p, CONVERSE, &b, |_, _| {}),
        400,
        "ValidationException",
        "context_management: Extra inputs are not permitted",
    );
    // 8. signed for another region
    let r = post(&sims, p, CONVERSE, &converse_body(), |h, _| {
        h[2].1 = h[2].1.replace("/us-east-1/", "/eu-west-1/")
    });
    assert_rejected(&r, 403, "InvalidSignatureException", "valid region");
}

/// Converse `document` blocks: a PDF is read (the answer quotes its text);
/// the name rules, uniqueness and the five-document limit are Bedrock's
/// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html).
#[test]
fn converse_reads_pdf_documents_and_enforces_their_name_rules() {
    use base64::Engine as _;
    let sims = Simulators::start(&[Api::BedrockConverse]).unwrap();
    let p = Api::BedrockConverse;
    let pdf =
        base64::engine::general_purpose::STANDARD.encode(compat_sim::document::pdf_with_text(&[
            "The code is conv-42",
        ]));
    let doc =
        |name: &str| json!({"document": {"format": "pdf", "name": name, "source": {"bytes": pdf}}});
    let with = |docs: Vec<Value>| {
        let mut b = converse_body();
        let mut content = docs;
        content.push(json!({"text": "What does the document say?"}));
        b["messages"][0]["content"] = Value::Array(content);
        b
    };
    // LiteLLM's own naming (an underscore, which the live service accepts).
    let r = post(
        &sims,
        p,
        CONVERSE,
        &with(vec![doc("DocumentPDFmessages_0123abcd_pdf")]),
        |_, _| {},
    );
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status, 200, "{v}");
    assert!(
        v["output"]["message"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("conv-42"),
        "{v}"
    );
    for bad in ["report.pdf", "a  b", "", "résumé", &"x".repeat(201)] {
        assert_rejected(
            &post(&sims, p, CONVERSE, &with(vec![doc(bad)]), |_, _| {}),
            400,
            "ValidationException",
            "The document file name can only contain",
        );
    }
    assert_rejected(
        &post(
            &sims,
            p,
            CONVERSE,
            &with(vec![doc("same"), doc("same")]),
            |_, _| {},
        ),
        400,
        "ValidationException",
        "duplicate document names",
    );
    let six = (0..6).map(|i| doc(&format!("doc-{i}"))).collect();
    assert_rejected(
        &post(&sims, p, CONVERSE, &with(six), |_, _| {}),
        400,
        "ValidationException",
        "more than 5 documents",
    );
}
