//! basic_messaging_non_streaming: a plain prompt's answer reaches the CLI
//! through a non-streaming (`stream: false`) request across the gateway.
//!
//! The CLI always streams; it sends a non-streaming request only as a
//! fallback when the streaming endpoint answers 404. A relay in front of the
//! gateway provides that 404 (in sim and live mode alike), so the answer can
//! only have come through a non-streaming request. In sim mode the
//! simulator's record must also show one, answered 200.

use anyhow::{Context as _, ensure};
use compat_harness::Ctx;

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let relay = ctx.non_streaming_relay()?;
    let token = format!("PONG-{}", ctx.nonce());
    let claude = ctx
        .claude_at(&relay.base_url())?
        .prompt(format!("Reply with exactly `{token}` and nothing else."));
    let t = ctx.run(&claude)?;
    t.ensure_success().context("the CLI reported an error")?;
    ensure!(
        t.final_text.contains(&token),
        "the answer does not contain `{token}`: {:?}",
        t.final_text
    );
    let seen = relay.records();
    let refused = seen.iter().filter(|r| r.refused).count();
    let forwarded = seen
        .iter()
        .filter(|r| !r.refused && !r.stream && r.method == "POST" && r.status == 200)
        .count();
    ensure!(
        refused >= 1 && forwarded >= 1,
        "expected the CLI to fall back to a non-streaming request after the relay's 404 \
         (streaming refused: {refused}, non-streaming answered 200 by the gateway: {forwarded})"
    );
    if ctx.sim().is_some() {
        let reqs = ctx.sim_requests();
        ensure!(
            reqs.iter().any(|r| !r.stream && r.status == 200),
            "no non-streaming request reached the {} simulator with status 200; it received: {}",
            ctx.provider().id(),
            describe(&reqs)
        );
    }
    Ok(())
}

pub(crate) fn describe(reqs: &[compat_sim::RecordedRequest]) -> String {
    if reqs.is_empty() {
        return "nothing".into();
    }
    reqs.iter()
        .map(|r| r.describe())
        .collect::<Vec<_>>()
        .join("\n")
}

compat_harness::sim_fault_test!(
    name = "provider_500_leaves_cell_unverified_not_red",
    provider = Anthropic,
    run = non_streaming_500,
    live_visible = true
);

/// The provider answers 500 to this model's non-streaming requests. That is
/// the provider failing, not the gateway: the cell must not turn red, but
/// `unverified`, naming the model and the provider's status.
fn non_streaming_500(ctx: &Ctx) -> anyhow::Result<()> {
    let error =
        compat_harness::unverified_cell_under_fault(ctx, compat_sim::Fault::FailNonStreaming, run)?;
    ensure!(
        error.contains("500"),
        "the error does not carry the upstream status 500: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "claude_platform_aws_500_leaves_cell_unverified_not_red",
    provider = ClaudePlatformAws,
    run = non_streaming_500,
    live_visible = true
);

compat_harness::sim_fault_test!(
    name = "refused_non_streaming_request_turns_cell_red",
    provider = BedrockConverse,
    run = refused_non_streaming,
    live_visible = true
);

/// The provider refuses the gateway's non-streaming request as invalid
/// (400 ValidationException, Bedrock's answer to a body it does not take),
/// as it would a gateway that translates the non-streaming call wrongly. In
/// sim mode a provider's 400 is the gateway's doing: the cell turns red, the
/// error naming the model and quoting the provider. On Converse, where
/// LiteLLM translates the non-streaming call into a different operation
/// (`/converse`, not `/converse-stream`).
fn refused_non_streaming(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::Status(400), run)?;
    ensure!(
        // The provider's error type is quoted from its record in sim mode;
        // live judgement has the CLI's words.
        error.contains("400")
            && (compat_harness::judged_live(ctx) || error.contains("ValidationException")),
        "the error does not carry the provider's 400 ValidationException: {error}"
    );
    Ok(())
}
