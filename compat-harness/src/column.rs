//! The recipe for one column in sim mode: which simulator stands in for each
//! [`Provider`], the fake credentials the proxy config gives it, the proxy
//! config and environment, the TLS front by name (`google` for the Vertex
//! pass-through, `openai` for api.openai.com), and the warm-up request. The one place that knows both compat-core's
//! providers and compat-sim's APIs (compat-sim knows nothing of the matrix);
//! the run's environment (`crate::env`) and the warm gateway (`crate::warm`)
//! both start columns from it.

use std::time::Duration;

use compat_core::gateway::Gateway;
use compat_core::gateway::routing::{self, SimCredentials, Upstream};
use compat_matrix::provider::{Front, Provider};
use compat_sim::{Api, Simulators, creds};
use serde_json::{Value, json};

/// The gateway route prefix every request of a column's trial must enter by,
/// and its kind: a pass-through column's (`/bedrock/`) or a gateway-mode
/// column's (`/claude_code_gateway/`); None for a `/v1/messages` column.
pub(crate) fn entry_route(p: Provider) -> Option<(&'static str, &'static str)> {
    (p.passthrough_route().map(|r| (r, "pass-through")))
        .or(p.gateway_mode_route().map(|r| (r, "gateway-mode")))
}

/// How a red names the gateway path its trial took (several columns share a
/// simulator): the CLI's mode and route, and the LiteLLM deployment.
pub(crate) fn route_label(p: Provider, model: &str) -> String {
    let deployment = routing::litellm_model(p, model);
    match (p.passthrough_route(), p.gateway_mode_route()) {
        (Some(r), _) if p.native_mode() => {
            format!("CLI in native mode through the gateway's {r} pass-through")
        }
        (Some(r), _) => format!("CLI's base URL at the gateway's {r} pass-through"),
        (None, Some(r)) => {
            format!("CLI in gateway mode through the gateway's {r} route, {deployment}")
        }
        (None, None) => format!("route {deployment}"),
    }
}

/// The simulated API that stands in for a provider in sim mode. A
/// pass-through column shares its native provider's simulator: the wire the
/// provider receives is the same; what tells the columns apart is the route
/// the CLI took into the gateway (the tap's record, checked by the harness).
pub fn api(p: Provider) -> Api {
    // manifest.yaml names each column's simulator (`simulator:`); the
    // manifest's parser refuses one compat-sim does not have, and
    // `every_column_names_a_simulator` below checks the generated table.
    Api::from_id(p.simulator_id()).unwrap_or_else(|| {
        panic!(
            "manifest.yaml: column {} names simulator {:?}, which compat-sim does not have",
            p.id(),
            p.simulator_id()
        )
    })
}

/// The Vertex AI host Google serves the simulator's location from: the
/// `Host` the Vertex pass-through's requests reach the simulator with,
/// through Google's TLS front (`compat_sim::host_front`).
pub fn vertex_host() -> String {
    compat_sim::vertex_host(creds::VERTEX_LOCATION)
}

/// The name compat-sim's `host_front` knows a manifest front by (the
/// manifest's own spelling, `front:`).
pub fn front_name(f: Front) -> &'static str {
    match f {
        Front::Google => "google",
        Front::Openai => "openai",
    }
}

/// The credentials the simulators accept, for the routing table.
pub const CREDENTIALS: SimCredentials<'static> = SimCredentials {
    anthropic_api_key: creds::ANTHROPIC_API_KEY,
    azure_api_key: creds::AZURE_API_KEY,
    bedrock_mantle_api_key: creds::BEDROCK_MANTLE_API_KEY,
    claude_platform_aws_api_key: creds::CLAUDE_PLATFORM_AWS_API_KEY,
    claude_platform_aws_workspace_id: creds::CLAUDE_PLATFORM_AWS_WORKSPACE_ID,
    aws_access_key_id: creds::AWS_ACCESS_KEY_ID,
    aws_secret_access_key: creds::AWS_SECRET_ACCESS_KEY,
    aws_region: creds::AWS_REGION,
    vertex_project: creds::VERTEX_PROJECT,
    vertex_location: creds::VERTEX_LOCATION,
    tavily_api_key: creds::TAVILY_API_KEY,
    openai_api_key: creds::OPENAI_API_KEY,
    azure_openai_api_key: creds::AZURE_OPENAI_API_KEY,
};

