//! usage_reporting: Claude Code decides when to compact, and shows cost and
//! context use, from the token usage the provider reports with each answer.
//! One run with a tool call and its answer (two model requests, the second
//! reading the prompt cache the first wrote) must hand the CLI, for every
//! request, the provider's figures: input, output, cache read, cache write,
//! and the cache write's 5-minute / 1-hour split.
//!
//! How "what the CLI received" is read: from the tap's record of each answer
//! the gateway sent the CLI (every usage object of a stream, `message_start`'s
//! and each `message_delta`'s; the JSON body's otherwise; a Bedrock
//! pass-through's event-stream chunks alike), merged by the CLI's own rule
//! ([`cli_usage`]), so that a gateway that reports a figure in a place the
//! CLI ignores is read as the CLI reads it.
//!
//! The split: the CLI prices a cache write by its `cache_creation`
//! split and, when none is given, as a five-minute write. The row compares
//! the split as the CLI ends up with it ([`Figures::of_cli`]): this run caches
//! with Claude Code's default five-minute TTL, so an answer without the split
//! is priced right and passes; a lost one-hour split (LiteLLM's Converse
//! adapter) is the prompt_caching_1h row's verdict, not this row's.
//!
//! What it asserts, by mode:
//! - sim: the CLI's run succeeds with the tool's output; the gateway answered
//!   as many model requests as the provider did (at least two), and each
//!   answer's figures equal the provider's for that request (the simulator's
//!   record, `RecordedRequest.usage`), in order; and the CLI's session total
//!   (`result.usage`) equals the provider's figures summed. An error names
//!   the model, the request, the field and both numbers.
//! - live: the provider's side is not visible. Every answer must carry
//!   usage with input and output above zero, the run must show cache
//!   activity (Claude Code marks its system prompt for caching, well past
//!   every model's minimum), and the CLI's session total must equal the sum
//!   of what the gateway reported per answer (a figure the CLI lost or
//!   counted twice on the way shows there). A gateway that rescales the
//!   provider's figures consistently is visible in sim mode only.
//!
//! On GPT models (issue 29) the provider's figures are OpenAI's, which the
//! simulator records under the same canonical names (`input_tokens` net of
//! the cached prefix, `cache_read_input_tokens` = `cached_tokens`,
//! `cache_creation_input_tokens` = `cache_write_tokens`), as LiteLLM maps
//! them for the CLI (`transformation.py:64-79`, plan section 1.4). An
//! answer the provider sent with no usage at all (OpenAI's `usage: null`)
//! is red there: the CLI's figures for it cannot be the provider's.

