//! The intercepting TLS front: CONNECT proxies on 127.0.0.1, one listener
//! per client (a rehearsal's column, the CLI), each with the host names it
//! may tunnel to and the 127.0.0.1 server that answers as each. For a
//! client that can only be told to use an HTTPS proxy, not a base URL
//! (LiteLLM's pass-through routes, a live config naming the providers' real
//! hosts): the front presents a certificate for the host, signed by a CA
//! made for this front alone, and hands the decrypted bytes to the server
//! unchanged, so that it receives the `Host`, path and signature the real
//! provider would.
//!
//! The clients honour it as a customer's TLS-inspecting corporate proxy:
//! LiteLLM's HTTP client reads `HTTPS_PROXY`/`NO_PROXY`
//! (llms/custom_httpx/aiohttp_transport.py `_proxy_from_env`) and
//! `SSL_CERT_FILE`/`SSL_VERIFY` (llms/custom_httpx/http_handler.py
//! `get_ssl_configuration`); google-auth's `requests` reads
//! `REQUESTS_CA_BUNDLE`; Node reads `NODE_EXTRA_CA_CERTS`.
//!
//! Nothing leaves the machine: a CONNECT to a host outside the listener's
//! routes, to a port other than 443, or anything but CONNECT, is answered
//! 403, said on stderr naming the listener and the target, and kept as a
//! refused [`Tunnel`]; a TLS ClientHello whose SNI is not the CONNECT host
//! is dropped (`SniMismatch`). The only outbound connections the front
//! makes are to the routes' 127.0.0.1 addresses. The CA's private key is
//! generated in memory, signs the leaves at start and is dropped: only the
//! CA certificate ([`Front::ca_pem`]) ever leaves.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::LazyConfigAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The longest CONNECT request head the front reads (a real one is ~150 bytes).
const MAX_HEAD: u64 = 16 * 1024;

/// One listener of a [`Front`]: a label (the column it serves, `cli`) and
/// the hosts it tunnels to, each to the 127.0.0.1 address answering as it.
/// No routes: every CONNECT is refused (and recorded).
#[derive(Debug, Clone)]
pub struct FrontListener {
    pub label: String,
    pub routes: BTreeMap<String, SocketAddr>,
}

/// What became of one CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TunnelOutcome {
    /// Tunnelled: the client's TLS named the host, the bytes went to its route.
    Opened,
    /// Answered 403: not a CONNECT, not port 443, or a host outside the
    /// listener's routes.
    Refused { why: String },
    /// The ClientHello's SNI was not the CONNECT host (or was absent): closed.
    SniMismatch,
}

/// One CONNECT a listener was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunnel {
    /// The listener's label.
    pub listener: String,
    /// The CONNECT target's host (lower-cased), or the whole request line
    /// when it was not a CONNECT.
    pub host: String,
    pub outcome: TunnelOutcome,
}

/// A running front. Dropping it stops it.
pub struct Front {
    runtime: Option<tokio::runtime::Runtime>,
    addrs: BTreeMap<String, SocketAddr>,
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
    /// The runtime or a 127.0.0.1 listener could not start.
    Io(std::io::Error),
    /// Two listeners share a label (the label names the listener in logs
    /// and in [`Front::proxy_url`]).
    DuplicateLabel(String),
    /// `crate::host_front` was asked for a front whose name it does not
    /// know (its `NAMES`).
    UnknownName(String),
}

impl std::fmt::Display for FrontError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrontError::Certificate(_) => f.write_str("cannot make the TLS front's certificates"),
            FrontError::Tls(_) => f.write_str("cannot configure TLS for the TLS front"),
            FrontError::Io(_) => f.write_str("cannot start the TLS front on 127.0.0.1"),
            FrontError::DuplicateLabel(l) => write!(
                f,
                "two TLS front listeners are labelled `{l}`: give each column its own label"
            ),
            FrontError::UnknownName(n) => write!(
                f,
                "no TLS front is named `{n}`: add its hosts to compat-sim's \
                 host_front::hosts_of first"
            ),
        }
    }
}

impl std::error::Error for FrontError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FrontError::Certificate(e) => Some(e),
            FrontError::Tls(e) => Some(e),
            FrontError::Io(e) => Some(e),
            FrontError::DuplicateLabel(_) | FrontError::UnknownName(_) => None,
        }
    }
}

