//! The request vocabulary: a conversation as the scripted model sees it,
//! whatever the wire dialect ([`ModelRequest`] and its blocks), and what is
//! read off it the same way everywhere (its length in tokens, the cacheable
//! minimum, the last user turn's words).

use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// A conversation as the model sees it, whatever the wire dialect.
#[derive(Debug, Clone, Default)]
pub struct ModelRequest {
    /// The column's canonical model id, mapped by the codec from the
    /// provider's model id: a Claude id (`claude-sonnet-4-6`) or a GPT id
    /// (`gpt-5.6-terra`, [`is_gpt`]).
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
    pub web_search: Option<WebSearchTool>,
    /// OpenAI's automatic prompt caching: every block boundary of a prompt
    /// of at least 1024 tokens is a cacheable prefix, cached for 30 minutes
    /// without any marker (`crate::model`'s usage; ledger rule
    /// "openai.implicit_cache").
    pub implicit_cache: bool,
    /// What a GPT model's reasoning item shows the client (Responses
    /// `reasoning.summary`, `include: ["reasoning.encrypted_content"]`).
    pub reasoning_view: ReasoningView,
    /// The request came as OpenAI Chat Completions: the OpenAI codecs
    /// answer it in that dialect (`ModelResponse::openai_chat`), not as a
    /// Responses object.
    pub openai_chat: bool,
}

/// What a reasoning item carries back to the client (GPT models).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReasoningView {
    /// `reasoning.summary` was asked: the item carries summary text.
    pub summary: bool,
    /// `include` has `reasoning.encrypted_content`: the item carries it.
    pub encrypted: bool,
}

/// Whether `model` is one of the GPT models the OpenAI simulators serve
/// (canonical ids `gpt-…`); the rest of the crate's per-model facts are
/// Claude's.
pub fn is_gpt(model: &str) -> bool {
    model.starts_with("gpt-")
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
    /// OpenAI's default prompt-cache lifetime (`prompt_cache_breakpoint`
    /// `ttl: 30m`, and automatic caching).
    ThirtyMinutes,
    OneHour,
    /// OpenAI's extended lifetime (`ttl: 12h`, openai-python 3.63.0
    /// `PromptCacheBreakpoint`).
    TwelveHours,
}

impl CacheTtl {
    pub(crate) fn duration(self) -> Duration {
        match self {
            CacheTtl::FiveMinutes => Duration::from_secs(5 * 60),
            CacheTtl::ThirtyMinutes => Duration::from_secs(30 * 60),
            CacheTtl::OneHour => Duration::from_secs(60 * 60),
            CacheTtl::TwelveHours => Duration::from_secs(12 * 60 * 60),
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
    /// A server tool's block passed back in the history as the API returned
    /// it (`server_tool_use`, `web_search_tool_result`,
    /// `web_fetch_tool_result`, `tool_search_tool_result`): the docs say to
    /// send the assistant's content back unchanged.
    Server {
        kind: String,
        value: Value,
    },
}

impl Block {
    pub fn text(text: impl Into<String>) -> Self {
        Block::Text {
            text: text.into(),
            cache: None,
        }
    }

    pub(crate) fn cache(&self) -> Option<CacheTtl> {
        match self {
            Block::Text { cache, .. }
            | Block::Image { cache, .. }
            | Block::Document { cache, .. }
            | Block::ToolUse { cache, .. }
            | Block::ToolResult { cache, .. } => *cache,
            Block::Thinking { .. }
            | Block::RedactedThinking { .. }
            | Block::ToolReference { .. }
            | Block::Server { .. } => None,
        }
    }

    /// Puts a cache breakpoint after this block, where the block can carry
    /// one (automatic caching's breakpoint on the last cacheable block).
    pub(crate) fn set_cache(&mut self, ttl: CacheTtl) {
        match self {
            Block::Text { cache, .. }
            | Block::Image { cache, .. }
            | Block::Document { cache, .. }
            | Block::ToolUse { cache, .. }
            | Block::ToolResult { cache, .. } => *cache = Some(ttl),
            Block::Thinking { .. }
            | Block::RedactedThinking { .. }
            | Block::ToolReference { .. }
            | Block::Server { .. } => {}
        }
    }

    /// A stable rendering for prefix hashing and token estimates.
    pub(crate) fn fingerprint(&self) -> String {
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
            Block::Server { kind, value } => format!("{kind}:{value}"),
        }
    }

    pub(crate) fn estimated_tokens(&self) -> u64 {
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

/// The web search tool a request offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSearchTool {
    /// The tool's `type`, e.g. `web_search_20250305`.
    pub kind: String,
    pub max_uses: Option<u64>,
}

/// The prompt's estimated length in tokens, counted as the usage figures
/// count it (tools, system, messages; ~4 characters a token): deterministic,
/// so a context limit holds at the same length on every run. Ledger rule
/// "count_tokens.estimate".
pub(crate) fn prompt_tokens(req: &ModelRequest) -> u64 {
    let blocks = req
        .system
        .iter()
        .chain(req.messages.iter().flat_map(|m| &m.content));
    200 * req.tools.len() as u64 + blocks.map(Block::estimated_tokens).sum::<u64>() + 8
}

/// Minimum cacheable prompt length per model (Anthropic's prompt-caching docs:
/// 1024 tokens for Sonnet, 4096 for Opus 4.5+ and Haiku 4.5; OpenAI's
/// prompt caching guide: 1024 tokens for every model). Ledger rules
/// "cache.min_cacheable_tokens" and "openai.implicit_cache".
pub(crate) fn min_cacheable_tokens(model: &str) -> u64 {
    if model.contains("sonnet") || is_gpt(model) {
        1024
    } else {
        4096
    }
}

pub(crate) fn block_type(b: Option<&Block>) -> &'static str {
    match b {
        Some(Block::Text { .. }) => "text",
        Some(Block::Image { .. }) => "image",
        Some(Block::Document { .. }) => "document",
        Some(Block::ToolUse { .. }) => "tool_use",
        Some(Block::ToolResult { .. }) => "tool_result",
        Some(Block::Thinking { .. }) => "thinking",
        Some(Block::RedactedThinking { .. }) => "redacted_thinking",
        Some(Block::ToolReference { .. }) => "tool_reference",
        Some(Block::Server { .. }) => "server_tool_block",
        None => "nothing",
    }
}

/// The text of the last user turn's own words: its last text block that is
/// not a `<system-reminder>` the CLI adds.
pub(crate) fn last_user_text(req: &ModelRequest) -> String {
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
