//! tool_search: a deferred MCP tool, found with Claude Code's ToolSearch and
//! called through the gateway.
//!
//! The trial writes a `--mcp-config` naming the fixture MCP server
//! (compat-mcp) with its catalogue tool set (`COMPAT_MCP_TOOLSET=search`):
//! `fetch_release_gate_token`, which answers a per-trial receipt only that
//! server knows, among five distractors with close names that answer "wrong
//! tool". `ENABLE_TOOL_SEARCH=true` (the CLI's default, set so that the row
//! does not hang on it) makes claude 2.1.331 send the MCP tools in `tools`
//! with `"defer_loading": true` and list them to the model as "deferred
//! tools ... available via ToolSearch"; the model loads one with the CLI's
//! own `ToolSearch` tool, whose `tool_result` is a `tool_reference` block,
//! and only then can it call it (captured: docs/rows/tool_search.md).
//!
//! Pass (both modes): the model called ToolSearch, the CLI's search result
//! referenced the catalogue tool (`tool_reference` in the transcript's
//! `tool_result`), the model then called that tool, the server answered the
//! receipt and the final answer quotes it.
//!
//! In sim mode the check also reads what the provider received (the
//! simulator's record): the tool with `defer_loading: true`, and the
//! ToolSearch result's `tool_reference` block naming it. A gateway that
//! flattens the deferred tools into plain ones (the model then calls the
//! tool without searching, and every request carries the whole catalogue)
//! or drops the `tool_reference` (the model never sees the tool) is red
//! with what the provider got instead. The simulators implement tool
//! search where the provider does and refuse it where it does not
//! (compat-sim/src/rules/tool_search.rs), so a refusal there is red with the
//! provider's words. In live mode there is no provider record: the check
//! asserts the CLI's side (the tap shows the deferred tool sent through the
//! gateway) and the round trip above.
//!
//! Both modes also check that the MCP server did not outlive the run.

use std::path::Path;

use anyhow::{Context as _, bail, ensure};
use compat_harness::Ctx;
use compat_matrix::classify::NoVerdict;
use compat_mcp::{GATE_TOOL, Toolset, qualified};
use serde_json::Value;

use crate::mcp_tools::check::run_with_fixture_server;

