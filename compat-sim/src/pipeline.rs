//! The one request pipeline every simulator runs: parse (which operation),
//! authenticate, validate (into a model call), apply faults, run the scripted
//! model, encode, record. A provider contributes only its [`Codec`]: paths,
//! auth, dialect, framing and error shape.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, header};
use axum::response::Response;
use serde_json::Value;

use crate::faults::Faults;
use crate::model::ScriptedModel;
use crate::wire::answer::{Answer, DELTA_PACE, Event};
use crate::wire::api::Api;
use crate::wire::body::json_body;
use crate::wire::creds::{Auth, Credentials};
use crate::wire::hosts::{host_name, real_hosts};
use crate::wire::record::{Entry, Incoming, Records};
use crate::wire::rejection::Rejection;
use crate::wire::request::{ModelRequest, prompt_tokens};
use crate::wire::response::ModelResponse;

/// One provider's wire API: everything the pipeline needs to know about it.
pub(crate) trait Codec: Send + Sync + 'static {
    /// An operation of the API, with what its path carries (model id, ...).
    type Op: Send;

    /// Which API this is (record and fault scope).
    const API: Api;

    /// Parse: the operation a request is for, or `None` for a path or method
    /// the real API does not have.
    fn operation(&self, req: &Incoming) -> Option<Self::Op>;

    /// Whether the operation streams, when its path says so (Bedrock's
    /// `-stream` actions, Vertex's `:streamRawPredict`), so that a request
    /// rejected before its body is read is still recorded as streaming.
    fn streams(&self, _op: &Self::Op) -> Option<bool> {
        None
    }

    /// The host names this operation is served at (with real hosts, a
    /// request with another `Host` is misdirected): the API's real hosts
    /// unless an operation lives on its own host (Vertex's token exchange).
    fn answers_as(&self, _op: &Self::Op, creds: &Credentials) -> Vec<String> {
        real_hosts(Self::API, creds)
    }

    /// Authenticate the request for that operation, as the real service does.
    fn authenticate(&self, req: &Incoming, op: &Self::Op) -> Result<(), Rejection>;

    /// Validate: the model call the request asks for, or, for an endpoint
    /// that is not a model call (Vertex's token exchange), its answer.
    fn validate(&self, req: &Incoming, op: Self::Op) -> Result<Call, Rejection>;

    /// The answer to a model call, in the API's dialect and framing.
    fn encode(&self, resp: &ModelResponse, stream: bool, upstream_model: &str) -> Answer;

    /// The answer of the API's token-counting endpoint: the Anthropic
    /// family's `{"input_tokens": N}` unless the API answers otherwise.
    fn encode_count(&self, input_tokens: u64) -> Answer {
        Answer::Json {
            headers: Vec::new(),
            body: serde_json::json!({ "input_tokens": input_tokens }),
        }
    }

    /// A counting request's body as the record shows it, when that is not
    /// the body as sent (Bedrock's base64 InvokeModel body, decoded, so that
    /// the record and a search by nonce show what was counted); `None`
    /// records the body as sent.
    fn readable_count_body(&self, _body: &Value) -> Option<Value> {
        None
    }

    /// An invalid request (400) in the API's error shape, decided by the
    /// ledger's rule `rule`.
    fn invalid(&self, rule: &'static str, message: String) -> Rejection;

    /// The API's answer when the upstream fails with `status` (fault
    /// switch), in its error shape; `None` for a status the API never
    /// answers with (`crate::check_fault` refuses such a fault up front).
    /// Its rule is `fault.upstream_failure`.
    fn failure(&self, status: u16) -> Option<Rejection>;

    /// The API's answer to a path it does not have (under the API's route
    /// rule, e.g. `anthropic.route`).
    fn unknown_route(&self, message: String) -> Rejection;
}

/// What a valid request asks for.
pub(crate) enum Call {
    /// A model turn.
    Turn(Turn),
    /// A direct answer, no model involved.
    Answer(Answer),
    /// A token count of the turn (the provider's counting endpoint): validated and faulted as a turn, answered
    /// with its count instead of the model.
    Count(Turn),
}

/// A model turn, decoded from the wire.
pub(crate) struct Turn {
    /// With `model` set to the canonical Claude id.
    pub request: ModelRequest,
    pub stream: bool,
    /// The model id as the request named it, echoed in the answer.
    pub upstream_model: String,
}

/// What every simulator of one set shares.
pub(crate) struct SimState {
    pub model: ScriptedModel,
    /// Credentials, real hosts or not, issued tokens, violations.
    pub auth: Arc<Auth>,
    pub faults: Arc<Faults>,
    pub records: Arc<Records>,
}

