//! web_fetch: the CLI's WebFetch tool fetches a page on the client and hands
//! it to the small fast model for a summary, a background request of its own
//! through the gateway. The harness serves a page made for the trial on
//! 127.0.0.1 (`compat_harness::page`, HTTPS: the CLI upgrades `http://`), with
//! the trial's nonce (so the records can tell the summarising request) and
//! a random code that appears nowhere else; the prompt asks for the page's
//! line with the code.
//!
//! What the CLI 2.1.331 needs for that in a headless run (captured,
//! docs/rows/web_fetch.md): `--allowedTools WebFetch` (no permission
//! prompt in `-p`); `skipWebFetchPreflight` in its settings (otherwise it
//! first asks api.anthropic.com whether the domain may be fetched, which
//! a gateway deployment, and this hermetic run, cannot reach); the page's
//! certificate in `NODE_EXTRA_CA_CERTS`; `ENABLE_TOOL_SEARCH=false`, so
//! that WebFetch is offered inline rather than deferred behind tool search
//! (which is its own row). The small fast model is set as a customer of a
//! gateway sets it, `ANTHROPIC_SMALL_FAST_MODEL` (and
//! `ANTHROPIC_DEFAULT_HAIKU_MODEL`) = Claude Haiku 4.5 under the id the
//! column's CLI uses: so on Sonnet and Opus the summary is a request for
//! another model than the trial's, which the gateway must serve (LiteLLM
//! #12061: an unconfigured background model is a 400 the user never sees).
//!
//! Pass (both modes): the page was fetched, the gateway answered the
//! summarising request 2xx for the small fast model (the tap's record), and
//! the answer quotes the page's code (only the summary carried it). Sim mode
//! also asserts that the summarising request reached this column's provider,
//! for that model, and was answered 2xx there (the simulator's record; the
//! harness checks that no request of the trial went elsewhere). Failures say
//! where the page was lost: never fetched, summary refused by the gateway or
//! the provider, or answered without the page's content.

use std::hash::BuildHasher as _;

use anyhow::{Context as _, bail, ensure};
use compat_core::gateway::routing;
use compat_harness::page::PageServer;
use compat_harness::relay::TapRecord;
use compat_harness::{Ctx, ModelFamily};
use compat_matrix::classify::NoVerdict;

/// Claude Code's small fast model, as a gateway customer points it at the
/// gateway: Claude Haiku 4.5 (the manifest's Haiku).
const SMALL_FAST_MODEL: &str = "claude-haiku-4-5";

/// The small fast model on a GPT column (issue 29): the column's fast tier,
/// GPT-5.6 Luna, which plays Haiku's part there (plan
/// docs/research/openai-columns-2026-12-06.md sections 0.4 and 5). A
/// customer running Claude Code on GPT points the background model at a GPT
/// deployment too: the gateway serves no Claude model on those columns.
const GPT_SMALL_FAST_MODEL: &str = "gpt-5.6-luna";

/// How the CLI 2.1.331 opens its summarising request's prompt (captured).
const SUMMARY_MARK: &str = "Web page content:";

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let small_fast = match ctx.model_family() {
        ModelFamily::Claude => SMALL_FAST_MODEL,
        ModelFamily::Gpt => GPT_SMALL_FAST_MODEL,
    };
    run_with(ctx, small_fast)
}

