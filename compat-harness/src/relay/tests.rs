//! The tap's tests: what it records, its fault modes, its model-listing rewrites.

use super::*;

#[test]
fn listing_faults_empty_or_rename_the_gateways_models() {
    let gateway = json!({"data": [
            {"type": "model", "id": "claude-haiku-4-5", "display_name": "Haiku"},
            {"type": "model", "id": "claude-sonnet-4-6[1m]", "display_name": "Sonnet"},
        ], "has_more": false, "first_id": "claude-haiku-4-5", "last_id": "claude-sonnet-4-6[1m]"});
    let mut v = gateway.clone();
    TapMode::Forward.rewrite_listing(&mut v);
    assert_eq!(v, gateway);
    TapMode::ListNothing.rewrite_listing(&mut v);
    assert_eq!(v["data"], json!([]));
    let mut v = gateway.clone();
    TapMode::ListNonClaudeIds.rewrite_listing(&mut v);
    let ids: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["gw-model-1", "gw-model-2"]);
    assert_eq!(v["data"][1]["display_name"], "Sonnet");
    assert!(v.get("first_id").is_none() && v.get("last_id").is_none());
    assert!(is_model_listing("GET", "/v1/models?limit=1000"));
    assert!(is_model_listing("GET", "/anthropic/v1/models"));
    assert!(!is_model_listing("POST", "/v1/models"));
    assert!(!is_model_listing("GET", "/v1/models/claude-haiku-4-5"));
}

#[test]
fn a_token_count_answer_is_its_own_usage() {
    let mut usage = None;
    merge_usage(
        &mut usage,
        &json!({"input_tokens": 12807, "litellm_count_source": "provider"}),
    );
    assert_eq!(usage.as_ref().unwrap()["input_tokens"], 12807);
    assert_eq!(usage.unwrap()["litellm_count_source"], "provider");
    let mut none = None;
    merge_usage(&mut none, &json!({"type": "ping"}));
    assert!(none.is_none());
}

#[test]
fn usage_is_merged_from_start_and_delta() {
    let mut u = None;
    merge_usage(
        &mut u,
        &json!({"type": "message_start", "message": {"usage": {"input_tokens": 5, "cache_read_input_tokens": 0}}}),
    );
    merge_usage(
        &mut u,
        &json!({"type": "message_delta", "usage": {"output_tokens": 7, "cache_read_input_tokens": 4096}}),
    );
    assert_eq!(
        u,
        Some(json!({"input_tokens": 5, "cache_read_input_tokens": 4096, "output_tokens": 7}))
    );
}

#[test]
fn bedrock_event_stream_chunks_are_decoded_across_reads() {
    use base64::Engine as _;
    let frame = |event: Value| {
        let payload =
            json!({"bytes": base64::engine::general_purpose::STANDARD.encode(event.to_string())});
        compat_sim::aws::encode_frame(
            &[
                (":event-type", "chunk"),
                (":content-type", "application/json"),
                (":message-type", "event"),
            ],
            payload.to_string().as_bytes(),
        )
        .to_vec()
    };
    let mut wire =
        frame(json!({"type": "message_start", "message": {"usage": {"input_tokens": 3}}}));
    wire.extend(frame(
        json!({"type": "content_block_delta", "delta": {"type": "text_delta", "text": "1"}}),
    ));
    // Cut inside the second frame: only the first is complete.
    let mut buf = wire[..wire.len() - 5].to_vec();
    let kinds = |v: Vec<(String, Value)>| v.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert_eq!(kinds(take_eventstream_events(&mut buf)), ["message_start"]);
    buf.extend_from_slice(&wire[wire.len() - 5..]);
    assert_eq!(
        kinds(take_eventstream_events(&mut buf)),
        ["content_block_delta:text_delta"]
    );
    assert!(buf.is_empty());
}

#[test]
fn streaming_is_read_from_the_path_where_the_body_does_not_say() {
    let none = json!({"messages": []});
    assert!(asks_for_stream(
        "/bedrock/model/us.anthropic.claude-sonnet-4-6/invoke-with-response-stream",
        &none
    ));
    assert!(!asks_for_stream(
        "/bedrock/model/us.anthropic.claude-sonnet-4-6/invoke",
        &none
    ));
    assert!(asks_for_stream("/v1/messages", &json!({"stream": true})));
    assert!(is_model_call(
        &Method::POST,
        "/vertex_ai/v1/projects/p/locations/l/publishers/anthropic/models/m:streamRawPredict"
    ));
    assert!(is_model_call(&Method::POST, "/azure_ai/v1/messages"));
    assert!(!is_model_call(&Method::GET, "/bedrock/inference-profiles"));
}

#[test]
fn sse_events_are_named_and_split_across_chunks() {
    let mut buf = String::from(
        "event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"1\"}}\n\nevent: ping\ndata: {\"ty",
    );
    let kinds = |v: Vec<(String, Value)>| v.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert_eq!(
        kinds(take_sse_events(&mut buf)),
        ["message_start", "content_block_delta:text_delta"]
    );
    buf.push_str("pe\":\"ping\"}\n\n");
    assert_eq!(kinds(take_sse_events(&mut buf)), ["ping"]);
    assert!(buf.is_empty());
}
