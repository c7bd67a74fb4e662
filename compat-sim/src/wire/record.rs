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
    /// The ledger id of the simulator rule that rejected it (issue 25).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
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
    /// them (header or body, [`crate::rules::betas`]), beta faults applied; `None`
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
///
/// Kept in arrival order with `seq` counting from 0; a long run forgets the
/// oldest ones when its user says no one will read them again
/// ([`Records::forget_before`]), so that neither memory nor the cost of a
/// search grows with the run (a full matrix sends thousands of requests of
/// ~100 KB each).
#[derive(Default)]
pub(crate) struct Records {
    inner: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    /// The `seq` of `all[0]`.
    base: u64,
    all: std::collections::VecDeque<RecordedRequest>,
}

impl Kept {
    fn get_mut(&mut self, seq: u64) -> Option<&mut RecordedRequest> {
        let i = usize::try_from(seq.checked_sub(self.base)?).ok()?;
        self.all.get_mut(i)
    }
}

impl Records {
    /// Records a request on arrival (status 0 until [`Entry::respond`]) and
    /// returns its entry, through which the pipeline completes it.
    pub(crate) fn open(self: &Arc<Self>, provider: &'static str, request: &Incoming) -> Entry {
        let mut kept = self.inner.lock().expect("records lock");
        let seq = kept.base + kept.all.len() as u64;
        kept.all.push_back(RecordedRequest {
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
            rule: None,
            stream_events: Vec::new(),
            stream_completed: false,
            usage: None,
            betas: None,
        });
        Entry {
            records: self.clone(),
            seq,
        }
    }

    /// Every request still kept, in arrival order.
    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.inner
            .lock()
            .expect("records lock")
            .all
            .iter()
            .cloned()
            .collect()
    }

    /// The requests from `seq` on whose body contains `needle`. Only those
    /// are cloned and searched: a trial asks for what arrived since it began.
    pub(crate) fn since_containing(&self, seq: u64, needle: &str) -> Vec<RecordedRequest> {
        let kept = self.inner.lock().expect("records lock");
        let skip = usize::try_from(seq.saturating_sub(kept.base)).unwrap_or(usize::MAX);
        kept.all
            .iter()
            .skip(skip)
            .filter(|r| body_contains(&r.body, needle))
            .cloned()
            .collect()
    }

    /// The `seq` the next request will get.
    pub(crate) fn next_seq(&self) -> u64 {
        let kept = self.inner.lock().expect("records lock");
        kept.base + kept.all.len() as u64
    }

    /// Forgets the requests before `seq`. An answer still being sent for one
    /// of them is no longer recorded.
    pub(crate) fn forget_before(&self, seq: u64) {
        let mut kept = self.inner.lock().expect("records lock");
        while kept.base < seq && !kept.all.is_empty() {
            kept.all.pop_front();
            kept.base += 1;
        }
    }
}

/// Whether a JSON body's text holds `needle` (a trial's nonce), without
/// building the whole text: strings are searched where they are.
pub fn body_contains(body: &Value, needle: &str) -> bool {
    match body {
        Value::String(s) => s.contains(needle),
        Value::Array(a) => a.iter().any(|v| body_contains(v, needle)),
        Value::Object(o) => o
            .iter()
            .any(|(k, v)| k.contains(needle) || body_contains(v, needle)),
        Value::Number(n) => n.to_string().contains(needle),
        Value::Bool(_) | Value::Null => false,
    }
}

/// A request as received: what every codec reads.
pub(crate) struct Incoming {
    pub method: axum::http::Method,
    pub uri: axum::http::Uri,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
    /// The credentials and token state of the simulators it reached.
    pub auth: Arc<crate::wire::creds::Auth>,
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
    seq: u64,
}

impl Entry {
    fn update(&self, f: impl FnOnce(&mut RecordedRequest)) {
        let mut kept = self.records.inner.lock().expect("records lock");
        // Forgotten: its trial is over and no one reads it any more.
        if let Some(r) = kept.get_mut(self.seq) {
            f(r);
        }
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

    /// The simulator refused it: status, message and the deciding rule.
    pub(crate) fn refuse(&self, rejection: &crate::wire::rejection::Rejection) {
        self.update(|r| {
            r.status = rejection.status;
            r.rejection = Some(rejection.message.clone());
            r.rule = Some(rejection.rule.to_owned());
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

    fn incoming(body: &str) -> Incoming {
        Incoming {
            method: axum::http::Method::POST,
            uri: "/v1/messages".parse().expect("uri"),
            headers: HeaderMap::new(),
            body: bytes::Bytes::from(body.to_owned()),
            auth: crate::wire::creds::Auth::sim(),
        }
    }

    #[test]
    fn a_trial_reads_what_arrived_since_it_began_and_the_rest_is_forgotten() {
        let records = Arc::new(Records::default());
        let old = records.open("anthropic", &incoming(r#"{"m":"nonce-a"}"#));
        let began = records.next_seq();
        let new = records.open("anthropic", &incoming(r#"{"m":[{"t":"x nonce-a y"}]}"#));
        assert_eq!(records.since_containing(0, "nonce-a").len(), 2);
        let since = records.since_containing(began, "nonce-a");
        assert_eq!(since.iter().map(|r| r.seq).collect::<Vec<_>>(), [1]);
        assert!(records.since_containing(0, "nonce-b").is_empty());

        records.forget_before(began);
        assert_eq!(records.all().len(), 1);
        // The forgotten one's late answer is dropped, the kept one's lands.
        old.respond(200, None);
        new.respond(201, None);
        assert_eq!(records.all()[0].status, 201);
        assert_eq!(records.next_seq(), 2);
        let third = records.open("anthropic", &incoming("not json nonce-a"));
        third.respond(400, None);
        assert_eq!(records.since_containing(2, "nonce-a")[0].seq, 2);
    }
}