/// The row with the CLI's small fast model set to `small_fast` (a canonical
/// model id; the column's CLI id of it is what the CLI is given).
fn run_with(ctx: &Ctx, small_fast: &str) -> anyhow::Result<()> {
    // A random code, not derived from the nonce: the prompt carries the
    // nonce, so an answer that merely echoed the prompt could not pass.
    let code = format!(
        "wf-{:016x}",
        std::collections::hash_map::RandomState::new().hash_one(ctx.nonce())
    );
    let n = ctx.nonce();
    let html = format!(
        "<!doctype html><html><head><title>Trial {n}</title></head><body>\
         <h1>Release notes of trial {n}</h1>\
         <p>The matrix measured every column again.</p>\
         <p>The code is {code}</p>\
         </body></html>"
    );
    let server = PageServer::start(&format!("/notes-{n}.html"), &html)
        .context("starting the trial's page server")?;
    let project = tempfile::tempdir()?;
    let ca = project.path().join("page-ca.pem");
    std::fs::write(&ca, server.cert_pem()).context("writing the page server's certificate")?;
    let small = routing::cli_model(ctx.provider(), small_fast);
    let claude = ctx
        .claude()?
        .session_dir(project.path())
        .allowed_tools(&["WebFetch"])
        .option("--settings", r#"{"skipWebFetchPreflight":true}"#)
        .extra_ca(&ca)
        .env("ENABLE_TOOL_SEARCH", "false")
        .env("ANTHROPIC_SMALL_FAST_MODEL", &small)
        .env("ANTHROPIC_DEFAULT_HAIKU_MODEL", &small)
        .max_turns(4)
        .prompt(format!(
            "Use the WebFetch tool to fetch `{}` and quote the line that starts with \
             \"The code is\". ({n})",
            server.url()
        ));
    let t = ctx.run(&claude)?;
    t.ensure_success().context("the CLI reported an error")?;

    // Fetched at all? Without the page there is nothing to judge the
    // gateway on, unless the model never called the tool.
    let fetched = server.hits().iter().any(|h| h.status == 200);
    if !fetched {
        let calls = t.tool_calls.iter().filter(|c| c.name == "WebFetch").count();
        if calls == 0 {
            bail!(
                "the model never called WebFetch, so the page was not fetched (did the tool reach \
                 the model through the gateway?). Answer: {:?}",
                t.final_text
            );
        }
        let results: Vec<&str> = t.tool_results.iter().map(|r| r.content.as_str()).collect();
        return Err(NoVerdict(format!(
            "the CLI did not fetch the page from the harness's server ({} WebFetch call(s)); its \
             tool results: {results:?}",
            calls
        ))
        .into());
    }

    let summaries: Vec<TapRecord> = ctx
        .gateway_requests()
        .into_iter()
        .filter(|r| r.body.to_string().contains(SUMMARY_MARK))
        .collect();
    let Some(summary) = summaries.last() else {
        return Err(NoVerdict(format!(
            "the CLI fetched the page but sent no summarising request through the gateway (does \
             WebFetch still summarise with the small fast model?); its tool results: {:?}",
            t.tool_results
                .iter()
                .map(|r| r.content.as_str())
                .collect::<Vec<_>>()
        ))
        .into());
    };
    ensure!(
        (200..300).contains(&summary.status),
        "the gateway answered {} to the WebFetch summarising request for the small fast model \
         {} ({}): the page never reached a model. {}",
        summary.status,
        model_of(summary),
        summary.path,
        provider_side(ctx)
    );
    ensure!(
        t.final_text.contains(&code),
        "the page says \"The code is {code}\", but the answer does not quote it: {}. Answer: {:?}",
        diagnose(ctx, &t, small_fast),
        t.final_text
    );
    if ctx.sim().is_some() {
        let upstream = summaries_upstream(ctx);
        let reached = upstream
            .iter()
            .find(|r| r.model.as_deref() == Some(small_fast) && (200..300).contains(&r.status));
        ensure!(
            reached.is_some(),
            "the answer quotes the page, but the WebFetch summarising request did not reach the \
             provider as a {small_fast} request answered 2xx: {}",
            provider_side(ctx)
        );
    }
    Ok(())
}

/// The model a tapped request names: the body's `model`, or the path (the
/// pass-through routes carry it there).
fn model_of(r: &TapRecord) -> String {
    r.body
        .get("model")
        .and_then(|m| m.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| r.path.clone())
}

/// The summarising requests this trial's provider simulator received.
fn summaries_upstream(ctx: &Ctx) -> Vec<compat_sim::RecordedRequest> {
    ctx.sim_requests()
        .into_iter()
        .filter(|r| r.body.to_string().contains(SUMMARY_MARK))
        .collect()
}

/// What the provider made of the summarising request (sim mode), for errors.
fn provider_side(ctx: &Ctx) -> String {
    if ctx.sim().is_none() {
        return "live mode cannot see what the provider received".into();
    }
    let upstream = summaries_upstream(ctx);
    match upstream.last() {
        None => format!(
            "the provider received no summarising request ({} request(s) of this trial in all)",
            ctx.sim_requests().len()
        ),
        Some(r) => format!(
            "the provider received it for model {} and answered {}{}",
            r.model.as_deref().unwrap_or("(unknown)"),
            r.status,
            r.rejection
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
    }
}

/// Where the code was lost once the summary was answered: what the CLI got
/// back from WebFetch, and what the provider made of the request.
fn diagnose(ctx: &Ctx, t: &compat_core::driver::Transcript, small_fast: &str) -> String {
    let fetch_ids: Vec<&str> = t
        .tool_calls
        .iter()
        .filter(|c| c.name == "WebFetch")
        .map(|c| c.id.as_str())
        .collect();
    let result = t
        .tool_results
        .iter()
        .rev()
        .find(|r| fetch_ids.contains(&r.tool_use_id.as_str()))
        .map(|r| r.content.clone())
        .unwrap_or_else(|| "(no WebFetch result)".into());
    format!(
        "the WebFetch summary, made by the small fast model {small_fast}, came back without \
         the page's content (the summarising request lost the page on its way to the model). \
         WebFetch returned: {:?}; {}",
        cut(&result, 300),
        provider_side(ctx)
    )
}

fn cut(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

compat_harness::sim_fault_test!(
    name = "blank_summary_request_turns_cell_red",
    provider = Anthropic,
    run = blank_summary_request,
    live_visible = true
);

/// The page reaches the CLI, but the summarising request arrives at the
/// provider with its text blank: the cell is red and says the summary lost
/// the page. The fault is scoped to the request that carries the page's
/// heading (`Release notes of trial <nonce>`), which only the summarising
/// request does: on a Haiku 4.5 trial the main turns go to the small fast
/// model too, so the model alone cannot tell them apart (it could for Opus
/// only, when fault tests ran on Opus alone).
fn blank_summary_request(ctx: &Ctx) -> anyhow::Result<()> {
    let sim = compat_harness::fault_switch(ctx)?;
    let _fault = sim.inject(
        compat_sim::FaultScope {
            provider: Some(compat_harness::column::api(ctx.provider())),
            model: Some(SMALL_FAST_MODEL.to_owned()),
            body_contains: Some(format!("Release notes of trial {}", ctx.nonce())),
        },
        compat_sim::Fault::BlankUserText,
    );
    let error = compat_harness::expect_red_cell(ctx, run)?;
    ensure!(
        error.contains("does not quote it")
            && (compat_harness::judged_live(ctx) || error.contains(SMALL_FAST_MODEL)),
        "unexpected error: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "unserved_small_fast_model_turns_cell_red",
    provider = Anthropic,
    run = unserved_small_fast_model,
    live_visible = true
);

/// A customer sets the small fast model to an id the gateway does not serve
/// (here Haiku 4.5's dated id, while the gateway serves `claude-haiku-4-5`):
/// the main turns work, the WebFetch summary is refused by the gateway
/// (LiteLLM #12061, "Invalid model name"), and the cell is red naming it.
fn unserved_small_fast_model(ctx: &Ctx) -> anyhow::Result<()> {
    fn run_unserved(ctx: &Ctx) -> anyhow::Result<()> {
        run_with(ctx, UNSERVED_SMALL_FAST_MODEL)
    }
    let error = compat_harness::expect_red_cell(ctx, run_unserved)?;
    ensure!(
        error.contains("to the WebFetch summarising request")
            && error.contains(UNSERVED_SMALL_FAST_MODEL),
        "unexpected error: {error}"
    );
    Ok(())
}

/// Haiku 4.5's dated id, which the harness's gateways do not serve.
const UNSERVED_SMALL_FAST_MODEL: &str = "claude-haiku-4-5-20251001";
