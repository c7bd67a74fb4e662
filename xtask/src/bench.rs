//! `cargo xtask bench`: the speed and memory figures of the full sim matrix,
//! next to its floor.
//!
//! - matrix: `cargo test -p compat-tests` over every matrix trial (fault tests
//!   skipped), wall time and peak memory of the whole process tree (the
//!   harness, the simulators, the proxies, every claude process);
//! - floor: the same number of bare `claude -p` runs the matrix made, at the
//!   same parallelism, straight against the Anthropic simulator (no proxy);
//! - author loop: one cell (`tool_use::anthropic`), without the warm gateway
//!   (the run starts its own proxy) and attached to `cargo xtask up`'s;
//! - CPU: per trial, and the gateway's share (every LiteLLM process: the
//!   launcher and the proxies forked from it, or spawned ones).
//!
//! Targets (2-core machine, idle, after provisioning): ratio <= 1.3, author
//! loop <= 6 s with `xtask up` and <= 12 s without, peak memory <= 2 GiB.
//! Printed, never asserted: timing is not a test.

use std::collections::HashMap;
use std::process::{Command, ExitCode, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use compat_core::driver::ClaudeRun;
use compat_core::secret::Secret;
use compat_matrix::results::{Mode, RunResults};
use compat_sim::{Api, Simulators, creds};

use crate::suite::{self, Suite};

/// Clock ticks a second in /proc's CPU times (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;

/// One process as the sampler saw it last.
#[derive(Clone, Default)]
struct Seen {
    /// Its own utime + stime, in ticks (not its reaped children's).
    own: u64,
    /// Its reaped children's (cutime + cstime): a launcher reaps the
    /// proxies it forked.
    reaped: u64,
    litellm: bool,
    /// What it is, for the CPU breakdown: `litellm`, `claude`, else its
    /// executable's name.
    kind: String,
}

/// What a process is, from its command line (read once per process).
fn kind_of(pid: u32) -> String {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline);
    if cmdline.contains("litellm") {
        return "litellm".into();
    }
    if cmdline.contains("claude") && !cmdline.contains("compat") {
        return "claude".into();
    }
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| c.trim().to_owned())
        .unwrap_or_else(|_| "?".into())
}

/// The KiB figure of the line `key` in `/proc/<pid>/<file>` (0 when
/// unreadable).
fn proc_kib(pid: u32, file: &str, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Proportional set size: forked proxies share the launcher's pages, so
/// summing RSS counts those pages once per proxy. Costly (see `measure`).
fn pss_kib(pid: u32) -> u64 {
    proc_kib(pid, "smaps_rollup", "Pss:")
}

/// The given 1-based fields of `/proc/<who>/stat` (0 when unreadable);
/// fields count from the pid, the name's parentheses skipped.
fn stat_fields<const N: usize>(who: &str, fields: [usize; N]) -> [u64; N] {
    let mut out = [0; N];
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{who}/stat")) else {
        return out;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return out;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the name the state is field 3.
    for (o, &i) in out.iter_mut().zip(&fields) {
        *o = f
            .get(i - 3)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    out
}

/// CPU ticks of this process's reaped children (cutime + cstime).
fn children_ticks() -> u64 {
    stat_fields("self", [16, 17]).iter().sum()
}

/// A process's resident set, KiB (`VmRSS`, a counter: cheap to read).
fn rss_kib(pid: u32) -> u64 {
    proc_kib(pid, "status", "VmRSS:")
}

/// `root` and all its descendants: (pid, stat fields ppid, utime, stime,
/// cutime, cstime, starttime) read once per process from `/proc/<pid>/stat`
/// (cheap: no page-table walk).
fn tree(root: u32) -> Vec<(u32, [u64; 6])> {
    let mut all: Vec<(u32, [u64; 6])> = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return all;
    };
    for e in entries.filter_map(Result::ok) {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        all.push((pid, stat_fields(&pid.to_string(), [4, 14, 15, 16, 17, 22])));
    }
    let mut children: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, (_, f)) in all.iter().enumerate() {
        children.entry(f[0] as u32).or_default().push(i);
    }
    let mut out = Vec::new();
    let mut stack: Vec<u32> = vec![root];
    if let Some(r) = all.iter().find(|(p, _)| *p == root) {
        out.push(*r);
    }
    while let Some(p) = stack.pop() {
        for &i in children.get(&p).into_iter().flatten() {
            out.push(all[i]);
            stack.push(all[i].0);
        }
    }
    out
}

