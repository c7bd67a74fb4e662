//! Google's TLS front door for the Vertex simulator, for a client that can
//! only be told to use an HTTPS proxy, not a base URL: a CONNECT proxy on
//! 127.0.0.1 that opens a tunnel only to the Google hosts it was started
//! for, presents each a certificate signed by a CA made for this front
//! alone, and hands the decrypted bytes to the Vertex simulator unchanged,
//! so that the simulator receives the `Host` and path Google would.
//!
//! Why it exists: LiteLLM 1.108.7's Vertex AI pass-through (`/vertex_ai/...`)
//! always sends to Google's host for the location in the path
//! (proxy/pass_through_endpoints/llm_passthrough_endpoints.py
//! `VertexAIPassThroughHandler.get_default_base_target_url` ->
//! `get_vertex_base_url`) and has no `api_base` setting. Its HTTP client does
//! honour `HTTPS_PROXY`/`NO_PROXY` (llms/custom_httpx/aiohttp_transport.py
//! `_proxy_from_env`) and `SSL_CERT_FILE` (llms/custom_httpx/http_handler.py
//! `get_ssl_configuration`), as for a customer behind a TLS-inspecting
//! corporate proxy.
//!
//! Nothing leaves the machine: any other target, and anything but CONNECT,
//! is answered 403 and the connection closed; the only outbound connection
//! the front makes is to the simulator's 127.0.0.1 address.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The longest CONNECT request head the front reads (a real one is ~150 bytes).
const MAX_HEAD: u64 = 16 * 1024;

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

/// One CONNECT the front was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunnel {
    /// The request line's target, as sent (`host:port`), or the whole
    /// request line when it was not a CONNECT.
    pub target: String,
    /// Whether the front opened the tunnel (else it answered 403).
    pub opened: bool,
}

/// A running front. Dropping it stops it.
pub struct GoogleFront {
    runtime: Option<tokio::runtime::Runtime>,
    addr: SocketAddr,
    ca_pem: String,
    tunnels: Arc<Mutex<Vec<Tunnel>>>,
}

/// Why the front could not start.
#[derive(Debug)]
pub enum FrontError {
    /// Making the CA or a host certificate failed.
    Certificate(rcgen::Error),
    /// rustls refused the generated key or certificate.
    Tls(rustls::Error),
    /// The runtime or the 127.0.0.1 listener could not start.
    Io(std::io::Error),
}

impl std::fmt::Display for FrontError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FrontError::Certificate(_) => "cannot make the TLS front's certificates",
            FrontError::Tls(_) => "cannot configure TLS for the TLS front",
            FrontError::Io(_) => "cannot start the TLS front on 127.0.0.1",
        })
    }
}

impl std::error::Error for FrontError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FrontError::Certificate(e) => Some(e),
            FrontError::Tls(e) => Some(e),
            FrontError::Io(e) => Some(e),
        }
    }
}

impl GoogleFront {
    /// Starts the front on a free 127.0.0.1 port: tunnels to `host:443` for
    /// each of `hosts` end at `upstream` (the Vertex simulator), decrypted.
    pub fn start(upstream: SocketAddr, hosts: &[String]) -> Result<GoogleFront, FrontError> {
        let (ca_pem, acceptors) = certificates(hosts)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("google-front")
            .enable_all()
            .build()
            .map_err(FrontError::Io)?;
        let listener = runtime
            .block_on(TcpListener::bind(("127.0.0.1", 0)))
            .map_err(FrontError::Io)?;
        let addr = listener.local_addr().map_err(FrontError::Io)?;
        let tunnels: Arc<Mutex<Vec<Tunnel>>> = Arc::default();
        let (acceptors, log) = (Arc::new(acceptors), tunnels.clone());
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (acceptors, log) = (acceptors.clone(), log.clone());
                tokio::spawn(async move {
                    // A broken tunnel is the client's to see (its
                    // connection closes); there is nobody else to tell.
                    let _ = serve(stream, upstream, &acceptors, &log).await;
                });
            }
        });
        Ok(GoogleFront {
            runtime: Some(runtime),
            addr,
            ca_pem,
            tunnels,
        })
    }

    /// `http://127.0.0.1:PORT`: the value for `HTTPS_PROXY`.
    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The CA that signed the front's certificates (PEM), for the client's
    /// trust store; made for this front alone, its key never leaves it.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Every CONNECT asked for so far, in arrival order.
    pub fn tunnels(&self) -> Vec<Tunnel> {
        self.tunnels.lock().expect("tunnels lock").clone()
    }
}

