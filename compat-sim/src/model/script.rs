//! The script proper: what a cooperative model answers to a turn, read
//! from the plain instructions a test writes ("reply with exactly `X`",
//! "use the Bash tool to run `echo X`", "count from 1 to 20", "quote the
//! line that starts with", an image, a PDF, a tool result).

use serde_json::{Value, json};

use crate::model::compaction;
use crate::rules::{structured, tool_search, web_search};
use crate::wire::request::{Block, Message, ModelRequest, Role, ToolDef, last_user_text};
use crate::wire::response::{OutBlock, StopReason};
use crate::wire::{document, image};

/// The text on one line, cut to 120 characters, as the thinking and a
/// document answer quote it.
pub(super) fn summarize(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(120).collect()
}

/// The script proper: what a cooperative model answers.
pub(super) fn script(req: &ModelRequest) -> (Vec<OutBlock>, StopReason) {
    let last = req.messages.last().expect("checked non-empty");
    let text_of = |blocks: &[Block]| -> String {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    };

    if let Some(text) = document_answer(last) {
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }

    // A compaction request carries the turn's tool results too: summarise.
    if let Some(text) = compaction::summary(req, &last_user_text(req)) {
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }

    // A deferred tool asked for: search, then call (crate::rules::tool_search).
    if let Some(step) = tool_search::step(req) {
        return step;
    }

    // A tool result came back: answer by quoting it.
    if let Some(Block::ToolResult {
        content,
        is_error,
        tool_use_id,
        ..
    }) = last
        .content
        .iter()
        .find(|b| matches!(b, Block::ToolResult { .. }))
    {
        let result = text_of(content);
        // A web search's results: a model summarises them, and a line the
        // user asked to quote is quoted (found however far down it is).
        if !*is_error {
            if let Some(line) = asked_line(req).and_then(|prefix| {
                result
                    .lines()
                    .map(str::trim)
                    .find(|l| l.starts_with(&prefix))
                    .map(str::to_owned)
            }) {
                return (vec![OutBlock::Text { text: line }], StopReason::EndTurn);
            }
            if called_tool(req, tool_use_id)
                .is_some_and(|n| n.to_lowercase().contains("web_search"))
            {
                return (
                    vec![OutBlock::Text {
                        text: format!("The search found:\n{}", result.trim()),
                    }],
                    StopReason::EndTurn,
                );
            }
        }
        let first = result.lines().next().unwrap_or("").trim();
        let text = if *is_error {
            format!("The tool failed: {first}")
        } else {
            format!("The command printed: {first}")
        };
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }

    // An image: report its dominant colour.
    let image = req
        .messages
        .iter()
        .rev()
        .find(|m| m.role == Role::User)
        .and_then(|m| {
            m.content.iter().find_map(|b| match b {
                Block::Image {
                    media_type, data, ..
                } => Some((media_type.clone(), data.clone())),
                _ => None,
            })
        });
    if let Some((media_type, data)) = image {
        let text = match image::dominant_colour(&media_type, &data) {
            Ok(colour) => {
                format!("The image is a solid {colour} square. Its dominant colour is {colour}.")
            }
            Err(e) => format!("I could not read the image: {e}"),
        };
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }

    let prompt = last_user_text(req);
    let lower = prompt.to_lowercase();

    // A search the prompt asks for, with a search tool offered as a custom
    // tool (LiteLLM's websearch interception offers `litellm_web_search`).
    if web_search::asks_to_search(&prompt)
        && let Some(tool) = req
            .tools
            .iter()
            .find(|t| t.name.to_lowercase().contains("web_search") && !t.input_schema.is_null())
    {
        return (
            vec![OutBlock::ToolUse {
                id: format!("toolu_sim{:016x}", fastrand::u64(..)),
                name: tool.name.clone(),
                input: json!({"query": web_search::query_of(&prompt)}),
            }],
            StopReason::ToolUse,
        );
    }

    // "use the Bash tool to run `echo X`" (only when the tool is offered).
    if let Some(name) = requested_tool(&lower, &tool_search::visible(req)) {
        let command = backticked(&prompt).unwrap_or_else(|| "echo hello".to_owned());
        let id = format!("toolu_sim{:016x}", fastrand::u64(..));
        let input = match name.as_str() {
            "Bash" => {
                json!({"command": command, "description": "Run the command the user asked for"})
            }
            "Read" => json!({"file_path": command}),
            "Write" => write_input(&prompt),
            // WebFetch hands the page and this prompt to the small fast
            // model: ask it the user's own question about the page.
            "WebFetch" => json!({"url": command, "prompt": prompt}),
            "WebSearch" => json!({"query": command}),
            _ => {
                let schema = req
                    .tools
                    .iter()
                    .find(|t| t.name == name)
                    .map(|t| &t.input_schema);
                structured::instance(schema.unwrap_or(&Value::Null), &command)
            }
        };
        return (
            vec![
                OutBlock::Text {
                    text: format!("I'll use the {name} tool."),
                },
                OutBlock::ToolUse { id, name, input },
            ],
            StopReason::ToolUse,
        );
    }

    // "quote the line that starts with "X"": the last such line of the turn.
    if let Some(text) = quoted_line(&prompt) {
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }
    // ... or from what the conversation holds (a compaction summary).
    if let Some(text) = quote_prefix(&prompt).and_then(|p| compaction::recalled_line(req, p)) {
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }

    // "count from A to B"
    if let Some((a, b)) = count_range(&lower) {
        let numbers: Vec<String> = (a..=b).map(|n| n.to_string()).collect();
        return (
            vec![OutBlock::Text {
                text: numbers.join(" "),
            }],
            StopReason::EndTurn,
        );
    }

    // "reply with exactly `X`"
    if let Some(token) = backticked(&prompt) {
        return (vec![OutBlock::Text { text: token }], StopReason::EndTurn);
    }

    (
        vec![OutBlock::Text {
            text: "Hello! How can I help?".into(),
        }],
        StopReason::EndTurn,
    )
}

