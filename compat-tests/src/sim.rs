//! Sim mode's side of a matrix column: which simulator stands in for each
//! [`Provider`] and the fake credentials the proxy config gives it. The one
//! place that knows both compat-core's providers and compat-sim's APIs
//! (compat-sim knows nothing of the matrix).

use compat_core::gateway::routing::SimCredentials;
use compat_core::provider::Provider;
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
    }
}

/// The credentials the simulators accept, for the routing table.
pub const CREDENTIALS: SimCredentials<'static> = SimCredentials {
    anthropic_api_key: creds::ANTHROPIC_API_KEY,
    azure_api_key: creds::AZURE_API_KEY,
    aws_access_key_id: creds::AWS_ACCESS_KEY_ID,
    aws_secret_access_key: creds::AWS_SECRET_ACCESS_KEY,
    aws_region: creds::AWS_REGION,
    vertex_project: creds::VERTEX_PROJECT,
    vertex_location: creds::VERTEX_LOCATION,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wire_api_has_its_own_simulator() {
        // The record names the API; the harness matches it to the provider.
        // Only a pass-through column shares one, its native provider's.
        for p in Provider::ALL {
            match p.passthrough_of() {
                None => assert_eq!(api(p).id(), p.id()),
                Some(native) => assert_eq!(api(p), api(native)),
            }
        }
    }
}