/// The CLI's client tool that loads deferred tools.
const TOOL_SEARCH: &str = "ToolSearch";

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let n = ctx.nonce();
    let receipt = format!("GATE-{:016x}", fastrand::u64(..));
    let tool = qualified(GATE_TOOL);
    let dir = tempfile::tempdir().context("a folder for the MCP config")?;
    let config = dir.path().join("mcp.json");
    let server = Path::new(env!("CARGO_BIN_EXE_compat-mcp"));
    std::fs::write(
        &config,
        serde_json::to_vec_pretty(&compat_mcp::mcp_config_with(
            server,
            &receipt,
            Toolset::Search,
        ))?,
    )
    .context("writing the --mcp-config file")?;
    let claude = ctx
        .claude()?
        .env("ENABLE_TOOL_SEARCH", "true")
        .option("--mcp-config", config.display().to_string())
        .allowed_tools(&[tool.as_str(), TOOL_SEARCH])
        .max_turns(6)
        .prompt(format!(
            "Use the {tool} tool to fetch the release gate token for request `{n}`, then tell me \
             the token it returns."
        ));
    let t = run_with_fixture_server(ctx, &claude, &receipt, server, || {
        format!(
            "the run with the deferred MCP tool `{tool}` failed{}",
            provider_side(ctx, &tool)
        )
    })?;
    // Claude Code 2.1.331 sends no deferred tool's schema up front: a
    // `DeferredToolPlaceholder` with `defer_loading: true` keeps deferral
    // on, the names are listed in a user-turn reminder, and a tool loaded
    // by ToolSearch joins `tools` deferred (captured).
    let sent = ctx.gateway_requests();
    if !sent.iter().any(|r| any_deferred(&r.body)) {
        return Err(NoVerdict(format!(
            "the CLI sent no deferred tool (`defer_loading: true`) through the gateway in {} \
             requests (did ENABLE_TOOL_SEARCH=true stop working?): nothing to judge the gateway on",
            sent.len()
        ))
        .into());
    }
    // After a refusal the CLI retries with fewer optional features, tool
    // search among them (docs/rows/beta_headers.md): it then sends the MCP
    // tools inline.
    let fell_back = sent.iter().any(|r| offered(&r.body, &tool) == Some(false));

    let searched: Vec<_> = t
        .tool_calls
        .iter()
        .filter(|c| c.name == TOOL_SEARCH)
        .collect();
    let called = t.tool_calls.iter().find(|c| c.name == tool);
    if searched.is_empty() {
        bail!(
            "the model never called {TOOL_SEARCH} to load the deferred tool `{tool}`{}{}. The \
             answer: {}",
            match (called, fell_back) {
                (Some(_), true) =>
                    " and called the tool directly: the CLI gave up tool search \
                                    and sent the MCP tools inline",
                (Some(_), false) => " and called the tool directly, as if it had been sent inline",
                (None, _) => "",
            },
            provider_side(ctx, &tool),
            cut(&t.final_text, 200)
        );
    }
    if !references_in_transcript(&t.raw_lines, &tool) {
        return Err(NoVerdict(format!(
            "the CLI's {TOOL_SEARCH} results never referenced `{tool}` (the model's queries: \
             {:?}): the search, not the gateway, missed the tool",
            searched.iter().map(|c| &c.input).collect::<Vec<_>>()
        ))
        .into());
    }
    let Some(call) = called else {
        let wrong: Vec<&str> = t
            .tool_calls
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| n.starts_with("mcp__"))
            .collect();
        bail!(
            "the model called {TOOL_SEARCH}, whose result referenced `{tool}`, but never called \
             the tool{}{}. The answer: {}",
            if wrong.is_empty() {
                String::new()
            } else {
                format!(" (it called {wrong:?})")
            },
            provider_side(ctx, &tool),
            cut(&t.final_text, 200)
        );
    };
    let Some(result) = t.tool_results.iter().find(|r| r.tool_use_id == call.id) else {
        bail!(
            "the CLI has no result for the call of `{tool}` ({})",
            call.id
        );
    };
    if result.is_error || !result.content.contains(&receipt) {
        bail!(
            "the MCP server refused the model's call of `{tool}` (input {}): {}",
            cut(&call.input.to_string(), 300),
            cut(&result.content, 300)
        );
    }
    if !t.final_text.contains(&receipt) {
        bail!(
            "the deferred tool answered with the receipt `{receipt}`, but the final answer does \
             not quote it (the tool result did not reach the model through the gateway): {}",
            cut(&t.final_text, 200)
        );
    }
    if ctx.sim().is_some() {
        let upstream = ctx.sim_requests();
        if compat_harness::column::api(ctx.provider()) == compat_sim::Api::BedrockConverse {
            // Converse has no deferral (`ToolSpecification`: name,
            // description, inputSchema) and no tool reference among
            // `ToolResultContentBlock`s (AWS API reference; Bedrock serves
            // tool search "only via the invoke API, not the converse API",
            // platform.claude.com tool-search-tool page): a gateway must
            // deliver the loaded tool inline, and the search result as
            // what Converse takes.
            ensure!(
                upstream
                    .iter()
                    .any(|r| offered(&r.body, &tool) == Some(false)),
                "the answer quotes the receipt, but Converse never received `{tool}` as a plain \
                 tool{}",
                provider_side(ctx, &tool)
            );
            return Ok(());
        }
        ensure!(
            upstream.iter().any(|r| deferred(&r.body, &tool)),
            "the answer quotes the receipt, but the provider never received `{tool}` deferred \
             (`defer_loading: true`){}",
            provider_side(ctx, &tool)
        );
        ensure!(
            upstream
                .iter()
                .any(|r| reference_in_body(&r.body, &tool).is_some()),
            "the answer quotes the receipt, but the provider never received the {TOOL_SEARCH} \
             result's tool_reference to `{tool}`{}",
            provider_side(ctx, &tool)
        );
    }
    Ok(())
}

/// Whether a request body (Anthropic dialects) carries `tool` with
/// `defer_loading: true`. (Converse has no deferral; a Converse body never
/// does.)
fn deferred(body: &Value, tool: &str) -> bool {
    body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|t| t["name"] == tool && t["defer_loading"] == true)
}

/// Whether a request body (Anthropic dialects) carries any deferred tool.
fn any_deferred(body: &Value) -> bool {
    body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|t| t["defer_loading"] == true)
}

