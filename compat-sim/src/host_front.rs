//! The named-host TLS front for sim mode: the one-listener case of
//! [`crate::front::Front`], started by name (`google`, `openai`) and
//! tunnelling only to that name's real hosts ([`hosts_of`]), all to one
//! simulator.
//!
//! Why it exists: some gateway routes cannot be given the simulator's
//! address without measuring another path than the customer's.
//! - `google`: LiteLLM 1.108.7's Vertex AI pass-through (`/vertex_ai/...`)
//!   always sends to Google's host for the location in the path
//!   (proxy/pass_through_endpoints/llm_passthrough_endpoints.py
//!   `VertexAIPassThroughHandler.get_default_base_target_url` ->
//!   `get_vertex_base_url`) and has no `api_base` setting.
//! - `openai`: LiteLLM 1.108.7 decides by the *host* of an OpenAI
//!   deployment's api_base whether it translates `cache_control` into
//!   `prompt_cache_breakpoint` for GPT >= 5.6 (only on `api.openai.com`:
//!   integrations/anthropic_cache_control_hook.py), whether the
//!   chat-to-Responses bridge applies (responses/bridge_check.py) and which
//!   count_tokens endpoint it calls; with a 127.0.0.1 api_base the openai
//!   column would silently measure a path customers do not take
//!   (docs/research/openai-columns-2026-12-06.md §0.2). So the column keeps
//!   LiteLLM's default api_base, `https://api.openai.com/v1`, and reaches
//!   the simulator through this front.
//!
//! LiteLLM's HTTP clients honour `HTTPS_PROXY`/`NO_PROXY` and
//! `SSL_CERT_FILE` (see `crate::front`), as for a customer behind a
//! TLS-inspecting corporate proxy.

use std::collections::BTreeMap;
use std::net::SocketAddr;

pub use crate::front::FrontError;
use crate::front::{Front, FrontListener, TunnelOutcome};
use crate::wire::creds;
pub use crate::wire::hosts::{OPENAI_HOST, vertex_host};

/// The fronts this module starts by name, in the manifest's spelling
/// (manifest.yaml `front:`; compat-matrix `manifest::FRONTS` lists the same).
pub const NAMES: &[&str] = &["google", "openai"];

/// The real host names the front `name` answers as, for the simulators'
/// sim-mode credentials: `google`, the Vertex AI host of the simulator's
/// location (`creds::VERTEX_LOCATION`); `openai`, [`OPENAI_HOST`]. None
/// for a name this module does not know.
pub fn hosts_of(name: &str) -> Option<Vec<String>> {
    match name {
        "google" => Some(vec![vertex_host(creds::VERTEX_LOCATION)]),
        "openai" => Some(vec![OPENAI_HOST.to_owned()]),
        _ => None,
    }
}

/// One CONNECT the front was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunnel {
    /// The request line's target, as sent (`host:port`), or the whole
    /// request line when it was not a CONNECT.
    pub target: String,
    /// Whether the front opened the tunnel (else it answered 403 or the
    /// client's TLS named another host).
    pub opened: bool,
}

/// A running front. Dropping it stops it.
pub struct HostFront {
    name: String,
    front: Front,
}

impl HostFront {
    /// Starts the front `name` ([`NAMES`]) on a free 127.0.0.1 port: tunnels
    /// to `host:443` for each of [`hosts_of`]`(name)` end at `upstream` (the
    /// simulator), decrypted.
    pub fn start(name: &str, upstream: SocketAddr) -> Result<HostFront, FrontError> {
        let hosts = hosts_of(name).ok_or_else(|| FrontError::UnknownName(name.to_owned()))?;
        HostFront::start_for(name, upstream, &hosts)
    }

    /// Starts a front labelled `name` for the given `hosts` (tests, and a
    /// caller whose hosts are not the sim-mode ones).
    pub fn start_for(
        name: &str,
        upstream: SocketAddr,
        hosts: &[String],
    ) -> Result<HostFront, FrontError> {
        let routes: BTreeMap<String, SocketAddr> =
            hosts.iter().map(|h| (h.clone(), upstream)).collect();
        let front = Front::start(vec![FrontListener {
            label: name.to_owned(),
            routes,
        }])?;
        Ok(HostFront {
            name: name.to_owned(),
            front,
        })
    }

    /// The front's name (`google`, `openai`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `http://127.0.0.1:PORT`: the value for `HTTPS_PROXY`.
    pub fn proxy_url(&self) -> String {
        self.front
            .proxy_url(&self.name)
            .expect("the host front has its one listener")
    }

    /// The CA that signed the front's certificates (PEM), for the client's
    /// trust store; made for this front alone, its key never leaves it.
    pub fn ca_pem(&self) -> &str {
        self.front.ca_pem()
    }

