//! Tests of the failure classifier: the rules, real error texts
//! (golden/classifier/) and sim-mode evidence.

use super::*;
use FailureClass::*;

fn live(status: Option<u16>, text: &str) -> Verdict {
    classify(&Evidence {
        kind: FailureKind::CliApiError {
            status,
            text: text.to_owned(),
        },
        message: text,
        upstream: None,
        gateway_alive: Some(true),
        gateway_log: "",
        gateway_requests: None,
    })
}

fn sim(kind: FailureKind, answers: &[UpstreamAnswer]) -> Verdict {
    classify(&Evidence {
        kind,
        message: "",
        upstream: Some(answers),
        gateway_alive: Some(true),
        gateway_log: "",
        gateway_requests: None,
    })
}

fn answer(status: u16, rejection: Option<&str>, completed: bool) -> UpstreamAnswer {
    UpstreamAnswer {
        status,
        rejection: rejection.map(str::to_owned),
        completed,
    }
}

#[test]
fn an_auth_rejection_is_the_gateways_fault_in_sim_and_the_providers_in_live() {
    let text = "API Error: 403 {\"message\":\"The request signature we calculated does not match the signature you provided.\"}";
    let api = FailureKind::CliApiError {
        status: Some(403),
        text: text.into(),
    };
    let v = sim(
        api,
        &[answer(
            403,
            Some("The request signature we calculated does not match"),
            true,
        )],
    );
    assert_eq!(v.class, Incompatible, "{v:?}");
    assert!(
        v.headline
            .contains("provider rejected what the gateway sent (403)"),
        "{v:?}"
    );
    assert_eq!(live(Some(403), text).class, UpstreamUnavailable);
}

#[test]
fn a_success_upstream_turned_into_an_error_is_the_gateway() {
    let v = sim(
        FailureKind::CliApiError {
            status: Some(500),
            text: "API Error: 500 {\"error\":{\"message\":\"litellm.APIConnectionError: 'NoneType' object has no attribute 'get'\"}}".into(),
        },
        &[answer(200, None, true)],
    );
    assert_eq!(v.class, Incompatible, "{v:?}");
    assert!(
        v.headline
            .contains("'NoneType' object has no attribute 'get'"),
        "{v:?}"
    );
}

#[test]
fn hangs_are_judged_by_what_the_provider_finished() {
    assert_eq!(
        sim(FailureKind::Stalled, &[answer(200, None, false)]).class,
        UpstreamUnavailable
    );
    assert_eq!(
        sim(FailureKind::Stalled, &[answer(200, None, true)]).class,
        Incompatible
    );
    let dead = classify(&Evidence {
        kind: FailureKind::TimedOut,
        message: "",
        upstream: None,
        gateway_alive: Some(false),
        gateway_log: "",
        gateway_requests: None,
    });
    assert_eq!(dead.class, Harness);
}

#[test]
fn an_unreadable_cli_is_ours_even_beside_a_refusal() {
    // A newer CLI whose stream-JSON the driver cannot read (its error names
    // the CLI's version): no verdict on the gateway, whatever the simulator
    // recorded, so never a red cell.
    let message = "the claude CLI 2.1.332 printed stream-JSON the harness cannot read: line 9: a `result` line without `is_error` (a boolean)";
    for answers in [vec![], vec![answer(400, Some("betas.anthropic"), true)]] {
        let v = classify(&Evidence {
            kind: FailureKind::CliCrashed,
            message,
            upstream: Some(&answers),
            gateway_alive: Some(true),
            gateway_log: "",
            gateway_requests: Some(1),
        });
        assert_eq!(v.class, Harness, "{answers:?}");
        assert!(v.headline.contains("cannot be read"), "{}", v.headline);
    }
}

#[test]
fn assertions_are_incompatible_and_crashes_are_ours() {
    assert_eq!(sim(FailureKind::Assertion, &[]).class, Incompatible);
    assert_eq!(sim(FailureKind::CliCrashed, &[]).class, Harness);
    assert_eq!(sim(FailureKind::Panic, &[]).class, Harness);
    assert_eq!(sim(FailureKind::Environment, &[]).class, Harness);
}