/// A PDF in the last turn (at its top level, or in a tool result as the
/// CLI's Read tool sends one): the model reads it and quotes its text.
fn document_answer(last: &Message) -> Option<String> {
    let pdf = last.content.iter().find_map(|b| match b {
        Block::Document { data, .. } => Some(data),
        Block::ToolResult { content, .. } => content.iter().find_map(|c| match c {
            Block::Document { data, .. } => Some(data),
            _ => None,
        }),
        _ => None,
    })?;
    Some(match document::pdf_text(pdf) {
        Ok(text) => format!("The document says: {}", summarize(&text)),
        Err(e) => format!("I could not read the document: {e}"),
    })
}

/// The prefix of a line the conversation's user asked to have quoted
/// (`quote the line that starts with "X"`), from the latest user turn that
/// asks it.
fn asked_line(req: &ModelRequest) -> Option<String> {
    const ASK: &str = "quote the line that starts with \"";
    req.messages
        .iter()
        .rev()
        .filter(|m| m.role == Role::User)
        .flat_map(|m| m.content.iter())
        .find_map(|b| match b {
            Block::Text { text, .. } if !text.trim_start().starts_with("<system-reminder>") => {
                let at = text.to_lowercase().find(ASK)? + ASK.len();
                let len = text[at..].find('"')?;
                Some(text[at..at + len].to_owned())
            }
            _ => None,
        })
}

/// The name of the tool the assistant called with `id`.
fn called_tool<'a>(req: &'a ModelRequest, id: &str) -> Option<&'a str> {
    req.messages
        .iter()
        .flat_map(|m| m.content.iter())
        .find_map(|b| match b {
            Block::ToolUse { id: i, name, .. } if i == id => Some(name.as_str()),
            _ => None,
        })
}

/// `quote the line that starts with "X"` (the prefix in double quotes): the
/// last line of the text that starts with it, found however long the text.
fn quoted_line(prompt: &str) -> Option<String> {
    let prefix = quote_prefix(prompt)?;
    prompt
        .lines()
        .rev()
        .find(|l| l.starts_with(prefix))
        .map(|l| l.trim().to_owned())
}

/// The `X` of `quote the line that starts with "X"`.
fn quote_prefix(prompt: &str) -> Option<&str> {
    const ASK: &str = "quote the line that starts with \"";
    let at = prompt.to_lowercase().find(ASK)? + ASK.len();
    Some(&prompt[at..at + prompt[at..].find('"')?])
}

/// The Write tool's input for "use the Write tool to create the file
/// `PATH` containing the line `LINE` repeated N times": that many lines.
pub(super) fn write_input(prompt: &str) -> Value {
    let mut ticked = prompt.split('`').skip(1).step_by(2).map(str::trim);
    let path = ticked.next().unwrap_or("out.txt");
    let line = ticked.next().unwrap_or("hello");
    let lower = prompt.to_lowercase();
    let times = lower
        .find("repeated ")
        .and_then(|i| {
            lower[i + "repeated ".len()..]
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse::<usize>().ok())
        })
        .unwrap_or(1)
        .min(10_000);
    json!({"file_path": path, "content": format!("{line}\n").repeat(times)})
}

pub(super) fn requested_tool(lower_prompt: &str, tools: &[ToolDef]) -> Option<String> {
    tools
        .iter()
        .find(|t| lower_prompt.contains(&format!("use the {} tool", t.name.to_lowercase())))
        .or_else(|| shortened_tool(lower_prompt, tools))
        .map(|t| t.name.clone())
}

/// The tool the prompt names when the request carries it under a shortened
/// name: a gateway that must fit a long name (an MCP tool's
/// `mcp__<server>__<tool>`) into a provider's limit (Bedrock Converse's 64
/// characters) cuts it and may add a hash suffix, and maps the model's call
/// back. A real model picks that tool; so does this one, when the offered
/// name and the asked one share a prefix of at least 32 characters (far more
/// than any two distinct tools of a request share).
fn shortened_tool<'a>(lower_prompt: &str, tools: &'a [ToolDef]) -> Option<&'a ToolDef> {
    const ASK: &str = "use the ";
    let at = lower_prompt.find(ASK)? + ASK.len();
    let asked = lower_prompt[at..].split_whitespace().next()?;
    tools.iter().find(|t| {
        let name = t.name.to_lowercase();
        name.len() < asked.len()
            && name
                .bytes()
                .zip(asked.bytes())
                .take_while(|(a, b)| a == b)
                .count()
                >= 32
    })
}

fn backticked(text: &str) -> Option<String> {
    let start = text.find('`')? + 1;
    let len = text[start..].find('`')?;
    let inner = text[start..start + len].trim();
    (!inner.is_empty()).then(|| inner.to_owned())
}

fn count_range(lower: &str) -> Option<(u32, u32)> {
    let rest = &lower[lower.find("count from ")? + "count from ".len()..];
    let mut words = rest
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty());
    let a: u32 = words.next()?.parse().ok()?;
    if words.next()? != "to" {
        return None;
    }
    let b: u32 = words.next()?.parse().ok()?;
    (a <= b && b - a <= 1000).then_some((a, b))
}
