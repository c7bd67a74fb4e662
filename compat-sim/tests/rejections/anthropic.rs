//! The Anthropic API simulator rejects what the Messages API rejects, in its
//! error shape, and records every request with its key redacted.

use compat_sim::{Api, Simulators, creds};
use serde_json::{Value, json};

use crate::common::*;

#[test]
fn anthropic_rejects_what_the_messages_api_rejects() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let p = Api::Anthropic;
    let ok = send(
        &sims,
        p,
        "/v1/messages",
        API_HEADERS,
        &messages_body(Some("claude-sonnet-4-6")),
    );
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["content"][0]["text"], "OK");

    // 1. wrong key
    let r = send(
        &sims,
        p,
        "/v1/messages",
        &[
            ("x-api-key", "sk-wrong"),
            ("anthropic-version", "2023-06-01"),
        ],
        &messages_body(Some("claude-sonnet-4-6")),
    );
    assert_anthropic_error(&r, 401, "authentication_error", "invalid x-api-key");
    // 2. no anthropic-version header
    let r = send(
        &sims,
        p,
        "/v1/messages",
        &API_HEADERS[..1],
        &messages_body(Some("claude-sonnet-4-6")),
    );
    assert_anthropic_error(&r, 400, "invalid_request_error", "anthropic-version");
    // 3. no model
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &messages_body(None));
    assert_anthropic_error(&r, 400, "invalid_request_error", "model: Field required");
    // 4. a Bedrock-dialect field
    let mut b = messages_body(Some("claude-sonnet-4-6"));
    b["anthropic_version"] = json!("bedrock-2023-05-31");
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &b);
    assert_anthropic_error(
        &r,
        400,
        "invalid_request_error",
        "anthropic_version: Extra inputs are not permitted",
    );
    // 5. an OpenAI-dialect image part
    let mut b = messages_body(Some("claude-sonnet-4-6"));
    b["messages"][0]["content"] =
        json!([{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}]);
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &b);
    assert_anthropic_error(&r, 400, "invalid_request_error", "image_url");
    // 6. an unknown model
    let r = send(
        &sims,
        p,
        "/v1/messages",
        API_HEADERS,
        &messages_body(Some("gpt-4o")),
    );
    assert_anthropic_error(&r, 404, "not_found_error", "gpt-4o");
    // 7. wrong path
    let r = send(
        &sims,
        p,
        "/v1/chat/completions",
        API_HEADERS,
        &messages_body(Some("claude-sonnet-4-6")),
    );
    assert_anthropic_error(&r, 404, "not_found_error", "/v1/chat/completions");

    let recorded = sims.requests();
    assert_eq!(recorded.len(), 8);
    assert_eq!(recorded.iter().filter(|r| r.rejection.is_some()).count(), 7);
    assert!(
        recorded
            .iter()
            .all(|r| r.headers.get("x-api-key").is_none_or(|k| k == "<redacted>")),
        "keys must be redacted"
    );
}

/// anthropic 2.x (PyPI `anthropic` 2.14.0, anthropic/_client.py
/// `_api_key_auth`) sends the key as `Authorization: Bearer`; the simulator
/// accepts it, still refuses a wrong one, and `x-api-key` wins over it.
/// `context_management` is read only under its beta; without it the API
/// refuses the field as unknown (anthropics/claude-code#14135).
#[test]
fn context_management_needs_its_beta() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let p = Api::Anthropic;
    let mut body = messages_body(Some("claude-sonnet-4-6"));
    body["context_management"] =
        serde_json::json!({"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]});
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &body);
    assert_anthropic_error(
        &r,
        400,
        "invalid_request_error",
        "context_management: Extra inputs are not permitted",
    );
    let mut headers = API_HEADERS.to_vec();
    headers.push(("anthropic-beta", "context-management-2025-06-27"));
    let r = send(&sims, p, "/v1/messages", &headers, &body);
    assert_eq!(r.status, 200, "{}", r.text);
}

#[test]
fn anthropic_accepts_the_key_as_a_bearer_token() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let p = Api::Anthropic;
    let body = messages_body(Some("claude-sonnet-4-6"));
    let bearer = format!("Bearer {}", compat_sim::creds::ANTHROPIC_API_KEY);
    let ok = send(
        &sims,
        p,
        "/v1/messages",
        &[
            ("authorization", &bearer),
            ("anthropic-version", "2023-06-01"),
        ],
        &body,
    );
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["content"][0]["text"], "OK");

    let r = send(
        &sims,
        p,
        "/v1/messages",
        &[
            ("authorization", "Bearer sk-wrong"),
            ("anthropic-version", "2023-06-01"),
        ],
        &body,
    );
    assert_anthropic_error(&r, 401, "authentication_error", "invalid x-api-key");
    // x-api-key wins: a wrong x-api-key is refused even beside a right bearer.
    let r = send(
        &sims,
        p,
        "/v1/messages",
        &[
            ("x-api-key", "sk-wrong"),
            ("authorization", &bearer),
            ("anthropic-version", "2023-06-01"),
        ],
        &body,
    );
    assert_anthropic_error(&r, 401, "authentication_error", "invalid x-api-key");
    // Another scheme is no key at all.
    let r = send(
        &sims,
        p,
        "/v1/messages",
        &[
            ("authorization", "Basic c2s6"),
            ("anthropic-version", "2023-06-01"),
        ],
        &body,
    );
    assert_anthropic_error(
        &r,
        401,
        "authentication_error",
        "x-api-key header is required",
    );
    let recorded = sims.requests();
    assert!(
        recorded.iter().all(|r| {
            r.headers
                .values()
                .all(|v| !v.contains(compat_sim::creds::ANTHROPIC_API_KEY))
        }),
        "bearer keys must be redacted"
    );
    assert_eq!(
        recorded[0].headers.get("authorization").map(String::as_str),
        Some("Bearer <redacted>")
    );
}

