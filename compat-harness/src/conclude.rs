//! How one trial's check becomes a verdict: the routing and path guards,
//! the background-call invariant, the failure's class ([`conclude`]), and the
//! gate against the baseline ([`gate_trial`]).

use compat_core::driver::{CliError, DriverError};
use compat_matrix::classify::{self, Evidence, FailureKind, NoVerdict};
use compat_matrix::gate::{self, Judgement, Now};
use compat_matrix::provider::Provider;
use compat_matrix::results::Mode;
use compat_matrix::rule_evidence::RuleEvidence;
use compat_matrix::status::{FailureClass, Outcome};
use libtest_mimic::{Completion, Failed};

use crate::ctx::Ctx;
use crate::env::EnvUnavailable;
use crate::sink::Baseline;

/// A trial's result as the gate reads it: a pass (with the first attempt's
/// error if it passed only on a retry), or a failure with its class,
/// message (led by the model) and signature (`compat_matrix::signature`).
pub(crate) type TrialVerdict = Result<Option<String>, TrialFailure>;

#[derive(Debug, Clone)]
pub(crate) struct TrialFailure {
    pub class: FailureClass,
    pub message: String,
    pub signature: String,
}

/// How a trial's result becomes libtest's verdict.
///
/// Without a baseline every failure fails the run, named by its class. With
/// one (the PR gate; a sim run's default is `golden/sim-baseline.json`),
/// each model is judged against the same model in the baseline
/// (`compat_matrix::gate`): a model that passed there and fails now is a
/// REGRESSION, whatever the cell's colour; one that failed there with
/// another signature is FAILING DIFFERENTLY; one the baseline lacks (row,
/// cell or model) fails until the baseline declares it, and a pass on a
/// retry is FLAKY: these three fail in sim mode and are reported (ignored,
/// with the reason) in live mode. A failure as the baseline knew it is an
/// ignored trial with the reason. An upstream that could not serve is an
/// ignored trial too (no verdict, nothing to blame the change for); a
/// harness failure still fails the run, as "no verdict": a gate that cannot
/// measure (a proxy that will not start under the PR's LiteLLM, say) must
/// not pass quietly.
pub(crate) fn gate_trial(
    result: TrialVerdict,
    baseline: Option<&Baseline>,
    mode: Mode,
    feature: &str,
    provider: &str,
    model: &str,
) -> Result<Completion, Failed> {
    let Some(b) = baseline else {
        return match result {
            Ok(_) => Ok(Completion::Completed),
            Err(f) => Err(Failed::from(format!("[{}] {}", f.class, f.message))),
        };
    };
    let (now, message) = match result {
        Ok(None) => (Now::Pass, String::new()),
        Ok(Some(first_error)) => (Now::Flaky { first_error }, String::new()),
        Err(f) => match f.class {
            FailureClass::UpstreamUnavailable => {
                return Ok(Completion::ignored_with(format!(
                    "unverified, the provider could not serve (no verdict on the gateway): {}",
                    f.message
                )));
            }
            FailureClass::SimEnvironment => {
                return gate_sim_environment(f, b, mode, feature, provider, model);
            }
            FailureClass::Harness => {
                return Err(Failed::from(format!(
                    "NO VERDICT (harness: the run could not measure this trial; not a regression verdict): {}",
                    f.message
                )));
            }
            FailureClass::Incompatible => (
                Now::Fail {
                    signature: f.signature,
                },
                f.message,
            ),
        },
    };
    let before = gate::before(&b.matrix, feature, provider, model);
    let judgement = gate::judge(&before, &now, mode);
    let fails = judgement.fails_gate(mode);
    let text = match &judgement {
        Judgement::Passed | Judgement::NewlyPassing => return Ok(Completion::Completed),
        Judgement::Regression => format!(
            "REGRESSION ({model} passed in the baseline {}): {message}",
            b.source
        ),
        Judgement::Known { before: Some(_) } => {
            format!(
                "known failure ({model} fails in the baseline with the same signature): {message}"
            )
        }
        Judgement::Known { before: None } => format!(
            "known failure ({model} fails in the baseline, which keeps no signature to compare): {message}"
        ),
        Judgement::FailingDifferently { before, now } => format!(
            "FAILING DIFFERENTLY ({model} failed in the baseline with `{before}`, now with `{now}`): {message}"
        ),
        Judgement::NotInBaseline { what, failing } => {
            let how = if mode == Mode::Sim {
                format!("; {}", gate::DECLARE)
            } else {
                String::new()
            };
            let now = if *failing {
                format!("fails: {message}")
            } else {
                "passes".to_owned()
            };
            if !fails && !failing {
                // Live mode: a pass the baseline lacks is only reported
                // (the run-end summary lists it).
                return Ok(Completion::Completed);
            }
            format!("NOT IN THE BASELINE ({what}{how}); {model} {now}")
        }
        Judgement::FlakyInSim { first_error } => format!(
            "FLAKY IN SIM ({model} passed only on a retry; a simulator fails only under a fault, so the gateway failed the first attempt): {first_error}"
        ),
    };
    if fails {
        Err(Failed::from(text))
    } else {
        Ok(Completion::ignored_with(text))
    }
}

