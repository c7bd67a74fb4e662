//! The providers' rules for a custom tool's name and input schema, checked
//! where each dialect parses its tools, so that a gateway forwarding a tool
//! the provider refuses (an MCP server's long `mcp__<server>__<tool>` name,
//! say) fails here as it does in production.
//!
//! Sources:
//! - Anthropic Messages API (and the providers that serve its body: Bedrock
//!   InvokeModel, Vertex AI, Azure AI Foundry, Bedrock Mantle, which the
//!   "Define tools" page lists among its platforms): a tool's `name` has
//!   minLength 1, maxLength 128, pattern `^[a-zA-Z0-9_-]{1,128}$`
//!   (https://platform.claude.com/docs/en/api/messages, Tool `name`;
//!   https://platform.claude.com/docs/en/agents-and-tools/tool-use/define-tools);
//!   `input_schema.type` must be `"object"` (same reference, `InputSchema`).
//! - Bedrock Converse: `ToolSpecification.name` has length 1 to 64 and
//!   pattern `[a-zA-Z0-9_-]+`
//!   (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolSpecification.html);
//!   violations are a `ValidationException` worded as AWS's constraint
//!   checks word them ("failed to satisfy constraint").
//!
//! Nothing else about the schema is refused here: neither provider documents
//! a restriction on `$defs`, `$ref`, `anyOf` or `enum` in a tool's input
//! schema, and a simulator stricter than the service would paint false reds.

use serde_json::Value;

use crate::wire::rejection::Rejection;

/// Anthropic's longest tool name.
pub const ANTHROPIC_MAX_NAME: usize = 128;
/// Bedrock Converse's longest tool name.
pub const CONVERSE_MAX_NAME: usize = 64;

fn allowed_chars(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A custom tool of an Anthropic-dialect body (`tools.{i}`), in the API's
/// validation wording.
pub(crate) fn check_anthropic(i: usize, tool: &Value) -> Result<(), Rejection> {
    // Server tools (web search, tool search, ...) carry a `type` and are
    // named by the API itself.
    if tool.get("type").is_some_and(|t| t != "custom") {
        return Ok(());
    }
    let name = tool.get("name").and_then(Value::as_str).unwrap_or_default();
    if name.is_empty() || name.len() > ANTHROPIC_MAX_NAME || !allowed_chars(name) {
        return Err(Rejection::invalid(
            "tools.anthropic_name",
            format!(
                "tools.{i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'"
            ),
        ));
    }
    if let Some(schema) = tool.get("input_schema")
        && schema.get("type").and_then(Value::as_str) != Some("object")
    {
        return Err(Rejection::invalid(
            "tools.anthropic_input_schema_object",
            format!("tools.{i}.custom.input_schema.type: Input should be 'object'"),
        ));
    }
    Ok(())
}

/// A Converse `toolSpec` (`toolConfig.tools.{i}.toolSpec`), in AWS's
/// constraint wording.
pub(crate) fn check_converse(i: usize, name: &str) -> Result<(), Rejection> {
    let at = format!("toolConfig.tools.{}.member.toolSpec.name", i + 1);
    if name.chars().count() > CONVERSE_MAX_NAME {
        return Err(Rejection::invalid(
            "tools.converse_name_len",
            format!(
                "1 validation error detected: Value '{name}' at '{at}' failed to satisfy constraint: \
             Member must have length less than or equal to {CONVERSE_MAX_NAME}"
            ),
        ));
    }
    if name.is_empty() || !allowed_chars(name) {
        return Err(Rejection::invalid(
            "tools.converse_name_pattern",
            format!(
                "1 validation error detected: Value '{name}' at '{at}' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MCP_82: &str =
        "mcp__compat-matrix-fixtures__file_support_ticket_with_structured_priority_and_tags";

    #[test]
    fn anthropic_takes_128_characters_and_refuses_dots() {
        let schema = json!({"type": "object"});
        assert!(check_anthropic(0, &json!({"name": MCP_82, "input_schema": schema})).is_ok());
        let long = "a".repeat(129);
        let err = check_anthropic(3, &json!({"name": long, "input_schema": schema})).unwrap_err();
        assert!(
            err.message.contains("tools.3.custom.name"),
            "{}",
            err.message
        );
        assert!(
            check_anthropic(
                0,
                &json!({"name": "admin.tools.list", "input_schema": schema})
            )
            .is_err()
        );
        assert!(
            check_anthropic(0, &json!({"name": "t", "input_schema": {"type": "string"}})).is_err()
        );
        // Server tools are named by the API.
        assert!(
            check_anthropic(
                0,
                &json!({"type": "web_search_20250305", "name": "web_search"})
            )
            .is_ok()
        );
    }

    #[test]
    fn converse_stops_at_64() {
        assert!(check_converse(0, &"a".repeat(64)).is_ok());
        let err = check_converse(0, MCP_82).unwrap_err();
        assert!(
            err.message.contains("less than or equal to 64"),
            "{}",
            err.message
        );
        assert!(
            err.message
                .contains("toolConfig.tools.1.member.toolSpec.name")
        );
        assert!(check_converse(0, "a.b").is_err());
    }
}
