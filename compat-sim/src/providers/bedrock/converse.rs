//! Bedrock Converse: its dialect (request parsing into the shared
//! [`ModelRequest`], the answer as Converse JSON and stream events) and its
//! codec.
//!
//! Shapes from botocore's bedrock-runtime service model: `ContentBlock` is a
//! union keyed by member name (`text`, `image`, `toolUse`, `toolResult`,
//! `reasoningContent`, `cachePoint`, ...), never by a `type` field; a
//! `cachePoint` marks the block before it.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::error::{bedrock_error, failure, validation};
use super::{MALFORMED, Op, eventstream, request_id, resolve, sigv4};
use crate::pipeline::{Call, Codec, Turn};
use crate::providers::anthropic::dialect::parse_thinking;
use crate::providers::anthropic::encode::chunks;
use crate::providers::count_tokens;
use crate::rules::tool_streaming;
use crate::wire::answer::{Answer, Event, Framing};
use crate::wire::api::Api;
use crate::wire::body::json_body;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::request::{Block, CacheTtl, Message, ModelRequest, Role, Thinking, ToolDef};
use crate::wire::response::{ModelResponse, OutBlock};

const TOP_LEVEL: &[&str] = &[
    "messages",
    "system",
    "inferenceConfig",
    "toolConfig",
    "guardrailConfig",
    "additionalModelRequestFields",
    "promptVariables",
    "additionalModelResponseFieldPaths",
    "requestMetadata",
    "performanceConfig",
    "serviceTier",
    "outputConfig",
];

fn obj<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>, Rejection> {
    v.as_object()
        .ok_or_else(|| Rejection::invalid("converse.shapes", format!("{at}: expected an object")))
}

/// Exactly one member of a union (`ContentBlock` and friends).
fn union_member<'a>(v: &'a Value, at: &str) -> Result<(&'a str, &'a Value), Rejection> {
    let o = obj(v, at)?;
    if o.contains_key("type") {
        return Err(Rejection::invalid(
            "converse.union_member",
            format!(
                "{at}: extraneous key [type] is not permitted (Converse content blocks are keyed by member, e.g. {{\"text\": ...}}, not by \"type\")"
            ),
        ));
    }
    match o.len() {
        1 => {
            let (k, v) = o.iter().next().expect("one member");
            Ok((k.as_str(), v))
        }
        n => Err(Rejection::invalid(
            "converse.union_member",
            format!("{at}: a union must set exactly one member, found {n}"),
        )),
    }
}

/// A `CachePointBlock`: `type` "default", optional `ttl` "5m" | "1h"
/// (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CachePointBlock.html);
/// no `ttl` caches for the default five minutes.
fn cache_point(v: &Value, at: &str) -> Result<CacheTtl, Rejection> {
    match v.get("type").and_then(Value::as_str) {
        Some("default") => {}
        other => {
            return Err(Rejection::invalid(
                "converse.cache_point_type_ttl",
                format!("{at}.cachePoint.type: expected 'default', got {other:?}"),
            ));
        }
    }
    match v.get("ttl") {
        None => Ok(CacheTtl::FiveMinutes),
        Some(t) if t == "5m" => Ok(CacheTtl::FiveMinutes),
        Some(t) if t == "1h" => Ok(CacheTtl::OneHour),
        Some(other) => Err(Rejection::invalid(
            "converse.cache_point_type_ttl",
            format!(
                "{at}.cachePoint.ttl: Member must satisfy enum value set: [5m, 1h], got {other}"
            ),
        )),
    }
}

fn set_cache(blocks: &mut [Block], ttl: CacheTtl, at: &str) -> Result<(), Rejection> {
    let last = blocks.last_mut().ok_or_else(|| {
        Rejection::invalid(
            "converse.cache_point_placement",
            format!("{at}: a cachePoint must follow a content block"),
        )
    })?;
    match last {
        Block::Text { cache, .. }
        | Block::Image { cache, .. }
        | Block::Document { cache, .. }
        | Block::ToolUse { cache, .. }
        | Block::ToolResult { cache, .. } => {
            *cache = Some(ttl);
            Ok(())
        }
        // The service's words (anomalyco/opencode#36517, seen 2026-07-12).
        _ => Err(Rejection::invalid(
            "converse.cache_point_placement",
            "Cache point cannot be inserted after reasoning block. Please remove the invalid \
             cache point and try again.",
        )),
    }
}