/// A failure the sim environment caused (`FailureClass::SimEnvironment`) is
/// no verdict on the gateway: ignored with the reason where the baseline
/// has it red (the class is newer than the baseline) or without a verdict
/// (unverified, as a renewed baseline holds it): it is no regression while it
/// stays. Where it appears in sim mode it is made visible: a model that
/// passed in the baseline, or one the baseline lacks, fails the run, since
/// the gate no longer measures it.
fn gate_sim_environment(
    f: TrialFailure,
    b: &Baseline,
    mode: Mode,
    feature: &str,
    provider: &str,
    model: &str,
) -> Result<Completion, Failed> {
    let why = "not the gateway's failure; a live run settles it";
    match gate::before(&b.matrix, feature, provider, model) {
        gate::Before::Passed if mode == Mode::Sim => Err(Failed::from(format!(
            "NEWLY UNVERIFIED BY THE SIM ENVIRONMENT ({model} passed in the baseline {}; now the simulated \
             environment cannot serve what the gateway or CLI needs, so the gate no longer measures it: \
             make the sim environment serve it, or renew the baseline if that is so): {}",
            b.source, f.message
        ))),
        gate::Before::Absent(what) if mode == Mode::Sim => Err(Failed::from(format!(
            "NOT IN THE BASELINE (the baseline has no such {}; {}); {model} is unverified by the sim environment: {}",
            what.name(),
            gate::DECLARE,
            f.message
        ))),
        _ => Ok(Completion::ignored_with(format!(
            "unverified, the sim environment cannot stand in for this ({why}): {}",
            f.message
        ))),
    }
}

/// The harness's gate decision on one trial: it fails the run (the
/// message), is reported as ignored (the reason), or passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateDecision {
    Fails(String),
    Ignored(String),
    Passes,
}

/// A gate decision as data (libtest-mimic's types are opaque to tests).
pub(crate) fn decision(r: Result<Completion, Failed>) -> GateDecision {
    match r {
        Ok(Completion::Completed) => GateDecision::Passes,
        Ok(Completion::Ignored { reason }) => GateDecision::Ignored(reason.unwrap_or_default()),
        Err(f) => GateDecision::Fails(f.message().unwrap_or_default().to_owned()),
    }
}

