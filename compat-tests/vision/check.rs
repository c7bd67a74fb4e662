//! vision: a picture made by the test (a PNG of one colour, chosen at random
//! per trial) reaches the model through the gateway, and the answer names its
//! colour.

use anyhow::{Context as _, ensure};
use compat_harness::Ctx;
use compat_sim::image::{PALETTE, solid_png};

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let pick = ctx.nonce().bytes().map(|b| b as usize).sum::<usize>() % PALETTE.len();
    let (colour, rgb) = PALETTE[pick];
    let claude = ctx.claude()?.image("image/png", solid_png(rgb, 64)).prompt(format!(
        "What is the dominant colour of this image? Answer with one lowercase colour word. ({})",
        ctx.nonce()
    ));
    let t = ctx.run(&claude)?;
    t.ensure_success().context("the CLI reported an error")?;
    ensure!(
        t.final_text.to_lowercase().contains(colour),
        "the image was {colour}, but the answer does not say so: {:?}",
        t.final_text
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "dropped_image_turns_cell_red",
    provider = VertexAi,
    run = dropped_image,
    live_visible = true
);

fn dropped_image(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::IgnoreImages, run)?;
    ensure!(
        error.contains("does not say so"),
        "unexpected error: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "bedrock_passthrough_dropped_image_turns_cell_red",
    provider = BedrockPassthrough,
    run = passthrough_dropped_image,
    live_visible = true
);

/// On a pass-through column (the CLI in its native Bedrock mode) the red
/// cell names the model and the route. It ran on the Foundry pass-through
/// until issue 23, where it could not fail: that cell is red without a fault
/// (LiteLLM 1.108.7's `/azure_ai` pass-through drops the `anthropic-version`
/// header, docs/columns/azure_passthrough.md), and the fault tests' guard now
/// refuses a column whose cell does not pass in the sim baseline.
fn passthrough_dropped_image(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::IgnoreImages, run)?;
    ensure!(
        error.contains("does not say so") && error.contains("/bedrock/ pass-through"),
        "the error does not say what broke and on which route: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "dropped_image_turns_vertex_ai_rust_path_red",
    provider = VertexAiRustPath,
    run = dropped_image_naming_route,
    live_visible = true
);

fn dropped_image_naming_route(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::IgnoreImages, run)?;
    compat_harness::ensure_names_route(ctx, &error)?;
    ensure!(
        error.contains("does not say so"),
        "unexpected error: {error}"
    );
    Ok(())
}
