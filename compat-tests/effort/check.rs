//! effort: `claude --effort max` reaches the provider as the provider
//! expects it (`output_config.effort` in the Anthropic body of Anthropic,
//! Bedrock Invoke, Vertex AI and Azure; `additionalModelRequestFields.
//! output_config.effort` on Bedrock Converse), and the provider accepts it.
//! LiteLLM #23971, #26423 and #27074 each dropped it on some route.
//!
//! Effort is a model feature of Sonnet 4.6 and Opus 4.7 (both take `max`);
//! Claude Haiku 4.5 has none (Anthropic's effort docs,
//! https://platform.claude.com/docs/en/build-with-claude/effort, and the
//! API's 400 "This model does not support the effort parameter."), and the
//! CLI sends no `output_config` for it: its trials are not_applicable
//! ([`NO_EFFORT`]), and a cell aggregates over the models that have it.
//!
//! What it asserts, by mode:
//! - both: the run succeeds with the token it was asked for (the provider
//!   accepted the level, e.g. no 400 for a level it does not take, no
//!   gateway-side rejection), and the tap shows the CLI sent
//!   `output_config.effort: "max"` through the gateway (so the row cannot
//!   pass vacuously should the CLI stop sending it).
//! - sim: the simulator's record shows `max` where the provider reads it,
//!   and where the CLI's output shows the model's thinking naming its
//!   effort (the scripted model does, as a real model thinks longer at
//!   higher effort) it names `max`. Thinking blocks reaching the CLI are
//!   the extended_thinking row's to judge: with none, the record decides
//!   alone. Live mode cannot see the provider's side of the
//!   request: a gateway that drops effort silently (the provider then runs
//!   at its default, `high`) is caught in sim mode only.
//!
//! On GPT models (the `openai` and `azure_openai` columns) the CLI sends the
//! same `output_config.effort` (it treats GPT as an unknown model, captured:
//! docs/research/openai-columns-2026-12-06.md section 4), and OpenAI reads
//! the level as `reasoning.effort` (Responses) or `reasoning_effort` (Chat
//! Completions), whose values include `max` (OpenAI's OpenAPI spec,
//! `ReasoningEffort`). The provider must get the level the CLI asked for
//! there; a gateway that maps it to another level is red, naming both.

use anyhow::{Context as _, bail, ensure};
use compat_harness::Ctx;
use serde_json::Value;

/// The level asked for: the highest both effort models accept, so that a
/// gateway clamping it (LiteLLM has per-model effort ceilings on Bedrock)
/// or dropping it is visible (the default is `high`).
const LEVEL: &str = "max";

/// The models without the effort parameter: their trials are not_applicable.
pub const NO_EFFORT: &[(&str, &str)] = &[(
    "claude-haiku-4-5",
    "Claude Haiku 4.5 has no effort parameter (https://platform.claude.com/docs/en/build-with-claude/effort \
     lists the models that do; the API answers 400 \"This model does not support the effort \
     parameter.\"), and the CLI sends none for it.",
)];

compat_harness::feature!(run = run, not_applicable_for = NO_EFFORT);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let token = format!("effort-{}", ctx.nonce());
    let claude = ctx
        .claude()?
        .option("--effort", LEVEL)
        .prompt(format!("Reply with exactly `{token}` and nothing else."));
    let t = ctx.run(&claude)?;
    t.ensure_success().with_context(|| {
        format!("the run with --effort {LEVEL} failed (a 400 here means the provider refused the effort the gateway sent)")
    })?;
    ensure!(
        t.final_text.contains(&token),
        "the answer does not carry the token `{token}`: {:?}",
        t.final_text
    );

    let tapped = ctx.gateway_requests();
    let sent: Vec<Option<String>> = tapped
        .iter()
        .map(|r| effort_at(&r.body, "/output_config/effort"))
        .collect();
    // What each of the trial's requests got from the gateway: a CLI that
    // drops effort after an error answer says who refused it.
    let answers: Vec<String> = tapped
        .iter()
        .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
        .collect();
    ensure!(!sent.is_empty(), "the tap saw no request of this trial");
    ensure!(
        sent.iter().all(|e| e.as_deref() == Some(LEVEL)),
        "{}: the CLI did not send output_config.effort = {LEVEL:?} in every request through the \
         gateway (it sent {sent:?}; the gateway answered {answers:?}){}",
        ctx.model_id(),
        refusals(ctx)
    );

    if ctx.sim().is_none() {
        return Ok(());
    }
    let upstream = ctx.sim_requests();
    ensure!(
        !upstream.is_empty(),
        "the provider received no request of this trial"
    );
    let got: Vec<Option<String>> = upstream.iter().map(provider_effort).collect();
    if let Some(lost) = got.iter().find(|e| e.as_deref() != Some(LEVEL)) {
        bail!(
            "the effort was lost on the way: the CLI sent output_config.effort = {LEVEL:?}, the provider got {} \
             (where it reads it: {}){}",
            lost.as_deref()
                .map_or("none".to_owned(), |l| format!("{l:?}")),
            where_read(ctx),
            gpt_evidence(ctx)
        );
    }
    // The model's own word on its effort comes in its thinking, and whether
    // thinking blocks reach the CLI is the extended_thinking row's data: a
    // gateway that drops them must not make this row red (issue 23). So the
    // provider's record above decides, and the thinking only contradicts it
    // when it names another level.
    let Some(ran_at) = t.thinking.iter().find_map(|b| reported_effort(&b.thinking)) else {
        return Ok(());
    };
    ensure!(
        ran_at == LEVEL,
        "the effort was lost before the model: the CLI sent output_config.effort = {LEVEL:?} and the provider's \
         request carried it, but the model ran at `{ran_at}` (its thinking: {:?})",
        t.thinking.iter().map(|b| &b.thinking).collect::<Vec<_>>()
    );
    Ok(())
}

