//! The environment of live and rehearsal proxies (issue 26): the variables
//! that would move a column off its real host, scrubbed from every proxy
//! this crate starts, and the variables a rehearsal proxy gets to reach the
//! real host names through the intercepting front (its base,
//! `tls_front_env`, is also sim mode's way to the Vertex pass-through).

/// Variables LiteLLM 1.108.7 (or the clients it uses: google-auth,
/// requests, aiohttp, httpx, botocore) reads from the environment that would
/// silently change where a column's requests go, which credentials sign them
/// or which CA they trust, although the generated config does not name them.
/// Inherited from the operator's shell, any of them could make a live run
/// measure another host, or a rehearsal pass by redirect instead of by
/// interception. Every proxy and launcher this crate starts is started
/// without them ([`crate::gateway::Gateway::start`],
/// [`crate::gateway::prefork::Launcher::start`]); a spec's own environment
/// is applied after the removal, so a rehearsal (or sim's Vertex
/// pass-through front) sets its own proxy and CA.
///
/// Evidence, under the LiteLLM 1.108.7 tree (site-packages/litellm/):
/// - hosts: `ANTHROPIC_API_BASE`, `ANTHROPIC_BASE_URL`
///   (llms/anthropic/common_utils.py `get_api_base`); `ANTHROPIC_AWS_BASE_URL`,
///   `ANTHROPIC_AWS_API_BASE` (llms/bedrock/claude_platform/common_utils.py);
///   `AWS_BEDROCK_RUNTIME_ENDPOINT` (llms/bedrock/base_aws_llm.py
///   `get_runtime_endpoint`); `BEDROCK_MANTLE_API_BASE`
///   (llms/bedrock_mantle/messages/transformation.py); `VERTEXAI_API_BASE`,
///   `VERTEX_API_BASE` (main.py); `TAVILY_API_BASE`
///   (llms/tavily/search/transformation.py); `OPENAI_API_BASE`,
///   `OPENAI_BASE_URL` (main.py and llms/openai/: the api_base of an
///   `openai/` deployment without one, which the openai column's is; the
///   openai SDK reads `OPENAI_BASE_URL` too); botocore's
///   `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`,
///   `AWS_ENDPOINT_URL_STS` (endpoint overrides of any boto client).
/// - proxies: `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` in both cases and
///   `NO_PROXY`/`no_proxy` (urllib `getproxies`, read by aiohttp_transport.py
///   `_proxy_from_env` and http_handler.py `_environment_proxy_mounts`);
///   `DISABLE_AIOHTTP_TRUST_ENV`, `AIOHTTP_TRUST_ENV` (switch that reading).
/// - trust: `SSL_VERIFY`, `SSL_CERT_FILE` (http_handler.py `get_ssl_verify`,
///   `get_ssl_configuration`), `SSL_CERT_DIR` (OpenSSL),
///   `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE` (requests, google-auth's token
///   exchange), `AWS_CA_BUNDLE` (botocore).
/// - credential chains that would mask a missing or misnamed live variable:
///   `AWS_PROFILE`, `AWS_PROFILE_NAME`, `AWS_ROLE_NAME`,
///   `AWS_WEB_IDENTITY_TOKEN`, `AWS_STS_ENDPOINT` (base_aws_llm.py
///   `get_credentials`), `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`
///   (botocore), `AWS_BEARER_TOKEN_BEDROCK` (base_aws_llm.py, bedrock_mantle
///   common_utils.py: a bearer token instead of SigV4), `VERTEXAI_CREDENTIALS`,
///   `VERTEX_CREDENTIALS` (vertex_llm_base.py: instead of
///   `GOOGLE_APPLICATION_CREDENTIALS`), `GOOGLE_API_USE_CLIENT_CERTIFICATE`
///   (google-auth's mTLS adapter, certifi's bundle),
///   `GOOGLE_CLOUD_UNIVERSE_DOMAIN` (another googleapis domain),
///   `GCE_METADATA_HOST`, `GCE_METADATA_IP` (google-auth's metadata server).
/// - `LITELLM_RUST` (rust_bridge/configuration.py): switches every route to
///   the Rust bridge; the Rust-path columns set it in their own environment.
///
/// Not here, because live mode reads them on purpose: `AZURE_API_BASE` and
/// `AZURE_AI_API_BASE` ([`super::live_env`]).
/// compat-core/tests/redirecting_env.rs checks the host variables against
/// the installed LiteLLM.
pub const REDIRECTING_ENV: &[&str] = &[
    "ANTHROPIC_API_BASE",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_AWS_BASE_URL",
    "ANTHROPIC_AWS_API_BASE",
    "AWS_BEDROCK_RUNTIME_ENDPOINT",
    "BEDROCK_MANTLE_API_BASE",
    "VERTEXAI_API_BASE",
    "VERTEX_API_BASE",
    "TAVILY_API_BASE",
    "OPENAI_API_BASE",
    "OPENAI_BASE_URL",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "AWS_ENDPOINT_URL_STS",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "DISABLE_AIOHTTP_TRUST_ENV",
    "AIOHTTP_TRUST_ENV",
    "SSL_VERIFY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "AWS_CA_BUNDLE",
    "AWS_PROFILE",
    "AWS_PROFILE_NAME",
    "AWS_ROLE_NAME",
    "AWS_WEB_IDENTITY_TOKEN",
    "AWS_STS_ENDPOINT",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_BEARER_TOKEN_BEDROCK",
    "VERTEXAI_CREDENTIALS",
    "VERTEX_CREDENTIALS",
    "GOOGLE_API_USE_CLIENT_CERTIFICATE",
    "GOOGLE_CLOUD_UNIVERSE_DOMAIN",
    "GCE_METADATA_HOST",
    "GCE_METADATA_IP",
    "LITELLM_RUST",
];