#[test]
fn upstream_words_unwrap_the_wrappers() {
    let t = r#"API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"litellm.BadRequestError: BedrockException - {\"message\":\"messages.1.content.0: thinking block signature is invalid\"}"}}"#;
    assert_eq!(
        upstream_words(t),
        "messages.1.content.0: thinking block signature is invalid"
    );
    assert_eq!(
        upstream_words("API Error: Connection error."),
        "API Error: Connection error."
    );
}

/// The table: real error texts, each with its source and expected class.
#[test]
fn real_error_texts_are_classified_as_their_sources_say() {
    #[derive(serde::Deserialize)]
    struct Case {
        text: String,
        http_status: Option<u16>,
        class: FailureClass,
        source: String,
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../golden/classifier/error_texts.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases: Vec<Case> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        cases.len() >= 25,
        "{}: want at least 25 cases, have {}",
        path.display(),
        cases.len()
    );
    let mut wrong = Vec::new();
    for c in &cases {
        let v = live(c.http_status, &c.text);
        if v.class != c.class {
            wrong.push(format!(
                "want {}, got {} ({}): {}\n  source: {}",
                c.class, v.class, v.headline, c.text, c.source
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} misclassified:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

/// The sim-mode table: evidence as the harness gathers it in sim mode
/// (the simulator's record, the proxy's liveness, the tap's count), each
/// case with its source and expected class.
#[test]
fn sim_mode_evidence_is_classified_by_the_record() {
    #[derive(serde::Deserialize)]
    struct Answer {
        status: u16,
        rejection: Option<String>,
        completed: bool,
    }
    #[derive(serde::Deserialize)]
    struct Case {
        name: String,
        kind: String,
        text: String,
        http_status: Option<u16>,
        /// null: live judgement (live or rehearsal mode, no simulator record).
        upstream: Option<Vec<Answer>>,
        gateway_alive: bool,
        gateway_requests: usize,
        gateway_log: String,
        class: FailureClass,
        source: String,
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../golden/classifier/sim_evidence.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases: Vec<Case> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut wrong = Vec::new();
    for c in &cases {
        let kind = match c.kind.as_str() {
            "api_error" => FailureKind::CliApiError {
                status: c.http_status,
                text: c.text.clone(),
            },
            "stalled" => FailureKind::Stalled,
            "timed_out" => FailureKind::TimedOut,
            "assertion" => FailureKind::Assertion,
            other => panic!(
                "{}: case {:?}: unknown kind {other:?}",
                path.display(),
                c.name
            ),
        };
        let answers: Option<Vec<UpstreamAnswer>> = c.upstream.as_ref().map(|u| {
            u.iter()
                .map(|a| UpstreamAnswer {
                    status: a.status,
                    rejection: a.rejection.clone(),
                    completed: a.completed,
                })
                .collect()
        });
        let v = classify(&Evidence {
            kind,
            message: &c.text,
            upstream: answers.as_deref(),
            gateway_alive: Some(c.gateway_alive),
            gateway_log: &c.gateway_log,
            gateway_requests: Some(c.gateway_requests),
        });
        if v.class != c.class {
            wrong.push(format!(
                "{}: want {}, got {} ({})\n  source: {}",
                c.name, c.class, v.class, v.headline, c.source
            ));
        }
    }
    for must in [
        "no record + 500 Internal server error",
        "no record + 500, proxy dead",
        "simulator 429 from a fault",
        "simulator 500 from a fault",
    ] {
        assert!(
            cases.iter().any(|c| c.name == must),
            "{}: the case {must:?} is missing",
            path.display()
        );
    }
    assert!(
        wrong.is_empty(),
        "{} of {} misclassified:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn live_mode_still_reads_the_words_when_nothing_is_on_record() {
    // The same text with no simulator at all (live): the provider's 500.
    let text = "API Error: 500 {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}";
    assert_eq!(live(Some(500), text).class, UpstreamUnavailable);
    let v = sim(
        FailureKind::CliApiError {
            status: Some(500),
            text: text.into(),
        },
        &[],
    );
    assert_eq!(v.class, Incompatible, "{v:?}");
    assert!(v.headline.contains("simulator recorded none"), "{v:?}");
}
