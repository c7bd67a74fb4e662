//! `cargo xtask bench`: the speed and memory figures of the full sim matrix,
//! next to its floor.
//!
//! - matrix: `cargo test -p compat-tests` over every matrix trial (fault tests
//!   skipped), wall time and peak memory of the whole process tree (the
//!   harness, the simulators, the proxies, every claude process);
//! - floor: the same number of bare `claude -p` runs the matrix made, at the
//!   same parallelism, straight against the Anthropic simulator (no proxy);
//! - author loop: one cell (`tool_use::anthropic`), warm.
//!
//! Targets (2-core machine, after provisioning): ratio <= 1.3, matrix <= 3 min,
//! author loop <= 20 s. Printed, never asserted: timing is not a test.

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

/// Sum of VmRSS over `root` and all its descendants, in KiB.
fn tree_rss_kib(root: u32) -> u64 {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut rss: HashMap<u32, u64> = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
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
    let mut total = 0;
    let mut stack = vec![root];
    while let Some(p) = stack.pop() {
        total += rss.get(&p).copied().unwrap_or(0);
        stack.extend(children.get(&p).into_iter().flatten());
    }
    total
}

/// A command's wall time and the peak memory of its process tree.
struct Measured {
    wall: Duration,
    peak_kib: u64,
}

/// Runs `cmd` to its end, sampling the process tree's memory every 200 ms.
fn measure(cmd: &mut Command) -> std::io::Result<(ExitStatus, Measured)> {
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id();
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                peak.fetch_max(tree_rss_kib(pid), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    let status = child.wait();
    let wall = start.elapsed();
    done.store(true, Ordering::SeqCst);
    let _ = sampler.join();
    Ok((
        status?,
        Measured {
            wall,
            peak_kib: peak.load(Ordering::SeqCst),
        },
    ))
}

/// Runs the suite through [`Suite::run_with`], measured.
fn measure_suite(suite: &Suite, quiet_stdout: bool) -> anyhow::Result<(ExitStatus, Measured)> {
    let mut measured = None;
    let status = suite.run_with(&suite::cargo(), |c| {
        if quiet_stdout {
            c.stdout(std::process::Stdio::null());
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

pub fn run() -> anyhow::Result<ExitCode> {
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

    let dir =
        tempfile::tempdir().context("cannot create a scratch folder for the bench's results")?;
    let results_path = dir.path().join("compat-results.json");
    eprintln!(
        "[bench] full sim matrix (fault tests skipped), {} test threads ...",
        threads()
    );
    let mut full = Suite::new(Mode::Sim, results_path.clone());
    full.out_dir = Some(dir.path().to_owned());
    full.harness_args = vec!["--skip".into(), "sim_fault".into()];
    let (status, matrix) = measure_suite(&full, false)?;
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

    eprintln!("[bench] author loop: tool_use::anthropic (warm) ...");
    let mut author_loop = Suite::new(Mode::Sim, dir.path().join("loop.json"));
    author_loop.out_dir = Some(dir.path().to_owned());
    author_loop.harness_args = vec!["tool_use::anthropic".into()];
    let (loop_status, loop_run) = measure_suite(&author_loop, true)?;
    let (loop_wall, loop_ok) = (loop_run.wall, loop_status.success());
    let (matrix_wall, matrix_peak) = (matrix.wall, matrix.peak_kib);

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
        "  peak memory        {:>7.0} MiB (whole process tree of the matrix run)",
        matrix_peak as f64 / 1024.0
    );
    println!(
        "  author loop        {:>7.1} s  (tool_use::anthropic, warm{}; target <= 20 s)",
        loop_wall.as_secs_f64(),
        if loop_ok { "" } else { ", FAILED" }
    );
    println!(
        "  matrix target      <= 180 s: {}",
        if matrix_wall.as_secs() <= 180 {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(ExitCode::SUCCESS)
}
