//! The conversation's shape across turns, as each provider validates it:
//! consecutive same-role turns (combined by the Messages API, refused by
//! Bedrock Converse), every `tool_use` answered by a `tool_result` in the
//! next user turn and every `tool_result` answering a `tool_use` of the turn
//! before, at most four cache breakpoints, and Opus 4.7's thinking modes.
//! Each refusal quotes the provider's words; the ledger entries
//! (compat-sim/ledger/*.yaml) carry the sources.

use crate::wire::api::Api;
use crate::wire::rejection::Rejection;
use crate::wire::request::{Block, Message, ModelRequest, Role, Thinking};

/// Bedrock's prefix for an error the model's own validation raised.
const BEDROCK_MODEL_ERROR: &str = "The model returned the following errors: ";

/// Applies the conversation rules of `api` to `req`: consecutive same-role
/// turns are combined (or refused on Converse), then the tool pairing,
/// cache breakpoint and per-model thinking rules are checked.
pub(crate) fn check(api: Api, req: &mut ModelRequest) -> Result<(), Rejection> {
    combine_turns(api, req)?;
    if matches!(api, Api::OpenAi | Api::AzureOpenAi) {
        return openai_pairing(req);
    }
    if api != Api::BedrockConverse {
        tool_pairing(req)?;
        max_breakpoints(api, req)?;
    }
    adaptive_only(api, req)
}

/// Anthropic's API reference, `messages`: "Consecutive `user` or
/// `assistant` turns in your request will be combined into a single turn."
/// The providers that serve that API (Foundry, Vertex rawPredict, Bedrock
/// InvokeModel, Mantle) take the same body. Bedrock Converse refuses them
/// in its own words.
// Ledger rule "msg.combine_consecutive_turns" (the combining), and
// "conv.alternate_roles" (Converse's refusal, below).
/// The Responses API's pairing of calls and outputs: every function_call
/// needs a function_call_output with its call_id somewhere after it, and
/// every output a call before it (not necessarily in the next turn, as on
/// Anthropic's API). Ledger rules "responses.call_needs_output" and
/// "responses.output_needs_call".
fn openai_pairing(req: &ModelRequest) -> Result<(), Rejection> {
    let mut called: Vec<&str> = Vec::new();
    let mut answered: Vec<&str> = Vec::new();
    for m in &req.messages {
        for b in &m.content {
            match b {
                Block::ToolUse { id, .. } => called.push(id),
                Block::ToolResult { tool_use_id, .. } => {
                    if !called.contains(&tool_use_id.as_str()) {
                        return Err(Rejection::invalid(
                            "responses.output_needs_call",
                            format!(
                                "No tool call found for function call output with call_id {tool_use_id}."
                            ),
                        ));
                    }
                    answered.push(tool_use_id);
                }
                _ => {}
            }
        }
    }
    match called.into_iter().find(|id| !answered.contains(id)) {
        Some(id) => Err(Rejection::invalid(
            "responses.call_needs_output",
            format!("No tool output found for function call {id}."),
        )),
        None => Ok(()),
    }
}

fn combine_turns(api: Api, req: &mut ModelRequest) -> Result<(), Rejection> {
    let repeated = req.messages.windows(2).any(|w| w[0].role == w[1].role);
    if !repeated {
        return Ok(());
    }
    if api == Api::BedrockConverse {
        return Err(Rejection::invalid(
            "conv.alternate_roles",
            "A conversation must alternate between user and assistant roles. Make sure the \
             conversation alternates between user and assistant roles and try again.",
        ));
    }
    let mut combined: Vec<Message> = Vec::with_capacity(req.messages.len());
    for m in req.messages.drain(..) {
        match combined.last_mut() {
            Some(last) if last.role == m.role => last.content.extend(m.content),
            _ => combined.push(m),
        }
    }
    req.messages = combined;
    Ok(())
}

/// The Messages API's pairing of tool calls and results, in its words
/// (anthropics/claude-code#1237 and many since, for the first; #6836 for
/// the second).
fn tool_pairing(req: &ModelRequest) -> Result<(), Rejection> {
    for (i, pair) in req.messages.windows(2).enumerate() {
        let (assistant, next) = (&pair[0], &pair[1]);
        if assistant.role != Role::Assistant {
            continue;
        }
        let answered: Vec<&str> = results(next).map(|(_, id)| id).collect();
        let unanswered: Vec<&str> = uses(assistant)
            .filter(|id| !answered.contains(id))
            .collect();
        if !unanswered.is_empty() {
            return Err(Rejection::invalid(
                "conv.tool_use_needs_result",
                format!(
                    "messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately \
                 after: {}. Each `tool_use` block must have a corresponding `tool_result` block \
                 in the next message.",
                    unanswered.join(", ")
                ),
            ));
        }
    }
    for (j, m) in req.messages.iter().enumerate() {
        let previous: Vec<&str> = match j.checked_sub(1).map(|p| &req.messages[p]) {
            Some(p) if p.role == Role::Assistant => uses(p).collect(),
            _ => Vec::new(),
        };
        if let Some((k, id)) = results(m).find(|(_, id)| !previous.contains(id)) {
            return Err(Rejection::invalid(
                "conv.tool_result_needs_use",
                format!(
                    "messages.{j}.content.{k}: unexpected `tool_use_id` found in `tool_result` \
                 blocks: {id}. Each `tool_result` block must have a corresponding `tool_use` \
                 block in the previous message."
                ),
            ));
        }
    }
    Ok(())
}

