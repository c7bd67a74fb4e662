//! The tap: a small HTTP relay in front of the gateway that records what
//! leaves the gateway, and when, on the way to the CLI.
//!
//! Why it exists:
//! - **Streaming is judged where it leaves the gateway.** The CLI's stdout
//!   lines reach the driver late and bunched on a busy machine (measured: 7
//!   false "buffered" verdicts in 12 healthy runs), so the streaming check
//!   reads the tap's arrival time of each SSE event instead, taken in this
//!   process as the bytes come off the gateway's socket, and compares it
//!   with the simulator's record of when the provider sent each event.
//! - **The non-streaming row needs a 404.** The CLI sends a non-streaming
//!   request only as a fallback after its streaming endpoint answers 404; in
//!   [`TapMode::RefuseStreaming`] the tap provides that 404, in sim and live
//!   mode alike.
//!
//! Everything else passes through untouched (headers, bodies, status).
//!
//! Pass-through columns: the CLI in a native provider mode speaks that
//! provider's wire format through the tap, and the tap reads it too: a
//! Bedrock stream (`invoke-with-response-stream`, AWS event-stream frames
//! of `application/vnd.amazon.eventstream`, each `chunk` carrying a base64
//! Anthropic event) is decoded frame by frame as it arrives and stamped like
//! SSE events; Vertex's `:streamRawPredict` and Foundry's Messages are SSE.
//! Which requests stream comes from the path where the body does not say
//! (Bedrock puts it in the operation name).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use futures_util::StreamExt as _;
use serde::Serialize;
use serde_json::{Value, json};

/// What the tap does with streaming Messages requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TapMode {
    /// Forward everything (and timestamp streamed events).
    Forward,
    /// Answer streaming `/v1/messages` requests with 404, so the CLI falls
    /// back to a non-streaming request ("Streaming endpoint returned 404,
    /// falling back to non-streaming mode").
    RefuseStreaming,
    /// Fault (model_discovery): the gateway's `GET /v1/models` listing
    /// reaches the CLI with an empty `data` ("the gateway lists nothing").
    ListNothing,
    /// Fault (model_discovery): every `id` of the gateway's `GET /v1/models`
    /// listing reaches the CLI renamed `gw-model-<n>`, a name the CLI's
    /// filter drops (it keeps ids containing "claude" or "anthropic").
    /// LiteLLM's own Claude Code view never lists such an id for the CLI's
    /// user agent, so only the tap can produce it.
    ListNonClaudeIds,
}

impl TapMode {
    /// What this mode makes of a model listing the gateway answered.
    fn rewrite_listing(self, listing: &mut Value) {
        let Some(data) = listing.get_mut("data").and_then(Value::as_array_mut) else {
            return;
        };
        match self {
            TapMode::ListNothing => data.clear(),
            TapMode::ListNonClaudeIds => {
                for (i, m) in data.iter_mut().enumerate() {
                    m["id"] = json!(format!("gw-model-{}", i + 1));
                }
                if let Some(o) = listing.as_object_mut() {
                    for k in ["first_id", "last_id"] {
                        o.remove(k);
                    }
                }
            }
            TapMode::Forward | TapMode::RefuseStreaming => {}
        }
    }
}

/// Whether a request is the gateway model listing (`GET …/v1/models`, query
/// aside), which the CLI sends with gateway model discovery on.
pub fn is_model_listing(method: &str, path: &str) -> bool {
    method == "GET"
        && path
            .split('?')
            .next()
            .unwrap_or_default()
            .ends_with("/v1/models")
}

/// One SSE event as it left the gateway.
#[derive(Debug, Clone, Serialize)]
pub struct TapEvent {
    /// The event's type (`content_block_delta:text_delta` for deltas, with
    /// the delta's type after the colon).
    pub kind: String,
    /// When its last byte arrived from the gateway (ms since the Unix epoch,
    /// the clock the simulators stamp their sends with).
    pub at_unix_ms: f64,
}

