//! Tavily's Search API (`POST /search`), the search provider a customer of
//! the Bedrock routes configures for LiteLLM's web search interception,
//! answering from the same corpus as the web search server tool
//! ([`crate::rules::web_search`]).
//!
//! The wire, from Tavily's API reference
//! (https://docs.tavily.com/documentation/api-reference/endpoint/search):
//! `Authorization: Bearer tvly-…`; a JSON body with `query` (required) and
//! options (`search_depth`, `max_results`, `include_answer`, …); the answer
//! `{query, answer, images, results: [{title, url, content, score,
//! raw_content}], response_time, request_id}`; a missing or wrong key is a
//! 401, a body without `query` a 400, errors as `{"detail": {"error": …}}`.
//! LiteLLM 1.108.7 sends exactly that (llms/tavily/search/transformation.py:
//! Bearer key, `{query, max_results?, …}` to `<api_base>/search`) and reads
//! `results[].title/url/content`.
//!
//! It is served under `/tavily` on a Bedrock simulator's own port (the
//! search tool's `api_base` in the gateway config is `<simulator>/tavily`):
//! LiteLLM takes the search provider's address from its config, and a port
//! of its own would be one more port for `cargo xtask up` to reserve. Its
//! requests are not in the provider's record (they are not the provider's);
//! the queries it answered are counted for the checks.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::rules::web_search::Corpus;

/// The path prefix Tavily's API is served under (module docs).
pub const PREFIX: &str = "/tavily";

/// Tavily's routes under [`PREFIX`], answering from `corpus`;
/// `Simulators::start_at` merges them into each Bedrock simulator's router.
pub(crate) fn routes(corpus: Arc<Corpus>) -> Router {
    Router::new().route(
        &format!("{PREFIX}/search"),
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let corpus = corpus.clone();
            async move { search(&corpus, &headers, &body) }
        }),
    )
}

/// Answers `POST /tavily/search`.
pub(crate) fn search(corpus: &Corpus, headers: &HeaderMap, body: &Bytes) -> Response {
    let error = |status: StatusCode, message: &str| {
        (status, axum::Json(json!({"detail": {"error": message}}))).into_response()
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(crate::wire::creds::TAVILY_API_KEY) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: missing or invalid API key.",
        );
    }
    let Some(query) = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|b| b.get("query").and_then(Value::as_str).map(str::to_owned))
    else {
        return error(StatusCode::BAD_REQUEST, "Query is missing.");
    };
    corpus.note_query(&query);
    let results: Vec<Value> = corpus
        .search(&query)
        .into_iter()
        .map(|p| {
            json!({
                "title": p.title,
                "url": p.url,
                "content": p.text,
                "score": 0.98,
                "raw_content": null,
            })
        })
        .collect();
    axum::Json(json!({
        "query": query,
        "follow_up_questions": null,
        "answer": null,
        "images": [],
        "results": results,
        "response_time": 0.42,
        "request_id": format!("sim-{}", crate::wire::body::random_hex(16)),
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::web_search::SearchPage;

    #[test]
    fn answers_from_the_corpus_and_refuses_a_wrong_key() {
        let corpus = Arc::new(Corpus::default());
        let _g = corpus.register(
            "abc123",
            SearchPage {
                url: "https://x.example/abc123".into(),
                title: "T".into(),
                text: "The code is ws-9".into(),
                page_age: None,
            },
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            format!("Bearer {}", crate::wire::creds::TAVILY_API_KEY)
                .parse()
                .unwrap(),
        );
        let ok = search(
            &corpus,
            &headers,
            &Bytes::from(r#"{"query":"notes abc123"}"#),
        );
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(corpus.queries_containing("abc123"), 1);
        let bad = search(&corpus, &HeaderMap::new(), &Bytes::from("{}"));
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
        let no_query = search(&corpus, &headers, &Bytes::from("{}"));
        assert_eq!(no_query.status(), StatusCode::BAD_REQUEST);
    }
}
