//! Fault switches change the answer as advertised, only for the requests in
//! their scope.

use std::time::{Duration, Instant};

use compat_sim::{Api, Fault, FaultScope, Simulators};
use serde_json::{Value, json};

use crate::common::*;

#[test]
fn faults_change_the_answer_as_advertised() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let p = Api::Anthropic;
    let body = |tag: &str, stream: bool| {
        let mut b = messages_body(Some("claude-haiku-4-5"));
        b["messages"][0]["content"] = json!(format!("Reply with exactly `{tag}`."));
        b["stream"] = json!(stream);
        b
    };
    let scoped = |tag: &str| FaultScope {
        provider: Some(p),
        model: Some("claude-haiku-4-5".into()),
        body_contains: Some(tag.into()),
    };

    let _g = sims.inject(scoped("t429"), Fault::Status(429));
    assert_anthropic_error(
        &send(&sims, p, "/v1/messages", API_HEADERS, &body("t429", false)),
        429,
        "rate_limit_error",
        "rate limit",
    );
    let _g = sims.inject(scoped("t529"), Fault::Status(529));
    assert_anthropic_error(
        &send(&sims, p, "/v1/messages", API_HEADERS, &body("t529", false)),
        529,
        "overloaded_error",
        "Overloaded",
    );
    // Scoped: another trial's request is untouched.
    assert_eq!(
        send(&sims, p, "/v1/messages", API_HEADERS, &body("other", false)).status,
        200
    );

    let _g = sims.inject(
        scoped("slow"),
        Fault::SlowFirstByte(Duration::from_millis(400)),
    );
    let t0 = Instant::now();
    assert_eq!(
        send(&sims, p, "/v1/messages", API_HEADERS, &body("slow", false)).status,
        200
    );
    assert!(t0.elapsed() >= Duration::from_millis(400));

    let _g = sims.inject(scoped("broken"), Fault::BreakStreamFraming);
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &body("broken", true));
    let bad_lines = r
        .text
        .lines()
        .filter(|l| l.starts_with("data: ") && serde_json::from_str::<Value>(&l[6..]).is_err())
        .count();
    assert_eq!(bad_lines, 1, "{}", r.text);

    let mut cached = body("nocache", false);
    cached["system"] = json!([{"type": "text", "text": "x".repeat(40_000), "cache_control": {"type": "ephemeral"}}]);
    let _g = sims.inject(scoped("nocache"), Fault::StripCacheUsage);
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &cached);
    assert_eq!(
        r.body["usage"]["cache_creation_input_tokens"], 0,
        "{}",
        r.text
    );
    assert_eq!(r.body["usage"]["cache_read_input_tokens"], 0, "{}", r.text);

    let mut think = body("nothink", false);
    think["max_tokens"] = json!(4000);
    think["thinking"] = json!({"type": "enabled", "budget_tokens": 1024});
    assert_eq!(
        send(&sims, p, "/v1/messages", API_HEADERS, &think).body["content"][0]["type"],
        "thinking"
    );
    let _g = sims.inject(scoped("nothink"), Fault::DropThinking);
    assert_eq!(
        send(&sims, p, "/v1/messages", API_HEADERS, &think).body["content"][0]["type"],
        "text"
    );
}

fn stall_scope(api: Api, tag: &str) -> FaultScope {
    FaultScope {
        provider: Some(api),
        model: None,
        body_contains: Some(tag.into()),
    }
}

#[test]
fn a_stalled_anthropic_stream_sends_message_start_then_nothing() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let _g = sims.inject(stall_scope(Api::Anthropic, "stall-me"), Fault::StallStream);
    let mut body = messages_body(Some("claude-haiku-4-5"));
    body["messages"][0]["content"] = json!("Reply with exactly `stall-me`.");
    body["stream"] = json!(true);
    let (status, rx) = open_stream(anthropic_request(&sims, &body));
    assert_eq!(status, 200);
    let first = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("the first event");
    let text = String::from_utf8_lossy(&first);
    assert!(text.starts_with("event: message_start\n"), "{text}");
    assert_eq!(
        text.matches("event: ").count(),
        1,
        "only the first event: {text}"
    );
    let (more, ended) = collect_for(&rx, Duration::from_secs(1));
    assert!(
        more.is_empty() && !ended,
        "nothing after the first event: {}",
        String::from_utf8_lossy(&more)
    );

    let r = sims.requests().pop().unwrap();
    assert_eq!((r.status, r.stream), (200, true), "{}", r.describe());
    assert_eq!(kinds(&r), ["message_start"]);
    assert!(!r.stream_completed);

    // Non-streaming: no answer at all, and the request is on record.
    body["stream"] = json!(false);
    let t0 = Instant::now();
    let err = anthropic_request(&sims, &body)
        .timeout(Duration::from_secs(1))
        .send()
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(t0.elapsed() >= Duration::from_secs(1));
    let r = sims.requests().pop().unwrap();
    assert_eq!(
        (r.status, r.stream, r.stream_completed),
        (0, false, false),
        "{}",
        r.describe()
    );
}