impl Drop for GoogleFront {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A fresh CA (PEM) and, per host, a TLS acceptor for `host:443` with a
/// certificate it signed. HTTP/1.1 only (ALPN): the simulator behind speaks
/// HTTP/1.1 on the bytes passed through.
fn certificates(hosts: &[String]) -> Result<(String, BTreeMap<String, TlsAcceptor>), FrontError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().map_err(FrontError::Certificate)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(FrontError::Certificate)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "compat-sim Google front (one run only)");
    let ca_pem = ca
        .self_signed(&ca_key)
        .map_err(FrontError::Certificate)?
        .pem();
    let issuer = Issuer::new(ca, ca_key);
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut acceptors = BTreeMap::new();
    for host in hosts {
        let key = KeyPair::generate().map_err(FrontError::Certificate)?;
        let mut leaf =
            CertificateParams::new(vec![host.clone()]).map_err(FrontError::Certificate)?;
        leaf.distinguished_name
            .push(DnType::CommonName, host.as_str());
        leaf.use_authority_key_identifier_extension = true;
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = leaf
            .signed_by(&key, &issuer)
            .map_err(FrontError::Certificate)?;
        let mut config = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(FrontError::Tls)?
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .map_err(FrontError::Tls)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        acceptors.insert(format!("{host}:443"), TlsAcceptor::from(Arc::new(config)));
    }
    Ok((ca_pem, acceptors))
}

/// One client connection: its CONNECT, then the decrypted tunnel to the
/// simulator, or a 403.
async fn serve(
    stream: TcpStream,
    upstream: SocketAddr,
    acceptors: &BTreeMap<String, TlsAcceptor>,
    log: &Mutex<Vec<Tunnel>>,
) -> std::io::Result<()> {
    let mut client = BufReader::new(stream);
    let mut head = Vec::new();
    {
        let mut limited = (&mut client).take(MAX_HEAD);
        loop {
            let mut line = String::new();
            if limited.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            if line.trim_end().is_empty() {
                break;
            }
            head.push(line);
        }
    }
    let request_line = head.first().map(|l| l.trim_end()).unwrap_or_default();
    let target = match request_line.split(' ').collect::<Vec<_>>().as_slice() {
        ["CONNECT", target, version] if version.starts_with("HTTP/1.") => *target,
        _ => "",
    };
    let acceptor = acceptors.get(&target.to_ascii_lowercase());
    log.lock().expect("tunnels lock").push(Tunnel {
        target: if target.is_empty() {
            request_line.to_owned()
        } else {
            target.to_owned()
        },
        opened: acceptor.is_some(),
    });
    let Some(acceptor) = acceptor else {
        let allowed: Vec<&str> = acceptors.keys().map(String::as_str).collect();
        let body = format!(
            "compat-sim Google front: only CONNECT to {} is let through (this machine has no other upstream); refused: {request_line}\n",
            allowed.join(", ")
        );
        // The client sees a proxy error, not this body: say it where a
        // reader of the run's output looks.
        eprint!("[compat-sim] {body}");
        let answer = format!(
            "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        client.write_all(answer.as_bytes()).await?;
        return client.shutdown().await;
    };
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    client.flush().await?;
    let mut tls = acceptor.accept(client).await?;
    let mut sim = TcpStream::connect(upstream).await?;
    tokio::io::copy_bidirectional(&mut tls, &mut sim).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // The "simulator": echoes the request head it received.
        let backend = rt.block_on(TcpListener::bind(("127.0.0.1", 0))).unwrap();
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
            echoed.starts_with(
                "GET /v1/projects/p/locations/us-east5/publishers/anthropic/models/m:rawPredict HTTP/1.1"
            ),
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