/// In sim mode, a pass must have crossed the trial's own provider: every
/// simulator request carrying the trial's nonce went to that provider, and
/// there was at least one. (Guards against a routing mistake that would let a
/// cell pass on another provider's wire.) A stray request is the gateway's
/// doing (incompatible); none at all means our routing is wrong (harness).
///
/// A pass-through column shares its simulator with its native provider's
/// column, so reaching it is not enough: every request of the trial must
/// also have entered the gateway by the column's route (`/bedrock/...`; the
/// tap's record, so this half holds in live mode too). A trial whose CLI
/// went through `/v1/messages` instead measured the other column: harness.
/// So is a gateway-mode column, to its route (`/claude_code_gateway/`).
/// A column behind a TLS front (the Vertex pass-through, openai) must also
/// have had its requests come through it, with the `Host` the real
/// provider would see ([`judge_front`]).
fn routed_to_own_provider(ctx: &Ctx) -> Result<(), (FailureClass, String)> {
    if let Some((route, kind)) = crate::column::entry_route(ctx.provider()) {
        let tapped = ctx.gateway_requests();
        if let Some(off) = tapped.iter().find(|r| !r.path.starts_with(route)) {
            return Err((
                FailureClass::Harness,
                format!(
                    "harness: a request of this trial entered the gateway by {} {} instead of the {} {kind} \
                     route ({route}...): the check passed without crossing the column's route",
                    off.method,
                    off.path,
                    ctx.provider().id()
                ),
            ));
        }
        if tapped.is_empty() {
            return Err((
                FailureClass::Harness,
                format!(
                    "harness: no request of this trial (nonce {}) crossed the tap on the {} {kind} route ({route}...)",
                    ctx.nonce(),
                    ctx.provider().id()
                ),
            ));
        }
    }
    if ctx.sim().is_none() {
        return Ok(());
    }
    let reqs = ctx.sim_requests_anywhere();
    if let Some(stray) = reqs
        .iter()
        .find(|r| r.provider != crate::column::api(ctx.provider()).id())
    {
        return Err((
            FailureClass::Incompatible,
            format!(
                "gateway: a request of this trial went to the {} simulator instead of {}: {}",
                stray.provider,
                ctx.provider().id(),
                stray.describe()
            ),
        ));
    }
    if reqs.is_empty() {
        return Err((
            FailureClass::Harness,
            format!(
                "harness: no request of this trial (nonce {}) reached the {} simulator: the check passed without crossing the provider",
                ctx.nonce(),
                ctx.provider().id()
            ),
        ));
    }
    judge_front(ctx.provider(), &reqs)
}

/// A column behind a TLS front in sim mode (manifest `front:`): the Vertex
/// pass-through, which LiteLLM sends to Google's host, and the openai
/// column, which it sends to api.openai.com; the run's front
/// (`compat_sim::host_front`) hands each to its simulator, `Host`
/// unchanged. A request of the trial that reached the simulator with
/// another `Host` (the simulator's own address, as an `api_base` sends) did
/// not take that way, so the pass would not show that the column's route
/// reaches the real host: harness.
pub(crate) fn judge_front(
    p: Provider,
    reqs: &[compat_sim::RecordedRequest],
) -> Result<(), (FailureClass, String)> {
    let Some(front) = p.front() else {
        return Ok(());
    };
    let name = crate::column::front_name(front);
    let want = compat_sim::host_front::hosts_of(name).unwrap_or_default();
    match reqs.iter().find(|r| {
        !r.headers
            .get("host")
            .is_some_and(|h| want.iter().any(|w| w == h))
    }) {
        Some(r) => Err((
            FailureClass::Harness,
            format!(
                "harness: a request of this trial reached the {} simulator with Host {}, not through the `{name}` TLS front as {}: \
                 the {} pass went around the route it measures: {}",
                r.provider,
                r.headers
                    .get("host")
                    .map(String::as_str)
                    .unwrap_or("(none)"),
                want.join(" or "),
                p.id(),
                r.describe()
            ),
        )),
        None => Ok(()),
    }
}

/// A pass must also have been served by the column's own implementation
/// inside LiteLLM, in both modes (the tap sees the gateway's answers live
/// too): on a Rust-path column every Messages request of the trial that the
/// gateway answered 2xx carries `x-litellm-rust: true` — LiteLLM falls back
/// to its Python path silently when the Rust one declines
/// (rust_bridge/runtime.py `RustDeclined`), and such a trial measured the
/// other column. On every other column none does.
fn served_by_own_path(ctx: &Ctx) -> Result<(), (FailureClass, String)> {
    judge_path(ctx.provider(), ctx.model_id(), &ctx.gateway_answers())
}

