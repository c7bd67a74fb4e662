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
}

impl Provider {
    pub const ALL: [Provider; 8] = [
        Provider::Anthropic,
        Provider::BedrockInvoke,
        Provider::BedrockConverse,
        Provider::VertexAi,
        Provider::Azure,
        Provider::BedrockPassthrough,
        Provider::VertexPassthrough,
        Provider::AzurePassthrough,
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
