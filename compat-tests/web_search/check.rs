//! web_search: the CLI's WebSearch tool. When the model calls it, the CLI
//! runs the search as a request of its own, on the session's model, that
//! forces Anthropic's web search server tool (`web_search_20250305`,
//! `tool_choice` naming it) and hands the answer's text back as the tool's
//! result (captured, docs/rows/web_search.md). The provider searches: the
//! simulators that stand in for a provider that offers the tool search a
//! corpus the harness controls, where this check puts one page for the
//! trial (found by a query naming the trial's nonce) with a random code
//! that appears nowhere else. On the Bedrock routes, whose providers do
//! not offer the tool, LiteLLM's web search interception (configured by
//! the harness as a customer would, `gateway::routing::proxy_config`) runs
//! the search against a search provider, Tavily, whose API a local
//! simulator serves from the same corpus.
//!
//! What the CLI 2.1.331 needs in a headless run: `--allowedTools WebSearch`
//! and `ENABLE_TOOL_SEARCH=false` (WebSearch is otherwise a deferred tool,
//! the tool_search row's subject). The CLI offers no WebSearch in its
//! Bedrock mode (the bedrock_passthrough column: not applicable).
//!
//! Pass, sim mode: the model called WebSearch, the search request was
//! answered 2xx by the gateway (the tap's record), the tool's result is not
//! an error, the answer quotes the page's code (only the search could have
//! brought it), and the search reached this column's provider (the
//! simulator's record): with the server tool in the request, answered 2xx,
//! where the provider offers it; through interception, the Tavily simulator
//! queried for the trial's page and, on the routes where LiteLLM loops
//! through the model (Bedrock Invoke, Mantle), the provider got LiteLLM's
//! own `litellm_web_search` tool offered and its result sent back. On
//! Converse LiteLLM answers the search request itself, from the search
//! provider's results, without a model call (its short-circuit), so the
//! provider sees no search request. Every request of the trial answered
//! 2xx (the harness's background-call invariant).
//!
//! Live mode: no page of the harness is on the public web, so the code
//! cannot be asked for. The check searches for a public page instead and
//! asserts what the tap sees: the search request answered 2xx by the
//! gateway, and the WebSearch result not an error and holding results
//! (the CLI lists the results' links).

use std::hash::BuildHasher as _;

use anyhow::{Context as _, bail, ensure};
use compat_core::driver::Transcript;
use compat_harness::Ctx;
use compat_harness::relay::TapRecord;
use compat_matrix::classify::NoVerdict;
use compat_matrix::provider::Provider;

/// How the CLI 2.1.331 words its search request's prompt (captured).
const SEARCH_MARK: &str = "Perform a web search for the query";

/// LiteLLM's name for the search tool its interception offers the model
/// (litellm/constants.py `LITELLM_WEB_SEARCH_TOOL_NAME`).
const INTERCEPTION_TOOL: &str = "litellm_web_search";