/// One listener as it serves.
struct Served {
    label: String,
    routes: BTreeMap<String, SocketAddr>,
    acceptors: Arc<BTreeMap<String, Arc<rustls::ServerConfig>>>,
    log: Arc<Mutex<Vec<Tunnel>>>,
}

impl Front {
    /// Starts every listener on a free 127.0.0.1 port, with one CA and one
    /// certificate per distinct host of all their routes.
    pub fn start(listeners: Vec<FrontListener>) -> Result<Front, FrontError> {
        let mut hosts: Vec<String> = Vec::new();
        for l in &listeners {
            if listeners.iter().filter(|o| o.label == l.label).count() > 1 {
                return Err(FrontError::DuplicateLabel(l.label.clone()));
            }
            hosts.extend(l.routes.keys().map(|h| h.to_ascii_lowercase()));
        }
        hosts.sort();
        hosts.dedup();
        let (ca_pem, acceptors) = certificates(&hosts)?;
        let acceptors = Arc::new(acceptors);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("tls-front")
            .enable_all()
            .build()
            .map_err(FrontError::Io)?;
        let tunnels: Arc<Mutex<Vec<Tunnel>>> = Arc::default();
        let mut addrs = BTreeMap::new();
        for l in listeners {
            let listener = runtime
                .block_on(TcpListener::bind(("127.0.0.1", 0)))
                .map_err(FrontError::Io)?;
            addrs.insert(
                l.label.clone(),
                listener.local_addr().map_err(FrontError::Io)?,
            );
            let served = Arc::new(Served {
                label: l.label,
                routes: l
                    .routes
                    .into_iter()
                    .map(|(h, a)| (h.to_ascii_lowercase(), a))
                    .collect(),
                acceptors: acceptors.clone(),
                log: tunnels.clone(),
            });
            runtime.spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let served = served.clone();
                    tokio::spawn(async move {
                        // A broken tunnel is the client's to see (its
                        // connection closes); refusals are logged in `serve`.
                        let _ = serve(stream, &served).await;
                    });
                }
            });
        }
        Ok(Front {
            runtime: Some(runtime),
            addrs,
            ca_pem,
            tunnels,
        })
    }

    /// `http://127.0.0.1:PORT` of the listener labelled `label`: the value
    /// for its client's `HTTPS_PROXY`.
    pub fn proxy_url(&self, label: &str) -> Option<String> {
        self.addrs.get(label).map(|a| format!("http://{a}"))
    }

    /// The CA that signed the front's certificates (PEM, the certificate
    /// only), for the clients' trust stores.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Every CONNECT asked for so far, in the order decided.
    pub fn tunnels(&self) -> Vec<Tunnel> {
        self.tunnels.lock().expect("tunnels lock").clone()
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A fresh CA (PEM) and, per host, a TLS server config for it with a
/// certificate the CA signed. HTTP/1.1 only (ALPN): the servers behind
/// speak HTTP/1.1 on the bytes passed through.
fn certificates(
    hosts: &[String],
) -> Result<(String, BTreeMap<String, Arc<rustls::ServerConfig>>), FrontError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().map_err(FrontError::Certificate)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(FrontError::Certificate)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "compat-sim TLS front (one run only)");
    let ca_pem = ca
        .self_signed(&ca_key)
        .map_err(FrontError::Certificate)?
        .pem();
    // The CA's key lives in `issuer` until this function returns.
    let issuer = Issuer::new(ca, ca_key);
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut configs = BTreeMap::new();
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
        configs.insert(host.clone(), Arc::new(config));
    }
    Ok((ca_pem, configs))
}

