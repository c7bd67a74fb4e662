//! The Claude Code CLI driver: the only code that runs `claude`.
//!
//! One entry point, [`ClaudeRun::run`]: a headless `claude -p` in stream-JSON
//! mode, hermetic (its own HOME, TMPDIR, CLAUDE_CONFIG_DIR and working
//! directory; a clean environment), parsed into a [`Transcript`].
//!
//! Why it is built this way:
//! - `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1` always: otherwise the CLI
//!   sends the gateway key to Anthropic's servers (feature flags, telemetry).
//! - The key goes by environment (`ANTHROPIC_AUTH_TOKEN`), never argv.
//! - stdout is read line by line as it arrives, each line stamped with its
//!   arrival time, so streaming tests can tell a real stream from a burst.
//! - The CLI's own retries are kept small (`CLAUDE_CODE_MAX_RETRIES`); the
//!   driver retries transient failures itself (bounded, with backoff) and
//!   records every attempt, so flakiness is visible in the results.
//! - A run has a deadline; past it the whole process group is killed (the
//!   Bash tool's children included).

mod output;
mod transcript;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::json;

use crate::procgroup::GroupChild;
pub use crate::secret::Secret;
use output::{describe_last_event, first_line, is_keepalive, last_chars, tail_of};
pub use transcript::{
    CliError, StreamEvent, ThinkingBlock, ToolCall, ToolResult, Transcript, Usage,
};

/// How transient failures are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total attempts, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    /// Whether a run that timed out or stalled is tried again. Not against
    /// simulators: a sim run finishes in seconds, so a hang there is a
    /// verdict to report at once, not bad luck to wait out three times.
    pub retry_hangs: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            retry_hangs: true,
        }
    }
}

/// One attempt at running the CLI.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Attempt {
    pub number: u32,
    pub duration_ms: u64,
    pub exit_code: Option<i32>,
    /// Why this attempt was retried (None for the last one).
    pub retry_reason: Option<String>,
}

