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
use compat_core::results::{Mode, RunResults};
use compat_core::secret::Secret;
use compat_sim::{Api, Simulators, creds};

use crate::suite::{self, Suite};

/// Clock ticks a second in /proc's CPU times (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;

/// The process tree at one moment: memory (RSS and PSS, KiB) and, per
/// process, CPU ticks so far and whether it is LiteLLM.
#[derive(Default)]
struct TreeSample {
    rss_kib: u64,
    pss_kib: u64,
    cpu: HashMap<u32, (u64, bool)>,
}

/// Proportional set size: forked proxies share the launcher's pages, so
/// summing RSS counts those pages once per proxy.
fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The sum of the given 1-based fields of `/proc/<who>/stat` (0 when
/// unreadable); fields count from the pid, the name's parentheses skipped.
fn stat_fields(who: &str, fields: [usize; 2]) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{who}/stat")) else {
        return 0;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the name the state is field 3.
    fields
        .iter()
        .map(|&i| {
            f.get(i - 3)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum()
}

/// utime + stime of a process, in ticks.
fn cpu_ticks(pid: u32) -> u64 {
    stat_fields(&pid.to_string(), [14, 15])
}

/// CPU ticks of this process's reaped children (cutime + cstime).
fn children_ticks() -> u64 {
    stat_fields("self", [16, 17])
}

/// Samples `root` and all its descendants.
fn tree_sample(root: u32) -> TreeSample {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut rss: HashMap<u32, u64> = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return TreeSample::default();
    };
    for e in entries.filter_map(Result::ok) {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        };
        if let Some(ppid) = field("PPid:") {
            children.entry(ppid as u32).or_default().push(pid);
        }
        rss.insert(pid, field("VmRSS:").unwrap_or(0));
    }
    let mut sample = TreeSample::default();
    let mut stack = vec![root];
    while let Some(p) = stack.pop() {
        sample.rss_kib += rss.get(&p).copied().unwrap_or(0);
        sample.pss_kib += pss_kib(p);
        let litellm = std::fs::read(format!("/proc/{p}/cmdline"))
            .map(|c| String::from_utf8_lossy(&c).contains("litellm"))
            .unwrap_or(false);
        sample.cpu.insert(p, (cpu_ticks(p), litellm));
        stack.extend(children.get(&p).into_iter().flatten());
    }
    sample
}

/// A command's wall time, the peak memory of its process tree and its CPU.
struct Measured {
    wall: Duration,
    peak_kib: u64,
    peak_pss_kib: u64,
    /// Every process of the tree (reaped ones from the kernel's account,
    /// the proxies, which nobody reaps, from the last sample).
    cpu: Duration,
    /// The LiteLLM processes' part of `cpu`.
    gateway_cpu: Duration,
}

/// Runs `cmd` to its end, sampling the process tree's memory every 200 ms.
fn measure(cmd: &mut Command) -> std::io::Result<(ExitStatus, Measured)> {
    let start = Instant::now();
    let reaped_before = children_ticks();
    let mut child = cmd.spawn()?;
    let pid = child.id();
    let peak = Arc::new(AtomicU64::new(0));
    let peak_pss = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    // Per process: last CPU ticks seen, and whether it is LiteLLM.
    let seen = Arc::new(std::sync::Mutex::new(HashMap::<u32, (u64, bool)>::new()));
    let sampler = {
        let (peak, peak_pss, done, seen) =
            (peak.clone(), peak_pss.clone(), done.clone(), seen.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                let s = tree_sample(pid);
                peak.fetch_max(s.rss_kib, Ordering::SeqCst);
                peak_pss.fetch_max(s.pss_kib, Ordering::SeqCst);
                seen.lock().expect("samples").extend(s.cpu);
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    let status = child.wait();
    let wall = start.elapsed();
    done.store(true, Ordering::SeqCst);
    let _ = sampler.join();
    let reaped = children_ticks().saturating_sub(reaped_before);
    let gateway: u64 = seen
        .lock()
        .expect("samples")
        .values()
        .filter(|(_, litellm)| *litellm)
        .map(|(t, _)| t)
        .sum();
    let secs = |t: u64| Duration::from_secs_f64(t as f64 / TICKS);
    Ok((
        status?,
        Measured {
            wall,
            peak_kib: peak.load(Ordering::SeqCst),
            peak_pss_kib: peak_pss.load(Ordering::SeqCst),
            // The proxies are killed, not reaped, by the harness: their CPU
            // is not in the kernel's account of reaped children.
            cpu: secs(reaped + gateway),
            gateway_cpu: secs(gateway),
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
    let root = compat_core::paths::workspace_root();
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

    eprintln!("[bench] author loop: tool_use::anthropic, its own proxy ...");
    let mut author_loop = Suite::new(Mode::Sim, dir.as_path().join("loop.json"));
    author_loop.out_dir = Some(dir.as_path().to_owned());
    // The trailing `::` keeps it to the one cell (a bare
    // `tool_use::anthropic` also selects `tool_use::anthropic_rust_path`).
    author_loop.harness_args = vec!["tool_use::anthropic::".into()];
    let (loop_status, loop_run) = measure_suite(&author_loop, true, false)?;
    let (loop_wall, loop_ok) = (loop_run.wall, loop_status.success());
    eprintln!("[bench] author loop: tool_use::anthropic, attached to `cargo xtask up` ...");
    let started_up = !compat_tests::warm::dir().join("state.json").exists();
    let up_start = Instant::now();
    if started_up {
        crate::up::up()?;
    }
    let up_wall = up_start.elapsed();
    let warm = measure_suite(&author_loop, true, true);
    if started_up {
        compat_tests::warm::down()?;
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
                    compat_core::status::Outcome::NotApplicable { .. }
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
        "  floor              {:>7.1} s  ({cli_runs} bare claude -p runs, {} failed)",
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
        "  CPU                {:>7.1} s  ({:.2} s per trial that ran, {ran}; gateway {:.1} s = {:.0} %)",
        matrix.cpu.as_secs_f64(),
        matrix.cpu.as_secs_f64() / ran.max(1) as f64,
        matrix.gateway_cpu.as_secs_f64(),
        100.0 * matrix.gateway_cpu.as_secs_f64() / matrix.cpu.as_secs_f64().max(1e-9)
    );
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
