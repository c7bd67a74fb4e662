//! Faults: ways to make an upstream misbehave as real upstreams and gateways
//! break, switched on by scope ([`crate::Simulators::inject`]), and the one
//! place that decides which apply to a request and applies them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::wire::answer::{Answer, Event};
use crate::wire::api::Api;
use serde_json::Value;

use crate::wire::request::{Block, ModelRequest, Role};
use crate::wire::response::{ModelResponse, OutBlock};

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
    /// Streaming: hold back the start of the stream and then stream the rest
    /// as usual, as a gateway with a read-ahead buffer does. Every event up
    /// to this percentage of the stream's paced deltas (text deltas and
    /// streamed tool input, rounded up) is produced and recorded at the
    /// stream's pace, but its bytes are written only when the last of them
    /// has been produced, all together; the rest goes out paced as usual.
    /// Why this is what a read-ahead gateway looks like to the judge: the
    /// record is when the provider sent each delta, the tap is when the
    /// gateway handed it on; a read-ahead receives them on time and hands
    /// the held ones on together once its buffer is full, and holding the
    /// bytes here instead of in the gateway moves nothing the judge compares
    /// (LiteLLM then passes on what it got, late, at once; inferred from the
    /// definition of a read-ahead, not a captured gateway).
    HoldStreamStart(u8),
    /// Answer as if every PDF document (at a turn's top level or inside a
    /// tool result) had arrived as a short text instead, as a gateway that
    /// flattens or drops document blocks delivers it.
    DropDocuments,
    /// Cut the conversation's text after its first 200K tokens' worth
    /// (800,000 characters at the simulators' ~4 characters a token), as a
    /// gateway that trims prompts to a 200K window (or that lost a model's
    /// 1M context) delivers them: the end of a long prompt never arrives.
    TruncateLongPrompt,
    /// The provider buffers every tool call's input and sends it in one
    /// burst once written, as it does for a request that did not opt in to
    /// fine-grained tool streaming: it stands in for a gateway that strips
    /// the opt-in (`fine-grained-tool-streaming-2025-05-14`,
    /// `eager_input_streaming`; LiteLLM #30230).
    BufferToolInput,
    /// Replayed thinking blocks reach the model with their signatures
    /// altered, as from a gateway that re-encodes or drops them (LiteLLM
    /// #29441): the provider rejects the turn as it rejects any signature
    /// it did not issue for that text.
    CorruptThinkingSignatures,
    /// The provider gets this beta too, where it reads betas (header or
    /// body): a gateway forwarding a beta the provider does not accept.
    AddBeta(String),
    /// The provider does not get this beta: a gateway dropping a beta the
    /// provider supports.
    StripBeta(String),
    /// On the way in, remove `ttl` from every cache marker (`cache_control`,
    /// Converse `cachePoint`), so the provider caches for its default five
    /// minutes. It stands in for a gateway that silently downgrades a
    /// one-hour cache request (LiteLLM #20326).
    DropCacheTtl,
    /// On the way in, remove the system prompt (the body's `system`), as a
    /// gateway that loses the system blocks would.
    DropSystemPrompt,
    /// On the way in, cut every system prompt text to at most this many
    /// characters, as a gateway with a length limit on system text would.
    TruncateSystemPrompt(usize),
    /// Lose `output_config.effort` on the way in (LiteLLM #23971, #26423,
    /// #27074): the model runs at its default effort. The record keeps the
    /// body as it arrived; the model's answer shows the loss.
    StripEffort,
    /// Lose the structured-output request on the way in: the tool Claude
    /// Code offers for `--json-schema` (`StructuredOutput`) never reaches the
    /// model, which then answers in free text (LiteLLM #21407, #23380, #28877).
    DropStructuredOutput,
    /// On the way out, the answer reports this usage field multiplied by
    /// the factor (0 zeroes it, 2 counts it twice), as a gateway that drops
    /// or double-counts usage hands it on; the record keeps the provider's
    /// own figures (`RecordedRequest.usage`), so the two can be compared.
    MisreportUsage(UsageField, u64),
    /// Refuse (400, the provider's invalid-request shape) every request that
    /// offers no tools: the CLI's side requests (WebFetch's page summary, the
    /// small fast model's work) offer none, while its main loop always
    /// offers its tools. It stands in for a gateway that refuses the CLI's
    /// background calls, e.g. LiteLLM's "Invalid model name" for a small fast
    /// model it has no route for, while the main turns go through.
    RejectBackgroundCalls,
    /// On a token-counting endpoint, count the prompt as if its messages had
    /// arrived empty (tools and system still counted): it stands in for a
    /// gateway that loses the conversation when it translates a
    /// `count_tokens` request into the provider's counting shape, so the
    /// count that comes back is far below what the prompt holds.
    CountWithoutMessages,
    /// Answer as if the user turns' text had arrived blank (every text
    /// block of a user turn emptied; tool results kept), as from a gateway
    /// that loses a request's content on the way. The web_fetch row scopes
    /// it to the small fast model, so that only the CLI's WebFetch
    /// summarising call loses the page it was sent with.
    BlankUserText,
    /// On the way in, remove every MCP tool (named `mcp__<server>__<tool>`
    /// by Claude Code) from the request's tools (`tools`, Converse
    /// `toolConfig.tools`), as a gateway that filters tools it cannot map
    /// (an over-long name, a schema it does not translate) delivers them:
    /// the model never sees the MCP server's tool. The record holds the
    /// request without them.
    DropMcpTools,
    /// On the way in, remove the web search server tool (`web_search_*`)
    /// from `tools`, and a `tool_choice` that forces it, as a gateway that
    /// passes on only the tools it knows delivers them: the model gets the
    /// CLI's "Perform a web search …" request with nothing to search with.
    /// The record holds the request without it.
    DropWebSearchTool,
    /// On the way in, rewrite the web search server tool into a client
    /// tool of the same name (`{"name": "web_search", "input_schema":
    /// {query}}`), as a gateway that translates every tool into a function
    /// tool does: the model calls it, and nobody runs it (the provider
    /// searches only for its server tool; the CLI runs only its own tools).
    WebSearchAsClientTool,
    /// On the way in, remove the request's `context_management` (top level;
    /// Converse `additionalModelRequestFields.context_management`), as a
    /// gateway that drops the context-editing instructions Claude Code sends
    /// delivers the request: the provider never sees the edits. The record
    /// holds the request without them.
    DropContextManagement,
    /// On the way in, remove `defer_loading` from every tool (`tools`), as
    /// a gateway that flattens deferred tools into plain ones delivers
    /// them: the model sees every tool up front and never needs tool
    /// search, and the request carries the whole catalogue. The record
    /// holds the request without the flag.
    StripDeferLoading,
    /// Answer with no usage at all (OpenAI's Responses API: `usage: null`),
    /// as an upstream that omits it: the record shows no usage either.
    /// Only the OpenAI simulators serve it (`crate::check_fault`): the
    /// Messages answer always carries usage; use [`Fault::MisreportUsage`]
    /// there.
    DropUsage,
}

