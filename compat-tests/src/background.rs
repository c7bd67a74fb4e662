//! The background-call invariant: a pass must not hide a refused request.
//!
//! Claude Code makes requests the user never sees (titles, WebFetch
//! summaries, the small fast model's work) and carries on when one fails, so
//! a run can succeed while a gateway refuses part of its traffic (a
//! reference implementation missed LiteLLM's 400 "Invalid model name" on
//! background calls that way). A passing trial must therefore show that
//! every request of the trial was answered 2xx, on both sides of the
//! gateway: by the provider (the simulator's record, sim mode) and by the
//! gateway to the CLI (the tap's record, both modes; this includes the
//! gateway's own refusals that never reached the provider, such as
//! LiteLLM's router errors).
//!
//! What does not fail a pass:
//! - a refusal the check declared with [`Ctx::expect_refusal`] (the words it
//!   must contain and why; shown in the trial's details);
//! - a refusal the CLI recovered from by sending the same turn again, answered
//!   2xx on the same side (same last message, thinking blocks aside): the
//!   CLI's documented recoveries (an unsupported beta dropped, a rejected
//!   thinking signature, a retried 429/529) resend the turn, and the row that
//!   owns that feature judges what the resend lost (beta_headers,
//!   thinking_multi_turn). A background call has no such twin.
//!
//! Attribution: a request belongs to the trial when its body carries the
//! trial's nonce (`Ctx::sim_requests`, `Ctx::gateway_requests`). Requests
//! without a body carry nothing to attribute them by: captured, the Bedrock
//! CLI's `GET /bedrock/inference-profiles?type=SYSTEM_DEFINED` has no
//! session id and no gateway key either (its AWS SDK client sends neither),
//! so the shared tap cannot tell whose it is and this invariant does not see
//! it (LiteLLM answers it 500 "No api key passed in"; docs/rows/usage_reporting.md).

use std::collections::HashMap;
use std::sync::Mutex;

use compat_core::status::FailureClass;
use serde_json::Value;

use crate::Ctx;
use crate::relay::TapRecord;

/// Refusals declared expected, by trial nonce: (words, why).
type Declared = HashMap<String, Vec<(String, String)>>;
static EXPECTED: Mutex<Option<Declared>> = Mutex::new(None);

impl Ctx {
    /// Declares that a request of this trial may be refused (answered
    /// non-2xx by the provider or the gateway) when the refusal's words
    /// contain `words`, for the reason `why` (shown with the trial). Without
    /// it, any refusal the CLI did not recover from fails a pass (see
    /// `crate::background`).
    pub fn expect_refusal(&self, words: &str, why: &str) {
        EXPECTED
            .lock()
            .expect("expected refusals")
            .get_or_insert_with(HashMap::new)
            .entry(self.nonce().to_owned())
            .or_default()
            .push((words.to_owned(), why.to_owned()));
    }

    /// The gateway's answers to this trial's model calls (Messages, Bedrock
    /// Invoke and Converse, Vertex rawPredict; not count_tokens), in order.
    pub fn model_call_answers(&self) -> Vec<TapRecord> {
        self.gateway_answers()
            .into_iter()
            .filter(|r| r.method == "POST" && is_model_call(&r.path))
            .collect()
    }

    /// The refusals this trial declared expected: (words, why).
    pub(crate) fn expected_refusals(&self) -> Vec<(String, String)> {
        EXPECTED
            .lock()
            .expect("expected refusals")
            .as_ref()
            .and_then(|m| m.get(self.nonce()).cloned())
            .unwrap_or_default()
    }
}

/// Drops a finished trial's declared refusals (called when its `Ctx` goes),
/// so the map holds only running trials'.
pub(crate) fn forget_expected(nonce: &str) {
    if let Some(m) = EXPECTED.lock().expect("expected refusals").as_mut() {
        m.remove(nonce);
    }
}

/// Whether a path (query aside) is a model call.
fn is_model_call(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    path.ends_with("/v1/messages")
        || path.ends_with("/invoke")
        || path.ends_with("/invoke-with-response-stream")
        || path.ends_with("/converse")
        || path.ends_with("/converse-stream")
        || path.ends_with(":rawPredict")
        || path.ends_with(":streamRawPredict")
}

