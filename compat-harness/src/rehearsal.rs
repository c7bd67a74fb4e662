//! Rehearsal mode (issue 26): a live run whose real hosts are answered by
//! the simulators behind an intercepting TLS front. Who mints the
//! credentials (the parent process, which then re-executes itself with the
//! live variables set), the stage a rehearsal runs on (the simulators
//! answering as the real hosts, the front with one listener per column and
//! one for the CLI, each column's proxy environment), and the end-of-run
//! integrity report (tunnels, refusals, the simulators' violations, the
//! proxies' egress guard), which fails the run without painting a cell.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;

use compat_core::gateway::{egress_guard, routing};
use compat_matrix::provider::Provider;
use compat_sim::{Api, Credentials, Front, FrontListener, SimOptions, Simulators, TunnelOutcome};
use serde::Serialize;

use crate::column;

/// Set in the re-executed child: the credentials are in its environment.
pub const CHILD_VAR: &str = "COMPAT_REHEARSAL_CHILD";

/// `env`: take the live variables as they are given (the test that no
/// credential escapes sets each to a marker); unset or `mint`: the harness
/// mints real-shaped ones for the run.
pub const CREDENTIALS_VAR: &str = "COMPAT_REHEARSAL_CREDENTIALS";

/// The front listener the CLI is pointed at (`HTTPS_PROXY`): it routes no
/// host, so any tunnel the CLI asks for is refused and reported (live mode
/// never gives the CLI a real host).
pub const CLI_LISTENER: &str = "cli";

/// The integrity report, written beside the results file.
pub const INTEGRITY_FILE: &str = "rehearsal-integrity.json";

/// The query live mode's web search trial asks (compat-tests'
/// `web_search/check.rs` uses this constant): a rehearsal keeps a standing
/// page for it in the simulators' search corpus, since a live query carries
/// no trial nonce.
pub const LIVE_SEARCH_QUERY: &str = "Anthropic Claude web search tool documentation";

/// Every variable a live run reads its credentials and endpoints from, plus
/// the ones that would add or change a credential source behind our back:
/// the parent removes them all before it sets the minted ones, so nothing
/// from the operator's shell (real or not) reaches a rehearsal.
fn live_credential_vars() -> BTreeSet<&'static str> {
    let mut vars: BTreeSet<&'static str> = Provider::ALL
        .into_iter()
        .flat_map(|p| routing::live_env(p).iter().copied())
        .collect();
    vars.extend([
        "ANTHROPIC_API_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_BEARER_TOKEN_BEDROCK",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION_NAME",
        "AZURE_AI_API_BASE",
        "AZURE_AI_API_KEY",
        "AZURE_API_BASE",
        "AZURE_API_KEY",
        // The GPT columns' (issue 29), minted by compat-sim's rehearsal,
        // whether or not the manifest runs them: LiteLLM also reads
        // OPENAI_API_KEY for any `openai/` model
        // without a key, AZURE_OPENAI_API_KEY for `azure/` (azure/common_utils.py).
        "OPENAI_API_KEY",
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_API_BASE",
        "BEDROCK_MANTLE_API_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "TAVILY_API_KEY",
        "VERTEX_PROJECT",
        "VERTEX_LOCATION",
    ]);
    vars
}

/// In a rehearsal's first process: mints the run's credentials into a
/// private (0700) temporary folder, runs this same program again with the
/// same arguments and the live variables set by environment (never argv),
/// the host-redirecting variables removed, [`CHILD_VAR`] set; forwards the
/// child's exit code and deletes the folder. `None`: this process is the
/// one to run the trials (the child, or `COMPAT_REHEARSAL_CREDENTIALS=env`).
///
/// Why a second process: the child then reads its credentials exactly as a
/// live run does (`std::env::var`, `routing::live_env`, the proxies
/// inheriting them), and nothing but the environment carries them.
pub(crate) fn run_as_parent() -> Option<ExitCode> {
    if std::env::var_os(CHILD_VAR).is_some() {
        return None;
    }
    match std::env::var(CREDENTIALS_VAR).as_deref() {
        Ok("env") => return None,
        Err(_) | Ok("") | Ok("mint") => {}
        Ok(other) => {
            eprintln!(
                "error: {CREDENTIALS_VAR}={other:?}: expected `mint` (default: the harness mints the run's credentials) or `env` (take the live variables as set)"
            );
            return Some(ExitCode::from(2));
        }
    }
    Some(match mint_and_rerun() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: rehearsal: {e}");
            ExitCode::from(2)
        }
    })
}

