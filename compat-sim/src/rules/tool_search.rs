//! Tool search with deferred tools, as the providers that offer it serve
//! it, and the scripted model's side of it.
//!
//! Claude Code (2.1.331) defers its MCP tools by default: each is sent in
//! `tools` with `"defer_loading": true` and its full schema, and the model
//! finds one with the CLI's own client tool `ToolSearch`, whose
//! `tool_result` holds `{"type": "tool_reference", "tool_name": ...}`
//! blocks (captured, docs/rows/tool_search.md). That is Anthropic's "custom
//! tool search implementation": "You can also implement client-side tool
//! search by returning tool_reference blocks from your own search
//! implementation"; a deferred tool is not in the model's context until a
//! `tool_reference` (or the server tool search) loads it
//! (https://platform.claude.com/docs/en/agents-and-tools/tool-use/tool-search-tool).
//!
//! Where it is served, per the same page ("Platform and model support" and
//! the beta header table): the Claude API and Microsoft Foundry with
//! `advanced-tool-use-2025-11-20`; Vertex AI and Amazon Bedrock with
//! `tool-search-tool-2025-10-19`, and on Bedrock "only via the invoke API,
//! not the converse API" (Converse's `ToolSpecification` has no deferral
//! field and its `ToolResultContentBlock` no tool reference:
//! https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolSpecification.html,
//! https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolResultContentBlock.html).
//! Bedrock Mantle serves Anthropic's Messages API and takes either name
//! (crate::rules::betas, `MANTLE_EXTRA`). Which names a provider takes is
//! [`crate::rules::betas::provider_forms`].
//!
//! What the simulators refuse, in the Anthropic dialects (the page's "Error
//! handling" section): a `tool_reference` naming no tool of the request
//! ("Tool reference '<name>' not found in available tools"; one
//! naming a tool sent inline is let through, the page being silent on it
//! and a stricter simulator painting false reds), every
//! tool deferred ("At least one tool must have defer_loading=false. All
//! tools cannot be deferred."); and, where tool search is not GA (it is on
//! the Claude API and Vertex), deferral without the provider's beta,
//! which the API takes as the beta's fields sent without the beta (the
//! field is not part of the request schema then: "Extra inputs are not
//! permitted", its wording for an unknown field).

use serde_json::json;

use crate::wire::api::Api;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::request::{Block, ModelRequest, Role, ToolDef};
use crate::wire::response::{OutBlock, StopReason};

/// The CLI's client tool that answers with `tool_reference` blocks.
pub const TOOL_SEARCH: &str = "ToolSearch";

/// Refuses what the provider `api` refuses about deferred tools and tool
/// references in `request` (parsed from `incoming`), in its words.
pub(crate) fn check(
    api: Api,
    incoming: &Incoming,
    request: &ModelRequest,
) -> Result<(), Rejection> {
    let deferred: Vec<usize> = (0..request.tools.len())
        .filter(|i| request.tools[*i].deferred)
        .collect();
    let references: Vec<&str> = references(request).collect();
    if deferred.is_empty() && references.is_empty() {
        return Ok(());
    }
    let sent = crate::rules::betas::read(api, incoming);
    let forms = crate::rules::betas::provider_forms(api, "advanced-tool-use-2025-11-20");
    // Tool search is GA on the Claude API ("Tool search is generally
    // available on the Claude API"; the page's quick start sends no beta),
    // and Vertex serves it without a beta it refuses (vercel/ai PR #13497,
    // 2026-03-16; anthropics/claude-agent-sdk-typescript#307). Elsewhere
    // the provider's beta still gates it (ledger: tool_search.beta_required).
    // Claude Platform on AWS is Anthropic's API (inferred: GA there too).
    let generally_available =
        matches!(api, Api::Anthropic | Api::VertexAi | Api::ClaudePlatformAws);
    if !generally_available && !forms.iter().any(|f| sent.iter().any(|s| s == f)) {
        return Err(Rejection::invalid(
            // Foundry's and Mantle's requirement is inferred, Bedrock
            // InvokeModel's observed: two ledger rules, so a red shows which.
            match api {
                Api::Azure | Api::BedrockMantle => "tool_search.beta_required_azure_mantle",
                _ => "tool_search.beta_required",
            },
            match deferred.first() {
                Some(i) => {
                    format!("tools.{i}.custom.defer_loading: Extra inputs are not permitted")
                }
                None => {
                    "tool_result.content: Input tag 'tool_reference' found using 'type' does not \
                         match any of the expected tags"
                        .to_owned()
                }
            },
        ));
    }
    if !request.tools.is_empty() && deferred.len() == request.tools.len() {
        return Err(Rejection::invalid(
            "tool_search.not_all_deferred",
            "At least one tool must have defer_loading=false. All tools cannot be deferred.",
        ));
    }
    if let Some(unknown) = references
        .iter()
        .find(|r| !request.tools.iter().any(|t| t.name == **r))
    {
        return Err(Rejection::invalid(
            "tool_search.reference_defined",
            format!("Tool reference '{unknown}' not found in available tools"),
        ));
    }
    Ok(())
}