/// A usage figure of an answer ([`Fault::MisreportUsage`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageField {
    InputTokens,
    OutputTokens,
    CacheReadInputTokens,
    CacheCreationInputTokens,
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

    /// Changes what a counting endpoint counts (`crate::providers::count_tokens`).
    pub(crate) fn alter_count(&self, req: &mut ModelRequest) {
        if self.has(&Fault::CountWithoutMessages) {
            for m in &mut req.messages {
                m.content = vec![Block::text("")];
            }
        }
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
        if self.has(&Fault::DropDocuments) {
            drop_documents(req);
        }
        if self.has(&Fault::TruncateLongPrompt) {
            truncate_long_prompt(req, 800_000);
        }
        if self.has(&Fault::CorruptThinkingSignatures) {
            for m in &mut req.messages {
                for b in &mut m.content {
                    if let Block::Thinking { signature, .. } = b {
                        signature.insert_str(0, "AAAA");
                    }
                }
            }
        }
        if self.has(&Fault::StripEffort) {
            req.effort = None;
        }
        if self.has(&Fault::DropStructuredOutput) {
            req.tools.retain(|t| t.name != "StructuredOutput");
        }
        if self.has(&Fault::BlankUserText) {
            for m in req.messages.iter_mut().filter(|m| m.role == Role::User) {
                for b in &mut m.content {
                    if let Block::Text { text, .. } = b {
                        text.clear();
                    }
                }
            }
        }
    }

    /// Changes the betas the provider read from the request.
    pub(crate) fn alter_betas(&self, betas: &mut Vec<String>) {
        for f in &self.0 {
            match f {
                Fault::AddBeta(b) if !betas.contains(b) => betas.push(b.clone()),
                Fault::StripBeta(b) => betas.retain(|x| x != b),
                _ => {}
            }
        }
    }

    /// Rewrites the request body on its way in (faults that stand in for a
    /// gateway changing what it forwards), or `None` when no such fault is
    /// on. The pipeline validates and records the rewritten body, so the
    /// record shows what the provider would have received.
    pub(crate) fn rewrite_body(&self, body: &Value) -> Option<Value> {
        let rewrites = self.0.iter().any(|f| {
            matches!(
                f,
                Fault::DropCacheTtl
                    | Fault::DropSystemPrompt
                    | Fault::TruncateSystemPrompt(_)
                    | Fault::DropMcpTools
                    | Fault::DropWebSearchTool
                    | Fault::WebSearchAsClientTool
                    | Fault::DropContextManagement
                    | Fault::StripDeferLoading
            )
        });
        if !rewrites {
            return None;
        }
        let mut body = body.clone();
        for f in &self.0 {
            match f {
                Fault::DropCacheTtl => drop_cache_ttl(&mut body),
                Fault::DropSystemPrompt => {
                    if let Some(o) = body.as_object_mut() {
                        o.remove("system");
                        // The Responses API's system prompt: `instructions`
                        // and the system/developer messages of `input`.
                        o.remove("instructions");
                    }
                    if let Some(input) = body.get_mut("input").and_then(Value::as_array_mut) {
                        input.retain(|i| !is_system_message(i));
                    }
                }
                Fault::TruncateSystemPrompt(n) => {
                    for key in ["system", "instructions"] {
                        if let Some(system) = body.get_mut(key) {
                            truncate_texts(system, *n);
                        }
                    }
                    for item in body
                        .get_mut("input")
                        .and_then(Value::as_array_mut)
                        .into_iter()
                        .flatten()
                        .filter(|i| is_system_message(i))
                    {
                        if let Some(content) = item.get_mut("content") {
                            truncate_texts(content, *n);
                        }
                    }
                }
                Fault::DropMcpTools => drop_mcp_tools(&mut body),
                Fault::DropWebSearchTool => drop_web_search_tool(&mut body),
                Fault::WebSearchAsClientTool => web_search_as_client_tool(&mut body),
                Fault::DropContextManagement => {
                    if let Some(o) = body.as_object_mut() {
                        o.remove("context_management");
                    }
                    if let Some(o) = body
                        .get_mut("additionalModelRequestFields")
                        .and_then(Value::as_object_mut)
                    {
                        o.remove("context_management");
                    }
                }
                Fault::StripDeferLoading => strip_defer_loading(&mut body),
                _ => {}
            }
        }
        Some(body)
    }

    /// Changes what the model answered.
    pub(crate) fn alter_response(&self, resp: &mut ModelResponse) {
        if self.has(&Fault::DropThinking) {
            resp.content
                .retain(|b| !matches!(b, OutBlock::Thinking { .. }));
        }
        if self.has(&Fault::BufferToolInput) {
            resp.eager_tool_input = false;
        }
        // Ledger rule "fault.drop_usage".
        if self.has(&Fault::DropUsage) {
            resp.usage_dropped = true;
        }
        if self.has(&Fault::StripCacheUsage) {
            resp.usage.input_tokens +=
                resp.usage.cache_read_input_tokens + resp.usage.cache_creation_input_tokens;
            resp.usage.cache_read_input_tokens = 0;
            resp.usage.cache_creation_input_tokens = 0;
            resp.usage.cache_creation_1h_input_tokens = 0;
        }
    }

    /// Why the request is refused as a background call
    /// ([`Fault::RejectBackgroundCalls`]), if it is one.
    pub(crate) fn background_refusal(&self, req: &ModelRequest) -> Option<String> {
        (self.has(&Fault::RejectBackgroundCalls) && req.tools.is_empty()).then(|| {
            format!(
                "Invalid model name passed in model={} (simulated: a background call refused)",
                req.model
            )
        })
    }

    /// Changes the usage the answer reports, after the record took the
    /// provider's figures ([`Fault::MisreportUsage`]).
    pub(crate) fn misreport_usage(&self, resp: &mut ModelResponse) {
        for f in &self.0 {
            if let Fault::MisreportUsage(field, factor) = f {
                let u = &mut resp.usage;
                match field {
                    UsageField::InputTokens => u.input_tokens *= factor,
                    UsageField::OutputTokens => u.output_tokens *= factor,
                    UsageField::CacheReadInputTokens => u.cache_read_input_tokens *= factor,
                    UsageField::CacheCreationInputTokens => {
                        u.cache_creation_input_tokens *= factor;
                        u.cache_creation_1h_input_tokens *= factor;
                    }
                }
            }
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
                if let Some(percent) = self.0.iter().find_map(|f| match f {
                    Fault::HoldStreamStart(p) => Some(*p),
                    _ => None,
                }) {
                    hold_start(events, percent);
                }
                if self.has(&Fault::BreakStreamFraming) && !events.is_empty() {
                    let at = events
                        .iter()
                        .position(|e| e.paced && !e.is_pause())
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

/// [`Fault::HoldStreamStart`]: the events up to the `percent`-th percentile
/// of the paced deltas keep their place and pace (so the record stamps each
/// when it was produced) but write nothing; right after the last of them,
/// one unrecorded event writes all their bytes at once.
fn hold_start(events: &mut Vec<Event>, percent: u8) {
    let paced: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].paced && !events[i].is_pause())
        .collect();
    if paced.is_empty() {
        return;
    }
    let held = (paced.len() * usize::from(percent.min(100))).div_ceil(100);
    let Some(&last_held) = held.checked_sub(1).and_then(|i| paced.get(i)) else {
        return;
    };
    let mut bytes = Vec::new();
    for e in &mut events[..=last_held] {
        bytes.extend_from_slice(&e.bytes);
        e.bytes = bytes::Bytes::new();
    }
    events.insert(last_held + 1, Event::unrecorded(bytes.into()));
}

/// [`Fault::DropDocuments`]: each PDF becomes a text block saying it is gone.
fn drop_documents(req: &mut ModelRequest) {
    fn flatten(blocks: &mut [Block]) {
        for b in blocks {
            match b {
                Block::Document { .. } => *b = Block::text("(document removed)"),
                Block::ToolResult { content, .. } => flatten(content),
                _ => {}
            }
        }
    }
    for m in &mut req.messages {
        flatten(&mut m.content);
    }
}

/// [`Fault::TruncateLongPrompt`]: text blocks keep `budget` characters in all,
/// in conversation order; what follows is cut.
fn truncate_long_prompt(req: &mut ModelRequest, mut budget: usize) {
    for m in &mut req.messages {
        for b in &mut m.content {
            if let Block::Text { text, .. } = b {
                let mut keep = budget.min(text.len());
                while !text.is_char_boundary(keep) {
                    keep -= 1;
                }
                text.truncate(keep);
                budget -= keep;
            }
        }
    }
}

/// A Responses `input` item that is a system or developer message.
fn is_system_message(item: &Value) -> bool {
    matches!(item["role"].as_str(), Some("system" | "developer"))
}

/// [`Fault::DropMcpTools`]: the tools named `mcp__...` leave `tools`
/// (Anthropic dialects) and `toolConfig.tools` (Converse, with the
/// `cachePoint` that may follow one).
fn drop_mcp_tools(body: &mut Value) {
    let is_mcp = |name: Option<&Value>| {
        name.and_then(Value::as_str)
            .is_some_and(|n| n.starts_with("mcp__"))
    };
    if let Some(tools) = body.get_mut("tools").and_then(Value::as_array_mut) {
        tools.retain(|t| !is_mcp(t.get("name")));
    }
    if let Some(tools) = body
        .pointer_mut("/toolConfig/tools")
        .and_then(Value::as_array_mut)
    {
        let mut kept: Vec<Value> = Vec::new();
        let mut dropped_last = false;
        for t in tools.drain(..) {
            if t.get("cachePoint").is_some() && dropped_last {
                continue;
            }
            dropped_last = is_mcp(t.pointer("/toolSpec/name"));
            if !dropped_last {
                kept.push(t);
            }
        }
        *tools = kept;
    }
}

/// [`Fault::DropWebSearchTool`]: the `web_search_*` tools leave `tools`,
/// and a `tool_choice` naming one goes with them.
fn drop_web_search_tool(body: &mut Value) {
    let mut names = Vec::new();
    if let Some(tools) = body.get_mut("tools").and_then(Value::as_array_mut) {
        tools.retain(|t| {
            let server = t
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|k| k.starts_with("web_search_"));
            if server && let Some(n) = t.get("name").and_then(Value::as_str) {
                names.push(n.to_owned());
            }
            !server
        });
    }
    let forced = body
        .pointer("/tool_choice/name")
        .and_then(Value::as_str)
        .is_some_and(|n| names.iter().any(|d| d == n));
    if forced && let Some(o) = body.as_object_mut() {
        o.remove("tool_choice");
    }
}