/// The proxy's environment to reach an upstream it cannot be given an
/// address for, through a TLS-intercepting forward proxy at `proxy_url`
/// whose CA is the PEM file `ca_file`: sim mode's way to the Vertex
/// simulator for the Vertex pass-through, whose upstream LiteLLM 1.108.7
/// always takes from Google's host (llm_passthrough_endpoints.py
/// `get_vertex_base_url`, no `api_base`). What LiteLLM's upstream client
/// honours, as a customer behind a TLS-inspecting corporate proxy sets it:
/// - `HTTPS_PROXY`/`https_proxy`: its default aiohttp transport reads the
///   proxy per request (llms/custom_httpx/aiohttp_transport.py
///   `_proxy_from_env`, on unless `DISABLE_AIOHTTP_TRUST_ENV`); the httpx
///   transport mounts it too (http_handler.py `_environment_proxy_mounts`).
///   Both spellings: urllib, which both read it with, prefers the lower case.
/// - `NO_PROXY`/`no_proxy`: the loopback stays direct, so google-auth's
///   token exchange still goes to the simulator's `/token` (the fake
///   service account's `token_uri`), and nothing local crosses the proxy.
/// - `SSL_CERT_FILE`: the CA bundle of every client LiteLLM makes
///   (http_handler.py `get_ssl_configuration`: `SSL_CERT_FILE` replaces
///   certifi's bundle), so only the front's per-run CA is trusted.
///
/// The openai column (issue 29) uses it too, for `api.openai.com`: its
/// Responses calls go through LiteLLM's own `AsyncHTTPHandler`
/// (llm_http_handler.py `async_response_api_handler` ->
/// `get_async_httpx_client`), and the openai SDK clients LiteLLM builds get
/// `httpx.AsyncClient(verify=get_ssl_configuration(), transport=<its aiohttp
/// transport>)` (llms/openai/common_utils.py `_get_async_http_client`);
/// httpx's own default would read `SSL_CERT_FILE` as well (httpx 0.29
/// `_config.py` `create_ssl_context`, `trust_env`). `REQUESTS_CA_BUNDLE`
/// plays no part there (no `requests` on that path). Shown end to end by
/// compat-harness/tests/sim_through_proxy.rs (`gpt_routes_…`).
pub fn tls_front_env(proxy_url: &str, ca_file: &str) -> Vec<(String, String)> {
    let no_proxy = "127.0.0.1,localhost";
    [
        ("HTTPS_PROXY", proxy_url),
        ("https_proxy", proxy_url),
        ("NO_PROXY", no_proxy),
        ("no_proxy", no_proxy),
        ("SSL_CERT_FILE", ca_file),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// A rehearsal proxy's environment to reach its column's real hosts
/// ([`super::live_hosts`]) through the intercepting front at `proxy_url`
/// (`http://127.0.0.1:PORT`), whose per-run CA is the PEM file `ca_file`
/// (public half only). What each client in the proxy honours (plan 2.2):
/// - `HTTPS_PROXY`/`https_proxy`: LiteLLM's aiohttp and httpx transports
///   (per request, through urllib's `getproxies`), requests (google-auth).
/// - `NO_PROXY`/`no_proxy` = the loopback: nothing local crosses the front.
/// - `SSL_CERT_FILE`: LiteLLM's clients' CA bundle (replaces certifi's).
/// - `REQUESTS_CA_BUNDLE`: requests ignores `SSL_CERT_FILE`, and google-auth's
///   token exchange (`oauth2.googleapis.com`) goes through requests.
/// - `SSL_VERIFY` = the CA path: read first by LiteLLM's Python
///   (http_handler.py `get_ssl_verify`) and the only setting the Rust bridge
///   is known to take (`http_settings.ssl_verify`, rust_bridge/host/settings.py).
/// - `AWS_CONFIG_FILE`/`AWS_SHARED_CREDENTIALS_FILE` = /dev/null and
///   `AWS_EC2_METADATA_DISABLED`: the AWS keys come from the live variables or
///   from nowhere, so a misnamed variable cannot be masked by a profile or
///   the instance metadata endpoint.
///
/// Per column: prefork.py applies a fork's environment with
/// `os.environ.update` in the child before the proxy starts, and aiohttp
/// (`_proxy_from_env`) and urllib (`getproxies`) read `os.environ` at request
/// time, so a per-fork `HTTPS_PROXY` (one front listener per column) works
/// under one launcher. Checked in LiteLLM 1.108.7: the aiohttp transport's
/// `proxy_cache` (aiohttp_transport.py `_proxy_from_env`) belongs to a
/// transport instance, and the shared clients are made lazily on first use
/// (`_lazy_imports.py`, `module_level_aclient`), so in the fork, after the
/// update, not in the launcher, which serves no request. The CA variables
/// are the same for every column and can be the launcher's all the same. A
/// module that did snapshot the proxy or CA at import would miss a per-fork
/// value: the front's log (no tunnel from that column) would show it.
pub fn rehearsal_proxy_env(proxy_url: &str, ca_file: &str) -> Vec<(String, String)> {
    let mut env = tls_front_env(proxy_url, ca_file);
    env.extend(
        [
            ("REQUESTS_CA_BUNDLE", ca_file),
            ("SSL_VERIFY", ca_file),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rehearsal_env_points_every_client_at_the_front_and_its_ca() {
        let env = rehearsal_proxy_env("http://127.0.0.1:4100", "/w/rehearsal-ca.pem");
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{k} missing"))
        };
        for k in ["HTTPS_PROXY", "https_proxy"] {
            assert_eq!(get(k), "http://127.0.0.1:4100");
        }
        for k in ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "SSL_VERIFY"] {
            assert_eq!(get(k), "/w/rehearsal-ca.pem");
        }
        assert_eq!(get("NO_PROXY"), "127.0.0.1,localhost");
        assert_eq!(get("AWS_CONFIG_FILE"), "/dev/null");
        assert_eq!(get("AWS_SHARED_CREDENTIALS_FILE"), "/dev/null");
        assert_eq!(get("AWS_EC2_METADATA_DISABLED"), "true");
        // Every variable it sets that an operator's shell could also set is
        // scrubbed first, so the rehearsal's value is the only one.
        for (k, _) in &env {
            assert!(
                REDIRECTING_ENV.contains(&k.as_str()) || k == "AWS_EC2_METADATA_DISABLED",
                "{k}"
            );
        }
    }

    #[test]
    fn no_live_variable_is_scrubbed() {
        for p in compat_matrix::provider::Provider::ALL {
            for v in super::super::live_env(p) {
                assert!(!REDIRECTING_ENV.contains(v), "{v} is read on purpose");
            }
        }
        let mut sorted = REDIRECTING_ENV.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), REDIRECTING_ENV.len(), "duplicates");
    }
}
