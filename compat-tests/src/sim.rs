//! Sim mode's side of a matrix column: which simulator stands in for each
//! [`Provider`] and the fake credentials the proxy config gives it. The one
//! place that knows both compat-core's providers and compat-sim's APIs
//! (compat-sim knows nothing of the matrix).

use compat_core::gateway::routing::SimCredentials;
use compat_matrix::provider::Provider;
use compat_sim::{Api, creds};

/// The simulated API that stands in for a provider in sim mode. A
/// pass-through column shares its native provider's simulator: the wire the
/// provider receives is the same; what tells the columns apart is the route
/// the CLI took into the gateway (the tap's record, checked by the harness).
pub fn api(p: Provider) -> Api {
    match p {
        Provider::BedrockPassthrough => Api::BedrockInvoke,
        Provider::VertexPassthrough => Api::VertexAi,
        Provider::AzurePassthrough => Api::Azure,
        Provider::Anthropic => Api::Anthropic,
        Provider::BedrockInvoke => Api::BedrockInvoke,
        Provider::BedrockConverse => Api::BedrockConverse,
        Provider::VertexAi => Api::VertexAi,
        Provider::Azure => Api::Azure,
        Provider::BedrockMantle => Api::BedrockMantle,
        // Same route, same upstream: only LiteLLM's implementation differs.
        Provider::AnthropicRustPath => Api::Anthropic,
        Provider::VertexAiRustPath => Api::VertexAi,
    }
}

/// The Vertex AI host Google serves the simulator's location from: the
/// `Host` the Vertex pass-through's requests reach the simulator with,
/// through Google's TLS front (`compat_sim::google_front`).
pub fn vertex_host() -> String {
    compat_sim::google_front::vertex_host(creds::VERTEX_LOCATION)
}

/// The credentials the simulators accept, for the routing table.
pub const CREDENTIALS: SimCredentials<'static> = SimCredentials {
    anthropic_api_key: creds::ANTHROPIC_API_KEY,
    azure_api_key: creds::AZURE_API_KEY,
    bedrock_mantle_api_key: creds::BEDROCK_MANTLE_API_KEY,
    aws_access_key_id: creds::AWS_ACCESS_KEY_ID,
    aws_secret_access_key: creds::AWS_SECRET_ACCESS_KEY,
    aws_region: creds::AWS_REGION,
    vertex_project: creds::VERTEX_PROJECT,
    vertex_location: creds::VERTEX_LOCATION,
    tavily_api_key: creds::TAVILY_API_KEY,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_its_own_simulator() {
        // One simulator per route; a Rust-path column shares its route's (the
        // harness tells them apart by the gateway's `x-litellm-rust` answer),
        // a pass-through column its native provider's.
        let native = |p: Provider| p.passthrough_of().unwrap_or(p).route_of();
        let routes: std::collections::BTreeSet<Provider> =
            Provider::ALL.into_iter().map(native).collect();
        let apis: std::collections::BTreeSet<Api> = Provider::ALL.into_iter().map(api).collect();
        assert_eq!(apis.len(), routes.len());
        // The record names the API; the harness matches it to the provider.
        // Only a pass-through column shares one, its native provider's.
        for p in Provider::ALL {
            assert_eq!(api(p).id(), native(p).id());
        }
    }
}
