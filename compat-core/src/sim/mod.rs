//! Local simulators of the five providers' real wire APIs.
//!
//! One [`model::ScriptedModel`] (the behaviour, written once) behind one wire
//! codec per provider, each on its own 127.0.0.1 port as each real provider
//! has its own host. Every request is recorded ([`RecordedRequest`]) with its
//! headers redacted, whether it was answered or rejected, so that a failing
//! cell can quote exactly what the gateway sent. [`Faults`] make an upstream
//! misbehave in the ways real upstreams and gateways break.

pub mod anthropic_wire;
pub mod bedrock;
mod codecs;
pub mod image;
pub mod model;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

pub use codecs::SimProvider;

/// Credentials the simulators accept. They are fake and local; the gateway's
/// generated config carries them, so a request that reaches a simulator
/// without them proves the gateway dropped or mangled auth.
pub mod creds {
    pub const ANTHROPIC_API_KEY: &str = "sk-ant-sim-upstream-key";
    pub const AZURE_API_KEY: &str = "sim-azure-api-key";
    pub const AWS_ACCESS_KEY_ID: &str = "AKIASIMULATOR0000000";
    pub const AWS_SECRET_ACCESS_KEY: &str = "simulatorsecretaccesskey0000000000000000";
    pub const AWS_REGION: &str = "us-east-1";
    pub const VERTEX_PROJECT: &str = "sim-project";
    pub const VERTEX_LOCATION: &str = "us-east5";
    /// The OAuth access token the simulated Google token endpoint issues.
    pub const VERTEX_ACCESS_TOKEN: &str = "ya29.sim-access-token";
}

/// One request a simulator received, as recorded for tests and error reports.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub seq: u64,
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
    pub status: u16,
    /// Why the simulator rejected the request (the error message it sent).
    pub rejection: Option<String>,
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

/// Ways to make an upstream misbehave.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this HTTP status and the provider's error shape
    /// (429 rate limit, 529 overloaded, 500 ...).
    Status(u16),
    /// Answer without the thinking blocks the model produced.
    DropThinking,
    /// Report usage without any cache read/creation figures.
    StripCacheUsage,
    /// Corrupt the stream framing (bad SSE line / bad event-stream CRC).
    BreakStreamFraming,
    /// Wait this long before the first byte of the response.
    SlowFirstByte(Duration),
    /// Answer as if no image had been sent.
    IgnoreImages,
    /// Never call a tool, answer with text instead.
    NoToolCall,
    /// Answer 500 to non-streaming requests.
    FailNonStreaming,
}

/// Which requests a fault applies to. Every `Some` must match.
#[derive(Debug, Clone, Default)]
pub struct FaultScope {
    pub provider: Option<SimProvider>,
    /// Canonical model id.
    pub model: Option<String>,
    /// A string the raw request body must contain, e.g. a per-trial nonce
    /// from the prompt, so that a fault hits one trial and not its neighbours.
    pub body_contains: Option<String>,
}

#[derive(Default)]
pub struct Faults {
    next: AtomicU64,
    rules: Mutex<Vec<(u64, FaultScope, Fault)>>,
}

/// Removes its fault when dropped.
pub struct FaultGuard {
    faults: Arc<Faults>,
    id: u64,
}

impl Drop for FaultGuard {
    fn drop(&mut self) {
        self.faults
            .rules
            .lock()
            .expect("faults lock")
            .retain(|(id, _, _)| *id != self.id);
    }
}

impl Faults {
    fn matching(&self, provider: SimProvider, model: Option<&str>, raw_body: &str) -> Vec<Fault> {
        self.rules
            .lock()
            .expect("faults lock")
            .iter()
            .filter(|(_, s, _)| {
                s.provider.is_none_or(|p| p == provider)
                    && s.model.as_deref().is_none_or(|m| Some(m) == model)
                    && s.body_contains
                        .as_deref()
                        .is_none_or(|t| raw_body.contains(t))
            })
            .map(|(_, _, f)| f.clone())
            .collect()
    }
}

/// Shared state of all simulators.
pub(crate) struct SimState {
    pub model: model::ScriptedModel,
    pub faults: Arc<Faults>,
    seq: AtomicU64,
    records: Mutex<Vec<RecordedRequest>>,
}

impl SimState {
    pub(crate) fn record(&self, mut r: RecordedRequest) {
        r.seq = self.seq.fetch_add(1, Ordering::SeqCst);
        self.records.lock().expect("records lock").push(r);
    }
}

/// The running simulators. Dropping it stops them.
pub struct Simulators {
    runtime: Option<tokio::runtime::Runtime>,
    state: Arc<SimState>,
    addrs: BTreeMap<SimProvider, SocketAddr>,
}

impl Simulators {
    /// Starts one server per provider on 127.0.0.1, each on a free port.
    pub fn start(providers: &[SimProvider]) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sim")
            .enable_all()
            .build()?;
        let state = Arc::new(SimState {
            model: model::ScriptedModel::new(),
            faults: Arc::new(Faults::default()),
            seq: AtomicU64::new(0),
            records: Mutex::new(Vec::new()),
        });
        let mut addrs = BTreeMap::new();
        for &p in providers {
            let router = codecs::router(p, state.clone());
            let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))?;
            let addr = listener.local_addr()?;
            runtime.spawn(async move {
                let _ = axum::serve(listener, router).await;
            });
            addrs.insert(p, addr);
        }
        Ok(Simulators {
            runtime: Some(runtime),
            state,
            addrs,
        })
    }

    /// `http://127.0.0.1:PORT` of a provider's simulator.
    pub fn base_url(&self, p: SimProvider) -> Option<String> {
        self.addrs.get(&p).map(|a| format!("http://{a}"))
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.records.lock().expect("records lock").clone()
    }

    /// Requests whose body contains `needle` (e.g. a trial's nonce).
    pub fn requests_containing(&self, needle: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.body.to_string().contains(needle))
            .collect()
    }

    /// Switches a fault on until the guard is dropped.
    pub fn inject(&self, scope: FaultScope, fault: Fault) -> FaultGuard {
        let faults = self.state.faults.clone();
        let id = faults.next.fetch_add(1, Ordering::SeqCst);
        faults
            .rules
            .lock()
            .expect("faults lock")
            .push((id, scope, fault));
        FaultGuard { faults, id }
    }

    /// The scripted model, for tests that need its signatures.
    pub fn model(&self) -> &model::ScriptedModel {
        &self.state.model
    }
}

impl Drop for Simulators {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
