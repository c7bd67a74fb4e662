//! mcp_tools: a tool from an MCP server, round trip through the gateway.
//!
//! The trial writes a `--mcp-config` naming the fixture MCP server
//! (compat-mcp, built with the workspace; the CLI starts it over stdio and
//! it dies with the CLI) with a receipt only that server knows, allows its
//! tool (`--allowedTools mcp__compat-matrix-fixtures__file_support_ticket_with_structured_priority_and_tags`,
//! 82 characters) and asks the model to use it. `ENABLE_TOOL_SEARCH=false`
//! keeps the tool inline in `tools` with its full schema: claude 2.1.331
//! otherwise defers MCP tools behind its ToolSearch tool (`defer_loading`,
//! `tool_reference` results; that is the tool_search row's subject). What
//! the CLI sends was captured (docs/rows/mcp_tools.md).
//!
//! Pass (both modes): the model called the MCP tool, the server accepted
//! its input against the tool's input schema (`$defs`/`$ref`, enums,
//! nested objects, `anyOf` with null) and answered the receipt, and the
//! final answer quotes it. Each simulator applies its provider's real tool
//! rules (compat-sim/src/rules/tool_rules.rs): Anthropic and the providers that
//! take its body allow names of 128 characters, Bedrock Converse 64, so a
//! gateway that forwards the long name to Converse unchanged is refused
//! there as in production, and the cell is red with the provider's words.
//!
//! A failure says what was lost, from evidence: in sim mode the
//! simulator's record of the tools the provider received (the tool missing,
//! renamed, or its schema altered); in live mode what the CLI sent through
//! the gateway (the tap), the tool calls and the server's own answer (a
//! refusal of the model's input names the schema violation).
//!
//! Both modes also check that the MCP server did not outlive the run (it is
//! the CLI's child; a survivor is killed and the trial reaches no verdict).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use compat_harness::Ctx;
use compat_matrix::classify::NoVerdict;
use compat_mcp::{TICKET_TOOL, qualified};
use serde_json::Value;

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let n = ctx.nonce();
    let receipt = format!("RCPT-{:016x}", fastrand::u64(..));
    let tool = qualified(TICKET_TOOL);
    let dir = tempfile::tempdir().context("a folder for the MCP config")?;
    let config = dir.path().join("mcp.json");
    let server = Path::new(env!("CARGO_BIN_EXE_compat-mcp"));
    std::fs::write(
        &config,
        serde_json::to_vec_pretty(&compat_mcp::mcp_config(server, &receipt))?,
    )
    .context("writing the --mcp-config file")?;
    let claude = ctx
        .claude()?
        .env("ENABLE_TOOL_SEARCH", "false")
        .option("--mcp-config", config.display().to_string())
        .allowed_tools(&[tool.as_str()])
        .max_turns(4)
        .prompt(format!(
            "Use the {tool} tool to file a support ticket for request `{n}`, then tell me the \
             receipt it returns."
        ));
    let t = run_with_fixture_server(ctx, &claude, &receipt, server, || {
        format!(
            "the run with the MCP tool `{tool}` failed{}",
            provider_side(ctx, &tool)
        )
    })?;
    let sent = ctx.gateway_requests();
    let Some(sent_tool) = sent
        .iter()
        .find_map(|r| tools_of(&r.body).into_iter().find(|t| t.0 == tool))
    else {
        return Err(NoVerdict(format!(
            "the CLI did not send the MCP tool `{tool}` inline (did ENABLE_TOOL_SEARCH=false stop \
             working?): nothing to judge the gateway on"
        ))
        .into());
    };

    if t.final_text.contains(&receipt) {
        ensure!(
            t.tool_calls.iter().any(|c| c.name == tool),
            "the answer quotes the receipt but the transcript shows no call of `{tool}`"
        );
        return Ok(());
    }
    let Some(call) = t.tool_calls.iter().find(|c| c.name == tool) else {
        bail!(
            "the model never called the MCP tool `{tool}` ({} characters; the CLI sent it with a \
             schema of {} properties){}. The answer: {}",
            tool.len(),
            sent_tool.1["properties"].as_object().map_or(0, |p| p.len()),
            provider_side(ctx, &tool),
            cut(&t.final_text, 200)
        );
    };
    let Some(result) = t.tool_results.iter().find(|r| r.tool_use_id == call.id) else {
        bail!("the CLI has no result for the MCP call {}", call.id);
    };
    if result.is_error || !result.content.contains(&receipt) {
        bail!(
            "the MCP server refused the model's call of `{tool}` (input {}): {}{}",
            cut(&call.input.to_string(), 300),
            cut(&result.content, 300),
            provider_side(ctx, &tool)
        );
    }
    bail!(
        "the MCP tool answered with the receipt `{receipt}`, but the final answer does not quote \
         it (the tool result did not reach the model through the gateway): {}",
        cut(&t.final_text, 200)
    )
}