/// Why the provider refused requests of this trial (sim mode), for an error
/// where the CLI retried without effort: Claude Code drops its optional
/// request features after a 400, so the refusal, not the effort, is the
/// finding (e.g. a beta the gateway forwarded and the provider does not
/// accept).
fn refusals(ctx: &Ctx) -> String {
    let mut seen = std::collections::BTreeSet::new();
    let said: Vec<String> = ctx
        .sim_requests()
        .iter()
        .filter(|r| r.status >= 400)
        .filter_map(|r| r.rejection.clone())
        .filter(|m| seen.insert(m.clone()))
        .map(|m| format!("`{m}`"))
        .collect();
    if said.is_empty() {
        "; if an error answer came first, the CLI dropped the effort after the gateway refused it"
            .to_owned()
    } else {
        format!(
            "; the CLI dropped the effort in its retries after the provider refused what the \
             gateway sent: {} (see the beta_headers row)",
            said.join("; ")
        )
    }
}

/// The effort in a request body as the simulated provider reads it: the
/// Anthropic dialects' `output_config.effort` (Converse's under
/// `additionalModelRequestFields`), OpenAI's `reasoning.effort` (Responses)
/// or `reasoning_effort` (Chat Completions). A body carries one dialect's.
fn provider_effort(r: &compat_sim::RecordedRequest) -> Option<String> {
    effort_at(&r.body, "/output_config/effort")
        .or_else(|| {
            effort_at(
                &r.body,
                "/additionalModelRequestFields/output_config/effort",
            )
        })
        .or_else(|| effort_at(&r.body, "/reasoning/effort"))
        .or_else(|| effort_at(&r.body, "/reasoning_effort"))
}

fn effort_at(body: &Value, pointer: &str) -> Option<String> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// On a GPT column the red rests on a per-model fact only a live probe
/// settles: the message says so, so that the page does too.
fn gpt_evidence(ctx: &Ctx) -> &'static str {
    if ctx.model_family().is_claude() {
        return "";
    }
    ". LiteLLM lowers a level its model map does not list for the model to the nearest one \
     (gpt-5.6-*: `supports_xhigh_reasoning_effort`, no max); OpenAI's API reference lists `max` \
     among the reasoning efforts, and that GPT-5.6 takes it is the simulator's inferred rule \
     responses.reasoning_effort_values (to be probed live)"
}

fn where_read(ctx: &Ctx) -> &'static str {
    if !ctx.model_family().is_claude() {
        return "reasoning.effort (Responses) or reasoning_effort (Chat Completions) in the body";
    }
    match ctx.provider().id() {
        "bedrock_converse" => "additionalModelRequestFields.output_config.effort",
        _ => "output_config.effort in the body",
    }
}

/// The level the scripted model says it ran at: "... (effort: max)".
fn reported_effort(thinking: &str) -> Option<String> {
    let rest = &thinking[thinking.rfind("(effort: ")? + "(effort: ".len()..];
    Some(rest[..rest.find(')')?].to_owned())
}

compat_harness::sim_fault_test!(
    name = "stripped_effort_turns_cell_red",
    provider = VertexAi,
    run = stripped_effort,
    live_visible = false,
    why = "observed in a rehearsal (sonnet-4.6), as the check's live branch reads: the provider accepts the request without effort and runs at its default; the level it received shows only in the simulator's record"
);

fn stripped_effort(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::StripEffort, run)?;
    ensure!(
        error.contains("the effort was lost") && error.contains("`default`"),
        "the error does not say the effort was lost (sent max, ran at the default): {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "dropped_thinking_leaves_cell_green",
    provider = VertexAi,
    run = dropped_thinking,
    live_visible = false,
    why = "as in sim: the effort row's live branch reads the run's success and the tap, not the thinking blocks (extended_thinking's data), so the loss leaves it green"
);

/// A gateway that drops the thinking blocks on the way back (the
/// extended_thinking row's `dropped_thinking_turns_cell_red` is red under
/// the same loss) must not make this row red: the provider received `max`
/// (its record). Before issue 23 this row read the model's effort from the
/// thinking the CLI got and said "the model ran at `no thinking at all`".
fn dropped_thinking(ctx: &Ctx) -> anyhow::Result<()> {
    compat_harness::green_cell_under_faults(
        ctx,
        &[compat_sim::Fault::DropThinking],
        "the thinking blocks dropped on the way back",
        run,
    )
}
