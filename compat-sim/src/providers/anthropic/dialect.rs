//! The Anthropic Messages body dialect, shared by four simulators: the
//! Anthropic API itself, Bedrock InvokeModel, Vertex AI rawPredict and Azure AI
//! Foundry. They differ in where the model id and version go, which top-level
//! fields are allowed, and auth; the content blocks are the same.
//!
//! References: Anthropic Messages API (docs.anthropic.com/en/api/messages),
//! Bedrock "Anthropic Claude Messages API" inference parameters
//! (docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html),
//! Vertex AI "Use Claude models" (cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude).

use base64::Engine as _;
use serde_json::Value;

use crate::wire::rejection::Rejection;
use crate::wire::request::{Block, CacheTtl, Message, ModelRequest, Role, Thinking, ToolDef};

/// The API version anthropic 2.x sends (PyPI `anthropic` 2.14.0,
/// `anthropic/_constants.py` `ANTHROPIC_API_VERSION`), in the Bedrock and
/// Vertex bodies as well as in the header (`super::ANTHROPIC_VERSIONS`).
pub(crate) const SDK2_VERSION: &str = "2026-10-21";

/// Which variant of the dialect a body must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `POST /v1/messages`: `model` in the body, `stream` optional.
    Api,
    /// Bedrock InvokeModel: no `model` and no `stream` in the body;
    /// `anthropic_version: "bedrock-2023-05-31"` required.
    Bedrock,
    /// Vertex rawPredict: no `model`; `anthropic_version: "vertex-2023-10-16"`.
    Vertex,
}

/// Top-level fields the Messages API accepts. Anything else is rejected with
/// "Extra inputs are not permitted", as the real API does.
const API_FIELDS: &[&str] = &[
    "model",
    "messages",
    "system",
    "max_tokens",
    "metadata",
    "stop_sequences",
    "stream",
    "temperature",
    "top_k",
    "top_p",
    "tools",
    "tool_choice",
    "thinking",
    "context_management",
    "output_config",
    "service_tier",
    "container",
    "mcp_servers",
    "inference_geo",
];

/// The ledger rule that refuses top-level field `key` in a body of `dialect`.
fn allowlist_rule(dialect: Dialect, key: &str) -> &'static str {
    match (dialect, key) {
        (Dialect::Bedrock, "model") => "bedrock_invoke.no_model_field",
        (Dialect::Bedrock, "stream") => "bedrock_invoke.no_stream_field",
        (Dialect::Vertex, "model") => "vertex.no_model_field",
        (Dialect::Vertex, "anthropic_beta") => "vertex.no_body_anthropic_beta",
        _ => "msg.field_allowlist",
    }
}

