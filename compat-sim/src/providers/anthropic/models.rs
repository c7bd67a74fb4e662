//! The Anthropic API's Models API, `GET /v1/models` ("List Models",
//! platform.claude.com/docs/en/api/models-list): the models the key can
//! use, most recently released first, as `{data: [ModelInfo], has_more,
//! first_id, last_id}` with `ModelInfo = {type: "model", id, display_name,
//! created_at}`; query `limit` (default 20, 1 to 1000), `after_id` and
//! `before_id` (cursors: the page right after or before that id). LiteLLM's
//! `/anthropic` pass-through forwards `/anthropic/v1/models` here, and the
//! CLI's gateway model discovery asks `?limit=1000` (docs/research/cli-modes-2026-12-06.md §5, §6).

use serde_json::{Value, json};

use crate::wire::answer::Answer;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;

/// The models the simulator lists: the matrix's `claude` model set
/// (manifest.yaml `model_sets.claude`, the models the Claude columns run;
/// never the `gpt` set, which Anthropic does not serve), newest first, under
/// the ids the Anthropic API names them by (`claude-haiku-4-5-20251001`;
/// the 4.6 and 4.7 ids carry no date). Release dates: Haiku 4.5's from its
/// id; the others are not in this repository's sources, so they take the
/// epoch value the reference allows "if the release date is unknown"
/// (inferred).
pub(crate) const MODELS: &[(&str, &str, &str)] = &[
    ("claude-opus-4-7", "Claude Opus 4.7", "1970-01-01T00:00:00Z"),
    (
        "claude-sonnet-4-6",
        "Claude Sonnet 4.6",
        "1970-01-01T00:00:00Z",
    ),
    (
        "claude-haiku-4-5-20251001",
        "Claude Haiku 4.5",
        "2025-10-01T00:00:00Z",
    ),
];

/// The page a List Models request asks for. Ledger rules
/// "anthropic.models.list" (the shape and the cursors) and
/// "anthropic.models.limit" (the `limit` range).
pub(crate) fn list(req: &Incoming) -> Result<Answer, Rejection> {
    let mut limit = 20usize;
    let mut after: Option<String> = None;
    let mut before: Option<String> = None;
    for pair in req.uri.query().unwrap_or_default().split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = crate::wire::body::decode_segment(v);
        match k {
            "limit" => {
                limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| {
                        super::error(
                            "anthropic.models.limit",
                            400,
                            "invalid_request_error",
                            format!("limit: must be an integer from 1 to 1000, got `{v}`"),
                        )
                    })?;
            }
            "after_id" => after = Some(v),
            "before_id" => before = Some(v),
            _ => {}
        }
    }
    let ids: Vec<&str> = MODELS.iter().map(|m| m.0).collect();
    let pos = |id: &str| ids.iter().position(|i| *i == id);
    // A cursor the list does not hold selects nothing (inferred: the
    // reference does not say).
    let (start, end) = match (after.as_deref(), before.as_deref()) {
        (Some(a), _) => pos(a).map_or((0, 0), |i| (i + 1, MODELS.len())),
        (None, Some(b)) => pos(b).map_or((0, 0), |i| (i.saturating_sub(limit), i)),
        (None, None) => (0, MODELS.len()),
    };
    let window = &MODELS[start..end];
    let page = &window[..window.len().min(limit)];
    let has_more = match before {
        Some(_) if after.is_none() => start > 0,
        _ => page.len() < window.len(),
    };
    let data: Vec<Value> = page
        .iter()
        .map(|(id, name, created)| {
            json!({"type": "model", "id": id, "display_name": name, "created_at": created})
        })
        .collect();
    Ok(Answer::Json {
        headers: vec![("request-id".to_owned(), super::request_id())],
        body: json!({
            "data": data,
            "has_more": has_more,
            "first_id": page.first().map(|m| m.0),
            "last_id": page.last().map(|m| m.0),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, Method, Uri};

    fn get(query: &str) -> Result<Value, Rejection> {
        let req = Incoming {
            method: Method::GET,
            uri: format!("/v1/models{query}").parse::<Uri>().unwrap(),
            headers: HeaderMap::new(),
            body: Default::default(),
            auth: crate::wire::creds::Auth::sim(),
        };
        list(&req).map(|a| match a {
            Answer::Json { body, .. } => body,
            _ => panic!("not JSON"),
        })
    }

    fn ids(body: &Value) -> Vec<&str> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn lists_every_model_newest_first_in_the_documented_shape() {
        let body = get("?limit=1000").unwrap();
        assert_eq!(
            ids(&body),
            [
                "claude-opus-4-7",
                "claude-sonnet-4-6",
                "claude-haiku-4-5-20251001"
            ]
        );
        assert_eq!(body["has_more"], false);
        assert_eq!(body["first_id"], "claude-opus-4-7");
        assert_eq!(body["last_id"], "claude-haiku-4-5-20251001");
        for m in body["data"].as_array().unwrap() {
            assert_eq!(m["type"], "model");
            assert!(m["display_name"].as_str().unwrap().starts_with("Claude "));
            assert!(m["created_at"].as_str().unwrap().ends_with('Z'));
        }
    }

    /// The list is the manifest's `claude` set, no more, no less (compared
    /// without the date suffix the Anthropic API adds to Haiku 4.5's id).
    #[test]
    fn lists_the_claude_model_set() {
        let (_, claude) = compat_matrix::provider::MODEL_SETS
            .iter()
            .find(|(id, _)| *id == "claude")
            .expect("manifest.yaml defines the claude set");
        let mut listed: Vec<&str> = MODELS
            .iter()
            .map(|(id, _, _)| id.strip_suffix("-20251001").unwrap_or(id))
            .collect();
        let mut want = claude.to_vec();
        listed.sort_unstable();
        want.sort_unstable();
        assert_eq!(listed, want);
    }

    #[test]
    fn pages_by_limit_and_cursors() {
        let first = get("?limit=2").unwrap();
        assert_eq!(ids(&first), ["claude-opus-4-7", "claude-sonnet-4-6"]);
        assert_eq!(first["has_more"], true);
        let next = get("?limit=2&after_id=claude-sonnet-4-6").unwrap();
        assert_eq!(ids(&next), ["claude-haiku-4-5-20251001"]);
        assert_eq!(next["has_more"], false);
        let back = get("?limit=1&before_id=claude-haiku-4-5-20251001").unwrap();
        assert_eq!(ids(&back), ["claude-sonnet-4-6"]);
        assert_eq!(back["has_more"], true);
        let none = get("?after_id=gpt-4o").unwrap();
        assert!(ids(&none).is_empty());
        assert_eq!(none["first_id"], Value::Null);
    }

    #[test]
    fn refuses_a_limit_out_of_range() {
        for q in ["?limit=0", "?limit=1001", "?limit=x"] {
            let e = get(q).unwrap_err();
            assert_eq!((e.rule, e.status), ("anthropic.models.limit", 400), "{q}");
        }
    }
}