/// [`served_by_own_path`] over the answers the tap recorded for one trial.
pub(crate) fn judge_path(
    p: Provider,
    model: &str,
    answers: &[crate::relay::TapRecord],
) -> Result<(), (FailureClass, String)> {
    let answered: Vec<_> = answers
        .iter()
        .filter(|r| {
            r.method == "POST"
                && r.path.starts_with("/v1/messages")
                && !r.path.starts_with("/v1/messages/")
                && !r.refused
                && (200..300).contains(&r.status)
        })
        .collect();
    let route = compat_core::gateway::routing::litellm_model(p, model);
    if p.rust_path() {
        if answered.is_empty() {
            return Err((
                FailureClass::Harness,
                format!(
                    "harness: {model} ({route}): no Messages request of this trial was answered by the gateway through the tap, so nothing shows that LiteLLM's Rust path served it"
                ),
            ));
        }
        let python = answered.iter().filter(|r| !r.litellm_rust).count();
        if python > 0 {
            return Err((
                FailureClass::Incompatible,
                format!(
                    "gateway: {model} ({route}, LITELLM_RUST=true): {python} of {} Messages request(s) of this trial were served by LiteLLM's Python path, not its Rust one (no `x-litellm-rust: true` on the answer: the Rust path declined or is unavailable, and LiteLLM fell back silently)",
                    answered.len()
                ),
            ));
        }
    } else if let Some(r) = answered.iter().find(|r| r.litellm_rust) {
        return Err((
            FailureClass::Harness,
            format!(
                "harness: {model} ({route}): the gateway answered {} with `x-litellm-rust: true`, but this column measures LiteLLM's Python path (is LITELLM_RUST set in the proxy's environment?)",
                r.path
            ),
        ));
    }
    Ok(())
}

/// Longest error kept in a matrix cell.
pub(crate) const MAX_CELL_ERROR: usize = 600;

/// What a check's error was, from the typed errors in its chain.
pub(crate) fn failure_kind(e: &anyhow::Error) -> FailureKind {
    for cause in e.chain() {
        if let Some(d) = cause.downcast_ref::<DriverError>() {
            return match d {
                DriverError::Timeout { .. } => FailureKind::TimedOut,
                DriverError::Stalled { .. } => FailureKind::Stalled,
                _ => FailureKind::CliCrashed,
            };
        }
        if let Some(c) = cause.downcast_ref::<CliError>() {
            return FailureKind::CliApiError {
                status: c.status,
                text: c.text.clone(),
            };
        }
        if cause.downcast_ref::<EnvUnavailable>().is_some() {
            return FailureKind::Environment;
        }
        if cause.downcast_ref::<NoVerdict>().is_some() {
            return FailureKind::NoVerdict;
        }
    }
    FailureKind::Assertion
}

/// A trial's conclusion: its outcome, the failure's class, (for a pass on a
/// retry) the first attempt's error, and (for a red in sim mode) the
/// simulator rules that decided it (`crate::verdict_evidence`).
pub(crate) struct Conclusion {
    pub outcome: Outcome,
    pub class: Option<FailureClass>,
    pub first_error: Option<String>,
    pub evidence: Option<RuleEvidence>,
}

/// A red's evidence in sim mode (none in live mode, nor for a no-verdict
/// class): the rules of the simulator refusals that decided it.
fn red_evidence(ctx: &Ctx, class: FailureClass, api_error: bool) -> Option<RuleEvidence> {
    (class.is_verdict() && ctx.sim().is_some())
        .then(|| crate::verdict_evidence::of_failure(&ctx.sim_requests(), api_error))
}

