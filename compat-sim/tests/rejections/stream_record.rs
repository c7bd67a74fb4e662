//! The record of a streamed answer: every event, named as the wire names it,
//! with the time it was sent, on every framing; `stream_completed` once the
//! last one went out.

use std::time::Duration;

use compat_sim::{Api, Simulators, creds};
use serde_json::json;

use crate::common::*;

fn assert_recorded(r: &compat_sim::RecordedRequest, first: &[&str], delta: &str, last: &str) {
    let kinds = kinds(r);
    assert!(r.stream && r.stream_completed, "{}", r.describe());
    assert_eq!(&kinds[..first.len()], first, "{kinds:?}");
    assert!(kinds.contains(&delta), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&last), "{kinds:?}");
    let times: Vec<f64> = r.stream_events.iter().map(|e| e.at_unix_ms).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    // Real wall-clock milliseconds (after 2020-01-01).
    assert!(times[0] > 1_577_836_800_000.0, "{times:?}");
    // Text deltas are paced (20 ms each), as a real model streams them.
    let deltas: Vec<f64> = r
        .stream_events
        .iter()
        .filter(|e| e.kind == delta)
        .map(|e| e.at_unix_ms)
        .collect();
    assert!(deltas.windows(2).all(|w| w[1] - w[0] >= 15.0), "{deltas:?}");
}

#[test]
fn every_streamed_event_is_recorded_as_sent() {
    let sims = Simulators::start(&[
        Api::Anthropic,
        Api::BedrockInvoke,
        Api::BedrockConverse,
        Api::VertexAi,
    ])
    .unwrap();

    let mut body = messages_body(Some("claude-sonnet-4-6"));
    body["messages"][0]["content"] = json!("Count from 1 to 20, separated by single spaces.");
    body["stream"] = json!(true);
    let (status, rx) = open_stream(anthropic_request(&sims, &body));
    assert_eq!(status, 200);
    // The client reads the deltas as they are sent, not in one burst.
    let t0 = std::time::Instant::now();
    let mut arrivals = Vec::new();
    while let Ok(chunk) = rx.recv_timeout(Duration::from_secs(10)) {
        arrivals.push((
            t0.elapsed(),
            String::from_utf8_lossy(&chunk)
                .matches("text_delta")
                .count(),
        ));
    }
    let with_deltas: Vec<Duration> = arrivals
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, _)| *t)
        .collect();
    assert!(
        with_deltas.len() > 3,
        "text deltas arrived in {} reads: {arrivals:?}",
        with_deltas.len()
    );
    assert!(
        with_deltas[with_deltas.len() - 1] - with_deltas[0] >= Duration::from_millis(50),
        "{arrivals:?}"
    );
    assert_recorded(
        &sims.requests()[0],
        &["message_start", "ping", "content_block_start"],
        "content_block_delta:text_delta",
        "message_stop",
    );
    assert!(
        sims.requests()[0]
            .stream_events
            .iter()
            .filter(|e| e.kind == "content_block_delta:text_delta")
            .count()
            > 3
    );

    let path = "/model/us.anthropic.claude-sonnet-4-6/invoke-with-response-stream";
    let (status, rx) = open_stream(bedrock_request(
        &sims,
        Api::BedrockInvoke,
        path,
        &invoke_body(),
    ));
    assert_eq!(status, 200);
    assert!(collect_for(&rx, Duration::from_secs(10)).1);
    assert_recorded(
        &sims.requests()[1],
        &["message_start", "content_block_start"],
        "content_block_delta:text_delta",
        "message_stop",
    );

    let path = "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse-stream";
    let (status, rx) = open_stream(bedrock_request(
        &sims,
        Api::BedrockConverse,
        path,
        &converse_body(),
    ));
    assert_eq!(status, 200);
    assert!(collect_for(&rx, Duration::from_secs(10)).1);
    assert_recorded(
        &sims.requests()[2],
        &["messageStart"],
        "contentBlockDelta:text",
        "metadata",
    );

    let mut body = messages_body(None);
    body["anthropic_version"] = json!("vertex-2023-10-16");
    let base = sims.base_url(Api::VertexAi).unwrap();
    let url = format!(
        "{base}/v1/projects/{}/locations/{}/publishers/anthropic/models/claude-sonnet-4-6:streamRawPredict?alt=sse",
        creds::VERTEX_PROJECT,
        creds::VERTEX_LOCATION
    );
    let req = reqwest::blocking::Client::new()
        .post(url)
        .bearer_auth(creds::VERTEX_ACCESS_TOKEN)
        .json(&body);
    let (status, rx) = open_stream(req);
    assert_eq!(status, 200);
    assert!(collect_for(&rx, Duration::from_secs(10)).1);
    assert_recorded(
        &sims.requests()[3],
        &["message_start", "ping"],
        "content_block_delta:text_delta",
        "message_stop",
    );

    // A non-streamed answer records no events.
    let r = send(
        &sims,
        Api::Anthropic,
        "/v1/messages",
        API_HEADERS,
        &messages_body(Some("claude-sonnet-4-6")),
    );
    assert_eq!(r.status, 200);
    let rec = sims.requests().pop().unwrap();
    assert!(
        !rec.stream && rec.stream_events.is_empty() && !rec.stream_completed,
        "{rec:?}"
    );
}
