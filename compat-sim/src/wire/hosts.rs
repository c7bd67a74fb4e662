//! The providers' real host names: what each simulator answers as when it
//! stands behind the intercepting front (`crate::front`) in a rehearsal,
//! and what the front lets a client tunnel to.

use super::api::Api;
use super::creds::Credentials;

/// Google's OAuth token endpoint host (a service-account file's `token_uri`
/// is `https://oauth2.googleapis.com/token`).
pub const GOOGLE_TOKEN_HOST: &str = "oauth2.googleapis.com";

/// Tavily's API host (`https://api.tavily.com/search`).
pub const TAVILY_HOST: &str = "api.tavily.com";

/// OpenAI's API host (`https://api.openai.com/v1`, the openai SDK's and
/// LiteLLM's default base).
pub const OPENAI_HOST: &str = "api.openai.com";

/// An Azure OpenAI resource's host, as Microsoft names it:
/// `{resource}.openai.azure.com`
/// (https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference).
pub fn azure_openai_host(resource: &str) -> String {
    format!("{resource}.openai.azure.com")
}

/// The Vertex AI API host for a location, as Google names its service
/// endpoints: `{location}-aiplatform.googleapis.com` for a region,
/// `aiplatform.googleapis.com` for `global`, `aiplatform.{geo}.rep.googleapis.com`
/// for a multi-region (https://cloud.google.com/vertex-ai/docs/reference/rest#service-endpoint,
/// https://cloud.google.com/vertex-ai/generative-ai/docs/learn/locations).
/// LiteLLM's `get_vertex_base_url` follows the same rules.
pub fn vertex_host(location: &str) -> String {
    if location == "global" {
        "aiplatform.googleapis.com".to_owned()
    } else if !location.contains('-') {
        format!("aiplatform.{location}.rep.googleapis.com")
    } else {
        format!("{location}-aiplatform.googleapis.com")
    }
}

/// The real host of `api` for these credentials: `api.anthropic.com`;
/// `bedrock-runtime.<region>.amazonaws.com` (Invoke and Converse: one
/// service); `bedrock-mantle.<region>.api.aws`;
/// `aws-external-anthropic.<region>.api.aws` (Claude Platform on AWS); the Vertex host of the
/// location ([`vertex_host`]); the Foundry resource's host (`None` when the
/// credentials name none, as sim mode's do); `api.openai.com`; the Azure
/// OpenAI resource's host ([`azure_openai_host`]).
pub fn real_host(api: Api, creds: &Credentials) -> Option<String> {
    let region = &creds.aws.region;
    match api {
        Api::Anthropic => Some("api.anthropic.com".to_owned()),
        Api::BedrockInvoke | Api::BedrockConverse => {
            Some(format!("bedrock-runtime.{region}.amazonaws.com"))
        }
        Api::BedrockMantle => Some(format!("bedrock-mantle.{region}.api.aws")),
        // anthropic `lib/aws/_credentials.py` `resolve_base_url`.
        Api::ClaudePlatformAws => Some(format!("aws-external-anthropic.{region}.api.aws")),
        Api::VertexAi => Some(vertex_host(&creds.vertex.location)),
        Api::Azure => creds.foundry_resource_host.clone(),
        Api::OpenAi => Some(OPENAI_HOST.to_owned()),
        Api::AzureOpenAi => Some(azure_openai_host(&creds.azure_openai_resource)),
    }
}

/// Every host `api`'s simulator answers as: [`real_host`], plus
/// [`GOOGLE_TOKEN_HOST`] for Vertex (its simulator serves the token
/// exchange too). These are the routes a front listener sends to it.
pub fn real_hosts(api: Api, creds: &Credentials) -> Vec<String> {
    let mut hosts: Vec<String> = real_host(api, creds).into_iter().collect();
    if api == Api::VertexAi {
        hosts.push(GOOGLE_TOKEN_HOST.to_owned());
    }
    hosts
}

/// A `Host` header's host name: lower-cased, without a `:443` port (what
/// an HTTPS client sends for the default port may or may not carry it).
pub(crate) fn host_name(header: &str) -> String {
    let h = header.trim().to_ascii_lowercase();
    h.strip_suffix(":443").map(str::to_owned).unwrap_or(h)
}