/// Parses and strictly validates a body of the given dialect.
/// Returns the request, the model id from the body (Api only) and whether the
/// body asked to stream.
pub fn parse_body(
    body: &Value,
    dialect: Dialect,
) -> Result<(ModelRequest, Option<String>, bool), Rejection> {
    let obj = body
        .as_object()
        .ok_or_else(|| Rejection::invalid("msg.body_object", "body: must be a JSON object"))?;
    let mut allowed: Vec<&str> = API_FIELDS.to_vec();
    match dialect {
        // Automatic caching: a top-level `cache_control` (the prompt caching
        // page; accepted on /v1/messages, refused on Bedrock:
        // BerriAI/litellm#26320). Vertex's and Bedrock's bodies keep
        // refusing it.
        Dialect::Api => allowed.push("cache_control"),
        Dialect::Bedrock => {
            allowed.retain(|f| !matches!(*f, "model" | "stream"));
            allowed.extend(["anthropic_version", "anthropic_beta"]);
        }
        Dialect::Vertex => {
            allowed.retain(|f| *f != "model");
            allowed.push("anthropic_version");
        }
    }
    for key in obj.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(Rejection::invalid(
                allowlist_rule(dialect, key),
                format!("{key}: Extra inputs are not permitted"),
            ));
        }
    }
    let (want_version, version_rule) = match dialect {
        Dialect::Api => (None, ""),
        Dialect::Bedrock => (
            Some("bedrock-2023-05-31"),
            "bedrock_invoke.body_anthropic_version",
        ),
        Dialect::Vertex => (Some("vertex-2023-10-16"), "vertex.body_anthropic_version"),
    };
    if let Some(want) = want_version {
        match obj.get("anthropic_version").and_then(Value::as_str) {
            Some(v) if v == want => {}
            // The official SDKs from anthropic 2.x on put the API version itself
            // in the Bedrock and Vertex bodies (PyPI `anthropic` 2.14.0:
            // lib/bedrock/_client.py and lib/vertex/_client.py
            // `setdefault("anthropic_version", ANTHROPIC_API_VERSION)`, = "2026-10-21").
            Some(SDK2_VERSION) => {}
            Some(v) => {
                return Err(Rejection::invalid(
                    version_rule,
                    format!("anthropic_version: invalid version `{v}`, expected `{want}`"),
                ));
            }
            None => {
                return Err(Rejection::invalid(
                    version_rule,
                    "anthropic_version: Field required",
                ));
            }
        }
    }
    let model = match dialect {
        Dialect::Api => Some(
            obj.get("model")
                .and_then(Value::as_str)
                .ok_or_else(|| Rejection::invalid("msg.model_required", "model: Field required"))?
                .to_owned(),
        ),
        _ => None,
    };
    let max_tokens = obj
        .get("max_tokens")
        .ok_or_else(|| Rejection::invalid("msg.max_tokens_required", "max_tokens: Field required"))?
        .as_u64()
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            Rejection::invalid(
                "msg.max_tokens_required",
                "max_tokens: Input should be a valid integer greater than or equal to 1",
            )
        })?;
    let stream = match obj.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(Rejection::invalid(
                "msg.stream_bool",
                "stream: Input should be a valid boolean",
            ));
        }
    };
    let messages = obj
        .get("messages")
        .ok_or_else(|| Rejection::invalid("msg.messages_list", "messages: Field required"))?
        .as_array()
        .ok_or_else(|| {
            Rejection::invalid(
                "msg.messages_list",
                "messages: Input should be a valid list",
            )
        })?;
    let messages = messages
        .iter()
        .enumerate()
        .map(|(i, m)| parse_message(m, &format!("messages.{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    let system = match obj.get("system") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![Block::text(s.clone())],
        Some(Value::Array(blocks)) => blocks
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let block = parse_block(b, &format!("system.{i}"))?;
                match block {
                    Block::Text { .. } => Ok(block),
                    _ => Err(Rejection::invalid(
                        "msg.system_shape",
                        format!("system.{i}.type: system blocks must be text"),
                    )),
                }
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(Rejection::invalid(
                "msg.system_shape",
                "system: Input should be a string or a list of text blocks",
            ));
        }
    };
    let tools = match obj.get("tools") {
        None => Vec::new(),
        Some(Value::Array(tools)) => tools
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let name = t.get("name").and_then(Value::as_str).ok_or_else(|| {
                    Rejection::invalid(
                        "msg.tool_name_required",
                        format!("tools.{i}.name: Field required"),
                    )
                })?;
                crate::rules::tool_rules::check_anthropic(i, t)?;
                // Custom tools need an input_schema; server tools carry a `type`.
                if t.get("type").is_none() && t.get("input_schema").is_none() {
                    return Err(Rejection::invalid(
                        "msg.custom_tool_input_schema_required",
                        format!("tools.{i}.input_schema: Field required"),
                    ));
                }
                Ok(ToolDef {
                    name: name.to_owned(),
                    input_schema: t.get("input_schema").cloned().unwrap_or(Value::Null),
                    cache: cache_marker(t, &format!("tools.{i}"))?,
                    deferred: t.get("defer_loading").and_then(Value::as_bool) == Some(true),
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(Rejection::invalid(
                "msg.tools_list",
                "tools: Input should be a valid list",
            ));
        }
    };
    let thinking = match obj.get("thinking") {
        None => Thinking::Off,
        Some(t) => parse_thinking(t, max_tokens)?,
    };
    let mut messages = messages;
    // "When set at the top level, the system automatically applies cache
    // breakpoints to the last cacheable block in the request."
    if let Some(ttl) = cache_marker(body, "")?
        && let Some(last) = messages.last_mut().and_then(|m| m.content.last_mut())
    {
        last.set_cache(ttl);
    }
    let request = ModelRequest {
        model: model.clone().unwrap_or_default(),
        system,
        messages,
        tools,
        thinking,
        eager_tool_input: false,
        effort: crate::rules::effort::parse(obj.get("output_config"), "output_config")?,
        web_search: crate::rules::web_search::from_tools(obj.get("tools"))?,
        ..ModelRequest::default()
    };
    Ok((request, model, stream))
}

fn parse_message(m: &Value, at: &str) -> Result<Message, Rejection> {
    let role = match m.get("role").and_then(Value::as_str) {
        Some("user") => Role::User,
        Some("assistant") => Role::Assistant,
        Some(other) => {
            return Err(Rejection::invalid(
                "msg.role_enum",
                format!("{at}.role: Input should be 'user' or 'assistant', got '{other}'"),
            ));
        }
        None => {
            return Err(Rejection::invalid(
                "msg.role_enum",
                format!("{at}.role: Field required"),
            ));
        }
    };
    let content = match m.get("content") {
        Some(Value::String(s)) => vec![Block::text(s.clone())],
        Some(Value::Array(blocks)) => blocks
            .iter()
            .enumerate()
            .map(|(j, b)| parse_block(b, &format!("{at}.content.{j}")))
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(Rejection::invalid(
                "msg.content_shape",
                format!("{at}.content: Field required"),
            ));
        }
    };
    Ok(Message { role, content })
}

