//! Betas: each simulator reads them where its provider does (header or
//! body), takes the ones its provider accepts and refuses the rest in the
//! provider's words (compat-sim/src/rules/betas.rs has the sources).

use compat_sim::{Api, Simulators};
use serde_json::json;

use crate::common::*;

#[test]
fn anthropic_refuses_an_unknown_beta_header_and_takes_a_known_one() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let with = |beta: &'static str| {
        let mut h = API_HEADERS.to_vec();
        h.push(("anthropic-beta", beta));
        send(
            &sims,
            Api::Anthropic,
            "/v1/messages",
            &h,
            &messages_body(Some("claude-sonnet-4-6")),
        )
    };
    let ok = with("claude-code-20250219,interleaved-thinking-2025-05-14");
    assert_eq!(ok.status, 200, "{}", ok.text);
    let r = with("interleaved-thinking-2025-05-14,no-such-beta-2020-01-01");
    assert_anthropic_error(
        &r,
        400,
        "invalid_request_error",
        "Unexpected value(s) `no-such-beta-2020-01-01` for the `anthropic-beta` header",
    );
    let recorded = sims.requests();
    assert_eq!(
        recorded[0].betas.as_deref(),
        Some(
            &[
                "claude-code-20250219".to_owned(),
                "interleaved-thinking-2025-05-14".to_owned()
            ][..]
        )
    );
}

#[test]
fn bedrock_reads_the_body_and_refuses_an_unsupported_beta_as_invalid_beta_flag() {
    let sims = Simulators::start(&[Api::BedrockInvoke, Api::BedrockConverse]).unwrap();
    let mut b = invoke_body();
    b["anthropic_beta"] = json!(["context-management-2025-06-27"]);
    assert_eq!(
        post(&sims, Api::BedrockInvoke, INVOKE, &b, |_, _| {}).status,
        200
    );
    // Claude Code's advanced-tool-use is refused on Bedrock (LiteLLM PR #19373).
    b["anthropic_beta"] = json!(["advanced-tool-use-2025-11-20"]);
    assert_rejected(
        &post(&sims, Api::BedrockInvoke, INVOKE, &b, |_, _| {}),
        400,
        "ValidationException",
        "invalid beta flag",
    );
    assert_last_rule(&sims, "betas.bedrock");
    // mcp-servers is refused on Bedrock (LiteLLM PR #19877).
    let mut c = converse_body();
    c["additionalModelRequestFields"] = json!({"anthropic_beta": ["mcp-servers-2025-12-04"]});
    assert_rejected(
        &post(&sims, Api::BedrockConverse, CONVERSE, &c, |_, _| {}),
        400,
        "ValidationException",
        "invalid beta flag",
    );
    assert_last_rule(&sims, "betas.bedrock_converse");
}
