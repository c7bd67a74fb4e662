//! tool_use: the model asks for a built-in tool (Bash running `echo <nonce>`),
//! the CLI runs it, the tool_result goes back through the gateway, and the
//! final answer contains the nonce. The transcript must show the call and its
//! result.

use anyhow::{Context as _, ensure};
use compat_harness::Ctx;

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let token = format!("tool-{}", ctx.nonce());
    let claude = ctx
        .claude()?
        .allowed_tools(&["Bash"])
        .max_turns(4)
        .prompt(format!(
            "Use the Bash tool to run `echo {token}` and then tell me exactly what it printed."
        ));
    let t = ctx.run(&claude)?;
    t.ensure_success().context("the CLI reported an error")?;
    let call = t
        .tool_calls
        .iter()
        .find(|c| c.name == "Bash" && c.input.to_string().contains(&token))
        .with_context(|| {
            format!(
                "the model did not call Bash with `echo {token}`; tool calls: {:?}",
                t.tool_calls
            )
        })?;
    let result = t
        .tool_results
        .iter()
        .find(|r| r.tool_use_id == call.id)
        .with_context(|| format!("no tool_result for the Bash call {}", call.id))?;
    ensure!(
        !result.is_error && result.content.contains(&token),
        "the Bash tool_result is wrong: {result:?}"
    );
    ensure!(
        t.final_text.contains(&token),
        "the final answer does not contain `{token}` (so the tool_result did not reach the model): {:?}",
        t.final_text
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "no_tool_call_turns_cell_red",
    provider = BedrockInvoke,
    run = no_tool_call,
    live_visible = true
);

fn no_tool_call(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::NoToolCall, run)?;
    ensure!(
        error.contains("did not call Bash"),
        "unexpected error: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "bedrock_passthrough_no_tool_call_turns_cell_red",
    provider = BedrockPassthrough,
    run = passthrough_no_tool_call,
    live_visible = true
);

/// The same fault on the pass-through column: the red cell names the model
/// and the route the CLI took.
fn passthrough_no_tool_call(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::NoToolCall, run)?;
    ensure!(
        error.contains("did not call Bash") && error.contains("/bedrock/ pass-through"),
        "the error does not say what broke and on which route: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "bedrock_passthrough_misrouted_trial_fails",
    provider = BedrockPassthrough,
    run = misrouted,
    live_visible = true
);

compat_harness::sim_fault_test!(
    name = "claude_code_gateway_misrouted_trial_fails",
    provider = ClaudeCodeGateway,
    run = misrouted,
    live_visible = true
);

/// The harness guard for pass-through and gateway-mode columns: the CLI is sent to the
/// gateway's `/v1/messages` (which serves the same deployment, so the same
/// simulator answers and the check itself passes); the trial must still
/// fail, as a harness error naming the route it took instead.
fn misrouted(ctx: &Ctx) -> anyhow::Result<()> {
    use compat_matrix::status::{FailureClass, Outcome};
    ctx.misroute_to_messages();
    run(ctx).map_err(|e| e.context("the misrouted check itself should pass"))?;
    // The simulator's record is sim mode's; rehearsal judges without it.
    ensure!(
        compat_harness::judged_live(ctx) || !ctx.sim_requests().is_empty(),
        "the misrouted run did not reach the {} simulator at all",
        ctx.provider().id()
    );
    match compat_harness::conclude_trial(ctx, run) {
        (Outcome::Fail { error }, Some(FailureClass::Harness))
            if error.contains("/v1/messages") && error.contains(ctx.provider().id()) =>
        {
            Ok(())
        }
        other => anyhow::bail!(
            "a trial that reached the simulator through /v1/messages was not refused as a harness error naming the route: {other:?}"
        ),
    }
}

compat_harness::sim_fault_test!(
    name = "vertex_passthrough_no_tool_call_turns_cell_red",
    provider = VertexPassthrough,
    run = vertex_passthrough_no_tool_call,
    live_visible = true
);

/// The Vertex pass-through (sim mode: LiteLLM -> Google's TLS front -> the
/// Vertex simulator): the lost tool call turns the cell red, the error
/// naming the model and the route the CLI took.
fn vertex_passthrough_no_tool_call(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::NoToolCall, run)?;
    ensure!(
        error.contains("did not call Bash") && error.contains("/vertex_ai/ pass-through"),
        "the error does not say what broke and on which route: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "anthropic_passthrough_no_tool_call_turns_cell_red",
    provider = AnthropicPassthrough,
    run = anthropic_passthrough_no_tool_call,
    live_visible = true
);

/// The `/anthropic` pass-through (the CLI's base URL at the route, LiteLLM
/// forwarding to the Anthropic simulator by `ANTHROPIC_API_BASE`): the lost
/// tool call turns the cell red, the error naming the route.
fn anthropic_passthrough_no_tool_call(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::NoToolCall, run)?;
    ensure!(
        error.contains("did not call Bash") && error.contains("/anthropic/ pass-through"),
        "the error does not say what broke and on which route: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "anthropic_passthrough_misrouted_trial_fails",
    provider = AnthropicPassthrough,
    run = misrouted,
    live_visible = true
);

compat_harness::sim_fault_test!(
    name = "vertex_passthrough_misrouted_trial_fails",
    provider = VertexPassthrough,
    run = misrouted,
    live_visible = true
);

compat_harness::sim_fault_test!(
    name = "no_tool_call_turns_bedrock_mantle_red",
    provider = BedrockMantle,
    run = no_tool_call_naming_route,
    live_visible = true
);

compat_harness::sim_fault_test!(
    name = "no_tool_call_turns_claude_platform_aws_red",
    provider = ClaudePlatformAws,
    run = no_tool_call_naming_route,
    live_visible = true
);

/// The same loss on the Mantle column (and on Claude Platform on AWS, whose
/// CLI runs in its AWS mode): the error names the model and the
/// gateway route the trial took (`bedrock_mantle/anthropic.claude-…`).
fn no_tool_call_naming_route(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::NoToolCall, run)?;
    compat_harness::ensure_names_route(ctx, &error)?;
    ensure!(
        error.contains("did not call Bash"),
        "unexpected error: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "openai_no_tool_call_turns_cell_red",
    provider = Openai,
    run = no_tool_call,
    live_visible = true
);

compat_harness::sim_fault_test!(
    name = "azure_openai_no_tool_call_turns_cell_red",
    provider = AzureOpenai,
    run = no_tool_call,
    live_visible = true
);
