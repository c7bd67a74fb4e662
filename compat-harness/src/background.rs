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
//! - a refusal the CLI recovered from (see "Recoveries" below).
//!
//! Recoveries. The CLI's documented recoveries (an unsupported beta
//! dropped, a rejected thinking signature, a retried 429/529) resend the
//! same turn to the same place, so a refusal counts as recovered only when a
//! later request on the same side of the gateway
//! - is the same turn (same last message, thinking blocks aside),
//! - went to the same endpoint (method and path, query aside: a resend
//!   through another route is another request, not the same one again),
//! - for the same model (the body's `model`, else the model in the path:
//!   Bedrock `/model/{id}/...`, Vertex `.../models/{m}:...`; a fallback to
//!   another model is no recovery of the first model's call),
//! - and was answered 2xx. On the provider's side that is the simulator's
//!   record (sim mode); on the gateway's side it is the tap's record, and
//!   in live mode the tap is all there is: a live gateway-side recovery
//!   means "the gateway answered the resend 2xx", which cannot tell whether
//!   the provider or the gateway refused the first try.
//!
//! In sim mode a refusal the gateway made on its own (the tap shows it, and
//! the simulator refused no request of that turn) is never recovered: the
//! simulators refuse nothing a fault or a rule does not make them refuse, so
//! such a refusal is the gateway failing a request the provider would have
//! served, and a gateway that fails every first attempt (the CLI retries a
//! 5xx) must not pass. A gateway-side refusal counts as recovered in sim
//! mode only when it passes on a provider refusal of the same turn that the
//! provider itself answered 2xx on the resend, and no more of them than the
//! provider refused.
//!
//! Every recovery is recorded in the trial's details (`recoveries`: the
//! refusal, the resend, and the row that owns what the CLI dropped to get
//! there, [`owner_row`]): the resend passes, but the piece it lost is that
//! row's to judge (beta_headers for a dropped beta, thinking_multi_turn for a
//! refused signature); a retried 429/529/5xx is provider trouble, no row's.
//! A background call has no such twin.
//!
//! Attribution: a request belongs to the trial when its body carries the
//! trial's nonce (`Ctx::sim_requests`, `Ctx::gateway_requests`). Requests
//! without a body carry nothing to attribute them by: captured, the Bedrock
//! CLI's `GET /bedrock/inference-profiles?type=SYSTEM_DEFINED` has no
//! session id and no gateway key either (its AWS SDK client sends neither),
//! so the shared tap cannot tell whose it is and this invariant does not see
//! it (LiteLLM answers it 500 "No api key passed in"; docs/rows/usage_reporting.md).

use compat_matrix::results::Recovery;
use compat_matrix::status::FailureClass;

use crate::calls::{Call, Trial, judge, sort};
use crate::ctx::Ctx;
use crate::relay::TapRecord;

/// The recoveries [`every_call_answered`] found in this trial's pass (for
/// the trial's details; empty when it found none or did not run).
pub(crate) fn recoveries(ctx: &Ctx) -> Vec<Recovery> {
    ctx.recovered.lock().expect("recoveries").clone()
}

impl Ctx {
    /// Declares that a request of this trial may be refused (answered
    /// non-2xx by the provider or the gateway) when the refusal's words
    /// contain `words`, for the reason `why` (shown with the trial). Without
    /// it, any refusal the CLI did not recover from fails a pass (see
    /// `crate::background`).
    pub fn expect_refusal(&self, words: &str, why: &str) {
        self.declared
            .lock()
            .expect("expected refusals")
            .push((words.to_owned(), why.to_owned()));
    }

    /// The gateway's answers to this trial's model calls (Messages, Bedrock
    /// Invoke and Converse, Vertex rawPredict; not count_tokens), in order.
    pub fn model_call_answers(&self) -> Vec<TapRecord> {
        self.gateway_answers()
            .into_iter()
            .filter(TapRecord::is_model_call)
            .collect()
    }

    /// The refusals this trial declared expected: (words, why).
    pub(crate) fn expected_refusals(&self) -> Vec<(String, String)> {
        self.declared.lock().expect("expected refusals").clone()
    }
}

/// The invariant over this trial: the provider's record (sim mode) and the
/// gateway's answers through the tap (both modes). A pass's recoveries are
/// kept for its details ([`recoveries`]).
pub(crate) fn every_call_answered(ctx: &Ctx) -> Result<(), (FailureClass, String)> {
    // The recoveries go into the details whether the pass stands or not.
    note_recoveries(ctx);
    over_calls(ctx, |t, calls, expected| {
        judge(t, calls, expected).map(drop)
    })
}

/// Records a trial's recoveries for its details; a failed trial's too (the
/// invariant does not judge a failure, but what the CLI recovered from
/// helps read it: e.g. a refused signature the CLI resent without thinking).
pub(crate) fn note_recoveries(ctx: &Ctx) {
    over_calls(ctx, |t, calls, expected| {
        keep(ctx, sort(t, calls, expected).0)
    });
}

fn keep(ctx: &Ctx, found: Vec<Recovery>) {
    if !found.is_empty() {
        *ctx.recovered.lock().expect("recoveries") = found;
    }
}

/// Runs `f` over this trial's calls: the provider's record (sim mode) and
/// the gateway's answers through the tap (both modes).
fn over_calls<R>(ctx: &Ctx, f: impl FnOnce(&Trial<'_>, &[Call], &[(String, String)]) -> R) -> R {
    let mut calls: Vec<Call> = ctx.sim_requests().iter().map(Call::upstream).collect();
    calls.extend(ctx.gateway_answers().iter().map(Call::gateway));
    let p = ctx.provider();
    let route = match (p.passthrough_route(), p.gateway_mode_route()) {
        (Some(r), _) => format!("{r} pass-through"),
        (None, Some(r)) => format!(
            "{r} gateway mode, {}",
            compat_core::gateway::routing::litellm_model(p, ctx.model_id())
        ),
        (None, None) => compat_core::gateway::routing::litellm_model(p, ctx.model_id()),
    };
    let trial = Trial {
        model: ctx.model_id(),
        provider: ctx.provider().id(),
        route: &route,
        feature: ctx.feature(),
        sim: ctx.sim().is_some(),
    };
    f(&trial, &calls, &ctx.expected_refusals())
}