fn content_blocks(v: &Value, at: &str) -> Result<Vec<Block>, Rejection> {
    let items = v
        .as_array()
        .ok_or_else(|| Rejection::invalid("converse.shapes", format!("{at}: expected a list")))?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{at}.{i}");
        let (member, value) = union_member(item, &at)?;
        match member {
            "text" => out.push(Block::text(value.as_str().ok_or_else(|| {
                Rejection::invalid("converse.shapes", format!("{at}.text: expected a string"))
            })?)),
            "image" => {
                let format = value.get("format").and_then(Value::as_str).ok_or_else(|| {
                    Rejection::invalid("converse.shapes", format!("{at}.image.format: required"))
                })?;
                if !["png", "jpeg", "gif", "webp"].contains(&format) {
                    return Err(Rejection::invalid(
                        "converse.image_format",
                        format!("{at}.image.format: '{format}' is not one of png, jpeg, gif, webp"),
                    ));
                }
                let data = value
                    .pointer("/source/bytes")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        Rejection::invalid(
                            "converse.image_format",
                            format!("{at}.image.source.bytes: required"),
                        )
                    })?;
                let data = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .map_err(|_| {
                        Rejection::invalid(
                            "converse.image_format",
                            format!("{at}.image.source.bytes: invalid base64"),
                        )
                    })?;
                out.push(Block::Image {
                    media_type: format!("image/{format}"),
                    data,
                    cache: None,
                });
            }
            "document" => out.push(document(value, &at)?),
            "toolUse" => out.push(Block::ToolUse {
                id: value
                    .get("toolUseId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        Rejection::invalid(
                            "converse.shapes",
                            format!("{at}.toolUse.toolUseId: required"),
                        )
                    })?
                    .to_owned(),
                name: value
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        Rejection::invalid(
                            "converse.shapes",
                            format!("{at}.toolUse.name: required"),
                        )
                    })?
                    .to_owned(),
                input: value.get("input").cloned().ok_or_else(|| {
                    Rejection::invalid("converse.shapes", format!("{at}.toolUse.input: required"))
                })?,
                cache: None,
            }),
            "toolResult" => {
                let id = value
                    .get("toolUseId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        Rejection::invalid(
                            "converse.shapes",
                            format!("{at}.toolResult.toolUseId: required"),
                        )
                    })?;
                let mut content = Vec::new();
                for (k, c) in value
                    .get("content")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let (m, v) = union_member(c, &format!("{at}.toolResult.content.{k}"))?;
                    match m {
                        "text" => content.push(Block::text(v.as_str().unwrap_or_default())),
                        "json" => content.push(Block::text(v.to_string())),
                        "image" | "document" => content.extend(content_blocks(
                            &json!([{ m: v }]),
                            &format!("{at}.toolResult.content.{k}"),
                        )?),
                        other => {
                            return Err(Rejection::invalid(
                                "converse.block_members",
                                format!("{at}.toolResult.content.{k}: unsupported member {other}"),
                            ));
                        }
                    }
                }
                let is_error = value.get("status").and_then(Value::as_str) == Some("error");
                out.push(Block::ToolResult {
                    tool_use_id: id.to_owned(),
                    content,
                    is_error,
                    cache: None,
                });
            }
            "reasoningContent" => {
                if let Some(r) = value.get("reasoningText") {
                    out.push(Block::Thinking {
                        thinking: r
                            .get("text")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        signature: r
                            .get("signature")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    });
                } else if let Some(d) = value.get("redactedContent").and_then(Value::as_str) {
                    out.push(Block::RedactedThinking { data: d.to_owned() });
                } else {
                    return Err(Rejection::invalid(
                        "converse.reasoning_content",
                        format!("{at}.reasoningContent: reasoningText or redactedContent required"),
                    ));
                }
            }
            "cachePoint" => {
                let ttl = cache_point(value, &at)?;
                set_cache(&mut out, ttl, &at)?;
            }
            other => {
                return Err(Rejection::invalid(
                    "converse.block_members",
                    format!("{at}: content block member `{other}` is not simulated"),
                ));
            }
        }
    }
    Ok(out)
}

