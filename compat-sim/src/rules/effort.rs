//! `output_config.effort`: which models accept which levels, as the real
//! API validates it, and how effort shapes the scripted model's thinking.
//!
//! Source: Anthropic, "Effort" (https://platform.claude.com/docs/en/build-with-claude/effort):
//! set in `output_config.effort` (no beta header needed); supported on
//! Claude Opus 4.7, Opus 4.6, Sonnet 4.6 and Opus 4.5, not on Haiku 4.5 (the
//! API answers 400 "This model does not support the effort parameter.", as
//! quoted in anthropics/claude-code#30760); `xhigh` on Opus 4.7 only, `max`
//! on Opus 4.7/4.6 and Sonnet 4.6; the default is `high`; "at high (default)
//! and max effort Claude almost always thinks; at lower effort levels it may
//! skip thinking for simpler problems". The same page lists Amazon Bedrock,
//! Google Cloud (Vertex AI) and Microsoft Foundry as supported platforms:
//! the Anthropic-body providers take the same `output_config`, and Bedrock
//! Converse passes it through `additionalModelRequestFields`
//! (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html,
//! "additionalModelRequestFields: additional inference parameters that the
//! model supports").

use serde_json::Value;

use crate::wire::rejection::Rejection;
use crate::wire::request::{ModelRequest, Thinking, is_gpt};

/// The Responses API's `reasoning.effort` values (OpenAI's OpenAPI spec,
/// `ReasoningEffort`; openai-python 3.63.0 `shared/reasoning_effort.py`).
const GPT_LEVELS: &[&str] = &["none", "minimal", "low", "medium", "high", "xhigh", "max"];

/// What GPT-5.6 takes of them: all but `minimal` (LiteLLM 1.108.7's model
/// map has no `supports_minimal_reasoning_effort` for gpt-5.6-*; the
/// research, docs/research/openai-columns-2026-12-06.md §3).
const GPT_5_6_LEVELS: &[&str] = &["none", "low", "medium", "high", "xhigh", "max"];

/// `reasoning.effort` of a Responses request: a value of the spec's enum,
/// else 400 (ledger rule "responses.reasoning_effort_values").
pub(crate) fn parse_reasoning(effort: Option<&Value>) -> Result<Option<String>, Rejection> {
    match effort {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(level)) if GPT_LEVELS.contains(&level.as_str()) => {
            Ok(Some(level.clone()))
        }
        Some(other) => Err(Rejection::invalid(
            "responses.reasoning_effort_values",
            format!(
                "Invalid value: {other}. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh' and 'max'."
            ),
        )),
    }
}

/// Every level the API knows, in ascending order.
const LEVELS: &[&str] = &["low", "medium", "high", "xhigh", "max"];

/// `output_config` at `at`: its `effort`, if any, checked for shape (the
/// per-model rule needs the model, see [`check`]).
pub(crate) fn parse(output_config: Option<&Value>, at: &str) -> Result<Option<String>, Rejection> {
    let Some(effort) = output_config.and_then(|o| o.get("effort")) else {
        return Ok(None);
    };
    match effort.as_str() {
        Some(level) if LEVELS.contains(&level) => Ok(Some(level.to_owned())),
        _ => Err(Rejection::invalid(
            "effort.shape",
            format!("{at}.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'"),
        )),
    }
}

/// The per-model rule: which canonical models accept which levels.
pub(crate) fn check(model: &str, effort: Option<&str>) -> Result<(), Rejection> {
    let Some(level) = effort else {
        return Ok(());
    };
    if is_gpt(model) {
        return if GPT_5_6_LEVELS.contains(&level) {
            Ok(())
        } else {
            Err(Rejection::invalid(
                "responses.reasoning_effort_values",
                format!(
                    "Unsupported value: '{level}' is not supported with the '{model}' model. Supported values are: 'none', 'low', 'medium', 'high', 'xhigh' and 'max'."
                ),
            ))
        };
    }
    let supported: &[&str] = match model {
        "claude-opus-4-7" => LEVELS,
        "claude-opus-4-6" | "claude-sonnet-4-6" => &["low", "medium", "high", "max"],
        "claude-opus-4-5" => &["low", "medium", "high"],
        _ => {
            return Err(Rejection::invalid(
                "effort.per_model",
                "This model does not support the effort parameter.",
            ));
        }
    };
    if supported.contains(&level) {
        Ok(())
    } else {
        Err(Rejection::invalid(
            "effort.per_model",
            format!(
                "output_config.effort: `{level}` is not supported by this model (supported: {})",
                supported.join(", ")
            ),
        ))
    }
}

/// Whether the model thinks on this request: with thinking on, except that
/// adaptive thinking at `low` effort skips it (a simple prompt, as the docs
/// say Claude does).
pub(crate) fn thinks(req: &ModelRequest) -> bool {
    // A GPT reasoning model reasons at every effort but `none`.
    if is_gpt(&req.model) {
        return req.thinking != Thinking::Off && req.effort.as_deref() != Some("none");
    }
    match req.thinking {
        Thinking::Off => false,
        Thinking::Budget(_) => true,
        Thinking::Adaptive => req.effort.as_deref() != Some("low"),
    }
}

/// The scripted model names the effort it ran at in its thinking, so that a
/// lost effort shows in the CLI's output (a real model's thinking is longer
/// at higher effort; this one says so outright).
pub(crate) fn self_report(effort: Option<&str>) -> String {
    match effort {
        Some(level) => format!(" (effort: {level})"),
        None => " (effort: default)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn levels_per_model() {
        assert!(check("claude-opus-4-7", Some("xhigh")).is_ok());
        assert!(check("claude-sonnet-4-6", Some("max")).is_ok());
        assert!(check("claude-sonnet-4-6", Some("xhigh")).is_err());
        let e = check("claude-haiku-4-5", Some("low")).unwrap_err();
        assert_eq!(
            e.message,
            "This model does not support the effort parameter."
        );
        assert!(check("claude-haiku-4-5", None).is_ok());
    }

    #[test]
    fn shape() {
        let at = "output_config";
        assert_eq!(parse(None, at).unwrap(), None);
        assert_eq!(parse(Some(&json!({"format": {}})), at).unwrap(), None);
        assert_eq!(
            parse(Some(&json!({"effort": "max"})), at)
                .unwrap()
                .as_deref(),
            Some("max")
        );
        assert!(parse(Some(&json!({"effort": "ultra"})), at).is_err());
    }

    #[test]
    fn gpt_levels() {
        assert!(check("gpt-5.6-sol", Some("max")).is_ok());
        assert!(check("gpt-5.6-luna", Some("none")).is_ok());
        let e = check("gpt-5.6-terra", Some("minimal")).unwrap_err();
        assert_eq!(e.rule, "responses.reasoning_effort_values");
        assert_eq!(
            parse_reasoning(Some(&json!("xhigh"))).unwrap().as_deref(),
            Some("xhigh")
        );
        assert!(parse_reasoning(Some(&json!("ultra"))).is_err());
        assert!(parse_reasoning(Some(&json!(3))).is_err());
        assert_eq!(parse_reasoning(None).unwrap(), None);
    }
}
