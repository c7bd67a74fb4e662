//! The request record: every request a simulator received, in arrival order,
//! with credential headers redacted, whether it was answered or rejected, and
//! for a streamed answer each event as it went out, so that a failing cell can
//! quote exactly what the gateway sent and what came back.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use serde::Serialize;
use serde_json::{Value, json};

/// One request a simulator received, as recorded for tests and error reports.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    /// Arrival order across all simulators of a [`crate::Simulators`].
    pub seq: u64,
    /// The simulated API's id ([`crate::Api::id`]).
    pub provider: &'static str,
    pub method: String,
    /// Path and query as received.
    pub path: String,
    /// Header names lower-cased; credentials replaced by `<redacted>`.
    pub headers: BTreeMap<String, String>,
    /// The body as JSON, or `{"raw": "..."}` if it was not JSON.
    pub body: Value,
    /// Canonical model id the request was for, when the codec could tell.
    pub model: Option<String>,
    pub stream: bool,
    /// The response status; 0 while the simulator holds the response
    /// (`Fault::StallStream` on a non-streaming request).
    pub status: u16,
    /// Why the simulator rejected the request (the error message it sent).
    pub rejection: Option<String>,
    /// The events of a streamed answer, appended as each one is sent.
    pub stream_events: Vec<SentEvent>,
    /// True once the final event of a streamed answer was sent.
    pub stream_completed: bool,
    /// The usage the provider reported in its answer (canonical names:
    /// input_tokens, output_tokens, cache_read_input_tokens,
    /// cache_creation_input_tokens, and `cache_creation` with its
    /// ephemeral_5m/ephemeral_1h split), as sent, faults applied. Lets a check
    /// tell "the gateway dropped the provider's figures" from "the provider
    /// never had any".
    pub usage: Option<Value>,
    /// The Anthropic betas the provider read from the request, where it reads
    /// them (header or body, [`crate::betas`]), beta faults applied; `None`
    /// when the request never got that far.
    pub betas: Option<Vec<String>>,
}

/// One event of a streamed answer, recorded when it was handed to the
/// response body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentEvent {
    /// The SSE event type, or for Bedrock's event-stream the inner chunk
    /// type (Invoke) or event name (Converse); a content delta carries its
    /// delta kind as a suffix: `content_block_delta:text_delta`,
    /// `contentBlockDelta:text`. A frame corrupted by
    /// `Fault::BreakStreamFraming` is `corrupted:<kind>`.
    pub kind: String,
    /// Wall-clock time, milliseconds since the Unix epoch.
    pub at_unix_ms: f64,
}

impl RecordedRequest {
    /// A one-line summary plus the body, for error messages.
    pub fn describe(&self) -> String {
        let mut body = self.body.to_string();
        if body.len() > 2000 {
            let cut = (0..=2000)
                .rev()
                .find(|i| body.is_char_boundary(*i))
                .unwrap_or(0);
            body.truncate(cut);
            body.push_str("...(truncated)");
        }
        format!(
            "{} {} {} -> {}{} body: {}",
            self.provider,
            self.method,
            self.path,
            self.status,
            self.rejection
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            body
        )
    }
}

/// Every request of one set of simulators.
#[derive(Default)]
pub(crate) struct Records {
    all: Mutex<Vec<RecordedRequest>>,
}

impl Records {
    /// Records a request on arrival (status 0 until [`Entry::respond`]) and
    /// returns its entry, through which the pipeline completes it.
    pub(crate) fn open(self: &Arc<Self>, provider: &'static str, request: &Incoming) -> Entry {
        let mut all = self.all.lock().expect("records lock");
        let seq = all.len() as u64;
        all.push(RecordedRequest {
            seq,
            provider,
            method: request.method.to_string(),
            path: request
                .uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            headers: redacted_headers(&request.headers),
            body: serde_json::from_slice(&request.body)
                .unwrap_or_else(|_| json!({"raw": String::from_utf8_lossy(&request.body)})),
            model: None,
            stream: false,
            status: 0,
            rejection: None,
            stream_events: Vec::new(),
            stream_completed: false,
            usage: None,
            betas: None,
        });
        Entry {
            records: self.clone(),
            index: seq as usize,
        }
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.all.lock().expect("records lock").clone()
    }
}

/// A request as received: what every codec reads.
pub(crate) struct Incoming {
    pub method: axum::http::Method,
    pub uri: axum::http::Uri,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl Incoming {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn raw_body(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

/// One recorded request, updated as its answer is decided and sent.
#[derive(Clone)]
pub(crate) struct Entry {
    records: Arc<Records>,
    index: usize,
}

impl Entry {
    fn update(&self, f: impl FnOnce(&mut RecordedRequest)) {
        let mut all = self.records.all.lock().expect("records lock");
        f(&mut all[self.index]);
    }

    pub(crate) fn set_call(&self, model: &str, stream: bool) {
        self.update(|r| {
            r.model = Some(model.to_owned());
            r.stream = stream;
        });
    }

    /// Replaces the recorded body with the one a fault rewrote it to.
    pub(crate) fn set_body(&self, body: Value) {
        self.update(|r| r.body = body);
    }

    pub(crate) fn set_usage(&self, usage: Value) {
        self.update(|r| r.usage = Some(usage));
    }

    pub(crate) fn set_betas(&self, betas: Vec<String>) {
        self.update(|r| r.betas = Some(betas));
    }

    pub(crate) fn set_stream(&self, stream: bool) {
        self.update(|r| r.stream = stream);
    }

    /// The response status, and the rejection message if it was one.
    pub(crate) fn respond(&self, status: u16, rejection: Option<String>) {
        self.update(|r| {
            r.status = status;
            r.rejection = rejection;
        });
    }

    pub(crate) fn sent(&self, kind: &str, last: bool) {
        let at_unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
        self.update(|r| {
            r.stream_events.push(SentEvent {
                kind: kind.to_owned(),
                at_unix_ms,
            });
            r.stream_completed |= last;
        });
    }
}

const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "x-api-key",
    "api-key",
    "x-amz-security-token",
    "cookie",
];

fn redacted_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_ascii_lowercase();
            let value = if SECRET_HEADERS.contains(&name.as_str()) {
                redact_credential(v.to_str().unwrap_or(""))
            } else {
                v.to_str().unwrap_or("<binary>").to_owned()
            };
            (name, value)
        })
        .collect()
}

/// Keeps the scheme word of an auth header (`Bearer`, `AWS4-HMAC-SHA256 ...
/// Credential=AKIA.../...`) for diagnosis and hides the secret part.
fn redact_credential(v: &str) -> String {
    if let Some(rest) = v.strip_prefix("AWS4-HMAC-SHA256 ") {
        // The access key id and scope are not secret; the signature is only
        // good for this request, but keep the record free of it anyway.
        let kept: Vec<&str> = rest
            .split(", ")
            .filter(|p| !p.starts_with("Signature="))
            .collect();
        return format!("AWS4-HMAC-SHA256 {}, Signature=<redacted>", kept.join(", "));
    }
    match v.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} <redacted>"),
        None => "<redacted>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(redact_credential("Bearer ya29.secret"), "Bearer <redacted>");
        assert_eq!(redact_credential("sk-ant-123"), "<redacted>");
        assert_eq!(
            redact_credential(
                "AWS4-HMAC-SHA256 Credential=AKIA/20261125/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=abc"
            ),
            "AWS4-HMAC-SHA256 Credential=AKIA/20261125/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=<redacted>"
        );
    }
}