/// One client connection: its CONNECT, then the decrypted tunnel to the
/// route's server, or a 403.
async fn serve(stream: TcpStream, served: &Served) -> std::io::Result<()> {
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
        ["CONNECT", target, version] if version.starts_with("HTTP/1.") => Some(*target),
        _ => None,
    };
    let (host, port) = match target.and_then(|t| t.rsplit_once(':')) {
        Some((h, p)) => (h.to_ascii_lowercase(), p),
        None => (request_line.to_owned(), ""),
    };
    let record = |outcome: TunnelOutcome| {
        served.log.lock().expect("tunnels lock").push(Tunnel {
            listener: served.label.clone(),
            host: host.clone(),
            outcome,
        });
    };
    let route = served.routes.get(&host).copied();
    let config = served.acceptors.get(&host).cloned();
    let (Some(route), Some(config), "443") = (route, config, port) else {
        let why = if target.is_none() {
            "not a CONNECT request".to_owned()
        } else if port != "443" {
            format!("port {port:?}: only 443 is tunnelled")
        } else {
            let allowed: Vec<&str> = served.routes.keys().map(String::as_str).collect();
            format!(
                "host not in this listener's routes ({})",
                if allowed.is_empty() {
                    "none".to_owned()
                } else {
                    allowed.join(", ")
                }
            )
        };
        // The client sees a proxy error, not this line: say it where a
        // reader of the run's output looks.
        eprintln!(
            "[compat-sim] TLS front `{}` refused {request_line}: {why}",
            served.label
        );
        record(TunnelOutcome::Refused { why: why.clone() });
        let body = format!(
            "compat-sim TLS front `{}`: refused ({why}); this machine has no other upstream\n",
            served.label
        );
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
    let start = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), client).await?;
    let sni = start
        .client_hello()
        .server_name()
        .map(str::to_ascii_lowercase);
    if sni.as_deref() != Some(host.as_str()) {
        eprintln!(
            "[compat-sim] TLS front `{}`: CONNECT {host}:443 then TLS for {:?}: closed",
            served.label, sni
        );
        record(TunnelOutcome::SniMismatch);
        return Ok(());
    }
    record(TunnelOutcome::Opened);
    let mut tls = start.into_stream(config).await?;
    let mut upstream = TcpStream::connect(route).await?;
    tokio::io::copy_bidirectional(&mut tls, &mut upstream).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that answers every request with its `name` and the request
    /// head it received.
    fn echo(rt: &tokio::runtime::Runtime, name: &'static str) -> SocketAddr {
        let backend = rt.block_on(TcpListener::bind(("127.0.0.1", 0))).unwrap();
        let addr = backend.local_addr().unwrap();
        rt.spawn(async move {
            while let Ok((s, _)) = backend.accept().await {
                tokio::spawn(async move {
                    let mut s = BufReader::new(s);
                    let mut head = String::new();
                    loop {
                        let mut l = String::new();
                        if s.read_line(&mut l).await.unwrap_or(0) == 0 || l.trim_end().is_empty() {
                            break;
                        }
                        head.push_str(&l);
                    }
                    let body = format!("{name}\n{head}");
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = s.write_all(answer.as_bytes()).await;
                    let _ = s.shutdown().await;
                });
            }
        });
        addr
    }

    fn client(front: &Front, label: &str) -> reqwest::blocking::Client {
        let ca = reqwest::Certificate::from_pem(front.ca_pem().as_bytes()).unwrap();
        reqwest::blocking::Client::builder()
            .proxy(reqwest::Proxy::https(front.proxy_url(label).unwrap()).unwrap())
            .tls_certs_only([ca])
            .build()
            .unwrap()
    }

    const HOST: &str = "bedrock-runtime.us-east-1.amazonaws.com";

    /// Each listener sends a host to its own route; bytes and `Host` reach
    /// the server unchanged; a host outside a listener's routes (and every
    /// host for a listener with none) is refused, logged with the label.
    #[test]
    fn listeners_route_the_same_host_each_its_own_way_and_refuse_the_rest() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (invoke, converse) = (echo(&rt, "invoke"), echo(&rt, "converse"));
        let front = Front::start(vec![
            FrontListener {
                label: "bedrock_invoke".into(),
                routes: [(HOST.to_owned(), invoke)].into(),
            },
            FrontListener {
                label: "bedrock_converse".into(),
                routes: [(HOST.to_owned(), converse)].into(),
            },
            FrontListener {
                label: "cli".into(),
                routes: BTreeMap::new(),
            },
        ])
        .unwrap();
        let url = format!("https://{HOST}/model/m:0/invoke?x=%3A");
        let a = client(&front, "bedrock_invoke")
            .get(&url)
            .send()
            .unwrap()
            .text()
            .unwrap();
        let b = client(&front, "bedrock_converse")
            .get(&url)
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert!(
            a.starts_with("invoke\nGET /model/m:0/invoke?x=%3A HTTP/1.1"),
            "{a}"
        );
        assert!(b.starts_with("converse\n"), "{b}");
        assert!(
            a.to_ascii_lowercase().contains(&format!("host: {HOST}")),
            "{a}"
        );

        let refused = client(&front, "bedrock_invoke")
            .get("https://example.com/")
            .send();
        assert!(refused.is_err(), "{refused:?}");
        let cli = client(&front, "cli").get(&url).send();
        assert!(cli.is_err(), "{cli:?}");

        let tunnels = front.tunnels();
        let opened = |l: &str| Tunnel {
            listener: l.into(),
            host: HOST.into(),
            outcome: TunnelOutcome::Opened,
        };
        assert!(tunnels.contains(&opened("bedrock_invoke")), "{tunnels:?}");
        assert!(tunnels.contains(&opened("bedrock_converse")), "{tunnels:?}");
        let refused_for = |l: &str, h: &str| {
            tunnels.iter().any(|t| {
                t.listener == l && t.host == h && matches!(t.outcome, TunnelOutcome::Refused { .. })
            })
        };
        assert!(refused_for("bedrock_invoke", "example.com"), "{tunnels:?}");
        assert!(refused_for("cli", HOST), "{tunnels:?}");
        assert_eq!(tunnels.len(), 4, "{tunnels:?}");
    }

    /// A CONNECT to the right host whose TLS names another is closed and
    /// recorded; so is any port but 443 and anything but CONNECT.
    #[test]
    fn sni_other_than_the_connect_host_and_other_ports_are_refused() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let backend = echo(&rt, "sim");
        let front = Front::start(vec![FrontListener {
            label: "anthropic".into(),
            routes: [("api.anthropic.com".to_owned(), backend)].into(),
        }])
        .unwrap();
        let proxy: SocketAddr = front
            .proxy_url("anthropic")
            .unwrap()
            .trim_start_matches("http://")
            .parse()
            .unwrap();
        let connect = |line: &'static str| {
            rt.block_on(async move {
                let mut s = TcpStream::connect(proxy).await.unwrap();
                s.write_all(line.as_bytes()).await.unwrap();
                let mut got = vec![0u8; 64];
                let n = s.read(&mut got).await.unwrap();
                (s, String::from_utf8_lossy(&got[..n]).into_owned())
            })
        };
        let (s, answer) = connect(
            "CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: api.anthropic.com:443\r\n\r\n",
        );
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        // TLS for another name through the tunnel.
        let mut roots = rustls::RootCertStore::empty();
        use rustls::pki_types::pem::PemObject as _;
        roots
            .add(
                rustls::pki_types::CertificateDer::from_pem_slice(front.ca_pem().as_bytes())
                    .unwrap(),
            )
            .unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let other = rustls::pki_types::ServerName::try_from("evil.example").unwrap();
        let tls = rt.block_on(connector.connect(other, s));
        assert!(
            tls.is_err(),
            "the front must not finish TLS for another name"
        );

        let (_, answer) = connect("CONNECT api.anthropic.com:80 HTTP/1.1\r\n\r\n");
        assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
        let (_, answer) = connect("GET http://api.anthropic.com/ HTTP/1.1\r\n\r\n");
        assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");

        let outcomes: Vec<TunnelOutcome> = front.tunnels().into_iter().map(|t| t.outcome).collect();
        assert_eq!(outcomes[0], TunnelOutcome::SniMismatch, "{outcomes:?}");
        assert!(
            matches!(&outcomes[1], TunnelOutcome::Refused { why } if why.contains("443")),
            "{outcomes:?}"
        );
        assert!(
            matches!(&outcomes[2], TunnelOutcome::Refused { why } if why.contains("CONNECT")),
            "{outcomes:?}"
        );
    }

    #[test]
    fn the_ca_pem_is_a_certificate_only_and_labels_are_unique() {
        let front = Front::start(vec![FrontListener {
            label: "x".into(),
            routes: [("api.tavily.com".to_owned(), "127.0.0.1:9".parse().unwrap())].into(),
        }])
        .unwrap();
        assert!(front.ca_pem().contains("BEGIN CERTIFICATE"));
        assert!(
            !front.ca_pem().contains("PRIVATE KEY"),
            "{}",
            front.ca_pem()
        );
        assert_eq!(front.proxy_url("nobody"), None);
        let twice = Front::start(vec![
            FrontListener {
                label: "x".into(),
                routes: BTreeMap::new(),
            },
            FrontListener {
                label: "x".into(),
                routes: BTreeMap::new(),
            },
        ]);
        assert!(matches!(twice, Err(FrontError::DuplicateLabel(l)) if l == "x"));
    }
}
