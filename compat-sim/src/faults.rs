//! Faults: ways to make an upstream misbehave as real upstreams and gateways
//! break, switched on by scope ([`crate::Simulators::inject`]), and the one
//! place that decides which apply to a request and applies them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::answer::{Answer, Event};
use crate::api::Api;
use crate::model::{Block, ModelRequest, ModelResponse, OutBlock};

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
    /// Streaming: send the headers and the first event, then nothing more,
    /// keeping the connection open until the client goes away. Non-streaming:
    /// never answer at all.
    StallStream,
    /// Streaming: produce the events paced as usual (the record stamps each
    /// as the provider produced it) but hold their bytes back and write them
    /// all together after the last one. It stands in for a gateway that
    /// buffers a stream and flushes it at the end: whatever sits between the
    /// provider and the CLI held the stream, and the streaming check must
    /// say so for every model.
    HoldStream,
    /// Lose `output_config.effort` on the way in (LiteLLM #23971, #26423,
    /// #27074): the model runs at its default effort. The record keeps the
    /// body as it arrived; the model's answer shows the loss.
    StripEffort,
    /// Lose the structured-output request on the way in: the tool Claude
    /// Code offers for `--json-schema` (`StructuredOutput`) never reaches the
    /// model, which then answers in free text (LiteLLM #21407, #23380, #28877).
    DropStructuredOutput,
}

/// Which requests a fault applies to. Every `Some` must match.
#[derive(Debug, Clone, Default)]
pub struct FaultScope {
    pub provider: Option<Api>,
    /// Canonical model id.
    pub model: Option<String>,
    /// A string the raw request body must contain, e.g. a per-trial nonce
    /// from the prompt, so that a fault hits one trial and not its neighbours.
    pub body_contains: Option<String>,
}

/// The switched-on faults of one set of simulators.
#[derive(Default)]
pub(crate) struct Faults {
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
    pub(crate) fn inject(self: &Arc<Self>, scope: FaultScope, fault: Fault) -> FaultGuard {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        self.rules
            .lock()
            .expect("faults lock")
            .push((id, scope, fault));
        FaultGuard {
            faults: self.clone(),
            id,
        }
    }

    /// The faults that apply to one request.
    pub(crate) fn matching(&self, api: Api, model: &str, raw_body: &str) -> Active {
        let faults = self
            .rules
            .lock()
            .expect("faults lock")
            .iter()
            .filter(|(_, s, _)| {
                s.provider.is_none_or(|p| p == api)
                    && s.model.as_deref().is_none_or(|m| m == model)
                    && s.body_contains
                        .as_deref()
                        .is_none_or(|t| raw_body.contains(t))
            })
            .map(|(_, _, f)| f.clone())
            .collect();
        Active(faults)
    }
}

/// The faults matched for one request, applied at each step of the pipeline.
pub(crate) struct Active(Vec<Fault>);

impl Active {
    fn has(&self, f: &Fault) -> bool {
        self.0.contains(f)
    }

    /// Before anything is answered: a slow first byte.
    pub(crate) async fn delay(&self) {
        for f in &self.0 {
            if let Fault::SlowFirstByte(d) = f {
                tokio::time::sleep(*d).await;
            }
        }
    }

    /// An error status to answer instead of the model.
    pub(crate) fn failure(&self, stream: bool) -> Option<u16> {
        self.0.iter().find_map(|f| match f {
            Fault::Status(s) => Some(*s),
            Fault::FailNonStreaming if !stream => Some(500),
            _ => None,
        })
    }

    /// Changes what the model is asked.
    pub(crate) fn alter_request(&self, req: &mut ModelRequest) {
        if self.has(&Fault::IgnoreImages) {
            for m in &mut req.messages {
                m.content.retain(|b| !matches!(b, Block::Image { .. }));
                if m.content.is_empty() {
                    m.content.push(Block::text("(image removed)"));
                }
            }
        }
        if self.has(&Fault::NoToolCall) {
            req.tools.clear();
        }
        if self.has(&Fault::StripEffort) {
            req.effort = None;
        }
        if self.has(&Fault::DropStructuredOutput) {
            req.tools.retain(|t| t.name != "StructuredOutput");
        }
    }

    /// Changes what the model answered.
    pub(crate) fn alter_response(&self, resp: &mut ModelResponse) {
        if self.has(&Fault::DropThinking) {
            resp.content
                .retain(|b| !matches!(b, OutBlock::Thinking { .. }));
        }
        if self.has(&Fault::StripCacheUsage) {
            resp.usage.input_tokens +=
                resp.usage.cache_read_input_tokens + resp.usage.cache_creation_input_tokens;
            resp.usage.cache_read_input_tokens = 0;
            resp.usage.cache_creation_input_tokens = 0;
        }
    }

    /// Changes the encoded answer: a corrupted frame after the first text
    /// delta, or a stall after the first event.
    pub(crate) fn alter_answer(&self, answer: &mut Answer) {
        let stall = self.has(&Fault::StallStream);
        match answer {
            Answer::Stream {
                framing,
                events,
                hold_open,
                flush_at_end,
                ..
            } => {
                if self.has(&Fault::HoldStream) {
                    *flush_at_end = true;
                }
                if self.has(&Fault::BreakStreamFraming) && !events.is_empty() {
                    let at = events
                        .iter()
                        .position(|e| e.paced)
                        .unwrap_or(events.len().min(3) - 1);
                    let bad: Event = framing.corrupt(&events[at]);
                    events.insert(at + 1, bad);
                }
                if stall {
                    events.truncate(1);
                    *hold_open = true;
                }
            }
            Answer::Json { .. } if stall => *answer = Answer::Held,
            Answer::Json { .. } | Answer::Held => {}
        }
    }
}
