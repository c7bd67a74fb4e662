//! [`Provider`]: a column of the matrix, the same in sim and live mode.

/// A provider column of the matrix (manifest.yaml `providers`). The routing
/// table (`gateway::routing`) says how LiteLLM reaches it; compat-tests maps
/// it to the simulator that stands in for it in sim mode.
///
/// Adding one: a variant here and in `ALL`, its manifest id in `id`, then
/// follow the compiler through every `match` (routing, the simulator mapping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Provider {
    Anthropic,
    BedrockInvoke,
    BedrockConverse,
    VertexAi,
    Azure,
    /// The CLI in its native Bedrock mode (`CLAUDE_CODE_USE_BEDROCK`) at
    /// LiteLLM's `/bedrock` pass-through, which signs for Bedrock Invoke.
    BedrockPassthrough,
    /// The CLI in its native Vertex mode (`CLAUDE_CODE_USE_VERTEX`) at
    /// LiteLLM's `/vertex_ai` pass-through.
    VertexPassthrough,
    /// The CLI in its native Foundry mode (`CLAUDE_CODE_USE_FOUNDRY`) at
    /// LiteLLM's `/azure_ai` pass-through.
    AzurePassthrough,
    /// Amazon Bedrock Mantle's Anthropic endpoint (LiteLLM `bedrock_mantle/`).
    BedrockMantle,
    /// Anthropic through LiteLLM's opt-in Rust `/v1/messages` (`LITELLM_RUST=true`).
    AnthropicRustPath,
    /// Vertex AI through LiteLLM's opt-in Rust `/v1/messages` (`LITELLM_RUST=true`).
    VertexAiRustPath,
}

impl Provider {
    pub const ALL: [Provider; 11] = [
        Provider::Anthropic,
        Provider::BedrockInvoke,
        Provider::BedrockConverse,
        Provider::VertexAi,
        Provider::Azure,
        Provider::BedrockPassthrough,
        Provider::VertexPassthrough,
        Provider::AzurePassthrough,
        Provider::BedrockMantle,
        Provider::AnthropicRustPath,
        Provider::VertexAiRustPath,
    ];

    /// The manifest's provider id (also the case file name in compat-tests).
    pub fn id(self) -> &'static str {
        match self {
            Provider::Anthropic => "anthropic",
            Provider::BedrockInvoke => "bedrock_invoke",
            Provider::BedrockConverse => "bedrock_converse",
            Provider::VertexAi => "vertex_ai",
            Provider::Azure => "azure",
            Provider::BedrockPassthrough => "bedrock_passthrough",
            Provider::VertexPassthrough => "vertex_passthrough",
            Provider::AzurePassthrough => "azure_passthrough",
            Provider::BedrockMantle => "bedrock_mantle",
            Provider::AnthropicRustPath => "anthropic_rust_path",
            Provider::VertexAiRustPath => "vertex_ai_rust_path",
        }
    }

    /// For a pass-through column, the provider whose wire API the CLI speaks
    /// natively and the gateway forwards (Bedrock Invoke, Vertex, Foundry);
    /// None for a column the CLI reaches on the gateway's `/v1/messages`.
    pub fn passthrough_of(self) -> Option<Provider> {
        match self {
            Provider::BedrockPassthrough => Some(Provider::BedrockInvoke),
            Provider::VertexPassthrough => Some(Provider::VertexAi),
            Provider::AzurePassthrough => Some(Provider::Azure),
            _ => None,
        }
    }

    /// The gateway route prefix a pass-through column's CLI must use (what
    /// the harness checks each of a trial's requests entered by).
    pub fn passthrough_route(self) -> Option<&'static str> {
        match self {
            Provider::BedrockPassthrough => Some("/bedrock/"),
            Provider::VertexPassthrough => Some("/vertex_ai/"),
            Provider::AzurePassthrough => Some("/azure_ai/"),
            _ => None,
        }
    }

    /// The column whose LiteLLM route and upstream this one shares: a Rust-path
    /// column runs the same route to the same provider, only through LiteLLM's
    /// Rust implementation of `/v1/messages`. Every other column is its own.
    pub fn route_of(self) -> Provider {
        match self {
            Provider::AnthropicRustPath => Provider::Anthropic,
            Provider::VertexAiRustPath => Provider::VertexAi,
            p => p,
        }
    }

    /// Whether this column runs LiteLLM's opt-in Rust `/v1/messages`
    /// (litellm/rust_bridge/, switched on by `LITELLM_RUST`).
    pub fn rust_path(self) -> bool {
        self.route_of() != self
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for p in Provider::ALL {
            assert_eq!(Provider::from_id(p.id()), Some(p));
        }
        assert_eq!(Provider::from_id("openai"), None);
    }
}
