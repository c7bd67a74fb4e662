//! The background-call invariant's judgement over one trial's calls (see
//! `crate::background` for the rule): each request and its answer on either
//! side of the gateway ([`Call`]), which refusals were recovered and which
//! fail a pass. Pure: it reads records, never the run.

use compat_matrix::results::{Recovery, RefusedCall, ResentCall};
use compat_matrix::status::FailureClass;
use serde_json::Value;

use crate::relay::TapRecord;

/// Which side of the gateway answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The provider (the simulator's record).
    Upstream,
    /// The gateway, to the CLI (the tap's record).
    Gateway,
}

impl Side {
    fn id(self) -> &'static str {
        match self {
            Side::Upstream => "provider",
            Side::Gateway => "gateway",
        }
    }
}

/// One request of a trial and how it was answered.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub side: Side,
    pub seq: u64,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The refusal's words (the provider's or the gateway's message).
    pub words: String,
    /// The last message's text (thinking aside): the turn this request is.
    pub turn: String,
    /// The model the request was for, as this side named it (the body's
    /// `model`, else the path's), when it named one.
    pub model: Option<String>,
}

impl Call {
    pub(crate) fn upstream(r: &compat_sim::RecordedRequest) -> Call {
        Call {
            side: Side::Upstream,
            seq: r.seq,
            method: r.method.clone(),
            path: r.path.clone(),
            status: r.status,
            words: r.rejection.clone().unwrap_or_default(),
            turn: last_turn(&r.body),
            // The wire's naming first, as on the gateway's side; the codec's
            // canonical id where the wire names none.
            model: model_of(&r.body, &r.path).or_else(|| r.model.clone()),
        }
    }

    pub(crate) fn gateway(r: &TapRecord) -> Call {
        Call {
            side: Side::Gateway,
            seq: r.seq,
            method: r.method.clone(),
            path: r.path.clone(),
            status: r.status,
            words: r.error.clone().unwrap_or_default(),
            turn: last_turn(&r.body),
            model: model_of(&r.body, &r.path),
        }
    }

    fn refused(&self) -> bool {
        // 0: the provider still holds the answer (a stalled stream the CLI
        // gave up on); the check that provoked it judges it.
        self.status != 0 && !(200..300).contains(&self.status)
    }

    fn answered(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The path without its query: the endpoint a resend must hit again.
    fn endpoint(&self) -> &str {
        self.path.split('?').next().unwrap_or_default()
    }

    /// Whether `other` is this request sent again: same side, later, same
    /// turn, same endpoint (method and path, query aside), same model.
    fn resent_as(&self, other: &Call) -> bool {
        other.side == self.side
            && other.seq > self.seq
            && other.turn == self.turn
            && other.method == self.method
            && other.endpoint() == self.endpoint()
            && other.model == self.model
    }

    /// Provider trouble: rate limited, overloaded, or failing (5xx).
    fn trouble(&self) -> bool {
        self.status == 429 || self.status >= 500
    }

    fn describe(&self, provider: &str) -> String {
        let who = match self.side {
            Side::Upstream => format!("the provider ({provider})"),
            Side::Gateway => "the gateway".to_owned(),
        };
        let turn: String = self.turn.chars().take(80).collect();
        format!(
            "{who} answered {} to {} {} ({}): {:?}",
            self.status,
            self.method,
            self.path,
            if turn.is_empty() {
                "no messages".to_owned()
            } else {
                format!("last message {turn:?}")
            },
            self.words
        )
    }
}

/// The model a request names: the body's `model` (Anthropic Messages,
/// Foundry, Mantle), else the path's (Bedrock `/model/{id}/invoke...`,
/// `/converse...`; Vertex `.../models/{m}:rawPredict`), query aside.
pub(crate) fn model_of(body: &Value, path: &str) -> Option<String> {
    if let Some(m) = body.get("model").and_then(Value::as_str) {
        return Some(m.to_owned());
    }
    let path = path.split('?').next().unwrap_or_default();
    if let Some((_, rest)) = path.split_once("/models/") {
        return rest.split(':').next().map(str::to_owned);
    }
    if let Some((_, rest)) = path.split_once("/model/") {
        return rest.split('/').next().map(str::to_owned);
    }
    None
}

/// Whether a beta refusal names betas and all of them are effort's
/// (`effort-2025-11-24`): the CLI's drop is then effort's alone.
pub(crate) fn only_effort_betas(words: &str) -> bool {
    let named: Vec<&str> = words
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|v| v.contains('-') && v.ends_with(|c: char| c.is_ascii_digit()))
        .collect();
    !named.is_empty() && named.iter().all(|v| v.starts_with("effort-"))
}

