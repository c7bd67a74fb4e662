//! The scripted model: the one behaviour every provider simulator shares.
//!
//! Codecs turn their provider's wire request into a [`ModelRequest`] (a
//! dialect-neutral view of an Anthropic-style conversation), ask
//! [`ScriptedModel::respond`], and turn the [`ModelResponse`] back into their
//! wire format. The script is chosen so that one assertion holds for a real
//! model and for this one: tests phrase prompts as plain instructions
//! ("reply with exactly `X`", "use the Bash tool to run `echo X`", "count from
//! 1 to 20", "what colour is this image?") that a real Claude follows too.
//!
//! What it enforces, as the real API does:
//! - signed thinking: replayed thinking blocks must carry the signature this
//!   model issued for exactly that text; with thinking on, an assistant turn
//!   that made a tool call must start with its thinking block.
//! - prompt caching: a request whose cache breakpoints cover a prefix seen in
//!   the last 5 minutes (1 hour with `ttl: 1h`) reports cache reads; the first
//!   one reports cache creation; no markers, no caching.

pub(crate) mod compaction;
pub(crate) mod instructions;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::wire::rejection::Rejection;

/// A conversation as the model sees it, whatever the wire dialect.
#[derive(Debug, Clone, Default)]
pub struct ModelRequest {
    /// Canonical Claude model id (`claude-sonnet-4-6`), mapped by the codec
    /// from the provider's model id.
    pub model: String,
    pub system: Vec<Block>,
    pub messages: Vec<Message>,
    pub tools: Vec<ToolDef>,
    pub thinking: Thinking,
    /// The request opted in to fine-grained tool streaming
    /// (`crate::rules::tool_streaming`): tool input streams as it is written.
    pub eager_tool_input: bool,
    /// `output_config.effort` as the provider received it (see
    /// [`crate::rules::effort`]); `None` runs at the model's default.
    pub effort: Option<String>,
    /// The web search server tool the request offered
    /// ([`crate::rules::web_search`]).
    pub web_search: Option<crate::rules::web_search::WebSearchTool>,
}