fn uses(m: &Message) -> impl Iterator<Item = &str> {
    m.content.iter().filter_map(|b| match b {
        Block::ToolUse { id, .. } => Some(id.as_str()),
        _ => None,
    })
}

fn results(m: &Message) -> impl Iterator<Item = (usize, &str)> {
    m.content.iter().enumerate().filter_map(|(k, b)| match b {
        Block::ToolResult { tool_use_id, .. } => Some((k, tool_use_id.as_str())),
        _ => None,
    })
}

/// The prompt caching page: "You can define up to 4 cache breakpoints";
/// the API's answer to a fifth (tghamm/Anthropic.SDK#50; Vertex:
/// envoyproxy/ai-gateway PR #1712), which Bedrock InvokeModel relays as the
/// model's error (BerriAI/litellm#16062).
fn max_breakpoints(api: Api, req: &ModelRequest) -> Result<(), Rejection> {
    let found = req.tools.iter().filter(|t| t.cache.is_some()).count()
        + req
            .system
            .iter()
            .chain(req.messages.iter().flat_map(|m| &m.content))
            .map(breakpoints)
            .sum::<usize>();
    if found <= 4 {
        return Ok(());
    }
    let words = format!("A maximum of 4 blocks with cache_control may be provided. Found {found}.");
    Err(Rejection::invalid(
        "cache.max_4_breakpoints",
        match api {
            Api::BedrockInvoke => format!("{BEDROCK_MODEL_ERROR}{words}"),
            _ => words,
        },
    ))
}

fn breakpoints(b: &Block) -> usize {
    let inner = match b {
        Block::ToolResult { content, .. } => content.iter().map(breakpoints).sum(),
        _ => 0,
    };
    usize::from(b.cache().is_some()) + inner
}

/// Opus 4.7 takes adaptive thinking only: the extended thinking page, "Claude
/// 4.7 and later models do not support it and reject requests that use it,
/// returning a 400 error"; the API's words as users quote them
/// (NousResearch/hermes-agent#11137, 2026-04-16).
fn adaptive_only(api: Api, req: &ModelRequest) -> Result<(), Rejection> {
    if req.model != "claude-opus-4-7" || !matches!(req.thinking, Thinking::Budget(_)) {
        return Ok(());
    }
    let words = "\"thinking.type.enabled\" is not supported for this model. Use \
                 \"thinking.type.adaptive\" and \"output_config.effort\" to control thinking \
                 behavior.";
    Err(Rejection::invalid(
        "msg.thinking_opus47_adaptive_only",
        match api {
            Api::BedrockInvoke | Api::BedrockConverse => format!("{BEDROCK_MODEL_ERROR}{words}"),
            _ => words.to_owned(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(role: Role, content: Vec<Block>) -> Message {
        Message { role, content }
    }

    fn tool_use(id: &str) -> Block {
        Block::ToolUse {
            id: id.into(),
            name: "Bash".into(),
            input: json!({}),
            cache: None,
        }
    }

    fn tool_result(id: &str) -> Block {
        Block::ToolResult {
            tool_use_id: id.into(),
            content: vec![Block::text("ok")],
            is_error: false,
            cache: None,
        }
    }

    fn request(messages: Vec<Message>) -> ModelRequest {
        ModelRequest {
            model: "claude-sonnet-4-6".into(),
            messages,
            ..Default::default()
        }
    }

    #[test]
    fn same_role_turns_are_combined_except_on_converse() {
        let turns = vec![
            msg(Role::User, vec![Block::text("a")]),
            msg(Role::User, vec![Block::text("b")]),
        ];
        let mut req = request(turns.clone());
        check(Api::Anthropic, &mut req).unwrap();
        assert_eq!(req.messages.len(), 1);
        assert_eq!(req.messages[0].content.len(), 2);
        let r = check(Api::BedrockConverse, &mut request(turns)).unwrap_err();
        assert_eq!(r.rule, "conv.alternate_roles");
    }

    #[test]
    fn tool_calls_and_results_pair_up() {
        let mut unanswered = request(vec![
            msg(Role::User, vec![Block::text("go")]),
            msg(Role::Assistant, vec![tool_use("toolu_1")]),
            msg(Role::User, vec![Block::text("no result")]),
        ]);
        let r = check(Api::VertexAi, &mut unanswered).unwrap_err();
        assert!(
            r.message
                .starts_with("messages.1: `tool_use` ids were found without")
        );
        let mut orphan = request(vec![msg(Role::User, vec![tool_result("toolu_9")])]);
        let r = check(Api::Anthropic, &mut orphan).unwrap_err();
        assert_eq!(r.rule, "conv.tool_result_needs_use");
        let mut paired = request(vec![
            msg(Role::User, vec![Block::text("go")]),
            msg(Role::Assistant, vec![tool_use("toolu_1")]),
            msg(Role::User, vec![tool_result("toolu_1")]),
        ]);
        check(Api::Anthropic, &mut paired).unwrap();
    }

    #[test]
    fn opus_4_7_refuses_budget_thinking_only() {
        let mut req = request(vec![msg(Role::User, vec![Block::text("hi")])]);
        req.model = "claude-opus-4-7".into();
        req.thinking = Thinking::Adaptive;
        check(Api::Anthropic, &mut req).unwrap();
        req.thinking = Thinking::Budget(2048);
        let r = check(Api::Anthropic, &mut req).unwrap_err();
        assert_eq!(r.rule, "msg.thinking_opus47_adaptive_only");
    }
}
