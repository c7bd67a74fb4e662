//! Local simulators of the providers' real wire APIs, for the Claude Code
//! Compatibility Matrix and anything else that needs a strict, scripted
//! Claude (or GPT, on the OpenAI and Azure OpenAI simulators) upstream on
//! 127.0.0.1.
//!
//! One scripted model (the behaviour, written once) behind one codec per
//! [`Api`], each on its own 127.0.0.1 port as each real provider has its own
//! host. Every request goes through one pipeline (parse, authenticate,
//! validate, apply faults, run the model, encode, record) and is recorded
//! ([`RecordedRequest`]) with its headers redacted, whether it was answered or
//! rejected, so that a failing test can quote exactly what the gateway sent.
//! [`Fault`]s make an upstream misbehave in the ways real upstreams break.
//!
//! This crate knows nothing of the matrix, its manifest or the CLI driver.
//!
//! Its folders are floors; a file imports only from its own floor or the
//! ones below, so no two files import each other:
//! `wire` (the vocabulary; it imports nothing else of the crate) <
//! `faults` < `rules` (one feature a file) < `model` (the scripted model) <
//! `pipeline` (names no provider) < `providers` (one folder per family, each
//! a `Codec`) < this file, which registers the codecs and the routes beside
//! them. `front` (the intercepting TLS front) stands alone; `host_front`
//! (its one-listener case for sim mode, by name) and `rehearsal` (minting
//! real-shaped credentials) use only it and `wire`.

mod faults;
pub mod front;
pub mod host_front;
mod model;
mod pipeline;
mod providers;
pub mod rehearsal;
mod rules;
mod wire;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

// The public face: every path other crates use, whatever folder holds it.
pub use faults::{Fault, FaultGuard, FaultScope, UsageField};
pub use front::{Front, FrontError, FrontListener, Tunnel, TunnelOutcome};
pub use host_front::HostFront;
pub use rehearsal::{Minted, mint_rehearsal};
pub use rules::betas;
pub use rules::web_search::{SearchPage, SearchPageGuard};
pub use wire::api::Api;
pub use wire::creds::AZURE_OPENAI_SIM_RESOURCE;
pub use wire::creds::{AwsCreds, Credentials, ServiceAccountPublic, VertexCreds};
pub use wire::hosts::{
    GOOGLE_TOKEN_HOST, OPENAI_HOST, TAVILY_HOST, azure_openai_host, real_host, real_hosts,
    vertex_host,
};
pub use wire::record::{RecordedRequest, SentEvent, body_contains};
pub use wire::{creds, document, image, ledger};

use faults::Faults;
use model::ScriptedModel;
use pipeline::{SimState, router};
use providers::{anthropic, bedrock, claude_platform_aws, mantle, openai, tavily};
use wire::creds::Auth;
use wire::record::Records;

/// AWS wire helpers for clients of the Bedrock simulators (their tests sign
/// requests and decode event-stream frames with them; the public test vectors
/// check the encoder too).
pub mod aws {
    pub use crate::providers::bedrock::eventstream::{Frame, decode_frames, encode_frame};
    pub use crate::providers::bedrock::sigv4::{Signing, signature};
}

/// The running simulators. Dropping it stops them.
pub struct Simulators {
    runtime: Option<tokio::runtime::Runtime>,
    state: Arc<SimState>,
    addrs: BTreeMap<Api, SocketAddr>,
    /// Tavily's own listener (`api.tavily.com`), started with real hosts.
    tavily: Option<SocketAddr>,
    /// Pages kept in the corpus for the simulators' whole life.
    standing: std::sync::Mutex<Vec<SearchPageGuard>>,
}

/// How a set of simulators is started ([`Simulators::start_with`]).
#[derive(Clone)]
pub struct SimOptions {
    /// The credentials they verify.
    pub creds: Arc<Credentials>,
    /// Answer as the providers' real hosts (a rehearsal, behind
    /// [`Front`]): a request whose `Host` is not the API's real host
    /// ([`real_hosts`]) is answered 421 and is an integrity violation
    /// ([`Simulators::violations`]); SigV4 must be signed for the real host
    /// within 5 minutes of now; the Google token endpoint checks the
    /// JWT's times and issues a fresh token per exchange, and Vertex takes
    /// only an issued one; Tavily gets its own listener
    /// ([`Simulators::tavily_addr`]).
    pub real_hosts: bool,
}

impl SimOptions {
    /// Sim mode's: [`Credentials::sim`], the simulators' own addresses.
    pub fn sim() -> SimOptions {
        SimOptions {
            creds: Arc::new(Credentials::sim()),
            real_hosts: false,
        }
    }

