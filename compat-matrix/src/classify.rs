//! The failure classifier: why did a trial fail, and is that the gateway's fault?
//!
//! A red cell must mean "this feature is broken through the gateway on this
//! provider". Quota, credentials, a dead proxy or our own crash must not look
//! like that, so every failed trial is classified from the evidence the driver
//! and harness already hold ([`Evidence`]) into a [`FailureClass`]:
//!
//! - `incompatible`: the gateway changed or rejected what the provider
//!   accepts, or an assertion on the feature failed. Only this class paints a
//!   cell red.
//! - `upstream_unavailable`: the provider could not serve (quota, credit,
//!   billing, credentials, permission, deployment or model not found,
//!   persistent 429/529, provider 5xx, provider timeout).
//! - `harness`: our side (the CLI crashed or printed garbage, the proxy died
//!   or never became ready, our own bug, the suite's deadline).
//! - `sim_environment` (sim mode only): the simulated environment could not
//!   serve what the gateway or CLI needed ([`sim_environment`]).
//!
//! [`classify`] is pure: the same evidence gives the same verdict. Its rules,
//! in order, prefer what was observed over what was said: in sim mode the
//! simulator's record of what reached the provider and what it answered
//! decides (our simulated credentials are known good, so an auth rejection
//! there is the gateway's doing); in live mode the provider's own words, as
//! the CLI quotes them, decide. The table tests (`golden/classifier/`) hold
//! real error texts from the providers' and LiteLLM's documentation and
//! issue trackers, each with its source (`error_texts.json`, live mode), and
//! sim-mode evidence (`sim_evidence.json`).
//!
//! Sim mode has no real provider to blame: a simulator fails only when a
//! fault switch tells it to, and then its record says so. So when the
//! simulator recorded no request of the trial (the gateway failed before
//! any request reached the provider), the failure is the gateway's
//! (`incompatible`), whatever the CLI's words say ("timeout", "inference
//! profile", a 500/502/503), unless the proxy died or our own setup failed
//! (our gateway key or generated config refused, the CLI could not connect):
//! `harness`. Live mode keeps reading the words.

use crate::status::FailureClass;

/// What failed, as the harness saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The CLI finished cleanly, then an assertion on the feature failed.
    Assertion,
    /// The CLI finished with an API error (`result.is_error`): the status the
    /// CLI reports (None when it had no HTTP answer) and its error text.
    CliApiError { status: Option<u16>, text: String },
    /// The CLI printed nothing for too long and was stopped.
    Stalled,
    /// The CLI did not finish within its run's deadline.
    TimedOut,
    /// The CLI could not start, exited without a result, or printed garbage.
    CliCrashed,
    /// The check panicked (our bug).
    Panic,
    /// The run's environment (tools, simulators, proxies) is not there.
    Environment,
    /// The check could not reach a verdict from what it observed (a
    /// [`NoVerdict`] error, e.g. a stream too short to judge).
    NoVerdict,
    /// The trial was not run (the suite's deadline passed, or its provider's
    /// earlier trials could not reach a verdict); the text says why.
    NotRun { class: FailureClass },
}

/// An error a check returns when what it observed cannot decide either way
/// (classified `harness`: the run reached no verdict, the gateway is not
/// blamed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoVerdict(pub String);

impl std::fmt::Display for NoVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoVerdict {}

/// What one request of the trial got from the provider (sim mode: the
/// simulator's record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamAnswer {
    pub status: u16,
    /// The provider's error message, when it refused the request.
    pub rejection: Option<String>,
    /// False while a response (a stream, typically) is still unfinished.
    pub completed: bool,
}

/// Everything the classifier looks at.
#[derive(Debug, Clone)]
pub struct Evidence<'a> {
    pub kind: FailureKind,
    /// The failure's message (the error chain as the check returned it).
    pub message: &'a str,
    /// Sim mode: what the provider received and answered for this trial.
    /// None in live mode, where the provider cannot be observed.
    pub upstream: Option<&'a [UpstreamAnswer]>,
    /// Whether the trial's proxy process was still running (None: unknown,
    /// e.g. an external gateway).
    pub gateway_alive: Option<bool>,
    /// The last lines of the proxy's log.
    pub gateway_log: &'a str,
    /// How many of this trial's requests the gateway received (the tap's
    /// record; None: unknown). In sim mode with no simulator record, it
    /// tells a gateway that held a request from a CLI that sent none.
    pub gateway_requests: Option<usize>,
}

