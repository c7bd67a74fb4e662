//! The response vocabulary: what the scripted model answers
//! ([`ModelResponse`]), before a codec frames it in its provider's dialect.

use serde_json::Value;

/// What the model answers, before a codec frames it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelResponse {
    pub content: Vec<OutBlock>,
    pub stop_reason: StopReason,
    pub usage: Usage,
    /// Stream tool input in fragments as written (the request opted in to
    /// fine-grained tool streaming), rather than buffered.
    pub eager_tool_input: bool,
    /// The answer reports no usage at all (`Fault::DropUsage`): Responses
    /// `usage: null`.
    pub usage_dropped: bool,
    /// What a GPT model's reasoning item may show (the request's
    /// [`crate::wire::request::ReasoningView`]).
    pub reasoning_view: crate::wire::request::ReasoningView,
    /// Answer in OpenAI's Chat Completions dialect (the request's
    /// `openai_chat`).
    pub openai_chat: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OutBlock {
    /// Claude's signed thinking; for a GPT model its reasoning item, the
    /// text being the reasoning summary and `signature` the item's
    /// `encrypted_content` (an opaque token the model issued, verified when
    /// replayed: `crate::model`'s `seal`). Why not a block of its own: the
    /// faults (`DropThinking`), the usage count and every encoder already
    /// handle this one, and a reasoning item is the same thing, a model's
    /// private reasoning with an opaque proof of origin.
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
    /// The part of `output_tokens` spent reasoning (Responses
    /// `output_tokens_details.reasoning_tokens`).
    pub reasoning_tokens: u64,
}

impl Usage {
    /// The five-minute part of the cache write.
    pub fn cache_creation_5m_input_tokens(&self) -> u64 {
        self.cache_creation_input_tokens - self.cache_creation_1h_input_tokens
    }
}