/// [`Fault::WebSearchAsClientTool`]: each `web_search_*` tool becomes a
/// client tool of its name with a `query` schema (`tool_choice` kept).
fn web_search_as_client_tool(body: &mut Value) {
    if let Some(tools) = body.get_mut("tools").and_then(Value::as_array_mut) {
        for t in tools.iter_mut() {
            let server = t
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|k| k.starts_with("web_search_"));
            if server {
                let name = t.get("name").cloned().unwrap_or(Value::Null);
                *t = serde_json::json!({
                    "name": name,
                    "description": "Search the web.",
                    "input_schema": {
                        "type": "object",
                        "properties": {"query": {"type": "string"}},
                        "required": ["query"],
                    },
                });
            }
        }
    }
}

/// [`Fault::StripDeferLoading`]: no tool of `tools` stays deferred.
fn strip_defer_loading(body: &mut Value) {
    for t in body
        .get_mut("tools")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(o) = t.as_object_mut() {
            o.remove("defer_loading");
        }
    }
}

/// Removes `ttl` from every `cache_control` and `cachePoint` object, in any
/// dialect (both are keyed by those names wherever they appear).
fn drop_cache_ttl(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                if k == "cache_control" || k == "cachePoint" {
                    if let Some(marker) = child.as_object_mut() {
                        marker.remove("ttl");
                    }
                } else {
                    drop_cache_ttl(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_cache_ttl),
        _ => {}
    }
}