/// The classifier's answer: the class, and a headline saying what broke and
/// where (gateway, provider, CLI), then the upstream's own words if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub class: FailureClass,
    pub headline: String,
}

impl Verdict {
    fn new(class: FailureClass, headline: impl Into<String>) -> Self {
        Verdict {
            class,
            headline: headline.into(),
        }
    }
}

/// Classifies one failed trial. Pure.
///
/// A failure that would be the gateway's is not painted on it when its own
/// words show that our arrangement failed instead: in sim mode
/// `sim_environment` ([`sim_environment`]); in every mode, `harness` when
/// the gateway refused a call the CLI made without the gateway key our
/// harness hands it ([`keyless_call`]), since live and rehearsal runs use
/// the same arrangement.
pub fn classify(e: &Evidence<'_>) -> Verdict {
    let v = classify_evidence(e);
    if v.class != FailureClass::Incompatible {
        return v;
    }
    if e.upstream.is_some() {
        if let Some(why) = sim_environment(e.message) {
            return Verdict::new(
                FailureClass::SimEnvironment,
                format!(
                    "sim environment: {why}; not the gateway's failure (unverified in sim mode; a live run settles it)"
                ),
            );
        }
    } else if let Some(why) = keyless_call(e.message) {
        return Verdict::new(
            FailureClass::Harness,
            format!("harness: {why}; not the gateway's failure (unverified)"),
        );
    }
    v
}

/// Why the simulated environment, rather than the gateway, failed the
/// trial, from the failure's words (the check quotes the gateway's log
/// lines it judged), or None:
/// - a host name did not resolve: the run reaches no public host, and the
///   gateway reached for one the simulators do not stand in for (LiteLLM
///   counts Opus 4.7's Bedrock tokens at `bedrock-mantle.<region>.api.aws`);
/// - the gateway refused a call for lacking the gateway key: the harness
///   gives the CLI its key in ANTHROPIC_CUSTOM_HEADERS, which the CLI's
///   keyless calls (Bedrock mode's GetInferenceProfile control-plane call)
///   do not carry.
pub fn sim_environment(message: &str) -> Option<String> {
    let lower = message.to_lowercase();
    // A check that quotes the provider answering the call it judged
    // (`… -> 200`) shows the provider was reached: an unreachable host in the
    // gateway's log is then a fallback LiteLLM took (it tries Mantle's public
    // counting host first, then the route's endpoint), and the failure is the
    // answer's, the gateway's to own.
    if matches_any(&lower, UNRESOLVED_HOST) && !quotes_a_2xx_answer(&lower) {
        let host = lower
            .find("cannot connect to host ")
            .map(|i| &message[i + "cannot connect to host ".len()..])
            .and_then(|rest| rest.split([':', ' ']).next())
            .filter(|h| !h.is_empty());
        return Some(match host {
            Some(h) => format!(
                "the gateway reached for {h}, a public host the simulators do not stand in for (it did not resolve)"
            ),
            None => "the gateway reached for a public host the simulators do not stand in for (a name did not resolve)".to_owned(),
        });
    }
    keyless_call(message)
}

/// The gateway refused a call for lacking the gateway key: the harness gives
/// the CLI its key in ANTHROPIC_CUSTOM_HEADERS, which the CLI's keyless
/// calls (Bedrock mode's GetInferenceProfile control-plane call) do not
/// carry. Our arrangement in every mode, not the gateway's failure.
pub fn keyless_call(message: &str) -> Option<String> {
    matches_any(&message.to_lowercase(), GATEWAY_KEY).then(|| {
        format!("{KEYLESS_CALL} (in ANTHROPIC_CUSTOM_HEADERS, which that call does not carry)")
    })
}

/// The words of [`keyless_call`]'s verdict, which the harness's breaker
/// reads: such a failure says nothing of the column's health.
pub const KEYLESS_CALL: &str =
    "the gateway refused a call the CLI made without the gateway key the harness gives it";

/// The check's own record of a provider answer, `<METHOD> <path> -> 2xx`.
fn quotes_a_2xx_answer(lower: &str) -> bool {
    lower.match_indices(" -> 2").any(|(i, _)| {
        let code = &lower.as_bytes()[i + 4..];
        code.len() >= 3 && code[..3].iter().all(u8::is_ascii_digit)
    })
}

/// A host name that did not resolve (aiohttp's, glibc's, Node's words).
const UNRESOLVED_HOST: &[&str] = &[
    "name or service not known",
    "temporary failure in name resolution",
    "nodename nor servname provided",
    "no address associated with hostname",
    "getaddrinfo enotfound",
];