use anyhow::{Context as _, bail, ensure};
use compat_harness::Ctx;
use compat_harness::relay::TapRecord;
use serde_json::Value;

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let model = ctx.model_id().to_owned();
    let token = format!("usage-{}", ctx.nonce());
    let claude = ctx
        .claude()?
        .allowed_tools(&["Bash"])
        .max_turns(4)
        .prompt(format!(
            "Use the Bash tool to run `echo {token}` and then tell me exactly what it printed."
        ));
    let t = ctx.run(&claude)?;
    t.ensure_success().context("the CLI reported an error")?;
    ensure!(
        t.final_text.contains(&token),
        "the final answer does not contain `{token}` (the tool round trip did not complete): {:?}",
        t.final_text
    );
    let answers: Vec<TapRecord> = ctx
        .model_call_answers()
        .into_iter()
        .filter(|r| (200..300).contains(&r.status))
        .collect();
    ensure!(
        answers.len() >= 2,
        "{model}: expected at least two model requests answered by the gateway (the tool call and the answer), saw {}",
        answers.len()
    );
    let received: Vec<Figures> = answers
        .iter()
        .map(|r| Figures::of_cli(&cli_usage(&r.usage_events)))
        .collect();
    let session = session_total(&t.raw_lines).context(
        "the CLI's result line carries no usage (its session total, which it compacts and prices by)",
    )?;

    if ctx.sim().is_none() {
        for (i, (r, f)) in answers.iter().zip(&received).enumerate() {
            ensure!(
                f.input > 0 && f.output > 0,
                "{model}: answer {} of {} ({}) reached the CLI with input_tokens = {} and output_tokens = {}: \
                 the gateway dropped or zeroed the provider's usage (usage events: {:?})",
                i + 1,
                answers.len(),
                r.path,
                f.input,
                f.output,
                r.usage_events
            );
        }
        ensure!(
            received.iter().any(|f| f.cache_read + f.cache_creation > 0),
            "{model}: no answer of the run reported cache activity (cache read and write 0 on all {}), though \
             Claude Code marks its system prompt for caching: the gateway dropped the cache figures",
            received.len()
        );
        return compare_total(&model, "the gateway reported", &sum(&received), &session);
    }

    if !ctx.model_family().is_claude() {
        let bare: Vec<String> = ctx
            .sim_requests()
            .iter()
            // None, or nothing counted (an answer always has output tokens).
            .filter(|r| {
                (200..300).contains(&r.status)
                    && r.usage.as_ref().is_none_or(|u| {
                        let f = Figures::of_provider(u);
                        f.input + f.output == 0
                    })
            })
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        ensure!(
            bare.is_empty(),
            "{model}: the provider answered {} model request(s) of this trial with no usage ({}): \
             the CLI received {:?} for them, figures the provider never reported",
            bare.len(),
            bare.join(", "),
            received
        );
    }
    let reported: Vec<(compat_sim::RecordedRequest, Figures)> = ctx
        .sim_requests()
        .into_iter()
        .filter(|r| (200..300).contains(&r.status))
        .filter_map(|r| {
            let f = Figures::of_provider(r.usage.as_ref()?);
            Some((r, f))
        })
        .collect();
    ensure!(
        reported.len() == answers.len(),
        "{model}: the provider answered {} model request(s) of this trial and the gateway answered the CLI {}: \
         the figures cannot be paired (provider: {:?}; gateway: {:?})",
        reported.len(),
        answers.len(),
        reported.iter().map(|(r, _)| &r.path).collect::<Vec<_>>(),
        answers.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    let mut wrong = Vec::new();
    for (i, ((up, provider), cli)) in reported.iter().zip(&received).enumerate() {
        for (field, p, c) in provider.diff(cli) {
            wrong.push(format!(
                "request {} of {} ({} {}): the provider reported {field} = {p}, the CLI received {c}",
                i + 1,
                reported.len(),
                up.method,
                up.path
            ));
        }
    }
    if !wrong.is_empty() {
        bail!(
            "{model}: the usage the CLI received differs from what the provider reported (the CLI compacts and \
             prices by it): {}",
            wrong.join("; ")
        );
    }
    let provider_total = sum(&reported.iter().map(|(_, f)| *f).collect::<Vec<_>>());
    compare_total(&model, "the provider reported", &provider_total, &session)
}

/// The usage figures of one answer (or a session), with the cache write's
/// split as the CLI prices it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Figures {
    input: u64,
    output: u64,
    cache_read: u64,
    cache_creation: u64,
    cache_creation_5m: u64,
    cache_creation_1h: u64,
}

fn num(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or(0)
}

impl Figures {
    /// The provider's figures as the simulator recorded them (canonical
    /// names, the split always given).
    fn of_provider(u: &Value) -> Figures {
        Figures {
            input: num(u, "input_tokens"),
            output: num(u, "output_tokens"),
            cache_read: num(u, "cache_read_input_tokens"),
            cache_creation: num(u, "cache_creation_input_tokens"),
            cache_creation_5m: num(&u["cache_creation"], "ephemeral_5m_input_tokens"),
            cache_creation_1h: num(&u["cache_creation"], "ephemeral_1h_input_tokens"),
        }
    }

    /// The figures the CLI works with from a usage object it received: a
    /// cache write without a split (or with an all-zero one) counts as a
    /// five-minute write, as the CLI prices it.
    fn of_cli(u: &Value) -> Figures {
        let mut f = Figures::of_provider(u);
        if f.cache_creation_5m + f.cache_creation_1h == 0 {
            f.cache_creation_5m = f.cache_creation;
        }
        f
    }

    /// The fields that differ: (name, self's, other's).
    fn diff(&self, other: &Figures) -> Vec<(&'static str, u64, u64)> {
        [
            ("input_tokens", self.input, other.input),
            ("output_tokens", self.output, other.output),
            ("cache_read_input_tokens", self.cache_read, other.cache_read),
            (
                "cache_creation_input_tokens",
                self.cache_creation,
                other.cache_creation,
            ),
            (
                "cache_creation.ephemeral_5m_input_tokens",
                self.cache_creation_5m,
                other.cache_creation_5m,
            ),
            (
                "cache_creation.ephemeral_1h_input_tokens",
                self.cache_creation_1h,
                other.cache_creation_1h,
            ),
        ]
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .collect()
    }
}