    /// Every CONNECT asked for so far, in arrival order.
    pub fn tunnels(&self) -> Vec<Tunnel> {
        self.front
            .tunnels()
            .into_iter()
            .map(|t| Tunnel {
                // A request line (not a CONNECT) is kept whole.
                target: if t.host.contains(' ') {
                    t.host.clone()
                } else {
                    format!("{}:443", t.host)
                },
                opened: t.outcome == TunnelOutcome::Opened,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    #[test]
    fn hosts_follow_googles_endpoint_names() {
        assert_eq!(
            vertex_host("us-east5"),
            "us-east5-aiplatform.googleapis.com"
        );
        assert_eq!(vertex_host("global"), "aiplatform.googleapis.com");
        assert_eq!(vertex_host("eu"), "aiplatform.eu.rep.googleapis.com");
    }

    #[test]
    fn names_map_to_their_real_hosts() {
        assert_eq!(hosts_of("openai"), Some(vec!["api.openai.com".to_owned()]));
        assert_eq!(
            hosts_of("google"),
            Some(vec![vertex_host(creds::VERTEX_LOCATION)])
        );
        assert_eq!(hosts_of("azure"), None);
        for n in NAMES {
            assert!(hosts_of(n).is_some(), "{n}");
        }
        let err = HostFront::start("azure", "127.0.0.1:9".parse().unwrap())
            .err()
            .expect("an unknown name is refused");
        assert!(err.to_string().contains("`azure`"), "{err}");
    }

    /// An HTTP/1.1 server on 127.0.0.1 that answers one request with the
    /// request's head as its body.
    fn echo_server(rt: &tokio::runtime::Runtime) -> SocketAddr {
        let backend = rt
            .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
            .unwrap();
        let backend_addr = backend.local_addr().unwrap();
        rt.spawn(async move {
            let (s, _) = backend.accept().await.unwrap();
            let mut s = BufReader::new(s);
            let mut head = String::new();
            loop {
                let mut l = String::new();
                s.read_line(&mut l).await.unwrap();
                if l.trim_end().is_empty() {
                    break;
                }
                head.push_str(&l);
            }
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
                head.len()
            );
            s.write_all(answer.as_bytes()).await.unwrap();
            s.shutdown().await.unwrap();
        });
        backend_addr
    }

    /// A client trusting only the front's CA reaches the simulator behind
    /// the `openai` front as `https://api.openai.com/v1`, with OpenAI's
    /// `Host`; Google's host is not among its routes.
    #[test]
    fn the_openai_front_answers_as_api_openai_com_only() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let front = HostFront::start("openai", echo_server(&rt)).unwrap();
        assert_eq!(front.name(), "openai");
        let ca = reqwest::Certificate::from_pem(front.ca_pem().as_bytes()).unwrap();
        let client = reqwest::blocking::Client::builder()
            .proxy(reqwest::Proxy::https(front.proxy_url()).unwrap())
            .tls_certs_only([ca])
            .build()
            .unwrap();
        let echoed = client
            .get("https://api.openai.com/v1/responses")
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert!(echoed.starts_with("GET /v1/responses HTTP/1.1"), "{echoed}");
        assert!(
            echoed.to_ascii_lowercase().contains("host: api.openai.com"),
            "{echoed}"
        );
        let google = format!("https://{}/", vertex_host(creds::VERTEX_LOCATION));
        assert!(client.get(&google).send().is_err());
        let tunnels = front.tunnels();
        assert_eq!(tunnels.len(), 2, "{tunnels:?}");
        assert_eq!(
            tunnels[0],
            Tunnel {
                target: "api.openai.com:443".into(),
                opened: true
            }
        );
        assert!(!tunnels[1].opened, "{tunnels:?}");
    }

    /// A client trusting only the front's CA reaches the server behind it by
    /// the Google name, with the Google `Host`; any other target is refused.
    #[test]
    fn tunnels_only_the_named_host_and_passes_the_bytes_unchanged() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let backend_addr = echo_server(&rt);
        let host = vertex_host("us-east5");
        let front =
            HostFront::start_for("google", backend_addr, std::slice::from_ref(&host)).unwrap();
        let ca = reqwest::Certificate::from_pem(front.ca_pem().as_bytes()).unwrap();
        let client = reqwest::blocking::Client::builder()
            .proxy(reqwest::Proxy::https(front.proxy_url()).unwrap())
            .tls_certs_only([ca])
            .build()
            .unwrap();
        let url = format!(
            "https://{host}/v1/projects/p/locations/us-east5/publishers/anthropic/models/m:rawPredict"
        );
        let echoed = client.get(&url).send().unwrap().text().unwrap();
        assert!(
            echoed.starts_with("GET /v1/projects/p/locations/us-east5/publishers/anthropic/models/m:rawPredict HTTP/1.1"),
            "{echoed}"
        );
        assert!(
            echoed
                .to_ascii_lowercase()
                .contains(&format!("host: {host}")),
            "{echoed}"
        );
        let refused = client.get("https://example.com/").send();
        assert!(refused.is_err(), "{refused:?}");
        assert_eq!(
            front.tunnels(),
            vec![
                Tunnel {
                    target: format!("{host}:443"),
                    opened: true
                },
                Tunnel {
                    target: "example.com:443".into(),
                    opened: false
                },
            ]
        );
    }
}