/// A server for one codec: every request goes through [`handle`].
pub(crate) fn router<C: Codec>(codec: C, state: Arc<SimState>) -> Router {
    let codec = Arc::new(codec);
    Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (codec, state) = (codec.clone(), state.clone());
            async move {
                let req = Incoming {
                    method,
                    uri,
                    headers,
                    body,
                    auth: state.auth.clone(),
                };
                handle(&*codec, &state, req).await
            }
        },
    )
}

async fn handle<C: Codec>(codec: &C, state: &SimState, req: Incoming) -> Response {
    let entry = state.records.open(C::API.id(), &req);
    match answer(codec, state, &req, &entry).await {
        Ok(answer) => respond(answer, entry).await,
        Err(rejection) => {
            let rejection = match rejection.body {
                Some(_) => rejection,
                // The codec gives it the provider's shape; the rule stays.
                None => codec.invalid(rejection.rule, rejection.message),
            };
            entry.refuse(&rejection);
            json_response(
                rejection.status,
                &rejection.headers,
                &rejection.body.unwrap_or_default(),
            )
        }
    }
}

async fn answer<C: Codec>(
    codec: &C,
    state: &SimState,
    req: &Incoming,
    entry: &Entry,
) -> Result<Answer, Rejection> {
    let op = codec.operation(req);
    if req.auth.real_hosts {
        let hosts = match &op {
            Some(op) => codec.answers_as(op, &req.auth.creds),
            None => real_hosts(C::API, &req.auth.creds),
        };
        misdirected(req, C::API.id(), &hosts)?;
    }
    let op = op.ok_or_else(|| {
        codec.unknown_route(format!(
            "no {} API route for {} {}",
            C::API.id(),
            req.method,
            req.uri.path()
        ))
    })?;
    if let Some(stream) = codec.streams(&op) {
        entry.set_stream(stream);
    }
    codec.authenticate(req, &op)?;
    let (
        Turn {
            mut request,
            mut stream,
            mut upstream_model,
        },
        counting,
    ) = match codec.validate(req, op)? {
        Call::Answer(answer) => return Ok(answer),
        Call::Turn(turn) => (turn, false),
        Call::Count(turn) => (turn, true),
    };
    entry.set_call(&request.model, stream);
    let faults = state
        .faults
        .matching(C::API, &request.model, &req.raw_body());
    crate::rules::betas::check(C::API, &request.model, req, &faults, entry)?;
    crate::rules::context_editing::check(C::API, req, &faults)?;
    // A fault standing in for a gateway that changes the body: the provider
    // validates and records what it would then have received.
    if let Some(body) = json_body(req).and_then(|b| faults.rewrite_body(&b)) {
        entry.set_body(body.clone());
        let rewritten = Incoming {
            method: req.method.clone(),
            uri: req.uri.clone(),
            headers: req.headers.clone(),
            body: Bytes::from(body.to_string()),
            auth: req.auth.clone(),
        };
        let op = codec.operation(&rewritten).ok_or_else(|| {
            codec.invalid(
                "fault.rewrite_body",
                "rewritten request lost its route".into(),
            )
        })?;
        match codec.validate(&rewritten, op)? {
            Call::Answer(answer) => return Ok(answer),
            Call::Turn(turn) | Call::Count(turn) => {
                (request, stream, upstream_model) = (turn.request, turn.stream, turn.upstream_model)
            }
        }
    }
    faults.delay().await;
    if let Some(status) = faults.failure(stream) {
        // `Simulators::inject` refused a status this API never answers, so
        // the fallback (its 500) is only reached by a fault injected around
        // that check; it still answers in the provider's shape.
        return Err(codec
            .failure(status)
            .or_else(|| codec.failure(500))
            .unwrap_or_else(|| {
                codec.invalid(
                    "fault.upstream_failure",
                    format!("simulated status {status}"),
                )
            }));
    }
    if counting {
        if let Some(body) = json_body(req).and_then(|b| codec.readable_count_body(&b)) {
            entry.set_body(body);
        }
        faults.alter_count(&mut request);
        let input_tokens = prompt_tokens(&request);
        entry.set_usage(serde_json::json!({ "input_tokens": input_tokens }));
        return Ok(codec.encode_count(input_tokens));
    }
    if let Some(why) = faults.background_refusal(&request) {
        return Err(Rejection::invalid("fault.reject_background_calls", why));
    }
    faults.alter_request(&mut request);
    crate::rules::conversation::check(C::API, &mut request)?;
    crate::rules::tool_search::check(C::API, req, &request)?;
    crate::rules::context::check(C::API, &request)?;
    crate::rules::web_search::check(C::API, &request)?;
    let mut resp = state.model.respond(&request)?;
    faults.alter_response(&mut resp);
    // An answer without usage (`Fault::DropUsage`) records none.
    if !resp.usage_dropped {
        entry.set_usage(serde_json::json!({
            "input_tokens": resp.usage.input_tokens,
            "output_tokens": resp.usage.output_tokens,
            "cache_read_input_tokens": resp.usage.cache_read_input_tokens,
            "cache_creation_input_tokens": resp.usage.cache_creation_input_tokens,
            "cache_creation": {
                "ephemeral_5m_input_tokens": resp.usage.cache_creation_5m_input_tokens(),
                "ephemeral_1h_input_tokens": resp.usage.cache_creation_1h_input_tokens,
            },
        }));
    }
    faults.misreport_usage(&mut resp);
    let mut answer = codec.encode(&resp, stream, &upstream_model);
    faults.alter_answer(&mut answer);
    Ok(answer)
}

