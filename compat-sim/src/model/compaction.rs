//! Conversation compaction as a cooperative model answers it: Claude Code's
//! `/compact` (and its automatic compaction) asks the main model, in the
//! session's last user turn, to "create a detailed summary of the
//! conversation so far" in an `<analysis>` block and a `<summary>` block
//! (captured from claude 2.1.331, docs/rows/context_management.md). A real
//! model's summary keeps the specifics (file names, command outputs); this
//! one keeps the first line of every tool result, which is where the tests
//! put their nonces. The CLI asks once more when the reply has no
//! `<summary>` block ("Reactive compact: the reply has no <summary> block").
//!
//! After compaction the CLI opens the continued session with the summary as
//! a user turn ("This session is being continued from a previous
//! conversation ..."): [`recalled_line`] answers a later "quote the line that
//! starts with" from it, as a model answers from its context.

use crate::wire::request::{Block, ModelRequest};

/// The CLI's summarising instruction (claude 2.1.331, captured).
const SUMMARY_ASK: &str = "create a detailed summary of";

/// The summary a compaction request asks for, or `None` when the last user
/// turn does not ask for one.
pub(crate) fn summary(req: &ModelRequest, last_user_text: &str) -> Option<String> {
    if !last_user_text.contains(SUMMARY_ASK) {
        return None;
    }
    let mut facts = Vec::new();
    for m in &req.messages {
        for b in &m.content {
            if let Block::ToolResult { content, .. } = b {
                for c in content {
                    if let Block::Text { text, .. } = c
                        && let Some(first) = text.lines().map(str::trim).find(|l| !l.is_empty())
                    {
                        facts.push(format!("- A tool printed: {first}"));
                    }
                }
            }
        }
    }
    if facts.is_empty() {
        facts.push("- No tool was run.".to_owned());
    }
    let facts = facts.join("\n");
    Some(format!(
        "<analysis>\nThe user asked for commands to be run; their outputs follow.\n</analysis>\n\
         <summary>\n1. Tool results so far:\n{facts}\n</summary>"
    ))
}

/// A line of the conversation's earlier user turns (where a compaction
/// summary lands) that starts with `prefix`: the last such line.
pub(crate) fn recalled_line(req: &ModelRequest, prefix: &str) -> Option<String> {
    req.user_texts()
        .flat_map(str::lines)
        .map(|l| l.trim().trim_start_matches("- A tool printed: "))
        .rfind(|l| l.starts_with(prefix))
        .map(str::to_owned)
}