/// Turns what a check returned into the trial's conclusion: a pass must also
/// have crossed its own provider, been served by its column's path, and had
/// every request answered (`crate::background`); a failure is classified from the evidence
/// (see `compat_matrix::classify`), its message led by what broke and where.
pub(crate) fn conclude(ctx: &Ctx, result: std::thread::Result<anyhow::Result<()>>) -> Conclusion {
    let fail = |class: FailureClass, error: String, api_error: bool| Conclusion {
        outcome: Outcome::fail(error),
        class: Some(class),
        first_error: None,
        evidence: red_evidence(ctx, class, api_error),
    };
    match result {
        Ok(Ok(())) => match routed_to_own_provider(ctx)
            .and_then(|()| served_by_own_path(ctx))
            .and_then(|()| crate::background::every_call_answered(ctx))
        {
            Ok(()) => Conclusion {
                outcome: Outcome::Pass,
                class: None,
                first_error: ctx
                    .log
                    .lock()
                    .expect("trial log")
                    .first_retry_reason
                    .clone(),
                evidence: None,
            },
            Err((class, e)) => fail(class, e, false),
        },
        Ok(Err(e)) => {
            crate::background::note_recoveries(ctx);
            let message = format!("{e:#}");
            let upstream = ctx.upstream_answers();
            let log = ctx.gateway_log_tail(30);
            let kind = failure_kind(&e);
            let api_error = matches!(kind, FailureKind::CliApiError { .. });
            let verdict = classify::classify(&Evidence {
                kind,
                message: &message,
                upstream: upstream.as_deref(),
                gateway_alive: ctx.gateway_alive(),
                gateway_log: &log,
                // What the gateway received of this trial (the tap's record,
                // its own 404s of the non-streaming row aside): with no
                // simulator record, a hang is the gateway's only if the CLI
                // sent something.
                gateway_requests: Some(ctx.gateway_answers().len()),
            });
            // The route too: several columns share a simulator (a
            // pass-through or Rust-path column, Mantle beside Invoke), and the
            // reader must know which gateway path broke.
            let route = format!(
                " ({})",
                crate::column::route_label(ctx.provider(), ctx.model_id())
            );
            fail(
                verdict.class,
                format!("{}{route}\n{message}", verdict.headline),
                api_error,
            )
        }
        Err(panic) => fail(
            FailureClass::Harness,
            format!(
                "harness: the check panicked (our bug): {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            ),
            false,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::TapRecord;

    fn answer(path: &str, status: u16, rust: bool) -> TapRecord {
        TapRecord {
            seq: 0,
            method: "POST".into(),
            path: path.into(),
            body: serde_json::Value::Null,
            stream: true,
            status,
            refused: false,
            events: Vec::new(),
            completed: true,
            usage: None,
            usage_events: Vec::new(),
            error: None,
            anthropic_beta: None,
            litellm_rust: rust,
            listing: None,
        }
    }

    #[test]
    fn a_rust_path_trial_served_by_python_fails_naming_model_and_route() {
        let p = Provider::AnthropicRustPath;
        let m = "claude-haiku-4-5";
        let rust = answer("/v1/messages?beta=true", 200, true);
        assert!(judge_path(p, m, std::slice::from_ref(&rust)).is_ok());
        // One of the trial's requests fell back to Python: the guard says so.
        let (class, e) =
            judge_path(p, m, &[rust, answer("/v1/messages?beta=true", 200, false)]).unwrap_err();
        assert_eq!(class, FailureClass::Incompatible);
        assert!(
            e.contains(m) && e.contains("anthropic/claude-haiku-4-5-20251001"),
            "{e}"
        );
        assert!(e.contains("Python path"), "{e}");
        // Nothing answered: no evidence either way, no verdict.
        assert_eq!(judge_path(p, m, &[]).unwrap_err().0, FailureClass::Harness);
        // Refused and failed answers, and count_tokens, are not judged.
        let other = [
            answer("/v1/messages/count_tokens", 200, false),
            answer("/v1/messages", 500, false),
        ];
        assert_eq!(
            judge_path(p, m, &other).unwrap_err().0,
            FailureClass::Harness
        );
    }

    #[test]
    fn a_python_column_served_by_rust_is_our_misconfiguration() {
        let r = judge_path(
            Provider::Anthropic,
            "claude-haiku-4-5",
            &[answer("/v1/messages", 200, true)],
        );
        assert_eq!(r.unwrap_err().0, FailureClass::Harness);
        assert!(
            judge_path(
                Provider::BedrockMantle,
                "claude-haiku-4-5",
                &[answer("/v1/messages", 200, false)]
            )
            .is_ok()
        );
    }

    fn vertex_request(host: &str) -> compat_sim::RecordedRequest {
        compat_sim::RecordedRequest {
            seq: 0,
            provider: "vertex_ai",
            method: "POST".into(),
            path: "/v1/projects/sim-project/locations/us-east5/publishers/anthropic/models/claude-opus-4-7:streamRawPredict?alt=sse".into(),
            headers: [("host".to_owned(), host.to_owned())].into(),
            body: serde_json::Value::Null,
            model: None,
            stream: true,
            status: 200,
            rejection: None,
            rule: None,
            stream_events: Vec::new(),
            stream_completed: true,
            usage: None,
            betas: None,
        }
    }

    #[test]
    fn a_vertex_passthrough_request_that_skipped_googles_front_is_refused() {
        let p = Provider::VertexPassthrough;
        let google = vertex_request("us-east5-aiplatform.googleapis.com");
        assert!(judge_front(p, std::slice::from_ref(&google)).is_ok());
        // Straight at the simulator's address (an api_base): not the
        // pass-through's way to Google.
        let (class, e) = judge_front(p, &[google, vertex_request("127.0.0.1:4242")]).unwrap_err();
        assert_eq!(class, FailureClass::Harness);
        assert!(
            e.contains("127.0.0.1:4242") && e.contains("vertex_passthrough"),
            "{e}"
        );
        // The vertex_ai column's api_base is its own route.
        assert!(judge_front(Provider::VertexAi, &[vertex_request("127.0.0.1:4242")]).is_ok());
    }

    /// The gate's decision on one trial, against the default sim baseline,
    /// in each mode: `prompt_caching_1h::bedrock_mantle` is partial there
    /// (Sonnet and Opus pass, Haiku fails: its 1-hour TTL lost on the way).
    mod gate {
        use super::*;

        const F: &str = "prompt_caching_1h";
        const P: &str = "bedrock_mantle";
        const PASSED: &str = "claude-sonnet-4-6";
        const FAILED: &str = "claude-haiku-4-5";
        const FAILED_AS_IN_BASELINE: &str = "gateway: the CLI finished, but the feature did not work through the gateway (route bedrock_mantle/anthropic.claude-haiku-4-5)\nthe first run's cache write was reported in the 5-minute bucket (ephemeral_5m_input_tokens = 12123, ephemeral_1h_input_tokens = 0): the 1-hour TTL was lost";

        fn fail(class: FailureClass, error: &str) -> TrialVerdict {
            Err(TrialFailure {
                class,
                signature: compat_matrix::signature::signature(class, error),
                message: format!("m: {error}"),
            })
        }

        fn decide(v: TrialVerdict, mode: Mode, f: &str, p: &str, m: &str) -> GateDecision {
            let b = crate::sink::sim_baseline().unwrap();
            decision(gate_trial(v, Some(&b), mode, f, p, m))
        }

        fn ignored(d: GateDecision) -> String {
            match d {
                GateDecision::Ignored(r) => r,
                other => panic!("expected an ignored trial, got {other:?}"),
            }
        }

        fn fails(d: GateDecision) -> String {
            match d {
                GateDecision::Fails(m) => m,
                other => panic!("expected a failing trial, got {other:?}"),
            }
        }

        #[test]
        fn a_model_that_passed_in_a_partial_cell_is_a_regression_in_both_modes() {
            for mode in [Mode::Sim, Mode::Live] {
                let e = fails(decide(
                    fail(FailureClass::Incompatible, "the count is not plausible"),
                    mode,
                    F,
                    P,
                    PASSED,
                ));
                assert!(
                    e.starts_with("REGRESSION (claude-sonnet-4-6 passed in the baseline"),
                    "{e}"
                );
            }
        }

        #[test]
        fn the_same_failure_is_known_another_fails_differently_in_sim_only() {
            let known = ignored(decide(
                fail(FailureClass::Incompatible, FAILED_AS_IN_BASELINE),
                Mode::Sim,
                F,
                P,
                FAILED,
            ));
            assert!(
                known.starts_with(
                    "known failure (claude-haiku-4-5 fails in the baseline with the same signature)"
                ),
                "{known}"
            );
            let other = "gateway: the CLI finished (route bedrock_mantle/anthropic.claude-haiku-4-5)\nthe count is not plausible";
            let e = fails(decide(
                fail(FailureClass::Incompatible, other),
                Mode::Sim,
                F,
                P,
                FAILED,
            ));
            assert!(e.starts_with("FAILING DIFFERENTLY (claude-haiku-4-5 failed in the baseline with `incompatible: "), "{e}");
            assert!(
                e.contains("#-minute bucket")
                    && e.contains("now with `incompatible: ")
                    && e.contains("not plausible`"),
                "{e}"
            );
            let live = ignored(decide(
                fail(FailureClass::Incompatible, other),
                Mode::Live,
                F,
                P,
                FAILED,
            ));
            assert!(live.starts_with("FAILING DIFFERENTLY"), "{live}");
        }

        #[test]
        fn what_the_baseline_lacks_fails_in_sim_passing_or_not() {
            for (f, p, m) in [
                ("new_row", P, PASSED),
                (F, "new_column", PASSED),
                (F, P, "claude-fable-5"),
            ] {
                let e = fails(decide(Ok(None), Mode::Sim, f, p, m));
                assert!(
                    e.starts_with("NOT IN THE BASELINE (the baseline has no such"),
                    "{e}"
                );
                assert!(
                    e.contains("cargo xtask matrix") && e.ends_with(&format!("{m} passes")),
                    "{e}"
                );
                let e = fails(decide(
                    fail(FailureClass::Incompatible, "boom"),
                    Mode::Sim,
                    f,
                    p,
                    m,
                ));
                assert!(e.contains("fails: m: boom"), "{e}");
                // Live mode reports it.
                assert!(decide(Ok(None), Mode::Live, f, p, m) == GateDecision::Passes);
                let r = ignored(decide(
                    fail(FailureClass::Incompatible, "boom"),
                    Mode::Live,
                    f,
                    p,
                    m,
                ));
                assert!(r.starts_with("NOT IN THE BASELINE"), "{r}");
            }
        }

        #[test]
        fn a_sim_retry_fails_quoting_the_first_attempt_live_keeps_flaky() {
            let first =
                "transient upstream failure (status 529): API Error: 529 overloaded".to_owned();
            let e = fails(decide(Ok(Some(first.clone())), Mode::Sim, F, P, PASSED));
            assert!(
                e.starts_with("FLAKY IN SIM (claude-sonnet-4-6 passed only on a retry")
                    && e.ends_with(&first),
                "{e}"
            );
            assert_eq!(
                decide(Ok(Some(first)), Mode::Live, F, P, PASSED),
                GateDecision::Passes
            );
        }

        #[test]
        fn a_sim_environment_failure_is_ignored_where_known_and_fails_where_it_appears() {
            let env = || {
                fail(
                    FailureClass::SimEnvironment,
                    "sim environment: a public host",
                )
            };
            // Red in the baseline (older than the class): no regression.
            let r = ignored(decide(env(), Mode::Sim, F, P, FAILED));
            assert!(r.starts_with("unverified, the sim environment"), "{r}");
            // Passed in the baseline: the gate stops measuring it, visibly.
            let e = fails(decide(env(), Mode::Sim, F, P, PASSED));
            assert!(
                e.starts_with("NEWLY UNVERIFIED BY THE SIM ENVIRONMENT"),
                "{e}"
            );
            let e = fails(decide(env(), Mode::Sim, "new_row", P, PASSED));
            assert!(
                e.starts_with("NOT IN THE BASELINE") && e.contains("cargo xtask matrix"),
                "{e}"
            );
            assert!(matches!(
                decide(env(), Mode::Live, F, P, PASSED),
                GateDecision::Ignored(_)
            ));
        }

        #[test]
        fn no_verdict_classes_are_handled_as_before() {
            let r = ignored(decide(
                fail(FailureClass::UpstreamUnavailable, "529"),
                Mode::Sim,
                F,
                P,
                PASSED,
            ));
            assert!(
                r.starts_with("unverified, the provider could not serve"),
                "{r}"
            );
            let e = fails(decide(
                fail(FailureClass::Harness, "proxy died"),
                Mode::Sim,
                F,
                P,
                PASSED,
            ));
            assert!(e.starts_with("NO VERDICT"), "{e}");
            // Without a baseline every failure fails, named by its class; a
            // retry does not.
            let none = |v| decision(gate_trial(v, None, Mode::Sim, F, P, PASSED));
            assert_eq!(
                none(fail(FailureClass::Incompatible, "boom")),
                GateDecision::Fails("[incompatible] m: boom".into())
            );
            assert_eq!(none(Ok(Some("x".into()))), GateDecision::Passes);
        }
    }
}