fn classify_evidence(e: &Evidence<'_>) -> Verdict {
    use FailureClass::*;
    let dead = e.gateway_alive == Some(false);
    match &e.kind {
        FailureKind::NotRun { class } => Verdict::new(*class, "not run"),
        FailureKind::Environment => Verdict::new(
            Harness,
            "harness: the run's environment could not be set up",
        ),
        FailureKind::Panic => Verdict::new(Harness, "harness: the check itself crashed (our bug)"),
        FailureKind::NoVerdict => {
            Verdict::new(Harness, "harness: the check could not reach a verdict")
        }
        FailureKind::CliCrashed if dead => {
            Verdict::new(Harness, "harness: the gateway process died during the run")
        }
        // Whatever the simulator recorded: a run whose output the harness
        // cannot read (a newer CLI's changed stream-JSON among them) has no
        // verdict on the gateway.
        FailureKind::CliCrashed => Verdict::new(
            Harness,
            "harness: the claude CLI crashed or its output cannot be read (no result line, output that is not stream-JSON, or stream-JSON of a shape the harness does not know)",
        ),
        FailureKind::Stalled | FailureKind::TimedOut => classify_hang(e, dead),
        FailureKind::CliApiError { status, text } => classify_api_error(e, *status, text, dead),
        FailureKind::Assertion => Verdict::new(
            Incompatible,
            "gateway: the CLI finished, but the feature did not work through the gateway",
        ),
    }
}

fn classify_hang(e: &Evidence<'_>, dead: bool) -> Verdict {
    use FailureClass::*;
    let what = if e.kind == FailureKind::Stalled {
        "stalled"
    } else {
        "timed out"
    };
    if dead {
        return Verdict::new(
            Harness,
            format!("harness: the CLI {what} because the gateway process died"),
        );
    }
    if let Some(answers) = e.upstream {
        // Sim mode, nothing reached the provider: the gateway held what the
        // CLI sent, or the CLI sent nothing (its own trouble). Without the
        // tap's count the rules below decide as before.
        if let (true, Some(sent)) = (answers.is_empty(), e.gateway_requests) {
            return match sent {
                0 => Verdict::new(
                    Harness,
                    format!(
                        "harness: the CLI {what} before sending any request of the trial through the gateway"
                    ),
                ),
                _ => Verdict::new(
                    Incompatible,
                    format!(
                        "gateway: the CLI {what}; the gateway received {sent} request(s) of the trial but none reached the provider (sim mode: the simulator recorded none)"
                    ),
                ),
            };
        }
        if answers.iter().any(|a| !a.completed) {
            return Verdict::new(
                UpstreamUnavailable,
                format!(
                    "provider: the CLI {what} while the provider had not finished its answer (a provider stall)"
                ),
            );
        }
        if !answers.is_empty() && answers.iter().all(|a| a.completed && a.status < 300) {
            return Verdict::new(
                Incompatible,
                format!(
                    "gateway: the CLI {what} although the provider had finished every answer: the gateway held them"
                ),
            );
        }
    }
    let log = e.gateway_log.to_lowercase();
    if log.contains("timeout") || log.contains("timed out") {
        return Verdict::new(
            UpstreamUnavailable,
            format!("provider: the CLI {what}; the gateway log shows the provider timing out"),
        );
    }
    Verdict::new(
        UpstreamUnavailable,
        format!(
            "no verdict: the CLI {what}, and nothing shows whether the provider or the gateway held the answer"
        ),
    )
}

