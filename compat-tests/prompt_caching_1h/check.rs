//! prompt_caching_1h: Claude Code asks for a one-hour prompt cache
//! (`CLAUDE_CODE_PROMPT_CACHE_TTL=1h` makes it put `"ttl": "1h"` on every
//! `cache_control` it sends, captured from claude 2.1.331; see
//! docs/rows/prompt_caching_1h.md). Two runs in a row with the same prefix:
//! the first must report its cache write in the one-hour bucket
//! (`usage.cache_creation.ephemeral_1h_input_tokens > 0` in the CLI's
//! result, the provider's own figure passed back by the gateway), the second
//! must read the cache (`cache_read_input_tokens > 0`).
//!
//! A gateway that drops `ttl` (a silent downgrade to five minutes, LiteLLM
//! #20326) shows as a write in the five-minute bucket: red. So does one that
//! loses the breakdown on the way back (the CLI then prices a one-hour write
//! as a five-minute one).
//!
//! In both modes the assertion is on the CLI's reported usage. When it fails,
//! the error says where the hour was lost: sim mode compares what the CLI
//! sent (the tap), what the provider received and reported (the simulator's
//! record) and what the gateway passed back; live mode has the first and the
//! last.

use anyhow::{Context as _, ensure};
use compat_core::driver::Transcript;
use compat_harness::Ctx;
use compat_matrix::classify::NoVerdict;
use serde_json::Value;

/// How the one-hour cache is asked for (an environment variable of the CLI).
const TTL_ENV: (&str, &str) = ("CLAUDE_CODE_PROMPT_CACHE_TTL", "1h");

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    // The same prompt and folders both times: the CLI's system prompt
    // varies with both, and only a shared prefix can be read back.
    let prompt = format!(
        "Reply with exactly `cached-1h-{}` and nothing else.",
        ctx.nonce()
    );
    let project = tempfile::tempdir()?;
    let claude = || -> anyhow::Result<_> {
        Ok(ctx
            .claude()?
            .session_dir(project.path())
            .env(TTL_ENV.0, TTL_ENV.1)
            .prompt(&prompt))
    };
    let first = ctx.run(&claude()?)?;
    first.ensure_success().context("first run")?;
    let second = ctx.run(&claude()?)?;
    second.ensure_success().context("second run")?;

    let sent_1h: usize = ctx
        .gateway_requests()
        .iter()
        .map(|r| markers(&r.body).1)
        .sum();
    if sent_1h == 0 {
        // Not the gateway's doing: the CLI did not ask for the hour.
        return Err(NoVerdict(format!(
            "the CLI sent no cache marker with ttl 1h although {}={} was set: nothing to judge the \
             gateway on (did the CLI's setting change?)",
            TTL_ENV.0, TTL_ENV.1
        ))
        .into());
    }
    let u1 = result_usage(&first);
    let (five, hour) = buckets(&u1);
    if hour == 0 {
        let what = if five > 0 {
            format!(
                "the first run's cache write was reported in the 5-minute bucket \
                 (ephemeral_5m_input_tokens = {five}, ephemeral_1h_input_tokens = 0): the 1-hour TTL was lost"
            )
        } else if u1["cache_creation_input_tokens"].as_u64().unwrap_or(0) > 0 {
            format!(
                "the first run reported a cache write of {} token(s) without its TTL breakdown \
                 (usage.cache_creation is {}): the 1-hour bucket was lost",
                u1["cache_creation_input_tokens"], u1["cache_creation"]
            )
        } else {
            "the first run reported no cache write at all (cache_creation_input_tokens = 0)"
                .to_owned()
        };
        anyhow::bail!("{what}; {}. usage: {u1}", diagnose(ctx, sent_1h));
    }
    let u2 = result_usage(&second);
    ensure!(
        u2["cache_read_input_tokens"].as_u64().unwrap_or(0) > 0,
        "the second run did not read the 1-hour cache the first one wrote \
         (cache_read_input_tokens = 0); {}. (first run: {u1}; second: {u2})",
        diagnose(ctx, sent_1h)
    );
    Ok(())
}

/// The `usage` of the CLI's result line, as printed (with `cache_creation`).
fn result_usage(t: &Transcript) -> Value {
    t.raw_lines
        .iter()
        .rev()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["type"] == "result")
        .map(|v| v["usage"].clone())
        .unwrap_or(Value::Null)
}

