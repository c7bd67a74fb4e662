//! `cargo xtask probe --mode rehearsal`: the "provider" half of live mode's
//! probes answered by the simulators behind the providers' real host names.
//!
//! Live mode's code path runs unchanged (`probe::run_live`: the same target,
//! the same clients reading the same variables, the same comparison); what
//! this module supplies is the world below it: credentials minted per run
//! and shaped like real ones (`compat_sim::mint_rehearsal`), the
//! simulators started to answer as the real hosts (`real_hosts: true`:
//! SigV4 for the real host name, the service-account JWT at
//! `oauth2.googleapis.com`), and an intercepting TLS front with one listener
//! per api whose allow-list is that api's real hosts. The probe script gets
//! only those: a cleared environment, the live variables, `HTTPS_PROXY` at
//! its api's listener and the front's CA (`SSL_CERT_FILE` for httpx,
//! `REQUESTS_CA_BUNDLE` for google-auth's token exchange, `AWS_CA_BUNDLE` for
//! botocore). A tunnel the front refused, or a request a simulator received
//! under another host name, fails the run (it would mean the live path
//! reached for something live mode does not configure).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use compat_sim::front::{Front, FrontListener, TunnelOutcome};
use compat_sim::{Api, SimOptions, Simulators};

/// The rehearsal's simulators, front and minted credentials, for one probe run.
pub struct RehearsalSide {
    /// The minted variables, by name: the only credentials the script sees.
    vars: BTreeMap<String, String>,
    front: Front,
    ca_file: PathBuf,
    home: PathBuf,
    sims: Simulators,
    /// Holds the service-account file, the CA and the script's HOME; removed
    /// when the run ends.
    _dir: tempfile::TempDir,
}

impl RehearsalSide {
    /// Mints the credentials, starts every simulator as its real host, and
    /// the front with one listener per api.
    pub fn start() -> anyhow::Result<RehearsalSide> {
        let dir = tempfile::Builder::new()
            .prefix("compat-probe-rehearsal-")
            .tempdir()
            .context("cannot make the rehearsal's temporary directory")?;
        restrict(dir.path())?;
        let minted = compat_sim::mint_rehearsal(dir.path())
            .context("cannot mint the rehearsal's credentials")?;
        let creds = Arc::new(minted.creds);
        let sims = Simulators::start_with(
            &Api::ALL,
            SimOptions {
                creds: creds.clone(),
                real_hosts: true,
            },
        )
        .context("cannot start the simulators behind the real host names")?;
        let mut listeners = Vec::new();
        for api in Api::ALL {
            let addr = sim_addr(&sims, api)?;
            // The api's host, and for Vertex oauth2.googleapis.com, where
            // google-auth exchanges the service account's JWT.
            let routes: BTreeMap<String, SocketAddr> = compat_sim::real_hosts(api, &creds)
                .into_iter()
                .map(|h| (h, addr))
                .collect();
            anyhow::ensure!(
                !routes.is_empty(),
                "compat-sim names no real host for {}",
                api.id()
            );
            listeners.push(FrontListener {
                label: api.id().to_owned(),
                routes,
            });
        }
        let front =
            Front::start(listeners).map_err(|e| anyhow!("cannot start the TLS front: {e}"))?;
        let ca_file = dir.path().join("rehearsal-ca.pem");
        std::fs::write(&ca_file, front.ca_pem()).context("cannot write the front's CA")?;
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home)?;
        Ok(RehearsalSide {
            vars: minted.env.into_iter().collect(),
            front,
            ca_file,
            home,
            sims,
            _dir: dir,
        })
    }

    /// A minted live variable (never the operator's: the rehearsal does not
    /// read the process environment for credentials).
    pub fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).filter(|v| !v.is_empty()).cloned()
    }

    /// The whole environment the probe script runs with for `api`'s probes
    /// (the script's command is cleared first): the minted live variables,
    /// `HTTPS_PROXY` at `api`'s listener, the CA for each client library,
    /// and nothing of the operator's but `PATH`.
    pub fn script_env(&self, api: Api) -> anyhow::Result<Vec<(String, String)>> {
        let proxy = self
            .front
            .proxy_url(api.id())
            .ok_or_else(|| anyhow!("the front has no listener for {}", api.id()))?;
        let ca = self.ca_file.display().to_string();
        let mut env: Vec<(String, String)> = self
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in [
            ("HTTPS_PROXY", proxy.as_str()),
            ("https_proxy", proxy.as_str()),
            ("NO_PROXY", "127.0.0.1,localhost"),
            ("no_proxy", "127.0.0.1,localhost"),
            ("SSL_CERT_FILE", ca.as_str()),
            ("REQUESTS_CA_BUNDLE", ca.as_str()),
            ("AWS_CA_BUNDLE", ca.as_str()),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ] {
            env.push((k.to_owned(), v.to_owned()));
        }
        env.push(("HOME".into(), self.home.display().to_string()));
        if let Some(path) = std::env::var_os("PATH") {
            env.push(("PATH".into(), path.to_string_lossy().into_owned()));
        }
        Ok(env)
    }

    /// What went around the live path: tunnels the front refused (a host no
    /// probe's provider answers as) and requests a simulator received under
    /// another host name. Empty when the rehearsal was sound.
    pub fn integrity(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .front
            .tunnels()
            .into_iter()
            .filter(|t| !matches!(t.outcome, TunnelOutcome::Opened))
            .map(|t| {
                format!(
                    "the front refused a tunnel to {} from the {} probes' listener: {:?}",
                    t.host, t.listener, t.outcome
                )
            })
            .collect();
        out.extend(
            self.sims
                .violations()
                .into_iter()
                .map(|v| format!("a simulator behind a real host name: {v}")),
        );
        out
    }

    /// The hosts each listener opened a tunnel to (listener, host), for the
    /// report: evidence that the probes crossed the real host names.
    pub fn opened(&self) -> Vec<(String, String)> {
        let mut seen: Vec<(String, String)> = self
            .front
            .tunnels()
            .into_iter()
            .filter(|t| matches!(t.outcome, TunnelOutcome::Opened))
            .map(|t| (t.listener, t.host))
            .collect();
        seen.sort();
        seen.dedup();
        seen
    }
}

/// The simulator's socket address (its base URL is `http://127.0.0.1:<port>`).
fn sim_addr(sims: &Simulators, api: Api) -> anyhow::Result<SocketAddr> {
    let url = sims
        .base_url(api)
        .ok_or_else(|| anyhow!("the {} simulator did not start", api.id()))?;
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .with_context(|| {
            format!(
                "the {} simulator's base URL {url} is not host:port",
                api.id()
            )
        })
}

/// The directory holds a private key: owner only.
fn restrict(dir: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict {} to its owner", dir.display()))
}
