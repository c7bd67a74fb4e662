//! pdf_input: a PDF made by the test (one page whose first line holds a
//! per-trial code that appears nowhere else) lies in the project folder; the
//! CLI reads it with its Read tool, which sends it on as a `document` block
//! (base64 `application/pdf`) inside the tool result, and the answer must
//! quote the code. So the gateway carried the PDF to the provider in a form
//! the provider reads (Converse: a `document` block with a valid, unique
//! name).
//!
//! Sim mode: the simulators refuse a malformed document as the provider does
//! and the scripted model answers with the text it extracts from the PDF; on
//! failure the check says whether the document left the CLI, reached the
//! provider, or arrived and was refused. Live mode: the same assertion holds
//! for a real model (it can only know the code by reading the PDF); the
//! failure says whether the CLI sent a document through the gateway.
//!
//! On GPT models (issue 29) the PDF reaches OpenAI in the form LiteLLM
//! translates it into (Responses `input_file` with a `data:application/pdf`
//! URL; on Azure's chat adapter an `image_url`, bridged to an
//! `input_image`): sim mode looks for the PDF's bytes in any form, and a
//! refusal of the request that carried it is quoted.

use std::hash::BuildHasher as _;

use anyhow::{Context as _, ensure};
use compat_harness::Ctx;
use compat_sim::document::pdf_with_text;

compat_harness::feature!(run = run);

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    // A random code, not derived from the nonce: the prompt carries the nonce,
    // so an answer that merely echoed the prompt could not pass.
    let code = format!(
        "pdf-{:016x}",
        std::collections::hash_map::RandomState::new().hash_one(ctx.nonce())
    );
    let project = tempfile::tempdir()?;
    let work = project.path().join("work");
    std::fs::create_dir_all(&work)?;
    let pdf = work.join("report.pdf");
    std::fs::write(
        &pdf,
        pdf_with_text(&[
            &format!("The code is {code}"),
            "Quarterly report of the compatibility matrix.",
        ]),
    )
    .context("writing the trial's PDF into its project folder")?;
    let claude = ctx
        .claude()?
        .session_dir(project.path())
        .allowed_tools(&["Read"])
        .max_turns(4)
        .prompt(format!(
            "Use the Read tool to read `{}`, then quote the line of that PDF that starts with \
             \"The code is\". ({})",
            pdf.display(),
            ctx.nonce()
        ));
    let t = ctx.run(&claude)?;
    t.ensure_success().context("the CLI reported an error")?;
    ensure!(
        t.final_text.contains(&code),
        "the PDF says \"The code is {code}\", but the answer does not quote it: {}. Answer: {:?}",
        diagnose(ctx),
        t.final_text
    );
    Ok(())
}

/// Where the document was lost: never sent by the CLI, not delivered by the
/// gateway, or delivered in a form the model could not read.
fn diagnose(ctx: &Ctx) -> String {
    let has_document = |body: &serde_json::Value| {
        let text = body.to_string();
        text.contains("\"document\"") && text.contains("JVBER") // base64 of "%PDF"
    };
    let sent = ctx
        .gateway_requests()
        .iter()
        .filter(|r| has_document(&r.body))
        .count();
    if ctx.sim().is_none() {
        return if sent == 0 {
            "the CLI sent no PDF document through the gateway (did the model call the Read tool?)"
                .into()
        } else {
            format!(
                "the CLI sent the PDF through the gateway in {sent} request(s); live mode cannot see what \
                 the provider received"
            )
        };
    }
    let upstream = ctx.sim_requests();
    if !ctx.model_family().is_claude() {
        return gpt_diagnosis(sent, &upstream);
    }
    let received = upstream.iter().filter(|r| has_document(&r.body)).count();
    match (sent, received) {
        (0, _) => {
            "the CLI sent no PDF document (the Read tool was not called or did not return it)"
                .into()
        }
        (_, 0) => format!(
            "the gateway dropped the document: the CLI sent a PDF in {sent} request(s), the provider \
             received none ({} request(s) in all)",
            upstream.len()
        ),
        _ => format!(
            "the provider received the PDF in {received} request(s) but the model did not read it \
             (a refused or flattened document block)"
        ),
    }
}

/// The diagnosis on GPT: the PDF's bytes (base64 of "%PDF") in whatever
/// part the translation made of the document, and the provider's refusal of
/// a request that carried them.
fn gpt_diagnosis(sent: usize, upstream: &[compat_sim::RecordedRequest]) -> String {
    let carrying: Vec<&compat_sim::RecordedRequest> = upstream
        .iter()
        .filter(|r| r.body.to_string().contains("JVBER"))
        .collect();
    let part = |r: &compat_sim::RecordedRequest| {
        let text = r.body.to_string();
        ["input_file", "input_image", "image_url", "file"]
            .into_iter()
            .find(|p| text.contains(&format!("\"type\":\"{p}\"")))
            .unwrap_or("an unknown part")
    };
    match (sent, carrying.first()) {
        (0, _) => {
            "the CLI sent no PDF document (the Read tool was not called or did not return it)"
                .into()
        }
        (_, None) => format!(
            "the gateway dropped the document: the CLI sent a PDF in {sent} request(s), the provider \
             received none ({} request(s) in all)",
            upstream.len()
        ),
        (_, Some(_)) => match carrying.iter().find(|r| r.status >= 400) {
            Some(r) => format!(
                "the gateway sent the PDF as `{}` and the provider refused it with {}: {}",
                part(r),
                r.status,
                r.rejection.as_deref().unwrap_or("(no message)")
            ),
            None => format!(
                "the provider received the PDF (as `{}`) in {} request(s) but the model did not \
                 read it",
                part(carrying[0]),
                carrying.len()
            ),
        },
    }
}

compat_harness::sim_fault_test!(
    name = "dropped_document_turns_cell_red",
    provider = BedrockConverse,
    run = dropped_document,
    live_visible = true
);

fn dropped_document(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_fault(ctx, compat_sim::Fault::DropDocuments, run)?;
    ensure!(
        error.contains("does not quote it"),
        "unexpected error: {error}"
    );
    Ok(())
}
