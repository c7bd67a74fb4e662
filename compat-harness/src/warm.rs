//! The warm gateway for authors: `cargo xtask up` imports LiteLLM once and
//! keeps one proxy per column running (forked, detached), each routed at a
//! simulator port reserved in the state file; the harness attaches to them
//! when the state file is there and still true, so a one-cell run pays only
//! for its CLI runs. `cargo xtask down` stops them (their process group).
//!
//! The simulators are not kept: they start in milliseconds, and the harness
//! needs them in process (their records are a check's evidence, faults are
//! switched on in them), so each run starts its own on the reserved ports.
//! What a trial crosses is the same as without `up`: the CLI, the tap, a
//! LiteLLM proxy from the same generated config, the simulator.
//!
//! `COMPAT_WARM=off` makes a run ignore the warm gateway (the bench's cold
//! author loop). A state file is stale, said once and ignored, when its launcher is gone,
//! a needed proxy is dead or missing, the LiteLLM entry point or version
//! differ, a column's config (which names the column's models) is not the one
//! this build would generate, or the simulator ports are taken.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use compat_core::gateway::prefork::{self, Launcher};
use compat_core::gateway::{Gateway, HERMETIC_ENV, ProxySpec};
use compat_core::secret::Secret;
use compat_matrix::provider::Provider;
use compat_sim::{Api, Simulators};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::column;

const FORMAT: &str = "compat-up/1";

/// The folder of the warm gateway (state file, configs, logs): under
/// target/, whatever `COMPAT_OUT_DIR` a run uses.
pub fn dir() -> PathBuf {
    compat_matrix::paths::workspace_root().join("target/compat-up")
}

fn state_path() -> PathBuf {
    dir().join("state.json")
}

#[derive(Serialize, Deserialize)]
struct State {
    format: String,
    launcher_pgid: i32,
    litellm_bin: PathBuf,
    litellm_version: String,
    /// Simulator API id -> the port its proxy expects it on.
    sim_ports: BTreeMap<String, u16>,
    proxies: BTreeMap<String, ProxyState>,
}

#[derive(Serialize, Deserialize)]
struct ProxyState {
    url: String,
    /// The proxy's random local master key (the file is 0600, under target/).
    master_key: String,
    pid: i32,
    log: PathBuf,
    config: Value,
}

