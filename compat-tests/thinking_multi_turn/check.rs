//! thinking_multi_turn: a thinking + tool session, resumed (`--resume`, same
//! config folder and working directory) for a second turn. The CLI replays
//! turn 1's signed thinking blocks; the provider verifies every replayed
//! signature against the text it signed, so a gateway that drops, re-encodes
//! or alters them fails turn 2 only (LiteLLM #29441). Turn 2 must also think
//! again.
//!
//! What is asserted, per mode:
//! - both: turn 1 succeeds with signed thinking and its tool result; turn 2
//!   (resumed) succeeds, runs its own tool call and answers with it, and its
//!   answer carries a new signed thinking block (not one of turn 1's).
//! - sim: the provider received every turn-1 thinking block on turn 2 with
//!   its text and signature intact (the simulator's record of the turn-2
//!   requests; Converse carries them as `reasoningContent.reasoningText`).
//! - live: the provider accepted turn 2 (it rejects a replayed block whose
//!   signature does not match, quoting it), which is the same evidence seen
//!   from the outside.
//!
//! On GPT models the replayed reasoning is OpenAI's encrypted reasoning
//! (the CLI's `redacted_thinking.data`, or a summary block's signature),
//! which LiteLLM sends back as a `reasoning` input item's
//! `encrypted_content`; the provider refuses content it did not issue
//! (`responses.reasoning_encrypted`). So the same assertions hold with the
//! opaque part in place of the signature, and the sim check reads the
//! reasoning items of the Responses body
//! ([`crate::extended_thinking::check::reasoning`]).

use anyhow::{Context as _, ensure};
use compat_core::driver::ClaudeRun;
use compat_harness::{Ctx, ModelFamily};
use serde_json::Value;

use crate::extended_thinking::check::{Reasoning, describe_reasoning, reasoning};

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let model = ctx.model_id().to_owned();
    let project = tempfile::tempdir()?;
    let (one, two) = tokens(ctx);
    let turn = |prompt: String| -> anyhow::Result<ClaudeRun> {
        Ok(ctx
            .claude()?
            .session_dir(project.path())
            // An explicit budget, so that thinking is on for every model.
            .env("MAX_THINKING_TOKENS", "2048")
            .allowed_tools(&["Bash"])
            .max_turns(4)
            .prompt(prompt))
    };

    let first = ctx.run(&turn(format!(
        "Think about it first, then use the Bash tool to run `echo {one}` and tell me exactly what it printed."
    ))?
    .persist_session())?;
    first.ensure_success().context("turn 1 failed")?;
    let family = ctx.model_family();
    let turn_one = reasoning(family, &first);
    ensure!(
        !turn_one.is_empty() && turn_one.iter().all(|b| !b.opaque.is_empty()),
        "{model}: turn 1 brought no signed thinking block back (thinking: {})",
        describe_reasoning(family, &first)
    );
    ensure!(
        first.final_text.contains(&one),
        "turn 1 did not complete its tool call (answer: {:?})",
        first.final_text
    );
    let session = first
        .session_id
        .clone()
        .context("turn 1 reported no session_id to resume")?;

    let second = ctx.run(&turn(format!(
        "Think about it again, then use the Bash tool to run `echo {two}` and tell me exactly what it printed."
    ))?
    .resume(&session))?;
    second.ensure_success().with_context(|| {
        format!(
            "{model}: turn 2 (the resumed session, replaying turn 1's signed thinking) failed{}",
            replay_diagnosis(ctx, &turn_one)
        )
    })?;
    ensure!(
        second.final_text.contains(&two),
        "turn 2 did not complete its tool call (answer: {:?})",
        second.final_text
    );
    let old: Vec<&str> = turn_one.iter().map(|b| b.opaque.as_str()).collect();
    ensure!(
        reasoning(family, &second)
            .iter()
            .any(|b| !b.opaque.is_empty() && !old.contains(&b.opaque.as_str())),
        "{model}: turn 2 did not think again: no new signed thinking block in its answer (thinking: {}){}",
        describe_reasoning(family, &second),
        replay_diagnosis(ctx, &turn_one)
    );
    if ctx.sim().is_some() {
        let missing = missing_on_turn_two(ctx, &turn_one, &two);
        ensure!(
            missing.is_empty(),
            "{model}: turn 2 succeeded but the provider did not receive turn 1's thinking intact: {}",
            missing.join("; ")
        );
    }
    Ok(())
}

/// The prompt tokens of the two turns. Turn 2's is what a fault scope for
/// turn 2 only matches.
fn tokens(ctx: &Ctx) -> (String, String) {
    (
        format!("turn1-{}", ctx.nonce()),
        format!("turn2-{}", ctx.nonce()),
    )
}