/// A command's wall time, the peak memory of its process tree and its CPU.
struct Measured {
    wall: Duration,
    peak_kib: u64,
    peak_pss_kib: u64,
    /// How often PSS was read, and what reading it cost (see `measure`).
    pss_samples: u64,
    pss_read: Duration,
    /// Every process the command started.
    cpu: Duration,
    /// Whether `cpu` is the kernel's exact account (a cgroup) or a sum of
    /// reaped children and sampled proxies.
    cpu_exact: bool,
    /// The LiteLLM processes' part of `cpu` (sampled every 200 ms).
    gateway_cpu: Duration,
    /// Sampled CPU by kind of process, most first (a process's last
    /// fraction of a second before it exits is missed).
    by_kind: Vec<(String, Duration)>,
}

/// The exact CPU of a command and everything it starts: a cgroup the
/// command joins before it execs (cgroup v1 `cpuacct`, else v2). None on a
/// machine without one this user may create (then `measure` falls back to
/// the reaped children and sampled proxies, which can miss or double-count
/// a proxy's last fraction of a second).
struct CpuGroup {
    dir: std::path::PathBuf,
    v2: bool,
}

impl CpuGroup {
    fn create() -> Option<CpuGroup> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("compat-bench-{}-{nanos}", std::process::id());
        for (root, v2) in [("/sys/fs/cgroup/cpuacct", false), ("/sys/fs/cgroup", true)] {
            let root = std::path::Path::new(root);
            let probe = if v2 {
                "cgroup.controllers"
            } else {
                "cpuacct.usage"
            };
            if !root.join(probe).exists() {
                continue;
            }
            let dir = root.join(&name);
            if std::fs::create_dir(&dir).is_ok() {
                return Some(CpuGroup { dir, v2 });
            }
        }
        None
    }

    /// Moves the just-spawned `pid` into the group; what it starts from
    /// then on follows. (Done from here, not between fork and exec, which
    /// would need unsafe code: cargo, the command, takes far longer to load
    /// its manifests than this write takes before it starts anything.)
    fn enter(&self, pid: u32) -> std::io::Result<()> {
        std::fs::write(self.dir.join("cgroup.procs"), pid.to_string())
    }

    fn usage(&self) -> Option<Duration> {
        if self.v2 {
            let stat = std::fs::read_to_string(self.dir.join("cpu.stat")).ok()?;
            let usec = stat
                .lines()
                .find_map(|l| l.strip_prefix("usage_usec "))?
                .trim()
                .parse()
                .ok()?;
            Some(Duration::from_micros(usec))
        } else {
            let ns = std::fs::read_to_string(self.dir.join("cpuacct.usage")).ok()?;
            Some(Duration::from_nanos(ns.trim().parse().ok()?))
        }
    }
}

