//! The web search server tool: run where the provider runs it (Anthropic's
//! documented blocks, JSON and SSE), refused where it does not (Bedrock
//! InvokeModel, Mantle); the Tavily simulator beside the Bedrock ones.

use compat_sim::{Api, SearchPage, Simulators, creds};
use serde_json::{Value, json};

use crate::common::*;

fn page() -> SearchPage {
    SearchPage {
        url: "https://notes.example/k9q2.html".into(),
        title: "Release notes k9q2".into(),
        text: "Release notes k9q2\nThe code is ws-77".into(),
        page_age: Some("November 26, 2026".into()),
    }
}

fn with_search(mut b: Value) -> Value {
    b["tools"] = json!([{"type": "web_search_20250305", "name": "web_search", "max_uses": 8}]);
    b["tool_choice"] = json!({"type": "tool", "name": "web_search"});
    b["messages"] =
        json!([{"role": "user", "content": "Perform a web search for the query: notes k9q2"}]);
    b
}

#[test]
fn anthropic_runs_the_search_in_its_documented_shape() {
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let _page = sims.register_search_page("k9q2", page());
    let body = with_search(messages_body(Some("claude-sonnet-4-6")));
    let r = send(&sims, Api::Anthropic, "/v1/messages", API_HEADERS, &body);
    assert_eq!(r.status, 200, "{}", r.text);
    let content = r.body["content"].as_array().unwrap();
    let kinds: Vec<&str> = content
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds[..2],
        ["server_tool_use", "web_search_tool_result"],
        "{}",
        r.text
    );
    assert_eq!(content[0]["input"]["query"], "notes k9q2");
    assert_eq!(content[1]["tool_use_id"], content[0]["id"]);
    let result = &content[1]["content"][0];
    assert_eq!(result["type"], "web_search_result");
    assert_eq!(result["url"], "https://notes.example/k9q2.html");
    assert!(result["encrypted_content"].is_string() && result["page_age"].is_string());
    let cited = content
        .iter()
        .find(|b| b.get("citations").is_some())
        .unwrap();
    assert_eq!(cited["citations"][0]["type"], "web_search_result_location");
    assert!(
        cited["text"]
            .as_str()
            .unwrap()
            .contains("The code is ws-77")
    );
    assert_eq!(r.body["usage"]["server_tool_use"]["web_search_requests"], 1);

    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    let r = send(
        &sims,
        Api::Anthropic,
        "/v1/messages",
        API_HEADERS,
        &streamed,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    for needle in [
        r#""type":"server_tool_use""#,
        r#""type":"input_json_delta""#,
        r#""type":"web_search_tool_result""#,
        r#""type":"citations_delta""#,
        r#""web_search_requests":1"#,
    ] {
        assert!(r.text.contains(needle), "{needle} missing: {}", r.text);
    }
}

#[test]
fn bedrock_and_mantle_refuse_the_server_tool() {
    let sims = Simulators::start(&[Api::BedrockInvoke, Api::BedrockMantle]).unwrap();
    let r = post(
        &sims,
        Api::BedrockInvoke,
        INVOKE,
        &with_search(invoke_body()),
        |_, _| {},
    );
    assert_rejected(
        &r,
        400,
        "ValidationException",
        "The provided request is not valid",
    );
    let bearer = format!("Bearer {}", creds::BEDROCK_MANTLE_API_KEY);
    let r = send(
        &sims,
        Api::BedrockMantle,
        "/anthropic/v1/messages",
        &[
            ("authorization", &bearer),
            ("anthropic-version", "2023-06-01"),
        ],
        &with_search(messages_body(Some("anthropic.claude-sonnet-4-6"))),
    );
    assert_anthropic_error(
        &r,
        400,
        "invalid_request_error",
        "The provided request is not valid",
    );
}

#[test]
fn tavily_answers_beside_bedrock_from_the_same_corpus() {
    let sims = Simulators::start(&[Api::BedrockConverse]).unwrap();
    let _page = sims.register_search_page("k9q2", page());
    let bearer = format!("Bearer {}", creds::TAVILY_API_KEY);
    let r = send(
        &sims,
        Api::BedrockConverse,
        "/tavily/search",
        &[("authorization", &bearer)],
        &json!({"query": "notes k9q2", "max_results": 5}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["results"][0]["url"],
        "https://notes.example/k9q2.html"
    );
    assert!(
        r.body["results"][0]["content"]
            .as_str()
            .unwrap()
            .contains("ws-77")
    );
    assert_eq!(sims.tavily_queries("k9q2"), 1);
    let r = send(
        &sims,
        Api::BedrockConverse,
        "/tavily/search",
        &[("authorization", "Bearer tvly-wrong")],
        &json!({"query": "x"}),
    );
    assert_eq!(r.status, 401, "{}", r.text);
    // No request of a search provider is the Bedrock provider's.
    assert!(sims.requests().is_empty());
}

#[test]
fn gateway_faults_lose_the_server_tool() {
    use compat_sim::{Fault, FaultScope};
    let sims = Simulators::start(&[Api::Anthropic]).unwrap();
    let _page = sims.register_search_page("k9q2", page());
    let body = with_search(messages_body(Some("claude-sonnet-4-6")));
    let scope = || FaultScope {
        provider: Some(Api::Anthropic),
        model: None,
        body_contains: Some("k9q2".into()),
    };
    {
        let _f = sims.inject(scope(), Fault::DropWebSearchTool);
        let r = send(&sims, Api::Anthropic, "/v1/messages", API_HEADERS, &body);
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(!r.text.contains("server_tool_use"), "{}", r.text);
        let recorded = sims.requests().pop().unwrap();
        assert!(recorded.body.get("tool_choice").is_none());
        assert_eq!(recorded.body["tools"], json!([]));
    }
    let _f = sims.inject(scope(), Fault::WebSearchAsClientTool);
    let r = send(&sims, Api::Anthropic, "/v1/messages", API_HEADERS, &body);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["stop_reason"], "tool_use", "{}", r.text);
    let call = r.body["content"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "tool_use")
        .unwrap();
    assert_eq!(call["name"], "web_search");
    assert_eq!(sims.tavily_queries("k9q2"), 0);
}
