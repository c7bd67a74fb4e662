//! The non-streaming relay: a small HTTP relay in front of the gateway that
//! answers 404 to streaming Messages requests and passes everything else
//! through untouched.
//!
//! Why: the claude CLI always streams. It sends a non-streaming request only
//! as a fallback, and one honest way to provoke that fallback, against a
//! simulator or a real provider alike, is a 404 from the streaming endpoint
//! ("Streaming endpoint returned 404, falling back to non-streaming mode").
//! The relay counts what it refused and what it forwarded, so a test can tell
//! that a non-streaming request really crossed the gateway.
//!
//! It lives in compat-tests, its only user, so that compat-core (the driver,
//! schema and routing every crate uses) needs no HTTP server framework.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::json;

#[derive(Default, Debug)]
pub struct RelayCounts {
    pub refused_streaming: AtomicU64,
    pub forwarded_non_streaming: AtomicU64,
    pub forwarded_other: AtomicU64,
}

struct RelayState {
    upstream: String,
    client: reqwest::Client,
    counts: Arc<RelayCounts>,
}

/// A running relay. Dropping it stops it.
pub struct NonStreamingRelay {
    runtime: Option<tokio::runtime::Runtime>,
    addr: SocketAddr,
    pub counts: Arc<RelayCounts>,
}

impl NonStreamingRelay {
    /// Starts a relay on 127.0.0.1 in front of `upstream` (a base URL).
    pub fn start(upstream: &str) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("relay")
            .enable_all()
            .build()?;
        let counts = Arc::new(RelayCounts::default());
        let state = Arc::new(RelayState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .no_proxy()
                .build()
                .map_err(std::io::Error::other)?,
            counts: counts.clone(),
        });
        let app = Router::new().fallback(relay).with_state(state);
        let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))?;
        let addr = listener.local_addr()?;
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(NonStreamingRelay {
            runtime: Some(runtime),
            addr,
            counts,
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for NonStreamingRelay {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn is_streaming_messages_request(method: &Method, uri: &Uri, body: &[u8]) -> bool {
    method == Method::POST
        && uri.path().ends_with("/v1/messages")
        && serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("stream").and_then(|s| s.as_bool()))
            .unwrap_or(false)
}

async fn relay(
    State(state): State<Arc<RelayState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if is_streaming_messages_request(&method, &uri, &body) {
        state.counts.refused_streaming.fetch_add(1, Ordering::SeqCst);
        let body = json!({"type": "error", "error": {"type": "not_found_error", "message": "streaming is disabled by the compat non-streaming relay"}});
        return Response::builder()
            .status(404)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("response");
    }
    if method == Method::POST && uri.path().ends_with("/v1/messages") {
        state.counts.forwarded_non_streaming.fetch_add(1, Ordering::SeqCst);
    } else {
        state.counts.forwarded_other.fetch_add(1, Ordering::SeqCst);
    }
    let url = format!(
        "{}{}",
        state.upstream,
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let mut req = state.client.request(method, url).body(body);
    for (name, value) in &headers {
        if !matches!(
            name.as_str(),
            "host" | "content-length" | "connection" | "transfer-encoding"
        ) {
            req = req.header(name, value);
        }
    }
    match req.send().await {
        Ok(resp) => {
            let mut builder = Response::builder().status(resp.status());
            for (name, value) in resp.headers() {
                if !matches!(name.as_str(), "content-length" | "connection" | "transfer-encoding") {
                    builder = builder.header(name, value);
                }
            }
            builder.body(Body::from_stream(resp.bytes_stream())).expect("response")
        }
        Err(e) => Response::builder()
            .status(502)
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"type": "error", "error": {"type": "api_error", "message": format!("compat relay could not reach the gateway: {e}")}})
                    .to_string(),
            ))
            .expect("response"),
    }
}