/// (five-minute, one-hour) cache write figures of a usage object.
fn buckets(usage: &Value) -> (u64, u64) {
    let c = &usage["cache_creation"];
    (
        c["ephemeral_5m_input_tokens"].as_u64().unwrap_or(0),
        c["ephemeral_1h_input_tokens"].as_u64().unwrap_or(0),
    )
}

/// (cache markers, of which with `ttl: "1h"`) in a body of any dialect:
/// Anthropic `cache_control`, Converse `cachePoint`.
fn markers(body: &Value) -> (usize, usize) {
    match body {
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| {
                if k == "cache_control" || k == "cachePoint" {
                    (1, usize::from(v["ttl"] == "1h"))
                } else {
                    markers(v)
                }
            })
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
        Value::Array(items) => items
            .iter()
            .map(markers)
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
        _ => (0, 0),
    }
}

/// Where the hour was lost: on the way in (the markers), at the provider,
/// or on the way back (the usage breakdown).
fn diagnose(ctx: &Ctx, sent_1h: usize) -> String {
    let sum_buckets = |usages: Vec<Option<&Value>>| {
        usages
            .into_iter()
            .flatten()
            .map(buckets)
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    };
    let tapped = ctx.gateway_requests();
    let (gw_5m, gw_1h) = sum_buckets(tapped.iter().map(|r| r.usage.as_ref()).collect());
    if ctx.sim().is_none() {
        return format!(
            "the CLI sent {sent_1h} cache marker(s) with ttl 1h through the gateway, which reported \
             {gw_1h} token(s) written for 1 hour and {gw_5m} for 5 minutes; live mode cannot see the \
             provider's side"
        );
    }
    let upstream = ctx.sim_requests();
    let (received, received_1h) = upstream
        .iter()
        .map(|r| markers(&r.body))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let (pr_5m, pr_1h) = sum_buckets(upstream.iter().map(|r| r.usage.as_ref()).collect());
    if received_1h == 0 {
        format!(
            "the gateway dropped the 1-hour TTL on the way in: the CLI sent {sent_1h} cache marker(s) \
             with ttl 1h, the provider received {received} marker(s) and none with ttl 1h, so it \
             cached for its default 5 minutes (LiteLLM #20326)"
        )
    } else if pr_1h > 0 && gw_1h == 0 {
        format!(
            "the 1-hour breakdown was lost on the way back: the provider received {received_1h} \
             marker(s) with ttl 1h and reported {pr_1h} token(s) written for 1 hour, the gateway \
             passed on {gw_1h} for 1 hour and {gw_5m} for 5 minutes"
        )
    } else if pr_1h == 0 {
        format!(
            "the provider received {received_1h} marker(s) with ttl 1h but wrote nothing for 1 hour \
             ({pr_5m} token(s) for 5 minutes): the markers the gateway sent were not ones it could \
             cache on (placement or prefix length)"
        )
    } else {
        format!(
            "the provider wrote {pr_1h} token(s) for 1 hour and the gateway passed on {gw_1h}, but \
             not in the figures the CLI reads"
        )
    }
}

compat_harness::sim_fault_test!(
    name = "dropped_ttl_turns_cell_red",
    provider = Anthropic,
    run = dropped_ttl,
    live_visible = true
);

fn dropped_ttl(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::DropCacheTtl, run)?;
    // Where the route passes the provider's breakdown back (Anthropic) the
    // write shows in the 5-minute bucket; where it does not (LiteLLM's
    // Converse route), without a breakdown. Either way the error must say
    // the hour was lost on the way in.
    ensure!(
        (error.contains("reported in the 5-minute bucket")
            || error.contains("without its TTL breakdown"))
            && (compat_harness::judged_live(ctx)
                || error.contains("dropped the 1-hour TTL on the way in")),
        "the error does not say that the 1-hour TTL was lost on the way in: {error}"
    );
    Ok(())
}

// Bedrock Invoke carries the TTL in the Anthropic body it wraps: the same
// loss must read the same there. (This test ran on Converse, whose
// `cachePoint.ttl` is the other form, until issue 23; that cell is red
// without a fault, LiteLLM's Converse route losing the TTL breakdown on the
// way back, so the test could not fail there and the fault tests' guard
// refuses it. Move it back once that cell passes.)
compat_harness::sim_fault_test!(
    name = "dropped_ttl_turns_bedrock_invoke_red",
    provider = BedrockInvoke,
    run = dropped_ttl,
    live_visible = true
);
