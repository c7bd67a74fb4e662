//! [`Api`]: which real service's wire API a simulator speaks.

/// A simulated wire API. Each runs on its own 127.0.0.1 port, as each real
/// provider has its own host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Api {
    /// `POST /v1/messages` of the Anthropic API.
    Anthropic,
    /// Bedrock Runtime InvokeModel (Anthropic body, event-stream, SigV4).
    BedrockInvoke,
    /// Bedrock Runtime Converse (Converse body, event-stream, SigV4).
    BedrockConverse,
    /// Vertex AI rawPredict for Anthropic models, plus Google's OAuth token endpoint.
    VertexAi,
    /// Azure AI Foundry's Anthropic endpoint.
    Azure,
    /// Amazon Bedrock Mantle's Anthropic Messages endpoint (`/anthropic/v1/messages`).
    BedrockMantle,
    /// Claude Platform on AWS: Anthropic's Messages API at
    /// `aws-external-anthropic.{region}.api.aws`, with a workspace header.
    ClaudePlatformAws,
    /// OpenAI's API (`api.openai.com`): the Responses API (`/v1/responses`,
    /// `/v1/responses/input_tokens`) with bearer keys.
    OpenAi,
    /// Azure OpenAI (`{resource}.openai.azure.com`): the Responses API under
    /// `/openai/` with `api-version`, `api-key` auth.
    AzureOpenAi,
}

impl Api {
    pub const ALL: [Api; 9] = [
        Api::Anthropic,
        Api::BedrockInvoke,
        Api::BedrockConverse,
        Api::VertexAi,
        Api::Azure,
        Api::BedrockMantle,
        Api::ClaudePlatformAws,
        Api::OpenAi,
        Api::AzureOpenAi,
    ];

    /// The id the request record names the API by.
    pub fn id(self) -> &'static str {
        match self {
            Api::Anthropic => "anthropic",
            Api::BedrockInvoke => "bedrock_invoke",
            Api::BedrockConverse => "bedrock_converse",
            Api::VertexAi => "vertex_ai",
            Api::Azure => "azure",
            Api::BedrockMantle => "bedrock_mantle",
            Api::ClaudePlatformAws => "claude_platform_aws",
            Api::OpenAi => "openai",
            Api::AzureOpenAi => "azure_openai",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }
}
