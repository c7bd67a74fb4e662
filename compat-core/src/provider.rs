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
}

impl Provider {
    pub const ALL: [Provider; 5] = [
        Provider::Anthropic,
        Provider::BedrockInvoke,
        Provider::BedrockConverse,
        Provider::VertexAi,
        Provider::Azure,
    ];

    /// The manifest's provider id (also the case file name in compat-tests).
    pub fn id(self) -> &'static str {
        match self {
            Provider::Anthropic => "anthropic",
            Provider::BedrockInvoke => "bedrock_invoke",
            Provider::BedrockConverse => "bedrock_converse",
            Provider::VertexAi => "vertex_ai",
            Provider::Azure => "azure",
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
