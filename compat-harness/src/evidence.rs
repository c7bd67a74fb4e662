//! How a failure shows the request that reached the provider.
//!
//! A request body cut at 2,000 characters hides what matters: Claude Code's
//! bodies are ~90 KB of system prompt and tool schemas, so a missing
//! `thinking` key or a dropped cache marker never shows in the first 2,000.
//! [`summarize_body`] leads with the top-level keys (each with its shape),
//! then the fields features depend on (thinking, cache markers, tools,
//! images, documents, betas), then the body, cut.

use serde_json::Value;

/// Longest body excerpt after the summary.
const BODY_EXCERPT: usize = 1500;

/// A request body for an error report: keys first, feature fields next, then
/// the start of the body.
pub fn summarize_body(body: &Value) -> String {
    let mut out = Vec::new();
    if let Value::Object(map) = body {
        let keys: Vec<String> = map
            .iter()
            .map(|(k, v)| format!("{k}{}", shape(v)))
            .collect();
        out.push(format!("top-level keys: {}", keys.join(", ")));
    }
    for key in [
        "thinking",
        "reasoning_config",
        "output_config",
        "anthropic_beta",
        "tool_choice",
    ] {
        if let Some(v) = find_key(body, key) {
            out.push(format!("{key}: {}", cut(&v.to_string(), 200)));
        }
    }
    let mut markers = Vec::new();
    paths_of(body, "", &mut |path, k, _| {
        if k == "cache_control" || k == "cachePoint" {
            markers.push(path.to_owned());
        }
    });
    out.push(format!(
        "cache markers: {}{}",
        markers.len(),
        if markers.is_empty() {
            String::new()
        } else {
            format!(" ({})", cut(&markers.join(", "), 300))
        }
    ));
    let mut blocks: std::collections::BTreeMap<String, usize> = Default::default();
    paths_of(body, "", &mut |_, k, v| {
        if let ("type", Some(t)) = (k, v.as_str()) {
            *blocks.entry(t.to_owned()).or_default() += 1;
        }
    });
    if !blocks.is_empty() {
        let list: Vec<String> = blocks.iter().map(|(t, n)| format!("{t} x{n}")).collect();
        out.push(format!("block types: {}", cut(&list.join(", "), 300)));
    }
    let tools = tool_names(body);
    if !tools.is_empty() {
        out.push(format!(
            "tools ({}): {}",
            tools.len(),
            cut(&tools.join(", "), 300)
        ));
    }
    out.push(format!("body: {}", cut(&body.to_string(), BODY_EXCERPT)));
    out.join("\n")
}

/// `[3]` for an array, `{a,b}` for a small object, nothing for a scalar.
fn shape(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("[{}]", a.len()),
        Value::Object(o) if o.len() <= 4 => {
            format!("{{{}}}", o.keys().cloned().collect::<Vec<_>>().join(","))
        }
        Value::Object(o) => format!("{{{} keys}}", o.len()),
        Value::String(s) if s.len() <= 40 => format!("={s:?}"),
        Value::Bool(b) => format!("={b}"),
        Value::Number(n) => format!("={n}"),
        _ => String::new(),
    }
}

/// The first value of `key` anywhere in the body, searching breadth-first
/// from the top (so a top-level key wins over a nested one).
fn find_key<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let mut queue = std::collections::VecDeque::from([v]);
    while let Some(v) = queue.pop_front() {
        match v {
            Value::Object(m) => {
                if let Some(found) = m.get(key) {
                    return Some(found);
                }
                queue.extend(m.values());
            }
            Value::Array(a) => queue.extend(a.iter()),
            _ => {}
        }
    }
    None
}

/// Calls `f(path, key, value)` for every object member, depth first.
fn paths_of(v: &Value, path: &str, f: &mut dyn FnMut(&str, &str, &Value)) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                f(&p, k, child);
                paths_of(child, &p, f);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                paths_of(child, &format!("{path}[{i}]"), f);
            }
        }
        _ => {}
    }
}

/// Tool names in the Anthropic (`tools[].name`) or Converse
/// (`toolConfig.tools[].toolSpec.name`) shape.
fn tool_names(body: &Value) -> Vec<String> {
    let anthropic = body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str());
    let converse = body["toolConfig"]["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["toolSpec"]["name"].as_str());
    anthropic.chain(converse).map(str::to_owned).collect()
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let c: String = s.chars().take(max).collect();
    format!("{c}...(truncated)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_missing_thinking_key_and_the_cache_markers_show_before_the_body() {
        let long = "x".repeat(5000);
        let with = json!({"model": "m", "system": [{"type": "text", "text": long, "cache_control": {"type": "ephemeral"}}],
                          "messages": [{"role": "user", "content": "hi"}], "thinking": {"type": "enabled", "budget_tokens": 2048}});
        let s = summarize_body(&with);
        assert!(
            s.starts_with(
                "top-level keys: model=\"m\", system[1], messages[1], thinking{type,budget_tokens}"
            ),
            "{s}"
        );
        assert!(
            s.contains("thinking: {\"type\":\"enabled\",\"budget_tokens\":2048}"),
            "{s}"
        );
        assert!(
            s.contains("cache markers: 1 (system[0].cache_control)"),
            "{s}"
        );
        let without = json!({"model": "m", "messages": [], "tools": [{"name": "Bash"}]});
        let s = summarize_body(&without);
        assert!(!s.contains("thinking:"), "{s}");
        assert!(s.contains("cache markers: 0"), "{s}");
        assert!(s.contains("tools (1): Bash"), "{s}");
    }
}
