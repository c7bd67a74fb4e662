//! long_context_1m: the CLI's 1M-context model (`--model <id>[1m]`) with a
//! prompt of about 250K tokens (a ~1 MB log on stdin, a per-trial code on its
//! last line); the answer must quote that last line, and the provider must
//! report more than 200K input tokens. So the gateway served the `[1m]` model,
//! carried the whole prompt (no truncation) and the provider accepted it (no
//! "prompt is too long").
//!
//! What the CLI sends (captured, docs/rows/long_context_1m.md): the model id
//! without the suffix; for Sonnet 4.6 plus the `context-1m-2025-08-07` beta,
//! for Opus 4.7 (1M natively) nothing more. Haiku 4.5 has a 200K window and no
//! 1M variant: its trials are not_applicable.
//!
//! Sim mode: the simulators enforce each model's real window
//! (compat-sim/src/context.rs) and report the prompt's estimated length as
//! usage; a failure says whether the provider refused the prompt or received
//! it cut short (the simulator's record). Live mode: the same assertions hold
//! for a real model and the provider's own token count; the failure names
//! what the CLI reported.

use std::hash::BuildHasher as _;

use anyhow::{Context as _, ensure};
use compat_tests::Ctx;

/// Models with no 1M-context variant, and why.
pub const NO_1M_VARIANT: &[(&str, &str)] = &[(
    "claude-haiku-4-5",
    "Claude Haiku 4.5 has a 200K-token context window and no 1M variant \
     (https://platform.claude.com/docs/en/about-claude/models/overview); the 1M context \
     applies to Sonnet 4.6 and Opus 4.7.",
)];

/// The prompt's length: 8,000 lines of ~125 characters, ~1 MB, about 250K
/// tokens at the simulators' ~4 characters a token (a real tokenizer counts
/// this digit-heavy text somewhat higher): past every 200K window, well
/// inside 1M, and a sane cost in live mode.
const LOG_LINES: usize = 8_000;

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    // Random, not derived from the nonce: only the prompt's last line has it.
    let code = format!(
        "long-{:016x}",
        std::collections::hash_map::RandomState::new().hash_one(ctx.nonce())
    );
    let mut prompt = format!(
        "Below is a long service log. Quote the line that starts with \"The final code is\" \
         (it is the log's very last line), and nothing else. ({})\n\n",
        ctx.nonce()
    );
    for i in 0..LOG_LINES {
        prompt.push_str(&format!(
            "{i:06} 2026-11-25T12:00:00Z service=matrix-gateway request={i:08x} status=ok \
             bytes={} checksum={:08x} nothing to report\n",
            (i * 7919) % 100_000,
            i.wrapping_mul(2_654_435_761)
        ));
    }
    prompt.push_str(&format!("The final code is {code}\n"));
    let model = format!("{}[1m]", ctx.model_id());
    let claude = ctx
        .claude()?
        .model(&model)
        .prompt_on_stdin(true)
        .prompt(prompt);
    let t = ctx.run(&claude)?;
    t.ensure_success()
        .with_context(|| format!("the CLI reported an error for --model {model}"))?;
    let u = &t.usage;
    let counted = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
    ensure!(
        t.final_text.contains(&code),
        "the prompt's last line \"The final code is {code}\" did not reach the model (the answer does \
         not quote it): {}. Answer: {:?}",
        diagnose(ctx),
        t.final_text
    );
    ensure!(
        counted > 200_000,
        "the provider counted {counted} input tokens for a ~250K-token prompt: it was not served \
         whole. usage: {u:?}"
    );
    Ok(())
}

/// What the provider got: the prompt's length as it arrived, or its refusal.
fn diagnose(ctx: &Ctx) -> String {
    let sent: usize = ctx
        .gateway_requests()
        .iter()
        .map(|r| r.body.to_string().len())
        .max()
        .unwrap_or(0);
    if ctx.sim().is_none() {
        return format!(
            "the CLI sent {sent} bytes through the gateway; live mode cannot see what the provider received"
        );
    }
    let upstream = ctx.sim_requests();
    let received = upstream
        .iter()
        .map(|r| r.body.to_string().len())
        .max()
        .unwrap_or(0);
    format!(
        "the CLI sent a request of {sent} bytes through the gateway; the largest the provider received \
         was {received} bytes ({} request(s))",
        upstream.len()
    )
}

compat_tests::sim_fault_test!(
    name = "truncated_prompt_turns_cell_red",
    provider = "anthropic",
    run = truncated_prompt
);

fn truncated_prompt(ctx: &Ctx) -> anyhow::Result<()> {
    let error =
        compat_tests::red_cell_under_fault(ctx, compat_sim::Fault::TruncateLongPrompt, run)?;
    ensure!(
        error.contains("did not reach the model"),
        "unexpected error: {error}"
    );
    Ok(())
}