fn cache_marker(b: &Value, at: &str) -> Result<Option<CacheTtl>, Rejection> {
    let Some(cc) = b.get("cache_control") else {
        return Ok(None);
    };
    // `at` is empty for the request's own (top-level) `cache_control`.
    let at = if at.is_empty() { "" } else { &format!("{at}.") };
    if cc.get("type").and_then(Value::as_str) != Some("ephemeral") {
        return Err(Rejection::invalid(
            "msg.cache_control_type",
            format!("{at}cache_control.type: Input should be 'ephemeral'"),
        ));
    }
    match cc.get("ttl").and_then(Value::as_str) {
        None | Some("5m") => Ok(Some(CacheTtl::FiveMinutes)),
        Some("1h") => Ok(Some(CacheTtl::OneHour)),
        Some(other) => Err(Rejection::invalid(
            "msg.cache_control_ttl",
            format!("{at}cache_control.ttl: Input should be '5m' or '1h', got '{other}'"),
        )),
    }
}

fn str_field<'a>(b: &'a Value, key: &str, at: &str) -> Result<&'a str, Rejection> {
    b.get(key).and_then(Value::as_str).ok_or_else(|| {
        Rejection::invalid(
            "msg.block_required_fields",
            format!("{at}.{key}: Field required"),
        )
    })
}

fn parse_block(b: &Value, at: &str) -> Result<Block, Rejection> {
    let cache = cache_marker(b, at)?;
    let kind = str_field(b, "type", at)?;
    Ok(match kind {
        "text" => Block::Text {
            text: str_field(b, "text", at)?.to_owned(),
            cache,
        },
        "image" => {
            let source = b.get("source").ok_or_else(|| {
                Rejection::invalid(
                    "msg.block_required_fields",
                    format!("{at}.source: Field required"),
                )
            })?;
            if source.get("type").and_then(Value::as_str) != Some("base64") {
                return Err(Rejection::invalid(
                    "msg.image_source_base64_only",
                    format!("{at}.source.type: only base64 image sources are simulated"),
                ));
            }
            let media_type = str_field(source, "media_type", &format!("{at}.source"))?;
            if !["image/png", "image/jpeg", "image/gif", "image/webp"].contains(&media_type) {
                return Err(Rejection::invalid(
                    "msg.image_media_type",
                    format!(
                        "{at}.source.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"
                    ),
                ));
            }
            let data = base64::engine::general_purpose::STANDARD
                .decode(str_field(source, "data", &format!("{at}.source"))?)
                .map_err(|_| {
                    Rejection::invalid(
                        "msg.image_base64",
                        format!("{at}.source.data: invalid base64 data"),
                    )
                })?;
            Block::Image {
                media_type: media_type.to_owned(),
                data,
                cache,
            }
        }
        "document" => parse_document(b, at, cache)?,
        "tool_use" => Block::ToolUse {
            id: str_field(b, "id", at)?.to_owned(),
            name: str_field(b, "name", at)?.to_owned(),
            input: b.get("input").cloned().ok_or_else(|| {
                Rejection::invalid(
                    "msg.block_required_fields",
                    format!("{at}.input: Field required"),
                )
            })?,
            cache,
        },
        "tool_result" => {
            let content = match b.get("content") {
                None => Vec::new(),
                Some(Value::String(s)) => vec![Block::text(s.clone())],
                Some(Value::Array(items)) => items
                    .iter()
                    .enumerate()
                    .map(|(k, c)| parse_block(c, &format!("{at}.content.{k}")))
                    .collect::<Result<_, _>>()?,
                Some(_) => {
                    return Err(Rejection::invalid(
                        "msg.tool_result_content_shape",
                        format!("{at}.content: Input should be a string or a list"),
                    ));
                }
            };
            Block::ToolResult {
                tool_use_id: str_field(b, "tool_use_id", at)?.to_owned(),
                content,
                is_error: b.get("is_error").and_then(Value::as_bool).unwrap_or(false),
                cache,
            }
        }
        "thinking" => Block::Thinking {
            thinking: str_field(b, "thinking", at)?.to_owned(),
            signature: b
                .get("signature")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Rejection::invalid(
                        "msg.block_required_fields",
                        format!("{at}.signature: Field required"),
                    )
                })?
                .to_owned(),
        },
        "redacted_thinking" => Block::RedactedThinking {
            data: str_field(b, "data", at)?.to_owned(),
        },
        // Checked against the request's deferred tools by crate::rules::tool_search.
        "tool_reference" => Block::ToolReference {
            tool_name: str_field(b, "tool_name", at)?.to_owned(),
        },
        // Server tools' blocks, which the docs say to pass back unchanged
        // ("pass the assistant's content back unchanged, including the
        // `server_tool_use` and `tool_search_tool_result` blocks", the tool
        // search page; the web search and web fetch pages likewise).
        "server_tool_use" => {
            str_field(b, "id", at)?;
            str_field(b, "name", at)?;
            Block::Server {
                kind: kind.to_owned(),
                value: b.clone(),
            }
        }
        "web_search_tool_result" | "web_fetch_tool_result" | "tool_search_tool_result" => {
            str_field(b, "tool_use_id", at)?;
            Block::Server {
                kind: kind.to_owned(),
                value: b.clone(),
            }
        }
        other => {
            return Err(Rejection::invalid(
                "msg.block_types",
                format!(
                    "{at}.type: Input tag '{other}' found using 'type' does not match any of the expected tags"
                ),
            ));
        }
    })
}