fn sum(all: &[Figures]) -> Figures {
    all.iter().fold(Figures::default(), |a, f| Figures {
        input: a.input + f.input,
        output: a.output + f.output,
        cache_read: a.cache_read + f.cache_read,
        cache_creation: a.cache_creation + f.cache_creation,
        cache_creation_5m: a.cache_creation_5m + f.cache_creation_5m,
        cache_creation_1h: a.cache_creation_1h + f.cache_creation_1h,
    })
}

/// The CLI's session total must equal `expected` (the four totals; the
/// split's session sum is compared per answer above).
fn compare_total(
    model: &str,
    whose: &str,
    expected: &Figures,
    session: &Figures,
) -> anyhow::Result<()> {
    let wrong: Vec<String> = expected
        .diff(session)
        .into_iter()
        .filter(|(field, _, _)| !field.starts_with("cache_creation."))
        .map(|(field, e, s)| {
            format!("{whose} {field} = {e} in all, the CLI's session total says {s}")
        })
        .collect();
    ensure!(
        wrong.is_empty(),
        "{model}: the CLI's session usage (result.usage, what it compacts and prices by) differs: {}",
        wrong.join("; ")
    );
    Ok(())
}

/// The CLI's session total: the `usage` of its last `result` line.
fn session_total(lines: &[String]) -> Option<Figures> {
    lines.iter().rev().find_map(|l| {
        let v: Value = serde_json::from_str(l).ok()?;
        (v["type"] == "result" && v["usage"].is_object()).then(|| Figures::of_cli(&v["usage"]))
    })
}

/// Merges the usage objects of one answer as Claude Code 2.1.331 does
/// (its stream accumulator, read from the shipped binary): a later
/// `input_tokens`, `cache_read_input_tokens` or `cache_creation_input_tokens`
/// replaces the earlier only when above zero (the cache write also from the
/// split's sum when that is above zero); `output_tokens` whenever present;
/// the `cache_creation` split when its sum is above zero.
fn cli_usage(events: &[Value]) -> Value {
    let mut merged = serde_json::json!({
        "input_tokens": 0, "output_tokens": 0, "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
    });
    for (i, u) in events.iter().enumerate() {
        if i == 0 {
            // The first (message_start's, or the whole answer's) is taken as is.
            for key in [
                "input_tokens",
                "output_tokens",
                "cache_read_input_tokens",
                "cache_creation_input_tokens",
            ] {
                merged[key] = Value::from(num(u, key));
            }
            for key in ["ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"] {
                merged["cache_creation"][key] = Value::from(num(&u["cache_creation"], key));
            }
            continue;
        }
        let split = num(&u["cache_creation"], "ephemeral_5m_input_tokens")
            + num(&u["cache_creation"], "ephemeral_1h_input_tokens");
        for key in ["input_tokens", "cache_read_input_tokens"] {
            if num(u, key) > 0 {
                merged[key] = u[key].clone();
            }
        }
        if num(u, "cache_creation_input_tokens") > 0 {
            merged["cache_creation_input_tokens"] = u["cache_creation_input_tokens"].clone();
        } else if split > 0 {
            merged["cache_creation_input_tokens"] = Value::from(split);
        }
        if let Some(o) = u.get("output_tokens").filter(|o| !o.is_null()) {
            merged["output_tokens"] = o.clone();
        }
        if split > 0 {
            for key in ["ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"] {
                if let Some(v) = u["cache_creation"].get(key).filter(|v| !v.is_null()) {
                    merged["cache_creation"][key] = v.clone();
                }
            }
        }
    }
    merged
}

compat_harness::sim_fault_test!(
    name = "double_counted_output_turns_cell_red",
    provider = BedrockConverse,
    run = double_counted,
    live_visible = false,
    why = "observed in a rehearsal (haiku-4.5), as the check's live branch reads: live compares the CLI's session total with the figures the gateway reported, which a consistent rescaling keeps equal; only the provider's own figures (the simulator's record) show the doubling"
);

