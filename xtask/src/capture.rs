//! `cargo xtask capture-transcripts`: re-captures the real claude CLI's
//! stream-JSON output for the driver's parser tests (golden/transcripts/).
//! Run it when the pinned CLI version changes, then review the diff and the
//! parser tests (`cargo test -p compat-core --test driver_transcripts`).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use compat_core::driver::{ClaudeRun, RetryPolicy};
use compat_core::secret::Secret;
use compat_sim::image::solid_png;
use compat_sim::{Api, Fault, FaultScope, Simulators, creds};

pub fn run() -> anyhow::Result<ExitCode> {
    let claude = compat_core::tools::claude()?;
    let sims = Simulators::start(&[Api::Anthropic])?;
    let base = sims.base_url(Api::Anthropic).expect("started");
    let out = compat_matrix::paths::workspace_root().join("golden/transcripts");
    std::fs::create_dir_all(&out)?;
    let new = |prompt: &str| {
        ClaudeRun::new(
            &claude.bin,
            &base,
            Secret::new("unused"),
            "claude-sonnet-4-6",
        )
        .env("ANTHROPIC_API_KEY", creds::ANTHROPIC_API_KEY)
        .retry(RetryPolicy {
            max_attempts: 1,
            base_delay: Duration::ZERO,
            retry_hangs: false,
        })
        .prompt(prompt)
    };
    let project = tempfile::tempdir()?;
    let _fault = sims.inject(
        FaultScope {
            body_contains: Some("golden-error".into()),
            ..Default::default()
        },
        Fault::Status(500),
    );
    let scenarios: Vec<(&str, ClaudeRun)> = vec![
        ("text", new("Reply with exactly `PONG-golden` and nothing else.").env("CLAUDE_CODE_DISABLE_THINKING", "1")),
        (
            "stream_partial",
            new("Count from 1 to 12, separated by single spaces.").partial_messages(true).env("CLAUDE_CODE_DISABLE_THINKING", "1"),
        ),
        (
            "tool_bash",
            new("Use the Bash tool to run `echo golden-tool` and tell me what it printed.")
                .allowed_tools(&["Bash"])
                .env("CLAUDE_CODE_DISABLE_THINKING", "1"),
        ),
        (
            "thinking_tool",
            new("Think first, then use the Bash tool to run `echo golden-think` and tell me what it printed.")
                .allowed_tools(&["Bash"])
                .env("MAX_THINKING_TOKENS", "2048"),
        ),
        ("image", new("What is the dominant colour of this image?").image("image/png", solid_png([20, 40, 220], 32))),
        ("cache_first", new("Reply with exactly `cached-golden`.").session_dir(project.path())),
        ("cache_second", new("Reply with exactly `cached-golden`.").session_dir(project.path())),
        ("error_500", new("Reply with exactly `golden-error`.")),
    ];
    for (name, run) in scenarios {
        let report = run.run().with_context(|| format!("scenario {name}"))?;
        let path = out.join(format!("{name}.jsonl"));
        let mut text = report.transcript.raw_lines.join("\n");
        text.push('\n');
        std::fs::write(&path, text)?;
        println!(
            "{name}: {} lines -> {}",
            report.transcript.raw_lines.len(),
            path.display()
        );
    }
    println!("captured with claude {}", claude.version);
    Ok(ExitCode::SUCCESS)
}
