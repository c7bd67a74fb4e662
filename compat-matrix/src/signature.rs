//! A failure's signature: its class plus what decided it (the provider's
//! refusal words or the check's assertion), normalised so that what changes
//! from run to run (nonces, ids, uuids, hex, timings, ports, counts, temp
//! paths, the model's name) does not change it. The regression gate compares
//! a model's signature now with the one the baseline stored: the same failure
//! is known, another one is "failing differently".
//!
//! A failure's message reads: the headline (what broke, where, the upstream's
//! own words), then the check's details, then diagnostics (the transcript's
//! last lines). The signature reads the headline and the first line of the
//! details only, and only its first [`SIGNATURE_CHARS`] characters once
//! normalised. That is always inside what a matrix keeps of an error (the
//! harness cuts a cell's error at 600 characters), so a baseline that stores
//! no signature gets the same one from its stored error as the full error
//! gives (tested below on every error of `golden/sim-baseline.json`).

use crate::status::FailureClass;

/// Length of a signature's text after the class, in characters.
pub const SIGNATURE_CHARS: usize = 240;

/// Where the diagnostics begin in a failure's message: nothing after them
/// decides the failure.
const DIAGNOSTICS: &[&str] = &[
    "--- last transcript lines ---",
    "... (see compat-results.json)",
];

/// Words after which a three-digit number from 100 to 599 is an HTTP
/// status, which is part of what decided a failure (a 400 is not a 500);
/// every other number is a count, a time, an index or an id and reads `#`.
const STATUS_BEFORE: &[&str] = &[
    "error", "status", "code", "with", "answered", "http", "rejected", "returned", "refused",
];

/// The signature of a failure: `<class>: <normalised decisive text>`.
pub fn signature(class: FailureClass, error: &str) -> String {
    let mut text = error;
    for marker in DIAGNOSTICS {
        if let Some(i) = text.find(marker) {
            text = &text[..i];
        }
    }
    let decisive: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(2)
        .collect();
    let normalised = normalise(&decisive.join(" | "));
    let cut: String = normalised.chars().take(SIGNATURE_CHARS).collect();
    format!("{class}: {}", cut.trim_end())
}

/// Replaces what varies between runs of the same failure.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, token) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        normalise_token(token, &mut out);
    }
    out
}

fn normalise_token(token: &str, out: &mut String) {
    // Temp and home paths differ per run (`/tmp/claude-run-wttvh7/work`).
    let bare = token.trim_start_matches(['"', '\'', '(', '[', '{', '`']);
    let lead = &token[..token.len() - bare.len()];
    for root in ["/tmp/", "/var/", "/private/", "/home/", "/root/", "/Users/"] {
        if bare.starts_with(root) {
            out.push_str(lead);
            out.push_str("<path>");
            let tail = bare.trim_end_matches(['"', '\'', ')', ']', '}', ',', '`', ';', '.']);
            out.push_str(&bare[tail.len()..]);
            return;
        }
    }
    let chars: Vec<char> = token.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if let Some(n) = uuid_at(&chars, i) {
            out.push_str("<uuid>");
            i += n;
            continue;
        }
        if let Some(n) = model_at(&chars, i) {
            out.push_str("<model>");
            i += n;
            continue;
        }
        if !chars[i].is_ascii_alphanumeric() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let run = &chars[start..i];
        let digits = run.iter().filter(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            // A word; an 8-character nonce that happens to be all a-f
            // letters is still a nonce.
            if run.len() >= 8 && run.iter().all(|c| c.is_ascii_hexdigit()) {
                out.push_str("<id>");
            } else {
                out.extend(run);
            }
        } else if digits == run.len() {
            let n: String = run.iter().collect();
            if is_status(&n, out, chars.get(i).copied()) {
                out.push_str(&n);
            } else {
                out.push('#');
            }
        } else if run.len() >= 8 {
            // Request ids, nonces, hex addresses (`req_011CUdL49e3F...`,
            // `0x7fe971c947a0`).
            out.push_str("<id>");
        } else {
            // A short word with numbers in it (`350ms`, `v1`, `1h`): its
            // numbers vary, the word does not.
            let mut in_digits = false;
            for c in run {
                if c.is_ascii_digit() {
                    if !in_digits {
                        out.push('#');
                    }
                    in_digits = true;
                } else {
                    out.push(*c);
                    in_digits = false;
                }
            }
        }
    }
}

