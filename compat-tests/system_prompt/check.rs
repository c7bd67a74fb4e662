//! system_prompt: what shapes Claude Code's behaviour reaches the model as
//! instructions, intact. Two per-trial instructions, one through each
//! channel the CLI has (captured from claude 2.1.331, see
//! docs/rows/system_prompt.md):
//! - `--append-system-prompt`: the CLI appends it to the end of its main
//!   system block (the ~28k-character one that carries `cache_control`);
//! - the project's `CLAUDE.md`: the CLI sends it in a `<system-reminder>`
//!   text block of the first user turn.
//!
//! Pass (both modes): the answer obeys both (it begins with the first
//! token and ends with the second; we assert that both are in it, which a
//! real model does as reliably as the scripted one). A gateway that drops or
//! truncates the system prompt loses the appended instruction, whose place
//! at the very end of the longest block makes it the first casualty of any
//! cut.
//!
//! Sim mode also asserts the system prompt's shape at the provider: every
//! system text the CLI sent (but its billing line) arrived verbatim, as a
//! list of blocks, with a cache breakpoint; a gateway that flattens the
//! blocks into one string or drops their `cache_control` is red there
//! (the system prompt is then no longer cached). Live mode cannot see the
//! provider's request; its errors say what the CLI sent through the gateway.
//!
//! On GPT models (issue 29) the provider's request is OpenAI's: the system
//! prompt arrives as the Responses `instructions` (a string, by OpenAI's
//! API) and system or developer messages (Chat Completions: system
//! messages), the CLAUDE.md text in a user message ([`gpt_view`]). Sim mode
//! then asserts that every system text the CLI sent (but its billing line)
//! arrived verbatim among the system instructions; the blocks' shape and
//! their `cache_control` are Anthropic's and are not asked of this wire
//! (caching is prompt_caching_5m's row there).

use anyhow::{Context as _, bail};
use compat_harness::Ctx;
use compat_matrix::classify::NoVerdict;
use serde_json::Value;

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let n = ctx.nonce();
    let appended = format!("Always begin your answer with the token `SYS-{n}`.");
    let claude_md = format!("Always end your answer with the token `MD-{n}`.");
    let project = tempfile::tempdir()?;
    // The CLI works in `work/` of its session folder and reads CLAUDE.md there.
    let work = project.path().join("work");
    std::fs::create_dir_all(&work)?;
    std::fs::write(
        work.join("CLAUDE.md"),
        format!("# Project rules\n\n{claude_md}\n"),
    )
    .context("writing the project's CLAUDE.md")?;
    let t = ctx.run(
        &ctx.claude()?
            .session_dir(project.path())
            .append_system_prompt(&appended)
            .prompt(format!("Greet me in one short sentence. (request {n})")),
    )?;
    t.ensure_success()?;

    let tapped = ctx.gateway_requests();
    let Some(sent) = tapped.first().map(|r| &r.body) else {
        return Err(NoVerdict("the tap saw no request of this trial".into()).into());
    };
    if !texts(&sent["system"]).contains(&appended) {
        return Err(NoVerdict(format!(
            "the CLI did not put the --append-system-prompt text in its system prompt: nothing to \
             judge the gateway on (did the CLI change where it sends it?). system: {}",
            cut(&texts(&sent["system"]), 300)
        ))
        .into());
    }
    if !texts(&sent["messages"]).contains(&claude_md) {
        return Err(NoVerdict(
            "the CLI did not send the project's CLAUDE.md: nothing to judge the gateway on".into(),
        )
        .into());
    }

    let answer = &t.final_text;
    let mut lost = Vec::new();
    if !answer.contains(&format!("SYS-{n}")) {
        lost.push(format!(
            "the --append-system-prompt instruction (begin with `SYS-{n}`) was not obeyed: {}",
            where_lost(ctx, sent, "system", &appended)
        ));
    }
    if !answer.contains(&format!("MD-{n}")) {
        lost.push(format!(
            "the CLAUDE.md instruction (end with `MD-{n}`) was not obeyed: {}",
            where_lost(ctx, sent, "messages", &claude_md)
        ));
    }
    if !lost.is_empty() {
        bail!("{}. The answer: {}", lost.join("; "), cut(answer, 300));
    }
    if let Some(upstream) = ctx.sim_requests().first() {
        if ctx.model_family().is_claude() {
            shape_at_provider(sent, &upstream.body)?;
        } else {
            system_at_gpt_provider(sent, &upstream.body)?;
        }
    }
    Ok(())
}

