//! How a provider streams a tool call's input: in fragments as the model
//! writes it when the request opted in to fine-grained tool streaming, else
//! buffered server side and sent in one burst once the whole input exists.
//!
//! Anthropic: "Fine-grained tool streaming ... enables streaming of tool use
//! parameter values without buffering or JSON validation"; a request opts in
//! with `eager_input_streaming: true` on a user-defined tool, or (the beta it
//! replaced) the `fine-grained-tool-streaming-2025-05-14` beta; supported on
//! the Claude API, Amazon Bedrock, Vertex AI and Microsoft Foundry
//! (https://platform.claude.com/docs/en/agents-and-tools/tool-use/fine-grained-tool-streaming).
//! Without it, the docs' example shows the input arriving after a long
//! silence ("Without fine-grained streaming (15s delay)",
//! https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/fine-grained-tool-streaming),
//! and Bedrock "buffer[s] tool input server side unless the request carries
//! the fine-grained-tool-streaming-2025-05-14 beta" (LiteLLM #30230,
//! https://github.com/BerriAI/litellm/issues/30230). Bedrock Converse's
//! `ToolSpecification` has no `eager_input_streaming` member, so there the
//! beta in `additionalModelRequestFields.anthropic_beta` is the only opt-in.
//!
//! The codecs call [`opted_in`] on what they received and [`pace`] on the
//! events they encoded; the wire format of the fragments stays theirs
//! (`input_json_delta` in Anthropic SSE and Bedrock Invoke chunks, Converse
//! `contentBlockDelta` with `toolUse.input` string fragments).

use serde_json::Value;

use crate::wire::answer::Event;

/// The beta that opts a request in to fine-grained tool streaming.
pub(crate) const FINE_GRAINED_BETA: &str = "fine-grained-tool-streaming-2025-05-14";

/// Characters of tool input per streamed fragment. Fine-grained chunks "are
/// often longer and contain fewer word breaks" than buffered ones (docs
/// above); 64 keeps a few KB of input to a few dozen paced fragments.
pub(crate) const FRAGMENT_CHARS: usize = 64;

/// Whether a request opted in: a beta in `betas` (the `anthropic-beta`
/// header, split on commas, or a body's `anthropic_beta` list) or a tool in
/// the Anthropic `tools` list with `eager_input_streaming: true`. Ledger
/// rule "tool_streaming.opt_in".
pub(crate) fn opted_in<'a>(
    betas: impl IntoIterator<Item = &'a str>,
    tools: Option<&Value>,
) -> bool {
    betas.into_iter().any(|b| b.trim() == FINE_GRAINED_BETA)
        || tools
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|t| t.get("eager_input_streaming") == Some(&Value::Bool(true)))
}

/// The betas of a body's `anthropic_beta` list (Bedrock Invoke, Vertex,
/// Converse's `additionalModelRequestFields`).
pub(crate) fn body_betas(list: Option<&Value>) -> impl Iterator<Item = &str> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// Whether an encoded event is a fragment of tool input (its record kind:
/// `content_block_delta:input_json_delta` in the Anthropic dialects and
/// Bedrock Invoke, `contentBlockDelta:toolUse` in Converse,
/// `response.function_call_arguments.delta` in OpenAI's Responses API).
pub(crate) fn is_input_fragment(kind: &str) -> bool {
    kind == "content_block_delta:input_json_delta"
        || kind == "contentBlockDelta:toolUse"
        || kind == "response.function_call_arguments.delta"
}

/// Paces the tool-input fragments of a stream as the provider sends them:
/// opted in, each fragment after one pace interval, as the model writes it;
/// not opted in, the same time passes with nothing sent (the provider
/// buffering) and then every fragment of the block goes out at once.
pub(crate) fn pace(events: Vec<Event>, opted_in: bool) -> Vec<Event> {
    if opted_in {
        return events
            .into_iter()
            .map(|mut e| {
                if is_input_fragment(&e.kind) {
                    e.paced = true;
                }
                e
            })
            .collect();
    }
    let mut out = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        let run = events[i..]
            .iter()
            .take_while(|e| is_input_fragment(&e.kind))
            .count();
        if run == 0 {
            out.push(events[i].clone());
            i += 1;
            continue;
        }
        out.extend(std::iter::repeat_with(Event::pause).take(run));
        out.extend(events[i..i + run].iter().cloned().map(|mut e| {
            e.paced = false;
            e
        }));
        i += run;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use serde_json::json;

    fn ev(kind: &str) -> Event {
        Event {
            kind: kind.into(),
            bytes: Bytes::from_static(b"x"),
            paced: false,
        }
    }

    #[test]
    fn opt_in_by_beta_or_tool_flag() {
        assert!(opted_in(
            ["a", " fine-grained-tool-streaming-2025-05-14"],
            None
        ));
        let tools = json!([{"name": "Write"}, {"name": "Bash", "eager_input_streaming": true}]);
        assert!(opted_in([], Some(&tools)));
        assert!(!opted_in(["a"], Some(&json!([{"name": "Write"}]))));
    }

    #[test]
    fn fragments_are_paced_or_buffered() {
        let kinds = [
            "content_block_start",
            "content_block_delta:input_json_delta",
            "content_block_delta:input_json_delta",
            "content_block_stop",
        ];
        let events: Vec<Event> = kinds.iter().map(|k| ev(k)).collect();
        let eager = pace(events.clone(), true);
        assert_eq!(
            eager.iter().map(|e| e.paced).collect::<Vec<_>>(),
            [false, true, true, false]
        );
        let buffered = pace(events, false);
        // Two silent pace intervals, then both fragments together.
        assert_eq!(
            buffered
                .iter()
                .map(|e| (e.kind.as_str(), e.paced))
                .collect::<Vec<_>>(),
            [
                ("content_block_start", false),
                ("", true),
                ("", true),
                ("content_block_delta:input_json_delta", false),
                ("content_block_delta:input_json_delta", false),
                ("content_block_stop", false),
            ]
        );
    }
}
