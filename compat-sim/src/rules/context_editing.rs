//! Context editing (`context_management`) is a beta field of the Messages
//! body: a provider reads it only under the beta that names it, and refuses
//! it as an unknown field otherwise. Claude Code sends it on every request in
//! its gateway mode (`clear_thinking_20251015` under
//! `context-management-2025-06-27`; docs/rows/context_management.md), so a
//! gateway that forwards the field but drops the beta breaks every request.
//!
//! Sources: the context editing docs gate the feature on the beta header
//! `context-management-2025-06-27`
//! (https://docs.claude.com/en/docs/build-with-claude/context-editing), and
//! compaction (`compact_20260112`) on `compact-2026-01-12`
//! (https://platform.claude.com/docs/en/build-with-claude/compaction). The
//! API's answer to the field without its beta is the unknown-field refusal
//! "context_management: Extra inputs are not permitted"
//! (https://github.com/anthropics/claude-code/issues/14135, from the API
//! itself, `req_` request id); Bedrock InvokeModel answers the same words
//! (https://github.com/BerriAI/litellm/pull/29085). Converse takes no
//! context editing at all: providers/bedrock/converse.rs refuses it.

use crate::faults::Active;
use crate::wire::api::Api;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;

/// The betas that open the field (either is enough for the field to parse;
/// the edits each needs are the API's business past that point).
const OPENING_BETAS: &[&str] = &["context-management-2025-06-27", "compact-2026-01-12"];

/// Refuses a body carrying `context_management` without a beta that opens it,
/// on the providers that read the Messages body (Converse has its own rule).
pub(crate) fn check(api: Api, req: &Incoming, faults: &Active) -> Result<(), Rejection> {
    // Converse has no top-level context_management; OpenAI's Responses
    // API has its own (`[{type: compaction, compact_threshold}]`, checked
    // by its codec), opened by no beta.
    if matches!(api, Api::BedrockConverse | Api::OpenAi | Api::AzureOpenAi) {
        return Ok(());
    }
    let Some(body) = crate::wire::body::json_body(req) else {
        return Ok(());
    };
    if body.get("context_management").is_none() {
        return Ok(());
    }
    let mut betas = crate::rules::betas::read(api, req);
    faults.alter_betas(&mut betas);
    if betas.iter().any(|b| OPENING_BETAS.contains(&b.as_str())) {
        Ok(())
    } else {
        Err(Rejection::invalid(
            "context_editing.beta_required",
            "context_management: Extra inputs are not permitted",
        ))
    }
}
