//! beta_headers: every `anthropic-beta` the CLI sends reaches the provider in
//! the form that provider accepts (the header for Anthropic and Azure, the
//! body's `anthropic_beta` for Bedrock Invoke, Converse's
//! `additionalModelRequestFields.anthropic_beta`, header or body for Vertex),
//! or is dropped where the provider does not support it.
//!
//! What the CLI sent is read as its mode sends it: on `/v1/messages` columns
//! (and the Foundry pass-through) the `anthropic-beta` header; in its native
//! Bedrock mode (bedrock_passthrough) the header and the body's
//! `anthropic_beta`; in its native Vertex mode the header (docs/rows/
//! beta_headers.md has the captures). The model call is the first POST to
//! `.../v1/messages`, `.../model/{id}/invoke[-with-response-stream]` or
//! `...:[stream]rawPredict`.
//!
//! Sim mode: one ordinary run (Claude Code's default tools and thinking make
//! it send its full set, docs/rows/beta_headers.md). The simulators accept
//! exactly each provider's betas (`compat_sim::betas`, with sources) and
//! refuse the rest in the provider's words, so a gateway forwarding an
//! unsupported beta fails as in production. The check then compares, per
//! beta, what the CLI sent (the tap) with what the provider read (the
//! simulator's record): forwarded but unsupported → the provider's refusal
//! quoted; supported, offered for the model, needed by the request the
//! provider got, but under none of its accepted names → "lost".
//!
//! Live mode: the providers' side is not visible. It asserts that the run
//! succeeds, that the CLI sent betas through the gateway, and that no
//! request of the trial was answered with a 4xx (an unsupported beta
//! forwarded upstream comes back as the provider's 400); a supported beta
//! the gateway dropped cannot be seen there.
//!
//! GPT models (the `openai` and `azure_openai` columns, issue 29): the CLI
//! sends its full beta set, plus `mid-conversation-tool-changes-2026-07-01`,
//! and puts its environment block in a `role: "system"` message inside
//! `messages` (captured: docs/research/openai-columns-2026-12-06.md section
//! 4). OpenAI's APIs have no betas: sim mode asserts that no
//! `anthropic-beta` (header or body) reached the provider, and judges the
//! feature the extra beta stands for where it crosses: each mid-conversation
//! system message must reach the model as a system or developer message
//! (a system instruction delivered as user text loses its authority).

use anyhow::{Context as _, bail, ensure};
use compat_harness::Ctx;
use compat_harness::relay::TapRecord;
use compat_sim::betas;
use serde_json::Value;

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let prompt = format!(
        "Reply with exactly `betas-{}` and nothing else.",
        ctx.nonce()
    );
    let project = tempfile::tempdir()?;
    let transcript = ctx.run(&ctx.claude()?.session_dir(project.path()).prompt(&prompt));
    let model = ctx.model_id().to_owned();
    let tapped = ctx.gateway_requests();
    let first = tapped.iter().find(|r| is_model_call(r)).with_context(|| {
        format!(
            "{model}: no model call of this trial crossed the tap (saw {:?})",
            tapped
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect::<Vec<_>>()
        )
    })?;
    let sent = cli_betas(first);
    let refused_by_provider = judge_refusals(ctx)?;
    // A beta forwarded where it is refused fails the run; say which beta
    // before the CLI's own words.
    ensure!(
        refused_by_provider.is_empty(),
        "{model}: {}",
        refused_by_provider.join("; ")
    );
    let transcript = transcript?;
    transcript.ensure_success().context("the run failed")?;
    ensure!(
        !sent.is_empty(),
        "{model}: the CLI sent no beta through the gateway (no `anthropic-beta` header, no body \
         `anthropic_beta`; expected its usual set)"
    );
    let Some(api) = ctx
        .sim()
        .map(|_| compat_harness::column::api(ctx.provider()))
    else {
        return Ok(());
    };
    if !ctx.model_family().is_claude() {
        return judge_gpt(ctx, &sent, first);
    }
    let upstream = ctx.sim_requests();
    let (got, received) = upstream
        .iter()
        .find_map(|r| r.betas.clone().map(|b| (b, r.body.clone())))
        .with_context(|| format!("{model}: the provider received no model call of this trial"))?;
    let mut lost = Vec::new();
    for beta in &sent {
        let forms = betas::provider_forms(api, beta);
        if forms.is_empty() || !betas::offered_for_model(api, beta, &model) {
            continue; // unsupported there: dropping it is right
        }
        if forms.iter().any(|f| got.iter().any(|g| g == f)) || !needed(beta, &received) {
            continue;
        }
        let shown = if forms == [beta.as_str()] {
            format!("`{beta}`")
        } else {
            format!("`{beta}` (accepted there as {})", forms.join(" or "))
        };
        lost.push(shown);
    }
    if !lost.is_empty() {
        bail!(
            "{model}: lost: {} (sent by the CLI, accepted by {}) never reached the provider, though \
             the request it got uses the feature; the provider read {got:?}",
            lost.join(", "),
            ctx.provider().id()
        );
    }
    Ok(())
}