/// What an OpenAI-dialect body (Responses or Chat Completions) carries where
/// the CLI sent `field`: for `system`, the `instructions` and every system or
/// developer message, as one value; for `messages`, every other message.
/// `Null` when it carries none.
fn gpt_view(body: &Value, field: &str) -> Value {
    let items = body["input"]
        .as_array()
        .or_else(|| body["messages"].as_array())
        .cloned()
        .unwrap_or_default();
    let system = |m: &Value| matches!(m["role"].as_str(), Some("system" | "developer"));
    let mut out: Vec<Value> = Vec::new();
    if field == "system" {
        if let Some(i) = body.get("instructions").filter(|i| !i.is_null()) {
            out.push(i.clone());
        }
        out.extend(
            items
                .iter()
                .filter(|m| system(m))
                .map(|m| m["content"].clone()),
        );
    } else {
        out.extend(items.iter().filter(|m| !system(m)).cloned());
    }
    if out.is_empty() {
        Value::Null
    } else {
        Value::Array(out)
    }
}

/// Sim mode on GPT: every system text the CLI sent (but its billing line)
/// arrived verbatim among the provider's system instructions.
fn system_at_gpt_provider(sent: &Value, got: &Value) -> anyhow::Result<()> {
    let system = texts(&gpt_view(got, "system"));
    for block in sent["system"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["text"].as_str())
        .filter(|b| !b.starts_with("x-anthropic-billing-header"))
    {
        if !system.contains(block) {
            bail!(
                "a system block was altered on the way: the CLI sent a block of {} characters \
                 beginning {:?}, the provider's system instructions ({} characters, in \
                 `instructions` and system or developer messages) do not hold it verbatim",
                block.chars().count(),
                cut(block, 60),
                system.chars().count()
            );
        }
    }
    Ok(())
}

/// Where an instruction sent under `field` (`system` or `messages`) was lost.
fn where_lost(ctx: &Ctx, sent: &Value, field: &str, instruction: &str) -> String {
    let sent_text = texts(&sent[field]);
    if ctx.sim().is_none() {
        return format!(
            "the CLI sent it in the request's `{field}` ({} characters) through the gateway; live \
             mode cannot see the provider's side",
            sent_text.chars().count()
        );
    }
    // The request that lost it, if one did: the CLI's side requests (a
    // title, a summary) carry the instruction too, in shorter prompts a
    // gateway may leave whole, and which of them reaches the provider first
    // is the CLI's timing.
    let requests = ctx.sim_requests();
    let view = |body: &Value| {
        if ctx.model_family().is_claude() {
            body[field].clone()
        } else {
            gpt_view(body, field)
        }
    };
    let Some(upstream) = requests
        .iter()
        .find(|r| !texts(&view(&r.body)).contains(instruction))
        .or(requests.first())
    else {
        return "the provider received no request of this trial".into();
    };
    let got = &view(&upstream.body);
    let got_text = texts(got);
    if got.is_null() {
        format!(
            "the gateway dropped the `{field}` on the way: the CLI sent {} characters there, the \
             provider received no `{field}` at all",
            sent_text.chars().count()
        )
    } else if !got_text.contains(instruction) {
        format!(
            "the gateway truncated or altered the `{field}`: the CLI sent {} characters there \
             ending with the instruction, the provider received {} characters without it (they end \
             with {:?})",
            sent_text.chars().count(),
            got_text.chars().count(),
            tail(&got_text, 80)
        )
    } else {
        "the provider received it intact, but the answer does not follow it".into()
    }
}

