//! The driver's parser on transcripts captured from the real claude CLI
//! (golden/transcripts/, see its README).

use std::path::Path;

use compat_core::driver::Transcript;

fn load(name: &str) -> Transcript {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../golden/transcripts")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Transcript::parse_str(&text).unwrap_or_else(|(n, _, e)| panic!("{name}:{n}: {e}"))
}

#[test]
fn plain_text() {
    let t = load("text.jsonl");
    t.ensure_success().unwrap();
    assert_eq!(t.final_text, "PONG-golden");
    assert_eq!(t.cli_version.as_deref(), Some("2.1.331"));
    assert_eq!(t.model.as_deref(), Some("claude-sonnet-4-6"));
    assert_eq!(t.num_turns, 1);
    assert!(t.thinking.is_empty() && t.tool_calls.is_empty());
    assert!(t.session_id.is_some());
    assert!(t.usage.output_tokens > 0);
}

#[test]
fn partial_messages_are_stream_events_whose_deltas_make_the_text() {
    let t = load("stream_partial.jsonl");
    t.ensure_success().unwrap();
    let kinds: Vec<&str> = t
        .stream_events
        .iter()
        .filter_map(|e| e.event["type"].as_str())
        .collect();
    assert_eq!(kinds.first(), Some(&"message_start"));
    assert_eq!(kinds.last(), Some(&"message_stop"));
    let text: String = t
        .stream_events
        .iter()
        .filter(|e| e.event["delta"]["type"] == "text_delta")
        .map(|e| e.event["delta"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(text, t.final_text);
    assert_eq!(t.final_text, "1 2 3 4 5 6 7 8 9 10 11 12");
}

#[test]
fn tool_call_and_result() {
    let t = load("tool_bash.jsonl");
    t.ensure_success().unwrap();
    assert_eq!(t.tool_calls.len(), 1);
    assert_eq!(t.tool_calls[0].name, "Bash");
    assert_eq!(t.tool_calls[0].input["command"], "echo golden-tool");
    assert_eq!(t.tool_results.len(), 1);
    assert_eq!(t.tool_results[0].tool_use_id, t.tool_calls[0].id);
    assert!(!t.tool_results[0].is_error);
    assert!(t.tool_results[0].content.contains("golden-tool"));
    assert_eq!(t.num_turns, 2);
    assert!(t.final_text.contains("golden-tool"));
}

#[test]
fn signed_thinking_across_a_tool_round_trip() {
    let t = load("thinking_tool.jsonl");
    t.ensure_success().unwrap();
    assert!(
        t.thinking.len() >= 2,
        "one thinking block per turn: {:?}",
        t.thinking
    );
    assert!(
        t.thinking
            .iter()
            .all(|b| !b.thinking.is_empty() && !b.signature.is_empty())
    );
    assert!(t.final_text.contains("golden-think"));
}

#[test]
fn image_prompt_on_stdin() {
    let t = load("image.jsonl");
    t.ensure_success().unwrap();
    assert!(t.final_text.contains("blue"), "{}", t.final_text);
}

#[test]
fn cache_usage_is_read_from_the_result_line() {
    let first = load("cache_first.jsonl");
    let second = load("cache_second.jsonl");
    assert!(
        first.usage.cache_creation_input_tokens > 0,
        "{:?}",
        first.usage
    );
    assert!(
        second.usage.cache_read_input_tokens > 0,
        "{:?}",
        second.usage
    );
}

#[test]
fn upstream_500_is_an_error_result_with_status_and_retry() {
    let t = load("error_500.jsonl");
    assert!(t.is_error);
    assert_eq!(t.api_error_status, Some(500));
    assert_eq!(t.cli_retries, 1);
    assert!(t.transient_error().unwrap().contains("status 500"));
    let e = t.ensure_success().unwrap_err().to_string();
    assert!(e.contains("API status 500"), "{e}");
}