/// Whether the all-digit `n` is an HTTP status, from what precedes it in
/// `before` (the normalised text so far) and the character after it.
fn is_status(n: &str, before: &str, next: Option<char>) -> bool {
    let Ok(v) = n.parse::<u16>() else {
        return false;
    };
    if n.len() != 3 || !(100..600).contains(&v) || matches!(next, Some('.' | ',')) {
        return false;
    }
    if before.ends_with('.') || before.ends_with(',') {
        return false;
    }
    let context = before.trim_end_matches(|c: char| c.is_whitespace() || "\"':=\\".contains(c));
    if context.is_empty() || context.ends_with('(') || context.ends_with('|') {
        return true;
    }
    let lower = context.to_ascii_lowercase();
    STATUS_BEFORE.iter().any(|w| lower.ends_with(w))
}

/// A uuid (8-4-4-4-12 hex digits) starting at `i`: its length.
fn uuid_at(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && chars[i - 1].is_ascii_alphanumeric() {
        return None;
    }
    let mut j = i;
    for (k, len) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if k > 0 {
            if chars.get(j) != Some(&'-') {
                return None;
            }
            j += 1;
        }
        for _ in 0..len {
            if !chars.get(j)?.is_ascii_hexdigit() {
                return None;
            }
            j += 1;
        }
    }
    if chars.get(j).is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some(j - i)
}

