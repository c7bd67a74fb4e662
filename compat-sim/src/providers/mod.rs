//! One folder per provider family, each a `Codec` of the pipeline: the
//! Anthropic-dialect family (Anthropic API, Vertex AI, Azure AI Foundry),
//! Bedrock Runtime (InvokeModel, Converse), Bedrock Mantle and Claude
//! Platform on AWS, OpenAI and Azure OpenAI; beside them
//! the endpoints several families share: token counting and the Tavily
//! search API served next to the Bedrock simulators.

pub(crate) mod anthropic;
pub(crate) mod bedrock;
pub(crate) mod claude_platform_aws;
pub(crate) mod count_tokens;
pub(crate) mod mantle;
pub(crate) mod openai;
pub(crate) mod tavily;