/// Starts the column's TLS front (manifest `front:`) to its simulator
/// (see `compat_sim::host_front`: the Vertex pass-through's way to the
/// Vertex simulator at Google's host, the openai column's to the OpenAI
/// simulator at api.openai.com) and writes its per-run CA where the proxy's
/// `SSL_CERT_FILE` points: returns the front's proxy URL, the CA file, the
/// front. None for a column without a front.
pub(crate) fn start_front(
    p: Provider,
    sims: &Simulators,
    work_dir: &std::path::Path,
) -> Result<Option<(String, String, compat_sim::HostFront)>, String> {
    let Some(front) = p.front() else {
        return Ok(None);
    };
    let name = front_name(front);
    let base = sims.base_url(api(p)).ok_or_else(|| {
        format!(
            "harness: the {} simulator is not running for column {}",
            api(p).id(),
            p.id()
        )
    })?;
    let addr: std::net::SocketAddr = base
        .trim_start_matches("http://")
        .parse()
        .map_err(|e| format!("the {} simulator's address {base}: {e}", api(p).id()))?;
    let front = compat_sim::HostFront::start(name, addr)
        .map_err(|e| format!("{:#}", anyhow::Error::new(e)))?;
    // One file per front (and per column: two columns may share a name).
    let ca = work_dir.join(format!("{name}-front-ca-{}.pem", p.id()));
    compat_matrix::fsutil::write_atomic(&ca, front.ca_pem().as_bytes())
        .map_err(|e| format!("cannot write the TLS front's CA to {}: {e}", ca.display()))?;
    Ok(Some((front.proxy_url(), ca.display().to_string(), front)))
}

/// One streaming request through a freshly started proxy before any trial
/// uses it. Measured: the first streams through a fresh LiteLLM proxy leave
/// it in one burst, up to ~0.9 s after the provider sent the last delta
/// (one-time work on its first streaming response), while every later
/// stream is handed on as it comes. A customer's proxy is warm; a trial
/// should not pay for, or be judged on, the proxy's first breath. Failure
/// here is only logged: the trials themselves report what is wrong.
pub(crate) fn warm_up(gw: &Gateway, model: &str, p: Provider) {
    let t0 = std::time::Instant::now();
    let body = json!({
        "model": model,
        "max_tokens": 16,
        "stream": true,
        // Short: any streamed answer does the proxy's one-time work, and
        // a column's first trial waits for this one to end.
        "messages": [{"role": "user", "content": "Reply with exactly: ready"}],
    });
    let r = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .and_then(|c| {
            c.post(format!("{}/v1/messages", gw.base_url))
                .bearer_auth(gw.master_key.expose())
                .header("anthropic-version", "2023-06-01")
                .json(&body)
                .send()
        })
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.bytes());
    match r {
        Ok(_) => eprintln!(
            "[compat] proxy for {} warmed up in {:.1} s",
            p.id(),
            t0.elapsed().as_secs_f64()
        ),
        Err(e) => eprintln!(
            "[compat] proxy for {}: warm-up request failed ({e}); trials go on",
            p.id()
        ),
    }
}

/// The name the proxy config's first deployment is served under: what the
/// warm-up asks for, the column's own first model (a GPT column's is a GPT
/// id, a pass-through column's its provider's id).
pub(crate) fn first_served_model(config: &Value) -> Option<String> {
    config["model_list"][0]["model_name"]
        .as_str()
        .map(str::to_owned)
}

/// A sim-mode column's proxy config: every model routed at the simulator
/// at `base` (`cargo xtask up` generates the same, and the harness attaches
/// to its proxies only while it still does).
pub(crate) fn sim_proxy_config(
    p: Provider,
    models: &[&str],
    base: &str,
    vertex_credentials: Option<&str>,
) -> Value {
    routing::proxy_config(p, models, &sim_upstream(base, vertex_credentials))
}

/// The simulator at `base` as a column's upstream.
pub(crate) fn sim_upstream<'a>(base: &'a str, vertex_credentials: Option<&'a str>) -> Upstream<'a> {
    Upstream::Sim {
        base_url: base,
        vertex_credentials,
        creds: CREDENTIALS,
    }
}

