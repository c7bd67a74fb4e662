//! Parsing the CLI's `--output-format stream-json --verbose` stdout.
//!
//! One JSON object a line, key order arbitrary. Shapes (claude 2.1.x):
//! `system/init` (model, claude_code_version, session_id), `assistant` (one
//! line per content block, same message id), `user` (tool results),
//! `stream_event` (raw Messages stream events, with
//! `--include-partial-messages`), `system/api_retry`, and `result` (final
//! text, usage, cost, is_error, api_error_status). `result.subtype` is
//! "success" even for API errors: `is_error` is what counts. Several `result`
//! lines can appear in one process; the last one wins.
//!
//! A line of a known type that lacks a field the harness reads (a `result`
//! without `subtype`/`is_error`, an `assistant` without `message.content`,
//! ...) is recorded in [`Transcript::shape_problems`]: a newer CLI that
//! changed its output must fail the run as the harness's (it cannot read the
//! CLI), never as a gateway failure built on defaults. Line types the parser
//! does not know are skipped (new CLIs add informational lines, e.g.
//! `system/thinking_tokens`).

use serde::Serialize;
use serde_json::Value;

/// The CLI finished, reporting an error (`result.is_error`, or no success).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub subtype: Option<String>,
    /// `api_error_status`: the HTTP status the CLI got, if it got one.
    pub status: Option<u16>,
    /// The CLI's error text (`result.result`).
    pub text: String,
    /// The last transcript lines.
    pub tail: String,
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the CLI reported {}{}: {}\n--- last transcript lines ---\n{}",
            self.subtype.as_deref().unwrap_or("no result"),
            self.status
                .map(|s| format!(" (API status {s})"))
                .unwrap_or_default(),
            self.text,
            self.tail
        )
    }
}

