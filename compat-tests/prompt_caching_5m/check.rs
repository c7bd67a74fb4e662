//! prompt_caching_5m: two runs in a row with the same long prefix (Claude
//! Code's system prompt and tools, which it marks with `cache_control`); the
//! second reports `cache_read_input_tokens > 0` in the CLI's usage. So the
//! gateway passed the cache markers up and mapped the cache usage back down.
//!
//! When it fails, the check says which of the two broke, from what the
//! provider received and reported (the simulator's record) and what the
//! gateway reported to the CLI (the tap).

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
        "the first run reported no cache activity at all (cache_creation_input_tokens and \
         cache_read_input_tokens are 0): {}. usage: {u1:?}",
        diagnose(ctx)
    );
    ensure!(
        u2.cache_read_input_tokens > 0,
        "the second run reported cache_read_input_tokens = 0: {}. (first run: {u1:?}; second: {u2:?})",
        diagnose(ctx)
    );
    Ok(())
}

/// Which half of caching broke: the markers on the way up, or the usage on
/// the way back.
fn diagnose(ctx: &Ctx) -> String {
    let markers = |body: &serde_json::Value| {
        let text = body.to_string();
        text.matches("\"cache_control\"").count() + text.matches("\"cachePoint\"").count()
    };
    let cache_of = |u: Option<&serde_json::Value>| {
        u.map(|u| {
            u["cache_read_input_tokens"].as_u64().unwrap_or(0)
                + u["cache_creation_input_tokens"].as_u64().unwrap_or(0)
        })
        .unwrap_or(0)
    };
    let tapped = ctx.gateway_requests();
    let sent_by_cli: usize = tapped.iter().map(|r| markers(&r.body)).sum();
    let reported_by_gateway: u64 = tapped.iter().map(|r| cache_of(r.usage.as_ref())).sum();
    if ctx.sim().is_none() {
        return format!(
            "the CLI sent {sent_by_cli} cache marker(s) through the gateway, which reported {reported_by_gateway} \
             cached token(s); live mode cannot see the provider's side"
        );
    }
    let upstream = ctx.sim_requests();
    let received: usize = upstream.iter().map(|r| markers(&r.body)).sum();
    let reported_by_provider: u64 = upstream.iter().map(|r| cache_of(r.usage.as_ref())).sum();
    if received == 0 {
        format!(
            "the cache markers never reached the provider: the CLI sent {sent_by_cli} through the gateway, \
             the provider received none"
        )
    } else if reported_by_provider > 0 && reported_by_gateway == 0 {
        format!(
            "the cache usage was dropped on the way back: the provider reported {reported_by_provider} cached \
             token(s), the gateway passed none to the CLI"
        )
    } else if reported_by_provider == 0 {
        format!(
            "the provider received {received} cache marker(s) but reported no cache activity: the markers \
             the gateway sent were not ones it could cache on (placement, ttl or prefix length)"
        )
    } else {
        format!(
            "the provider reported {reported_by_provider} cached token(s) and the gateway passed on \
             {reported_by_gateway}, but not in the figures the CLI reads"
        )
    }
}

compat_tests::sim_fault_test!(
    name = "stripped_cache_usage_turns_cell_red",
    provider = "bedrock_converse",
    run = stripped
);

fn stripped(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_tests::red_cell_under_fault(ctx, compat_sim::Fault::StripCacheUsage, run)?;
    // The markers did reach the provider, which reported nothing: the
    // error must say so rather than blame the markers' way up.
    ensure!(
        error.contains("the provider received") && error.contains("but reported no cache activity"),
        "the error does not tell which half of caching broke: {error}"
    );
    Ok(())
}