/// Thinking blocks (text, signature) in a recorded body, in any dialect:
/// Anthropic `{"type":"thinking","thinking","signature"}`, Converse
/// `{"reasoningContent":{"reasoningText":{"text","signature"}}}`, OpenAI's
/// Responses `input` items `{"type":"reasoning","summary":[{"text"}],
/// "encrypted_content"}` (summary texts joined, empty without one).
fn replayed_thinking(body: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for item in body["input"].as_array().into_iter().flatten() {
        if item["type"] == "reasoning" {
            let summary: Vec<&str> = item["summary"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["text"].as_str())
                .collect();
            out.push((
                summary.join("\n"),
                item["encrypted_content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ));
        }
    }
    for m in body["messages"].as_array().into_iter().flatten() {
        for b in m["content"].as_array().into_iter().flatten() {
            let (text, sig) = if b["type"] == "thinking" {
                (&b["thinking"], &b["signature"])
            } else {
                let r = &b["reasoningContent"]["reasoningText"];
                (&r["text"], &r["signature"])
            };
            if let Some(text) = text.as_str() {
                out.push((text.to_owned(), sig.as_str().unwrap_or_default().to_owned()));
            }
        }
    }
    out
}

/// What was wrong with turn 1's thinking blocks in the first turn-2 request
/// the provider received (empty: every block arrived intact).
fn missing_on_turn_two(ctx: &Ctx, turn_one: &[Reasoning], two: &str) -> Vec<String> {
    let Some(req) = ctx
        .sim_requests()
        .into_iter()
        .find(|r| r.body.to_string().contains(two))
    else {
        return vec!["no turn-2 request reached the provider".into()];
    };
    let got = replayed_thinking(&req.body);
    let family = ctx.model_family();
    turn_one
        .iter()
        .filter_map(|b| {
            // Claude's block is found by its text and its signature
            // compared; GPT's encrypted reasoning has no text of its own
            // (a redacted block), so it is found by what was issued.
            let same = match family {
                ModelFamily::Claude => got.iter().find(|(t, _)| *t == b.text),
                ModelFamily::Gpt => got.iter().find(|(_, o)| *o == issued(&b.opaque)),
            };
            match same {
                None if family == ModelFamily::Gpt => Some(format!(
                    "the encrypted reasoning {:?} (summary {:?}) was not replayed as a reasoning item",
                    summary(&b.opaque),
                    summary(&b.text)
                )),
                None => Some(format!(
                    "the thinking block {:?} was not replayed",
                    summary(&b.text)
                )),
                Some((_, sig)) if family == ModelFamily::Claude && *sig != b.opaque => Some(format!(
                    "the thinking block {:?} arrived with signature {:?}, not the {:?} the provider issued",
                    summary(&b.text),
                    summary(sig),
                    summary(&b.opaque)
                )),
                Some(_) => None,
            }
        })
        .collect()
}

/// The encrypted reasoning the provider issued, from what the CLI holds:
/// LiteLLM hands a Responses reasoning item's `encrypted_content` to the CLI
/// wrapped as `litellm_encrypted_reasoning:<encrypted_content>` (in a
/// redacted block's `data` or a summary block's signature) and unwraps it
/// when the CLI replays it (LiteLLM 1.108.7
/// `litellm_core_utils/prompt_templates/common_utils.py`
/// `ENCRYPTED_REASONING_SIGNATURE_PREFIX`).
fn issued(opaque: &str) -> &str {
    opaque
        .strip_prefix("litellm_encrypted_reasoning:")
        .unwrap_or(opaque)
}

/// What happened to turn 2 on the way: the gateway's answers (the tap, both
/// modes: the CLI recovers from a rejected signature by resending the turn
/// without thinking blocks and with thinking off, so turn 2 "succeeds"
/// without thinking), and in sim mode what the provider got and said.
fn replay_diagnosis(ctx: &Ctx, turn_one: &[Reasoning]) -> String {
    let (_, two) = tokens(ctx);
    let tapped: Vec<_> = ctx
        .gateway_requests()
        .into_iter()
        .filter(|r| r.body.to_string().contains(&two))
        .collect();
    let refused = tapped.iter().filter(|r| r.status == 400).count();
    let mut s = String::new();
    if refused > 0 {
        let unthinking = tapped
            .iter()
            .filter(|r| r.status == 200 && r.body.get("thinking").is_none())
            .count();
        s.push_str(&format!(
            "; the gateway answered 400 to {refused} turn-2 request(s)"
        ));
        if unthinking > 0 {
            s.push_str(&format!(
                ", and the CLI resent {unthinking} without thinking blocks and with thinking off (its recovery \
                 from a rejected thinking signature)"
            ));
        }
    }
    if ctx.sim().is_none() {
        return s;
    }
    let reqs: Vec<_> = ctx
        .sim_requests()
        .into_iter()
        .filter(|r| r.body.to_string().contains(&two))
        .collect();
    let rejected = reqs.iter().find_map(|r| r.rejection.clone());
    let missing = missing_on_turn_two(ctx, turn_one, &two);
    if let Some(r) = rejected {
        s.push_str(&format!("; the provider rejected turn 2: {r}"));
    }
    if !missing.is_empty() {
        s.push_str(&format!(" ({})", missing.join("; ")));
    }
    s
}

fn summary(s: &str) -> String {
    if s.chars().count() <= 40 {
        return s.to_owned();
    }
    format!("{}...", s.chars().take(40).collect::<String>())
}

compat_harness::sim_fault_test!(
    name = "corrupted_replayed_signature_turns_cell_red",
    provider = VertexAi,
    run = corrupted_signature,
    live_visible = true
);

/// Turn 2's replayed thinking reaches the model with altered signatures:
/// the provider rejects it, and the cell is red quoting the rejection.
fn corrupted_signature(ctx: &Ctx) -> anyhow::Result<()> {
    let sim = compat_harness::fault_switch(ctx)?;
    let (_, two) = tokens(ctx);
    let _fault = sim.inject(
        compat_sim::FaultScope {
            provider: Some(compat_harness::column::api(ctx.provider())),
            model: Some(ctx.model_id().to_owned()),
            body_contains: Some(two),
        },
        compat_sim::Fault::CorruptThinkingSignatures,
    );
    let error = compat_harness::expect_red_cell(ctx, run)?;
    // The CLI recovers from the 400 by resending turn 2 without thinking,
    // so the turn "succeeds" without thinking again; the error must say so
    // and quote the provider.
    ensure!(
        error.contains("turn 2")
            && (compat_harness::judged_live(ctx)
                || error.contains("Invalid `signature` in `thinking` block")),
        "the error does not quote the provider's rejection of turn 2's replayed thinking: {error}"
    );
    Ok(())
}
