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
    // The captures follow the pin: bumping CLAUDE_CODE_VERSION without
    // `cargo xtask capture-transcripts` fails here.
    assert_eq!(
        t.cli_version.as_deref(),
        Some(compat_core::tools::CLAUDE_CODE_VERSION),
        "golden/transcripts/ were captured with another claude than the pin: run `cargo xtask capture-transcripts`"
    );
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

/// Every captured scenario.
const ALL: &[&str] = &[
    "text.jsonl",
    "stream_partial.jsonl",
    "tool_bash.jsonl",
    "thinking_tool.jsonl",
    "image.jsonl",
    "cache_first.jsonl",
    "cache_second.jsonl",
    "error_500.jsonl",
];

#[test]
fn every_capture_is_readable_and_of_the_pinned_cli() {
    for name in ALL {
        let t = load(name);
        assert!(
            t.shape_problems.is_empty(),
            "{name}: {:?}",
            t.shape_problems
        );
        assert!(t.has_result, "{name}");
        assert_eq!(
            t.cli_version.as_deref(),
            Some(compat_core::tools::CLAUDE_CODE_VERSION),
            "{name}: run `cargo xtask capture-transcripts` after bumping the pin"
        );
    }
}

/// The capture with one line's JSON changed by `edit`.
fn edited(name: &str, kind: &str, edit: impl Fn(&mut serde_json::Value)) -> Transcript {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../golden/transcripts")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut done = false;
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            if !done && v["type"] == kind {
                edit(&mut v);
                done = true;
            }
            v.to_string()
        })
        .collect();
    assert!(done, "{name} has no {kind} line");
    Transcript::parse_str(&lines.join("\n")).unwrap()
}

/// A change to one line's JSON.
type Edit = Box<dyn Fn(&mut serde_json::Value)>;

#[test]
fn a_changed_shape_is_a_shape_problem_not_a_default() {
    // What a newer CLI could change in the fields the harness reads: each is
    // named, with the line, instead of read as `false`, `None` or nothing.
    let cases: Vec<(&str, &str, Edit, &str)> = vec![
        (
            "text.jsonl",
            "result",
            Box::new(|v| {
                let e = v["is_error"].take();
                v["error"] = e;
                v.as_object_mut().unwrap().remove("is_error");
            }),
            "`is_error` (a boolean)",
        ),
        (
            "error_500.jsonl",
            "result",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("subtype");
            }),
            "`subtype` (a string)",
        ),
        (
            "tool_bash.jsonl",
            "assistant",
            Box::new(|v| {
                v["message"] = serde_json::json!({"blocks": v["message"]["content"].take()})
            }),
            "`message.content` (an array)",
        ),
        (
            "stream_partial.jsonl",
            "stream_event",
            Box::new(|v| v["event"] = serde_json::json!({"kind": "message_start"})),
            "`event.type` (a string)",
        ),
        (
            "text.jsonl",
            "system",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("claude_code_version");
            }),
            "`claude_code_version` (a string)",
        ),
    ];
    for (name, kind, edit, want) in cases {
        let t = edited(name, kind, edit);
        assert_eq!(
            t.shape_problems.len(),
            1,
            "{name}/{kind}: {:?}",
            t.shape_problems
        );
        let p = &t.shape_problems[0];
        assert!(
            p.starts_with("line ") && p.contains(want),
            "{name}/{kind}: {p}"
        );
    }
}

#[test]
fn unknown_line_types_are_skipped() {
    // New informational lines (2.1.331 added `system/thinking_tokens`) do not
    // make a transcript unreadable.
    let mut text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden/transcripts/text.jsonl"),
    )
    .unwrap();
    text.insert_str(0, "{\"type\":\"rate_limit_event\",\"info\":{}}\n{\"type\":\"system\",\"subtype\":\"status\"}\n");
    let t = Transcript::parse_str(&text).unwrap();
    assert!(t.shape_problems.is_empty(), "{:?}", t.shape_problems);
    t.ensure_success().unwrap();
}