/// The beta the CLI adds for a model it does not know (GPT), standing for the
/// `role: "system"` messages it then puts inside `messages` (captured).
const MID_CONVERSATION: &str = "mid-conversation-tool-changes-2026-07-01";

/// Sim mode on a GPT column: no Anthropic beta reached the provider, and the
/// CLI's mid-conversation system messages reached the model as system or
/// developer messages.
fn judge_gpt(ctx: &Ctx, sent: &[String], first: &TapRecord) -> anyhow::Result<()> {
    let model = ctx.model_id();
    let upstream = ctx.sim_requests();
    ensure!(
        !upstream.is_empty(),
        "{model}: the provider received no model call of this trial"
    );
    for r in &upstream {
        let header = r.headers.get("anthropic-beta").cloned().unwrap_or_default();
        let body = r.body["anthropic_beta"].to_string();
        ensure!(
            header.is_empty() && r.body.get("anthropic_beta").is_none(),
            "{model}: forwarded to a provider without betas: the gateway sent {} to {} ({} {}), \
             whose API has no Anthropic betas",
            if header.is_empty() {
                format!("the body's anthropic_beta {body}")
            } else {
                format!("the anthropic-beta header `{header}`")
            },
            ctx.provider().id(),
            r.method,
            r.path
        );
    }
    if !sent.iter().any(|b| b == MID_CONVERSATION) {
        return Ok(());
    }
    // The CLI's mid-conversation system messages (its first model call's),
    // looked for in every request of the trial the provider received.
    let system_texts: Vec<String> = first.body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["role"] == "system")
        .map(|m| text_of(&m["content"]))
        .filter(|t| !t.trim().is_empty())
        .collect();
    for text in &system_texts {
        let probe: String = text.trim().chars().take(120).collect();
        // (request, role) of every message that carries it, in every
        // request of the trial (Responses `input`, Chat `messages`); the
        // Responses `instructions` are the system prompt, so carrying it
        // there is as a system message.
        let carriers: Vec<(&compat_sim::RecordedRequest, String)> = upstream
            .iter()
            .flat_map(|r| {
                let mut items = r.body["input"]
                    .as_array()
                    .or_else(|| r.body["messages"].as_array())
                    .cloned()
                    .unwrap_or_default();
                if let Some(i) = r.body["instructions"].as_str() {
                    items.push(serde_json::json!({"role": "system", "content": i}));
                }
                items
                    .into_iter()
                    .filter(|m| text_of(&m["content"]).contains(&probe))
                    .map(move |m| (r, m["role"].as_str().unwrap_or("none").to_owned()))
            })
            .collect();
        let wrong = carriers
            .iter()
            .find(|(_, role)| !matches!(role.as_str(), "system" | "developer"));
        match (carriers.first(), wrong) {
            (Some(_), None) => {}
            (_, Some((got, role))) => bail!(
                "{model}: `{MID_CONVERSATION}` not honoured: the CLI's mid-conversation system \
                 message ({} characters, beginning {:?}) reached the provider ({} {}) as a `{role}` \
                 message, not as a system or developer instruction",
                text.chars().count(),
                cut(text, 60),
                got.method,
                got.path
            ),
            (None, None) => bail!(
                "{model}: `{MID_CONVERSATION}` not honoured: the CLI's mid-conversation system \
                 message ({} characters, beginning {:?}) reached the provider in none of the \
                 trial's {} request(s) as a message",
                text.chars().count(),
                cut(text, 60),
                upstream.len()
            ),
        }
    }
    Ok(())
}

