//! beta_headers: every `anthropic-beta` the CLI sends reaches the provider in
//! the form that provider accepts (the header for Anthropic and Azure, the
//! body's `anthropic_beta` for Bedrock Invoke, Converse's
//! `additionalModelRequestFields.anthropic_beta`, header or body for Vertex),
//! or is dropped where the provider does not support it.
//!
//! Sim mode: one ordinary run (Claude Code's default tools and thinking make
//! it send its full set, 6 or 7 betas per model, docs/rows/beta_headers.md).
//! The simulators accept exactly each provider's betas
//! (`compat_sim::betas`, with sources) and refuse the rest in the provider's
//! words, so a gateway forwarding an unsupported beta fails as in
//! production. The check then compares, per beta, what the CLI sent (the tap)
//! with what the provider read (the simulator's record): forwarded but
//! unsupported → the provider's refusal quoted; supported but missing →
//! "lost".
//!
//! Live mode: the providers' side is not visible. It asserts that the run
//! succeeds, that the CLI sent `anthropic-beta` through the gateway, and
//! that no request of the trial was answered with a beta refusal (an
//! unsupported beta forwarded upstream comes back as the provider's 400); a
//! supported beta the gateway dropped cannot be seen there.

use anyhow::{Context as _, bail, ensure};
use compat_sim::betas;
use compat_tests::Ctx;

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let prompt = format!(
        "Reply with exactly `betas-{}` and nothing else.",
        ctx.nonce()
    );
    let project = tempfile::tempdir()?;
    let transcript = ctx.run(&ctx.claude()?.session_dir(project.path()).prompt(&prompt));
    let tapped = ctx.gateway_requests();
    // On a pass-through column the CLI's Messages call is the provider's own
    // (`/vertex_ai/...:streamRawPredict`, `/bedrock/model/.../invoke...`).
    let route = ctx.provider().passthrough_route().unwrap_or("/v1/messages");
    let first = tapped
        .iter()
        .find(|r| {
            r.method == "POST"
                && (r.path.contains("/v1/messages") || r.path.starts_with(route))
                && !r.path.contains("count_tokens")
                && !r.path.contains("count-tokens")
        })
        .context("no Messages request of this trial crossed the tap")?;
    let sent: Vec<String> = first
        .anthropic_beta
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_owned)
        .collect();
    let refused_by_provider = judge_refusals(ctx)?;
    // A beta forwarded where it is refused fails the run; say which beta
    // before the CLI's own words.
    ensure!(
        refused_by_provider.is_empty(),
        "{}",
        refused_by_provider.join("; ")
    );
    let transcript = transcript?;
    transcript.ensure_success().context("the run failed")?;
    ensure!(
        !sent.is_empty(),
        "the CLI sent no anthropic-beta header through the gateway (expected its 6-7 betas)"
    );
    let Some(api) = ctx.sim().map(|_| compat_tests::sim::api(ctx.provider())) else {
        return Ok(());
    };
    let upstream = ctx.sim_requests();
    let (got, received) = upstream
        .iter()
        .find_map(|r| r.betas.clone().map(|b| (b, r.body.clone())))
        .context("the provider received no Messages request of this trial")?;
    let mut lost = Vec::new();
    for beta in &sent {
        let Some(form) = betas::provider_form(api, beta) else {
            continue; // unsupported there: dropping it is right
        };
        if got.iter().any(|g| g == form) || !needed(beta, &received) {
            continue;
        }
        let shown = if form == beta {
            format!("`{beta}`")
        } else {
            format!("`{beta}` (as `{form}`)")
        };
        lost.push(shown);
    }
    if !lost.is_empty() {
        bail!(
            "lost: {} (sent by the CLI, supported by {}) never reached the provider, though the \
             request it got uses the feature; the provider read {got:?}",
            lost.join(", "),
            ctx.provider().id()
        );
    }
    Ok(())
}

