//! vision: a picture made by the test (a PNG of one colour, chosen at random
//! per trial) reaches the model through the gateway, and the answer names its
//! colour.

use anyhow::{Context as _, ensure};
use compat_sim::image::{PALETTE, solid_png};
use compat_tests::Ctx;

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

compat_tests::sim_fault_test!(
    name = "dropped_image_turns_cell_red",
    provider = "vertex_ai",
    run = dropped_image
);

fn dropped_image(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_tests::red_cell_under_fault(ctx, compat_sim::Fault::IgnoreImages, run)?;
    ensure!(
        error.contains("does not say so"),
        "unexpected error: {error}"
    );
    Ok(())
}

compat_tests::sim_fault_test!(
    name = "azure_passthrough_dropped_image_turns_cell_red",
    provider = "azure_passthrough",
    run = passthrough_dropped_image
);

/// On the Foundry pass-through column the red cell names the model and the
/// route. (With LiteLLM 1.108.7 this column is red without a fault too: its
/// `/azure_ai` pass-through drops the `anthropic-version` header, see
/// docs/columns/azure_passthrough.md; the test checks the error's form.)
fn passthrough_dropped_image(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_tests::red_cell_under_fault(ctx, compat_sim::Fault::IgnoreImages, run)?;
    ensure!(
        error.contains("/azure_ai/ pass-through"),
        "the error does not name the route: {error}"
    );
    Ok(())
}

compat_tests::sim_fault_test!(
    name = "dropped_image_turns_vertex_ai_rust_path_red",
    provider = "vertex_ai_rust_path",
    run = dropped_image_naming_route
);

fn dropped_image_naming_route(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_tests::red_cell_under_fault(ctx, compat_sim::Fault::IgnoreImages, run)?;
    compat_tests::ensure_names_route(ctx, &error)?;
    ensure!(
        error.contains("does not say so"),
        "unexpected error: {error}"
    );
    Ok(())
}