/// The row that owns what the CLI dropped to recover from a refusal, from
/// the refusal's status and words (the simulators' refusals in
/// compat-sim: `betas.rs`, `model.rs` signatures, `context_editing.rs`,
/// `tool_search.rs`; the providers' words they copy). A refusal no other
/// row claims is the trial's own row's (`feature`).
pub(crate) fn owner_row(status: u16, words: &str, feature: &str) -> String {
    let w = words.to_lowercase();
    let owner = if status == 429 || status == 529 || status >= 500 {
        // Retried as it was: nothing dropped, and no verdict on anyone.
        "provider_trouble"
    } else if w.contains("context_management")
        || w.contains("context-management")
        || w.contains("clear_thinking")
        || w.contains("clear_tool_uses")
    {
        "context_management"
    } else if w.contains("defer_loading") || w.contains("tool_reference") {
        "tool_search"
    } else if w.contains("signature")
        // OpenAI's refusal of replayed reasoning it did not issue (the GPT
        // columns' signed thinking): "The encrypted content ... could not
        // be verified." (code `invalid_encrypted_content`).
        || w.contains("encrypted content")
        || w.contains("encrypted_content")
    {
        "thinking_multi_turn"
    } else if w.contains("output_config") || only_effort_betas(&w) {
        "effort"
    } else if w.contains("beta") {
        // beta_headers judges every beta, effort's among them when a
        // refusal names several.
        "beta_headers"
    } else {
        feature
    };
    owner.to_owned()
}

/// The text of a request body's last message's last block (Anthropic,
/// Bedrock Invoke and Converse, Vertex, OpenAI's Chat Completions: all keep
/// the conversation in `messages`; OpenAI's Responses keeps it in `input`,
/// a string or items), thinking and reasoning left out: a resent turn has
/// the same one.
pub(crate) fn last_turn(body: &Value) -> String {
    fn walk(v: &Value, out: &mut String) {
        match v {
            Value::String(s) => {
                out.push_str(s);
                out.push(' ');
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(o) => {
                let thinking = matches!(
                    o.get("type").and_then(Value::as_str),
                    Some("thinking" | "redacted_thinking")
                );
                if thinking {
                    return;
                }
                for (k, child) in o {
                    if matches!(
                        k.as_str(),
                        "text" | "content" | "input" | "toolResult" | "toolUse" | "json"
                    ) {
                        walk(child, out);
                    }
                }
            }
            _ => {}
        }
    }
    // The last block with text only: the CLI's `<system-reminder>` blocks
    // before it change when it resends a turn (e.g. without the
    // deferred-tools list once tool search's beta was refused). Blocks
    // without text (Converse's trailing `cachePoint`) are passed over, so
    // that the provider's record and the tap's name the same turn.
    let mut out = String::new();
    if let Some(last) = body["messages"].as_array().and_then(|m| m.last()) {
        match last["content"].as_array() {
            Some(blocks) => {
                for b in blocks.iter().rev().filter(|b| {
                    !matches!(b["type"].as_str(), Some("thinking" | "redacted_thinking"))
                }) {
                    walk(&Value::Array(vec![b.clone()]), &mut out);
                    if !out.trim().is_empty() {
                        break;
                    }
                }
            }
            None => walk(&last["content"], &mut out),
        }
    } else if let Some(s) = body["input"].as_str() {
        out.push_str(s);
    } else if let Some(last) = body["input"]
        .as_array()
        .and_then(|items| items.iter().rev().find(|i| i["type"] != "reasoning"))
    {
        // A message's content, a `function_call_output`'s output, or a
        // `function_call`'s arguments.
        for key in ["content", "output", "arguments"] {
            walk(&last[key], &mut out);
        }
    }
    out.trim().to_owned()
}

/// What a trial is judged against: its model, provider, route, row, and
/// whether the provider's record exists (sim mode).
pub(crate) struct Trial<'a> {
    pub model: &'a str,
    pub provider: &'a str,
    pub route: &'a str,
    pub feature: &'a str,
    /// Sim mode: the calls hold the provider's record, and the gateway's
    /// refusals are held to it.
    pub sim: bool,
}