/// Which side of the gateway answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The provider (the simulator's record).
    Upstream,
    /// The gateway, to the CLI (the tap's record).
    Gateway,
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
        }
    }

    fn refused(&self) -> bool {
        // 0: the provider still holds the answer (a stalled stream the CLI
        // gave up on); the check that provoked it judges it.
        self.status != 0 && !(200..300).contains(&self.status)
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

/// The text of a request body's last message's last block (Anthropic,
/// Bedrock Invoke and Converse, Vertex: all keep the conversation in
/// `messages`), thinking left out: a resent turn has the same one.
fn last_turn(body: &Value) -> String {
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
    // The last block only: the CLI's `<system-reminder>` blocks before it
    // change when it resends a turn (e.g. without the deferred-tools list
    // once tool search's beta was refused).
    let mut out = String::new();
    if let Some(last) = body["messages"].as_array().and_then(|m| m.last()) {
        match last["content"].as_array() {
            Some(blocks) => {
                if let Some(b) = blocks
                    .iter()
                    .rev()
                    .find(|b| !matches!(b["type"].as_str(), Some("thinking" | "redacted_thinking")))
                {
                    walk(&Value::Array(vec![b.clone()]), &mut out);
                }
            }
            None => walk(&last["content"], &mut out),
        }
    }
    out.trim().to_owned()
}

/// The invariant over one passing trial's calls: `Err` with the class and
/// the refusals quoted when one was neither declared nor recovered.
pub(crate) fn judge(
    model: &str,
    provider: &str,
    route: &str,
    calls: &[Call],
    expected: &[(String, String)],
) -> Result<(), (FailureClass, String)> {
    let unexplained: Vec<&Call> = calls
        .iter()
        .filter(|c| c.refused())
        .filter(|c| !expected.iter().any(|(w, _)| c.words.contains(w.as_str())))
        .filter(|c| {
            // Recovered: the same turn answered 2xx later on the same side.
            !calls.iter().any(|o| {
                o.side == c.side
                    && o.seq > c.seq
                    && !o.refused()
                    && o.status != 0
                    && o.turn == c.turn
            })
        })
        .collect();
    if unexplained.is_empty() {
        return Ok(());
    }
    // Provider trouble (rate limit, overload, 5xx) with no refusal by the
    // gateway itself is no verdict on the gateway.
    let upstream_trouble = unexplained.iter().all(|c| {
        c.side == Side::Upstream && (c.status == 429 || c.status >= 500)
            || c.side == Side::Gateway
                && calls.iter().any(|u| {
                    u.side == Side::Upstream
                        && u.turn == c.turn
                        && (u.status == 429 || u.status >= 500)
                })
    });
    let class = if upstream_trouble {
        FailureClass::UpstreamUnavailable
    } else {
        FailureClass::Incompatible
    };
    let shown: Vec<String> = unexplained
        .iter()
        .take(3)
        .map(|c| c.describe(provider))
        .collect();
    let more = unexplained.len().saturating_sub(shown.len());
    Err((
        class,
        format!(
            "gateway: {model} (route {route}): the CLI's run passed, but {} request(s) of this trial were refused \
             and never recovered (a call the user does not see failed, e.g. the small fast model's): {}{}",
            unexplained.len(),
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ),
    ))
}

/// The invariant over this trial: the provider's record (sim mode) and the
/// gateway's answers through the tap (both modes).
pub(crate) fn every_call_answered(ctx: &Ctx) -> Result<(), (FailureClass, String)> {
    let mut calls: Vec<Call> = ctx.sim_requests().iter().map(Call::upstream).collect();
    calls.extend(ctx.gateway_answers().iter().map(Call::gateway));
    let route = match ctx.provider().passthrough_route() {
        Some(r) => format!("{r} pass-through"),
        None => compat_core::gateway::routing::litellm_model(ctx.provider(), ctx.model_id()),
    };
    judge(
        ctx.model_id(),
        ctx.provider().id(),
        &route,
        &calls,
        &ctx.expected_refusals(),
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
        }
    }

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
        let (class, e) = judge("m", "anthropic", "anthropic/m", &calls, &[]).unwrap_err();
        assert_eq!(class, FailureClass::Incompatible);
        assert!(e.contains("Invalid model name") && e.contains("400"), "{e}");
        assert!(e.contains("the gateway answered"), "{e}");
        // Declared by the check: no longer fails.
        let expected = [("Invalid model name".to_owned(), "on purpose".to_owned())];
        assert!(judge("m", "anthropic", "r", &calls, &expected).is_ok());
    }

    #[test]
    fn a_resent_turn_answered_later_is_recovered() {
        let calls = [
            call(Side::Upstream, 0, 400, "say hi", "invalid beta flag"),
            call(Side::Upstream, 1, 200, "say hi", ""),
        ];
        assert!(judge("m", "p", "r", &calls, &[]).is_ok());
        // A 2xx on the other side is no recovery of this side's refusal.
        let calls = [
            call(Side::Upstream, 0, 400, "say hi", "invalid beta flag"),
            call(Side::Gateway, 1, 200, "say hi", ""),
        ];
        assert!(judge("m", "p", "r", &calls, &[]).is_err());
    }

    #[test]
    fn provider_trouble_is_no_verdict() {
        let calls = [
            call(Side::Upstream, 0, 529, "t", "Overloaded"),
            call(Side::Gateway, 1, 529, "t", "Overloaded"),
        ];
        let (class, _) = judge("m", "p", "r", &calls, &[]).unwrap_err();
        assert_eq!(class, FailureClass::UpstreamUnavailable);
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
    }
}