/// Sim mode: the system prompt arrived as blocks, verbatim, cached.
fn shape_at_provider(sent: &Value, got: &Value) -> anyhow::Result<()> {
    let system = &got["system"];
    let sent_blocks: Vec<&str> = sent["system"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["text"].as_str())
        .collect();
    let cached_sent = sent["system"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b.get("cache_control").is_some())
        .count();
    if !system.is_array() {
        bail!(
            "the gateway flattened the system prompt: the CLI sent {} system block(s), {cached_sent} \
             with cache_control, the provider received {}",
            sent_blocks.len(),
            kind(system)
        );
    }
    let got_texts: Vec<String> = system.as_array().into_iter().flatten().map(texts).collect();
    // The billing line is the CLI's note to Anthropic's API, not an
    // instruction; a gateway may drop it.
    for block in sent_blocks
        .iter()
        .filter(|b| !b.starts_with("x-anthropic-billing-header"))
    {
        if !got_texts.iter().any(|g| g == block) {
            bail!(
                "a system block was altered on the way: the CLI sent a block of {} characters \
                 beginning {:?}, the provider received no block with that exact text (its blocks: \
                 {:?} characters)",
                block.chars().count(),
                cut(block, 60),
                got_texts
                    .iter()
                    .map(|g| g.chars().count())
                    .collect::<Vec<_>>()
            );
        }
    }
    let cached_got = system
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b.get("cache_control").is_some() || b.get("cachePoint").is_some())
        .count();
    if cached_sent > 0 && cached_got == 0 {
        bail!(
            "the system prompt lost its cache breakpoints: the CLI sent {cached_sent} system \
             block(s) with cache_control, the provider received none (the system prompt is no \
             longer cached)"
        );
    }
    Ok(())
}

/// Every string in a value (block texts, message contents), joined by
/// newlines.
fn texts(v: &Value) -> String {
    let mut out = Vec::new();
    collect(v, &mut out);
    out.join("\n")
}

fn collect<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        Value::Object(o) => {
            for (k, child) in o {
                // Only content: not block types, roles, ids or cache settings.
                match child {
                    Value::String(s) if k == "text" || k == "content" => out.push(s),
                    Value::Array(_) | Value::Object(_) => collect(child, out),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

fn kind(v: &Value) -> String {
    match v {
        Value::Null => "no system prompt".into(),
        Value::String(s) => format!("one string of {} characters", s.chars().count()),
        other => cut(&other.to_string(), 60),
    }
}

fn cut(s: &str, n: usize) -> String {
    let c: String = s.chars().take(n).collect();
    if c.len() < s.len() { c + "…" } else { c }
}

fn tail(s: &str, n: usize) -> String {
    let count = s.chars().count();
    s.chars().skip(count.saturating_sub(n)).collect()
}

compat_harness::sim_fault_test!(
    name = "dropped_system_prompt_turns_cell_red",
    provider = Anthropic,
    run = dropped,
    live_visible = true
);

// The pass-through forwards the CLI's body itself (minus `metadata`): a
// body field lost on the way still shows.
compat_harness::sim_fault_test!(
    name = "anthropic_passthrough_dropped_system_prompt_turns_cell_red",
    provider = AnthropicPassthrough,
    run = dropped,
    live_visible = true
);

fn dropped(ctx: &Ctx) -> anyhow::Result<()> {
    let error =
        compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::DropSystemPrompt, run)?;
    anyhow::ensure!(
        error.contains("--append-system-prompt instruction")
            && (compat_harness::judged_live(ctx) || error.contains("dropped the `system`"))
            && !error.contains("CLAUDE.md instruction"),
        "the error does not say that the appended system instruction (and only it) was lost with the system prompt: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "truncated_system_prompt_turns_cell_red",
    provider = VertexAi,
    run = truncated,
    live_visible = true
);

fn truncated(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(
        ctx,
        compat_sim::Fault::TruncateSystemPrompt(4000),
        run,
    )?;
    anyhow::ensure!(
        error.contains("--append-system-prompt instruction")
            && (compat_harness::judged_live(ctx) || error.contains("truncated")),
        "the error does not say that the appended system instruction was lost to a truncated system prompt: {error}"
    );
    Ok(())
}