/// Why a refusal was not recovered, when a resend was answered but did not
/// count (shown with the refusal).
pub(crate) enum NotRecovered {
    NoResend,
    /// Sim mode: the gateway refused on its own; the provider refused
    /// nothing of that turn (or fewer times than the gateway did).
    GatewayOnItsOwn,
}

/// The resend that recovered `c`, if any (see the module's "Recoveries").
pub(crate) fn recovery_of<'c>(
    c: &Call,
    calls: &'c [Call],
    sim: bool,
) -> Result<&'c Call, NotRecovered> {
    let resend = calls
        .iter()
        .find(|o| c.resent_as(o) && o.answered())
        .ok_or(NotRecovered::NoResend)?;
    if c.side == Side::Gateway && sim {
        // The provider's refusals of this turn that it answered 2xx on the
        // resend: the only refusals a gateway may pass on and still pass.
        let provider_refused = calls
            .iter()
            .filter(|u| u.side == Side::Upstream && u.refused() && u.turn == c.turn)
            .filter(|u| calls.iter().any(|o| u.resent_as(o) && o.answered()))
            .count();
        let gateway_refused = calls
            .iter()
            .filter(|g| {
                g.side == Side::Gateway
                    && g.refused()
                    && g.seq <= c.seq
                    && g.turn == c.turn
                    && g.method == c.method
                    && g.endpoint() == c.endpoint()
                    && g.model == c.model
            })
            .count();
        if gateway_refused > provider_refused {
            return Err(NotRecovered::GatewayOnItsOwn);
        }
    }
    Ok(resend)
}

/// The invariant over one passing trial's calls: its recoveries, or `Err`
/// with the class and the refusals quoted when one was neither declared nor
/// recovered.
pub(crate) fn judge(
    t: &Trial<'_>,
    calls: &[Call],
    expected: &[(String, String)],
) -> Result<Vec<Recovery>, (FailureClass, String)> {
    let (recoveries, unexplained) = sort(t, calls, expected);
    if unexplained.is_empty() {
        return Ok(recoveries);
    }
    Err(unexplained_refusals(t, calls, &unexplained))
}