#[derive(Debug)]
pub struct RunReport {
    pub transcript: Transcript,
    pub attempts: Vec<Attempt>,
}

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("cannot start the claude CLI at {bin}. Provision it with `cargo xtask provision` or set COMPAT_CLAUDE_BIN", bin = bin.display())]
    Spawn {
        bin: PathBuf,
        source: std::io::Error,
    },
    #[error("the claude CLI did not finish within {} s and was killed (whole process group). Last output:\n{tail}", after.as_secs())]
    Timeout { after: Duration, tail: String },
    #[error(
        "the claude CLI stalled: no progress for {:.1} s after {last_event} (keep-alive pings aside); it was killed (whole process group). Last output:\n{tail}",
        after.as_secs_f64()
    )]
    Stalled {
        after: Duration,
        /// The last stream-JSON event seen, described (`system/init`, ...).
        last_event: String,
        tail: String,
    },
    #[error("the claude CLI exited ({exit}) without a result line. Last output:\n{tail}")]
    NoResult { exit: String, tail: String },
    #[error(
        "the claude CLI {version} printed a line that is not JSON (line {line_no}: {error}): {line}\n{}",
        unreadable_hint()
    )]
    Malformed {
        /// The CLI's version (its init line's, else `claude --version`'s).
        version: String,
        line_no: usize,
        line: String,
        error: String,
    },
    /// The CLI's stream-JSON has a shape the parser does not know (a newer
    /// CLI changed it): the harness cannot judge the run.
    #[error(
        "the claude CLI {version} printed stream-JSON the harness cannot read: {problems}\n{}\nLast output:\n{tail}",
        unreadable_hint()
    )]
    Unreadable {
        version: String,
        problems: String,
        tail: String,
    },
    #[error(
        "cannot prepare the run's private folders (home, tmp, config, work) in its session folder or the \
         system temporary folder; check that it is writable and not full"
    )]
    Io(#[from] std::io::Error),
    #[error(
        "cannot build the run's NODE_EXTRA_CA_CERTS bundle: reading the CA file {path} given to \
         ClaudeRun::extra_ca failed; check that the check wrote it before the run"
    )]
    ExtraCa {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The file, in the run's folder, that the CLI's `NODE_EXTRA_CA_CERTS`
/// names when CAs were added ([`ClaudeRun::extra_ca`]).
pub const EXTRA_CA_FILE: &str = "extra-ca.pem";

/// One headless invocation of the claude CLI.
#[derive(Debug, Clone)]
pub struct ClaudeRun {
    bin: PathBuf,
    base_url: String,
    auth_token: Secret,
    model: String,
    prompt: String,
    partial_messages: bool,
    allowed_tools: Vec<String>,
    images: Vec<(String, Vec<u8>)>,
    /// Stream-JSON control requests (request id, request) sent on stdin
    /// before the prompt ([`Self::control_request`]).
    control: Vec<(String, serde_json::Value)>,
    prompt_on_stdin: bool,
    extra_env: Vec<(String, String)>,
    max_turns: Option<u32>,
    timeout: Duration,
    stall_after: Option<Duration>,
    retry: RetryPolicy,
    cli_max_retries: u32,
    session_dir: Option<PathBuf>,
    /// `--resume <session id>` (with the session kept on disk).
    resume: Option<String>,
    /// Keep the session on disk (no `--no-session-persistence`), so that a
    /// later run in the same session folder can resume it.
    persist_session: bool,
    key_header: Option<String>,
    append_system_prompt: Option<String>,
    extra_args: Vec<String>,
    /// CA files (PEM) the CLI trusts beyond Node's roots, in order.
    extra_cas: Vec<PathBuf>,
}

impl ClaudeRun {
    pub fn new(
        bin: impl Into<PathBuf>,
        base_url: impl Into<String>,
        auth_token: Secret,
        model: impl Into<String>,
    ) -> Self {
        ClaudeRun {
            bin: bin.into(),
            base_url: base_url.into(),
            auth_token,
            model: model.into(),
            prompt: String::new(),
            partial_messages: false,
            allowed_tools: Vec::new(),
            images: Vec::new(),
            control: Vec::new(),
            prompt_on_stdin: false,
            extra_env: Vec::new(),
            max_turns: None,
            timeout: Duration::from_secs(180),
            stall_after: None,
            retry: RetryPolicy::default(),
            cli_max_retries: 1,
            session_dir: None,
            resume: None,
            persist_session: false,
            key_header: None,
            append_system_prompt: None,
            extra_args: Vec::new(),
            extra_cas: Vec::new(),
        }
    }

    /// Adds a CA (a PEM file) the CLI trusts, beside Node's own roots. Node
    /// reads one `NODE_EXTRA_CA_CERTS` file, and `env` is last-wins, so two
    /// parties adding a CA (a check's local HTTPS page, a rehearsal's
    /// intercepting front) would drop one of them: every CA added here, and
    /// a `NODE_EXTRA_CA_CERTS` given through `env`, is concatenated into
    /// one bundle in the run's folder ([`EXTRA_CA_FILE`]) at each attempt,
    /// and the CLI gets that file.
    pub fn extra_ca(mut self, path: impl Into<PathBuf>) -> Self {
        self.extra_cas.push(path.into());
        self
    }

    /// The CA files of the bundle: those of [`Self::extra_ca`], then one set
    /// with `env("NODE_EXTRA_CA_CERTS", ..)`.
    fn ca_files(&self) -> Vec<PathBuf> {
        let mut cas = self.extra_cas.clone();
        cas.extend(
            self.extra_env
                .iter()
                .filter(|(k, _)| k == "NODE_EXTRA_CA_CERTS")
                .map(|(_, v)| PathBuf::from(v)),
        );
        cas
    }

    /// Writes the concatenated CA bundle into `run_dir` (no-op without CAs).
    fn write_ca_bundle(&self, run_dir: &std::path::Path) -> Result<(), DriverError> {
        let cas = self.ca_files();
        if cas.is_empty() {
            return Ok(());
        }
        let mut bundle = String::new();
        for path in cas {
            let pem = std::fs::read_to_string(&path)
                .map_err(|source| DriverError::ExtraCa { path, source })?;
            bundle.push_str(pem.trim_end());
            bundle.push('\n');
        }
        std::fs::write(run_dir.join(EXTRA_CA_FILE), bundle)?;
        Ok(())
    }

    pub fn prompt(mut self, text: impl Into<String>) -> Self {
        self.prompt = text.into();
        self
    }

    /// `--include-partial-messages`: the raw stream events on stdout.
    pub fn partial_messages(mut self, on: bool) -> Self {
        self.partial_messages = on;
        self
    }

    /// `--allowedTools`: tools that run without a permission prompt.
    pub fn allowed_tools(mut self, tools: &[&str]) -> Self {
        self.allowed_tools = tools.iter().map(|t| t.to_string()).collect();
        self
    }

    /// Attaches an image; the prompt is then sent on stdin as a stream-JSON
    /// user message with the image block (`--input-format stream-json`).
    pub fn image(mut self, media_type: &str, bytes: Vec<u8>) -> Self {
        self.images.push((media_type.to_owned(), bytes));
        self
    }

    /// `--model`: another model name than the trial's, e.g. the CLI's
    /// 1M-context variant `claude-sonnet-4-6[1m]`.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sends the prompt on stdin (as a stream-JSON user message) instead of
    /// as an argument: Linux caps one argument at 128 KiB, and the 1M-context
    /// row's prompt is about a megabyte.
    pub fn prompt_on_stdin(mut self, on: bool) -> Self {
        self.prompt_on_stdin = on;
        self
    }

    /// Sends a stream-JSON control request (`{"type": "control_request",
    /// "request_id": id, "request": request}`, what the Agent SDK sends,
    /// e.g. `{"subtype": "initialize"}` or `{"subtype": "set_model",
    /// "model": ...}`) on stdin before the prompt; the prompt then goes on
    /// stdin too. The CLI handles stdin's lines in order, so a `set_model`
    /// takes effect before the prompt; its answer is a `control_response`
    /// line on stdout ([`Transcript::control_response`]).
    pub fn control_request(mut self, id: &str, request: serde_json::Value) -> Self {
        self.control.push((id.to_owned(), request));
        self
    }

    /// Whether the prompt goes on stdin (with an image or control requests,
    /// or when asked).
    fn uses_stdin(&self) -> bool {
        self.prompt_on_stdin || !self.images.is_empty() || !self.control.is_empty()
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.extra_env.push((key.to_owned(), value.into()));
        self
    }

    pub fn max_turns(mut self, n: u32) -> Self {
        self.max_turns = Some(n);
        self
    }

    /// `--append-system-prompt`: text the CLI appends to its system prompt.
    pub fn append_system_prompt(mut self, text: impl Into<String>) -> Self {
        self.append_system_prompt = Some(text.into());
        self
    }

    /// Deadline for one attempt.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Runs in this folder (HOME, TMPDIR, config and working directory
    /// inside it) instead of a fresh temporary one, so that several runs look
    /// like one user working in one project: the CLI's system prompt names
    /// its working directory, so only runs that share it share a prompt
    /// prefix (which prompt caching needs).
    pub fn session_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.session_dir = Some(dir.into());
        self
    }

    /// Keeps the session's transcript on disk (the CLI's default; the driver
    /// otherwise passes `--no-session-persistence`), so that a later run in
    /// the same [`Self::session_dir`] can resume it.
    pub fn persist_session(mut self) -> Self {
        self.persist_session = true;
        self
    }

    /// `--resume <session id>`: continues a session a previous run in the
    /// same [`Self::session_dir`] kept (see [`Self::persist_session`]); the
    /// CLI resends the whole conversation, thinking blocks included.
    pub fn resume(mut self, session_id: impl Into<String>) -> Self {
        self.resume = Some(session_id.into());
        self.persist_session = true;
        self
    }

    /// Stops the run when the CLI prints nothing for this long (a stalled
    /// stream, a hung gateway), naming the last event it printed.
    pub fn stall_after(mut self, d: Duration) -> Self {
        self.stall_after = Some(d);
        self
    }

    /// Also sends the gateway key as `<name>: Bearer <key>` on every request
    /// (`ANTHROPIC_CUSTOM_HEADERS`, by environment like the key itself): in
    /// a native provider mode with its own auth skipped
    /// (`CLAUDE_CODE_SKIP_BEDROCK_AUTH`, ...) the CLI sends no credential a
    /// gateway could check.
    pub fn gateway_key_header(mut self, name: &str) -> Self {
        self.key_header = Some(name.to_owned());
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A CLI option with its value (`--effort max`, `--json-schema <schema>`),
    /// appended after the driver's own. Never a secret: arguments are logged.
    pub fn option(mut self, flag: &str, value: impl Into<String>) -> Self {
        self.extra_args.push(flag.to_owned());
        self.extra_args.push(value.into());
        self
    }

    /// The command-line arguments (no secret is ever among them).
    pub fn args(&self) -> Vec<String> {
        let mut a: Vec<String> = vec!["-p".into()];
        if !self.uses_stdin() {
            a.push(self.prompt.clone());
        } else {
            a.extend(["--input-format".into(), "stream-json".into()]);
        }
        a.extend(["--output-format", "stream-json", "--verbose"].map(String::from));
        if !self.persist_session {
            a.push("--no-session-persistence".into());
        }
        if let Some(id) = &self.resume {
            a.extend(["--resume".into(), id.clone()]);
        }
        a.extend(["--model".into(), self.model.clone()]);
        if self.partial_messages {
            a.push("--include-partial-messages".into());
        }
        if !self.allowed_tools.is_empty() {
            a.push("--allowedTools".into());
            a.push(self.allowed_tools.join(","));
        }
        if let Some(n) = self.max_turns {
            a.extend(["--max-turns".into(), n.to_string()]);
        }
        if let Some(text) = &self.append_system_prompt {
            a.extend(["--append-system-prompt".into(), text.clone()]);
        }
        a.extend(self.extra_args.iter().cloned());
        a
    }

    /// The environment of the run, with the secret shown as `<redacted>`
    /// (for tests and diagnostics). `home` stands for the private folder.
    pub fn envs(&self) -> Vec<(String, String)> {
        self.env_with(&PathBuf::from("<run-dir>"), false)
    }

    fn env_with(&self, run_dir: &std::path::Path, expose: bool) -> Vec<(String, String)> {
        let dir = |sub: &str| run_dir.join(sub).display().to_string();
        let mut env: Vec<(String, String)> = vec![
            // The Bash tool needs a shell and coreutils.
            ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
            ("HOME".into(), dir("home")),
            ("TMPDIR".into(), dir("tmp")),
            ("CLAUDE_CONFIG_DIR".into(), dir("config")),
            ("ANTHROPIC_BASE_URL".into(), self.base_url.clone()),
            (
                "ANTHROPIC_AUTH_TOKEN".into(),
                if expose {
                    self.auth_token.expose().to_owned()
                } else {
                    "<redacted>".into()
                },
            ),
            (
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC".into(),
                "1".into(),
            ),
            ("DISABLE_AUTOUPDATER".into(), "1".into()),
            ("DISABLE_TELEMETRY".into(), "1".into()),
            ("DISABLE_ERROR_REPORTING".into(), "1".into()),
            ("CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP".into(), "1".into()),
            (
                "CLAUDE_CODE_MAX_RETRIES".into(),
                self.cli_max_retries.to_string(),
            ),
            ("API_TIMEOUT_MS".into(), "120000".into()),
        ];
        // Side requests (small/fast model, model aliases) go to the same
        // gateway route as the run's model.
        for k in [
            "ANTHROPIC_DEFAULT_HAIKU_MODEL",
            "ANTHROPIC_DEFAULT_SONNET_MODEL",
            "ANTHROPIC_DEFAULT_OPUS_MODEL",
            "ANTHROPIC_SMALL_FAST_MODEL",
        ] {
            env.push((k.into(), self.model.clone()));
        }
        for (k, v) in &self.extra_env {
            env.retain(|(ek, _)| ek != k);
            env.push((k.clone(), v.clone()));
        }
        if !self.ca_files().is_empty() {
            env.retain(|(k, _)| k != "NODE_EXTRA_CA_CERTS");
            env.push(("NODE_EXTRA_CA_CERTS".into(), dir(EXTRA_CA_FILE)));
        }
        if let Some(name) = &self.key_header {
            let key = if expose {
                self.auth_token.expose()
            } else {
                "<redacted>"
            };
            env.retain(|(ek, _)| ek != "ANTHROPIC_CUSTOM_HEADERS");
            env.push((
                "ANTHROPIC_CUSTOM_HEADERS".into(),
                format!("{name}: Bearer {key}"),
            ));
        }
        env
    }

    fn stdin_payload(&self) -> Option<String> {
        if !self.uses_stdin() {
            return None;
        }
        let mut content = vec![json!({"type": "text", "text": self.prompt})];
        for (media_type, bytes) in &self.images {
            content.push(json!({
                "type": "image",
                "source": {"type": "base64", "media_type": media_type, "data": base64::engine::general_purpose::STANDARD.encode(bytes)},
            }));
        }
        let mut payload = String::new();
        for (id, request) in &self.control {
            payload += &json!({"type": "control_request", "request_id": id, "request": request})
                .to_string();
            payload.push('\n');
        }
        payload +=
            &json!({"type": "user", "message": {"role": "user", "content": content}}).to_string();
        payload.push('\n');
        Some(payload)
    }

    /// Runs the CLI, retrying transient failures; every attempt is recorded.
    pub fn run(&self) -> Result<RunReport, DriverError> {
        let mut attempts = Vec::new();
        let mut number = 0;
        loop {
            number += 1;
            let start = Instant::now();
            let result = self.run_once();
            let duration_ms = start.elapsed().as_millis() as u64;
            let last = number >= self.retry.max_attempts;
            match result {
                Ok(t) => {
                    let reason = t.transient_error();
                    attempts.push(Attempt {
                        number,
                        duration_ms,
                        exit_code: t.exit_code,
                        retry_reason: if last { None } else { reason.clone() },
                    });
                    if reason.is_none() || last {
                        return Ok(RunReport {
                            transcript: t,
                            attempts,
                        });
                    }
                }
                Err(
                    e @ (DriverError::Spawn { .. }
                    | DriverError::Io(_)
                    | DriverError::Malformed { .. }
                    | DriverError::Unreadable { .. }),
                ) => return Err(e),
                Err(e) => {
                    let hang =
                        matches!(e, DriverError::Timeout { .. } | DriverError::Stalled { .. });
                    if last || (hang && !self.retry.retry_hangs) {
                        return Err(e);
                    }
                    attempts.push(Attempt {
                        number,
                        duration_ms,
                        exit_code: None,
                        retry_reason: Some(first_line(&e.to_string())),
                    });
                }
            }
            let backoff = self.retry.base_delay * 2u32.pow(number - 1);
            let jitter =
                Duration::from_millis(fastrand::u64(0..=backoff.as_millis() as u64 / 4 + 1));
            std::thread::sleep(backoff + jitter);
        }
    }

    fn run_once(&self) -> Result<Transcript, DriverError> {
        let temp;
        let run_dir: &std::path::Path = match &self.session_dir {
            Some(d) => d,
            None => {
                temp = tempfile::Builder::new().prefix("claude-run-").tempdir()?;
                temp.path()
            }
        };
        for sub in ["home", "tmp", "config", "work"] {
            std::fs::create_dir_all(run_dir.join(sub))?;
        }
        self.write_ca_bundle(run_dir)?;
        let mut cmd = Command::new(&self.bin);
        cmd.args(self.args())
            .env_clear()
            .envs(self.env_with(run_dir, true))
            .current_dir(run_dir.join("work"))
            .stdin(if !self.uses_stdin() {
                Stdio::null()
            } else {
                Stdio::piped()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = GroupChild::spawn(&mut cmd).map_err(|source| DriverError::Spawn {
            bin: self.bin.clone(),
            source,
        })?;
        if let Some(payload) = self.stdin_payload() {
            let mut stdin = child.child_mut().stdin.take().expect("piped stdin");
            // Written on a thread: a large image must not block us while the
            // CLI is not yet reading.
            std::thread::spawn(move || {
                let _ = stdin.write_all(payload.as_bytes());
            });
        }
        let stdout = child.child_mut().stdout.take().expect("piped stdout");
        let mut stderr = child.child_mut().stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel::<(u64, String)>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send((start.elapsed().as_millis() as u64, line)).is_err() {
                    break;
                }
            }
        });
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });

        let deadline = start + self.timeout;
        let mut lines: Vec<(u64, String)> = Vec::new();
        let mut last_line_at = Instant::now();
        let hang = loop {
            let now = Instant::now();
            if now >= deadline {
                break Some(Hang::Deadline);
            }
            let mut wait = deadline - now;
            if let Some(stall) = self.stall_after {
                let stall_at = last_line_at + stall;
                if now >= stall_at {
                    break Some(Hang::Stall(stall));
                }
                wait = wait.min(stall_at - now);
            }
            match rx.recv_timeout(wait) {
                Ok(l) => {
                    // A keep-alive (LiteLLM sends SSE pings on a quiet
                    // stream, which the CLI prints) is not progress: a
                    // stream that only pings is stalled.
                    if !is_keepalive(&l.1) {
                        last_line_at = Instant::now();
                    }
                    lines.push(l);
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break None,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        };
        if let Some(hang) = hang {
            child.kill();
            let _ = reader.join();
            let tail = self.auth_token.redact(&tail_of(&lines, 10));
            return Err(match hang {
                Hang::Deadline => DriverError::Timeout {
                    after: self.timeout,
                    tail,
                },
                Hang::Stall(after) => DriverError::Stalled {
                    after,
                    last_event: describe_last_event(&lines),
                    tail,
                },
            });
        }
        let _ = reader.join();
        // Also ends what the CLI may leave behind (e.g. a backgrounded tool).
        let status = child.wait().ok();
        let stderr_text = err_reader.join().unwrap_or_default();
        let mut t = Transcript::parse_lines(&lines).map_err(|(line_no, line, error)| {
            DriverError::Malformed {
                version: self.version_of(&lines),
                line_no,
                line: self.auth_token.redact(&line),
                error,
            }
        })?;
        if !t.shape_problems.is_empty() {
            return Err(DriverError::Unreadable {
                version: self.version_of(&lines),
                problems: self.auth_token.redact(&t.shape_problems.join("; ")),
                tail: self.auth_token.redact(&tail_of(&lines, 6)),
            });
        }
        t.exit_code = status.and_then(|s| s.code());
        t.stderr = self.auth_token.redact(&last_chars(&stderr_text, 4000));
        if !t.has_result {
            let mut tail = tail_of(&lines, 10);
            if !stderr_text.trim().is_empty() {
                tail.push_str("\nstderr: ");
                tail.push_str(&last_chars(&stderr_text, 1500));
            }
            return Err(DriverError::NoResult {
                exit: status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "unknown status".into()),
                tail: self.auth_token.redact(&tail),
            });
        }
        Ok(t)
    }
}

