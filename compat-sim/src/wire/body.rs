//! Plain helpers on the wire: a request's JSON body, a random hex id, a
//! provider's model id mapped to the canonical Claude id, a percent-decoded
//! path segment. Every codec and some rules use them; they decide nothing.

use serde_json::Value;

use crate::wire::record::Incoming;

/// Maps a provider's model id to the canonical Claude id: strips region
/// prefixes (`us.anthropic.`), version suffixes (`-v1:0`, `@20251001`) and
/// dates (`-20251001`). Only Claude ids are served. Ledger rules
/// "msg.model_id" and "bedrock.model_id" refuse the rest.
pub(crate) fn canonical_model(upstream: &str) -> Option<String> {
    let decoded = upstream.replace("%3A", ":").replace("%3a", ":");
    let start = decoded.find("claude-")?;
    let mut id = &decoded[start..];
    if let Some(i) = id.find('@') {
        id = &id[..i];
    }
    if let Some(i) = id.find("-v1:") {
        id = &id[..i];
    }
    let mut parts: Vec<&str> = id.split('-').collect();
    if parts
        .last()
        .is_some_and(|p| p.len() == 8 && p.chars().all(|c| c.is_ascii_digit()))
    {
        parts.pop();
    }
    (parts.len() >= 3).then(|| parts.join("-"))
}

/// Percent-decodes a path segment (`%3A` -> `:`), as a router's path
/// parameters are.
pub(crate) fn decode_segment(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The JSON body, if the request had one.
pub(crate) fn json_body(req: &Incoming) -> Option<Value> {
    serde_json::from_slice(&req.body).ok()
}

/// A random hex id of `digits` digits.
pub(crate) fn random_hex(digits: usize) -> String {
    let full = format!("{:032x}", fastrand::u128(..));
    full[..digits.min(32)].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_model_ids() {
        for (upstream, want) in [
            ("claude-sonnet-4-6", "claude-sonnet-4-6"),
            ("claude-haiku-4-5-20251001", "claude-haiku-4-5"),
            (
                "us.anthropic.claude-haiku-4-5-20251001-v1:0",
                "claude-haiku-4-5",
            ),
            (
                "us.anthropic.claude-haiku-4-5-20251001-v1%3A0",
                "claude-haiku-4-5",
            ),
            ("claude-haiku-4-5@20251001", "claude-haiku-4-5"),
            ("us.anthropic.claude-opus-4-7", "claude-opus-4-7"),
        ] {
            assert_eq!(
                canonical_model(upstream).as_deref(),
                Some(want),
                "{upstream}"
            );
        }
        assert_eq!(canonical_model("gpt-4o"), None);
    }

    #[test]
    fn path_segments_are_decoded() {
        assert_eq!(
            decode_segment("claude-haiku-4-5-20251001-v1%3A0"),
            "claude-haiku-4-5-20251001-v1:0"
        );
        assert_eq!(decode_segment("a%2"), "a%2");
    }
}