/// How `tool` is in a request body: `Some(true)` deferred, `Some(false)`
/// plain (Anthropic `tools` or Converse `toolConfig.tools[].toolSpec`),
/// `None` absent.
fn offered(body: &Value, tool: &str) -> Option<bool> {
    if deferred(body, tool) {
        return Some(true);
    }
    let anthropic = body["tools"].as_array().into_iter().flatten();
    let converse = body["toolConfig"]["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| &t["toolSpec"]);
    anthropic
        .chain(converse)
        .any(|t| t["name"] == tool)
        .then_some(false)
}

/// The ToolSearch result of a request body as the provider got it: `Some(
/// true)` when one of its tool results holds a `tool_reference` to `tool`,
/// `Some(false)` when a tool result names the tool only in text (a gateway
/// that turned the reference into text), `None` when no tool result
/// mentions it.
fn reference_in_body(body: &Value, tool: &str) -> Option<bool> {
    let mut text_only = false;
    for m in body["messages"].as_array().into_iter().flatten() {
        for b in m["content"].as_array().into_iter().flatten() {
            let content = if b["type"] == "tool_result" {
                &b["content"]
            } else if b.get("toolResult").is_some() {
                &b["toolResult"]["content"]
            } else {
                continue;
            };
            for c in content.as_array().into_iter().flatten() {
                if c["type"] == "tool_reference" && c["tool_name"] == tool {
                    return Some(true);
                }
                if c.to_string().contains(tool) {
                    text_only = true;
                }
            }
        }
    }
    text_only.then_some(false)
}

/// Whether the CLI's stream-json transcript shows a tool result with a
/// `tool_reference` to `tool` (the ToolSearch result the CLI produced).
fn references_in_transcript(lines: &[String], tool: &str) -> bool {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "user")
        .any(|v| {
            reference_in_body(&serde_json::json!({"messages": [v["message"]]}), tool) == Some(true)
        })
}

/// What the provider made of the deferred tool and the search result, from
/// the simulator's record (sim mode); in live mode, that it cannot be seen.
fn provider_side(ctx: &Ctx, tool: &str) -> String {
    if ctx.sim().is_none() {
        return "; live mode cannot see the provider's side of the gateway".into();
    }
    let upstream = ctx.sim_requests();
    let refusal = match upstream.iter().find(|r| r.status >= 400) {
        Some(refused) => format!(
            "; the provider refused a request with {}: {}",
            refused.status,
            cut(refused.rejection.as_deref().unwrap_or("(no message)"), 300)
        ),
        None => String::new(),
    };
    if upstream.is_empty() {
        return "; the provider received no request of this trial".into();
    }
    let tools = match upstream.iter().find_map(|r| offered(&r.body, tool)) {
        Some(true) => "the provider received the tool deferred".to_owned(),
        // Flattened on the way only if the CLI sent it deferred (after a
        // refusal the CLI itself sends the MCP tools inline).
        Some(false)
            if ctx
                .gateway_requests()
                .iter()
                .any(|r| deferred(&r.body, tool)) =>
        {
            format!(
                "the gateway flattened the deferred tools: the provider received `{tool}` as a \
                 plain tool, without `defer_loading`"
            )
        }
        Some(false) => format!("the provider received `{tool}` inline, as the CLI then sent it"),
        None => format!("the provider never received `{tool}`"),
    };
    let reference = match upstream
        .iter()
        .filter_map(|r| reference_in_body(&r.body, tool))
        .max()
    {
        Some(true) => "and the tool_reference to it".to_owned(),
        Some(false) => format!(
            "but the {TOOL_SEARCH} result only as text: the gateway dropped its tool_reference \
             block"
        ),
        None => format!("and no {TOOL_SEARCH} result naming it"),
    };
    format!("{refusal}; {tools}, {reference}")
}

fn cut(s: &str, n: usize) -> String {
    let c: String = s.chars().take(n).collect();
    if c.len() < s.len() { c + "…" } else { c }
}

compat_harness::sim_fault_test!(
    name = "flattened_deferred_tools_turn_cell_red",
    provider = Anthropic,
    run = flattened,
    live_visible = false,
    why = "observed in a rehearsal (haiku-4.5): the live branch reads the CLI's side (the deferred tool sent through the gateway) and the round trip, which still completes; only the provider's record shows the tools arriving without `defer_loading`"
);

/// A gateway that strips `defer_loading`: the provider gets the loaded tool
/// as a plain one, and the red cell says the deferred path was flattened.
fn flattened(ctx: &Ctx) -> anyhow::Result<()> {
    let error =
        compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::StripDeferLoading, run)?;
    ensure!(
        compat_harness::judged_live(ctx)
            || (error.contains("flattened the deferred tools")
                && error.contains("without `defer_loading`")),
        "the error does not say that the gateway flattened the deferred tools: {error}"
    );
    Ok(())
}