#[test]
fn a_stalled_converse_stream_sends_message_start_then_nothing() {
    let sims = Simulators::start(&[Api::BedrockConverse]).unwrap();
    let _g = sims.inject(
        stall_scope(Api::BedrockConverse, "stall-me"),
        Fault::StallStream,
    );
    let mut body = converse_body();
    body["messages"][0]["content"][0]["text"] = json!("Reply with exactly `stall-me`.");
    let path = "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse-stream";
    let (status, rx) = open_stream(bedrock_request(&sims, Api::BedrockConverse, path, &body));
    assert_eq!(status, 200);
    let first = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("the first event");
    let frames = compat_sim::aws::decode_frames(&first).unwrap();
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(
        frames[0].headers[0],
        (":event-type".into(), "messageStart".into())
    );
    let (more, ended) = collect_for(&rx, Duration::from_secs(1));
    assert!(more.is_empty() && !ended, "nothing after messageStart");

    let r = sims.requests().pop().unwrap();
    assert_eq!((r.status, r.stream), (200, true), "{}", r.describe());
    assert_eq!(kinds(&r), ["messageStart"]);
    assert!(!r.stream_completed);
}

/// Every chunk of a stream with the wall-clock time (ms since the Unix
/// epoch, the record's clock) it reached the client, until the body ends.
fn arrivals(rx: &std::sync::mpsc::Receiver<Vec<u8>>) -> Vec<(f64, Vec<u8>)> {
    let mut out = Vec::new();
    while let Ok(chunk) = rx.recv_timeout(Duration::from_secs(10)) {
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
            * 1000.0;
        out.push((at, chunk));
    }
    out
}

/// A read-ahead (`HoldStreamStart(50)`): nothing reaches the client until
/// the provider has produced half its text deltas, then those arrive in one
/// piece and the rest streams at the provider's pace; the record still
/// stamps every delta when it was produced, 20 ms apart.
#[test]
fn a_held_stream_start_arrives_at_once_after_half_the_deltas_then_streams() {
    let sims = Simulators::start(&[Api::Anthropic, Api::BedrockConverse]).unwrap();
    let _g = sims.inject(
        stall_scope(Api::Anthropic, "hold-start"),
        Fault::HoldStreamStart(50),
    );
    let mut body = messages_body(Some("claude-haiku-4-5"));
    body["messages"][0]["content"] =
        json!("Count from 1 to 40, separated by single spaces. (hold-start)");
    body["stream"] = json!(true);
    let (status, rx) = open_stream(anthropic_request(&sims, &body));
    assert_eq!(status, 200);
    let got = arrivals(&rx);
    let r = sims.requests().pop().unwrap();
    assert!(r.stream_completed, "{}", r.describe());
    assert!(!kinds(&r).contains(&""), "{:?}", kinds(&r));
    let sent: Vec<f64> = r
        .stream_events
        .iter()
        .filter(|e| e.kind == "content_block_delta:text_delta")
        .map(|e| e.at_unix_ms)
        .collect();
    assert!(sent.len() >= 10, "{sent:?}");
    assert!(sent.windows(2).all(|w| w[1] - w[0] >= 15.0), "{sent:?}");
    let held = sent.len().div_ceil(2);

    // The first chunk carries everything up to the held-th delta, and left
    // only after the provider had produced it.
    let (first_at, first) = &got[0];
    let text = String::from_utf8_lossy(first);
    assert!(text.starts_with("event: message_start\n"), "{text}");
    assert_eq!(text.matches("\"text_delta\"").count(), held, "{text}");
    assert!(
        *first_at >= sent[held - 1],
        "{first_at} < {}",
        sent[held - 1]
    );
    // The rest streams: in several chunks, spread over time.
    let later: Vec<f64> = got[1..]
        .iter()
        .filter(|(_, c)| String::from_utf8_lossy(c).contains("\"text_delta\""))
        .map(|(at, _)| *at)
        .collect();
    assert!(later.len() > 3, "{} later chunks", later.len());
    assert!(later[later.len() - 1] - later[0] >= 50.0, "{later:?}");

    // The same on Bedrock's event-stream framing: the held frames arrive
    // whole in one piece, and the record names every event.
    let _g = sims.inject(
        stall_scope(Api::BedrockConverse, "hold-start"),
        Fault::HoldStreamStart(50),
    );
    let mut body = converse_body();
    body["messages"][0]["content"][0]["text"] =
        json!("Count from 1 to 40, separated by single spaces. (hold-start)");
    let path = "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse-stream";
    let (status, rx) = open_stream(bedrock_request(&sims, Api::BedrockConverse, path, &body));
    assert_eq!(status, 200);
    let got = arrivals(&rx);
    let r = sims.requests().pop().unwrap();
    assert!(
        r.stream_completed && !kinds(&r).contains(&""),
        "{}",
        r.describe()
    );
    let deltas = kinds(&r)
        .iter()
        .filter(|k| **k == "contentBlockDelta:text")
        .count();
    let frames = compat_sim::aws::decode_frames(&got[0].1).unwrap();
    assert_eq!(frames[0].headers[0].1, "messageStart", "{frames:?}");
    let held_frames = frames
        .iter()
        .filter(|f| f.headers.iter().any(|(_, v)| v == "contentBlockDelta"))
        .count();
    assert_eq!(held_frames, deltas.div_ceil(2), "{deltas} deltas");
}