/// The public query of live mode: Anthropic's own page on the tool. The
/// harness's constant, so a rehearsal's standing search page (kept for this
/// query in the simulators' corpus) cannot drift from it.
pub const LIVE_QUERY: &str = compat_harness::LIVE_SEARCH_QUERY;

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let n = ctx.nonce().to_owned();
    // A random code, not derived from the nonce: the prompt and the query
    // carry the nonce, so an answer that echoed either could not pass.
    let code = format!(
        "ws-{:016x}",
        std::collections::hash_map::RandomState::new().hash_one(&n)
    );
    let _page = ctx.sim().map(|sim| {
        sim.register_search_page(
            &n,
            compat_sim::SearchPage {
                url: format!("https://notes.compat-matrix.example/{n}.html"),
                title: format!("Release notes of trial {n}"),
                text: format!(
                    "Release notes of trial {n}\nThe matrix measured every column again.\n\
                     The code is {code}"
                ),
                page_age: Some("November 26, 2026".into()),
            },
        )
    });
    let query = match ctx.sim() {
        Some(_) => format!("release notes {n}"),
        // The nonce too: the CLI's search is a request of its own, which the
        // trial finds among the gateway's by its nonce (a rehearsal found
        // live mode's bare query matched no request: no verdict). The
        // rehearsal's standing page is keyed on the query without it.
        None => format!("{LIVE_QUERY} {n}"),
    };
    if ctx.sim().is_none()
        && intercepted(ctx.provider())
        && std::env::var_os("TAVILY_API_KEY").is_none()
    {
        // Not the gateway's fault: the route searches through LiteLLM's
        // interception, which needs the customer's search-provider key.
        return Err(NoVerdict(format!(
            "live mode: {} searches through LiteLLM's web search interception with Tavily;              set TAVILY_API_KEY to measure this cell (README, \"Live mode\")",
            ctx.provider().id()
        ))
        .into());
    }
    let claude = ctx
        .claude()?
        .allowed_tools(&["WebSearch"])
        .env("ENABLE_TOOL_SEARCH", "false")
        .max_turns(4)
        .prompt(format!(
            "Use the WebSearch tool to look up `{query}` and quote the line that starts with \
             \"The code is\". ({n})"
        ));
    let t = ctx.run(&claude)?;
    t.ensure_success().context("the CLI reported an error")?;

    let calls: Vec<&str> = t
        .tool_calls
        .iter()
        .filter(|c| c.name == "WebSearch")
        .map(|c| c.id.as_str())
        .collect();
    if calls.is_empty() {
        bail!(
            "the model never called WebSearch (did the tool reach {} through the gateway?). \
             Answer: {:?}",
            ctx.model_id(),
            t.final_text
        );
    }
    let Some(search) = search_requests(ctx).pop() else {
        return Err(NoVerdict(format!(
            "the model called WebSearch but the CLI sent no search request through the gateway \
             (does WebSearch still run as a request of its own?); its tool results: {:?}",
            results_of(&t, &calls)
        ))
        .into());
    };
    ensure!(
        (200..300).contains(&search.status),
        "the gateway answered {} to the WebSearch request for {}: {}. The search never ran. {}",
        search.status,
        ctx.model_id(),
        search.error.as_deref().unwrap_or("(no error text)"),
        provider_side(ctx)
    );
    let result = results_of(&t, &calls).pop().unwrap_or_default();
    ensure!(
        !result.1,
        "the WebSearch tool failed for {}: {:?}; {}. {}",
        ctx.model_id(),
        cut(&result.0, 400),
        what_was_lost(ctx),
        provider_side(ctx)
    );
    if ctx.sim().is_none() {
        // Live: the CLI lists the results' links under the query
        // (docs/rows/web_search.md); no link, no search result.
        ensure!(
            result.0.contains("http"),
            "the WebSearch result for {} holds no search result (no link): {:?}",
            ctx.model_id(),
            cut(&result.0, 400)
        );
        return Ok(());
    }
    ensure!(
        t.final_text.contains(&code),
        "the trial's page says \"The code is {code}\", but the answer of {} does not quote it: \
         {}. WebSearch returned: {:?}; {}. Answer: {:?}",
        ctx.model_id(),
        what_was_lost(ctx),
        cut(&result.0, 300),
        provider_side(ctx),
        t.final_text
    );
    ensure_provider_searched(ctx)
}