/// Why `cargo xtask up` cannot keep a column's proxy warm, if it cannot: its
/// proxy needs an environment of its own (`LITELLM_RUST`, the Foundry
/// pass-through's upstream, a TLS front: the Vertex pass-through's, the
/// openai column's), which the
/// warm gateway's one launcher does not give; the Anthropic pass-through's
/// `ANTHROPIC_API_BASE` likewise.
pub(crate) fn not_warmable(p: Provider) -> Option<String> {
    if let Some(front) = p.front() {
        return Some(format!(
            "its proxy reaches the {} simulator through the `{}` TLS front, started per run \
             with its own CA (HTTPS_PROXY, SSL_CERT_FILE)",
            api(p).id(),
            front_name(front)
        ));
    }
    let proxy_env = routing::proxy_env(p, &sim_upstream("http://127.0.0.1:0", None));
    (!proxy_env.is_empty()).then(|| {
        let names: Vec<&str> = proxy_env.iter().map(|(k, _)| k.as_str()).collect();
        format!(
            "its proxy needs an environment of its own ({})",
            names.join(", ")
        )
    })
}

/// `COMPAT_GATEWAY_URL_<PROVIDER>`: an already running proxy for a provider.
pub(crate) fn external_gateway_url(p: Provider) -> Option<String> {
    std::env::var(format!("COMPAT_GATEWAY_URL_{}", p.id().to_uppercase())).ok()
}

/// A throwaway service-account file whose `token_uri` is the Vertex
/// simulator: google-auth signs a JWT with the key in it (the simulator's
/// own, made once per process) and trades it there for a bearer token,
/// exactly its real flow; a file from another process is refused.
pub fn write_fake_service_account(dir: &std::path::Path, sim_base: &str) -> Result<String, String> {
    // The simulator's own key: its token endpoint verifies the JWT's RS256
    // signature against it (compat_sim::creds::vertex_service_account_key).
    let key = &compat_sim::creds::vertex_service_account_key().private_key_pem;
    let sa = json!({
        "type": "service_account",
        "project_id": compat_sim::creds::VERTEX_PROJECT,
        "private_key_id": "sim-key",
        "private_key": key,
        "client_email": "compat-sim@sim-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": format!("{sim_base}/token"),
    });
    let path = dir.join("vertex-sim-service-account.json");
    compat_matrix::fsutil::write_atomic(&path, sa.to_string().as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_names_a_simulator() {
        for p in Provider::ALL {
            assert!(
                Api::from_id(p.simulator_id()).is_some(),
                "{}: simulator {:?}",
                p.id(),
                p.simulator_id()
            );
        }
    }

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

    /// Every front the manifest may name is one compat-sim can start, under
    /// the same name.
    #[test]
    fn every_manifest_front_is_a_host_front() {
        for (name, _) in compat_matrix::manifest::FRONTS {
            assert!(
                compat_sim::host_front::hosts_of(name).is_some(),
                "manifest front `{name}` has no hosts in compat_sim::host_front"
            );
        }
        for f in [Front::Google, Front::Openai] {
            let name = front_name(f);
            assert!(
                compat_matrix::manifest::FRONTS
                    .iter()
                    .any(|(n, _)| *n == name),
                "{name}"
            );
        }
    }

    /// The warm-up asks for the column's own first model as served.
    #[test]
    fn warm_up_uses_the_columns_first_served_model() {
        let cfg = sim_proxy_config(
            Provider::BedrockPassthrough,
            &["claude-haiku-4-5", "claude-sonnet-4-6"],
            "http://127.0.0.1:9",
            None,
        );
        assert_eq!(
            first_served_model(&cfg).as_deref(),
            Some(
                routing::served_model_name(Provider::BedrockPassthrough, "claude-haiku-4-5")
                    .as_str()
            )
        );
        let gpt = routing::openai::GptRoute::AzureOpenAi
            .proxy_config(&["gpt-5.6-luna"], &sim_upstream("http://127.0.0.1:9", None));
        assert_eq!(first_served_model(&gpt).as_deref(), Some("gpt-5.6-luna"));
        assert_eq!(first_served_model(&json!({})), None);
    }
}