/// With real hosts, a request whose `Host` is not one `hosts` names reached
/// the simulator around the front (by an address, an `api_base`): 421
/// Misdirected Request, as a server answers for a host it does not serve
/// (RFC 9110 15.5.20), and an integrity violation for the run's report.
pub(crate) fn misdirected(req: &Incoming, api: &str, hosts: &[String]) -> Result<(), Rejection> {
    let host = req.header("host").map(host_name).unwrap_or_default();
    if hosts.contains(&host) {
        return Ok(());
    }
    let message = format!(
        "{api} simulator: {} {} arrived for host `{host}`, not {}; it did not come through the front",
        req.method,
        req.uri.path(),
        hosts.join(" or ")
    );
    req.auth.violation(message.clone());
    Err(Rejection::new(
        "sim.real_host",
        421,
        serde_json::json!({"error": {"type": "misdirected_request", "message": message}}),
        message,
    ))
}

async fn respond(answer: Answer, entry: Entry) -> Response {
    match answer {
        Answer::Json { headers, body } => {
            entry.respond(200, None);
            json_response(200, &headers, &body)
        }
        Answer::Stream {
            framing,
            headers,
            events,
            hold_open,
            flush_at_end,
        } => {
            entry.set_stream(true);
            entry.respond(200, None);
            let mut r = Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, framing.content_type())
                .header(header::CACHE_CONTROL, "no-cache")
                .body(if flush_at_end {
                    held_body(events, entry)
                } else {
                    stream_body(events, hold_open, entry)
                })
                .expect("valid response");
            add_headers(&mut r, &headers);
            r
        }
        // Held until the client goes away: the connection drops this future.
        Answer::Held => std::future::pending().await,
    }
}

/// The events as a response body, each recorded as it is handed over; text
/// deltas paced. With `hold_open` the body never ends.
fn stream_body(events: Vec<Event>, hold_open: bool, entry: Entry) -> Body {
    let n = events.len();
    let stream = futures_util::stream::unfold(
        (events.into_iter().enumerate(), entry),
        move |(mut events, entry)| async move {
            match events.next() {
                Some((i, event)) => {
                    if event.paced {
                        tokio::time::sleep(DELTA_PACE).await;
                    }
                    if event.is_recorded() {
                        entry.sent(&event.kind, i + 1 == n && !hold_open);
                    }
                    Some((Ok::<_, Infallible>(event.bytes), (events, entry)))
                }
                None if hold_open => std::future::pending().await,
                None => None,
            }
        },
    );
    Body::from_stream(stream)
}

/// The events produced and recorded at the stream's pace, their bytes held
/// back and written in one piece after the last (`Fault::HoldStream`).
fn held_body(events: Vec<Event>, entry: Entry) -> Body {
    let n = events.len();
    let all = futures_util::stream::once(async move {
        let mut all = Vec::new();
        for (i, event) in events.into_iter().enumerate() {
            if event.paced {
                tokio::time::sleep(DELTA_PACE).await;
            }
            if event.is_recorded() {
                entry.sent(&event.kind, i + 1 == n);
            }
            all.extend_from_slice(&event.bytes);
        }
        Ok::<_, Infallible>(Bytes::from(all))
    });
    Body::from_stream(all)
}

fn json_response(status: u16, headers: &[(String, String)], body: &Value) -> Response {
    let mut r = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("valid response");
    add_headers(&mut r, headers);
    r
}

fn add_headers(r: &mut Response, headers: &[(String, String)]) {
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::try_from(k.as_str()),
            HeaderValue::try_from(v.as_str()),
        ) {
            r.headers_mut().insert(k, v);
        }
    }
}
