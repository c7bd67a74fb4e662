//! context_management: a session compacted through the gateway. Claude Code
//! 2.1.331 sends `clear_tool_uses_20250919` only after an hour of idleness
//! and behind a server-side feature flag, so no headless run triggers it
//! (docs/rows/context_management.md); what a headless run does trigger is
//! compaction, the CLI's own context management: `/compact` asks the main
//! model for a summary of the session, and the session goes on from that
//! summary with the earlier tool results gone. Every request of it, the
//! summarising one included, carries the context-editing instructions
//! `context_management: {"edits":[{"type":"clear_thinking_20251015",...}]}`
//! under the beta `context-management-2025-06-27`.
//!
//! Three CLI runs of one session (`--resume`): a Bash call prints a nonce;
//! `/compact`; then a question the answer to which is only in the summary.
//!
//! Asserted in both modes: the first run quotes the nonce; the CLI sent a
//! summarising request through the gateway and the gateway answered it 2xx;
//! the continued session's request crossed the gateway with the summary in
//! place of the tool call (no `tool_result` left); and its answer quotes the
//! nonce. A provider refusal the CLI recovers from (it stops sending
//! `clear_tool_uses` to a model that refused it) fails the trial through
//! the background-call invariant (compat-harness/src/background.rs).
//! Sim mode, also: the provider answered the summarising request 200, and
//! on the columns whose provider takes context editing in the request body
//! ([`takes_context_editing`]) the `context_management` the CLI sent reached
//! the provider unchanged. Live mode has no provider record: the gateway's
//! 2xx and the quoted nonce stand in for it.

use anyhow::{Context as _, bail, ensure};
use compat_harness::Ctx;
use compat_matrix::classify::NoVerdict;
use compat_matrix::provider::Provider;
use compat_sim::Api;
use serde_json::Value;

/// Words of the CLI's summarising instruction (claude 2.1.331, captured).
const SUMMARY_ASK: &str = "create a detailed summary of";

/// Words that open the continued session's first user turn (captured).
const CONTINUED: &str = "This session is being continued from a previous conversation";

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let marker = format!("ctx-{}", ctx.nonce());
    let project = tempfile::tempdir()?;
    let turn = |prompt: String| -> anyhow::Result<_> {
        Ok(ctx
            .claude()?
            .session_dir(project.path())
            .allowed_tools(&["Bash"])
            .max_turns(4)
            .persist_session()
            .prompt(prompt))
    };

    let first = ctx.run(&turn(format!(
        "Use the Bash tool to run `echo {marker}` and tell me exactly what it printed."
    ))?)?;
    first
        .ensure_success()
        .context("run 1 (the tool call) failed")?;
    ensure!(
        first.final_text.contains(&marker),
        "run 1 did not complete its tool call (answer: {:?})",
        first.final_text
    );
    let session = first
        .session_id
        .clone()
        .context("run 1 reported no session_id to resume")?;

    let before = ctx.gateway_requests().len();
    let compact = ctx.run(&turn("/compact".to_owned())?.resume(&session))?;
    compact
        .ensure_success()
        .context("run 2 (`/compact`) failed")?;
    let summarising: Vec<_> = ctx.gateway_requests()[before..]
        .iter()
        .filter(|r| asks_for_summary(&r.body))
        .cloned()
        .collect();
    if summarising.is_empty() {
        return Err(NoVerdict(
            "`/compact` sent no summarising request through the gateway: nothing to judge the \
             gateway on (did the CLI change how it compacts?)"
                .into(),
        )
        .into());
    }
    // A refusal of the context-editing instructions is this row's failure
    // even when the CLI recovers (it resends without them, or stops sending
    // `clear_tool_uses` to that model): the feature is then off. Other
    // refusals the CLI recovers from (a beta the provider lacks) belong to
    // the rows of those features (beta_headers, effort).
    if let Some(refused) = summarising.iter().find(|r| {
        !(200..300).contains(&r.status)
            && r.error.as_deref().is_some_and(|e| {
                [
                    "context_management",
                    "context-management",
                    "clear_tool_uses",
                    "clear_thinking",
                ]
                .iter()
                .any(|w| e.contains(w))
            })
    }) {
        bail!(
            "the CLI's context-editing instructions were refused with its compaction request \
             ({}): {}",
            refused.status,
            refused.error.as_deref().unwrap_or("no error text")
        );
    }
    let Some(accepted) = summarising
        .iter()
        .rev()
        .find(|r| (200..300).contains(&r.status))
    else {
        let last = summarising.last().expect("checked non-empty");
        bail!(
            "the gateway answered the CLI's compaction request (the summary of the session) with \
             {}: {}",
            last.status,
            last.error.as_deref().unwrap_or("no error text")
        );
    };
    let sent = accepted.body.get("context_management").cloned();

    let before = ctx.gateway_requests().len();
    let third = ctx.run(
        &turn(format!(
            "Quote the line that starts with \"{marker}\" from the output of the command you ran \
         earlier."
        ))?
        .resume(&session),
    )?;
    third
        .ensure_success()
        .context("run 3 (the compacted session, continued) failed")?;
    let continued = ctx.gateway_requests()[before..]
        .iter()
        .find(|r| r.body.to_string().contains(CONTINUED))
        .cloned();
    let Some(continued) = continued else {
        bail!(
            "the session did not go on from the summary: run 3 sent no request opening with it \
             (\"{CONTINUED} ...\")"
        );
    };
    ensure!(
        !continued.body.to_string().contains("\"tool_result\""),
        "the compacted session still sent the earlier tool result: the compaction did not take"
    );
    ensure!(
        third.final_text.contains(&marker),
        "the compacted session did not answer from its summary: the answer does not quote \
         {marker:?} (answer: {:?})",
        third.final_text
    );

    if ctx.sim().is_some() {
        let upstream: Vec<_> = ctx
            .sim_requests()
            .into_iter()
            .filter(|r| asks_for_summary(&r.body) || r.body.to_string().contains(SUMMARY_ASK))
            .collect();
        let Some(received) = upstream.iter().rev().find(|r| r.status == 200) else {
            bail!(
                "the provider never answered the compaction request: the gateway answered the CLI \
                 without it ({} summarising request(s) reached the provider, none answered 200)",
                upstream.len()
            );
        };
        if takes_context_editing(ctx.provider())
            && let Some(sent) = &sent
        {
            let got = received_context_management(&received.body);
            ensure!(
                got.as_ref() == Some(sent),
                "the context-editing instructions the CLI sent with its compaction \
                 request ({sent}) did not reach the provider ({}): the gateway {} \
                 `context_management`, which {} takes in the request body",
                received.provider,
                match &got {
                    None => "dropped".to_owned(),
                    Some(v) => format!("changed it to {v}; it rewrote"),
                },
                received.provider
            );
        }
    }
    Ok(())
}

