//! A one-trial HTTPS page server on 127.0.0.1 for the web_fetch row: the
//! CLI's WebFetch tool fetches a page from it.
//!
//! HTTPS because the CLI 2.1.331 upgrades every `http://` URL to `https://`
//! before fetching (captured: a plain-HTTP server on 127.0.0.1 got a TLS
//! ClientHello and the tool failed with `WRONG_VERSION_NUMBER`). Each server
//! makes its own self-signed certificate for `127.0.0.1` (rcgen), which the
//! CLI is told to trust through `NODE_EXTRA_CA_CERTS` (honoured by its Bun
//! runtime); nothing else trusts it, and it lives as long as the server.
//! The server runs on its own small tokio runtime, in process: dropping it
//! stops it on every path (a panicking check included).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::IntoResponse;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// One request the page server received.
#[derive(Debug, Clone)]
pub struct PageHit {
    pub path: String,
    pub user_agent: String,
    /// 200 for the page, 404 for anything else.
    pub status: u16,
}

struct Pages {
    path: String,
    html: String,
    hits: Mutex<Vec<PageHit>>,
}

/// A running page server serving one HTML page at one path. Dropping it
/// stops it.
pub struct PageServer {
    runtime: Option<tokio::runtime::Runtime>,
    addr: SocketAddr,
    cert_pem: String,
    pages: Arc<Pages>,
}

impl PageServer {
    /// Serves `html` at `path` (e.g. `/abc.html`) over HTTPS on 127.0.0.1.
    pub fn start(path: &str, html: &str) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
            .context("making the page server's self-signed certificate")?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("the page server's TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .context("the page server's TLS certificate")?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("page-server")
            .enable_all()
            .build()?;
        let pages = Arc::new(Pages {
            path: path.to_owned(),
            html: html.to_owned(),
            hits: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(serve).with_state(pages.clone());
        let tcp = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))?;
        let addr = tcp.local_addr()?;
        let listener = TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        };
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(PageServer {
            runtime: Some(runtime),
            addr,
            cert_pem: cert.cert.pem(),
            pages,
        })
    }

    /// The page's URL, as a model would write it: `http://`, which the CLI
    /// upgrades to `https://` itself.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.pages.path)
    }

    /// The server's certificate (PEM), for `NODE_EXTRA_CA_CERTS`.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Every request received so far.
    pub fn hits(&self) -> Vec<PageHit> {
        self.pages.hits.lock().expect("page hits").clone()
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

async fn serve(State(pages): State<Arc<Pages>>, uri: Uri, headers: HeaderMap) -> impl IntoResponse {
    let found = uri.path() == pages.path;
    pages.hits.lock().expect("page hits").push(PageHit {
        path: uri.to_string(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        status: if found { 200 } else { 404 },
    });
    if found {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            pages.html.clone(),
        )
    } else {
        (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "not found".to_owned(),
        )
    }
}

/// TCP connections on 127.0.0.1 after their TLS handshake, for axum.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                // Out of file descriptors or the like: wait, as axum's own
                // TcpListener does, rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            // One trial's client: a handshake that fails or hangs (a client
            // that does not trust the certificate) is dropped, not served.
            match tokio::time::timeout(Duration::from_secs(10), self.acceptor.accept(stream)).await
            {
                Ok(Ok(tls)) => return (tls, addr),
                _ => continue,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_the_page_over_tls_to_a_client_that_trusts_its_certificate() {
        let server = PageServer::start("/p.html", "<p>hello</p>").unwrap();
        let https = server.url().replacen("http://", "https://", 1);
        let client = reqwest::blocking::Client::builder()
            .no_proxy()
            .tls_certs_only([reqwest::Certificate::from_pem(server.cert_pem().as_bytes()).unwrap()])
            .build()
            .unwrap();
        let page = client.get(&https).send().unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.text().unwrap(), "<p>hello</p>");
        let other = client
            .get(https.replace("/p.html", "/other"))
            .send()
            .unwrap();
        assert_eq!(other.status(), 404);
        let hits = server.hits();
        assert_eq!(hits.len(), 2);
        assert_eq!((hits[0].status, hits[1].status), (200, 404));
    }
}