/// Whether the request the provider received uses the feature `beta` gates.
/// A supported beta is lost only then: when the gateway removed the feature's
/// field together with its beta, the provider gets a consistent request, and
/// the feature's own row (effort, extended thinking, ...) judges that loss.
/// Betas with no field of their own (claude-code, thinking-token-count,
/// context-1m) are always needed.
fn needed(beta: &str, received: &serde_json::Value) -> bool {
    let text = received.to_string();
    let thinking = received
        .get("thinking")
        .or_else(|| received["additionalModelRequestFields"].get("thinking"));
    match beta {
        // With adaptive thinking, interleaved thinking is on without the beta
        // (https://docs.claude.com/en/docs/build-with-claude/adaptive-thinking);
        // with budget thinking it needs the beta.
        "interleaved-thinking-2025-05-14" => {
            thinking.and_then(|t| t["type"].as_str()) == Some("enabled")
        }
        "context-management-2025-06-27" => text.contains("\"context_management\""),
        "advanced-tool-use-2025-11-20" | "tool-search-tool-2025-10-19" => {
            text.contains("\"defer_loading\"")
        }
        "effort-2025-11-24" => text.contains("\"effort\""),
        "thinking-display-updates-2026-08-18" => {
            thinking.is_some_and(|t| t.get("display").is_some())
        }
        _ => true,
    }
}

/// The trial's requests the provider refused for their betas, each with the
/// betas at fault and the provider's words (sim mode); in live mode the
/// gateway's answers that quote a beta refusal.
fn judge_refusals(ctx: &Ctx) -> anyhow::Result<Vec<String>> {
    let Some(_) = ctx.sim() else {
        let refused: Vec<String> = ctx
            .gateway_requests()
            .iter()
            .filter(|r| r.status >= 400)
            .map(|r| format!("the gateway answered {} to a Messages request", r.status))
            .collect();
        ensure!(
            refused.is_empty(),
            "{} (an unsupported beta forwarded upstream comes back this way; see the gateway log)",
            refused.join("; ")
        );
        return Ok(Vec::new());
    };
    let api = compat_tests::sim::api(ctx.provider());
    Ok(ctx
        .sim_requests()
        .iter()
        .filter_map(|r| {
            let bad: Vec<&String> = r
                .betas
                .as_ref()?
                .iter()
                .filter(|b| !betas::accepts(api, b))
                .collect();
            if bad.is_empty() {
                return None;
            }
            Some(format!(
                "forwarded unsupported: the gateway sent {} to {}, which answered {} `{}`",
                bad.iter()
                    .map(|b| format!("`{b}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                ctx.provider().id(),
                r.status,
                r.rejection.as_deref().unwrap_or("")
            ))
        })
        .collect())
}

compat_tests::sim_fault_test!(
    name = "unsupported_beta_forwarded_turns_cell_red",
    provider = "bedrock_invoke",
    run = forwarded
);

fn forwarded(ctx: &Ctx) -> anyhow::Result<()> {
    let fault = compat_sim::Fault::AddBeta("mcp-servers-2025-12-04".into());
    let error = compat_tests::red_cell_under_fault(ctx, fault, run)?;
    ensure!(
        error.contains("mcp-servers-2025-12-04") && error.contains("invalid beta flag"),
        "the error does not name the forwarded beta and quote Bedrock's refusal: {error}"
    );
    Ok(())
}

compat_tests::sim_fault_test!(
    name = "stripped_beta_shows_lost",
    provider = "anthropic",
    run = stripped
);

fn stripped(ctx: &Ctx) -> anyhow::Result<()> {
    let fault = compat_sim::Fault::StripBeta("context-management-2025-06-27".into());
    let error = compat_tests::red_cell_under_fault(ctx, fault, run)?;
    ensure!(
        error.contains("lost") && error.contains("context-management-2025-06-27"),
        "the error does not say the stripped beta was lost: {error}"
    );
    Ok(())
}
