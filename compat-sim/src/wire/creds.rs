//! Credentials the simulators accept.
//!
//! They are fake and local; the gateway's generated config carries them, so a
//! request that reaches a simulator without them proves the gateway dropped
//! or mangled auth.

pub const ANTHROPIC_API_KEY: &str = "sk-ant-sim-upstream-key";
pub const AZURE_API_KEY: &str = "sim-azure-api-key";
pub const AWS_ACCESS_KEY_ID: &str = "AKIASIMULATOR0000000";
pub const AWS_SECRET_ACCESS_KEY: &str = "simulatorsecretaccesskey0000000000000000";
pub const AWS_REGION: &str = "us-east-1";
pub const VERTEX_PROJECT: &str = "sim-project";
pub const VERTEX_LOCATION: &str = "us-east5";
/// The OAuth access token the simulated Google token endpoint issues.
pub const VERTEX_ACCESS_TOKEN: &str = "ya29.sim-access-token";
/// The Amazon Bedrock API key the Mantle simulator accepts (sent as
/// `Authorization: Bearer <key>`); SigV4 with the AWS keys above works too.
pub const BEDROCK_MANTLE_API_KEY: &str = "ABSKsim-bedrock-mantle-api-key";
/// The Tavily API key the Tavily simulator accepts (`crate::providers::tavily`): a
/// placeholder in Tavily's `tvly-` form, no secret.
pub const TAVILY_API_KEY: &str = "tvly-sim-placeholder-key";