/// A `DocumentBlock`
/// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html):
/// `name` required, 1-200 characters of letters, digits, whitespace (never two
/// in a row), hyphens, parentheses and square brackets; `format` one of the
/// listed values; the bytes in `source.bytes`. Two refinements measured
/// against the live service by others, which the documented list omits: an
/// underscore is accepted (LiteLLM names every document
/// `DocumentPDFmessages_<hash>_pdf`), and "alphanumeric" and "whitespace"
/// mean ASCII letters, digits and the plain space: a non-ASCII letter, a tab
/// or a full-width space is refused (aws-samples/generative-ai-use-cases#1671,
/// vercel/ai#20365 and #20366). Only PDFs are read; the other formats are
/// refused as not simulated, never silently accepted.
fn document(v: &Value, at: &str) -> Result<Block, Rejection> {
    let name = v.get("name").and_then(Value::as_str).ok_or_else(|| {
        Rejection::invalid(
            "converse.document_name",
            format!("{at}.document.name: required"),
        )
    })?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || " _-()[]".contains(c);
    if name.is_empty()
        || name.chars().count() > 200
        || !name.chars().all(allowed)
        || name
            .chars()
            .zip(name.chars().skip(1))
            .any(|(a, b)| a == ' ' && b == ' ')
    {
        // Bedrock's own words for this refusal, as users quote them
        // (simonw/llm-bedrock#8, vercel/ai#20365).
        return Err(Rejection::invalid(
            "converse.document_name",
            "The document file name can only contain alphanumeric characters, whitespace characters, \
             hyphens, parentheses, and square brackets. The name can't contain more than one consecutive \
             whitespace character. Check that the file name conforms to these restrictions and retry your \
             request.",
        ));
    }
    let format = v.get("format").and_then(Value::as_str).unwrap_or("txt");
    if ![
        "pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md",
    ]
    .contains(&format)
    {
        return Err(Rejection::invalid(
            "converse.document_format",
            format!(
                "{at}.document.format: '{format}' is not one of pdf, csv, doc, docx, xls, xlsx, html, txt, md"
            ),
        ));
    }
    if format != "pdf" {
        return Err(Rejection::invalid(
            "converse.document_format",
            format!(
                "{at}.document.format: documents of format '{format}' are not simulated (pdf is)"
            ),
        ));
    }
    let data = v
        .pointer("/source/bytes")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Rejection::invalid(
                "converse.shapes",
                format!("{at}.document.source.bytes: required"),
            )
        })?;
    let data = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| {
            Rejection::invalid(
                "converse.shapes",
                format!("{at}.document.source.bytes: invalid base64"),
            )
        })?;
    crate::wire::document::pdf_text(&data).map_err(|e| {
        Rejection::invalid(
            "converse.document_pdf_readable",
            format!("The model returned the following errors: {e}"),
        )
    })?;
    Ok(Block::Document { data, cache: None })
}