/// One request that crossed the tap.
#[derive(Debug, Clone, Serialize)]
pub struct TapRecord {
    pub seq: u64,
    pub method: String,
    pub path: String,
    /// The request body as JSON (`{"raw": ...}` when it was not JSON).
    pub body: Value,
    pub stream: bool,
    /// The gateway's status (404 from the tap itself when it refused).
    pub status: u16,
    /// The tap answered 404 itself (RefuseStreaming) instead of forwarding.
    pub refused: bool,
    /// Streamed events in arrival order (SSE responses only).
    pub events: Vec<TapEvent>,
    /// The response body ended normally.
    pub completed: bool,
    /// The usage the gateway reported to the CLI (`message_start` and
    /// `message_delta` usage merged for a stream; `usage` of a JSON body).
    pub usage: Option<Value>,
    /// Each usage object the gateway sent, in order (`message_start`'s and
    /// every `message_delta`'s for a stream; the JSON body's), unmerged: the
    /// usage_reporting row merges them by the CLI's own rule.
    pub usage_events: Vec<Value>,
    /// For a non-2xx answer: the gateway's words (the error body's
    /// `message`, or its first 300 characters), so a failure can quote them.
    pub error: Option<String>,
    /// The `anthropic-beta` header the CLI sent, as sent.
    pub anthropic_beta: Option<String>,
    /// The gateway answered with `x-litellm-rust: true`: LiteLLM's Rust
    /// implementation served the request (litellm/rust_bridge/
    /// response_metadata.py `mark_rust_response`; absent when its Python
    /// path did, including a silent fallback).
    pub litellm_rust: bool,
    /// For a model listing ([`is_model_listing`]): the JSON body the CLI
    /// got, as the tap's mode left it (`{"raw": ...}` when it was not JSON).
    pub listing: Option<Value>,
}

impl TapRecord {
    /// Whether this is a model call (Messages, Bedrock Invoke and Converse,
    /// Vertex rawPredict, streaming or not; not count_tokens): a POST whose
    /// path, query aside, ends in one of their endpoints.
    pub fn is_model_call(&self) -> bool {
        let path = self.path.split('?').next().unwrap_or_default();
        self.method == "POST"
            && (path.ends_with("/v1/messages")
                || path.ends_with("/invoke")
                || path.ends_with("/invoke-with-response-stream")
                || path.ends_with("/converse")
                || path.ends_with("/converse-stream")
                || path.ends_with(":rawPredict")
                || path.ends_with(":streamRawPredict"))
    }
}

struct TapState {
    upstream: String,
    mode: TapMode,
    client: reqwest::Client,
    seq: Arc<AtomicU64>,
    records: Arc<Mutex<Vec<TapRecord>>>,
}

/// A running tap. Dropping it stops it.
pub struct Tap {
    runtime: Option<tokio::runtime::Runtime>,
    addr: SocketAddr,
    records: Arc<Mutex<Vec<TapRecord>>>,
    seq: Arc<AtomicU64>,
}

