//! Context windows: each model's real limit on the prompt's length, refused
//! in the provider's words when exceeded.
//!
//! Limits, from the providers' model pages: Claude Sonnet 4.6 and Claude Opus
//! 4.7 have a 1M-token context window
//! (https://platform.claude.com/docs/en/models/sonnet-4-6/overview,
//! https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-anthropic-claude-opus-4-7.html,
//! https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/partner-models/claude/opus-4-7:
//! "Maximum input tokens: 1,000,000"); Claude Haiku 4.5 has 200K and no
//! 1M variant (https://platform.claude.com/docs/en/about-claude/models/overview).
//! The `context-1m-2025-08-07` beta the CLI sends for `[1m]` models raised
//! older models (Sonnet 4, 4.5) from 200K to 1M; for these three it changes
//! nothing, so the limit here depends on the model alone, on every provider.

use crate::wire::api::Api;
use crate::wire::rejection::Rejection;
use crate::wire::request::{ModelRequest, prompt_tokens};

/// The model's context window in tokens.
pub(crate) fn window(model: &str) -> u64 {
    // GPT-5.6: 922,000 input tokens (LiteLLM 1.108.7's model map,
    // `max_input_tokens` of openai/ and azure/ gpt-5.6-*).
    if crate::wire::request::is_gpt(model) {
        922_000
    } else if model.contains("haiku") {
        200_000
    } else {
        1_000_000
    }
}

/// Refuses a prompt longer than the model's window, with the provider's
/// message: the Messages API's `prompt is too long: N tokens > M maximum`
/// (as users quote it, e.g. earendil-works/pi#102), which Bedrock wraps in a
/// ValidationException as "The model returned the following errors: ..."
/// (daisuke-awaji/moca#254).
pub(crate) fn check(api: Api, req: &ModelRequest) -> Result<(), Rejection> {
    let (tokens, max) = (prompt_tokens(req), window(&req.model));
    if tokens <= max {
        return Ok(());
    }
    let words = format!("prompt is too long: {tokens} tokens > {max} maximum");
    Err(Rejection::invalid(
        "context.window",
        match api {
            Api::BedrockInvoke | Api::BedrockConverse => {
                format!("The model returned the following errors: {words}")
            }
            // OpenAI's words for an input over the window (code
            // context_length_exceeded, set by the codec).
            Api::OpenAi | Api::AzureOpenAi => "Your input exceeds the context window of this model. Please adjust your input and try again.".to_owned(),
            _ => words,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::request::{Block, Message, Role, Thinking};

    fn request(model: &str, chars: usize) -> ModelRequest {
        ModelRequest {
            model: model.into(),
            system: Vec::new(),
            messages: vec![Message {
                role: Role::User,
                content: vec![Block::text("x".repeat(chars))],
            }],
            tools: Vec::new(),
            thinking: Thinking::Off,
            eager_tool_input: false,
            effort: None,
            web_search: None,
            ..ModelRequest::default()
        }
    }

    #[test]
    fn haiku_stops_at_200k_the_others_at_1m() {
        // ~1.2 MB is ~300k tokens: past Haiku's window, inside the others'.
        assert!(check(Api::Anthropic, &request("claude-sonnet-4-6", 1_200_000)).is_ok());
        assert!(check(Api::Anthropic, &request("claude-opus-4-7", 1_200_000)).is_ok());
        let e = check(Api::Anthropic, &request("claude-haiku-4-5", 1_200_000)).unwrap_err();
        assert!(
            e.message.starts_with("prompt is too long: "),
            "{}",
            e.message
        );
        assert!(e.message.ends_with(" > 200000 maximum"), "{}", e.message);
        let e = check(
            Api::BedrockConverse,
            &request("claude-sonnet-4-6", 4_200_000),
        )
        .unwrap_err();
        assert!(
            e.message
                .starts_with("The model returned the following errors: prompt is too long"),
            "{}",
            e.message
        );
    }

    #[test]
    fn gpt_5_6_stops_at_922k_in_openais_words() {
        assert_eq!(window("gpt-5.6-sol"), 922_000);
        assert!(check(Api::OpenAi, &request("gpt-5.6-luna", 3_600_000)).is_ok());
        let e = check(Api::AzureOpenAi, &request("gpt-5.6-luna", 3_700_000)).unwrap_err();
        assert_eq!(e.rule, "context.window");
        assert!(
            e.message
                .starts_with("Your input exceeds the context window"),
            "{}",
            e.message
        );
    }
}
