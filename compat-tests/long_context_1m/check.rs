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
//! Whose data it reads (issue 23): the usage the CLI reports is the
//! usage_reporting row's, and a gateway that zeroes the cache figures in it
//! would make this row claim a truncation that never happened. So in sim
//! mode the prompt's length is judged from the simulator's record, what the
//! provider received and counted itself (the simulators enforce each
//! model's real window, compat-sim/src/rules/context.rs, and report the prompt's
//! estimated length); the CLI's usage is not read. Live mode has no
//! provider record: the answer quoting the prompt's last line, which only a
//! whole prompt carries, is the evidence that it was served whole, and a
//! provider that does not serve the 1M window refuses the prompt ("prompt is
//! too long"), which fails the run. Live mode cannot tell how many tokens
//! the provider counted (the CLI's usage passed through the gateway is the
//! only figure, and usage_reporting judges it), so it asserts no count.
//!
//! On GPT models (issue 29) there is no `[1m]` variant and no beta: GPT-5.6
//! takes about 922K input tokens as it is (LiteLLM's model map,
//! `max_input_tokens`; the CLI reports a 1M context window for it,
//! captured: docs/research/openai-columns-2026-12-06.md section 5). The
//! trial runs the column's model as it is, and the same prompt must cross
//! whole: the answer quotes its last line and the provider counts more than
//! 200K input tokens.

use std::hash::BuildHasher as _;

use anyhow::{Context as _, ensure};
use compat_harness::Ctx;

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

compat_harness::feature!(run = run, not_applicable_for = NO_1M_VARIANT);

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
    let (model, claude) = if ctx.model_family().is_claude() {
        let model = format!("{}[1m]", ctx.model_id());
        let claude = ctx.claude()?.model(&model);
        (model, claude)
    } else {
        // No 1M variant to ask for: the model's own window is past 200K.
        (ctx.model_id().to_owned(), ctx.claude()?)
    };
    let claude = claude.prompt_on_stdin(true).prompt(prompt);
    let t = ctx.run(&claude)?;
    t.ensure_success()
        .with_context(|| format!("the CLI reported an error for --model {model}"))?;
    ensure!(
        t.final_text.contains(&code),
        "the prompt's last line \"The final code is {code}\" did not reach the model (the answer does \
         not quote it): {}. Answer: {:?}",
        diagnose(ctx),
        t.final_text
    );
    if ctx.sim().is_some() {
        // The provider's own count of what it received (the simulator's
        // record), not the usage the gateway passed on to the CLI.
        let counted = ctx
            .sim_requests()
            .iter()
            .filter(|r| r.status == 200)
            .filter_map(|r| r.usage.as_ref().map(input_of))
            .max()
            .unwrap_or(0);
        ensure!(
            counted > 200_000,
            "the provider counted at most {counted} input tokens in a request of this trial for a \
             ~250K-token prompt: it was not served whole. {}",
            diagnose(ctx)
        );
    }
    Ok(())
}

/// Every input token a provider's usage counts (uncached, read from and
/// written to the cache; the record's canonical names).
fn input_of(u: &serde_json::Value) -> u64 {
    [
        "input_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
    ]
    .iter()
    .filter_map(|k| u[*k].as_u64())
    .sum()
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

compat_harness::sim_fault_test!(
    name = "truncated_prompt_turns_cell_red",
    provider = Anthropic,
    run = truncated_prompt,
    live_visible = true
);

fn truncated_prompt(ctx: &Ctx) -> anyhow::Result<()> {
    let error =
        compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::TruncateLongPrompt, run)?;
    ensure!(
        error.contains("did not reach the model"),
        "unexpected error: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "zeroed_cache_usage_leaves_cell_green",
    provider = Anthropic,
    run = zeroed_cache_usage,
    live_visible = false,
    why = "as in sim: the 1M row's live branch asserts no token count (the answer quoting the prompt's last line is its evidence), so zeroed cache figures leave it green"
);

/// A gateway that zeroes the cache figures of the usage it passes on
/// (usage_reporting's `zeroed_cache_read_turns_cell_red` shows that row red
/// under the same loss) must not make this row red: the provider received
/// and counted the whole prompt, and this row reads the provider's count.
/// Before issue 23 it read the CLI's usage and said "the provider counted 8
/// input tokens ... it was not served whole".
fn zeroed_cache_usage(ctx: &Ctx) -> anyhow::Result<()> {
    use compat_sim::{Fault, UsageField};
    compat_harness::green_cell_under_faults(
        ctx,
        &[
            Fault::MisreportUsage(UsageField::CacheReadInputTokens, 0),
            Fault::MisreportUsage(UsageField::CacheCreationInputTokens, 0),
        ],
        "the cache figures zeroed on the way back",
        run,
    )?;
    // Not vacuous: the provider did count most of the prompt as cache
    // figures, and what the gateway passed on to the CLI (the tap) counts
    // too few tokens for a 250K prompt, so a check on the CLI's usage
    // would have been red.
    let most = |usages: Vec<Option<serde_json::Value>>| {
        usages.iter().flatten().map(input_of).max().unwrap_or(0)
    };
    let provider = most(ctx.sim_requests().into_iter().map(|r| r.usage).collect());
    let cli = most(
        ctx.gateway_requests()
            .into_iter()
            .map(|r| r.usage)
            .collect(),
    );
    ensure!(
        provider > 200_000 && cli < 200_000,
        "the fault did not zero what it should: the provider counted {provider} input tokens, the \
         gateway passed on {cli} (expected over 200K, and under 200K once the cache figures are \
         zeroed)"
    );
    Ok(())
}