impl ModelRequest {
    /// Every text block of the user turns, oldest first (the CLI's
    /// `<system-reminder>` blocks included).
    pub(crate) fn user_texts(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.messages
            .iter()
            .filter(|m| m.role == Role::User)
            .flat_map(|m| &m.content)
            .filter_map(|b| match b {
                Block::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Thinking {
    #[default]
    Off,
    /// `{"type":"enabled","budget_tokens":N}`
    Budget(u64),
    /// `{"type":"adaptive"}`
    Adaptive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub role: Role,
    pub content: Vec<Block>,
}

#[derive(Debug, Clone)]
pub struct ToolDef {
    pub name: String,
    /// The tool's JSON Schema (`input_schema`, Converse `inputSchema.json`),
    /// `Null` for server tools that have none.
    pub input_schema: Value,
    /// Whether this tool definition carries a cache breakpoint.
    pub cache: Option<CacheTtl>,
    /// `defer_loading: true`: invisible to the model until a
    /// `tool_reference` loads it (crate::rules::tool_search).
    pub deferred: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheTtl {
    FiveMinutes,
    OneHour,
}

impl CacheTtl {
    fn duration(self) -> Duration {
        match self {
            CacheTtl::FiveMinutes => Duration::from_secs(5 * 60),
            CacheTtl::OneHour => Duration::from_secs(60 * 60),
        }
    }
}

/// One content block. `cache` is the cache breakpoint that follows the block
/// (`cache_control` in the Anthropic dialects, a `cachePoint` in Converse).
#[derive(Debug, Clone)]
pub enum Block {
    Text {
        text: String,
        cache: Option<CacheTtl>,
    },
    Image {
        media_type: String,
        data: Vec<u8>,
        cache: Option<CacheTtl>,
    },
    /// A PDF (the Anthropic dialects' `document` with a base64
    /// `application/pdf` source; Converse's `document` of format `pdf`).
    Document {
        data: Vec<u8>,
        cache: Option<CacheTtl>,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
        cache: Option<CacheTtl>,
    },
    ToolResult {
        tool_use_id: String,
        content: Vec<Block>,
        is_error: bool,
        cache: Option<CacheTtl>,
    },
    Thinking {
        thinking: String,
        signature: String,
    },
    RedactedThinking {
        data: String,
    },
    /// A `tool_reference` in a tool result: loads a deferred tool
    /// (crate::rules::tool_search).
    ToolReference {
        tool_name: String,
    },
}

impl Block {
    pub fn text(text: impl Into<String>) -> Self {
        Block::Text {
            text: text.into(),
            cache: None,
        }
    }

    fn cache(&self) -> Option<CacheTtl> {
        match self {
            Block::Text { cache, .. }
            | Block::Image { cache, .. }
            | Block::Document { cache, .. }
            | Block::ToolUse { cache, .. }
            | Block::ToolResult { cache, .. } => *cache,
            Block::Thinking { .. }
            | Block::RedactedThinking { .. }
            | Block::ToolReference { .. } => None,
        }
    }

    /// A stable rendering for prefix hashing and token estimates.
    fn fingerprint(&self) -> String {
        match self {
            Block::Text { text, .. } => format!("text:{text}"),
            Block::Image {
                media_type, data, ..
            } => {
                format!("image:{media_type}:{}", hex::encode(Sha256::digest(data)))
            }
            Block::Document { data, .. } => {
                format!("document:{}", hex::encode(Sha256::digest(data)))
            }
            Block::ToolUse {
                id, name, input, ..
            } => format!("tool_use:{id}:{name}:{input}"),
            Block::ToolResult {
                tool_use_id,
                content,
                is_error,
                ..
            } => {
                let inner: Vec<String> = content.iter().map(Block::fingerprint).collect();
                format!("tool_result:{tool_use_id}:{is_error}:{}", inner.join("|"))
            }
            Block::Thinking {
                thinking,
                signature,
            } => format!("thinking:{thinking}:{signature}"),
            Block::RedactedThinking { data } => format!("redacted:{data}"),
            Block::ToolReference { tool_name } => format!("tool_reference:{tool_name}"),
        }
    }

    fn estimated_tokens(&self) -> u64 {
        match self {
            // Images cost roughly (w*h)/750 tokens; a flat figure is enough here.
            Block::Image { .. } => 85,
            // Anthropic's PDF support docs: 1,500-3,000 tokens a page (text
            // plus the page as an image); our test PDFs have one page.
            Block::Document { .. } => 1500,
            other => (other.fingerprint().len() as u64).div_ceil(4),
        }
    }
}

/// What the model answers, before a codec frames it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelResponse {
    pub content: Vec<OutBlock>,
    pub stop_reason: StopReason,
    pub usage: Usage,
    /// Stream tool input in fragments as written (the request opted in to
    /// fine-grained tool streaming), rather than buffered.
    pub eager_tool_input: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OutBlock {
    Thinking {
        thinking: String,
        signature: String,
    },
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    /// A server tool's call, run by the provider in the same response
    /// ([`crate::rules::web_search`]).
    ServerToolUse {
        id: String,
        name: String,
        input: Value,
    },
    /// The web search's results (`content`: the `web_search_result` list).
    WebSearchToolResult {
        tool_use_id: String,
        content: Value,
    },
    /// Text with its `citations` (`web_search_result_location`s).
    CitedText {
        text: String,
        citations: Vec<Value>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    EndTurn,
    ToolUse,
}

impl StopReason {
    pub fn as_anthropic(self) -> &'static str {
        match self {
            StopReason::EndTurn => "end_turn",
            StopReason::ToolUse => "tool_use",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_input_tokens: u64,
    pub cache_creation_input_tokens: u64,
    /// The part of `cache_creation_input_tokens` written with a one-hour TTL
    /// (`ttl: "1h"`); the rest was written for five minutes. Anthropic reports
    /// the split as `usage.cache_creation.{ephemeral_5m,ephemeral_1h}_input_tokens`
    /// (platform.claude.com/docs/en/build-with-claude/prompt-caching#1-hour-cache-duration),
    /// Bedrock Converse as `usage.cacheDetails[{ttl, inputTokens}]`
    /// (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html).
    pub cache_creation_1h_input_tokens: u64,
    /// Web searches the provider ran for this answer
    /// (`usage.server_tool_use.web_search_requests`).
    pub web_search_requests: u64,
}

impl Usage {
    /// The five-minute part of the cache write.
    pub fn cache_creation_5m_input_tokens(&self) -> u64 {
        self.cache_creation_input_tokens - self.cache_creation_1h_input_tokens
    }
}

pub struct ScriptedModel {
    /// Key for thinking signatures; random per process, so a signature is
    /// only valid for the simulator that issued it, as with the real API.
    key: [u8; 32],
    /// (model, prefix hash) -> expiry.
    cache: Mutex<HashMap<(String, [u8; 32]), Instant>>,
    /// What the web search server tool searches ([`crate::rules::web_search`]).
    pub(crate) corpus: std::sync::Arc<crate::rules::web_search::Corpus>,
}

impl Default for ScriptedModel {
    fn default() -> Self {
        Self::new()
    }
}

impl ScriptedModel {
    pub fn new() -> Self {
        let mut key = [0u8; 32];
        key.iter_mut().for_each(|b| *b = fastrand::u8(..));
        ScriptedModel {
            key,
            cache: Mutex::new(HashMap::new()),
            corpus: Default::default(),
        }
    }

    pub fn respond(&self, req: &ModelRequest) -> Result<ModelResponse, Rejection> {
        self.check_conversation(req)?;
        crate::rules::effort::check(&req.model, req.effort.as_deref())?;
        let mut content = Vec::new();
        if crate::rules::effort::thinks(req) {
            let thinking = format!(
                "The user wants: {}. I will answer directly and precisely.{}",
                summarize(&last_user_text(req)),
                crate::rules::effort::self_report(req.effort.as_deref())
            );
            let signature = self.sign(&req.model, &thinking);
            content.push(OutBlock::Thinking {
                thinking,
                signature,
            });
        }
        let (mut answer, stop_reason) = match self.web_search(req) {
            Some(blocks) => (blocks, StopReason::EndTurn),
            None => script(req),
        };
        if stop_reason == StopReason::EndTurn {
            crate::model::instructions::obey(req, &mut answer);
        }
        content.extend(answer);
        let mut usage = self.usage(req, &content);
        usage.web_search_requests = content
            .iter()
            .filter(|b| matches!(b, OutBlock::ServerToolUse { .. }))
            .count() as u64;
        Ok(ModelResponse {
            content,
            stop_reason,
            usage,
            eager_tool_input: req.eager_tool_input,
        })
    }

    /// With the web search server tool offered and a user turn that asks
    /// for a search, the provider runs it ([`crate::rules::web_search::answer`]).
    fn web_search(&self, req: &ModelRequest) -> Option<Vec<OutBlock>> {
        req.web_search.as_ref()?;
        let last = req.messages.last()?;
        if last.role != Role::User
            || last
                .content
                .iter()
                .any(|b| matches!(b, Block::ToolResult { .. }))
        {
            return None;
        }
        let prompt = last_user_text(req);
        crate::rules::web_search::asks_to_search(&prompt).then(|| {
            crate::rules::web_search::answer(
                &self.corpus,
                &crate::rules::web_search::query_of(&prompt),
            )
        })
    }

    /// Signature over (model, thinking text): base64 of an HMAC, so it looks
    /// like the real opaque signature and any change to the text breaks it.
    pub fn sign(&self, model: &str, thinking: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(model.as_bytes());
        mac.update(&[0]);
        mac.update(thinking.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    fn check_conversation(&self, req: &ModelRequest) -> Result<(), Rejection> {
        let Some(first) = req.messages.first() else {
            return Err(Rejection::invalid(
                "messages: at least one message is required",
            ));
        };
        if first.role != Role::User {
            return Err(Rejection::invalid(
                "messages: first message must use the \"user\" role",
            ));
        }
        for (i, pair) in req.messages.windows(2).enumerate() {
            if pair[0].role == pair[1].role {
                return Err(Rejection::invalid(format!(
                    "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"{}\" roles in a row (messages.{})",
                    if pair[1].role == Role::User {
                        "user"
                    } else {
                        "assistant"
                    },
                    i + 1
                )));
            }
        }
        for (i, m) in req.messages.iter().enumerate() {
            if m.content.is_empty() {
                return Err(Rejection::invalid(format!(
                    "messages.{i}: content must not be empty"
                )));
            }
            for (j, b) in m.content.iter().enumerate() {
                if let Block::Thinking {
                    thinking,
                    signature,
                } = b
                {
                    if m.role != Role::Assistant {
                        return Err(Rejection::invalid(format!(
                            "messages.{i}.content.{j}: thinking blocks are only allowed in assistant messages"
                        )));
                    }
                    if *signature != self.sign(&req.model, thinking) {
                        return Err(Rejection::invalid(format!(
                            "messages.{i}.content.{j}: Invalid `signature` in `thinking` block"
                        )));
                    }
                }
            }
        }
        // With thinking on, the assistant turn whose tool call is being
        // answered must start with a thinking block (the real API's rule for
        // continuing a tool-use turn).
        if req.thinking != Thinking::Off
            && let [.., assistant, last] = req.messages.as_slice()
        {
            let answers_tool = last
                .content
                .iter()
                .any(|b| matches!(b, Block::ToolResult { .. }));
            if assistant.role == Role::Assistant
                && answers_tool
                && !matches!(
                    assistant.content.first(),
                    Some(Block::Thinking { .. } | Block::RedactedThinking { .. })
                )
            {
                return Err(Rejection::invalid(format!(
                    "messages.{}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). To avoid this requirement, disable `thinking`.",
                    req.messages.len() - 2,
                    block_type(assistant.content.first())
                )));
            }
        }
        Ok(())
    }

    fn usage(&self, req: &ModelRequest, out: &[OutBlock]) -> Usage {
        // Walk the prompt in cache order: tools, system, messages.
        let mut hasher = Sha256::new();
        let mut tokens = 0u64;
        let mut breakpoints: Vec<([u8; 32], u64, CacheTtl)> = Vec::new();
        let mut visit = |fingerprint: String, block_tokens: u64, cache: Option<CacheTtl>| {
            hasher.update(fingerprint.as_bytes());
            hasher.update([0xff]);
            tokens += block_tokens;
            if let Some(ttl) = cache {
                breakpoints.push((hasher.clone().finalize().into(), tokens, ttl));
            }
        };
        for t in &req.tools {
            visit(format!("tool:{}", t.name), 200, t.cache);
        }
        for b in &req.system {
            visit(b.fingerprint(), b.estimated_tokens(), b.cache());
        }
        for m in &req.messages {
            for b in &m.content {
                visit(b.fingerprint(), b.estimated_tokens(), b.cache());
            }
        }
        let total = tokens + 8;
        let output_tokens = out
            .iter()
            .map(|b| match b {
                OutBlock::Thinking { thinking, .. } => thinking.len(),
                OutBlock::Text { text } => text.len(),
                OutBlock::ToolUse { input, .. } | OutBlock::ServerToolUse { input, .. } => {
                    input.to_string().len() + 20
                }
                OutBlock::WebSearchToolResult { .. } => 0,
                OutBlock::CitedText { text, .. } => text.len(),
            } as u64)
            .sum::<u64>()
            .div_ceil(4)
            .max(1);

        let minimum = min_cacheable_tokens(&req.model);
        let now = Instant::now();
        let mut cache = self.cache.lock().expect("cache lock");
        cache.retain(|_, expiry| *expiry > now);
        // The longest cached prefix is read; the rest up to the last
        // breakpoint is written.
        let read = breakpoints
            .iter()
            .rev()
            .find(|(h, _, _)| cache.contains_key(&(req.model.clone(), *h)))
            .map(|(_, t, _)| *t)
            .unwrap_or(0);
        let last = breakpoints.last().map(|(_, t, _)| *t).unwrap_or(0);
        let created = if last >= minimum && last > read {
            last - read
        } else {
            0
        };
        // Each stretch of the written prefix goes to the bucket of the
        // breakpoint that ends it (Anthropic bills a mixed-TTL write that way:
        // the prompt-caching docs' "Mixing different TTLs").
        let created_1h = if created == 0 {
            0
        } else {
            let mut previous = read;
            let mut one_hour = 0;
            for (_, t, ttl) in breakpoints.iter().filter(|(_, t, _)| *t > read) {
                if *ttl == CacheTtl::OneHour {
                    one_hour += t - previous;
                }
                previous = *t;
            }
            one_hour
        };
        for (h, t, ttl) in &breakpoints {
            if *t >= minimum {
                cache.insert((req.model.clone(), *h), now + ttl.duration());
            }
        }
        let read = if read >= minimum { read } else { 0 };
        Usage {
            input_tokens: total - read - created,
            output_tokens,
            cache_read_input_tokens: read,
            cache_creation_input_tokens: created,
            cache_creation_1h_input_tokens: created_1h,
            web_search_requests: 0,
        }
    }
}

/// The prompt's estimated length in tokens, counted as the usage figures
/// count it (tools, system, messages; ~4 characters a token): deterministic,
/// so a context limit holds at the same length on every run.
pub(crate) fn prompt_tokens(req: &ModelRequest) -> u64 {
    let blocks = req
        .system
        .iter()
        .chain(req.messages.iter().flat_map(|m| &m.content));
    200 * req.tools.len() as u64 + blocks.map(Block::estimated_tokens).sum::<u64>() + 8
}

/// Minimum cacheable prompt length per model (Anthropic's prompt-caching docs:
/// 1024 tokens for Sonnet, 4096 for Opus 4.5+ and Haiku 4.5).
fn min_cacheable_tokens(model: &str) -> u64 {
    if model.contains("sonnet") { 1024 } else { 4096 }
}

fn block_type(b: Option<&Block>) -> &'static str {
    match b {
        Some(Block::Text { .. }) => "text",
        Some(Block::Image { .. }) => "image",
        Some(Block::Document { .. }) => "document",
        Some(Block::ToolUse { .. }) => "tool_use",
        Some(Block::ToolResult { .. }) => "tool_result",
        Some(Block::Thinking { .. }) => "thinking",
        Some(Block::RedactedThinking { .. }) => "redacted_thinking",
        Some(Block::ToolReference { .. }) => "tool_reference",
        None => "nothing",
    }
}

/// The text of the last user turn's own words: its last text block that is
/// not a `<system-reminder>` the CLI adds.
fn last_user_text(req: &ModelRequest) -> String {
    let Some(m) = req.messages.iter().rev().find(|m| m.role == Role::User) else {
        return String::new();
    };
    m.content
        .iter()
        .filter_map(|b| match b {
            Block::Text { text, .. } if !text.trim_start().starts_with("<system-reminder>") => {
                Some(text.as_str())
            }
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn summarize(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(120).collect()
}

/// The script proper: what a cooperative model answers.
fn script(req: &ModelRequest) -> (Vec<OutBlock>, StopReason) {
    let last = req.messages.last().expect("checked non-empty");
    let text_of = |blocks: &[Block]| -> String {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    };

    if let Some(text) = document_answer(last) {
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }

    // A compaction request carries the turn's tool results too: summarise.
    if let Some(text) = crate::model::compaction::summary(req, &last_user_text(req)) {
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }

    // A deferred tool asked for: search, then call (crate::rules::tool_search).
    if let Some(step) = crate::rules::tool_search::step(req) {
        return step;
    }

    // A tool result came back: answer by quoting it.
    if let Some(Block::ToolResult {
        content,
        is_error,
        tool_use_id,
        ..
    }) = last
        .content
        .iter()
        .find(|b| matches!(b, Block::ToolResult { .. }))
    {
        let result = text_of(content);
        // A web search's results: a model summarises them, and a line the
        // user asked to quote is quoted (found however far down it is).
        if !*is_error {
            if let Some(line) = asked_line(req).and_then(|prefix| {
                result
                    .lines()
                    .map(str::trim)
                    .find(|l| l.starts_with(&prefix))
                    .map(str::to_owned)
            }) {
                return (vec![OutBlock::Text { text: line }], StopReason::EndTurn);
            }
            if called_tool(req, tool_use_id)
                .is_some_and(|n| n.to_lowercase().contains("web_search"))
            {
                return (
                    vec![OutBlock::Text {
                        text: format!("The search found:\n{}", result.trim()),
                    }],
                    StopReason::EndTurn,
                );
            }
        }
        let first = result.lines().next().unwrap_or("").trim();
        let text = if *is_error {
            format!("The tool failed: {first}")
        } else {
            format!("The command printed: {first}")
        };
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }

    // An image: report its dominant colour.
    let image = req
        .messages
        .iter()
        .rev()
        .find(|m| m.role == Role::User)
        .and_then(|m| {
            m.content.iter().find_map(|b| match b {
                Block::Image {
                    media_type, data, ..
                } => Some((media_type.clone(), data.clone())),
                _ => None,
            })
        });
    if let Some((media_type, data)) = image {
        let text = match crate::wire::image::dominant_colour(&media_type, &data) {
            Ok(colour) => {
                format!("The image is a solid {colour} square. Its dominant colour is {colour}.")
            }
            Err(e) => format!("I could not read the image: {e}"),
        };
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }

    let prompt = last_user_text(req);
    let lower = prompt.to_lowercase();

    // A search the prompt asks for, with a search tool offered as a custom
    // tool (LiteLLM's websearch interception offers `litellm_web_search`).
    if crate::rules::web_search::asks_to_search(&prompt)
        && let Some(tool) = req
            .tools
            .iter()
            .find(|t| t.name.to_lowercase().contains("web_search") && !t.input_schema.is_null())
    {
        return (
            vec![OutBlock::ToolUse {
                id: format!("toolu_sim{:016x}", fastrand::u64(..)),
                name: tool.name.clone(),
                input: json!({"query": crate::rules::web_search::query_of(&prompt)}),
            }],
            StopReason::ToolUse,
        );
    }

    // "use the Bash tool to run `echo X`" (only when the tool is offered).
    if let Some(name) = requested_tool(&lower, &crate::rules::tool_search::visible(req)) {
        let command = backticked(&prompt).unwrap_or_else(|| "echo hello".to_owned());
        let id = format!("toolu_sim{:016x}", fastrand::u64(..));
        let input = match name.as_str() {
            "Bash" => {
                json!({"command": command, "description": "Run the command the user asked for"})
            }
            "Read" => json!({"file_path": command}),
            "Write" => write_input(&prompt),
            // WebFetch hands the page and this prompt to the small fast
            // model: ask it the user's own question about the page.
            "WebFetch" => json!({"url": command, "prompt": prompt}),
            "WebSearch" => json!({"query": command}),
            _ => {
                let schema = req
                    .tools
                    .iter()
                    .find(|t| t.name == name)
                    .map(|t| &t.input_schema);
                crate::rules::structured::instance(schema.unwrap_or(&Value::Null), &command)
            }
        };
        return (
            vec![
                OutBlock::Text {
                    text: format!("I'll use the {name} tool."),
                },
                OutBlock::ToolUse { id, name, input },
            ],
            StopReason::ToolUse,
        );
    }

    // "quote the line that starts with "X"": the last such line of the turn.
    if let Some(text) = quoted_line(&prompt) {
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }
    // ... or from what the conversation holds (a compaction summary).
    if let Some(text) =
        quote_prefix(&prompt).and_then(|p| crate::model::compaction::recalled_line(req, p))
    {
        return (vec![OutBlock::Text { text }], StopReason::EndTurn);
    }

    // "count from A to B"
    if let Some((a, b)) = count_range(&lower) {
        let numbers: Vec<String> = (a..=b).map(|n| n.to_string()).collect();
        return (
            vec![OutBlock::Text {
                text: numbers.join(" "),
            }],
            StopReason::EndTurn,
        );
    }

    // "reply with exactly `X`"
    if let Some(token) = backticked(&prompt) {
        return (vec![OutBlock::Text { text: token }], StopReason::EndTurn);
    }

    (
        vec![OutBlock::Text {
            text: "Hello! How can I help?".into(),
        }],
        StopReason::EndTurn,
    )
}

/// A PDF in the last turn (at its top level, or in a tool result as the
/// CLI's Read tool sends one): the model reads it and quotes its text.
fn document_answer(last: &Message) -> Option<String> {
    let pdf = last.content.iter().find_map(|b| match b {
        Block::Document { data, .. } => Some(data),
        Block::ToolResult { content, .. } => content.iter().find_map(|c| match c {
            Block::Document { data, .. } => Some(data),
            _ => None,
        }),
        _ => None,
    })?;
    Some(match crate::wire::document::pdf_text(pdf) {
        Ok(text) => format!("The document says: {}", summarize(&text)),
        Err(e) => format!("I could not read the document: {e}"),
    })
}

/// The prefix of a line the conversation's user asked to have quoted
/// (`quote the line that starts with "X"`), from the latest user turn that
/// asks it.
fn asked_line(req: &ModelRequest) -> Option<String> {
    const ASK: &str = "quote the line that starts with \"";
    req.messages
        .iter()
        .rev()
        .filter(|m| m.role == Role::User)
        .flat_map(|m| m.content.iter())
        .find_map(|b| match b {
            Block::Text { text, .. } if !text.trim_start().starts_with("<system-reminder>") => {
                let at = text.to_lowercase().find(ASK)? + ASK.len();
                let len = text[at..].find('"')?;
                Some(text[at..at + len].to_owned())
            }
            _ => None,
        })
}

/// The name of the tool the assistant called with `id`.
fn called_tool<'a>(req: &'a ModelRequest, id: &str) -> Option<&'a str> {
    req.messages
        .iter()
        .flat_map(|m| m.content.iter())
        .find_map(|b| match b {
            Block::ToolUse { id: i, name, .. } if i == id => Some(name.as_str()),
            _ => None,
        })
}

/// `quote the line that starts with "X"` (the prefix in double quotes): the
/// last line of the text that starts with it, found however long the text.
fn quoted_line(prompt: &str) -> Option<String> {
    let prefix = quote_prefix(prompt)?;
    prompt
        .lines()
        .rev()
        .find(|l| l.starts_with(prefix))
        .map(|l| l.trim().to_owned())
}

/// The `X` of `quote the line that starts with "X"`.
fn quote_prefix(prompt: &str) -> Option<&str> {
    const ASK: &str = "quote the line that starts with \"";
    let at = prompt.to_lowercase().find(ASK)? + ASK.len();
    Some(&prompt[at..at + prompt[at..].find('"')?])
}

/// The Write tool's input for "use the Write tool to create the file
/// `PATH` containing the line `LINE` repeated N times": that many lines.
fn write_input(prompt: &str) -> Value {
    let mut ticked = prompt.split('`').skip(1).step_by(2).map(str::trim);
    let path = ticked.next().unwrap_or("out.txt");
    let line = ticked.next().unwrap_or("hello");
    let lower = prompt.to_lowercase();
    let times = lower
        .find("repeated ")
        .and_then(|i| {
            lower[i + "repeated ".len()..]
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse::<usize>().ok())
        })
        .unwrap_or(1)
        .min(10_000);
    json!({"file_path": path, "content": format!("{line}\n").repeat(times)})
}

fn requested_tool(lower_prompt: &str, tools: &[ToolDef]) -> Option<String> {
    tools
        .iter()
        .find(|t| lower_prompt.contains(&format!("use the {} tool", t.name.to_lowercase())))
        .or_else(|| shortened_tool(lower_prompt, tools))
        .map(|t| t.name.clone())
}

/// The tool the prompt names when the request carries it under a shortened
/// name: a gateway that must fit a long name (an MCP tool's
/// `mcp__<server>__<tool>`) into a provider's limit (Bedrock Converse's 64
/// characters) cuts it and may add a hash suffix, and maps the model's call
/// back. A real model picks that tool; so does this one, when the offered
/// name and the asked one share a prefix of at least 32 characters (far more
/// than any two distinct tools of a request share).
fn shortened_tool<'a>(lower_prompt: &str, tools: &'a [ToolDef]) -> Option<&'a ToolDef> {
    const ASK: &str = "use the ";
    let at = lower_prompt.find(ASK)? + ASK.len();
    let asked = lower_prompt[at..].split_whitespace().next()?;
    tools.iter().find(|t| {
        let name = t.name.to_lowercase();
        name.len() < asked.len()
            && name
                .bytes()
                .zip(asked.bytes())
                .take_while(|(a, b)| a == b)
                .count()
                >= 32
    })
}

fn backticked(text: &str) -> Option<String> {
    let start = text.find('`')? + 1;
    let len = text[start..].find('`')?;
    let inner = text[start..start + len].trim();
    (!inner.is_empty()).then(|| inner.to_owned())
}

fn count_range(lower: &str) -> Option<(u32, u32)> {
    let rest = &lower[lower.find("count from ")? + "count from ".len()..];
    let mut words = rest
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty());
    let a: u32 = words.next()?.parse().ok()?;
    if words.next()? != "to" {
        return None;
    }
    let b: u32 = words.next()?.parse().ok()?;
    (a <= b && b - a <= 1000).then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shortened_tool_name_is_the_tool_the_prompt_asked_for() {
        let tool = |name: &str| ToolDef {
            name: name.into(),
            input_schema: json!({"type": "object"}),
            cache: None,
            deferred: false,
        };
        let tools = vec![
            tool("Bash"),
            tool("mcp__compat-matrix-fixtures__file_support_ticket_with_s_c222b91e"),
        ];
        let prompt = "use the mcp__compat-matrix-fixtures__file_support_ticket_with_structured_priority_and_tags tool to file it";
        assert_eq!(
            requested_tool(prompt, &tools).as_deref(),
            Some("mcp__compat-matrix-fixtures__file_support_ticket_with_s_c222b91e")
        );
        assert_eq!(requested_tool("use the bash2 tool", &tools), None);
    }

    fn user(text: &str) -> Message {
        Message {
            role: Role::User,
            content: vec![Block::text(text)],
        }
    }

    fn request(messages: Vec<Message>) -> ModelRequest {
        ModelRequest {
            model: "claude-sonnet-4-6".into(),
            messages,
            ..Default::default()
        }
    }

    fn text(resp: &ModelResponse) -> String {
        resp.content
            .iter()
            .filter_map(|b| match b {
                OutBlock::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn replies_with_the_backticked_token() {
        let m = ScriptedModel::new();
        let r = m
            .respond(&request(vec![user(
                "Reply with exactly `PONG-42` and nothing else.",
            )]))
            .unwrap();
        assert_eq!(text(&r), "PONG-42");
        assert_eq!(r.stop_reason, StopReason::EndTurn);
    }

    #[test]
    fn quotes_the_line_asked_for_and_reads_pdfs() {
        let m = ScriptedModel::new();
        let log = format!(
            "Quote the line that starts with \"The final code is\" please.\n{}The final code is c-9\n",
            "noise\n".repeat(1000)
        );
        assert_eq!(
            text(&m.respond(&request(vec![user(&log)])).unwrap()),
            "The final code is c-9"
        );
        let pdf = crate::wire::document::pdf_with_text(&["The code is d-7"]);
        let r = m
            .respond(&request(vec![Message {
                role: Role::User,
                content: vec![
                    Block::Document {
                        data: pdf,
                        cache: None,
                    },
                    Block::text("What does it say?"),
                ],
            }]))
            .unwrap();
        assert!(text(&r).contains("The code is d-7"), "{}", text(&r));
    }

    #[test]
    fn counts() {
        let m = ScriptedModel::new();
        let r = m
            .respond(&request(vec![user(
                "Count from 1 to 5, separated by spaces.",
            )]))
            .unwrap();
        assert_eq!(text(&r), "1 2 3 4 5");
    }

    #[test]
    fn summarises_a_compaction_request_and_answers_from_the_summary() {
        let m = ScriptedModel::new();
        // The CLI's `/compact` request: the turn's tool result and the
        // summary instruction in the last user turn (captured, 2.1.331).
        let compact = request(vec![
            user("Use the Bash tool to run `echo ctx-n0nce`"),
            Message {
                role: Role::Assistant,
                content: vec![Block::ToolUse {
                    id: "toolu_1".into(),
                    name: "Bash".into(),
                    input: json!({"command": "echo ctx-n0nce"}),
                    cache: None,
                }],
            },
            Message {
                role: Role::User,
                content: vec![
                    Block::ToolResult {
                        tool_use_id: "toolu_1".into(),
                        content: vec![Block::text("ctx-n0nce")],
                        is_error: false,
                        cache: None,
                    },
                    Block::text(
                        "Your task is to create a detailed summary of the conversation so far.",
                    ),
                ],
            },
        ]);
        let summary = text(&m.respond(&compact).unwrap());
        assert!(
            summary.contains("<summary>") && summary.contains("ctx-n0nce"),
            "{summary}"
        );

        let continued = request(vec![
            user(&format!(
                "This session is being continued from a previous conversation.\n{summary}"
            )),
            Message {
                role: Role::Assistant,
                content: vec![Block::text("Done.")],
            },
            user("Quote the line that starts with \"ctx-\" from the earlier output."),
        ]);
        assert_eq!(text(&m.respond(&continued).unwrap()), "ctx-n0nce");
    }

    #[test]
    fn calls_a_tool_only_when_offered_and_quotes_its_result() {
        let m = ScriptedModel::new();
        let prompt = "Use the Bash tool to run `echo n0nce` and tell me what it printed.";
        let r = m.respond(&request(vec![user(prompt)])).unwrap();
        assert_eq!(r.stop_reason, StopReason::EndTurn, "no tools offered");

        let mut req = request(vec![user(prompt)]);
        req.tools = vec![ToolDef {
            name: "Bash".into(),
            input_schema: json!({"type": "object"}),
            cache: None,
            deferred: false,
        }];
        let r = m.respond(&req).unwrap();
        assert_eq!(r.stop_reason, StopReason::ToolUse);
        let (id, input) = match &r.content[1] {
            OutBlock::ToolUse { id, name, input } if name == "Bash" => (id.clone(), input.clone()),
            other => panic!("{other:?}"),
        };
        assert_eq!(input["command"], "echo n0nce");

        req.messages.push(Message {
            role: Role::Assistant,
            content: vec![Block::ToolUse {
                id: id.clone(),
                name: "Bash".into(),
                input,
                cache: None,
            }],
        });
        req.messages.push(Message {
            role: Role::User,
            content: vec![Block::ToolResult {
                tool_use_id: id,
                content: vec![Block::text("n0nce\n")],
                is_error: false,
                cache: None,
            }],
        });
        let r = m.respond(&req).unwrap();
        assert_eq!(text(&r), "The command printed: n0nce");
    }

    #[test]
    fn fetches_with_the_users_question_and_answers_the_summarising_call() {
        let m = ScriptedModel::new();
        let prompt = "Use the WebFetch tool to fetch `http://127.0.0.1:1/n.html` and quote the line \
                      that starts with \"The code is\".";
        let mut req = request(vec![user(prompt)]);
        req.tools = vec![ToolDef {
            name: "WebFetch".into(),
            input_schema: json!({"type": "object"}),
            cache: None,
            deferred: false,
        }];
        let r = m.respond(&req).unwrap();
        let input = match &r.content[1] {
            OutBlock::ToolUse { name, input, .. } if name == "WebFetch" => input.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(input["url"], "http://127.0.0.1:1/n.html");
        assert_eq!(input["prompt"], prompt);
        // The CLI's summarising request to the small fast model (captured
        // from claude 2.1.331): the page as markdown, then the tool's prompt.
        let summarising = format!(
            "\nWeb page content:\n---\nTrial n\n\nThe code is wf-1\n---\n\n{prompt}\n\nProvide a \
             concise response based only on the content above."
        );
        let r = m.respond(&request(vec![user(&summarising)])).unwrap();
        assert_eq!(text(&r), "The code is wf-1");
    }

    #[test]
    fn writes_the_requested_lines() {
        let input = write_input(
            "Use the Write tool to create the file `/tmp/x/a.txt` containing the line `L-1` repeated 3 times.",
        );
        assert_eq!(
            input,
            json!({"file_path": "/tmp/x/a.txt", "content": "L-1\nL-1\nL-1\n"})
        );
    }

    #[test]
    fn thinking_signatures_are_checked() {
        let m = ScriptedModel::new();
        let mut req = request(vec![user("Reply with exactly `A`.")]);
        req.thinking = Thinking::Budget(1024);
        let r = m.respond(&req).unwrap();
        let OutBlock::Thinking {
            thinking,
            signature,
        } = r.content[0].clone()
        else {
            panic!()
        };

        let follow_up = |thinking: String, signature: String| {
            let mut next = req.clone();
            next.messages.push(Message {
                role: Role::Assistant,
                content: vec![
                    Block::Thinking {
                        thinking,
                        signature,
                    },
                    Block::text("A"),
                ],
            });
            next.messages.push(user("Again."));
            m.respond(&next)
        };
        follow_up(thinking.clone(), signature.clone()).unwrap();
        let e = follow_up(format!("{thinking} (edited)"), signature).unwrap_err();
        assert!(e.message.contains("Invalid `signature`"), "{}", e.message);
    }

    #[test]
    fn thinking_must_lead_a_tool_turn() {
        let m = ScriptedModel::new();
        let mut req = request(vec![user("go")]);
        req.thinking = Thinking::Adaptive;
        req.messages.push(Message {
            role: Role::Assistant,
            content: vec![Block::ToolUse {
                id: "t1".into(),
                name: "Bash".into(),
                input: json!({}),
                cache: None,
            }],
        });
        req.messages.push(Message {
            role: Role::User,
            content: vec![Block::ToolResult {
                tool_use_id: "t1".into(),
                content: vec![],
                is_error: false,
                cache: None,
            }],
        });
        let e = m.respond(&req).unwrap_err();
        assert!(
            e.message.contains("must start with a thinking block"),
            "{}",
            e.message
        );
    }

    #[test]
    fn cache_creation_then_read_only_with_markers() {
        let m = ScriptedModel::new();
        let long = "x".repeat(20_000);
        let mut req = request(vec![user("Reply with exactly `A`.")]);
        req.system = vec![Block::Text {
            text: long.clone(),
            cache: Some(CacheTtl::FiveMinutes),
        }];
        let first = m.respond(&req).unwrap().usage;
        assert!(first.cache_creation_input_tokens > 1024, "{first:?}");
        assert_eq!(first.cache_read_input_tokens, 0);
        let second = m.respond(&req).unwrap().usage;
        assert!(second.cache_read_input_tokens > 1024, "{second:?}");

        let mut unmarked = req.clone();
        unmarked.system = vec![Block::text(long)];
        let u = m.respond(&unmarked).unwrap().usage;
        assert_eq!(
            (u.cache_read_input_tokens, u.cache_creation_input_tokens),
            (0, 0)
        );
    }

    #[test]
    fn a_one_hour_write_is_reported_in_the_one_hour_bucket() {
        let m = ScriptedModel::new();
        let mut req = request(vec![user("Reply with exactly `A`.")]);
        req.system = vec![
            Block::Text {
                text: "x".repeat(20_000),
                cache: Some(CacheTtl::OneHour),
            },
            Block::Text {
                text: "y".repeat(8_000),
                cache: Some(CacheTtl::FiveMinutes),
            },
        ];
        let u = m.respond(&req).unwrap().usage;
        assert!(u.cache_creation_1h_input_tokens >= 5000, "{u:?}");
        assert!(u.cache_creation_5m_input_tokens() >= 2000, "{u:?}");
        let again = m.respond(&req).unwrap().usage;
        assert_eq!(again.cache_creation_input_tokens, 0, "{again:?}");
        assert_eq!(
            again.cache_read_input_tokens, u.cache_creation_input_tokens,
            "{again:?}"
        );
    }

    #[test]
    fn roles_must_alternate() {
        let m = ScriptedModel::new();
        let e = m.respond(&request(vec![user("a"), user("b")])).unwrap_err();
        assert!(e.message.contains("roles must alternate"), "{}", e.message);
    }
}