    /// A rehearsal's: `creds` (e.g. [`mint_rehearsal`]'s, or
    /// [`Credentials::from_live_env`] in a child process), real hosts.
    pub fn rehearsal(creds: Credentials) -> SimOptions {
        SimOptions {
            creds: Arc::new(creds),
            real_hosts: true,
        }
    }
}

impl Simulators {
    /// Starts one server per API on 127.0.0.1, each on a free port (sim mode).
    pub fn start(apis: &[Api]) -> std::io::Result<Self> {
        let any: Vec<(Api, u16)> = apis.iter().map(|&a| (a, 0)).collect();
        Self::start_at(&any)
    }

    /// Starts one server per API on 127.0.0.1 at the given port (0: a free
    /// one), e.g. where a warm proxy from `cargo xtask up` expects it (sim mode).
    pub fn start_at(apis: &[(Api, u16)]) -> std::io::Result<Self> {
        Self::start_ports(apis, SimOptions::sim())
    }

    /// Starts one server per API on a free 127.0.0.1 port, verifying
    /// `opts.creds`, answering as the real hosts if `opts.real_hosts`.
    pub fn start_with(apis: &[Api], opts: SimOptions) -> std::io::Result<Self> {
        let any: Vec<(Api, u16)> = apis.iter().map(|&a| (a, 0)).collect();
        Self::start_ports(&any, opts)
    }

    fn start_ports(apis: &[(Api, u16)], opts: SimOptions) -> std::io::Result<Self> {
        if opts.real_hosts
            && apis.iter().any(|(a, _)| *a == Api::Azure)
            && opts.creds.foundry_resource_host.is_none()
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the Azure simulator answers as the Foundry resource's host with real hosts: the credentials name none (set foundry_resource_host)",
            ));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sim")
            .enable_all()
            .build()?;
        let state = Arc::new(SimState {
            model: ScriptedModel::new(),
            auth: Arc::new(Auth::new(opts.creds.clone(), opts.real_hosts)),
            faults: Arc::new(Faults::default()),
            records: Arc::new(Records::default()),
        });
        let mut addrs = BTreeMap::new();
        for &(api, port) in apis {
            // The registry of codecs: one line per API.
            let app = match api {
                Api::Anthropic => router(anthropic::api::Messages, state.clone()),
                Api::Azure => router(anthropic::azure::Foundry, state.clone()),
                Api::VertexAi => router(anthropic::vertex::RawPredict, state.clone()),
                Api::BedrockInvoke => router(bedrock::invoke::Invoke, state.clone()),
                Api::BedrockConverse => router(bedrock::converse::Converse, state.clone()),
                Api::BedrockMantle => router(mantle::Mantle, state.clone()),
                Api::ClaudePlatformAws => {
                    router(claude_platform_aws::ClaudePlatformAws, state.clone())
                }
                Api::OpenAi => router(openai::OpenAi, state.clone()),
                Api::AzureOpenAi => router(openai::AzureOpenAi, state.clone()),
            };
            // The search provider of LiteLLM's web search interception,
            // beside the providers that lack the web search server tool
            // (`providers::tavily`).
            let app = match api {
                Api::BedrockInvoke | Api::BedrockConverse | Api::BedrockMantle => app.merge(
                    tavily::routes(state.model.corpus.clone(), state.auth.clone()),
                ),
                Api::Anthropic
                | Api::Azure
                | Api::VertexAi
                | Api::ClaudePlatformAws
                | Api::OpenAi
                | Api::AzureOpenAi => app,
            };
            let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))?;
            addrs.insert(api, listener.local_addr()?);
            runtime.spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
        }
        let tavily = if opts.real_hosts {
            let app = tavily::root_routes(state.model.corpus.clone(), state.auth.clone());
            let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))?;
            let addr = listener.local_addr()?;
            runtime.spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            Some(addr)
        } else {
            None
        };
        Ok(Simulators {
            runtime: Some(runtime),
            state,
            addrs,
            tavily,
            standing: Default::default(),
        })
    }

    /// The 127.0.0.1 address of an API's simulator, if it was started (a
    /// front listener's route to it).
    pub fn addr(&self, api: Api) -> Option<SocketAddr> {
        self.addrs.get(&api).copied()
    }

    /// Tavily's own listener, answering `POST /search` as `api.tavily.com`
    /// ([`TAVILY_HOST`]); started only with real hosts (sim mode serves
    /// Tavily under `/tavily` on the Bedrock simulators' ports).
    pub fn tavily_addr(&self) -> Option<SocketAddr> {
        self.tavily
    }

    /// What reached these simulators around the front so far (real hosts
    /// only): one line per misdirected request, naming the simulator, the
    /// `Host` it came with and the host it should have had.
    pub fn violations(&self) -> Vec<String> {
        self.state.auth.violations()
    }

    /// The credentials these simulators verify.
    pub fn credentials(&self) -> &Credentials {
        &self.state.auth.creds
    }

    /// Puts `page` in the search corpus for the simulators' whole life,
    /// found by any query that contains `key` (case-insensitively): the web
    /// search server tool's and Tavily's answer to a fixed query, such as
    /// live mode's `LIVE_QUERY` in a rehearsal, which has no trial nonce.
    pub fn register_standing_page(&self, key: &str, page: SearchPage) {
        let guard = self.state.model.corpus.register(key, page);
        self.standing
            .lock()
            .expect("standing pages lock")
            .push(guard);
    }

    /// `http://127.0.0.1:PORT` of an API's simulator, if it was started.
    pub fn base_url(&self, api: Api) -> Option<String> {
        self.addrs.get(&api).map(|a| format!("http://{a}"))
    }

    /// Every request received so far, in arrival order; a request still
    /// being answered shows what has been sent so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.records.all()
    }

    /// Requests whose body contains `needle` (e.g. a trial's nonce).
    pub fn requests_containing(&self, needle: &str) -> Vec<RecordedRequest> {
        self.requests_since_containing(0, needle)
    }

    /// Requests from [`Self::next_seq`]'s answer `seq` on whose body
    /// contains `needle`: what a trial that began at `seq` asks for, at a
    /// cost that does not grow with the run.
    pub fn requests_since_containing(&self, seq: u64, needle: &str) -> Vec<RecordedRequest> {
        self.state.records.since_containing(seq, needle)
    }

    /// The `seq` the next request will get (a trial notes it when it begins).
    pub fn next_seq(&self) -> u64 {
        self.state.records.next_seq()
    }

    /// Forgets the requests before `seq` (no trial that is still running
    /// began before it), so a long run's memory stays flat.
    pub fn forget_before(&self, seq: u64) {
        self.state.records.forget_before(seq)
    }

    /// Puts `page` in the corpus the web search server tool searches, found
    /// by any query that contains `key` (a trial's nonce), until the guard
    /// is dropped.
    pub fn register_search_page(&self, key: &str, page: SearchPage) -> SearchPageGuard {
        self.state.model.corpus.register(key, page)
    }

    /// How many queries the Tavily simulator (served beside the Bedrock
    /// simulators under `/tavily`) answered that contain `needle`.
    pub fn tavily_queries(&self, needle: &str) -> usize {
        self.state.model.corpus.queries_containing(needle)
    }

    /// Switches a fault on until the guard is dropped.
    ///
    /// Panics on a fault no provider in its scope could show (see
    /// [`check_fault`]): a test asking a simulator for an answer the real
    /// service never gives would test something that cannot happen.
    pub fn inject(&self, scope: FaultScope, fault: Fault) -> FaultGuard {
        let apis: Vec<Api> = scope
            .provider
            .map_or_else(|| Api::ALL.to_vec(), |a| vec![a]);
        for api in apis {
            if let Err(e) = check_fault(api, &fault) {
                panic!("{e}");
            }
        }
        self.state.faults.inject(scope, fault)
    }
}