/// Sim mode: the search ran at this column's provider (server tool), or
/// through LiteLLM's interception (its tool loop at the provider, the
/// Tavily simulator asked for the page).
fn ensure_provider_searched(ctx: &Ctx) -> anyhow::Result<()> {
    let upstream = searches_upstream(ctx);
    if intercepted(ctx.provider()) {
        let sim = ctx.sim().context("sim mode")?;
        ensure!(
            sim.tavily_queries(ctx.nonce()) > 0,
            "the answer quotes the page, but LiteLLM's web search interception never asked the \
             search provider (the Tavily simulator) for it: {}",
            provider_side(ctx)
        );
        if upstream.is_empty() {
            // LiteLLM's short-circuit: a route without an Anthropic Messages
            // config of its own (Converse goes through litellm.completion)
            // gets the search-only request answered by the interception
            // itself, from the search provider's results, with no model
            // call (handler.py `try_short_circuit_search`). The search ran
            // and its result reached the model: the feature works.
            return Ok(());
        }
        let offered = upstream
            .iter()
            .any(|r| tool_names(&r.body).iter().any(|n| n == INTERCEPTION_TOOL));
        let answered = upstream
            .iter()
            .any(|r| r.body.to_string().contains("tool_use_id") && ok(r.status));
        ensure!(
            offered && answered,
            "the answer quotes the page, but the provider did not get LiteLLM's web search \
             interception loop for {} ({INTERCEPTION_TOOL} offered: {offered}; its result sent \
             back and answered: {answered}): {}",
            ctx.model_id(),
            provider_side(ctx)
        );
        return Ok(());
    }
    let searched = upstream
        .iter()
        .any(|r| has_server_tool(&r.body) && ok(r.status));
    ensure!(
        searched,
        "the answer quotes the page, but no request with the web_search server tool was \
         answered 2xx by the provider for {}: {}",
        ctx.model_id(),
        provider_side(ctx)
    );
    Ok(())
}

/// Columns whose gateway runs the search itself (LiteLLM's web search
/// interception, for the providers that lack the server tool).
pub(crate) fn intercepted(p: Provider) -> bool {
    matches!(
        p,
        Provider::BedrockInvoke | Provider::BedrockConverse | Provider::BedrockMantle
    )
}

fn ok(status: u16) -> bool {
    (200..300).contains(&status)
}

/// The CLI's search requests as the tap saw them.
fn search_requests(ctx: &Ctx) -> Vec<TapRecord> {
    ctx.gateway_requests()
        .into_iter()
        .filter(|r| r.body.to_string().contains(SEARCH_MARK))
        .collect()
}

/// The search requests this trial's provider simulator received.
fn searches_upstream(ctx: &Ctx) -> Vec<compat_sim::RecordedRequest> {
    ctx.sim_requests()
        .into_iter()
        .filter(|r| r.body.to_string().contains(SEARCH_MARK))
        .collect()
}

/// Tool names of a request body (Anthropic `tools`, Converse
/// `toolConfig.tools[].toolSpec`).
fn tool_names(body: &serde_json::Value) -> Vec<String> {
    let anthropic = body.get("tools").and_then(|t| t.as_array());
    let converse = body.pointer("/toolConfig/tools").and_then(|t| t.as_array());
    anthropic
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name"))
        .chain(
            converse
                .into_iter()
                .flatten()
                .filter_map(|t| t.pointer("/toolSpec/name")),
        )
        .filter_map(|n| n.as_str().map(str::to_owned))
        .collect()
}

/// Whether a request offers the provider's own search: Anthropic's
/// `web_search_<date>` server tool; on OpenAI's APIs (the GPT columns) the
/// Responses `web_search` / `web_search_preview` tool, or Chat Completions'
/// `web_search_options`, what LiteLLM translates the server tool into
/// (plan docs/research/openai-columns-2026-12-06.md section 1.4).
fn has_server_tool(body: &serde_json::Value) -> bool {
    body.get("web_search_options").is_some()
        || body
            .get("tools")
            .and_then(|t| t.as_array())
            .is_some_and(|tools| {
                tools.iter().any(|t| {
                    t.get("type")
                        .and_then(|k| k.as_str())
                        .is_some_and(|k| k == "web_search" || k.starts_with("web_search_"))
                })
            })
}

