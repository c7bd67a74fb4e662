//! extended_thinking: with thinking on as the CLI sends it for the model,
//! signed thinking blocks come back, and a follow-up turn that carries them
//! (thinking, then a tool call, then the tool result) still succeeds: the
//! provider verifies the replayed signatures, so a gateway that drops or
//! alters them fails here.

use anyhow::{Context as _, ensure};
use compat_harness::Ctx;

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
    ensure!(!t.thinking.is_empty(), "no thinking block came back");
    ensure!(
        t.thinking.iter().all(|b| !b.signature.is_empty()),
        "a thinking block came back without its signature: {:?}",
        t.thinking
    );
    ensure!(
        t.num_turns >= 2 && t.final_text.contains(&token),
        "the follow-up turn carrying the thinking blocks did not complete (turns: {}, answer: {:?})",
        t.num_turns,
        t.final_text
    );
    Ok(())
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