/// A Claude model id starting at `i` (`claude-haiku-4-5-20251001-v1:0`,
/// `claude-opus-4-7@...`): its length. The gate compares a model's failure
/// with the same model's, so the name adds nothing, and without it the same
/// failure reads the same on every model.
fn model_at(chars: &[char], i: usize) -> Option<usize> {
    const PREFIX: &str = "claude-";
    if i > 0 && chars[i - 1].is_ascii_alphanumeric() {
        return None;
    }
    if chars.len() < i + PREFIX.len()
        || chars[i..i + PREFIX.len()]
            .iter()
            .copied()
            .ne(PREFIX.chars())
    {
        return None;
    }
    let mut j = i + PREFIX.len();
    let family = j;
    while j < chars.len() && chars[j].is_ascii_lowercase() {
        j += 1;
    }
    if !matches!(
        chars[family..j].iter().collect::<String>().as_str(),
        "haiku" | "sonnet" | "opus"
    ) {
        return None;
    }
    // The version and date parts: digits, dashes, `-v1:0`, `@20251001`.
    while j < chars.len() {
        let c = chars[j];
        let versionish = c.is_ascii_digit()
            || c == '-'
                && chars
                    .get(j + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == 'v')
            || c == 'v' && chars.get(j + 1).is_some_and(char::is_ascii_digit)
            || (c == ':' || c == '@') && chars.get(j + 1).is_some_and(char::is_ascii_digit);
        if !versionish {
            break;
        }
        j += 1;
    }
    Some(j - i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use FailureClass::*;

    fn golden(path: &str) -> serde_json::Value {
        let p = crate::paths::workspace_root().join(path);
        serde_json::from_str(&std::fs::read_to_string(&p).expect("golden file")).expect("json")
    }

    /// Every failing model's stored error in the sim baseline.
    fn baseline_errors() -> Vec<(String, String)> {
        let m = golden("golden/sim-baseline.json");
        let mut out = Vec::new();
        for f in m["features"].as_array().unwrap() {
            for (p, cell) in f["providers"].as_object().unwrap() {
                for (model, r) in cell["models"].as_object().into_iter().flatten() {
                    if r["status"] == "fail" {
                        let at = format!("{}::{p}::{model}", f["id"].as_str().unwrap());
                        out.push((at, r["error"].as_str().unwrap().to_owned()));
                    }
                }
            }
        }
        assert!(
            out.len() >= 30,
            "the baseline's failing models: {}",
            out.len()
        );
        out
    }

    #[test]
    fn table_of_real_texts() {
        let cases: &[(FailureClass, &str, &str)] = &[
            (
                Incompatible,
                r#"API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.1.content.0: Invalid `signature` in `thinking` block"},"request_id":"req_011CUdL49e3Fu9bCKbWF6cXD"}"#,
                r#"incompatible: API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.#.content.#: Invalid `signature` in `thinking` block"},"request_id":"req_<id>"}"#,
            ),
            (
                UpstreamUnavailable,
                "API Error: Request rejected (429) · This request would exceed your organization's rate limit of 30,000 input tokens per minute (org: 9d50ef40-6cc8-4ca6-9d35-1dc9cf26235c, model: claude-sonnet-4-6).",
                "upstream_unavailable: API Error: Request rejected (429) · This request would exceed your organization's rate limit of #,# input tokens per minute (org: <uuid>, model: <model>).",
            ),
            (
                UpstreamUnavailable,
                "litellm.Timeout: APITimeoutError - Request timed out. Error_str: Request timed out. - timeout value=0.001, time taken=0.04 seconds",
                "upstream_unavailable: litellm.Timeout: APITimeoutError - Request timed out. Error_str: Request timed out. - timeout value=#.#, time taken=#.# seconds",
            ),
            (
                Incompatible,
                "litellm.BadRequestError: litellm.ContextWindowExceededError: AnthropicError - {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: 209353 tokens > 199999 maximum\"}}",
                "incompatible: litellm.BadRequestError: litellm.ContextWindowExceededError: AnthropicError - {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: # tokens > # maximum\"}}",
            ),
            (
                Harness,
                "harness: the proxy at http://127.0.0.1:43117 died\ncwd /tmp/claude-run-wttvh7/work took 350ms",
                "harness: harness: the proxy at http://#.#.#.#:# died | cwd <path> took #ms",
            ),
        ];
        for (class, text, want) in cases {
            assert_eq!(&signature(*class, text), want, "text: {text}");
        }
    }

    #[test]
    fn statuses_stay_counts_go() {
        let s = |t| normalise(t);
        assert_eq!(
            s("the provider refused the request with 400: x"),
            "the provider refused the request with 400: x"
        );
        assert_eq!(s("answered 500 and no count"), "answered 500 and no count");
        assert_eq!(s(r#"{"code":"503"}"#), r#"{"code":"503"}"#);
        assert_eq!(s("gateway sent (400)."), "gateway sent (400).");
        assert_eq!(s("it counted 312 tokens"), "it counted # tokens");
        assert_eq!(s("reported 12142 token(s)"), "reported # token(s)");
        // A status differs from another status.
        assert_ne!(
            signature(Incompatible, "API Error: 400 bad"),
            signature(Incompatible, "API Error: 500 bad")
        );
    }

    #[test]
    fn what_varies_between_runs_does_not_change_it() {
        let a = "gateway: the CLI finished (route bedrock/invoke/us.anthropic.claude-opus-4-7)\nthe gateway answered the CLI's count_tokens with 500 and no count. Gateway log: 05:28:26 - LiteLLM:WARNING: ssl:<ssl.SSLContext object at 0x7fe971c947a0> nonce 3fa9c2e1 session 4f74a8e4-c4b7-4090-8ee0-b8c347cd92fe\nthird line";
        let b = "gateway: the CLI finished (route bedrock/invoke/us.anthropic.claude-haiku-4-5-20251001-v1:0)\nthe gateway answered the CLI's count_tokens with 500 and no count. Gateway log: 11:02:59 - LiteLLM:WARNING: ssl:<ssl.SSLContext object at 0x7fa0000047a0> nonce 0b1d2e3f session 307b7f29-96ee-4b39-a9de-a611bcfec03e\nanother third line";
        assert_eq!(signature(Incompatible, a), signature(Incompatible, b));
        // What decided it does change it.
        let c = a.replace("with 500 and no count", "with a count of 3, not plausible");
        assert_ne!(signature(Incompatible, a), signature(Incompatible, &c));
        // So does the class.
        assert_ne!(signature(Incompatible, a), signature(Harness, a));
    }

    /// The golden classifier texts: each has a signature that survives a
    /// change of its ids and numbers, and two different texts keep two
    /// different signatures.
    #[test]
    fn classifier_texts() {
        let texts = golden("golden/classifier/error_texts.json");
        let mut seen = std::collections::BTreeMap::new();
        for t in texts.as_array().unwrap() {
            let text = t["text"].as_str().unwrap();
            let sig = signature(Incompatible, text);
            assert!(sig.len() > "incompatible: ".len(), "{text}");
            // Every digit changed (a different count, id, time, port) but
            // a status kept: same signature.
            let status = t["http_status"].as_u64().map(|s| s.to_string());
            let mut shifted = String::new();
            let mut rest = text;
            while !rest.is_empty() {
                if let Some(s) = &status
                    && rest.starts_with(s.as_str())
                {
                    shifted.push_str(s);
                    rest = &rest[s.len()..];
                    continue;
                }
                let c = rest.chars().next().unwrap();
                shifted.push(match c.to_digit(10) {
                    Some(d) if d >= 6 => char::from_digit(d - 1, 10).unwrap(),
                    _ => c,
                });
                rest = &rest[c.len_utf8()..];
            }
            if status.is_some() || !text.chars().any(|c| c.is_ascii_digit()) {
                assert_eq!(sig, signature(Incompatible, &shifted), "{text}");
            }
            seen.entry(sig).or_insert_with(Vec::new).push(text);
        }
        for (sig, texts) in &seen {
            assert_eq!(
                texts.len(),
                1,
                "one signature for different texts: {sig}: {texts:?}"
            );
        }
    }

    /// A baseline without stored signatures gets them from its stored
    /// errors: the signature of a stored (cut) error is the full error's.
    #[test]
    fn a_cut_error_keeps_its_signature() {
        for (at, error) in baseline_errors() {
            let stored = signature(Incompatible, &error);
            let kept = error.trim_end_matches("... (see compat-results.json)");
            // Only a stored error the harness cut (it keeps 600 characters)
            // stands for a longer one; a short error is whole, and words
            // added to its decisive lines make another error.
            if kept.len() < error.len() || error.chars().count() >= 500 {
                let longer = format!(
                    "{kept} and more words that the cut dropped {} 12345\nline",
                    "x".repeat(400)
                );
                assert_eq!(stored, signature(Incompatible, &longer), "{at}");
            }
            // Cut anywhere past 500 characters (what the harness keeps is
            // 600): the same.
            let chars: Vec<char> = kept.chars().collect();
            for n in (500..chars.len()).step_by(7) {
                let cut: String = chars[..n].iter().collect();
                assert_eq!(stored, signature(Incompatible, &cut), "{at} cut at {n}");
            }
        }
    }

    /// The same failure on every model of a cell has one signature: in
    /// the baseline, Sonnet's and Opus's requests are alike and fail alike
    /// wherever both fail (Haiku's may differ: no effort beta, other betas).
    #[test]
    fn one_failure_one_signature_across_models_and_runs() {
        let mut by_cell: std::collections::BTreeMap<String, Vec<(String, String)>> =
            Default::default();
        for (at, error) in baseline_errors() {
            let (cell, model) = at.rsplit_once("::").unwrap();
            by_cell
                .entry(cell.to_owned())
                .or_default()
                .push((model.to_owned(), signature(Incompatible, &error)));
        }
        let mut compared = 0;
        for (cell, sigs) in &by_cell {
            let of = |m: &str| sigs.iter().find(|(id, _)| id == m).map(|(_, s)| s);
            if let (Some(s), Some(o)) = (of("claude-sonnet-4-6"), of("claude-opus-4-7")) {
                assert_eq!(s, o, "{cell}");
                compared += 1;
            }
        }
        assert!(compared >= 10, "{compared}");
        let by_cell: std::collections::BTreeMap<_, std::collections::BTreeSet<String>> = by_cell
            .into_iter()
            .map(|(c, v)| (c, v.into_iter().map(|(_, s)| s).collect()))
            .collect();
        // The Azure AI pass-through fails every row the same way.
        let azure: std::collections::BTreeSet<_> = by_cell
            .iter()
            .filter(|(c, _)| c.ends_with("::azure_passthrough"))
            .flat_map(|(_, s)| s.iter().cloned())
            .collect();
        assert!(
            azure
                .iter()
                .all(|s| s.contains("anthropic-version: header is required")),
            "{azure:#?}"
        );
    }
}