/// The text of a message's content in any of the dialects: a string, or
/// parts with `text` (Anthropic `text`, OpenAI `input_text` / `text`).
fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// At most `n` characters of `s`.
fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Whether a tapped request is a model call, in any of the CLI's modes:
/// Messages (`/v1/messages`, also the Foundry pass-through's), Bedrock
/// InvokeModel (`/model/{id}/invoke[-with-response-stream]`), Vertex
/// (`...:rawPredict`, `...:streamRawPredict`). Not count_tokens, not the
/// Bedrock mode's `GET /bedrock/inference-profiles`.
fn is_model_call(r: &TapRecord) -> bool {
    let path = r.path.split('?').next().unwrap_or_default();
    r.method == "POST"
        && (path.ends_with("/v1/messages")
            || (path.contains("/model/")
                && (path.ends_with("/invoke") || path.ends_with("/invoke-with-response-stream")))
            || path.ends_with(":rawPredict")
            || path.ends_with(":streamRawPredict"))
}

/// The betas the CLI sent with a model call, where its mode puts them: the
/// `anthropic-beta` header, and the body's `anthropic_beta` (its Bedrock
/// mode puts them there, with `claude-code-20250219` in the header), in
/// order, without duplicates.
fn cli_betas(r: &TapRecord) -> Vec<String> {
    let header = r
        .anthropic_beta
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .map(str::to_owned);
    let body = r.body["anthropic_beta"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b.as_str().map(str::to_owned));
    let mut seen = std::collections::BTreeSet::new();
    header
        .chain(body)
        .filter(|b| !b.is_empty() && seen.insert(b.clone()))
        .collect()
}

/// Whether the request the provider received uses the feature `beta` gates.
/// A supported beta is lost only then: when the gateway removed the feature's
/// field together with its beta, the provider gets a consistent request, and
/// the feature's own row (effort, extended thinking, ...) judges that loss.
fn needed(beta: &str, received: &Value) -> bool {
    let fields = |name: &str| {
        received
            .get(name)
            .or_else(|| received["additionalModelRequestFields"].get(name))
    };
    let thinking = fields("thinking");
    let has_tools = received["tools"].as_array().is_some_and(|t| !t.is_empty())
        || received["toolConfig"]["tools"]
            .as_array()
            .is_some_and(|t| !t.is_empty());
    let text = received.to_string();
    match beta {
        // Interleaved thinking is thinking between tool calls: it is used
        // when budget thinking meets tools. With adaptive thinking it is on
        // without the beta
        // (https://docs.claude.com/en/docs/build-with-claude/adaptive-thinking).
        "interleaved-thinking-2025-05-14" => {
            has_tools && thinking.and_then(|t| t["type"].as_str()) == Some("enabled")
        }
        "context-management-2025-06-27" => fields("context_management").is_some(),
        "advanced-tool-use-2025-11-20" | "tool-search-tool-2025-10-19" => {
            text.contains("\"defer_loading\"")
        }
        "thinking-display-updates-2026-08-18" => {
            thinking.is_some_and(|t| t.get("display").is_some())
        }
        // It gates a count in usage, not a behaviour of the model, and the
        // CLI itself treats it as disposable: after any 400 it retries without
        // it first, in every mode (captured, docs/rows/beta_headers.md). Its
        // loss is not counted; forwarding it where it is refused still is.
        "thinking-token-count-2026-05-13" => false,
        // Effort on Sonnet 4.6 and Opus 4.7 works from `output_config.effort`
        // alone: Claude Code's own Bedrock mode sends `effort-2025-11-24` only
        // as a header, which InvokeModel does not read, and its effort works
        // (captured); the effort row judges whether the level arrived.
        "effort-2025-11-24" => false,
        // Claude Code's marker names the client; no field or behaviour of
        // the request depends on it, so its absence loses nothing a check
        // could show.
        "claude-code-20250219" => false,
        // context-1m and the rest: no field of their own, always needed.
        _ => true,
    }
}

