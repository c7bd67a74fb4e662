//! extended_thinking: with thinking on as the CLI sends it for the model,
//! signed thinking blocks come back, and a follow-up turn that carries them
//! (thinking, then a tool call, then the tool result) still succeeds: the
//! provider verifies the replayed signatures, so a gateway that drops or
//! alters them fails here.
//!
//! On GPT models (the `openai` and `azure_openai` columns) the reasoning is
//! OpenAI's: encrypted, its text never shown. LiteLLM hands it to the CLI
//! as a `redacted_thinking` block whose `data` is the encrypted reasoning,
//! or, when a reasoning summary was asked for, as a `thinking` block with
//! the summary text and the encrypted reasoning as its signature
//! (`responses_adapters/transformation.py:249-272`, plan
//! docs/research/openai-columns-2026-12-06.md section 1.4). Either is the
//! model's reasoning come back with what the provider needs to verify its
//! replay, so either counts ([`reasoning`]); a GPT turn with no reasoning
//! block at all is red, as a Claude one is.

use anyhow::{Context as _, ensure};
use compat_core::driver::Transcript;
use compat_harness::{Ctx, ModelFamily};
use serde_json::Value;

/// A reasoning block as the CLI received it: its text (Claude's thinking,
/// GPT's summary; empty for a redacted block) and the opaque part the
/// provider verifies when it is replayed (a thinking block's signature, a
/// redacted block's `data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reasoning {
    pub text: String,
    pub opaque: String,
}

/// The reasoning blocks of a run, as the trial's model family returns them:
/// Claude's signed `thinking` blocks (the transcript's, exactly as before
/// the GPT columns); for GPT also its `redacted_thinking` blocks.
pub(crate) fn reasoning(family: ModelFamily, t: &Transcript) -> Vec<Reasoning> {
    let mut out: Vec<Reasoning> = t
        .thinking
        .iter()
        .map(|b| Reasoning {
            text: b.thinking.clone(),
            opaque: b.signature.clone(),
        })
        .collect();
    if family == ModelFamily::Gpt {
        for m in &t.assistant_messages {
            for b in m["content"].as_array().into_iter().flatten() {
                if b["type"] == "redacted_thinking" {
                    out.push(Reasoning {
                        text: String::new(),
                        opaque: b["data"].as_str().unwrap_or_default().to_owned(),
                    });
                }
            }
        }
    }
    out
}

/// What a run's reasoning blocks were, for an error: Claude's as the
/// transcript has them; GPT's with each block's kind.
pub(crate) fn describe_reasoning(family: ModelFamily, t: &Transcript) -> String {
    match family {
        ModelFamily::Claude => format!("{:?}", t.thinking),
        ModelFamily::Gpt => {
            let blocks: Vec<Value> = t
                .assistant_messages
                .iter()
                .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
                .filter(|b| matches!(b["type"].as_str(), Some("thinking" | "redacted_thinking")))
                .collect();
            format!("{blocks:?}")
        }
    }
}

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let token = format!("think-{}", ctx.nonce());
    let claude = ctx
        .claude()?
        // An explicit budget, so that thinking is on for every model and not
        // left to adaptive thinking's judgement of the prompt.
        .env("MAX_THINKING_TOKENS", "2048")
        .allowed_tools(&["Bash"])
        .max_turns(4)
        .prompt(format!(
            "Think about it first, then use the Bash tool to run `echo {token}` and tell me exactly what it printed."
        ));
    let t = ctx.run(&claude)?;
    t.ensure_success().context(
        "the CLI reported an error (a 400 here often means a replayed thinking block was rejected)",
    )?;
    let family = ctx.model_family();
    let blocks = reasoning(family, &t);
    match family {
        ModelFamily::Claude => ensure!(!blocks.is_empty(), "no thinking block came back"),
        ModelFamily::Gpt => ensure!(
            !blocks.is_empty(),
            "no thinking block came back: the model's reasoning reached the CLI neither as a \
             redacted_thinking block (its encrypted reasoning) nor as a thinking block (its \
             summary){}",
            reasoning_request(ctx)
        ),
    }
    ensure!(
        blocks.iter().all(|b| !b.opaque.is_empty()),
        "a thinking block came back without its signature: {}",
        describe_reasoning(family, &t)
    );
    ensure!(
        t.num_turns >= 2 && t.final_text.contains(&token),
        "the follow-up turn carrying the thinking blocks did not complete (turns: {}, answer: {:?})",
        t.num_turns,
        t.final_text
    );
    Ok(())
}

/// Sim mode, on GPT: what the provider was asked for (OpenAI returns the
/// encrypted reasoning only when the request's `include` names
/// `reasoning.encrypted_content`, a summary only with `reasoning.summary`).
fn reasoning_request(ctx: &Ctx) -> String {
    let Some(r) = ctx.sim_requests().into_iter().find(|r| r.status == 200) else {
        return String::new();
    };
    format!(
        ". The provider's request ({} {}) carried reasoning {} and include {}",
        r.method,
        r.path,
        r.body.get("reasoning").unwrap_or(&Value::Null),
        r.body.get("include").unwrap_or(&Value::Null)
    )
}

compat_harness::sim_fault_test!(
    name = "dropped_thinking_turns_cell_red",
    provider = Azure,
    run = dropped_thinking,
    live_visible = true
);

fn dropped_thinking(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::DropThinking, run)?;
    ensure!(error.contains("thinking"), "unexpected error: {error}");
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "dropped_thinking_turns_anthropic_rust_path_red",
    provider = AnthropicRustPath,
    run = dropped_thinking_naming_route,
    live_visible = true
);

/// The Rust path passes on what the provider answered: thinking the
/// provider dropped is lost on this column too, named with its route.
fn dropped_thinking_naming_route(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::DropThinking, run)?;
    compat_harness::ensure_names_route(ctx, &error)?;
    ensure!(error.contains("thinking"), "unexpected error: {error}");
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "dropped_thinking_turns_claude_code_gateway_red",
    provider = ClaudeCodeGateway,
    run = dropped_thinking_in_gateway_mode,
    live_visible = true
);

/// The CLI in its gateway mode (`/claude_code_gateway/`): thinking the
/// provider dropped is lost on this column too, and the red names the
/// gateway-mode route and the LiteLLM deployment behind it.
fn dropped_thinking_in_gateway_mode(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::DropThinking, run)?;
    compat_harness::ensure_names_route(ctx, &error)?;
    ensure!(
        error.contains("thinking") && error.contains("/claude_code_gateway/"),
        "the error does not say what broke and on which route: {error}"
    );
    Ok(())
}