fn mint_and_rerun() -> Result<ExitCode, String> {
    // tempfile makes the folder 0700; the service-account file is written
    // inside it by the minter.
    let dir = tempfile::Builder::new()
        .prefix("compat-rehearsal-")
        .tempdir()
        .map_err(|e| format!("cannot make a private folder for the run's credentials: {e}"))?;
    let minted = compat_sim::mint_rehearsal(dir.path()).map_err(|e| {
        format!(
            "cannot mint the run's credentials in {}: {e}",
            dir.path().display()
        )
    })?;
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program to run it again: {e}"))?;
    let mut cmd = Command::new(&exe);
    cmd.args(std::env::args_os().skip(1));
    for name in live_credential_vars() {
        cmd.env_remove(name);
    }
    for name in routing::REDIRECTING_ENV {
        cmd.env_remove(name);
    }
    for (name, value) in &minted.env {
        cmd.env(name, value);
    }
    cmd.env(CHILD_VAR, "1");
    eprintln!(
        "[compat] rehearsal: credentials minted for this run; running the trials in a child process"
    );
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {} again: {e}", exe.display()))?;
    // The folder (the service account's private key) goes now, whatever
    // the child did.
    drop(dir);
    Ok(match status.code() {
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        // Killed by a signal: the run did not finish.
        None => ExitCode::from(1),
    })
}

/// Why a column cannot be rehearsed, if it cannot: some client inside its
/// proxy reaches a real host without taking the front (`HTTPS_PROXY`), so a
/// rehearsal of it would reach for the network. Its proxy is not started;
/// its trials end unverified (`harness`), never red.
///
/// Measured on LiteLLM 1.108.7 (issue 26's first rehearsal): on
/// vertex_ai_rust_path the Rust bridge's messages client takes the front
/// (anthropic_rust_path's calls tunnel to api.anthropic.com), but its Vertex
/// credential exchange does not: no CONNECT reached the front, and the
/// proxy answered every request 500 "credential acquisition failed: Vertex
/// AI credentials failed: HTTP request failed: client error (Connect)" (a
/// direct connection to the service account's `token_uri`). Only a network
/// namespace with its own name resolution could contain it.
pub fn uncontained(p: Provider) -> Option<&'static str> {
    match p {
        Provider::VertexAiRustPath => Some(
            "LiteLLM 1.108.7's Rust bridge fetches Vertex credentials from the service account's \
             token_uri directly, ignoring HTTPS_PROXY, so the rehearsal's front cannot answer it \
             and the run would reach for oauth2.googleapis.com",
        ),
        _ => None,
    }
}

/// What a rehearsal runs on: the simulators answering as the real hosts
/// (hidden from the checks), the front, and its CA's file.
pub struct Stage {
    pub(crate) sims: Simulators,
    front: Front,
    ca_file: PathBuf,
    /// The proxies' egress guard: its environment (every proxy's) and log.
    guard_env: Vec<(String, String)>,
    guard_log: PathBuf,
}

/// The simulators a column's live hosts need: its own, Mantle's for the
/// Bedrock columns (LiteLLM counts Opus 4.7's tokens there when
/// bedrock-runtime refuses the model; plan 2.1).
fn apis_of(p: Provider) -> Vec<Api> {
    let own = column::api(p);
    let mut apis = vec![own];
    if matches!(own, Api::BedrockInvoke | Api::BedrockConverse) {
        apis.push(Api::BedrockMantle);
    }
    apis
}

