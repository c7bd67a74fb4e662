//! The Claude Platform on AWS simulator takes what the service's official
//! client sends (anthropic `lib/aws/_client.py`: an API key or SigV4 for
//! service `aws-external-anthropic`, `anthropic-workspace-id` on every
//! request, Anthropic's paths and model ids) and refuses the rest in
//! Anthropic's error shape: no workspace, another workspace, a signature for
//! another service, Mantle's or Bedrock's model ids.

use compat_sim::{Api, Simulators, creds};

use crate::common::*;

const PATH: &str = "/v1/messages";
const MODEL: &str = "claude-sonnet-4-6";
const P: Api = Api::ClaudePlatformAws;

/// Posts `body` signed with SigV4 for `service`, in `workspace`.
fn send_signed(sims: &Simulators, service: &str, workspace: &str) -> Reply {
    let base = sims.base_url(P).unwrap();
    let bytes = serde_json::to_vec(&messages_body(Some(MODEL))).unwrap();
    let mut req = reqwest::blocking::Client::new()
        .post(format!("{base}{PATH}"))
        .header("anthropic-version", "2023-06-01")
        .header("anthropic-workspace-id", workspace)
        .body(bytes.clone());
    for (k, v) in signed_headers_for(service, &base, PATH, &bytes, creds::AWS_SECRET_ACCESS_KEY) {
        req = req.header(k, v);
    }
    let r = req.send().unwrap();
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Reply { status, body, text }
}

#[test]
fn claude_platform_aws_takes_its_clients_auth_and_workspace() {
    let sims = Simulators::start(&[P]).unwrap();
    let ws = creds::CLAUDE_PLATFORM_AWS_WORKSPACE_ID;
    let headers: &[(&str, &str)] = &[
        ("x-api-key", creds::CLAUDE_PLATFORM_AWS_API_KEY),
        ("anthropic-version", "2023-06-01"),
        ("anthropic-workspace-id", ws),
    ];
    let ok = send(&sims, P, PATH, headers, &messages_body(Some(MODEL)));
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["type"], "message", "{}", ok.text);
    assert_eq!(ok.body["model"], MODEL, "{}", ok.text);
    // The key as anthropic 2.x's base client sends it.
    let bearer = format!("Bearer {}", creds::CLAUDE_PLATFORM_AWS_API_KEY);
    let r = send(
        &sims,
        P,
        PATH,
        &[("authorization", &bearer), headers[1], headers[2]],
        &messages_body(Some(MODEL)),
    );
    assert_eq!(r.status, 200, "{}", r.text);

    // SigV4 for the service; scoped to Bedrock's or Mantle's, refused.
    let r = send_signed(&sims, "aws-external-anthropic", ws);
    assert_eq!(r.status, 200, "{}", r.text);
    for other in ["bedrock", "bedrock-mantle"] {
        let r = send_signed(&sims, other, ws);
        assert_anthropic_error(&r, 403, "permission_error", "aws-external-anthropic");
    }

    // No credential; the first-party API's key is not this service's.
    let r = send(&sims, P, PATH, &headers[1..], &messages_body(Some(MODEL)));
    assert_anthropic_error(&r, 401, "authentication_error", "aws-external-anthropic");
    assert_last_rule(&sims, "claude_platform_aws.auth");
    let r = send(
        &sims,
        P,
        PATH,
        &[
            ("x-api-key", creds::ANTHROPIC_API_KEY),
            headers[1],
            headers[2],
        ],
        &messages_body(Some(MODEL)),
    );
    assert_anthropic_error(&r, 401, "authentication_error", "x-api-key");

    // The workspace: required, and it must be the credentials' own.
    let r = send(&sims, P, PATH, &headers[..2], &messages_body(Some(MODEL)));
    assert_anthropic_error(&r, 400, "invalid_request_error", "anthropic-workspace-id");
    assert_last_rule(&sims, "claude_platform_aws.workspace_required");
    let r = send_signed(&sims, "aws-external-anthropic", "wrkspc_someone_else");
    assert_anthropic_error(&r, 403, "permission_error", "wrkspc_someone_else");
    assert_last_rule(&sims, "claude_platform_aws.workspace_access");

    // Anthropic's ids only: Bedrock's and Mantle's are unknown models.
    for model in [
        "us.anthropic.claude-sonnet-4-6",
        "anthropic.claude-haiku-4-5",
        "gpt-4o",
    ] {
        let r = send(&sims, P, PATH, headers, &messages_body(Some(model)));
        assert_anthropic_error(&r, 404, "not_found_error", model);
        assert_last_rule(&sims, "claude_platform_aws.model_id");
    }
    // No anthropic-version; Mantle's path; an invalid body.
    let r = send(
        &sims,
        P,
        PATH,
        &[headers[0], headers[2]],
        &messages_body(Some(MODEL)),
    );
    assert_anthropic_error(&r, 400, "invalid_request_error", "anthropic-version");
    assert_last_rule(&sims, "claude_platform_aws.requires_anthropic_version");
    let r = send(
        &sims,
        P,
        "/anthropic/v1/messages",
        headers,
        &messages_body(Some(MODEL)),
    );
    assert_anthropic_error(&r, 404, "not_found_error", "/anthropic/v1/messages");
    let mut bad = messages_body(Some(MODEL));
    bad.as_object_mut().unwrap().remove("max_tokens");
    let r = send(&sims, P, PATH, headers, &bad);
    assert_anthropic_error(&r, 400, "invalid_request_error", "max_tokens");
}

#[test]
fn claude_platform_aws_takes_the_cli_aws_mode_betas() {
    let sims = Simulators::start(&[P]).unwrap();
    let ws = creds::CLAUDE_PLATFORM_AWS_WORKSPACE_ID;
    // Claude Code 2.1.331's AWS-mode set (docs/research/cli-modes-2026-12-06.md §2).
    let cli = "interleaved-thinking-2025-05-14,context-management-2025-06-27,prompt-caching-scope-2026-01-05,claude-code-20250219,advisor-tool-2026-03-01,thinking-token-count-2026-05-13,advanced-tool-use-2025-11-20";
    let mut headers = vec![
        ("x-api-key", creds::CLAUDE_PLATFORM_AWS_API_KEY),
        ("anthropic-version", "2023-06-01"),
        ("anthropic-workspace-id", ws),
        ("anthropic-beta", cli),
    ];
    let r = send(&sims, P, PATH, &headers, &messages_body(Some(MODEL)));
    assert_eq!(r.status, 200, "{}", r.text);
    // Context editing with its beta, as the CLI sends it in this mode.
    let mut body = messages_body(Some(MODEL));
    body["context_management"] =
        serde_json::json!({"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]});
    let r = send(&sims, P, PATH, &headers, &body);
    assert_eq!(r.status, 200, "{}", r.text);
    // A beta no table lists; a Bedrock-only name.
    headers[3] = ("anthropic-beta", "compat-test-2099-01-01");
    let r = send(&sims, P, PATH, &headers, &messages_body(Some(MODEL)));
    assert_anthropic_error(&r, 400, "invalid_request_error", "compat-test-2099-01-01");
    assert_last_rule(&sims, "betas.claude_platform_aws");
}
