//! prompt_caching_5m: two runs in a row with the same long prefix (Claude
//! Code's system prompt and tools, which it marks with `cache_control`); the
//! second reports `cache_read_input_tokens > 0` in the CLI's usage. So the
//! gateway passed the cache markers up and mapped the cache usage back down.

use anyhow::{Context as _, ensure};
use compat_tests::Ctx;

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    // The same prompt both times: the CLI's first system block varies with it.
    // ... and the same folders: the system prompt names the working directory.
    let prompt = format!(
        "Reply with exactly `cached-{}` and nothing else.",
        ctx.nonce()
    );
    let project = tempfile::tempdir()?;
    let first = ctx.run(&ctx.claude()?.session_dir(project.path()).prompt(&prompt))?;
    first.ensure_success().context("first run")?;
    let second = ctx.run(&ctx.claude()?.session_dir(project.path()).prompt(&prompt))?;
    second.ensure_success().context("second run")?;
    let (u1, u2) = (&first.usage, &second.usage);
    ensure!(
        u1.cache_creation_input_tokens + u1.cache_read_input_tokens > 0,
        "the first run reported no cache activity at all (cache_creation_input_tokens and cache_read_input_tokens are 0): \
         the cache markers did not reach the provider, or its cache usage was not mapped back. usage: {u1:?}"
    );
    ensure!(
        u2.cache_read_input_tokens > 0,
        "the second run reported cache_read_input_tokens = 0 (first run: {u1:?}; second: {u2:?})"
    );
    Ok(())
}

compat_tests::sim_fault_test!(
    name = "stripped_cache_usage_turns_cell_red",
    provider = "bedrock_converse",
    run = stripped
);

fn stripped(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_tests::red_cell_under_fault(ctx, compat_sim::Fault::StripCacheUsage, run)?;
    ensure!(error.contains("cache"), "unexpected error: {error}");
    Ok(())
}