/// The tool names of every `tool_reference` in the conversation.
fn references(req: &ModelRequest) -> impl Iterator<Item = &str> {
    req.messages.iter().flat_map(|m| &m.content).flat_map(|b| {
        let inner: &[Block] = match b {
            Block::ToolResult { content, .. } => content,
            _ => &[],
        };
        inner.iter().filter_map(|c| match c {
            Block::ToolReference { tool_name } => Some(tool_name.as_str()),
            _ => None,
        })
    })
}

/// The tools the model can see: every tool not deferred, and the deferred
/// ones a `tool_reference` has loaded.
pub(crate) fn visible(req: &ModelRequest) -> Vec<ToolDef> {
    let loaded: Vec<&str> = references(req).collect();
    req.tools
        .iter()
        .filter(|t| !t.deferred || loaded.contains(&t.name.as_str()))
        .cloned()
        .collect()
}

/// The model's next step when the user asked for a deferred tool ("use the
/// `<name>` tool", the tool in `tools` with `defer_loading`, or only named
/// in the CLI's "deferred tools are now available via ToolSearch" list):
/// search for it with `ToolSearch` (`select:<name>`, as that list tells the
/// model to), then call it once the search result loaded it; if the result
/// loaded nothing it can see, say so. `None` when no deferred tool is asked for, or the
/// tool's own result came back (quoted by the general script).
pub(crate) fn step(req: &ModelRequest) -> Option<(Vec<OutBlock>, StopReason)> {
    let wanted = asked_deferred(req)?;
    let last = req.messages.last()?;
    let answered = last.content.iter().find_map(|b| match b {
        Block::ToolResult {
            tool_use_id,
            content,
            ..
        } => Some((tool_use_id, content)),
        _ => None,
    });
    let call = |name: &str, input| {
        (
            vec![
                OutBlock::Text {
                    text: format!("I'll use the {name} tool."),
                },
                OutBlock::ToolUse {
                    id: format!("toolu_sim{:016x}", fastrand::u64(..)),
                    name: name.to_owned(),
                    input,
                },
            ],
            StopReason::ToolUse,
        )
    };
    let Some((id, content)) = answered else {
        if visible(req).iter().any(|t| t.name == wanted) {
            return None;
        }
        let offered = req
            .tools
            .iter()
            .any(|t| t.name == TOOL_SEARCH && !t.deferred);
        return offered.then(|| {
            call(
                TOOL_SEARCH,
                json!({"query": format!("select:{wanted}"), "max_results": 5}),
            )
        });
    };
    let called = req
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .find_map(|b| match b {
            Block::ToolUse {
                id: use_id, name, ..
            } if use_id == id => Some(name.as_str()),
            _ => None,
        });
    if called != Some(TOOL_SEARCH) {
        return None;
    }
    // Loaded: the result references it, or the request now offers it as a
    // plain tool (a provider without deferral, such as Bedrock Converse,
    // gets the loaded tool inline from a gateway that translates, and the
    // model sees it like any other).
    let loaded = content
        .iter()
        .any(|c| matches!(c, Block::ToolReference { tool_name } if *tool_name == wanted))
        || req.tools.iter().any(|t| t.name == wanted && !t.deferred);
    let schema = req
        .tools
        .iter()
        .find(|t| t.name == wanted)
        .map(|t| t.input_schema.clone());
    let Some(schema) = schema.filter(|_| loaded) else {
        return Some((
            vec![OutBlock::Text {
                text: format!("The tool search did not load {wanted}, so I cannot call it."),
            }],
            StopReason::EndTurn,
        ));
    };
    let token = user_token(req).unwrap_or_default();
    Some(call(
        &wanted,
        crate::rules::structured::instance(&schema, &token),
    ))
}

