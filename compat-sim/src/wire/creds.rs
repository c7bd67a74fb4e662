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

/// The Vertex service account's RSA key: its private key (PKCS#8 PEM) goes
/// into the fake service-account file google-auth signs its JWT assertion
/// with, and the simulated token endpoint verifies that RS256 signature
/// against its public key, as Google's does. One key per process, made on
/// first use: a service-account file written by another process (or with
/// another key) is refused, "Invalid JWT Signature.".
pub struct ServiceAccountKey {
    /// PKCS#8 PEM, the form a service-account JSON's `private_key` holds.
    pub private_key_pem: String,
    /// The RSA public key as a SubjectPublicKeyInfo's key bits (PKCS#1
    /// `RSAPublicKey` DER), the form signature verifiers take.
    pub public_key: Vec<u8>,
}

/// This process's Vertex service-account key ([`ServiceAccountKey`]).
pub fn vertex_service_account_key() -> &'static ServiceAccountKey {
    static KEY: std::sync::OnceLock<ServiceAccountKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
            .expect("aws-lc-rs generates a 2048-bit RSA key");
        ServiceAccountKey {
            private_key_pem: pair.serialize_pem(),
            public_key: pair.public_key_raw().to_vec(),
        }
    })
}