fn classify_api_error(e: &Evidence<'_>, status: Option<u16>, text: &str, dead: bool) -> Verdict {
    use FailureClass::*;
    let words = upstream_words(text);
    let said = |head: String| {
        if words.is_empty() {
            head
        } else {
            format!("{head}. Upstream said: {words}")
        }
    };
    let status_s = status.map(|s| format!(" {s}")).unwrap_or_default();
    if dead {
        return Verdict::new(
            Harness,
            said("harness: the gateway process died during the run".into()),
        );
    }
    let lower = text.to_lowercase();
    if status.is_none() && matches_any(&lower, CONNECTION) {
        return Verdict::new(
            Harness,
            said("harness: the CLI could not reach the gateway".into()),
        );
    }
    if matches_any(&lower, GATEWAY_KEY) {
        return Verdict::new(
            Harness,
            said("harness: the gateway refused our own key".into()),
        );
    }

    // Sim mode: the simulator saw what reached the provider.
    if let Some(answers) = e.upstream {
        if answers.is_empty() {
            // Nothing reached the provider, and the simulators fail only by
            // fault (on record): the gateway failed on its own, unless our
            // generated configuration is what it refused.
            if matches_any(&lower, OUR_CONFIG) {
                return Verdict::new(
                    Harness,
                    said(format!(
                        "harness: the gateway or CLI configuration we generated is wrong{status_s}"
                    )),
                );
            }
            return Verdict::new(
                Incompatible,
                said(format!(
                    "gateway: the gateway answered the CLI an error{status_s} without any request of the trial reaching the provider (sim mode: the simulator recorded none)"
                )),
            );
        }
        if let Some(r) = answers.iter().rev().find(|a| a.status >= 400) {
            let provider_words = r.rejection.clone().unwrap_or_else(|| words.clone());
            let class = match r.status {
                429 | 529 | 500..=599 => UpstreamUnavailable,
                // Our simulated credentials are known good: an auth
                // rejection means the gateway dropped or mangled them
                // (e.g. a broken SigV4 re-signing).
                _ => Incompatible,
            };
            let head = match class {
                Incompatible => format!("provider rejected what the gateway sent ({})", r.status),
                _ => format!("provider could not serve ({})", r.status),
            };
            return Verdict::new(class, format!("{head}. Upstream said: {provider_words}"));
        }
        if !answers.is_empty() && answers.iter().all(|a| a.status < 300 && a.completed) {
            return Verdict::new(
                Incompatible,
                said(format!(
                    "gateway: the provider answered every request with success, but the CLI got an API error{status_s}"
                )),
            );
        }
    }

    // The wrappers (LiteLLM's exception class, the CLI's "API Error") often
    // say less than the provider's own words inside them, or the opposite of
    // them (LiteLLM wraps a Bedrock 400 as a 503 mid-stream error): judge
    // the innermost message first, the whole text after.
    let inner = words.to_lowercase();
    if matches_any(&lower, GATEWAY_BUG) {
        return Verdict::new(
            Incompatible,
            said(format!(
                "gateway: the gateway failed{status_s} translating the request or response"
            )),
        );
    }
    if matches_any(&lower, OUR_CONFIG) {
        return Verdict::new(
            Harness,
            said(format!(
                "harness: the gateway or CLI configuration we generated is wrong{status_s}"
            )),
        );
    }
    if matches_any(&inner, UNAVAILABLE) {
        return Verdict::new(
            UpstreamUnavailable,
            said(format!("provider could not serve{status_s}")),
        );
    }
    if matches_any(&lower, INVALID_REQUEST) {
        return Verdict::new(
            Incompatible,
            said(format!("provider rejected what the gateway sent{status_s}")),
        );
    }
    if matches_any(&lower, UNAVAILABLE) {
        return Verdict::new(
            UpstreamUnavailable,
            said(format!("provider could not serve{status_s}")),
        );
    }
    match status {
        Some(401 | 403) => Verdict::new(
            UpstreamUnavailable,
            said(format!("provider refused the credentials{status_s}")),
        ),
        // A 404 from a provider names a model or deployment it does not
        // have for this account (in sim mode the record decides instead).
        Some(404) => Verdict::new(
            UpstreamUnavailable,
            said(format!(
                "provider has no such model or deployment{status_s}"
            )),
        ),
        Some(408 | 429 | 503 | 504 | 529) => Verdict::new(
            UpstreamUnavailable,
            said(format!("provider could not serve{status_s}")),
        ),
        Some(500 | 502) => Verdict::new(
            UpstreamUnavailable,
            said(format!("provider or gateway error{status_s}")),
        ),
        _ => Verdict::new(
            Incompatible,
            said(format!(
                "provider or gateway rejected the request{status_s}"
            )),
        ),
    }
}

fn matches_any(lower: &str, patterns: &[&str]) -> bool {
    patterns.iter().any(|p| lower.contains(p))
}

/// The CLI could not reach the gateway at all (Node's and the SDK's words).
const CONNECTION: &[&str] = &[
    "econnrefused",
    "connection refused",
    "connection error",
    "socket hang up",
    "econnreset",
    "unable to connect",
];

/// LiteLLM refusing the key we gave it: our configuration, not the provider.
const GATEWAY_KEY: &[&str] = &[
    "invalid proxy server token",
    "no api key passed in",
    "litellm virtual key",
    "litellm_master_key",
];

