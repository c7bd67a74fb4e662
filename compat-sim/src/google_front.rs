//! Google's TLS front door for the Vertex simulator in sim mode: the
//! one-listener case of [`crate::front::Front`], tunnelling only to the
//! Google hosts it was started for.
//!
//! Why it exists: LiteLLM 1.108.7's Vertex AI pass-through (`/vertex_ai/...`)
//! always sends to Google's host for the location in the path
//! (proxy/pass_through_endpoints/llm_passthrough_endpoints.py
//! `VertexAIPassThroughHandler.get_default_base_target_url` ->
//! `get_vertex_base_url`) and has no `api_base` setting. Its HTTP client does
//! honour `HTTPS_PROXY`/`NO_PROXY` and `SSL_CERT_FILE` (see `crate::front`),
//! as for a customer behind a TLS-inspecting corporate proxy.

use std::collections::BTreeMap;
use std::net::SocketAddr;

pub use crate::front::FrontError;
use crate::front::{Front, FrontListener, TunnelOutcome};
pub use crate::wire::hosts::vertex_host;

/// The label of the Google front's one listener.
const LABEL: &str = "google";

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
pub struct GoogleFront {
    front: Front,
}

impl GoogleFront {
    /// Starts the front on a free 127.0.0.1 port: tunnels to `host:443` for
    /// each of `hosts` end at `upstream` (the Vertex simulator), decrypted.
    pub fn start(upstream: SocketAddr, hosts: &[String]) -> Result<GoogleFront, FrontError> {
        let routes: BTreeMap<String, SocketAddr> =
            hosts.iter().map(|h| (h.clone(), upstream)).collect();
        let front = Front::start(vec![FrontListener {
            label: LABEL.to_owned(),
            routes,
        }])?;
        Ok(GoogleFront { front })
    }

    /// `http://127.0.0.1:PORT`: the value for `HTTPS_PROXY`.
    pub fn proxy_url(&self) -> String {
        self.front
            .proxy_url(LABEL)
            .expect("the Google front has its one listener")
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

    /// A client trusting only the front's CA reaches the server behind it by
    /// the Google name, with the Google `Host`; any other target is refused.
    #[test]
    fn tunnels_only_the_named_host_and_passes_the_bytes_unchanged() {
        let rt = tokio::runtime::Runtime::new().unwrap();
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
        let host = vertex_host("us-east5");
        let front = GoogleFront::start(backend_addr, std::slice::from_ref(&host)).unwrap();
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