/// `status:<code>` serves the code asked, in Bedrock's shape: the exception
/// the Bedrock Runtime API reference names for it (InvokeModel and Converse
/// "Errors"), as `x-amzn-ErrorType` and `{"message"}`. It used to raise every
/// status below 500 to a 500 InternalServerException.
#[test]
fn bedrock_status_faults_answer_the_status_asked_with_its_exception() {
    let sims = Simulators::start(&[Api::BedrockInvoke, Api::BedrockConverse]).unwrap();
    let cases = [
        (400, "ValidationException"),
        (403, "AccessDeniedException"),
        (404, "ResourceNotFoundException"),
        (408, "ModelTimeoutException"),
        (424, "ModelErrorException"),
        (429, "ThrottlingException"),
        (500, "InternalServerException"),
        (503, "ServiceUnavailableException"),
    ];
    for (api, path, mut body) in [
        (Api::BedrockInvoke, INVOKE, invoke_body()),
        (Api::BedrockConverse, CONVERSE, converse_body()),
    ] {
        for (status, kind) in cases {
            let tag = format!("status{status}");
            match api {
                Api::BedrockInvoke => {
                    body["messages"][0]["content"] = json!(format!("Reply with `{tag}`."))
                }
                _ => {
                    body["messages"][0]["content"][0]["text"] =
                        json!(format!("Reply with `{tag}`."))
                }
            }
            let _g = sims.inject(
                FaultScope {
                    provider: Some(api),
                    body_contains: Some(tag.clone()),
                    ..FaultScope::default()
                },
                Fault::Status(status),
            );
            let r = post(&sims, api, path, &body, |_, _| {});
            assert_rejected(&r, status, kind, "(simulated)");
        }
    }
}

/// The Anthropic-shaped APIs answer each status with the error type
/// Anthropic's error table gives it (docs.claude.com/en/api/errors).
#[test]
fn anthropic_status_faults_answer_the_status_asked_with_its_error_type() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    for (status, kind) in [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (413, "request_too_large"),
        (429, "rate_limit_error"),
        (500, "api_error"),
        (529, "overloaded_error"),
    ] {
        let tag = format!("status{status}");
        let mut b = messages_body(Some("claude-haiku-4-5"));
        b["messages"][0]["content"] = json!(format!("Reply with exactly `{tag}`."));
        let _g = sims.inject(
            FaultScope {
                provider: Some(Api::Anthropic),
                body_contains: Some(tag),
                ..FaultScope::default()
            },
            Fault::Status(status),
        );
        assert_anthropic_error(
            &send(&sims, Api::Anthropic, "/v1/messages", API_HEADERS, &b),
            status,
            kind,
            "simulated",
        );
    }
}

/// A status the provider never answers with is refused, naming the
/// provider, the status and what it does answer (the harness quotes it as
/// the `COMPAT_SIM_FAULT` setting's error), rather than served as another.
#[test]
fn status_faults_the_provider_never_answers_are_refused() {
    for (api, status) in [
        (Api::BedrockInvoke, 529),
        (Api::BedrockConverse, 401),
        (Api::BedrockInvoke, 502),
        (Api::Anthropic, 503),
        (Api::VertexAi, 418),
        (Api::Azure, 502),
        (Api::BedrockMantle, 504),
    ] {
        let e = compat_sim::check_fault(api, &Fault::Status(status)).unwrap_err();
        assert!(
            e.contains(api.id()) && e.contains(&status.to_string()) && e.contains("serves these"),
            "{e}"
        );
    }
    assert!(compat_sim::check_fault(Api::BedrockInvoke, &Fault::Status(408)).is_ok());
    assert!(compat_sim::check_fault(Api::Azure, &Fault::Status(529)).is_ok());
    assert!(compat_sim::check_fault(Api::BedrockConverse, &Fault::DropThinking).is_ok());

    let sims = Simulators::start(&[Api::BedrockInvoke]).unwrap();
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        sims.inject(
            FaultScope {
                provider: Some(Api::BedrockInvoke),
                ..FaultScope::default()
            },
            Fault::Status(529),
        )
    }));
    assert!(
        refused.is_err(),
        "inject took a status Bedrock never answers"
    );
}