/// Whether a Messages body (or a provider's body) is the CLI's summarising
/// request: its last user turn carries the summary instruction.
fn asks_for_summary(body: &Value) -> bool {
    body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .is_some_and(|m| m.to_string().contains(SUMMARY_ASK))
}

/// The `context_management` a provider received: top level in the
/// Anthropic-shaped bodies, `additionalModelRequestFields` on Converse.
fn received_context_management(body: &Value) -> Option<Value> {
    body.get("context_management")
        .or_else(|| body.pointer("/additionalModelRequestFields/context_management"))
        .cloned()
}

/// The columns whose provider takes `context_management` with
/// `clear_thinking_20251015` in the request body, so that a gateway must
/// deliver it: the Anthropic API (context editing docs,
/// https://docs.claude.com/en/docs/build-with-claude/context-editing),
/// Microsoft Foundry (Claude on Foundry runs on Anthropic's infrastructure
/// and takes its betas, compat-sim/src/rules/betas.rs), Vertex AI (takes the
/// beta, betas.rs), Bedrock Mantle (Anthropic's Messages API on AWS) and
/// Claude Platform on AWS (Anthropic's API through AWS: Claude Code's own AWS
/// mode sends it the field with its beta, captured,
/// docs/research/cli-modes-2026-12-06.md §2; LiteLLM's claim that the service
/// rejects it is unconfirmed, xtask/probes/added.yaml asks).
/// Not required: Bedrock InvokeModel documents only tool-result clearing
/// (`clear_tool_uses_20250919`, https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-tool-use.html),
/// not the thinking edit Claude Code sends; Converse has no such field
/// (LiteLLM #21912, #29085).
fn takes_context_editing(p: Provider) -> bool {
    matches!(
        compat_harness::column::api(p),
        Api::Anthropic | Api::Azure | Api::VertexAi | Api::BedrockMantle | Api::ClaudePlatformAws
    )
}

compat_harness::sim_fault_test!(
    name = "dropped_context_management_turns_cell_red",
    provider = Anthropic,
    run = dropped_context_management,
    live_visible = false,
    why = "observed in a rehearsal (haiku-4.5), as the check's live branch reads: the session still compacts and quotes the nonce; whether `context_management` reached the provider shows only in the simulator's record"
);

/// The gateway delivers every request without its `context_management`:
/// the session still compacts, but the provider never got the CLI's
/// context-editing instructions, and the cell is red saying so.
fn dropped_context_management(ctx: &Ctx) -> anyhow::Result<()> {
    let error =
        compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::DropContextManagement, run)?;
    ensure!(
        error.contains("did not reach the provider") && error.contains("dropped"),
        "unexpected error: {error}"
    );
    eprintln!("[context_management fault] red as expected: {error}");
    Ok(())
}