/// anthropic 2.x sends `anthropic-version: 2026-10-21` (PyPI `anthropic`
/// 2.14.0, anthropic/_constants.py `ANTHROPIC_API_VERSION`): accepted beside
/// 2023-06-01; any other value is still refused.
#[test]
fn anthropic_accepts_the_sdk2_api_version_and_no_other() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let p = Api::Anthropic;
    let body = messages_body(Some("claude-sonnet-4-6"));
    let key = ("x-api-key", compat_sim::creds::ANTHROPIC_API_KEY);
    let ok = send(
        &sims,
        p,
        "/v1/messages",
        &[key, ("anthropic-version", "2026-10-21")],
        &body,
    );
    assert_eq!(ok.status, 200, "{}", ok.text);
    for v in ["2026-10-22", "2024-01-01", "bedrock-2023-05-31"] {
        let r = send(
            &sims,
            p,
            "/v1/messages",
            &[key, ("anthropic-version", v)],
            &body,
        );
        assert_anthropic_error(&r, 400, "invalid_request_error", "unknown version");
    }
}

/// `document` blocks (https://docs.claude.com/en/docs/build-with-claude/pdf-support):
/// a base64 PDF, also inside a tool result as the CLI's Read tool sends it,
/// is read; another media type, bad base64 or a file that is no PDF is refused.
#[test]
fn messages_read_pdf_documents_and_refuse_broken_ones() {
    use base64::Engine as _;
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let p = Api::Anthropic;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let pdf = b64(&compat_sim::document::pdf_with_text(&[
        "The code is anth-42",
    ]));
    let doc = |media_type: &str, data: &str| json!({"type": "document", "source": {"type": "base64", "media_type": media_type, "data": data}});
    let mut b = messages_body(Some("claude-sonnet-4-6"));
    b["messages"] = json!([
        {"role": "user", "content": "Read it"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {"file_path": "/r.pdf"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [
            {"type": "text", "text": "PDF file read: /r.pdf"}, doc("application/pdf", &pdf)]}]}
    ]);
    let r = send(&sims, p, "/v1/messages", API_HEADERS, &b);
    let v = &r.body;
    assert_eq!(r.status, 200, "{v}");
    assert!(
        v["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("anth-42"),
        "{v}"
    );

    for (media_type, data, says) in [
        ("application/msword", pdf.as_str(), "media_type"),
        ("application/pdf", "%%%", "invalid base64"),
        (
            "application/pdf",
            &b64(b"not a pdf"),
            "The PDF specified was not valid",
        ),
    ] {
        let mut b = messages_body(Some("claude-sonnet-4-6"));
        b["messages"][0]["content"] =
            json!([doc(media_type, data), {"type": "text", "text": "What does it say?"}]);
        let r = send(&sims, p, "/v1/messages", API_HEADERS, &b);
        assert_anthropic_error(&r, 400, "invalid_request_error", says);
    }
}

/// `GET /v1/models` (the Models API, which LiteLLM's `/anthropic`
/// pass-through forwards): authenticated and versioned as Messages, the
/// documented list shape, `limit` in 1..=1000.
#[test]
fn anthropic_lists_its_models_as_the_models_api_does() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let get = |query: &str, headers: &[(&str, &str)]| {
        let mut req = reqwest::blocking::Client::new().get(format!(
            "{}/v1/models{query}",
            sims.base_url(Api::Anthropic).unwrap()
        ));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().unwrap();
        let status = r.status().as_u16();
        let text = r.text().unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, body, text }
    };
    let r = get("?limit=1000", API_HEADERS);
    assert_eq!(r.status, 200, "{}", r.text);
    let ids: Vec<&str> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"claude-haiku-4-5-20251001"), "{ids:?}");
    assert_eq!(r.body["has_more"], false);
    assert_eq!(r.body["data"][0]["type"], "model");
    let r = get("", &[("anthropic-version", "2023-06-01")]);
    assert_anthropic_error(&r, 401, "authentication_error", "x-api-key");
    let r = get("", &[("x-api-key", creds::ANTHROPIC_API_KEY)]);
    assert_anthropic_error(&r, 400, "invalid_request_error", "anthropic-version");
    let r = get("?limit=0", API_HEADERS);
    assert_anthropic_error(&r, 400, "invalid_request_error", "limit");
    assert_last_rule(&sims, "anthropic.models.limit");
    // Only GET: a POST to the list is not a route.
    let r = send(&sims, Api::Anthropic, "/v1/models", API_HEADERS, &json!({}));
    assert_anthropic_error(&r, 404, "not_found_error", "no anthropic API route");
}