/// Live judgement, on a pass-through column: a refused model call that the
/// CLI resent with only a subset of its own betas, and that then succeeded,
/// is the CLI's native recovery (it drops betas after a 400, as it would
/// talking to the provider directly), not a beta the gateway added: a beta
/// the gateway added would come back on the resend too. (Sim mode reads the
/// simulator's record of which betas were refused instead; a rehearsal on
/// 2026-12-06 found live judgement painting these red on Vertex's and
/// Bedrock's pass-throughs where sim, rightly, did not.)
fn cli_native_retry(ctx: &Ctx, refused: &TapRecord, seen: &[TapRecord]) -> bool {
    if ctx.provider().passthrough_of().is_none() || !is_model_call(refused) {
        return false;
    }
    let before: std::collections::BTreeSet<String> = cli_betas(refused).into_iter().collect();
    seen.iter().any(|r| {
        r.seq > refused.seq && r.path == refused.path && (200..300).contains(&r.status) && {
            let after: std::collections::BTreeSet<String> = cli_betas(r).into_iter().collect();
            after.is_subset(&before) && after != before
        }
    })
}

/// The trial's requests the provider refused for their betas, each with the
/// betas at fault and the provider's words (sim mode); in live mode the
/// gateway's answers that quote a beta refusal.
fn judge_refusals(ctx: &Ctx) -> anyhow::Result<Vec<String>> {
    let Some(_) = ctx.sim() else {
        let seen = ctx.gateway_requests();
        let refused: Vec<String> = seen
            .iter()
            .filter(|r| r.status >= 400 && !cli_native_retry(ctx, r, &seen))
            .map(|r| format!("the gateway answered {} to a Messages request", r.status))
            .collect();
        ensure!(
            refused.is_empty(),
            "{} (an unsupported beta forwarded upstream comes back this way; see the gateway log)",
            refused.join("; ")
        );
        return Ok(Vec::new());
    };
    let api = compat_harness::column::api(ctx.provider());
    // On a pass-through column the CLI speaks the provider's API itself: a
    // beta it put in the provider's own form and the provider refuses is
    // the CLI's native behaviour (it retries without it, as it would talking
    // to the provider directly), not something the gateway forwarded.
    let own: std::collections::BTreeSet<String> = if ctx.provider().passthrough_of().is_some() {
        ctx.gateway_requests()
            .iter()
            .filter(|r| is_model_call(r))
            .flat_map(cli_betas)
            .collect()
    } else {
        Default::default()
    };
    // One line per distinct refusal (the CLI retries a refused request).
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for r in ctx.sim_requests() {
        let Some(got) = r.betas.as_ref() else {
            continue;
        };
        let bad: Vec<String> = got
            .iter()
            .filter(|b| !betas::accepts(api, b) && !own.contains(*b))
            .map(|b| format!("`{b}`"))
            .collect();
        if bad.is_empty() || !seen.insert(bad.clone()) {
            continue;
        }
        let why = if ctx.provider().rust_path() {
            " (LiteLLM's Rust /v1/messages forwards these where its Python path, on the same \
             route, does not)"
        } else {
            ""
        };
        out.push(format!(
            "forwarded unsupported: the gateway sent {} to {}, which does not accept them and \
             answered {} `{}`{why}",
            bad.join(", "),
            ctx.provider().id(),
            r.status,
            r.rejection.as_deref().unwrap_or("")
        ));
    }
    Ok(out)
}

compat_harness::sim_fault_test!(
    name = "unsupported_beta_forwarded_turns_cell_red",
    provider = BedrockInvoke,
    run = forwarded,
    live_visible = true
);

fn forwarded(ctx: &Ctx) -> anyhow::Result<()> {
    let fault = compat_sim::Fault::AddBeta("mcp-servers-2025-12-04".into());
    let error = compat_harness::red_cell_under_fault(ctx, fault, run)?;
    // Live judgement sees the gateway's 4xx, not which beta the provider
    // refused (the simulator's record).
    ensure!(
        compat_harness::judged_live(ctx)
            || (error.contains("mcp-servers-2025-12-04") && error.contains("invalid beta flag")),
        "the error does not name the forwarded beta and quote Bedrock's refusal: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "stripped_beta_shows_lost",
    provider = Anthropic,
    run = stripped,
    live_visible = true
);

fn stripped(ctx: &Ctx) -> anyhow::Result<()> {
    let fault = compat_sim::Fault::StripBeta("context-management-2025-06-27".into());
    let error = compat_harness::red_cell_under_fault(ctx, fault, run)?;
    // Live judgement (a rehearsal, haiku-4.5) sees the provider's 400 to
    // `context_management` without its beta in the tap, not which beta.
    ensure!(
        compat_harness::judged_live(ctx)
            || (error.contains("lost") && error.contains("context-management-2025-06-27")),
        "the error does not say the stripped beta was lost: {error}"
    );
    Ok(())
}
