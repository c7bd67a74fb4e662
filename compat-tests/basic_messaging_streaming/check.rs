//! basic_messaging_streaming: the answer arrives as a real stream through the
//! gateway: several text deltas, in order, whose concatenation is the final
//! text, read as they come (the first well before the end), ending cleanly.
//!
//! The CLI's silent non-streaming fallback is turned off
//! (`CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK=1`): with it on, a broken
//! stream would be masked by a non-streaming retry and the cell would lie.

use anyhow::{Context as _, ensure};
use compat_tests::Ctx;

const COUNT_TO: u32 = 30;

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let claude = ctx
        .claude()?
        .partial_messages(true)
        .env("CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK", "1")
        .prompt(format!(
            "Count from 1 to {COUNT_TO}, separated by single spaces. Reply with the numbers only. ({})",
            ctx.nonce()
        ));
    let t = ctx.run(&claude)?;
    t.ensure_success().context("the CLI reported an error")?;

    let deltas: Vec<(u64, String)> = t
        .stream_events
        .iter()
        .filter(|e| {
            e.event["type"] == "content_block_delta" && e.event["delta"]["type"] == "text_delta"
        })
        .map(|e| {
            (
                e.at_ms,
                e.event["delta"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    ensure!(
        deltas.len() >= 2,
        "expected several text deltas, got {}: {:?}",
        deltas.len(),
        deltas
    );
    let joined: String = deltas.iter().map(|(_, d)| d.as_str()).collect();
    ensure!(
        joined.trim() == t.final_text.trim(),
        "the deltas do not add up to the final text:\n deltas: {joined:?}\n final:  {:?}",
        t.final_text
    );
    let numbers: Vec<u32> = t
        .final_text
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    let want: Vec<u32> = (1..=COUNT_TO).collect();
    ensure!(
        numbers == want,
        "expected the numbers 1..{COUNT_TO} in order, got {:?}",
        t.final_text
    );

    let (first, last) = (deltas[0].0, deltas[deltas.len() - 1].0);
    ensure!(
        last > first,
        "all {} deltas arrived at the same moment ({first} ms): the gateway buffered the stream",
        deltas.len()
    );
    ensure!(
        t.stream_events
            .iter()
            .any(|e| e.event["type"] == "message_stop"),
        "the stream did not end with message_stop"
    );
    if ctx.sim().is_some() {
        let reqs = ctx.sim_requests();
        ensure!(
            !reqs.is_empty() && reqs.iter().all(|r| r.stream),
            "expected only streaming requests upstream; the simulator received: {}",
            describe(&reqs)
        );
    }
    Ok(())
}

fn describe(reqs: &[compat_core::sim::RecordedRequest]) -> String {
    if reqs.is_empty() {
        return "nothing".into();
    }
    reqs.iter()
        .map(|r| r.describe())
        .collect::<Vec<_>>()
        .join("\n")
}

compat_tests::sim_fault_test!(
    name = "broken_stream_framing_turns_cell_red",
    provider = "anthropic",
    run = broken_framing
);

fn broken_framing(ctx: &Ctx) -> anyhow::Result<()> {
    compat_tests::red_cell_under_fault(ctx, compat_core::sim::Fault::BreakStreamFraming, run)?;
    Ok(())
}
