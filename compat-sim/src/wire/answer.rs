//! What a codec answers before it goes on the wire: a JSON body or a list of
//! framed stream events, in one of the two stream framings the providers use.

use bytes::Bytes;
use serde_json::Value;

/// A successful answer.
pub(crate) enum Answer {
    /// A JSON body (status 200).
    Json {
        headers: Vec<(String, String)>,
        body: Value,
    },
    /// A stream of events.
    Stream {
        framing: Framing,
        headers: Vec<(String, String)>,
        events: Vec<Event>,
        /// Keep the connection open after the last event instead of ending
        /// the body (`Fault::StallStream`).
        hold_open: bool,
        /// Produce (and record) the events paced as usual, but write their
        /// bytes together after the last one (`Fault::HoldStream`).
        flush_at_end: bool,
    },
    /// No response at all until the client goes away (`Fault::StallStream`
    /// on a non-streaming request).
    Held,
}

/// One framed event of a stream.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// What the request record calls it ([`crate::SentEvent::kind`]).
    pub kind: String,
    pub bytes: Bytes,
    /// A text delta: sent after [`DELTA_PACE`], so a client sees the answer
    /// arrive over time as from a real model rather than in one burst.
    pub paced: bool,
}

impl Event {
    /// A pace interval with nothing sent: the provider generating while it
    /// buffers (see `tool_streaming`). Neither written nor recorded.
    pub(crate) fn pause() -> Event {
        Event {
            kind: String::new(),
            bytes: Bytes::new(),
            paced: true,
        }
    }

    /// Whether this is a [`Event::pause`].
    pub(crate) fn is_pause(&self) -> bool {
        self.kind.is_empty() && self.bytes.is_empty()
    }

    /// Bytes written at once, with no entry in the record: the held start
    /// of a stream released together (`Fault::HoldStreamStart`), whose
    /// events were each recorded, with nothing written, when produced.
    pub(crate) fn unrecorded(bytes: Bytes) -> Event {
        Event {
            kind: String::new(),
            bytes,
            paced: false,
        }
    }

    /// Whether the record gets an entry when this event is handed over
    /// (not a pause, not an [`Event::unrecorded`] write).
    pub(crate) fn is_recorded(&self) -> bool {
        !self.kind.is_empty()
    }
}

/// Delay before each text delta. Long enough that a busy gateway on a loaded
/// 2-core machine still forwards deltas apart; other events go out at once.
pub(crate) const DELTA_PACE: std::time::Duration = std::time::Duration::from_millis(20);

/// How a stream's events are framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Server-sent events (`event:` + `data:` lines): the Anthropic dialects.
    Sse,
    /// AWS event-stream binary frames with CRCs: Bedrock.
    EventStream,
}

impl Framing {
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Framing::Sse => "text/event-stream; charset=utf-8",
            Framing::EventStream => "application/vnd.amazon.eventstream",
        }
    }

    /// A broken copy of `event`, as a corrupted stream would carry: an SSE
    /// event whose JSON is cut short, or a frame whose message CRC is wrong.
    pub(crate) fn corrupt(self, event: &Event) -> Event {
        let bytes = match self {
            Framing::Sse => {
                let text = String::from_utf8_lossy(&event.bytes);
                let line = text.trim_end();
                let cut = (0..=line.len() * 2 / 3)
                    .rev()
                    .find(|i| line.is_char_boundary(*i))
                    .unwrap_or(0);
                Bytes::from(format!("{}\n\n", &line[..cut]))
            }
            Framing::EventStream => {
                let mut bad = event.bytes.to_vec();
                if let Some(last) = bad.last_mut() {
                    *last ^= 0xff;
                }
                Bytes::from(bad)
            }
        };
        Event {
            kind: format!("corrupted:{}", event.kind),
            bytes,
            paced: false,
        }
    }
}
