//! structured_outputs: `claude --json-schema <schema>` returns a
//! `structured_output` in its result that validates against the schema
//! (checked with the `jsonschema` crate). LiteLLM #21407, #23380 and #28877
//! broke structured outputs on the way through.
//!
//! How the CLI does it (captured, CLI 2.1.331, every model): not with
//! `output_config.format` and no `structured-outputs-*` beta, but with a
//! custom tool `StructuredOutput` whose `input_schema` is the user's schema
//! ("You MUST call this tool exactly once at the end of your response");
//! the CLI validates the tool's input itself and reports it as
//! `structured_output`. So what must cross the gateway is that tool
//! (Converse: `toolConfig.tools[].toolSpec.inputSchema.json`) and the
//! model's `tool_use` of it on the way back. The schema has a nested
//! object, an enum and required fields, the places where a translation
//! loses detail.
//!
//! What it asserts, by mode:
//! - both: the run succeeds; `structured_output` is present, validates
//!   against the schema, and carries this trial's token (so it is this
//!   answer, not a cached or default one); the tap shows the CLI offered
//!   the `StructuredOutput` tool with the schema.
//! - sim: when it fails, the simulator's record tells whether the tool
//!   reached the provider (with its schema intact) or the model answered
//!   without it.

use anyhow::{Context as _, bail, ensure};
use compat_harness::Ctx;
use serde_json::{Value, json};

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "token": {"type": "string", "description": "The trial token, verbatim."},
            "status": {"type": "string", "enum": ["ok", "failed"]},
            "detail": {
                "type": "object",
                "properties": {
                    "token_again": {"type": "string"},
                    "attempts": {"type": "integer", "minimum": 1}
                },
                "required": ["token_again", "attempts"],
                "additionalProperties": false
            }
        },
        "required": ["token", "status", "detail"],
        "additionalProperties": false
    })
}

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let token = format!("so-{}", ctx.nonce());
    let schema = schema();
    let claude = ctx.claude()?.option("--json-schema", schema.to_string()).prompt(format!(
        "Use the StructuredOutput tool to report the token `{token}` (in both token fields), status ok and attempts 1."
    ));
    let t = ctx.run(&claude)?;
    t.ensure_success()
        .context("the run with --json-schema failed")?;
    let output = structured_output(&t.raw_lines);
    let Some(output) = output else {
        bail!(
            "the CLI's result has no structured_output (its answer: {:?}): {}",
            t.final_text,
            diagnose(ctx)
        );
    };
    let validator = jsonschema::validator_for(&schema).context("compiling the row's own schema")?;
    let errors: Vec<String> = validator
        .iter_errors(&output)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    ensure!(
        errors.is_empty(),
        "structured_output does not validate against the schema ({}): {output}",
        errors.join("; ")
    );
    ensure!(
        output["token"] == token.as_str(),
        "structured_output does not carry this trial's token `{token}`: {output}"
    );
    let offered = ctx
        .gateway_requests()
        .iter()
        .any(|r| tool_schema(&r.body, "/tools", "/input_schema").as_ref() == Some(&schema));
    ensure!(
        offered,
        "the tap saw no request offering the StructuredOutput tool with the schema: the CLI's --json-schema \
         changed, and this row no longer tests what crosses the gateway"
    );
    Ok(())
}

/// `structured_output` of the CLI's result line.
fn structured_output(lines: &[String]) -> Option<Value> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "result")
        .find_map(|v| v.get("structured_output").filter(|s| !s.is_null()).cloned())
}

/// The `StructuredOutput` tool's schema in a body's tool list (a Converse
/// tool's `toolSpec`, a Chat Completions tool's `function`, else the tool).
fn tool_schema(body: &Value, tools: &str, schema_at: &str) -> Option<Value> {
    body.pointer(tools)?
        .as_array()?
        .iter()
        .map(|t| t.get("toolSpec").or_else(|| t.get("function")).unwrap_or(t))
        .find(|t| t["name"] == "StructuredOutput")
        .and_then(|t| t.pointer(schema_at).cloned())
}

/// Where the structured-output request got lost, from the evidence.
fn diagnose(ctx: &Ctx) -> String {
    let sent = ctx
        .gateway_requests()
        .iter()
        .filter(|r| tool_schema(&r.body, "/tools", "/input_schema").is_some())
        .count();
    if ctx.sim().is_none() {
        return format!(
            "the CLI offered the StructuredOutput tool in {sent} request(s) through the gateway; live mode \
             cannot see what the provider got"
        );
    }
    let upstream = ctx.sim_requests();
    let schemas: Vec<Value> = upstream
        .iter()
        .filter_map(|r| {
            tool_schema(&r.body, "/tools", "/input_schema")
                .or_else(|| tool_schema(&r.body, "/toolConfig/tools", "/inputSchema/json"))
                // OpenAI's APIs (the GPT columns): a function's `parameters`.
                .or_else(|| tool_schema(&r.body, "/tools", "/parameters"))
        })
        .collect();
    // The model's tool call, as the provider streamed it (Anthropic's
    // `input_json_delta`, Converse's `toolUse` delta, OpenAI's function-call
    // arguments or tool-call chunks).
    let called = upstream.iter().any(|r| {
        r.stream_events.iter().any(|e| {
            e.kind.contains("input_json")
                || e.kind.contains("toolUse")
                || e.kind.contains("function_call_arguments")
                || e.kind.contains("tool_call")
        })
    });
    let altered = schemas.iter().find(|s| **s != schema());
    let altered = altered.map_or(String::new(), |s| {
        format!(" (the schema arrived altered: {s})")
    });
    if schemas.is_empty() {
        format!(
            "the structured-output request was lost: the CLI offered the StructuredOutput tool in {sent} \
             request(s), the provider received it in none of its {} request(s)",
            upstream.len()
        )
    } else if !called {
        format!(
            "the structured-output request was lost before the model: the provider's {} request(s) carried the \
             StructuredOutput tool, but the model never called it and answered in free text{altered}",
            upstream.len()
        )
    } else {
        format!(
            "the model called the StructuredOutput tool but the call did not reach the CLI as its structured \
             output{altered}"
        )
    }
}

compat_harness::sim_fault_test!(
    name = "dropped_structured_output_turns_cell_red",
    provider = BedrockConverse,
    run = dropped,
    live_visible = true
);

fn dropped(ctx: &Ctx) -> anyhow::Result<()> {
    let error =
        compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::DropStructuredOutput, run)?;
    ensure!(
        compat_harness::judged_live(ctx) || error.contains("structured-output request was lost"),
        "the error does not say the structured-output request was lost: {error}"
    );
    Ok(())
}