/// Our generated configuration (proxy config, CLI environment) is wrong: a
/// model the proxy does not serve, a missing provider prefix, a missing
/// package, the CLI without credentials.
const OUR_CONFIG: &[&str] = &[
    "malformed api key passed in",
    "invalid model name passed in",
    "there is no 'model_name' with this string",
    "no healthy deployments for this model",
    "llm provider not provided",
    "import failed",
    "api_not_supported",
    "invalid api key · please run /login",
    "could not resolve authentication method",
];

/// The provider refused the request's shape: what the gateway sent.
const INVALID_REQUEST: &[&str] = &[
    "badrequesterror",
    "invalid_request_error",
    "validationexception",
    "extra inputs are not permitted",
    "field required",
];

/// The gateway's own code failing on a request or response: Python
/// exceptions surfacing through LiteLLM's error wrapper, and LiteLLM's
/// refusals of parameters the provider accepts.
const GATEWAY_BUG: &[&str] = &[
    // A pass-through route mistaking part of the path for a model name
    // (LiteLLM #14478), and a route with no provider config for the model.
    "passthrough_route: invalid model name",
    "provider config not found",
    "object has no attribute",
    "keyerror",
    "typeerror",
    "attributeerror",
    "indexerror",
    "valueerror",
    "traceback (most recent call last)",
    "unsupportedparamserror",
    "is not subscriptable",
    "object is not iterable",
    "json.decoder.jsondecodeerror",
    "unexpected keyword argument",
];

/// The provider's own words for "cannot serve you now": quota, credit,
/// billing, credentials, permission, model or deployment missing, overload,
/// provider-side failure or timeout. Sources: golden/classifier/.
const UNAVAILABLE: &[&str] = &[
    "credit balance",
    "billing",
    "quota",
    "resource_exhausted",
    "resource exhausted",
    "rate_limit_error",
    "rate limit",
    "ratelimit",
    "too many requests",
    "too many tokens",
    "throttlingexception",
    "overloaded",
    "deploymentnotfound",
    "deployment for this resource does not exist",
    "model identifier is invalid",
    "was not found or your project does not have access",
    "not_found_error\",\"message\":\"model:",
    "model_not_found",
    "accessdeniedexception",
    "don't have access to the model",
    "do not have access to the model",
    "permission_error",
    "permission_denied",
    "authentication_error",
    "invalid x-api-key",
    "unrecognizedclientexception",
    "security token included in the request is invalid",
    "invalid subscription key",
    "invalid_grant",
    "serviceunavailable",
    "service unavailable",
    "internalserverexception",
    "modelnotreadyexception",
    "modeltimeoutexception",
    "modelerrorexception",
    "use case details have not been submitted",
    "on-demand throughput",
    "inference profile",
    "publisher model",
    "request timed out",
    "timed out",
    "timeout",
    "expiredtoken",
    "api key expired",
    "insufficient_quota",
    "organization has been disabled",
    "reactivated",
];

/// The provider's own words inside an error text: the innermost JSON
/// `"message"` (LiteLLM wraps the provider's body, the CLI wraps LiteLLM's),
/// or the first line.
pub fn upstream_words(text: &str) -> String {
    let mut best: Option<String> = None;
    let mut rest = text;
    while let Some(i) = rest.find("\"message\"") {
        let after = &rest[i + "\"message\"".len()..];
        let after = after.trim_start().strip_prefix(':').map(str::trim_start);
        if let Some(s) = after.and_then(|a| a.strip_prefix('"')) {
            // Read a JSON string (escapes included) and decode it.
            let mut end = None;
            let mut escaped = false;
            for (j, c) in s.char_indices() {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        end = Some(j);
                        break;
                    }
                    _ => {}
                }
            }
            if let Some(end) = end {
                let raw = &s[..end];
                let decoded: String =
                    serde_json::from_str(&format!("\"{raw}\"")).unwrap_or_else(|_| raw.to_owned());
                // A message that itself holds JSON: go one level deeper.
                if decoded.contains("\"message\"") {
                    let inner = upstream_words(&decoded);
                    if !inner.is_empty() {
                        best = Some(inner);
                    }
                } else if !decoded.trim().is_empty() {
                    best = Some(decoded);
                }
            }
        }
        rest = &rest[i + 1..];
    }
    let words = best.unwrap_or_else(|| {
        text.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .trim()
            .to_owned()
    });
    shorten(&words, 400)
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}...")
}

#[cfg(test)]
mod tests;