impl Stage {
    /// Starts the simulators for `columns` with the credentials the live
    /// variables hold, answering as the real hosts, and the front: one
    /// listener per column routing exactly that column's live hosts
    /// (`routing::live_hosts`) to the simulator answering as each, and the
    /// [`CLI_LISTENER`] with none. The CA's public half goes to
    /// `work_dir/rehearsal-ca.pem`. `get` reads a live variable (the run:
    /// `std::env::var`; a test: the minted set).
    pub fn start(
        columns: &[Provider],
        work_dir: &Path,
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Stage, String> {
        let creds = Credentials::from_live_env(get)?;
        let apis: Vec<Api> = columns
            .iter()
            .flat_map(|&p| apis_of(p))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let sims = Simulators::start_with(
            &apis,
            SimOptions {
                creds: Arc::new(creds.clone()),
                real_hosts: true,
            },
        )
        .map_err(|e| format!("cannot start the simulators behind the real hosts: {e}"))?;
        sims.register_standing_page(
            LIVE_SEARCH_QUERY,
            compat_sim::SearchPage {
                url: "https://docs.claude.com/en/docs/agents-and-tools/tool-use/web-search-tool"
                    .into(),
                title: "Web search tool - Claude Docs".into(),
                text: "Web search tool\nThe web search tool gives Claude direct access to \
                       real-time web content, so it can answer with information beyond its \
                       knowledge cutoff, citing its sources."
                    .into(),
                page_age: None,
            },
        );
        let mut listeners = Vec::new();
        for &p in columns {
            listeners.push(FrontListener {
                label: p.id().to_owned(),
                routes: routes_of(p, &sims, &creds, get)?,
            });
        }
        listeners.push(FrontListener {
            label: CLI_LISTENER.to_owned(),
            routes: BTreeMap::new(),
        });
        let front = Front::start(listeners).map_err(|e| format!("{:#}", anyhow::Error::new(e)))?;
        std::fs::create_dir_all(work_dir)
            .map_err(|e| format!("cannot make {}: {e}", work_dir.display()))?;
        let ca_file = work_dir.join("rehearsal-ca.pem");
        compat_matrix::fsutil::write_atomic(&ca_file, front.ca_pem().as_bytes()).map_err(|e| {
            format!(
                "cannot write the TLS front's CA to {}: {e}",
                ca_file.display()
            )
        })?;
        // The second layer behind the front: in every proxy, a connection
        // or name lookup for anything but the loopback is refused and logged.
        let guard_log = work_dir.join("egress-refused.log");
        let guard_env =
            egress_guard::install(&work_dir.join("rehearsal-py"), &guard_log).map_err(|e| {
                format!(
                    "cannot install the proxies' egress guard in {}: {e}",
                    work_dir.display()
                )
            })?;
        Ok(Stage {
            sims,
            front,
            ca_file,
            guard_env,
            guard_log,
        })
    }

    /// The simulators behind the real hosts (fault injection, records
    /// bookkeeping; never a check's judgement).
    pub fn simulators(&self) -> &Simulators {
        &self.sims
    }

    /// The front's CA (public half), as a PEM file.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The CLI's proxy: the front's listener that tunnels nowhere.
    pub fn cli_proxy_url(&self) -> String {
        self.front
            .proxy_url(CLI_LISTENER)
            .expect("the cli listener is always started")
    }

    /// Column `p`'s proxy environment on top of live mode's: where its front
    /// listener is and the CA to trust (`routing::rehearsal_proxy_env`).
    /// Split in two: `.0` is the same for every column (the launcher that
    /// imports LiteLLM gets it, so one import serves all), `.1` only the
    /// column's own proxy variables, added in its fork (aiohttp and urllib
    /// read the proxy from `os.environ` per request, after the fork).
    pub fn proxy_env(&self, p: Provider) -> Result<ProxyEnv, String> {
        let url = self.front.proxy_url(p.id()).ok_or_else(|| {
            format!(
                "rehearsal: the front has no listener for {}: the stage was started without it",
                p.id()
            )
        })?;
        let all = routing::rehearsal_proxy_env(&url, &self.ca_file.display().to_string());
        let (fork, mut shared): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|(k, _)| is_per_column(k));
        shared.extend(self.guard_env.iter().cloned());
        Ok(ProxyEnv { shared, fork })
    }

    /// The integrity of the run so far: every tunnel the front was asked
    /// for, what it refused, what reached the simulators around it, what the
    /// proxies' egress guard stopped.
    pub fn integrity(&self) -> Integrity {
        let tunnels: Vec<TunnelLine> = self
            .front
            .tunnels()
            .into_iter()
            .map(|t| TunnelLine {
                opened: t.outcome == TunnelOutcome::Opened,
                why: match t.outcome {
                    TunnelOutcome::Opened => None,
                    TunnelOutcome::Refused { why } => Some(why),
                    TunnelOutcome::SniMismatch => {
                        Some("the TLS ClientHello named another host than the CONNECT".into())
                    }
                },
                listener: t.listener,
                host: t.host,
            })
            .collect();
        Integrity {
            tunnels,
            violations: self.sims.violations(),
            egress_refused: egress_guard::refusals(&self.guard_log),
        }
    }
}