impl Tap {
    /// Starts a tap on 127.0.0.1 in front of `upstream` (a base URL).
    pub fn start(upstream: &str, mode: TapMode) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("tap")
            .enable_all()
            .build()?;
        let records = Arc::new(Mutex::new(Vec::new()));
        let seq = Arc::new(AtomicU64::new(0));
        let state = Arc::new(TapState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            mode,
            // No idle pooling: a pooled connection that the proxy's server
            // closes on its keep-alive timeout just as the tap reuses it
            // fails the send ("error sending request"), a race of ours that
            // loaded runs showed as a 502 blamed on the gateway. A fresh
            // loopback connection per request costs well under a millisecond.
            client: reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(0)
                .build()
                .map_err(std::io::Error::other)?,
            seq: seq.clone(),
            records: records.clone(),
        });
        let app = Router::new().fallback(relay).with_state(state);
        let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))?;
        let addr = listener.local_addr()?;
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Tap {
            runtime: Some(runtime),
            addr,
            records,
            seq,
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn records(&self) -> Vec<TapRecord> {
        self.records.lock().expect("tap records").clone()
    }

    /// Requests whose body contains `needle` (e.g. a trial's nonce).
    pub fn records_containing(&self, needle: &str) -> Vec<TapRecord> {
        containing(&self.records.lock().expect("tap records"), 0, needle)
    }

    /// Requests from `seq` on whose body contains `needle`: what a trial
    /// that began when [`Self::next_seq`] said `seq` asks for.
    pub fn records_since_containing(&self, seq: u64, needle: &str) -> Vec<TapRecord> {
        containing(&self.records.lock().expect("tap records"), seq, needle)
    }

    /// The `seq` the next request will get.
    pub fn next_seq(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    /// Forgets the requests before `seq` (no running trial began before it).
    pub fn forget_before(&self, seq: u64) {
        let mut records = self.records.lock().expect("tap records");
        let n = records.partition_point(|r| r.seq < seq);
        records.drain(..n);
    }

    /// The tap's record list, shared (a trial keeps the handle of its own
    /// relays so the harness can read what crossed them after they stop).
    pub(crate) fn records_handle(&self) -> Arc<Mutex<Vec<TapRecord>>> {
        self.records.clone()
    }
}

/// The records from `seq` on whose body contains `needle`.
pub(crate) fn containing(records: &[TapRecord], seq: u64, needle: &str) -> Vec<TapRecord> {
    let from = records.partition_point(|r| r.seq < seq);
    records[from..]
        .iter()
        .filter(|r| compat_sim::body_contains(&r.body, needle))
        .cloned()
        .collect()
}

/// Whether a request asks for a stream: the body's `stream` (Anthropic
/// Messages, Vertex), or the operation in the path (Bedrock's
/// `invoke-with-response-stream`, whose body has no `stream`).
fn asks_for_stream(path: &str, body: &Value) -> bool {
    body.get("stream").and_then(Value::as_bool).unwrap_or(false)
        || path.contains("/invoke-with-response-stream")
        || path.contains(":streamRawPredict")
}

/// Whether a request is a model call whose streaming form the non-streaming
/// row refuses: Messages (`.../v1/messages`, the Foundry pass-through's too),
/// Bedrock Invoke, Vertex rawPredict.
fn is_model_call(method: &Method, path: &str) -> bool {
    *method == Method::POST
        && (path.ends_with("/v1/messages")
            || path.contains("/invoke-with-response-stream")
            || path.contains(":streamRawPredict"))
}

/// Takes the whole AWS event-stream frames off the front of `buf` and
/// returns the Anthropic events their `chunk` payloads carry (base64 JSON in
/// `{"bytes": ...}`), each with its kind as for SSE. An exception frame
/// (`:message-type` exception) is returned as kind `error`.
fn take_eventstream_events(buf: &mut Vec<u8>) -> Vec<(String, Value)> {
    use base64::Engine as _;
    let mut out = Vec::new();
    while buf.len() >= 4 {
        let total = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if total < 16 || buf.len() < total {
            break;
        }
        let frame: Vec<u8> = buf.drain(..total).collect();
        let Ok(frames) = compat_sim::aws::decode_frames(&frame) else {
            out.push(("malformed_frame".to_owned(), Value::Null));
            continue;
        };
        for f in frames {
            let header = |name: &str| {
                f.headers
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
            };
            if header(":message-type") == Some("exception") {
                let data = serde_json::from_slice(&f.payload).unwrap_or(Value::Null);
                out.push(("error".to_owned(), data));
                continue;
            }
            let payload: Value = serde_json::from_slice(&f.payload).unwrap_or(Value::Null);
            let Some(event) = payload["bytes"]
                .as_str()
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            else {
                continue;
            };
            let Some(kind) = event["type"].as_str() else {
                continue;
            };
            let kind = match event["delta"]["type"].as_str() {
                Some(d) if kind == "content_block_delta" => format!("{kind}:{d}"),
                _ => kind.to_owned(),
            };
            out.push((kind, event));
        }
    }
    out
}

impl Drop for Tap {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Updates record `seq` (called for every chunk of a stream: a binary search,
/// the list being sorted by `seq`). A forgotten record is left alone.
fn update(records: &Mutex<Vec<TapRecord>>, seq: u64, f: impl FnOnce(&mut TapRecord)) {
    let mut records = records.lock().expect("tap records");
    if let Ok(i) = records.binary_search_by_key(&seq, |r| r.seq) {
        f(&mut records[i]);
    }
}

fn now_unix_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// The usage object an event or answer body carries, if any.
fn usage_of(data: &Value) -> Option<Value> {
    data["message"]["usage"]
        .as_object()
        .or_else(|| data["usage"].as_object())
        .map(|u| Value::Object(u.clone()))
}

/// What a non-2xx answer says: its error message in the Anthropic, Bedrock
/// or LiteLLM shape (`error.message`, `message`, `error` as a string), else
/// the start of the body.
fn error_words(parsed: Option<&Value>, raw: &[u8]) -> String {
    let found = parsed.and_then(|v| {
        v["error"]["message"]
            .as_str()
            .or_else(|| v["message"].as_str())
            .or_else(|| v["Message"].as_str())
            .or_else(|| v["error"].as_str())
            .or_else(|| v["detail"].as_str())
            .map(str::to_owned)
    });
    let text = found.unwrap_or_else(|| String::from_utf8_lossy(raw).into_owned());
    text.chars().take(300).collect()
}

/// Merges the usage an event carries into `usage` (later figures win).
fn merge_usage(usage: &mut Option<Value>, data: &Value) {
    // A token count's answer (`/v1/messages/count_tokens`: `input_tokens`
    // and LiteLLM's `litellm_count_source`; Bedrock CountTokens'
    // `inputTokens`) is its own usage.
    let count = (data.get("input_tokens").or_else(|| data.get("inputTokens"))).is_some()
        && data.get("type").is_none();
    let found = data["message"]["usage"]
        .as_object()
        .or_else(|| data["usage"].as_object())
        .or_else(|| data.as_object().filter(|_| count));
    if let Some(found) = found {
        let merged = usage.get_or_insert_with(|| json!({}));
        for (k, v) in found {
            if !v.is_null() {
                merged[k] = v.clone();
            }
        }
    }
}

/// Splits SSE text into complete events, returning each event's kind and
/// data, and leaving an incomplete tail in `buf`.
fn take_sse_events(buf: &mut String) -> Vec<(String, Value)> {
    let mut kinds = Vec::new();
    while let Some(end) = buf.find("\n\n") {
        let block: String = buf.drain(..end + 2).collect();
        let mut name = None;
        let mut data = String::new();
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                name = Some(v.trim().to_owned());
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            }
        }
        let parsed: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
        let Some(kind) = name.or_else(|| parsed["type"].as_str().map(str::to_owned)) else {
            continue;
        };
        let kind = match parsed["delta"]["type"].as_str() {
            Some(d) if kind == "content_block_delta" => format!("{kind}:{d}"),
            _ => kind,
        };
        kinds.push((kind, parsed));
    }
    kinds
}

async fn relay(
    State(state): State<Arc<TapState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json_body: Value = serde_json::from_slice(&body).unwrap_or_else(
        |_| json!({"raw": String::from_utf8_lossy(&body).chars().take(4000).collect::<String>()}),
    );
    let stream = asks_for_stream(uri.path(), &json_body);
    let refuse =
        state.mode == TapMode::RefuseStreaming && is_model_call(&method, uri.path()) && stream;
    // Numbered under the lock, so the list stays sorted by `seq` (a block:
    // the guard must not live across an await).
    let seq = {
        let mut records = state.records.lock().expect("tap records");
        let seq = state.seq.fetch_add(1, Ordering::SeqCst);
        records.push(TapRecord {
            seq,
            method: method.to_string(),
            path: uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            body: json_body,
            stream,
            status: 0,
            refused: refuse,
            events: Vec::new(),
            completed: false,
            usage: None,
            usage_events: Vec::new(),
            error: None,
            anthropic_beta: headers
                .get("anthropic-beta")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            litellm_rust: false,
            listing: None,
        });
        seq
    };
    if refuse {
        update(&state.records, seq, |r| {
            r.status = 404;
            r.completed = true;
        });
        let body = json!({"type": "error", "error": {"type": "not_found_error", "message": "streaming is disabled by the compat tap (non-streaming test)"}});
        return Response::builder()
            .status(404)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("response");
    }
    let (method_name, path_and_query) = (
        method.to_string(),
        uri.path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    );
    let url = format!(
        "{}{}",
        state.upstream,
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let listing = is_model_listing(method_name.as_str(), &path_and_query);
    let mut req = state.client.request(method, url).body(body);
    for (name, value) in &headers {
        // A listing is read whole and may be rewritten: asked for plain, so
        // the tap never has to decode a compressed body.
        let dropped = matches!(
            name.as_str(),
            "host" | "content-length" | "connection" | "transfer-encoding"
        ) || (listing && name.as_str() == "accept-encoding");
        if !dropped {
            req = req.header(name, value);
        }
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e_src) => {
            // The whole cause chain (reqwest's own text names no cause).
            let mut e = e_src.to_string();
            let mut cause = std::error::Error::source(&e_src);
            while let Some(c) = cause {
                e = format!("{e}: {c}");
                cause = c.source();
            }
            update(&state.records, seq, |r| {
                r.status = 502;
                r.error = Some(format!("compat tap could not reach the gateway: {e}"));
            });
            return Response::builder()
                .status(502)
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"type": "error", "error": {"type": "api_error", "message": format!("compat tap could not reach the gateway: {e}")}})
                        .to_string(),
                ))
                .expect("response");
        }
    };
    let status = resp.status();
    let litellm_rust = resp
        .headers()
        .get("x-litellm-rust")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    update(&state.records, seq, |r| {
        r.status = status.as_u16();
        r.litellm_rust = litellm_rust;
    });
    if listing {
        return listing_response(&state, seq, resp).await;
    }
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let sse = content_type.starts_with("text/event-stream");
    let eventstream = content_type.starts_with("application/vnd.amazon.eventstream");
    let mut builder = Response::builder().status(status);
    for (name, value) in resp.headers() {
        if !matches!(
            name.as_str(),
            "content-length" | "connection" | "transfer-encoding"
        ) {
            builder = builder.header(name, value);
        }
    }
    let records = state.records.clone();
    let mut upstream = resp.bytes_stream();
    // Each chunk is stamped as it comes off the gateway's socket and handed
    // on at once; the stamp is taken before forwarding, so the CLI's own
    // pace never shows in it.
    let body = async_stream_body(move |tx| async move {
        let mut buf = String::new();
        let mut frames = Vec::new();
        // A JSON body is kept (up to a bound) to read its usage at the end.
        let mut json_body = Vec::new();
        while let Some(chunk) = upstream.next().await {
            match chunk {
                Ok(bytes) => {
                    if sse || eventstream {
                        let at = now_unix_ms();
                        let events = if sse {
                            buf.push_str(&String::from_utf8_lossy(&bytes));
                            take_sse_events(&mut buf)
                        } else {
                            frames.extend_from_slice(&bytes);
                            take_eventstream_events(&mut frames)
                        };
                        if !events.is_empty() {
                            update(&records, seq, |r| {
                                for (kind, data) in events {
                                    merge_usage(&mut r.usage, &data);
                                    if let Some(u) = usage_of(&data) {
                                        r.usage_events.push(u);
                                    }
                                    r.events.push(TapEvent {
                                        kind,
                                        at_unix_ms: at,
                                    });
                                }
                            });
                        }
                    } else if json_body.len() < 4 << 20 {
                        json_body.extend_from_slice(&bytes);
                    }
                    if tx.send(Ok(bytes)).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(e))).await;
                    return;
                }
            }
        }
        update(&records, seq, |r| {
            r.completed = true;
            let parsed = serde_json::from_slice::<Value>(&json_body);
            if let Ok(v) = &parsed {
                merge_usage(&mut r.usage, v);
                if let Some(u) = usage_of(v) {
                    r.usage_events.push(u);
                }
            }
            if !(200..300).contains(&r.status) {
                r.error = Some(error_words(parsed.ok().as_ref(), &json_body));
            }
        });
    });
    builder.body(body).expect("response")
}