/// Cuts every text of a system prompt (a string, Anthropic text blocks or
/// Converse `{"text": ...}` members) to at most `n` characters.
fn truncate_texts(v: &mut Value, n: usize) {
    match v {
        Value::String(s) => {
            if let Some((cut, _)) = s.char_indices().nth(n) {
                s.truncate(cut);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| truncate_texts(i, n)),
        Value::Object(o) => {
            if let Some(text) = o.get_mut("text") {
                truncate_texts(text, n);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dropping_ttl_reaches_every_marker_of_either_dialect() {
        let mut anthropic = json!({
            "system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
            "messages": [{"role": "user", "content": [{"type": "text", "text": "u", "cache_control": {"type": "ephemeral", "ttl": "1h"}}]}],
        });
        drop_cache_ttl(&mut anthropic);
        assert!(!anthropic.to_string().contains("ttl"), "{anthropic}");
        assert_eq!(anthropic["system"][0]["cache_control"]["type"], "ephemeral");

        let mut converse =
            json!({"system": [{"text": "s"}, {"cachePoint": {"type": "default", "ttl": "1h"}}]});
        drop_cache_ttl(&mut converse);
        assert_eq!(
            converse["system"][1],
            json!({"cachePoint": {"type": "default"}})
        );
    }

    #[test]
    fn truncation_cuts_every_system_text_on_a_char_boundary() {
        let mut blocks = json!([{"type": "text", "text": "ééééé", "cache_control": {"type": "ephemeral"}}, {"text": "abcdef"}]);
        truncate_texts(&mut blocks, 3);
        assert_eq!(blocks[0]["text"], "ééé");
        assert_eq!(blocks[1]["text"], "abc");
        assert_eq!(blocks[0]["cache_control"]["type"], "ephemeral");
        let mut plain = json!("abcdef");
        truncate_texts(&mut plain, 2);
        assert_eq!(plain, "ab");
    }

    #[test]
    fn dropping_mcp_tools_reaches_either_dialect() {
        let mut anthropic = json!({"tools": [{"name": "Bash"}, {"name": "mcp__s__t"}]});
        drop_mcp_tools(&mut anthropic);
        assert_eq!(anthropic["tools"], json!([{"name": "Bash"}]));
        let mut converse = json!({"toolConfig": {"tools": [
            {"toolSpec": {"name": "mcp__s__t"}}, {"cachePoint": {"type": "default"}},
            {"toolSpec": {"name": "Bash"}}, {"cachePoint": {"type": "default"}}
        ]}});
        drop_mcp_tools(&mut converse);
        assert_eq!(
            converse["toolConfig"]["tools"],
            json!([{"toolSpec": {"name": "Bash"}}, {"cachePoint": {"type": "default"}}])
        );
    }

    #[test]
    fn holding_the_start_writes_the_held_events_at_once_after_the_last_held() {
        let ev = |kind: &str, paced: bool| Event {
            kind: kind.into(),
            bytes: bytes::Bytes::from(format!("<{kind}>")),
            paced,
        };
        let mut events = vec![ev("start", false)];
        events.extend((0..4).map(|i| ev(&format!("d{i}"), true)));
        events.push(ev("stop", false));
        hold_start(&mut events, 50);
        let shape: Vec<(&str, &[u8], bool)> = events
            .iter()
            .map(|e| (e.kind.as_str(), &e.bytes[..], e.paced))
            .collect();
        assert_eq!(
            shape,
            [
                ("start", &b""[..], false),
                ("d0", b"", true),
                ("d1", b"", true),
                ("", b"<start><d0><d1>", false),
                ("d2", b"<d2>", true),
                ("d3", b"<d3>", true),
                ("stop", b"<stop>", false),
            ]
        );
        assert!(events.iter().all(|e| !e.is_pause()));
    }

    #[test]
    fn only_body_faults_rewrite_the_body() {
        let body = json!({"system": "s", "messages": []});
        assert!(
            Active(vec![Fault::DropThinking])
                .rewrite_body(&body)
                .is_none()
        );
        let dropped = Active(vec![Fault::DropSystemPrompt])
            .rewrite_body(&body)
            .unwrap();
        assert!(dropped.get("system").is_none());
    }
}
