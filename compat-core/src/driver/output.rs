//! Reading the CLI's stdout for diagnostics: keep-alive lines, the last
//! event of a stalled run, and bounded tails of its output.

/// A `stream_event` line carrying a `ping` (cheap test: no full parse).
pub(super) fn is_keepalive(line: &str) -> bool {
    line.contains("\"stream_event\"") && line.contains("\"type\":\"ping\"")
}

/// The last stream-JSON line, named by its type (`system/init`,
/// `stream_event content_block_delta`, `assistant tool_use`, ...).
pub(super) fn describe_last_event(lines: &[(u64, String)]) -> String {
    let Some((at_ms, line)) = lines
        .iter()
        .rev()
        .find(|(_, l)| !l.trim().is_empty() && !is_keepalive(l))
    else {
        return "starting (the CLI printed nothing)".to_owned();
    };
    let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
    let kind = v["type"].as_str().unwrap_or("a non-JSON line");
    let detail = match kind {
        "system" => v["subtype"].as_str().map(str::to_owned),
        "stream_event" => v["event"]["type"].as_str().map(|t| {
            let delta = v["event"]["delta"]["type"].as_str();
            delta
                .map(|d| format!("{t} {d}"))
                .unwrap_or_else(|| t.to_owned())
        }),
        "assistant" | "user" => v["message"]["content"]
            .as_array()
            .and_then(|c| c.last())
            .and_then(|b| b["type"].as_str())
            .map(str::to_owned),
        _ => None,
    };
    let name = detail
        .map(|d| format!("{kind} {d}"))
        .unwrap_or_else(|| kind.to_owned());
    format!("the event `{name}` ({} ms into the run)", at_ms)
}

pub(super) fn tail_of(lines: &[(u64, String)], n: usize) -> String {
    let s = lines.len().saturating_sub(n);
    lines[s..]
        .iter()
        .map(|(_, l)| truncate(l, 600))
        .collect::<Vec<_>>()
        .join("\n")
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let cut = (0..=max)
        .rev()
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(0);
    format!("{}...", &s[..cut])
}

pub(super) fn last_chars(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let start = (s.len() - max..s.len())
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(s.len());
    s[start..].to_owned()
}

pub(super) fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_owned()
}
