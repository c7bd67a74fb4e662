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
use crate::wire::request::{ModelRequest, Thinking};

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
}