/// A model listing's answer, read whole: rewritten as the tap's mode says
/// (a fault), recorded as the CLI gets it, and handed on.
async fn listing_response(state: &TapState, seq: u64, resp: reqwest::Response) -> Response {
    let status = resp.status();
    let mut builder = Response::builder().status(status);
    for (name, value) in resp.headers() {
        if !matches!(
            name.as_str(),
            "content-length" | "connection" | "transfer-encoding" | "content-encoding"
        ) {
            builder = builder.header(name, value);
        }
    }
    let raw = resp.bytes().await.unwrap_or_default();
    let (body, listing) = match serde_json::from_slice::<Value>(&raw) {
        Ok(mut v) => {
            state.mode.rewrite_listing(&mut v);
            (Bytes::from(v.to_string()), v)
        }
        Err(_) => (
            raw.clone(),
            json!({"raw": String::from_utf8_lossy(&raw).chars().take(4000).collect::<String>()}),
        ),
    };
    update(&state.records, seq, |r| {
        r.completed = true;
        if !(200..300).contains(&r.status) {
            r.error = Some(error_words(Some(&listing), &raw));
        }
        r.listing = Some(listing);
    });
    builder.body(Body::from(body)).expect("response")
}

/// A response body fed by a task through a channel (so the tap can record
/// after each chunk without holding the stream).
fn async_stream_body<F, Fut>(f: F) -> Body
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(f(tx));
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

#[cfg(test)]
mod tests;
