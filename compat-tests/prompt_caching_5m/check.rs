//! prompt_caching_5m: two runs in a row with the same long prefix (Claude
//! Code's system prompt and tools, which it marks with `cache_control`); the
//! second must read the cache the first wrote. So the gateway passed the
//! cache markers up in a form the provider caches on.
//!
//! Whose data it reads (issue 23): the cache figures in the usage the CLI
//! reports are the usage_reporting row's (its run reads a cache the first
//! request wrote, and it compares every figure with the provider's). So in
//! sim mode this row judges caching by the simulator's record, what the
//! provider received and reported (cache activity on the first run, a cache
//! read on the second); a gateway that zeroes the cache figures on the way
//! back leaves this row green and usage_reporting red. Live mode has no
//! provider record: the CLI's usage is the only view of the provider's
//! cache, so it is asserted there, and a zero cannot tell a cache the
//! provider never read from a figure the gateway dropped (the error says
//! so).
//!
//! When it fails, the check says which half broke, from what the provider
//! received and reported (the simulator's record) and what the gateway
//! reported to the CLI (the tap).
//!
//! On GPT models (issue 29): OpenAI caches on `prompt_cache_breakpoint`
//! markers (GPT-5.6 and later; LiteLLM turns the CLI's `cache_control` into
//! them when the host is api.openai.com) and otherwise, as Azure OpenAI
//! always does, on any prompt prefix of 1024 tokens or more on its own
//! (implicit caching). Neither reports a cache write the CLI could price, so
//! the first run may show no cache activity at all: on GPT the record must
//! show a cache read in a request after the first answered one, which only
//! a prefix the provider kept can give. The markers are counted in every
//! form (`cache_control`, Converse's `cachePoint`, OpenAI's
//! `prompt_cache_breakpoint`).

use anyhow::{Context as _, ensure};
use compat_harness::Ctx;

compat_harness::feature!(run = run);

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
    if ctx.sim().is_some() {
        return judge_by_record(ctx);
    }
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

/// Sim mode: the provider's own figures (the simulator's record, in the
/// order the requests arrived): some cache activity, and a cache read in a
/// request after the first that wrote or read.
fn judge_by_record(ctx: &Ctx) -> anyhow::Result<()> {
    let figure =
        |u: Option<&serde_json::Value>, k: &str| u.and_then(|u| u[k].as_u64()).unwrap_or(0);
    let answered: Vec<_> = ctx
        .sim_requests()
        .into_iter()
        .filter(|r| r.status == 200)
        .collect();
    let first_cached = answered.iter().position(|r| {
        figure(r.usage.as_ref(), "cache_creation_input_tokens")
            + figure(r.usage.as_ref(), "cache_read_input_tokens")
            > 0
    });
    if !ctx.model_family().is_claude() {
        // Implicit or breakpoint caching: a read after the first answer.
        ensure!(
            answered
                .iter()
                .skip(1)
                .any(|r| figure(r.usage.as_ref(), "cache_read_input_tokens") > 0),
            "the provider reported no cache read in any of the {} answered request(s) of this \
             trial after the first: {}",
            answered.len(),
            diagnose(ctx)
        );
        return Ok(());
    }
    let Some(first_cached) = first_cached else {
        anyhow::bail!(
            "the provider reported no cache activity in any of the {} answered request(s) of this \
             trial: {}",
            answered.len(),
            diagnose(ctx)
        );
    };
    ensure!(
        answered[first_cached + 1..]
            .iter()
            .any(|r| figure(r.usage.as_ref(), "cache_read_input_tokens") > 0),
        "the provider wrote the cache but never read it back in a later request of this trial: {}",
        diagnose(ctx)
    );
    Ok(())
}

/// Which half of caching broke: the markers on the way up, or the usage on
/// the way back.
fn diagnose(ctx: &Ctx) -> String {
    let markers = |body: &serde_json::Value| {
        let text = body.to_string();
        text.matches("\"cache_control\"").count()
            + text.matches("\"cachePoint\"").count()
            + text.matches("\"prompt_cache_breakpoint\"").count()
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
    if received == 0 && !ctx.model_family().is_claude() {
        // OpenAI also caches without markers (prefixes of 1024 tokens or
        // more), Azure OpenAI only so: no marker is not yet the fault.
        format!(
            "no cache marker reached the provider (the CLI sent {sent_by_cli} through the gateway), \
             and its automatic caching of prompt prefixes reported {reported_by_provider} cached \
             token(s); the gateway passed on {reported_by_gateway}"
        )
    } else if received == 0 {
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

compat_harness::sim_fault_test!(
    name = "stripped_cache_usage_turns_cell_red",
    provider = BedrockConverse,
    run = stripped,
    live_visible = true
);

fn stripped(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::StripCacheUsage, run)?;
    // The markers did reach the provider, which reported nothing: the
    // error must say so rather than blame the markers' way up.
    // Live judgement reads the CLI's usage only: no cache activity at all.
    ensure!(
        (compat_harness::judged_live(ctx) && error.contains("no cache activity"))
            || (error.contains("the provider received")
                && error.contains("but reported no cache activity")),
        "the error does not tell which half of caching broke: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "zeroed_cache_usage_leaves_cell_green",
    provider = Anthropic,
    run = zeroed_cache_usage,
    live_visible = true
);

/// A gateway that zeroes the cache figures of the usage it passes on
/// (usage_reporting's `zeroed_cache_read_turns_cell_red` is red under that
/// loss) must not make this row red in sim mode: the provider read the
/// cache, by its record. Before issue 23 this row read the CLI's usage and
/// went red with "the cache usage was dropped on the way back".
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
    // Not vacuous: the provider read the cache, and the gateway passed on
    // no cache read at all.
    let read = |u: Option<serde_json::Value>| {
        u.and_then(|u| u["cache_read_input_tokens"].as_u64())
            .unwrap_or(0)
    };
    let provider: u64 = ctx.sim_requests().into_iter().map(|r| read(r.usage)).sum();
    let cli: u64 = ctx
        .gateway_requests()
        .into_iter()
        .map(|r| read(r.usage))
        .sum();
    ensure!(
        provider > 0 && cli == 0,
        "the fault did not zero what it should: the provider read {provider} cached token(s), the \
         gateway passed on {cli}"
    );
    Ok(())
}