impl Drop for CpuGroup {
    fn drop(&mut self) {
        // Empty once everything exited; a straggler keeps it (harmless).
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Runs `cmd` to its end, sampling its process tree.
///
/// Every 200 ms the sampler reads each process's `/proc/<pid>/stat` (CPU,
/// RSS: cheap). PSS needs `smaps_rollup`, which walks the process's page
/// tables under its memory lock: ~25 ms per LiteLLM process, so reading it
/// for ~20 processes every 200 ms took most of a core and slowed the run it
/// measured (last session's 49 % spread between a bench and a plain run).
/// PSS is read at most every second, and no more often than keeps its cost
/// at 5 % of one core; the count and the cost are reported.
fn measure(cmd: &mut Command) -> std::io::Result<(ExitStatus, Measured)> {
    let mut group = CpuGroup::create();
    let start = Instant::now();
    let reaped_before = children_ticks();
    let mut child = cmd.spawn()?;
    let pid = child.id();
    if let Some(g) = &group
        && let Err(e) = g.enter(pid)
    {
        eprintln!(
            "[bench] cannot join {} ({e}); CPU will be approximate",
            g.dir.display()
        );
        group = None;
    }
    let peak = Arc::new(AtomicU64::new(0));
    let peak_pss = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    // By pid and start time: a pid can be reused within a run.
    let seen = Arc::new(std::sync::Mutex::new(HashMap::<(u32, u64), Seen>::new()));
    let pss_stats = Arc::new(std::sync::Mutex::new((0u64, Duration::ZERO)));
    let sampler = {
        let (peak, peak_pss, done, seen, pss_stats) = (
            peak.clone(),
            peak_pss.clone(),
            done.clone(),
            seen.clone(),
            pss_stats.clone(),
        );
        std::thread::spawn(move || {
            let mut next_pss = Instant::now();
            while !done.load(Ordering::SeqCst) {
                let procs = tree(pid);
                let rss: u64 = procs.iter().map(|(p, _)| rss_kib(*p)).sum();
                peak.fetch_max(rss, Ordering::SeqCst);
                {
                    let mut seen = seen.lock().expect("samples");
                    for (p, f) in &procs {
                        let e = seen.entry((*p, f[5])).or_insert_with(|| {
                            let kind = kind_of(*p);
                            Seen {
                                litellm: kind == "litellm",
                                kind,
                                ..Seen::default()
                            }
                        });
                        e.own = f[1] + f[2];
                        e.reaped = f[3] + f[4];
                    }
                }
                if Instant::now() >= next_pss {
                    let t = Instant::now();
                    let pss: u64 = procs.iter().map(|(p, _)| pss_kib(*p)).sum();
                    let cost = t.elapsed();
                    peak_pss.fetch_max(pss, Ordering::SeqCst);
                    let mut st = pss_stats.lock().expect("pss");
                    st.0 += 1;
                    st.1 += cost;
                    next_pss = Instant::now() + (cost * 20).max(Duration::from_secs(1));
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    let status = child.wait();
    let wall = start.elapsed();
    done.store(true, Ordering::SeqCst);
    let _ = sampler.join();
    let reaped = children_ticks().saturating_sub(reaped_before);
    let seen = seen.lock().expect("samples");
    let litellm = seen.values().filter(|s| s.litellm);
    let gateway: u64 = litellm.clone().map(|s| s.own).sum();
    let secs = |t: u64| Duration::from_secs_f64(t as f64 / TICKS);
    let exact = group.as_ref().and_then(CpuGroup::usage);
    // Without the cgroup: the kernel's account of reaped children, plus the
    // proxies (those killed at the end are never reaped into it), minus what
    // their launchers reaped (counted already through the proxies). A proxy
    // or launcher stopped mid-run and reaped by the harness is counted
    // twice: an upper bound, printed as approximate.
    let approx = secs((reaped + gateway).saturating_sub(litellm.map(|s| s.reaped).sum::<u64>()));
    let (pss_samples, pss_read) = *pss_stats.lock().expect("pss");
    let mut kinds: HashMap<&str, u64> = HashMap::new();
    for s in seen.values() {
        *kinds.entry(s.kind.as_str()).or_default() += s.own;
    }
    let mut by_kind: Vec<(String, Duration)> = kinds
        .into_iter()
        .map(|(k, t)| (k.to_owned(), secs(t)))
        .collect();
    by_kind.sort_by_key(|k| std::cmp::Reverse(k.1));
    Ok((
        status?,
        Measured {
            wall,
            peak_kib: peak.load(Ordering::SeqCst),
            peak_pss_kib: peak_pss.load(Ordering::SeqCst),
            pss_samples,
            pss_read,
            cpu: exact.unwrap_or(approx),
            cpu_exact: exact.is_some(),
            gateway_cpu: secs(gateway),
            by_kind,
        },
    ))
}

/// Runs the suite through [`Suite::run_with`], measured.
/// `attach`: whether the run may use `cargo xtask up`'s warm gateway (else
/// it starts its own proxies, as CI does).
fn measure_suite(
    suite: &Suite,
    quiet_stdout: bool,
    attach: bool,
) -> anyhow::Result<(ExitStatus, Measured)> {
    let mut measured = None;
    let status = suite.run_with(&suite::cargo(), |c| {
        if quiet_stdout {
            c.stdout(std::process::Stdio::null());
        }
        if !attach {
            c.env("COMPAT_WARM", "off");
        }
        let (status, m) = measure(c)?;
        measured = Some(m);
        Ok(status)
    })?;
    Ok((status, measured.expect("run_with ran the command")))
}

/// The harness's default parallelism (cores + 1); the floor uses it too.
fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() + 1)
        .unwrap_or(3)
}

/// `cargo xtask bench` options.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Bench only the trials matching these filters (as the harness takes
    /// them), e.g. `tool_use` for one row; default: the whole matrix.
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,
}

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let claude = compat_core::tools::claude()?;
    compat_core::tools::litellm()?;
    let root = compat_matrix::paths::workspace_root();
    eprintln!("[bench] building the suite ...");
    let st = Command::new(suite::cargo())
        .args([
            "test",
            "-p",
            "compat-tests",
            "--test",
            "compat",
            "--no-run",
            "--quiet",
        ])
        .current_dir(&root)
        .status()
        .context("cannot run `cargo test --no-run`; is cargo on PATH?")?;
    if !st.success() {
        bail!(
            "building the suite (`cargo test -p compat-tests --no-run`) failed; see the compiler's output above"
        );
    }

    // Kept after the run (a bench's matrix is a full sim run: its results
    // can be read, or renew golden/sim-baseline.json, without a second run).
    let dir = root.join("target").join("compat-bench");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot clear {} for the bench's results", dir.display()))?;
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create {} for the bench's results", dir.display()))?;
    let results_path = dir.as_path().join("compat-results.json");
    eprintln!(
        "[bench] full sim matrix (fault tests skipped), {} test threads ...",
        threads()
    );
    let mut full = Suite::new(Mode::Sim, results_path.clone());
    full.out_dir = Some(dir.as_path().to_owned());
    full.harness_args = args.filters.clone();
    full.harness_args
        .extend(["--skip".into(), "sim_fault".into()]);
    let (status, matrix) = measure_suite(&full, false, false)?;
    let ok = status.success();
    let results = RunResults::load(&results_path)?;
    let cli_runs: u64 = results
        .trials
        .iter()
        .map(|t| {
            t.details
                .get("runs")
                .and_then(|r| r.as_array())
                .map(|a| a.len() as u64)
                .unwrap_or(0)
        })
        .sum();
    let trials = results.trials.len();
    let failed = results
        .trials
        .iter()
        .filter(|t| !t.outcome.is_pass())
        .count();

    eprintln!(
        "[bench] floor: {cli_runs} bare `claude -p` runs against the Anthropic simulator, {} at a time ...",
        threads()
    );
    let sims = Simulators::start(&[Api::Anthropic])?;
    let base = sims.base_url(Api::Anthropic).expect("started");
    // The simulator wants its upstream key; the bare CLI sends the auth
    // token as a bearer, so give it the key as ANTHROPIC_API_KEY instead.
    let next = Arc::new(AtomicU64::new(0));
    let floor_start = Instant::now();
    // The floor's claude processes are this process's children, reaped here.
    let floor_ticks = children_ticks();
    let floor_failures = Arc::new(AtomicU64::new(0));
    std::thread::scope(|s| {
        for _ in 0..threads() {
            let (next, failures, bin, base) = (
                next.clone(),
                floor_failures.clone(),
                claude.bin.clone(),
                base.clone(),
            );
            s.spawn(move || {
                while next.fetch_add(1, Ordering::SeqCst) < cli_runs {
                    let run =
                        ClaudeRun::new(&bin, &base, Secret::new("unused"), "claude-sonnet-4-6")
                            .env("ANTHROPIC_API_KEY", creds::ANTHROPIC_API_KEY)
                            .prompt("Reply with exactly `floor` and nothing else.");
                    match run.run() {
                        Ok(r) if !r.transcript.is_error => {}
                        _ => {
                            failures.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            });
        }
    });
    let floor_wall = floor_start.elapsed();
    let floor_cpu = children_ticks().saturating_sub(floor_ticks) as f64 / TICKS;

    eprintln!("[bench] author loop: tool_use::anthropic, its own proxy ...");
    let mut author_loop = Suite::new(Mode::Sim, dir.as_path().join("loop.json"));
    author_loop.out_dir = Some(dir.as_path().to_owned());
    // The trailing `::` keeps it to the one cell (a bare
    // `tool_use::anthropic` also selects `tool_use::anthropic_rust_path`).
    author_loop.harness_args = vec!["tool_use::anthropic::".into()];
    let (loop_status, loop_run) = measure_suite(&author_loop, true, false)?;
    let (loop_wall, loop_ok) = (loop_run.wall, loop_status.success());
    eprintln!("[bench] author loop: tool_use::anthropic, attached to `cargo xtask up` ...");
    let started_up = !compat_harness::warm::dir().join("state.json").exists();
    let up_start = Instant::now();
    if started_up {
        crate::up::up()?;
    }
    let up_wall = up_start.elapsed();
    let warm = measure_suite(&author_loop, true, true);
    if started_up {
        compat_harness::warm::down()?;
    }
    let (warm_status, warm_run) = warm?;
    let (warm_wall, warm_ok) = (warm_run.wall, warm_status.success());
    let (matrix_wall, matrix_peak) = (matrix.wall, matrix.peak_kib);
    let ran = trials.saturating_sub(
        results
            .trials
            .iter()
            .filter(|t| {
                matches!(
                    t.outcome,
                    compat_matrix::status::Outcome::NotApplicable { .. }
                )
            })
            .count(),
    );

    let ratio = matrix_wall.as_secs_f64() / floor_wall.as_secs_f64();
    println!();
    println!(
        "benchmark (sim mode, {} test threads, claude {})",
        threads(),
        claude.version
    );
    println!(
        "  full matrix        {:>7.1} s  ({trials} trials, {cli_runs} CLI runs, {failed} not passing{})",
        matrix_wall.as_secs_f64(),
        if ok { "" } else { ", suite failed" }
    );
    println!(
        "  floor              {:>7.1} s  ({cli_runs} bare claude -p runs, {} failed; CPU {floor_cpu:.0} s)",
        floor_wall.as_secs_f64(),
        floor_failures.load(Ordering::SeqCst)
    );
    println!("  ratio              {:>7.2}     (target <= 1.3)", ratio);
    println!(
        "  peak memory        {:>7.0} MiB PSS, {:.0} MiB RSS summed (whole process tree of the matrix run; target <= 2048 MiB)",
        matrix.peak_pss_kib as f64 / 1024.0,
        matrix_peak as f64 / 1024.0
    );
    println!(
        "                              (PSS read {} times, {:.1} s spent reading it)",
        matrix.pss_samples,
        matrix.pss_read.as_secs_f64()
    );
    println!(
        "  CPU                {:>7.1} s  ({}; {:.2} s per trial that ran, {ran}; gateway {:.1} s = {:.0} %)",
        matrix.cpu.as_secs_f64(),
        if matrix.cpu_exact {
            "cgroup, exact"
        } else {
            "approximate, an upper bound: no cgroup"
        },
        matrix.cpu.as_secs_f64() / ran.max(1) as f64,
        matrix.gateway_cpu.as_secs_f64(),
        100.0 * matrix.gateway_cpu.as_secs_f64() / matrix.cpu.as_secs_f64().max(1e-9)
    );
    let top: Vec<String> = matrix
        .by_kind
        .iter()
        .take(6)
        .map(|(k, d)| format!("{k} {:.0} s", d.as_secs_f64()))
        .collect();
    println!(
        "                              (sampled, by process: {})",
        top.join(", ")
    );
    if let Some((_, claude_cpu)) = matrix.by_kind.iter().find(|(k, _)| k == "claude") {
        println!(
            "                              (claude: {:.2} s of CPU per CLI run in the matrix, {:.2} s in the floor)",
            claude_cpu.as_secs_f64() / cli_runs.max(1) as f64,
            floor_cpu / cli_runs.max(1) as f64
        );
    }
    println!(
        "  author loop        {:>7.1} s  (tool_use::anthropic, its own proxy{}; target <= 12 s; CPU {:.1} s, gateway {:.1} s)",
        loop_wall.as_secs_f64(),
        if loop_ok { "" } else { ", FAILED" },
        loop_run.cpu.as_secs_f64(),
        loop_run.gateway_cpu.as_secs_f64()
    );
    println!(
        "  author loop, up    {:>7.1} s  (attached to `cargo xtask up`{}{}; target <= 6 s)",
        warm_wall.as_secs_f64(),
        if started_up {
            format!(", which took {:.1} s to start", up_wall.as_secs_f64())
        } else {
            ", already running".to_owned()
        },
        if warm_ok { "" } else { ", FAILED" }
    );
    println!(
        "  results            {} (the full matrix's trials; the author loop's in loop.json)",
        results_path.display()
    );
    Ok(ExitCode::SUCCESS)
}