/// A `document` block, as the Messages API takes it
/// (https://docs.claude.com/en/docs/build-with-claude/pdf-support): a base64
/// source must be `application/pdf` and valid base64 holding a readable PDF;
/// a `text` source (a plain-text document) is read as its text. URL and
/// Files-API sources are not simulated (the simulators cannot fetch) and are
/// refused rather than silently ignored.
fn parse_document(b: &Value, at: &str, cache: Option<CacheTtl>) -> Result<Block, Rejection> {
    let source = b.get("source").ok_or_else(|| {
        Rejection::invalid(
            "msg.block_required_fields",
            format!("{at}.source: Field required"),
        )
    })?;
    let src_at = format!("{at}.source");
    match str_field(source, "type", &src_at)? {
        "base64" => {
            let media_type = str_field(source, "media_type", &src_at)?;
            if media_type != "application/pdf" {
                return Err(Rejection::invalid(
                    "msg.document_pdf_media_type",
                    format!("{src_at}.base64.media_type: Input should be 'application/pdf'"),
                ));
            }
            let data = base64::engine::general_purpose::STANDARD
                .decode(str_field(source, "data", &src_at)?)
                .map_err(|_| {
                    Rejection::invalid(
                        "msg.document_pdf_readable",
                        format!("{src_at}.data: invalid base64 data"),
                    )
                })?;
            // The API refuses a PDF it cannot open (see the docs' "PDF
            // requirements": standard PDF, no passwords/encryption).
            crate::wire::document::pdf_text(&data).map_err(|_| {
                Rejection::invalid(
                    "msg.document_pdf_readable",
                    "The PDF specified was not valid.",
                )
            })?;
            Ok(Block::Document { data, cache })
        }
        "text" => Ok(Block::Text {
            text: str_field(source, "data", &src_at)?.to_owned(),
            cache,
        }),
        other => Err(Rejection::invalid(
            "msg.document_source_types",
            format!(
                "{src_at}.type: document sources of type '{other}' are not simulated (base64 and text are)"
            ),
        )),
    }
}