/// The header of the CLI's list of deferred tools (a user-turn
/// `<system-reminder>`, one tool name a line; captured from claude 2.1.331).
const DEFERRED_LIST: &str = "deferred tools are now available via ToolSearch";

/// The tool the user asks for ("use the `<name>` tool"), when it is
/// deferred: in `tools` with `defer_loading`, or named in the CLI's list of
/// deferred tools.
fn asked_deferred(req: &ModelRequest) -> Option<String> {
    let texts = || req.user_texts();
    let listed = |name: &str| {
        texts().any(|t| t.contains(DEFERRED_LIST) && t.lines().any(|l| l.trim() == name))
    };
    texts().find_map(|text| {
        const ASK: &str = "use the ";
        let at = text.to_lowercase().find(ASK)? + ASK.len();
        let name = text[at..].split_whitespace().next()?;
        // Listed as deferred counts even when `tools` now offers it inline
        // (a gateway that flattened it): the model still searches first,
        // as the list tells it to.
        let deferred = listed(name) || req.tools.iter().any(|t| t.name == name && t.deferred);
        deferred.then(|| name.to_owned())
    })
}

/// The first backticked token of the user's own words (the request id the
/// prompt gives), as the general script reads it.
fn user_token(req: &ModelRequest) -> Option<String> {
    req.messages
        .iter()
        .filter(|m| m.role == Role::User)
        .flat_map(|m| &m.content)
        .find_map(|b| match b {
            Block::Text { text, .. } if !text.trim_start().starts_with("<system-reminder>") => {
                let start = text.find('`')? + 1;
                let len = text[start..].find('`')?;
                Some(text[start..start + len].trim().to_owned())
            }
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ScriptedModel;
    use crate::wire::request::Message;
    use serde_json::Value;

    fn tool(name: &str, deferred: bool) -> ToolDef {
        ToolDef {
            name: name.into(),
            input_schema: json!({"type": "object", "properties": {"request_id": {"type": "string"}},
                                 "required": ["request_id"]}),
            cache: None,
            deferred,
        }
    }

    const GATE: &str = "mcp__s__fetch_release_gate_token";

    fn first_turn() -> ModelRequest {
        ModelRequest {
            model: "claude-sonnet-4-6".into(),
            messages: vec![Message {
                role: Role::User,
                content: vec![Block::text(format!(
                    "Use the {GATE} tool for request `r-1` and quote what it returns."
                ))],
            }],
            tools: vec![
                tool("Bash", false),
                tool(TOOL_SEARCH, false),
                tool(GATE, true),
                tool("mcp__s__fetch_release_gate_status", true),
            ],
            ..Default::default()
        }
    }

    fn tool_use(resp: &crate::wire::response::ModelResponse) -> (String, String, Value) {
        resp.content
            .iter()
            .find_map(|b| match b {
                OutBlock::ToolUse { id, name, input } => {
                    Some((id.clone(), name.clone(), input.clone()))
                }
                _ => None,
            })
            .expect("a tool call")
    }

    fn answer(req: &mut ModelRequest, id: &str, name: &str, input: Value, result: Vec<Block>) {
        req.messages.push(Message {
            role: Role::Assistant,
            content: vec![Block::ToolUse {
                id: id.into(),
                name: name.into(),
                input,
                cache: None,
            }],
        });
        req.messages.push(Message {
            role: Role::User,
            content: vec![Block::ToolResult {
                tool_use_id: id.into(),
                content: result,
                is_error: false,
                cache: None,
            }],
        });
    }

    #[test]
    fn searches_first_then_calls_the_loaded_tool_then_quotes_it() {
        let m = ScriptedModel::new();
        let mut req = first_turn();
        let (id, name, input) = tool_use(&m.respond(&req).unwrap());
        assert_eq!(
            name, TOOL_SEARCH,
            "a deferred tool is invisible until loaded"
        );
        assert_eq!(input["query"], format!("select:{GATE}"));
        answer(
            &mut req,
            &id,
            &name,
            input,
            vec![
                Block::ToolReference {
                    tool_name: GATE.into(),
                },
                Block::text("Tool loaded."),
            ],
        );
        let (id, name, input) = tool_use(&m.respond(&req).unwrap());
        assert_eq!(name, GATE);
        assert_eq!(input["request_id"], "r-1");
        answer(
            &mut req,
            &id,
            &name,
            input,
            vec![Block::text("Release gate token: RCPT-9")],
        );
        let r = m.respond(&req).unwrap();
        assert_eq!(r.stop_reason, StopReason::EndTurn);
        assert!(
            matches!(&r.content[0], OutBlock::Text { text } if text.contains("RCPT-9")),
            "{r:?}"
        );
    }

    #[test]
    fn a_tool_only_listed_as_deferred_is_searched_for() {
        let m = ScriptedModel::new();
        let mut req = first_turn();
        req.tools.retain(|t| !t.deferred);
        req.messages[0].content.insert(
            0,
            Block::text(format!(
                "<system-reminder>\nThe following {DEFERRED_LIST}. Use ToolSearch:\nWebFetch\n{GATE}\n</system-reminder>"
            )),
        );
        let (_, name, input) = tool_use(&m.respond(&req).unwrap());
        assert_eq!(name, TOOL_SEARCH);
        assert_eq!(input["query"], format!("select:{GATE}"));
    }

    #[test]
    fn a_search_result_without_the_reference_leaves_the_tool_unreachable() {
        let m = ScriptedModel::new();
        let mut req = first_turn();
        let (id, name, input) = tool_use(&m.respond(&req).unwrap());
        answer(&mut req, &id, &name, input, vec![Block::text(GATE)]);
        let r = m.respond(&req).unwrap();
        assert_eq!(r.stop_reason, StopReason::EndTurn);
        assert!(
            matches!(&r.content[0], OutBlock::Text { text } if text.contains("did not load")),
            "{r:?}"
        );
    }

    #[test]
    fn an_inline_tool_is_called_without_a_search() {
        let m = ScriptedModel::new();
        let mut req = first_turn();
        req.tools[2].deferred = false;
        let (_, name, _) = tool_use(&m.respond(&req).unwrap());
        assert_eq!(name, GATE);
    }

    fn incoming(beta: &str) -> Incoming {
        Incoming {
            method: axum::http::Method::POST,
            uri: "/v1/messages".parse().unwrap(),
            headers: [(
                axum::http::header::HeaderName::from_static("anthropic-beta"),
                axum::http::HeaderValue::from_str(beta).unwrap(),
            )]
            .into_iter()
            .collect(),
            body: Default::default(),
            auth: crate::wire::creds::Auth::sim(),
        }
    }

    #[test]
    fn references_and_betas_are_checked_as_the_api_does() {
        let mut req = first_turn();
        let with_beta = incoming("advanced-tool-use-2025-11-20");
        check(Api::Anthropic, &with_beta, &req).unwrap();
        // GA on the Claude API: no beta needed there; Foundry still gates it.
        check(Api::Anthropic, &incoming("claude-code-20250219"), &req).unwrap();
        let e = check(Api::Azure, &incoming("claude-code-20250219"), &req).unwrap_err();
        assert!(
            e.message.contains("defer_loading: Extra inputs"),
            "{}",
            e.message
        );
        answer(
            &mut req,
            "t1",
            TOOL_SEARCH,
            json!({}),
            vec![Block::ToolReference {
                tool_name: "Grep".into(),
            }],
        );
        let e = check(Api::Anthropic, &with_beta, &req).unwrap_err();
        assert!(
            e.message
                .contains("Tool reference 'Grep' not found in available tools"),
            "{}",
            e.message
        );
        let mut all = first_turn();
        all.tools.retain(|t| t.deferred);
        let e = check(Api::Anthropic, &with_beta, &all).unwrap_err();
        assert!(
            e.message.contains("All tools cannot be deferred"),
            "{}",
            e.message
        );
    }
}