/// Whether `api`'s simulator can show `fault`: a [`Fault::Status`] must be a
/// status the real service answers with, which its simulator then serves in
/// the service's own error shape (Bedrock: the exception its API reference
/// names for it; the Anthropic-shaped APIs: Anthropic's error type). The
/// error lists the statuses it does answer with.
pub fn check_fault(api: Api, fault: &Fault) -> Result<(), String> {
    if *fault == Fault::DropUsage && !matches!(api, Api::OpenAi | Api::AzureOpenAi) {
        return Err(format!(
            "{} always reports usage in its answer (Anthropic's Messages answer requires it); DropUsage is OpenAI's `usage: null`: scope it to openai or azure_openai, or use MisreportUsage",
            api.id()
        ));
    }
    let Fault::Status(status) = fault else {
        return Ok(());
    };
    let table = failure_statuses(api);
    if table.iter().any(|(s, ..)| s == status) {
        return Ok(());
    }
    let known: Vec<String> = table
        .iter()
        .map(|(s, kind, _)| format!("{s} {kind}"))
        .collect();
    Err(format!(
        "{} never answers with status {status}; its simulator serves these: {}",
        api.id(),
        known.join(", ")
    ))
}

/// Each API's error table: status, the error type or exception it names, a message.
fn failure_statuses(api: Api) -> &'static [(u16, &'static str, &'static str)] {
    match api {
        Api::BedrockInvoke | Api::BedrockConverse => bedrock::error::STATUSES,
        Api::Anthropic
        | Api::VertexAi
        | Api::Azure
        | Api::BedrockMantle
        | Api::ClaudePlatformAws => anthropic::STATUSES,
        Api::OpenAi | Api::AzureOpenAi => openai::error::STATUSES,
    }
}

impl Drop for Simulators {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