impl ClaudeRun {
    /// The version of the CLI that printed `lines`: its init line's, else
    /// what the binary says (`claude --version`), for an error that must name
    /// the CLI whose output the harness could not read.
    fn version_of(&self, lines: &[(u64, String)]) -> String {
        let from_init = lines.iter().find_map(|(_, l)| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            (v["type"] == "system" && v["subtype"] == "init")
                .then(|| v["claude_code_version"].as_str().map(str::to_owned))?
        });
        from_init
            .or_else(|| {
                let out = Command::new(&self.bin)
                    .arg("--version")
                    .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
                    .stdin(Stdio::null())
                    .output()
                    .ok()?;
                // "2.1.331 (Claude Code)"
                String::from_utf8_lossy(&out.stdout)
                    .split_whitespace()
                    .next()
                    .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| format!("at {} (its version unknown)", self.bin.display()))
    }
}

/// What to do about a CLI whose output the harness cannot read.
fn unreadable_hint() -> String {
    format!(
        "The harness reads the stream-JSON of claude {} (golden/transcripts/): a newer CLI changed its output. \
         Re-capture with `cargo xtask capture-transcripts` and follow the change in compat-core/src/driver/transcript.rs, \
         or run the pinned CLI (unset COMPAT_CLAUDE_VERSION / COMPAT_CLAUDE_BIN).",
        crate::tools::CLAUDE_CODE_VERSION
    )
}

enum Hang {
    Deadline,
    Stall(Duration),
}

#[cfg(test)]
mod tests;