/// Where the search was lost (sim mode): the server tool the CLI forces
/// missing from what the provider got, or the search run without the page.
fn what_was_lost(ctx: &Ctx) -> String {
    if ctx.sim().is_none() {
        return "live mode cannot see what the provider received".into();
    }
    let sent = search_requests(ctx)
        .last()
        .is_some_and(|r| has_server_tool(&r.body));
    let upstream = searches_upstream(ctx);
    match upstream.last() {
        Some(r)
            if sent
                && !intercepted(ctx.provider())
                && tool_names(&r.body).iter().any(|n| n == "web_search") =>
        {
            "the CLI's search request forced the web_search server tool, but it reached the \
             provider rewritten into a client tool of that name (the gateway turned it into a \
             function tool), which the model called and nobody ran, so nothing was searched"
                .to_owned()
        }
        Some(r) if sent && !intercepted(ctx.provider()) && !has_server_tool(&r.body) => {
            "the CLI's search request forced the web_search server tool, but it reached the \
             provider without it (the gateway dropped it), so nothing was searched"
                .to_owned()
        }
        _ => "the search did not bring the page back to the model".to_owned(),
    }
}

/// What the provider made of the search (sim mode), for errors.
fn provider_side(ctx: &Ctx) -> String {
    if ctx.sim().is_none() {
        return "live mode cannot see what the provider received".into();
    }
    let upstream = searches_upstream(ctx);
    let Some(r) = upstream.last() else {
        return format!(
            "the provider received no search request ({} request(s) of this trial in all)",
            ctx.sim_requests().len()
        );
    };
    let tools = tool_names(&r.body);
    format!(
        "the provider received {} search request(s); the last, for model {}, offered {} \
         (tools {:?}) and was answered {}{}",
        upstream.len(),
        r.model.as_deref().unwrap_or("(unknown)"),
        if has_server_tool(&r.body) {
            "the web_search server tool"
        } else {
            "no web_search server tool"
        },
        tools,
        r.status,
        r.rejection
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default()
    )
}

/// The WebSearch results the CLI got: (text, is_error), in order.
fn results_of(t: &Transcript, calls: &[&str]) -> Vec<(String, bool)> {
    t.tool_results
        .iter()
        .filter(|r| calls.contains(&r.tool_use_id.as_str()))
        .map(|r| (r.content.clone(), r.is_error))
        .collect()
}

fn cut(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

// On Foundry: Vertex's own cell is red since the simulator refuses the
// web-search beta LiteLLM adds there (issue 25), and a fault test runs only
// on a green cell.
compat_harness::sim_fault_test!(
    name = "server_tool_as_client_tool_turns_cell_red",
    provider = Azure,
    run = server_tool_as_client_tool,
    live_visible = true
);

/// The gateway rewrites the web search server tool into a client (function)
/// tool of the same name: the model calls it, the provider does not search
/// for a client tool and the CLI does not run a tool it never offered, so
/// no page comes back and the cell is red saying so.
fn server_tool_as_client_tool(ctx: &Ctx) -> anyhow::Result<()> {
    let error =
        compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::WebSearchAsClientTool, run)?;
    ensure!(
        // Live judgement sees no page come back (observed in a rehearsal),
        // not what the provider got.
        error.contains(ctx.model_id())
            && if compat_harness::judged_live(ctx) {
                error.contains("holds no search result")
            } else {
                error.contains("rewritten into a client tool")
            },
        "unexpected error: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "dropped_server_tool_turns_cell_red",
    provider = Anthropic,
    run = dropped_server_tool,
    live_visible = true
);

/// The gateway drops the web search server tool (and the `tool_choice`
/// forcing it) from the CLI's search request: the model gets the request
/// with nothing to search with, the search brings back no page, and the
/// cell is red naming the model and that the server tool never arrived.
fn dropped_server_tool(ctx: &Ctx) -> anyhow::Result<()> {
    let error =
        compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::DropWebSearchTool, run)?;
    ensure!(
        error.contains(ctx.model_id())
            && if compat_harness::judged_live(ctx) {
                // Observed in a rehearsal: no page comes back.
                error.contains("holds no search result")
            } else {
                error.contains("does not quote it")
                    && error.contains("reached the provider without it (the gateway dropped it)")
            },
        "unexpected error: {error}"
    );
    Ok(())
}