/// A trial's refusals, sorted: those the CLI recovered from (as recorded),
/// and those neither declared nor recovered, with why.
pub(crate) fn sort<'c>(
    t: &Trial<'_>,
    calls: &'c [Call],
    expected: &[(String, String)],
) -> (Vec<Recovery>, Vec<(&'c Call, NotRecovered)>) {
    let mut recoveries = Vec::new();
    let mut unexplained: Vec<(&Call, NotRecovered)> = Vec::new();
    for c in calls.iter().filter(|c| c.refused()) {
        if expected.iter().any(|(w, _)| c.words.contains(w.as_str())) {
            continue;
        }
        match recovery_of(c, calls, t.sim) {
            Ok(resend) => recoveries.push(Recovery {
                refused: RefusedCall {
                    side: c.side.id().to_owned(),
                    status: c.status,
                    method: c.method.clone(),
                    path: c.endpoint().to_owned(),
                    model: c.model.clone(),
                    words: c.words.clone(),
                },
                resent: ResentCall {
                    seq: resend.seq,
                    path: resend.endpoint().to_owned(),
                    status: resend.status,
                },
                owner_row: owner_row(c.status, &c.words, t.feature),
            }),
            Err(why) => unexplained.push((c, why)),
        }
    }
    (recoveries, unexplained)
}

/// The class and message of a pass that hid refusals.
pub(crate) fn unexplained_refusals(
    t: &Trial<'_>,
    calls: &[Call],
    unexplained: &[(&Call, NotRecovered)],
) -> (FailureClass, String) {
    // Provider trouble (rate limit, overload, 5xx) with no refusal by the
    // gateway itself is no verdict on the gateway. In sim mode a gateway
    // refusal counts as the provider's trouble only when the provider
    // refused that turn so (the simulators fail only under a fault).
    let upstream_trouble = unexplained.iter().all(|(c, _)| match c.side {
        Side::Upstream => c.trouble(),
        Side::Gateway => calls
            .iter()
            .any(|u| u.side == Side::Upstream && u.turn == c.turn && u.trouble()),
    });
    let class = if upstream_trouble {
        FailureClass::UpstreamUnavailable
    } else {
        FailureClass::Incompatible
    };
    let shown: Vec<String> = unexplained
        .iter()
        .take(3)
        .map(|(c, why)| {
            let d = c.describe(t.provider);
            match why {
                NotRecovered::NoResend => d,
                NotRecovered::GatewayOnItsOwn => format!(
                    "{d} (the gateway refused it on its own: the provider refused no request of                      that turn, so the CLI's resend is no recovery)"
                ),
            }
        })
        .collect();
    let more = unexplained.len().saturating_sub(shown.len());
    (
        class,
        format!(
            "gateway: {} (route {}): the CLI's run passed, but {} request(s) of this trial were refused \
             and never recovered (a call the user does not see failed, e.g. the small fast model's, or \
             the CLI's resend went elsewhere): {}{}",
            t.model,
            t.route,
            unexplained.len(),
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(side: Side, seq: u64, status: u16, turn: &str, words: &str) -> Call {
        Call {
            side,
            seq,
            method: "POST".into(),
            path: "/v1/messages".into(),
            status,
            words: words.into(),
            turn: turn.into(),
            model: Some("claude-opus-4-7".into()),
        }
    }

    fn at(mut c: Call, path: &str, model: &str) -> Call {
        c.path = path.into();
        c.model = Some(model.into());
        c
    }

    const SIM: Trial<'static> = Trial {
        model: "m",
        provider: "anthropic",
        route: "anthropic/m",
        feature: "tool_use",
        sim: true,
    };
    const LIVE: Trial<'static> = Trial { sim: false, ..SIM };

    #[test]
    fn a_refused_background_call_fails_a_pass_quoting_it() {
        let calls = [
            call(Side::Gateway, 0, 200, "say hi", ""),
            call(
                Side::Gateway,
                1,
                400,
                "Write a 5-word title",
                "Invalid model name passed in model=claude-haiku-4-5",
            ),
        ];
        let (class, e) = judge(&LIVE, &calls, &[]).unwrap_err();
        assert_eq!(class, FailureClass::Incompatible);
        assert!(e.contains("Invalid model name") && e.contains("400"), "{e}");
        assert!(e.contains("the gateway answered"), "{e}");
        // Declared by the check: no longer fails.
        let expected = [("Invalid model name".to_owned(), "on purpose".to_owned())];
        assert!(judge(&LIVE, &calls, &expected).is_ok());
    }

    #[test]
    fn a_resent_turn_answered_later_is_recovered_and_recorded() {
        let calls = [
            call(Side::Upstream, 0, 400, "say hi", "invalid beta flag"),
            call(Side::Upstream, 1, 200, "say hi", ""),
        ];
        let found = judge(&SIM, &calls, &[]).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        let r = &found[0];
        assert_eq!(
            (r.refused.side.as_str(), r.refused.status, r.resent.seq),
            ("provider", 400, 1)
        );
        assert_eq!(r.refused.words, "invalid beta flag");
        assert_eq!(r.owner_row, "beta_headers");
        // A 2xx on the other side is no recovery of this side's refusal.
        let calls = [
            call(Side::Upstream, 0, 400, "say hi", "invalid beta flag"),
            call(Side::Gateway, 1, 200, "say hi", ""),
        ];
        assert!(judge(&SIM, &calls, &[]).is_err());
    }

    #[test]
    fn a_resend_through_another_endpoint_is_no_recovery() {
        // The provider refused the Invoke call; the "resend" went to
        // Converse: another request, not the same one again.
        let id = "us.anthropic.claude-opus-4-7-v1:0";
        let calls = [
            at(
                call(Side::Upstream, 0, 400, "say hi", "invalid beta flag"),
                &format!("/model/{id}/invoke"),
                id,
            ),
            at(
                call(Side::Upstream, 1, 200, "say hi", ""),
                &format!("/model/{id}/converse"),
                id,
            ),
        ];
        let (class, e) = judge(&SIM, &calls, &[]).unwrap_err();
        assert_eq!(class, FailureClass::Incompatible);
        assert!(
            e.contains("/invoke") && e.contains("invalid beta flag"),
            "{e}"
        );
        // The query is no part of the endpoint.
        let calls = [
            at(
                call(Side::Gateway, 0, 400, "say hi", "invalid beta flag"),
                "/v1/messages?beta=true",
                "claude-opus-4-7",
            ),
            at(
                call(Side::Gateway, 1, 200, "say hi", ""),
                "/v1/messages",
                "claude-opus-4-7",
            ),
        ];
        assert_eq!(judge(&LIVE, &calls, &[]).unwrap().len(), 1);
    }

    #[test]
    fn a_resend_for_another_model_is_no_recovery() {
        let calls = [
            at(
                call(Side::Gateway, 0, 529, "say hi", "Overloaded"),
                "/v1/messages",
                "claude-opus-4-7",
            ),
            at(
                call(Side::Gateway, 1, 200, "say hi", ""),
                "/v1/messages",
                "claude-sonnet-4-6",
            ),
        ];
        assert!(judge(&LIVE, &calls, &[]).is_err());
        // The model in the path counts as the model (Bedrock, Vertex).
        let a = model_of(
            &json!({}),
            "/model/us.anthropic.claude-opus-4-7-v1:0/invoke",
        );
        let b = model_of(
            &json!({}),
            "/v1/projects/p/locations/l/publishers/anthropic/models/claude-opus-4-7:rawPredict",
        );
        assert_eq!(a.as_deref(), Some("us.anthropic.claude-opus-4-7-v1:0"));
        assert_eq!(b.as_deref(), Some("claude-opus-4-7"));
        assert_eq!(
            model_of(&json!({"model": "x"}), "/v1/messages").as_deref(),
            Some("x")
        );
    }

    #[test]
    fn a_resend_refused_again_is_no_recovery() {
        let calls = [
            call(Side::Gateway, 0, 400, "say hi", "invalid beta flag"),
            call(Side::Gateway, 1, 400, "say hi", "invalid beta flag"),
        ];
        assert!(judge(&LIVE, &calls, &[]).is_err());
    }

    #[test]
    fn in_sim_a_gateway_that_fails_every_first_attempt_does_not_pass() {
        // The gateway answers 500 without asking the provider, the CLI
        // retries, the second attempt reaches the provider and passes.
        let calls = [
            call(Side::Gateway, 0, 500, "say hi", "Internal Server Error"),
            call(Side::Gateway, 1, 200, "say hi", ""),
            call(Side::Upstream, 0, 200, "say hi", ""),
        ];
        let (class, e) = judge(&SIM, &calls, &[]).unwrap_err();
        assert_eq!(class, FailureClass::Incompatible, "{e}");
        assert!(e.contains("refused it on its own"), "{e}");
        // Live mode has only the tap: the same record is a recovery.
        let found = judge(&LIVE, &calls[..2], &[]).unwrap();
        assert_eq!(found[0].owner_row, "provider_trouble");
    }

    #[test]
    fn in_sim_a_gateway_refusal_passing_on_the_providers_is_recovered() {
        let calls = [
            call(
                Side::Upstream,
                0,
                400,
                "turn 2",
                "Invalid `signature` in `thinking` block",
            ),
            call(Side::Upstream, 1, 200, "turn 2", ""),
            call(
                Side::Gateway,
                0,
                400,
                "turn 2",
                "Invalid `signature` in `thinking` block",
            ),
            call(Side::Gateway, 1, 200, "turn 2", ""),
        ];
        let found = judge(&SIM, &calls, &[]).unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|r| r.owner_row == "thinking_multi_turn"));
        // One provider refusal covers one gateway refusal, not two.
        let calls = [
            call(Side::Gateway, 0, 500, "turn 2", "Internal Server Error"),
            call(Side::Upstream, 0, 400, "turn 2", "invalid beta flag"),
            call(Side::Upstream, 1, 200, "turn 2", ""),
            call(Side::Gateway, 1, 400, "turn 2", "invalid beta flag"),
            call(Side::Gateway, 2, 200, "turn 2", ""),
        ];
        assert!(judge(&SIM, &calls, &[]).is_err());
    }

    #[test]
    fn provider_trouble_is_no_verdict() {
        let calls = [
            call(Side::Upstream, 0, 529, "t", "Overloaded"),
            call(Side::Gateway, 1, 529, "t", "Overloaded"),
        ];
        let (class, _) = judge(&SIM, &calls, &[]).unwrap_err();
        assert_eq!(class, FailureClass::UpstreamUnavailable);
        // A 529 the gateway made up in sim mode is the gateway's.
        let calls = [call(Side::Gateway, 1, 529, "t", "Overloaded")];
        let (class, _) = judge(&SIM, &calls, &[]).unwrap_err();
        assert_eq!(class, FailureClass::Incompatible);
    }

    #[test]
    fn each_dropped_piece_has_its_owner_row() {
        let cases = [
            (400, "invalid beta flag", "beta_headers"),
            (
                400,
                "Unexpected value(s) `context-1m-2025-08-07` for the `anthropic-beta` header",
                "beta_headers",
            ),
            (
                400,
                "Unexpected value(s) `effort-2025-11-24` for the `anthropic-beta` header",
                "effort",
            ),
            (
                400,
                "Unexpected value(s) `advanced-tool-use-2025-11-20`, `effort-2025-11-24` for the `anthropic-beta` header",
                "beta_headers",
            ),
            (
                400,
                "messages.1.content.0: Invalid `signature` in `thinking` block",
                "thinking_multi_turn",
            ),
            (
                400,
                "context_management: Extra inputs are not permitted",
                "context_management",
            ),
            (
                400,
                "tools.3.custom.defer_loading: Extra inputs are not permitted",
                "tool_search",
            ),
            (429, "Too many requests", "provider_trouble"),
            (529, "Overloaded", "provider_trouble"),
            (400, "something else", "vision"),
            (
                400,
                "The encrypted content for item rs_1 could not be verified.",
                "thinking_multi_turn",
            ),
        ];
        for (status, words, want) in cases {
            assert_eq!(owner_row(status, words, "vision"), want, "{words}");
        }
    }

    #[test]
    fn the_turn_leaves_thinking_out() {
        let a = json!({"messages": [{"role": "user", "content": [{"type": "text", "text": "q"}]},
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "x", "signature": "s"}, {"type": "text", "text": "a"}]}]});
        let b = json!({"messages": [{"role": "user", "content": [{"type": "text", "text": "q"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "a"}]}]});
        assert_eq!(last_turn(&a), last_turn(&b));
        assert_eq!(last_turn(&b), "a");
        let converse = json!({"messages": [{"role": "user", "content": [{"toolResult": {"content": [{"text": "out"}]}}]}]});
        assert_eq!(last_turn(&converse), "out");
        // Converse's trailing cache point carries no text: the turn is the
        // text before it, as on the gateway's side.
        let cached = json!({"messages": [{"role": "user", "content": [{"text": "q"}, {"cachePoint": {"type": "default"}}]}]});
        assert_eq!(last_turn(&cached), "q");
    }

    #[test]
    fn the_turn_of_an_openai_responses_body_is_its_last_input_item() {
        let message = json!({"input": [
            {"role": "user", "content": [{"type": "input_text", "text": "q"}]},
            {"type": "reasoning", "encrypted_content": "e", "summary": []},
        ]});
        assert_eq!(last_turn(&message), "q");
        let tool = json!({"input": [
            {"role": "user", "content": [{"type": "input_text", "text": "q"}]},
            {"type": "function_call", "call_id": "c", "name": "Bash", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c", "output": "out"},
        ]});
        assert_eq!(last_turn(&tool), "out");
        assert_eq!(last_turn(&json!({"input": "hi"})), "hi");
        // Chat Completions keeps `messages`, with string contents.
        let chat = json!({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]});
        assert_eq!(last_turn(&chat), "u");
    }
}