/// A column's proxy environment in a rehearsal ([`Stage::proxy_env`]).
#[derive(Debug, Clone)]
pub struct ProxyEnv {
    /// The same for every column: the launcher's.
    pub shared: Vec<(String, String)>,
    /// The column's own: its fork's.
    pub fork: Vec<(String, String)>,
}

impl ProxyEnv {
    /// Both halves, as one proxy spawned on its own takes them.
    pub fn all(&self) -> Vec<(String, String)> {
        self.shared.iter().chain(&self.fork).cloned().collect()
    }
}

/// The proxy variables, which name a column's own listener.
fn is_per_column(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "https_proxy" | "http_proxy" | "all_proxy"
    )
}

/// Column `p`'s routes: each of its live hosts to the simulator answering
/// as it. A live host no simulator answers as is an error: the stage would
/// refuse a call live mode makes.
fn routes_of(
    p: Provider,
    sims: &Simulators,
    creds: &Credentials,
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, SocketAddr>, String> {
    let get = |k: &str| get(k).unwrap_or_default();
    // The column's own Azure endpoint variable (Foundry, its pass-through,
    // Azure OpenAI), if it has one.
    let azure_base = routing::azure_base_var(p).map(get).unwrap_or_default();
    let hosts = routing::live_hosts(
        p,
        &get("AWS_REGION_NAME"),
        &get("VERTEX_LOCATION"),
        Some(azure_base.as_str()).filter(|b| !b.is_empty()),
    );
    let mut routes = BTreeMap::new();
    for host in hosts {
        // The column's own simulator first: bedrock-runtime is Invoke's
        // host for bedrock_invoke and Converse's for bedrock_converse.
        let addr = apis_of(p)
            .into_iter()
            .find(|&api| compat_sim::real_hosts(api, creds).contains(&host))
            .and_then(|api| sims.addr(api))
            .or_else(|| (host == compat_sim::TAVILY_HOST).then(|| sims.tavily_addr()).flatten())
            .ok_or_else(|| {
                format!(
                    "rehearsal: column {} calls {host} in live mode, and no simulator answers as it",
                    p.id()
                )
            })?;
        routes.insert(host, addr);
    }
    Ok(routes)
}

/// One CONNECT the front was asked for.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TunnelLine {
    pub listener: String,
    pub host: String,
    pub opened: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// The end-of-run integrity report of a rehearsal ([`INTEGRITY_FILE`]).
#[derive(Debug, Clone, Serialize)]
pub struct Integrity {
    pub tunnels: Vec<TunnelLine>,
    /// Requests that reached a simulator with another `Host` than the one
    /// it answers as (around the front).
    pub violations: Vec<String>,
    /// Connections the proxies' egress guard refused (not loopback).
    pub egress_refused: Vec<String>,
}

impl Integrity {
    /// What makes the run fail: every refused tunnel, violation and egress
    /// refusal, one line each. Empty: nothing left the stage.
    pub fn failures(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .tunnels
            .iter()
            .filter(|t| !t.opened)
            .map(|t| {
                format!(
                    "the front refused a tunnel from {} to {}: {}",
                    t.listener,
                    t.host,
                    t.why.as_deref().unwrap_or("refused")
                )
            })
            .collect();
        out.extend(
            self.violations
                .iter()
                .map(|v| format!("a simulator was reached around the front: {v}")),
        );
        out.extend(
            self.egress_refused
                .iter()
                .map(|v| format!("a proxy reached for the network: {v}")),
        );
        out
    }
}

/// The end of a rehearsal: writes the integrity report beside the results
/// file and says what failed. Returns false when the run must fail.
pub fn conclude(stage: &Stage, results_file: &Path) -> bool {
    let report = stage.integrity();
    let path = results_file.with_file_name(INTEGRITY_FILE);
    let json = serde_json::to_string_pretty(&report).expect("json");
    if let Err(e) = compat_matrix::fsutil::write_atomic(&path, json.as_bytes()) {
        eprintln!(
            "[compat] error: cannot write the rehearsal's integrity report {}: {e}",
            path.display()
        );
        return false;
    }
    let opened = report.tunnels.iter().filter(|t| t.opened).count();
    let failures = report.failures();
    if failures.is_empty() {
        eprintln!(
            "[compat] rehearsal integrity: {opened} tunnel(s) opened, nothing refused, no simulator reached around the front ({})",
            path.display()
        );
        return true;
    }
    eprintln!(
        "[compat] rehearsal integrity FAILED ({} finding(s); {}): the run reached, or tried to reach, past its stage:",
        failures.len(),
        path.display()
    );
    for f in &failures {
        eprintln!("  - {f}");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing of the operator's shell reaches a rehearsal: every variable
    /// live mode reads, and every one the minter sets, is removed before the
    /// minted values are set.
    #[test]
    fn every_live_variable_is_scrubbed_before_the_minted_ones() {
        let scrubbed = live_credential_vars();
        for p in Provider::ALL {
            for v in routing::live_env(p) {
                assert!(scrubbed.contains(v), "{}: {v}", p.id());
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let minted = compat_sim::mint_rehearsal(dir.path()).unwrap();
        for (k, _) in &minted.env {
            assert!(scrubbed.contains(k.as_str()), "minted {k}");
        }
    }

    /// The GPT routes (issue 29), before the manifest has their columns:
    /// every live host they call, from the minted variables, is one their
    /// simulator answers as (so `routes_of` can route it), and their live
    /// variables are scrubbed before the minted ones are set.
    #[test]
    fn the_gpt_routes_live_hosts_are_answered_in_a_rehearsal() {
        use compat_core::gateway::routing::openai::GptRoute;
        let dir = tempfile::tempdir().unwrap();
        let minted = compat_sim::mint_rehearsal(dir.path()).unwrap();
        let vars: BTreeMap<String, String> = minted.env.iter().cloned().collect();
        let scrubbed = live_credential_vars();
        for (route, api) in [
            (GptRoute::OpenAi, Api::OpenAi),
            (GptRoute::AzureOpenAi, Api::AzureOpenAi),
        ] {
            let base = route.azure_base_var().map(|v| vars[v].clone());
            let hosts = route.live_hosts(base.as_deref());
            assert!(!hosts.is_empty(), "{route:?}");
            for h in hosts {
                assert!(
                    compat_sim::real_hosts(api, &minted.creds).contains(&h),
                    "{route:?}: {h}"
                );
            }
            for v in route.live_env() {
                assert!(scrubbed.contains(v), "{v}");
                assert!(vars.contains_key(*v), "minted {v}");
            }
        }
    }

    /// One stage for every column: each column's listener routes exactly its
    /// live hosts (a host no simulator answers as would fail the start);
    /// what differs between columns is only the proxy variables, which go
    /// to the fork, so one LiteLLM import serves every column of a launcher
    /// environment; the egress guard and the CA are in the shared part.
    #[test]
    fn every_column_gets_its_own_listener_and_shares_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let minted = compat_sim::mint_rehearsal(dir.path()).unwrap();
        let vars: BTreeMap<String, String> = minted.env.iter().cloned().collect();
        let stage = Stage::start(&Provider::ALL, &dir.path().join("work"), &|k| {
            vars.get(k).cloned()
        })
        .unwrap();
        let mut shared = BTreeSet::new();
        let mut urls = BTreeSet::new();
        for p in Provider::ALL {
            let env = stage.proxy_env(p).unwrap();
            let names: BTreeSet<&str> = env.fork.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(
                names,
                BTreeSet::from(["HTTPS_PROXY", "https_proxy"]),
                "{}",
                p.id()
            );
            urls.insert(env.fork[0].1.clone());
            shared.insert(env.shared.clone());
            let has = |k: &str| env.shared.iter().any(|(n, _)| n == k);
            assert!(
                has("SSL_CERT_FILE") && has("REQUESTS_CA_BUNDLE"),
                "{}",
                p.id()
            );
            assert!(has(egress_guard::LOG_VAR), "{}", p.id());
        }
        assert_eq!(urls.len(), Provider::ALL.len(), "one listener per column");
        assert_eq!(shared.len(), 1, "the shared part differs between columns");
        assert!(!urls.contains(&stage.cli_proxy_url()));
        let ca = std::fs::read_to_string(stage.ca_file()).unwrap();
        assert!(ca.contains("BEGIN CERTIFICATE") && !ca.contains("PRIVATE KEY"));
        // Nothing asked for yet: an intact report.
        assert!(stage.integrity().failures().is_empty());
    }
}
