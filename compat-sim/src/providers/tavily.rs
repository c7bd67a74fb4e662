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
//! In sim mode it is served under `/tavily` on a Bedrock simulator's own port
//! (the search tool's `api_base` in the gateway config is `<simulator>/tavily`):
//! LiteLLM takes the search provider's address from its config, and a port
//! of its own would be one more port for `cargo xtask up` to reserve. With
//! real hosts (a rehearsal) it also has a listener of its own answering as
//! `api.tavily.com`, `POST /search` at the root as the real API, and a
//! request for any other host is misdirected (421, an integrity
//! violation). Its
//! requests are not in the provider's record (they are not the provider's);
//! the queries it answered are counted for the checks.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::rules::web_search::Corpus;
use crate::wire::creds::Auth;
use crate::wire::hosts::{TAVILY_HOST, host_name};

/// The path prefix Tavily's API is served under (module docs).
pub const PREFIX: &str = "/tavily";

/// Tavily's routes under [`PREFIX`], answering from `corpus`;
/// `Simulators::start_at` merges them into each Bedrock simulator's router.
pub(crate) fn routes(corpus: Arc<Corpus>, auth: Arc<Auth>) -> Router {
    routes_at(&format!("{PREFIX}/search"), corpus, auth)
}

/// Tavily's own listener's routes: `POST /search`, the real path.
pub(crate) fn root_routes(corpus: Arc<Corpus>, auth: Arc<Auth>) -> Router {
    routes_at("/search", corpus, auth)
}

fn routes_at(path: &str, corpus: Arc<Corpus>, auth: Arc<Auth>) -> Router {
    Router::new().route(
        path,
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let (corpus, auth) = (corpus.clone(), auth.clone());
            async move { search(&corpus, &auth, &headers, &body) }
        }),
    )
}

/// Answers `POST /search` (`/tavily/search` on a Bedrock simulator's port).
pub(crate) fn search(corpus: &Corpus, auth: &Auth, headers: &HeaderMap, body: &Bytes) -> Response {
    let error = |status: StatusCode, message: &str| {
        (status, axum::Json(json!({"detail": {"error": message}}))).into_response()
    };
    if auth.real_hosts {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(host_name)
            .unwrap_or_default();
        if host != TAVILY_HOST {
            let message = format!(
                "tavily simulator: a search arrived for host `{host}`, not {TAVILY_HOST}; it did not come through the front"
            );
            auth.violation(message.clone());
            return error(StatusCode::MISDIRECTED_REQUEST, &message);
        }
    }
    let tavily_key = auth.creds.tavily_api_key.as_str();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(tavily_key) {
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
        let auth = crate::wire::creds::Auth::sim();
        let ok = search(
            &corpus,
            &auth,
            &headers,
            &Bytes::from(r#"{"query":"notes abc123"}"#),
        );
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(corpus.queries_containing("abc123"), 1);
        let bad = search(&corpus, &auth, &HeaderMap::new(), &Bytes::from("{}"));
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
        let no_query = search(&corpus, &auth, &headers, &Bytes::from("{}"));
        assert_eq!(no_query.status(), StatusCode::BAD_REQUEST);
    }
}