impl std::error::Error for CliError {}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_input_tokens: u64,
    pub cache_creation_input_tokens: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub input: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolResult {
    pub tool_use_id: String,
    /// The result's text (text blocks joined).
    pub content: String,
    pub is_error: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThinkingBlock {
    pub thinking: String,
    pub signature: String,
}

/// A raw Messages stream event and when its line arrived (ms since spawn).
#[derive(Debug, Clone, Serialize)]
pub struct StreamEvent {
    pub at_ms: u64,
    pub event: Value,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Transcript {
    /// `result.result`: the final answer text.
    pub final_text: String,
    /// Each `assistant` line's `message`.
    pub assistant_messages: Vec<Value>,
    pub tool_calls: Vec<ToolCall>,
    pub tool_results: Vec<ToolResult>,
    pub thinking: Vec<ThinkingBlock>,
    pub stream_events: Vec<StreamEvent>,
    pub usage: Usage,
    pub total_cost_usd: f64,
    pub num_turns: u64,
    pub is_error: bool,
    pub api_error_status: Option<u64>,
    pub terminal_reason: Option<String>,
    pub subtype: Option<String>,
    pub session_id: Option<String>,
    /// `claude_code_version` from the init line.
    pub cli_version: Option<String>,
    /// The model the CLI says it used (init line).
    pub model: Option<String>,
    pub duration_ms: u64,
    /// `system/api_retry` lines: the CLI's own retries.
    pub cli_retries: u64,
    pub exit_code: Option<i32>,
    pub stderr: String,
    /// Whether a `result` line was seen.
    pub has_result: bool,
    /// Every stdout line, as received.
    pub raw_lines: Vec<String>,
    /// Lines of a known type whose shape the parser cannot read (1-based
    /// line number and what is missing); empty for a readable transcript.
    pub shape_problems: Vec<String>,
}

impl Transcript {
    /// Parses stdout lines (with their arrival times). A line that is not
    /// JSON is an error: (1-based line number, line, parse error).
    pub fn parse_lines(lines: &[(u64, String)]) -> Result<Transcript, (usize, String, String)> {
        let mut t = Transcript::default();
        for (i, (at_ms, line)) in lines.iter().enumerate() {
            t.raw_lines.push(line.clone());
            if line.trim().is_empty() {
                continue;
            }
            let v: Value =
                serde_json::from_str(line).map_err(|e| (i + 1, line.clone(), e.to_string()))?;
            if let Some(problem) = shape_problem(&v) {
                t.shape_problems.push(format!("line {}: {problem}", i + 1));
            }
            t.absorb(*at_ms, &v);
        }
        Ok(t)
    }

    /// Parses a captured transcript (one JSON object a line, no timings).
    pub fn parse_str(text: &str) -> Result<Transcript, (usize, String, String)> {
        let lines: Vec<(u64, String)> = text.lines().map(|l| (0, l.to_owned())).collect();
        Self::parse_lines(&lines)
    }

    /// The claude version of the init line, if one was read.
    pub fn version_label(&self) -> &str {
        self.cli_version.as_deref().unwrap_or("of unknown version")
    }

    fn absorb(&mut self, at_ms: u64, v: &Value) {
        let str_of = |v: &Value| v.as_str().map(str::to_owned);
        match (v["type"].as_str(), v["subtype"].as_str()) {
            (Some("system"), Some("init")) => {
                self.cli_version = str_of(&v["claude_code_version"]);
                self.model = str_of(&v["model"]);
                self.session_id = str_of(&v["session_id"]);
            }
            (Some("system"), Some("api_retry")) => self.cli_retries += 1,
            (Some("assistant"), _) => {
                let msg = &v["message"];
                for block in msg["content"].as_array().into_iter().flatten() {
                    match block["type"].as_str() {
                        Some("tool_use") => self.tool_calls.push(ToolCall {
                            id: str_of(&block["id"]).unwrap_or_default(),
                            name: str_of(&block["name"]).unwrap_or_default(),
                            input: block["input"].clone(),
                        }),
                        Some("thinking") => self.thinking.push(ThinkingBlock {
                            thinking: str_of(&block["thinking"]).unwrap_or_default(),
                            signature: str_of(&block["signature"]).unwrap_or_default(),
                        }),
                        _ => {}
                    }
                }
                self.assistant_messages.push(msg.clone());
            }
            (Some("user"), _) => {
                for block in v["message"]["content"].as_array().into_iter().flatten() {
                    if block["type"] == "tool_result" {
                        let content = match &block["content"] {
                            Value::String(s) => s.clone(),
                            Value::Array(items) => items
                                .iter()
                                .filter_map(|i| i["text"].as_str())
                                .collect::<Vec<_>>()
                                .join("\n"),
                            _ => String::new(),
                        };
                        self.tool_results.push(ToolResult {
                            tool_use_id: str_of(&block["tool_use_id"]).unwrap_or_default(),
                            content,
                            is_error: block["is_error"].as_bool().unwrap_or(false),
                        });
                    }
                }
            }
            (Some("stream_event"), _) => self.stream_events.push(StreamEvent {
                at_ms,
                event: v["event"].clone(),
            }),
            (Some("result"), _) => {
                self.has_result = true;
                self.final_text = str_of(&v["result"]).unwrap_or_default();
                self.is_error = v["is_error"].as_bool().unwrap_or(false);
                self.api_error_status = v["api_error_status"].as_u64();
                self.terminal_reason = str_of(&v["terminal_reason"]);
                self.subtype = str_of(&v["subtype"]);
                self.num_turns = v["num_turns"].as_u64().unwrap_or(0);
                self.duration_ms = v["duration_ms"].as_u64().unwrap_or(0);
                self.total_cost_usd = v["total_cost_usd"].as_f64().unwrap_or(0.0);
                let u = &v["usage"];
                self.usage = Usage {
                    input_tokens: u["input_tokens"].as_u64().unwrap_or(0),
                    output_tokens: u["output_tokens"].as_u64().unwrap_or(0),
                    cache_read_input_tokens: u["cache_read_input_tokens"].as_u64().unwrap_or(0),
                    cache_creation_input_tokens: u["cache_creation_input_tokens"]
                        .as_u64()
                        .unwrap_or(0),
                };
                if self.session_id.is_none() {
                    self.session_id = str_of(&v["session_id"]);
                }
            }
            _ => {}
        }
    }

    /// Why this run should be retried, if its failure looks transient:
    /// connection refused/reset, 429, 500, 502, 503, 529, overloaded.
    pub fn transient_error(&self) -> Option<String> {
        if !self.is_error {
            return None;
        }
        let text = self.final_text.to_lowercase();
        let status_transient = matches!(
            self.api_error_status,
            Some(429 | 500 | 502 | 503 | 504 | 529)
        );
        let text_transient = [
            "econnrefused",
            "econnreset",
            "connection refused",
            "socket hang up",
            "overloaded",
            "connection error",
        ]
        .iter()
        .any(|p| text.contains(p));
        (status_transient || text_transient).then(|| {
            format!(
                "transient upstream failure (status {}): {}",
                self.api_error_status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "none".into()),
                self.final_text.lines().next().unwrap_or_default()
            )
        })
    }

    /// `Ok` if the CLI finished without an error; otherwise a [`CliError`]
    /// quoting what the CLI reported and the last lines of the transcript
    /// (the harness reads its status and text to classify the failure).
    pub fn ensure_success(&self) -> Result<(), CliError> {
        if !self.is_error && self.subtype.as_deref() == Some("success") {
            return Ok(());
        }
        Err(CliError {
            subtype: self.subtype.clone(),
            status: self.api_error_status.and_then(|s| u16::try_from(s).ok()),
            text: self.final_text.trim().to_owned(),
            tail: self.tail(6),
        })
    }

    /// The last `n` stdout lines (long lines shortened).
    /// The answer to the control request `id` ([`super::ClaudeRun::control_request`]):
    /// the `response` object of its `control_response` line, `Err` with the
    /// CLI's words when it answered `error`, `None` when no line answers it.
    pub fn control_response(&self, id: &str) -> Option<Result<Value, String>> {
        self.raw_lines.iter().find_map(|line| {
            let v: Value = serde_json::from_str(line).ok()?;
            let r = &v["response"];
            (v["type"] == "control_response" && r["request_id"] == id).then(|| {
                match r["subtype"].as_str() {
                    Some("success") => Ok(r["response"].clone()),
                    _ => Err(r["error"]
                        .as_str()
                        .map_or_else(|| r.to_string(), str::to_owned)),
                }
            })
        })
    }

    pub fn tail(&self, n: usize) -> String {
        let s = self.raw_lines.len().saturating_sub(n);
        self.raw_lines[s..]
            .iter()
            .map(|l| {
                if l.len() > 500 {
                    let cut = (0..=500)
                        .rev()
                        .find(|i| l.is_char_boundary(*i))
                        .unwrap_or(0);
                    format!("{}...", &l[..cut])
                } else {
                    l.clone()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A field the parser reads: its name, its value, the check of its type and
/// that type's name.
type Expect<'a> = (&'a str, &'a Value, fn(&Value) -> bool, &'a str);

/// What the parser cannot read in one stream-JSON line, if anything: the
/// fields the harness reads of each known line type (claude 2.1.x, see
/// golden/transcripts/), with the type they have there.
pub fn shape_problem(v: &Value) -> Option<String> {
    let Some(kind) = v["type"].as_str() else {
        return Some(format!(
            "a line without a string `type` (keys: {})",
            keys_of(v)
        ));
    };
    let missing = |what: &[Expect<'_>]| {
        let bad: Vec<String> = what
            .iter()
            .filter(|(_, field, ok, _)| !ok(field))
            .map(|(name, _, _, want)| format!("`{name}` ({want})"))
            .collect();
        (!bad.is_empty()).then(|| {
            format!(
                "a `{kind}` line without {} (keys: {})",
                bad.join(", "),
                keys_of(v)
            )
        })
    };
    let is_str: fn(&Value) -> bool = Value::is_string;
    let is_bool: fn(&Value) -> bool = Value::is_boolean;
    let is_array: fn(&Value) -> bool = Value::is_array;
    let is_content: fn(&Value) -> bool = |c| c.is_array() || c.is_string();
    match (kind, v["subtype"].as_str()) {
        ("system", Some("init")) => missing(&[(
            "claude_code_version",
            &v["claude_code_version"],
            is_str,
            "a string",
        )]),
        ("result", _) => missing(&[
            ("subtype", &v["subtype"], is_str, "a string"),
            ("is_error", &v["is_error"], is_bool, "a boolean"),
        ]),
        ("assistant", _) => missing(&[(
            "message.content",
            &v["message"]["content"],
            is_array,
            "an array",
        )]),
        ("user", _) => missing(&[(
            "message.content",
            &v["message"]["content"],
            is_content,
            "an array or a string",
        )]),
        ("stream_event", _) => missing(&[("event.type", &v["event"]["type"], is_str, "a string")]),
        _ => None,
    }
}

fn keys_of(v: &Value) -> String {
    match v.as_object() {
        Some(o) => o.keys().map(String::as_str).collect::<Vec<_>>().join(", "),
        None => format!("not an object: {}", short(v)),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}