/// The gateway doubles `output_tokens` on the way to the CLI (the provider's
/// record keeps its own figure): the cell is red, the error names the model,
/// the field and both numbers.
fn double_counted(ctx: &Ctx) -> anyhow::Result<()> {
    let fault = compat_sim::Fault::MisreportUsage(compat_sim::UsageField::OutputTokens, 2);
    let error = compat_harness::red_cell_under_fault(ctx, fault, run)?;
    ensure!(
        error.contains(ctx.model_id())
            && error.contains("the provider reported output_tokens = ")
            && error.contains("the CLI received "),
        "the error does not name the model, the field and both numbers: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "zeroed_cache_read_turns_cell_red",
    provider = Anthropic,
    run = zeroed,
    live_visible = false,
    why = "observed in a rehearsal (haiku-4.5), as the check's live branch reads: live asks for some cache activity in the run, and the first answer's cache write still shows it; only the provider's own figures (the simulator's record) show the zeroed read"
);

/// The gateway zeroes `cache_read_input_tokens` on the way to the CLI: the
/// second request read the cache the first wrote, and the error says so.
fn zeroed(ctx: &Ctx) -> anyhow::Result<()> {
    let fault = compat_sim::Fault::MisreportUsage(compat_sim::UsageField::CacheReadInputTokens, 0);
    let error = compat_harness::red_cell_under_fault(ctx, fault, run)?;
    ensure!(
        error.contains("cache_read_input_tokens") && error.contains("the CLI received 0"),
        "the error does not name the zeroed field and both numbers: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "refused_background_call_turns_cell_red",
    provider = Anthropic,
    run = refused_background_call,
    live_visible = true
);

/// The harness's background-call invariant (compat-harness/src/background.rs),
/// end to end: the CLI's WebFetch hands the fetched page to the small fast
/// model in a side request that offers no tools; the provider refuses it
/// (`Fault::RejectBackgroundCalls`), the CLI carries on and its run succeeds,
/// and the cell must still be red, quoting the refusal.
fn refused_background_call(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(
        ctx,
        compat_sim::Fault::RejectBackgroundCalls,
        web_fetch_run,
    )?;
    ensure!(
        error.contains("never recovered") && error.contains("Invalid model name"),
        "the cell is red, but not for the refused background call: {error}"
    );
    Ok(())
}

/// A run whose CLI makes a background call: WebFetch of a page served over
/// HTTPS on 127.0.0.1 (WebFetch upgrades http to https; its summary of the
/// page goes to the small fast model). Passes when the run succeeds after
/// calling WebFetch, whatever the tool's result.
fn web_fetch_run(ctx: &Ctx) -> anyhow::Result<()> {
    // The web_fetch row's page server (compat_harness::page): HTTPS, since
    // WebFetch upgrades http to https.
    let page = compat_harness::page::PageServer::start(
        "/page.html",
        &format!(
            "<html><body><p>The page token is page-{}.</p></body></html>",
            ctx.nonce()
        ),
    )?;
    let project = tempfile::tempdir()?;
    let ca = project.path().join("page-ca.pem");
    std::fs::write(&ca, page.cert_pem()).context("writing the page server's certificate")?;
    let url = page.url();
    let claude = ctx
        .claude()?
        .session_dir(project.path())
        .extra_ca(&ca)
        // WebFetch offered up front (not deferred behind tool search), and
        // no domain lookup at Anthropic before the fetch.
        .env("ENABLE_TOOL_SEARCH", "false")
        .option("--settings", r#"{"skipWebFetchPreflight": true}"#)
        .allowed_tools(&["WebFetch"])
        .max_turns(3)
        .prompt(format!(
            "Use the WebFetch tool to fetch `{url}` and tell me the page token. (request {})",
            ctx.nonce()
        ));
    let t = ctx.run(&claude)?;
    t.ensure_success().context("the CLI reported an error")?;
    ensure!(
        t.tool_calls.iter().any(|c| c.name == "WebFetch"),
        "the model did not call WebFetch (tool calls: {:?}), so no background call was made",
        t.tool_calls
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "openai_dropped_usage_turns_cell_red",
    provider = Openai,
    run = dropped_usage,
    live_visible = true
);

compat_harness::sim_fault_test!(
    name = "azure_openai_dropped_usage_turns_cell_red",
    provider = AzureOpenai,
    run = dropped_usage,
    live_visible = true
);

/// The provider answers with no usage at all (OpenAI's `usage: null`, what a
/// translation that loses the usage leaves the CLI with): the cell is red,
/// naming the model and, in sim mode, the requests answered without usage;
/// live judgement sees the answers reach the CLI with zero input and output.
fn dropped_usage(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::DropUsage, run)?;
    ensure!(
        error.contains(ctx.model_id())
            && if compat_harness::judged_live(ctx) {
                error.contains("dropped or zeroed")
            } else {
                error.contains("with no usage")
            },
        "the error does not say the provider's usage was lost: {error}"
    );
    Ok(())
}