/// Request-wide document rules, in Bedrock's words as users quote them
/// (aws-samples/generative-ai-use-cases#1685, maximhq/bifrost#7003; the
/// Converse API reference's `DocumentBlock`): names are unique across the
/// whole conversation, and at most five documents per request.
fn check_documents(messages: &Value) -> Result<(), Rejection> {
    fn collect<'a>(v: &'a Value, names: &mut Vec<&'a str>) {
        match v {
            Value::Object(o) => {
                if let Some(name) = o
                    .get("document")
                    .and_then(|d| d.get("name"))
                    .and_then(Value::as_str)
                {
                    names.push(name);
                }
                o.values().for_each(|c| collect(c, names));
            }
            Value::Array(items) => items.iter().for_each(|c| collect(c, names)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    collect(messages, &mut names);
    if names.len() > 5 {
        return Err(Rejection::invalid(
            "converse.documents_max5_unique",
            "You can't include more than 5 documents in a request.",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if names.iter().any(|n| !seen.insert(*n)) {
        return Err(Rejection::invalid(
            "converse.documents_max5_unique",
            "Messages can't contain duplicate document names. Rename the document and retry your request.",
        ));
    }
    Ok(())
}

pub(crate) fn parse(body: &Value) -> Result<ModelRequest, Rejection> {
    let o = obj(body, "body")?;
    for key in o.keys() {
        if !TOP_LEVEL.contains(&key.as_str()) {
            return Err(Rejection::invalid(
                "converse.field_allowlist",
                format!(
                    "Malformed input request: extraneous key [{key}] is not permitted, please reformat your input and try again."
                ),
            ));
        }
    }
    if let Some(messages) = o.get("messages") {
        check_documents(messages)?;
    }
    let messages = o
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| Rejection::invalid("converse.messages_required", "messages: required"))?
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let at = format!("messages.{i}");
            let role = match m.get("role").and_then(Value::as_str) {
                Some("user") => Role::User,
                Some("assistant") => Role::Assistant,
                other => {
                    return Err(Rejection::invalid(
                        "converse.role_enum",
                        format!("{at}.role: expected 'user' or 'assistant', got {other:?}"),
                    ));
                }
            };
            let content = content_blocks(
                m.get("content").ok_or_else(|| {
                    Rejection::invalid("converse.shapes", format!("{at}.content: required"))
                })?,
                &format!("{at}.content"),
            )?;
            Ok(Message { role, content })
        })
        .collect::<Result<Vec<_>, Rejection>>()?;

    let mut system = Vec::new();
    for (i, s) in o
        .get("system")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("system.{i}");
        match union_member(s, &at)? {
            ("text", v) => system.push(Block::text(v.as_str().unwrap_or_default())),
            ("cachePoint", v) => {
                let ttl = cache_point(v, &at)?;
                set_cache(&mut system, ttl, &at)?;
            }
            (other, _) => {
                return Err(Rejection::invalid(
                    "converse.system_members",
                    format!("{at}: system member `{other}` is not simulated"),
                ));
            }
        }
    }

    let mut tools: Vec<ToolDef> = Vec::new();
    if let Some(tc) = o.get("toolConfig") {
        for (i, t) in tc
            .get("tools")
            .and_then(Value::as_array)
            .ok_or_else(|| Rejection::invalid("converse.shapes", "toolConfig.tools: required"))?
            .iter()
            .enumerate()
        {
            let at = format!("toolConfig.tools.{i}");
            match union_member(t, &at)? {
                ("toolSpec", spec) => {
                    let name = spec.get("name").and_then(Value::as_str).ok_or_else(|| {
                        Rejection::invalid(
                            "converse.shapes",
                            format!("{at}.toolSpec.name: required"),
                        )
                    })?;
                    crate::rules::tool_rules::check_converse(i, name)?;
                    if spec.pointer("/inputSchema/json").is_none() {
                        return Err(Rejection::invalid(
                            "converse.tool_spec_schema",
                            format!("{at}.toolSpec.inputSchema.json: required"),
                        ));
                    }
                    tools.push(ToolDef {
                        name: name.to_owned(),
                        input_schema: spec
                            .pointer("/inputSchema/json")
                            .cloned()
                            .unwrap_or(Value::Null),
                        cache: None,
                        // Converse has no deferral (crate::rules::tool_search).
                        deferred: false,
                    });
                }
                ("cachePoint", v) => {
                    let ttl = cache_point(v, &at)?;
                    tools
                        .last_mut()
                        .ok_or_else(|| {
                            Rejection::invalid(
                                "converse.cache_point_placement",
                                format!("{at}: a cachePoint must follow a tool"),
                            )
                        })?
                        .cache = Some(ttl);
                }
                (other, _) => {
                    return Err(Rejection::invalid(
                        "converse.block_members",
                        format!("{at}: tool member `{other}` is not simulated"),
                    ));
                }
            }
        }
    }
    // Ledger rule "converse.thinking": without inferenceConfig.maxTokens the
    // thinking budget is checked against 4096.
    let max_tokens = body
        .pointer("/inferenceConfig/maxTokens")
        .and_then(Value::as_u64)
        .unwrap_or(4096);
    // Bedrock relays the model's own validation errors with this prefix.
    let thinking = match body.pointer("/additionalModelRequestFields/thinking") {
        None => Thinking::Off,
        Some(t) => parse_thinking(t, max_tokens)
            .map_err(|r| r.prefixed("The model returned the following errors: "))?,
    };
    // Context editing is not offered through Converse: LiteLLM's maintainers
    // found that Converse "genuinely lacks it" and keep it off that route
    // (https://github.com/BerriAI/litellm/pull/29085; the route's refusal,
    // https://github.com/BerriAI/litellm/issues/21912), while InvokeModel
    // takes it (automatic tool call clearing,
    // https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-tool-use.html).
    // A field the model's parser does not take comes back as the model's
    // "Extra inputs are not permitted" (Converse's answer to an unknown
    // additionalModelRequestFields member,
    // https://github.com/BerriAI/litellm/issues/28081).
    if body
        .pointer("/additionalModelRequestFields/context_management")
        .is_some()
    {
        return Err(Rejection::invalid(
            "converse.no_context_management",
            "The model returned the following errors: context_management: Extra inputs are not \
             permitted",
        ));
    }
    // Ledger rule "converse.effort".
    // Effort travels inside additionalModelRequestFields, as Anthropic's
    // `output_config` (see crate::rules::effort for the docs).
    let effort = crate::rules::effort::parse(
        body.pointer("/additionalModelRequestFields/output_config"),
        "additionalModelRequestFields.output_config",
    )
    .map_err(|r| r.prefixed("The model returned the following errors: "))?;
    Ok(ModelRequest {
        model: String::new(),
        system,
        messages,
        tools,
        thinking,
        // Converse's ToolSpecification has no eager_input_streaming member:
        // the beta in additionalModelRequestFields is the only opt-in.
        eager_tool_input: tool_streaming::opted_in(
            tool_streaming::body_betas(
                body.pointer("/additionalModelRequestFields/anthropic_beta"),
            ),
            None,
        ),
        effort,
        // Converse's toolConfig has no server tool (crate::rules::web_search).
        web_search: None,
        ..ModelRequest::default()
    })
}

fn usage_json(r: &ModelResponse) -> Value {
    let u = &r.usage;
    let mut usage = json!({
        "inputTokens": u.input_tokens,
        "outputTokens": u.output_tokens,
        "totalTokens": u.input_tokens + u.output_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens,
    });
    // Bedrock omits the cache fields when they are zero.
    if u.cache_read_input_tokens > 0 {
        usage["cacheReadInputTokens"] = json!(u.cache_read_input_tokens);
    }
    if u.cache_creation_input_tokens > 0 {
        usage["cacheWriteInputTokens"] = json!(u.cache_creation_input_tokens);
        // The write by TTL, 1h before 5m, zero buckets left out
        // (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html,
        // API_runtime_CacheDetail.html).
        let details: Vec<Value> = [
            ("1h", u.cache_creation_1h_input_tokens),
            ("5m", u.cache_creation_5m_input_tokens()),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(ttl, n)| json!({"ttl": ttl, "inputTokens": n}))
        .collect();
        usage["cacheDetails"] = json!(details);
    }
    usage
}

pub(crate) fn response_json(r: &ModelResponse) -> Value {
    let content: Vec<Value> = r
        .content
        .iter()
        .map(|b| match b {
            OutBlock::Thinking { thinking, signature } => {
                json!({"reasoningContent": {"reasoningText": {"text": thinking, "signature": signature}}})
            }
            OutBlock::Text { text } | OutBlock::CitedText { text, .. } => json!({"text": text}),
            OutBlock::ToolUse { id, name, input } => {
                json!({"toolUse": {"toolUseId": id, "name": name, "input": input}})
            }
            // Never produced here: no Converse request can offer a server
            // tool (crate::rules::web_search); the text stays, the rest has no
            // Converse shape.
            OutBlock::ServerToolUse { .. } | OutBlock::WebSearchToolResult { .. } => Value::Null,
        })
        .filter(|v| !v.is_null())
        .collect();
    json!({
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": r.stop_reason.as_anthropic(),
        "usage": usage_json(r),
        "metrics": {"latencyMs": 42},
    })
}

/// ConverseStream events: (event type, payload).
pub(crate) fn stream_events(r: &ModelResponse) -> Vec<(&'static str, Value)> {
    let mut ev = vec![("messageStart", json!({"role": "assistant"}))];
    for (i, b) in r.content.iter().enumerate() {
        match b {
            OutBlock::Thinking {
                thinking,
                signature,
            } => {
                for p in chunks(thinking, 24) {
                    ev.push((
                        "contentBlockDelta",
                        json!({"delta": {"reasoningContent": {"text": p}}, "contentBlockIndex": i}),
                    ));
                }
                ev.push((
                    "contentBlockDelta",
                    json!({"delta": {"reasoningContent": {"signature": signature}}, "contentBlockIndex": i}),
                ));
            }
            OutBlock::Text { text } | OutBlock::CitedText { text, .. } => {
                for p in chunks(text, 8) {
                    ev.push((
                        "contentBlockDelta",
                        json!({"delta": {"text": p}, "contentBlockIndex": i}),
                    ));
                }
            }
            OutBlock::ToolUse { id, name, input } => {
                // Real Bedrock sends a contentBlockStart only for toolUse.
                ev.push((
                    "contentBlockStart",
                    json!({"start": {"toolUse": {"toolUseId": id, "name": name}}, "contentBlockIndex": i}),
                ));
                for p in chunks(&input.to_string(), tool_streaming::FRAGMENT_CHARS) {
                    ev.push((
                        "contentBlockDelta",
                        json!({"delta": {"toolUse": {"input": p}}, "contentBlockIndex": i}),
                    ));
                }
            }
            // Never produced here (see response_json).
            OutBlock::ServerToolUse { .. } | OutBlock::WebSearchToolResult { .. } => {}
        }
        ev.push(("contentBlockStop", json!({"contentBlockIndex": i})));
    }
    ev.push((
        "messageStop",
        json!({"stopReason": r.stop_reason.as_anthropic()}),
    ));
    // `metrics` is required: LiteLLM's chunk parser ignores a metadata event without it.
    ev.push((
        "metadata",
        json!({"usage": usage_json(r), "metrics": {"latencyMs": 42}}),
    ));
    ev
}

/// Bedrock Converse: `POST /model/{id}/converse` and `/converse-stream`.
pub(crate) struct Converse;

impl Codec for Converse {
    type Op = Op;
    const API: Api = Api::BedrockConverse;

    fn operation(&self, req: &Incoming) -> Option<Op> {
        super::operation(req, ["converse", "converse-stream"])
    }

    fn streams(&self, op: &Op) -> Option<bool> {
        Some(op.stream)
    }

    fn authenticate(&self, req: &Incoming, _: &Op) -> Result<(), Rejection> {
        sigv4::verify(req)
    }

    fn validate(&self, req: &Incoming, op: Op) -> Result<Call, Rejection> {
        if op.count {
            return super::count_call(req, op, parse);
        }
        let canonical = resolve(&op.model)?;
        let body = json_body(req).ok_or_else(|| validation("bedrock.malformed_json", MALFORMED))?;
        let mut request = parse(&body)?;
        request.model = canonical;
        Ok(Call::Turn(Turn {
            request,
            stream: op.stream,
            upstream_model: op.model,
        }))
    }

    fn encode(&self, resp: &ModelResponse, stream: bool, _upstream_model: &str) -> Answer {
        if !stream {
            return Answer::Json {
                headers: vec![request_id()],
                body: response_json(resp),
            };
        }
        let events = stream_events(resp)
            .into_iter()
            .map(|(name, payload)| {
                // A delta's kind is its one member: text, reasoningContent, toolUse.
                let kind = match payload["delta"].as_object().and_then(|d| d.keys().next()) {
                    Some(member) if name == "contentBlockDelta" => format!("{name}:{member}"),
                    _ => name.to_owned(),
                };
                Event {
                    kind,
                    bytes: eventstream::event_frame(name, payload.to_string().as_bytes()),
                    paced: payload["delta"].get("text").is_some(),
                }
            })
            .collect();
        let events = tool_streaming::pace(events, resp.eager_tool_input);
        Answer::Stream {
            framing: Framing::EventStream,
            headers: vec![request_id()],
            events,
            hold_open: false,
            flush_at_end: false,
        }
    }

    fn encode_count(&self, input_tokens: u64) -> Answer {
        count_tokens::bedrock_answer(input_tokens)
    }

    fn readable_count_body(&self, body: &Value) -> Option<Value> {
        count_tokens::readable_body(body)
    }

    fn invalid(&self, rule: &'static str, message: String) -> Rejection {
        validation(rule, message)
    }

    fn failure(&self, status: u16) -> Option<Rejection> {
        failure(status)
    }

    fn unknown_route(&self, message: String) -> Rejection {
        bedrock_error("bedrock.route", 404, "UnknownOperationException", message)
    }
}