/// Runs `claude` with the fixture MCP server (its processes marked by
/// `receipt`) and turns what is not the gateway's doing into no verdict: a
/// server that outlived the CLI, a server the CLI did not connect to. A
/// failed run is an error in `failed()`'s words (which run, and what the
/// provider said). Shared by the mcp_tools and tool_search rows.
pub fn run_with_fixture_server(
    ctx: &Ctx,
    claude: &compat_core::driver::ClaudeRun,
    receipt: &str,
    server: &Path,
    failed: impl FnOnce() -> String,
) -> anyhow::Result<compat_core::driver::Transcript> {
    let outcome = ctx.run(claude);
    let survivors = reap_servers(receipt);
    let t = outcome?;
    if survivors > 0 {
        return Err(NoVerdict(format!(
            "{survivors} fixture MCP server process(es) outlived the CLI (killed now): the run \
             did not stop what it started"
        ))
        .into());
    }
    if let Err(e) = t.ensure_success() {
        return Err(anyhow::Error::new(e).context(failed()));
    }
    match mcp_status(&t.raw_lines) {
        Some(s) if s == "connected" => Ok(t),
        other => Err(NoVerdict(format!(
            "the CLI did not connect to the fixture MCP server (status {other:?}; server {}): \
             nothing to judge the gateway on",
            server.display()
        ))
        .into()),
    }
}

/// `status` of the fixture server in the CLI's init line.
pub fn mcp_status(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["type"] == "system" && v["subtype"] == "init")?["mcp_servers"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == compat_mcp::SERVER)?["status"]
        .as_str()
        .map(str::to_owned)
}

/// (name, input schema) of every custom tool of a request, Anthropic
/// dialects (`tools`), Converse (`toolConfig.tools[].toolSpec`), OpenAI's
/// Responses (`tools[]` `{type: function, name, parameters}`) or Chat
/// Completions (`tools[].function`).
fn tools_of(body: &Value) -> Vec<(String, Value)> {
    let anthropic = body["tools"].as_array().into_iter().flatten().map(|t| {
        // Chat Completions nests the function; no other dialect has the key.
        let f = t.get("function").unwrap_or(t);
        (
            f["name"].as_str().unwrap_or_default().to_owned(),
            f.get("input_schema")
                .or_else(|| f.get("parameters"))
                .cloned()
                .unwrap_or(Value::Null),
        )
    });
    let converse = body["toolConfig"]["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("toolSpec"))
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_owned(),
                s["inputSchema"]["json"].clone(),
            )
        });
    anthropic.chain(converse).collect()
}

/// What the provider made of the MCP tool, from the simulator's record
/// (sim mode); in live mode, that it cannot be seen.
fn provider_side(ctx: &Ctx, tool: &str) -> String {
    if ctx.sim().is_none() {
        return "; live mode cannot see the provider's side of the gateway".into();
    }
    let upstream = ctx.sim_requests();
    if let Some(refused) = upstream.iter().find(|r| r.status >= 400) {
        return format!(
            "; the provider refused the request with {}: {}",
            refused.status,
            cut(refused.rejection.as_deref().unwrap_or("(no message)"), 300)
        );
    }
    let Some(first) = upstream.first() else {
        return "; the provider received no request of this trial".into();
    };
    let got = tools_of(&first.body);
    let sent_schema = compat_mcp::ticket_schema();
    match got.iter().find(|(name, _)| name == tool) {
        Some((_, schema)) if *schema != sent_schema => format!(
            "; the provider received the tool with an altered input schema: {}",
            cut(&schema.to_string(), 300)
        ),
        Some(_) => "; the provider received the tool intact".into(),
        None => {
            let similar: Vec<&str> = got
                .iter()
                .map(|(name, _)| name.as_str())
                .filter(|name| name.contains(compat_mcp::TICKET_TOOL) || name.starts_with("mcp"))
                .collect();
            if similar.is_empty() {
                format!(
                    "; the gateway dropped the tool on the way: the provider received {} tools, \
                     none of them `{tool}`",
                    got.len()
                )
            } else {
                format!(
                    "; the gateway renamed the tool on the way: the provider received {similar:?}"
                )
            }
        }
    }
}

/// Kills every process still carrying this trial's receipt in its
/// environment (a fixture server that outlived its CLI), after a short
/// grace for the one that is just seeing its stdin close. Returns how many
/// there were.
pub fn reap_servers(receipt: &str) -> usize {
    let needle = format!("{}={receipt}", compat_mcp::RECEIPT_ENV);
    let find = || -> Vec<i32> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/environ"))
                    .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == needle.as_bytes()))
            })
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut left = find();
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        left = find();
    }
    for pid in &left {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(*pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    left.len()
}

fn cut(s: &str, n: usize) -> String {
    let c: String = s.chars().take(n).collect();
    if c.len() < s.len() { c + "…" } else { c }
}

compat_harness::sim_fault_test!(
    name = "dropped_mcp_tool_turns_cell_red",
    provider = Anthropic,
    run = dropped,
    live_visible = true
);

/// A gateway that drops the MCP tool on the way: the model cannot call it,
/// and the red cell says the tool never reached the provider.
fn dropped(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::DropMcpTools, run)?;
    ensure!(
        error.contains("never called the MCP tool")
            && (compat_harness::judged_live(ctx) || error.contains("dropped the tool on the way")),
        "the error does not say that the MCP tool was lost on the way to the provider: {error}"
    );
    Ok(())
}