/// The `thinking` object (the same in the Anthropic dialects and in
/// Converse's `additionalModelRequestFields`), validated as the API does.
pub(crate) fn parse_thinking(t: &Value, max_tokens: u64) -> Result<Thinking, Rejection> {
    match t.get("type").and_then(Value::as_str) {
        Some("enabled") => {
            let budget = t
                .get("budget_tokens")
                .and_then(Value::as_u64)
                .ok_or_else(|| {
                    Rejection::invalid(
                        "msg.thinking_budget_required",
                        "thinking.enabled.budget_tokens: Field required",
                    )
                })?;
            if budget < 1024 {
                return Err(Rejection::invalid(
                    "msg.thinking_budget_min_1024",
                    "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
                ));
            }
            if budget >= max_tokens {
                return Err(Rejection::invalid(
                    "msg.thinking_budget_lt_max_tokens",
                    "`max_tokens` must be greater than `thinking.budget_tokens`",
                ));
            }
            Ok(Thinking::Budget(budget))
        }
        Some("adaptive") => Ok(Thinking::Adaptive),
        Some("disabled") => Ok(Thinking::Off),
        other => Err(Rejection::invalid(
            "msg.thinking_type",
            format!(
                "thinking.type: Input tag '{}' found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'",
                other.unwrap_or("<missing>")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::anthropic::encode::stream_events;
    use crate::wire::response::{ModelResponse, OutBlock};
    use serde_json::json;

    fn api_body() -> Value {
        json!({"model": "claude-sonnet-4-6", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]})
    }

    fn reject(body: Value, dialect: Dialect) -> String {
        parse_body(&body, dialect).unwrap_err().message
    }

    #[test]
    fn accepts_a_minimal_api_body() {
        let (req, model, stream) = parse_body(&api_body(), Dialect::Api).unwrap();
        assert_eq!(model.as_deref(), Some("claude-sonnet-4-6"));
        assert!(!stream);
        assert_eq!(req.messages.len(), 1);
    }

    #[test]
    fn rejects_what_the_real_api_rejects() {
        let mut b = api_body();
        b["colour"] = json!("red");
        assert_eq!(
            reject(b, Dialect::Api),
            "colour: Extra inputs are not permitted"
        );

        let mut b = api_body();
        b.as_object_mut().unwrap().remove("max_tokens");
        assert_eq!(reject(b, Dialect::Api), "max_tokens: Field required");

        let mut b = api_body();
        b["messages"][0]["content"] = json!([{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "%%%"}}]);
        assert_eq!(
            reject(b, Dialect::Api),
            "messages.0.content.0.source.data: invalid base64 data"
        );

        let mut b = api_body();
        b["messages"][0]["content"] = json!([{"type": "image_url", "image_url": {"url": "data:"}}]);
        assert!(
            reject(b, Dialect::Api).starts_with("messages.0.content.0.type: Input tag 'image_url'")
        );

        let mut b = api_body();
        b["thinking"] = json!({"type": "enabled", "budget_tokens": 500});
        assert!(reject(b, Dialect::Api).contains("greater than or equal to 1024"));
    }

    #[test]
    fn bedrock_and_vertex_versions_are_checked() {
        let mut b = api_body();
        b.as_object_mut().unwrap().remove("model");
        assert_eq!(
            reject(b.clone(), Dialect::Bedrock),
            "anthropic_version: Field required"
        );
        b["anthropic_version"] = json!("vertex-2023-10-16");
        assert!(reject(b.clone(), Dialect::Bedrock).contains("expected `bedrock-2023-05-31`"));
        b["anthropic_version"] = json!("bedrock-2023-05-31");
        parse_body(&b, Dialect::Bedrock).unwrap();
        b["stream"] = json!(true);
        assert_eq!(
            reject(b, Dialect::Bedrock),
            "stream: Extra inputs are not permitted"
        );

        let mut b = api_body();
        b["anthropic_version"] = json!("vertex-2023-10-16");
        assert_eq!(
            reject(b, Dialect::Vertex),
            "model: Extra inputs are not permitted"
        );
    }

    #[test]
    fn stream_events_reassemble_to_the_message() {
        use crate::wire::response::{StopReason, Usage};
        let resp = ModelResponse {
            content: vec![OutBlock::Text {
                text: "1 2 3 4 5 6 7 8 9 10".into(),
            }],
            stop_reason: StopReason::EndTurn,
            usage: Usage::default(),
            eager_tool_input: false,
            usage_dropped: false,
            reasoning_view: Default::default(),
            openai_chat: false,
        };
        let events = stream_events(&resp, "msg_1", "m");
        let text: String = events
            .iter()
            .filter(|e| e["type"] == "content_block_delta")
            .map(|e| e["delta"]["text"].as_str().unwrap())
            .collect();
        assert_eq!(text, "1 2 3 4 5 6 7 8 9 10");
        assert!(
            events
                .iter()
                .filter(|e| e["type"] == "content_block_delta")
                .count()
                > 1
        );
        assert_eq!(events.last().unwrap()["type"], "message_stop");
    }
}