/// `cargo xtask up`: starts (replacing a previous one) the warm gateway for
/// every column of `providers`, each serving its own models (`Provider::models`).
pub fn up(providers: &[Provider]) -> anyhow::Result<()> {
    let _ = down();
    let dir = dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let litellm = compat_core::tools::litellm()?;
    let python = prefork::python_of(&litellm.bin).with_context(|| {
        format!(
            "cannot find the Python of {} (the warm gateway forks proxies from it)",
            litellm.bin.display()
        )
    })?;
    let env: Vec<(String, String)> = HERMETIC_ENV
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let t0 = std::time::Instant::now();
    let launcher = std::sync::Arc::new(Launcher::start(
        &python,
        &dir,
        "up",
        &env,
        Duration::from_secs(180),
        true,
    )?);
    eprintln!(
        "[up] LiteLLM {} imported in {:.1} s",
        litellm.version,
        t0.elapsed().as_secs_f64()
    );
    let mut state = State {
        format: FORMAT.into(),
        launcher_pgid: 0,
        litellm_bin: litellm.bin.clone(),
        litellm_version: litellm.version.clone(),
        sim_ports: BTreeMap::new(),
        proxies: BTreeMap::new(),
    };
    let mut gateways = Vec::new();
    for &p in providers {
        if let Some(why) = column::not_warmable(p) {
            eprintln!("[up] not keeping {} warm: {why}", p.id());
            continue;
        }
        // Columns that share a simulator (pass-through, Rust path) share its port.
        let port = match state.sim_ports.get(column::api(p).id()) {
            Some(&port) => port,
            None => compat_core::gateway::free_port()?,
        };
        state.sim_ports.insert(column::api(p).id().to_owned(), port);
        let base = format!("http://127.0.0.1:{port}");
        let vertex = (column::api(p) == Api::VertexAi)
            .then(|| column::write_fake_service_account(&dir, &base))
            .transpose()
            .map_err(anyhow::Error::msg)?;
        let config = column::sim_proxy_config(p, p.models(), &base, vertex.as_deref());
        let gw = Gateway::start_forked(
            ProxySpec {
                litellm_bin: &litellm.bin,
                config: config.clone(),
                work_dir: &dir,
                label: p.id(),
                ready_timeout: Duration::from_secs(180),
                env: Vec::new(),
            },
            &launcher,
        )?;
        eprintln!("[up] proxy for {} at {}", p.id(), gw.base_url);
        // Its first stream, as the harness gives a proxy it starts itself:
        // needs the simulator, which lives only during a run, so a short one.
        if let Some(model) = p.models().first() {
            let sims = Simulators::start_at(&[(column::api(p), port)])?;
            column::warm_up(&gw, model, p);
            drop(sims);
        }
        state.proxies.insert(
            p.id().to_owned(),
            ProxyState {
                url: gw.base_url.clone(),
                master_key: gw.master_key.expose().to_owned(),
                pid: gw.pid().unwrap_or(0),
                log: gw.log_path.clone().unwrap_or_default(),
                config,
            },
        );
        gateways.push(gw);
    }
    for gw in gateways {
        gw.detach();
    }
    let launcher = std::sync::Arc::try_unwrap(launcher)
        .map_err(|_| anyhow::anyhow!("the launcher is still shared"))?;
    state.launcher_pgid = launcher.detach();
    write_private(&state_path(), &serde_json::to_vec_pretty(&state)?)?;
    eprintln!(
        "[up] {} proxies up in {:.1} s; state in {} (`cargo xtask down` stops them)",
        state.proxies.len(),
        t0.elapsed().as_secs_f64(),
        state_path().display()
    );
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(bytes)?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// `cargo xtask down`: stops the warm gateway's process group and removes
/// the state file. Ok(false) when there was none.
pub fn down() -> anyhow::Result<bool> {
    let path = state_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(false);
    };
    if let Ok(state) = serde_json::from_str::<State>(&text)
        && state.launcher_pgid > 0
    {
        use nix::sys::signal::{Signal, killpg};
        let pg = nix::unistd::Pid::from_raw(state.launcher_pgid);
        let _ = killpg(pg, Signal::SIGTERM);
        for _ in 0..100 {
            if killpg(pg, None).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        let _ = killpg(pg, Signal::SIGKILL);
    }
    std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    Ok(true)
}

/// What the harness attaches to: the simulators, started on the reserved
/// ports, and the running proxies.
pub(crate) struct Attached {
    pub sims: Simulators,
    pub gateways: BTreeMap<Provider, Gateway>,
    pub litellm_version: String,
}

/// Attaches to the warm gateway if there is one and it is still true (see
/// the module's doc); says why when it is not.
pub(crate) fn attach(providers: &[Provider]) -> Option<Attached> {
    if std::env::var("COMPAT_WARM").as_deref() == Ok("off") {
        return None;
    }
    let path = state_path();
    let text = std::fs::read_to_string(&path).ok()?;
    match try_attach(&text, providers) {
        Ok(a) => {
            eprintln!(
                "[compat] attached to the warm gateway of `cargo xtask up` ({}): proxies for {}",
                path.display(),
                a.gateways
                    .keys()
                    .map(|p| p.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Some(a)
        }
        Err(e) => {
            eprintln!(
                "[compat] ignoring the stale warm-gateway state {} ({e:#}); starting this run's own proxies (`cargo xtask up` renews it)",
                path.display()
            );
            None
        }
    }
}

fn try_attach(text: &str, providers: &[Provider]) -> anyhow::Result<Attached> {
    let state: State = serde_json::from_str(text).context("unreadable")?;
    if state.format != FORMAT {
        bail!("format {}, this build writes {FORMAT}", state.format);
    }
    if nix::sys::signal::killpg(nix::unistd::Pid::from_raw(state.launcher_pgid), None).is_err() {
        bail!(
            "its launcher (process group {}) is gone",
            state.launcher_pgid
        );
    }
    let litellm = compat_core::tools::litellm()?;
    if litellm.bin != state.litellm_bin || litellm.version != state.litellm_version {
        bail!(
            "it runs LiteLLM {} from {}, this run wants {} from {}",
            state.litellm_version,
            state.litellm_bin.display(),
            litellm.version,
            litellm.bin.display()
        );
    }
    let mut gateways = BTreeMap::new();
    let mut ports = Vec::new();
    for &p in providers {
        if let Some(why) = column::not_warmable(p) {
            bail!("{} is not kept warm: {why}", p.id());
        }
        let api: Api = column::api(p);
        let proxy = state
            .proxies
            .get(p.id())
            .with_context(|| format!("no proxy for {}", p.id()))?;
        let port = *state
            .sim_ports
            .get(api.id())
            .with_context(|| format!("no simulator port for {}", api.id()))?;
        if !std::path::Path::new(&format!("/proc/{}", proxy.pid)).exists() {
            bail!("the proxy for {} (pid {}) is dead", p.id(), proxy.pid);
        }
        let base = format!("http://127.0.0.1:{port}");
        let vertex = proxy
            .config
            .pointer("/model_list/0/litellm_params/vertex_credentials")
            .and_then(Value::as_str);
        let want = column::sim_proxy_config(p, p.models(), &base, vertex);
        if want != proxy.config {
            bail!(
                "the proxy for {} runs another config than this build generates",
                p.id()
            );
        }
        if !ports.contains(&(api, port)) {
            ports.push((api, port));
        }
        gateways.insert(
            p,
            Gateway::attach(
                &proxy.url,
                Secret::new(proxy.master_key.clone()),
                p.id(),
                proxy.log.clone(),
            ),
        );
    }
    let sims = Simulators::start_at(&ports)
        .context("the simulator ports it reserved are taken (another run attached to it?)")?;
    Ok(Attached {
        sims,
        gateways,
        litellm_version: state.litellm_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_file_whose_launcher_is_gone_is_stale() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id() as i32;
        child.wait().unwrap();
        let state = State {
            format: FORMAT.into(),
            launcher_pgid: dead,
            litellm_bin: "/nonexistent/litellm".into(),
            litellm_version: "0".into(),
            sim_ports: BTreeMap::new(),
            proxies: BTreeMap::new(),
        };
        let text = serde_json::to_string(&state).unwrap();
        let e = try_attach(&text, &[Provider::Anthropic])
            .err()
            .expect("stale");
        assert!(format!("{e:#}").contains("is gone"), "{e:#}");
        let e = try_attach("{", &[Provider::Anthropic])
            .err()
            .expect("stale");
        assert!(format!("{e:#}").contains("unreadable"), "{e:#}");
    }
}
