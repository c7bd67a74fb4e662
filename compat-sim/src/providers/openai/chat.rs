//! OpenAI's Chat Completions API (`POST /v1/chat/completions`, and Azure
//! OpenAI's deployment and v1 routes to it): a request parsed into the
//! shared [`ModelRequest`], and a [`ModelResponse`] encoded as a
//! `chat.completion` object or as `chat.completion.chunk` server-sent events
//! ending in `data: [DONE]`.
//!
//! Shapes from OpenAI's OpenAPI spec (github:openai/openai-openapi @ f85dbe2,
//! `CreateChatCompletionRequest`, `ChatCompletionRequestMessage` and its
//! variants, `CreateChatCompletionResponse`,
//! `CreateChatCompletionStreamResponse`, `CompletionUsage`) and the
//! openai-python types of both pinned generations
//! (`types/chat/chat_completion*.py`). The refusals' rule ids are filed in
//! compat-sim/ledger/openai.yaml.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::pipeline::{Call, Turn};
use crate::wire::body::json_body;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::request::{Block, Message, ModelRequest, Role, Thinking, ToolDef};

/// The request parameters `CreateChatCompletionRequest` defines (OpenAPI
/// spec, with its base `CreateModelResponseProperties`); anything else is
/// refused as the API refuses it.
const PARAMETERS: &[&str] = &[
    "messages",
    "model",
    "modalities",
    "verbosity",
    "reasoning_effort",
    "max_completion_tokens",
    "max_tokens",
    "frequency_penalty",
    "presence_penalty",
    "web_search_options",
    "top_logprobs",
    "response_format",
    "audio",
    "store",
    "stream",
    "stream_options",
    "stop",
    "logit_bias",
    "logprobs",
    "n",
    "prediction",
    "seed",
    "service_tier",
    "temperature",
    "top_p",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "function_call",
    "functions",
    "user",
    "metadata",
    "prompt_cache_key",
    "prompt_cache_retention",
    "safety_identifier",
];

/// `ReasoningEffort` of the spec (the per-model subset is
/// `crate::rules::effort::check`'s).
const EFFORTS: &[&str] = &["none", "minimal", "low", "medium", "high", "xhigh", "max"];

/// Image types the vision models read (OpenAI's images and vision guide:
/// PNG, JPEG, WEBP, non-animated GIF).
const IMAGE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// A valid Chat Completions request, decoded.
#[derive(Debug)]
pub(crate) struct ChatCall {
    /// `model` left empty: the codec sets the canonical id.
    pub request: ModelRequest,
    /// The `model` the body names (on Azure's deployment route the path
    /// names the deployment instead, and the body need not).
    pub model: Option<String>,
    pub stream: bool,
    /// `stream_options.include_usage`: a final usage chunk is sent.
    pub include_usage: bool,
}

/// `stream_options.include_usage` rides to the encoder on the turn's
/// `upstream_model` (`Codec::encode` sees the answer, the stream flag and
/// that id; the dialect itself is `ModelResponse::openai_chat`): the model
/// id, then [`USAGE_MARK`] when the usage chunk was asked for.
const USAGE_MARK: &str = "\u{1f}include_usage";

/// The turn's `upstream_model`: `model`, marked when `include_usage`.
pub(crate) fn mark_usage(model: &str, include_usage: bool) -> String {
    if include_usage {
        format!("{model}{USAGE_MARK}")
    } else {
        model.to_owned()
    }
}

/// The model id and `include_usage` of a chat turn's `upstream_model`.
pub(crate) fn read_usage_mark(upstream_model: &str) -> (&str, bool) {
    match upstream_model.strip_suffix(USAGE_MARK) {
        Some(model) => (model, true),
        None => (upstream_model, false),
    }
}

/// A Chat Completions request decoded into the turn it asks for. On
/// Azure's deployment route the path names the model (`deployment`) and
/// the body need not; elsewhere the body's `model` is required.
pub(crate) fn turn(req: &Incoming, deployment: Option<&str>) -> Result<Call, Rejection> {
    let body = json_body(req).ok_or_else(|| {
        bad_request(
            "chat.shapes",
            "We could not parse the JSON body of your request. (HINT: This likely means you \
             aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, \
             but what was sent was not valid JSON.)",
            None,
            None,
        )
    })?;
    let call = parse(&body)?;
    let model = match (deployment, call.model) {
        (Some(d), _) => d.to_owned(),
        (None, Some(m)) => m,
        (None, None) => return Err(missing("model")),
    };
    // Ledger rule "chat.max_completion_tokens": GPT-5 reasoning models
    // (every model these simulators serve) take `max_completion_tokens`
    // only.
    if crate::wire::request::is_gpt(&model) && body.get("max_tokens").is_some_and(|v| !v.is_null())
    {
        return Err(bad_request(
            "chat.max_completion_tokens",
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
            Some("max_tokens"),
            Some("unsupported_parameter"),
        ));
    }
    let mut request = call.request;
    request.model = model.clone();
    request.openai_chat = true;
    Ok(Call::Turn(Turn {
        request,
        stream: call.stream,
        upstream_model: mark_usage(&model, call.include_usage),
    }))
}

/// A 400 in OpenAI's envelope with its `param` and `code`, decided by `rule`.
pub(crate) fn bad_request(
    rule: &'static str,
    message: impl Into<String>,
    param: Option<&str>,
    code: Option<&str>,
) -> Rejection {
    let message = message.into();
    Rejection::new(
        rule,
        400,
        json!({"error": {
            "message": message,
            "type": "invalid_request_error",
            "param": param,
            "code": code,
        }}),
        message,
    )
}

/// Ledger rule "chat.shapes": a missing required member or a value of the
/// wrong type, in the API's words for those.
fn shape(param: &str, expected: &str) -> Rejection {
    bad_request(
        "chat.shapes",
        format!("Invalid type for '{param}': expected {expected}."),
        Some(param),
        Some("invalid_type"),
    )
}

fn missing(param: &str) -> Rejection {
    bad_request(
        "chat.shapes",
        format!("Missing required parameter: '{param}'."),
        Some(param),
        Some("missing_required_parameter"),
    )
}

fn invalid_value(param: &str, value: &Value, allowed: &[&str]) -> Rejection {
    let allowed: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
    bad_request(
        "chat.shapes",
        format!(
            "Invalid value: {value}. Supported values are: {}.",
            allowed.join(", ")
        ),
        Some(param),
        Some("invalid_value"),
    )
}

fn str_at<'a>(v: &'a Value, key: &str, at: &str) -> Result<&'a str, Rejection> {
    let param = format!("{at}.{key}");
    match v.get(key) {
        None | Some(Value::Null) => Err(missing(&param)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(shape(&param, "a string")),
    }
}

/// Parses a Chat Completions body.
pub(crate) fn parse(body: &Value) -> Result<ChatCall, Rejection> {
    let o = body
        .as_object()
        .ok_or_else(|| shape("body", "a JSON object"))?;
    // Ledger rule "chat.unknown_parameter".
    if let Some(key) = o.keys().find(|k| !PARAMETERS.contains(&k.as_str())) {
        return Err(bad_request(
            "chat.unknown_parameter",
            format!("Unrecognized request argument supplied: {key}"),
            None,
            None,
        ));
    }
    let model = match o.get("model") {
        None => None,
        Some(Value::String(m)) => Some(m.clone()),
        Some(_) => return Err(shape("model", "a string")),
    };
    let stream = match o.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(shape("stream", "a boolean")),
    };
    let include_usage = stream_usage(o, stream)?;
    let (system, messages) = parse_messages(o.get("messages"))?;
    let tools = parse_tools(o.get("tools"))?;
    check_tool_choice(o.get("tool_choice"), &tools)?;
    let effort = match o.get("reasoning_effort") {
        None | Some(Value::Null) => None,
        Some(v @ Value::String(e)) if !EFFORTS.contains(&e.as_str()) => {
            return Err(invalid_value("reasoning_effort", v, EFFORTS));
        }
        Some(Value::String(e)) => Some(e.clone()),
        Some(_) => return Err(shape("reasoning_effort", "a string")),
    };
    check_response_format(o.get("response_format"))?;
    for key in ["max_tokens", "max_completion_tokens"] {
        match o.get(key) {
            None | Some(Value::Null) => {}
            Some(v) if v.as_u64().is_some_and(|n| n >= 1) => {}
            Some(_) => return Err(shape(key, "a positive integer")),
        }
    }
    check_stop(o.get("stop"))?;
    for key in ["user", "prompt_cache_key", "safety_identifier"] {
        match o.get(key) {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(_) => return Err(shape(key, "a string")),
        }
    }
    Ok(ChatCall {
        request: ModelRequest {
            system,
            messages,
            tools,
            // A GPT-5.6 model reasons on every request, `none` switching it
            // off (crate::rules::effort::thinks); Chat Completions never
            // returns the reasoning, only its token count.
            thinking: Thinking::Adaptive,
            effort,
            // OpenAI streams a function call's arguments as the model
            // writes them, with no opt-in.
            eager_tool_input: true,
            // Ledger rule "openai.implicit_cache": Chat Completions has no
            // cache markers; prompts of 1024 tokens and more are cached on
            // their own, as on Responses.
            implicit_cache: true,
            ..ModelRequest::default()
        },
        model,
        stream,
        include_usage,
    })
}

/// Ledger rule "chat.stream_usage": `stream_options` is only for a
/// streaming request; `include_usage` asks for the usage chunk.
fn stream_usage(o: &Map<String, Value>, stream: bool) -> Result<bool, Rejection> {
    let Some(opts) = o.get("stream_options").filter(|v| !v.is_null()) else {
        return Ok(false);
    };
    if !stream {
        return Err(bad_request(
            "chat.stream_usage",
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            Some("stream_options"),
            None,
        ));
    }
    match opts.get("include_usage") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(shape("stream_options.include_usage", "a boolean")),
    }
}

/// The messages: leading `system`/`developer` messages are the system
/// prompt; one later in the conversation is kept as system text too (the
/// model reads instructions wherever they are); `tool` messages become the
/// tool results of a user turn.
fn parse_messages(v: Option<&Value>) -> Result<(Vec<Block>, Vec<Message>), Rejection> {
    let list = match v {
        None | Some(Value::Null) => return Err(missing("messages")),
        Some(Value::Array(l)) => l,
        Some(_) => return Err(shape("messages", "an array")),
    };
    if list.is_empty() {
        return Err(bad_request(
            "chat.shapes",
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            Some("messages"),
            Some("empty_array"),
        ));
    }
    let mut system = Vec::new();
    let mut messages: Vec<Message> = Vec::new();
    let mut push = |role: Role, content: Vec<Block>| match messages.last_mut() {
        Some(last) if last.role == role => last.content.extend(content),
        _ => messages.push(Message { role, content }),
    };
    for (i, m) in list.iter().enumerate() {
        let at = format!("messages[{i}]");
        if !m.is_object() {
            return Err(shape(&at, "an object"));
        }
        match str_at(m, "role", &at)? {
            "system" | "developer" => system.extend(text_only(m.get("content"), &at, false)?),
            "user" => push(Role::User, user_content(m.get("content"), &at)?),
            "assistant" => push(Role::Assistant, assistant_content(m, &at)?),
            "tool" => {
                let id = str_at(m, "tool_call_id", &at)?;
                let content = text_only(m.get("content"), &at, true)?;
                push(
                    Role::User,
                    vec![Block::ToolResult {
                        tool_use_id: id.to_owned(),
                        content,
                        is_error: false,
                        cache: None,
                    }],
                );
            }
            other => {
                return Err(invalid_value(
                    &format!("{at}.role"),
                    &json!(other),
                    &[
                        "system",
                        "developer",
                        "user",
                        "assistant",
                        "tool",
                        "function",
                    ],
                ));
            }
        }
    }
    Ok((system, messages))
}

/// A content that may only be text: a string or `text` parts (system,
/// developer and tool messages). Ledger rule "chat.tool_message_text_only"
/// for a tool message's other parts (the spec's
/// `ChatCompletionRequestToolMessage`: "For tool messages, only type `text`
/// is supported").
fn text_only(v: Option<&Value>, at: &str, tool: bool) -> Result<Vec<Block>, Rejection> {
    let param = format!("{at}.content");
    let parts = match v {
        None | Some(Value::Null) => return Err(missing(&param)),
        Some(Value::String(s)) => return Ok(vec![Block::text(s.clone())]),
        Some(Value::Array(parts)) => parts,
        Some(_) => return Err(shape(&param, "one of a string or array of objects")),
    };
    parts
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let at = format!("{param}[{j}]");
            match str_at(p, "type", &at)? {
                "text" => Ok(Block::text(str_at(p, "text", &at)?)),
                other if tool => Err(bad_request(
                    "chat.tool_message_text_only",
                    format!("Invalid value: '{other}'. Supported values are: 'text'."),
                    Some(&format!("{at}.type")),
                    Some("invalid_value"),
                )),
                other => Err(invalid_value(
                    &format!("{at}.type"),
                    &json!(other),
                    &["text"],
                )),
            }
        })
        .collect()
}

/// A user message's content: a string, or `text`, `image_url` and `file`
/// parts.
fn user_content(v: Option<&Value>, at: &str) -> Result<Vec<Block>, Rejection> {
    let param = format!("{at}.content");
    let parts = match v {
        None | Some(Value::Null) => return Err(missing(&param)),
        Some(Value::String(s)) => return Ok(vec![Block::text(s.clone())]),
        Some(Value::Array(parts)) => parts,
        Some(_) => return Err(shape(&param, "one of a string or array of objects")),
    };
    let mut out = Vec::new();
    for (j, p) in parts.iter().enumerate() {
        let at = format!("{param}[{j}]");
        match str_at(p, "type", &at)? {
            "text" => out.push(Block::text(str_at(p, "text", &at)?)),
            "image_url" => {
                let image = p
                    .get("image_url")
                    .filter(|v| v.is_object())
                    .ok_or_else(|| missing(&format!("{at}.image_url")))?;
                out.push(image_url(
                    str_at(image, "url", &format!("{at}.image_url"))?,
                    &at,
                )?);
            }
            "file" => out.push(file_part(p, &at)?),
            other => {
                return Err(bad_request(
                    "chat.shapes",
                    format!(
                        "{at}.type: content parts of type '{other}' are not simulated (text, image_url and file are)"
                    ),
                    Some(&format!("{at}.type")),
                    Some("invalid_value"),
                ));
            }
        }
    }
    Ok(out)
}

/// `data:<type>;base64,<data>` split into its type and decoded bytes.
fn data_url(url: &str) -> Option<(&str, Vec<u8>)> {
    let (head, data) = url.strip_prefix("data:")?.split_once(',')?;
    let media_type = head.strip_suffix(";base64")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .ok()?;
    Some((media_type, bytes))
}

/// An `image_url` part. Ledger rule "chat.image_url_is_image": a data URL
/// of another type (LiteLLM puts PDFs there) is refused in the API's words.
fn image_url(url: &str, at: &str) -> Result<Block, Rejection> {
    let param = format!("{at}.image_url.url");
    if !url.starts_with("data:") {
        // Nothing in the simulators reaches the network: a web address
        // cannot be fetched, so it is refused rather than answered blind.
        return Err(bad_request(
            "chat.shapes",
            format!("{param}: only data URLs are simulated (the simulator fetches nothing)"),
            Some(&param),
            Some("invalid_value"),
        ));
    }
    let Some((media_type, data)) = data_url(url) else {
        return Err(bad_request(
            "chat.image_url_is_image",
            format!(
                "Invalid '{param}'. Expected a base64-encoded data URL with an image MIME type \
                 (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got an invalid \
                 base64-encoded value."
            ),
            Some(&param),
            Some("invalid_value"),
        ));
    };
    if !IMAGE_TYPES.contains(&media_type) {
        return Err(bad_request(
            "chat.image_url_is_image",
            "Invalid MIME type. Only image types are supported.",
            None,
            Some("invalid_image_format"),
        ));
    }
    Ok(Block::Image {
        media_type: media_type.to_owned(),
        data,
        cache: None,
    })
}

/// A `file` part with inline `file_data` (a PDF data URL); uploaded
/// `file_id`s are not simulated.
fn file_part(p: &Value, at: &str) -> Result<Block, Rejection> {
    let file = p
        .get("file")
        .filter(|v| v.is_object())
        .ok_or_else(|| missing(&format!("{at}.file")))?;
    let param = format!("{at}.file.file_data");
    let data = str_at(file, "file_data", &format!("{at}.file"))?;
    match data_url(data) {
        Some(("application/pdf", bytes)) => Ok(Block::Document {
            data: bytes,
            cache: None,
        }),
        _ => Err(bad_request(
            "chat.shapes",
            format!(
                "Invalid file data: '{param}'. Expected a base64-encoded data URL with an \
                 application/pdf MIME type (e.g. 'data:application/pdf;base64,SGVsbG8sIFdvcmxkIQ=='), \
                 but got an invalid value."
            ),
            Some(&param),
            Some("invalid_value"),
        )),
    }
}

/// An assistant message: its text (string or `text`/`refusal` parts) and
/// its `tool_calls`, whose `arguments` are the JSON text the model wrote.
fn assistant_content(m: &Value, at: &str) -> Result<Vec<Block>, Rejection> {
    let mut out = Vec::new();
    match m.get("content") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.is_empty() => {}
        Some(Value::String(s)) => out.push(Block::text(s.clone())),
        Some(Value::Array(parts)) => {
            for (j, p) in parts.iter().enumerate() {
                let at = format!("{at}.content[{j}]");
                match str_at(p, "type", &at)? {
                    "text" => out.push(Block::text(str_at(p, "text", &at)?)),
                    "refusal" => out.push(Block::text(str_at(p, "refusal", &at)?)),
                    other => {
                        return Err(invalid_value(
                            &format!("{at}.type"),
                            &json!(other),
                            &["text", "refusal"],
                        ));
                    }
                }
            }
        }
        Some(_) => {
            return Err(shape(
                &format!("{at}.content"),
                "one of a string or array of objects",
            ));
        }
    }
    let calls = match m.get("tool_calls") {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Array(calls)) => calls,
        Some(_) => return Err(shape(&format!("{at}.tool_calls"), "an array")),
    };
    for (k, c) in calls.iter().enumerate() {
        let at = format!("{at}.tool_calls[{k}]");
        let id = str_at(c, "id", &at)?;
        match str_at(c, "type", &at)? {
            "function" => {}
            other => {
                return Err(invalid_value(
                    &format!("{at}.type"),
                    &json!(other),
                    &["function"],
                ));
            }
        }
        let function = c
            .get("function")
            .filter(|f| f.is_object())
            .ok_or_else(|| missing(&format!("{at}.function")))?;
        let name = str_at(function, "name", &format!("{at}.function"))?;
        let arguments = str_at(function, "arguments", &format!("{at}.function"))?;
        // The API takes the arguments as the text the model wrote; the
        // scripted model reads them as JSON, and keeps text that is not.
        let input = serde_json::from_str(arguments).unwrap_or_else(|_| json!(arguments));
        out.push(Block::ToolUse {
            id: id.to_owned(),
            name: name.to_owned(),
            input,
            cache: None,
        });
    }
    Ok(out)
}

/// Ledger rule "chat.function_name_64": a function's name is 1-64 of
/// `a-z A-Z 0-9 _ -` (the spec's `FunctionObject.name`), refused in the
/// API's validation words.
fn check_function_name(name: &str, param: &str) -> Result<(), Rejection> {
    let n = name.chars().count();
    if n > 64 {
        return Err(bad_request(
            "chat.function_name_64",
            format!(
                "Invalid '{param}': string too long. Expected a string with maximum length 64, but got a string with length {n} instead."
            ),
            Some(param),
            Some("string_above_max_length"),
        ));
    }
    if n == 0
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(bad_request(
            "chat.function_name_64",
            format!(
                "Invalid '{param}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."
            ),
            Some(param),
            Some("invalid_value"),
        ));
    }
    Ok(())
}

fn parse_tools(v: Option<&Value>) -> Result<Vec<ToolDef>, Rejection> {
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(l)) => l,
        Some(_) => return Err(shape("tools", "an array")),
    };
    let mut tools = Vec::new();
    for (i, t) in list.iter().enumerate() {
        let at = format!("tools[{i}]");
        match str_at(t, "type", &at)? {
            "function" => {}
            other => {
                return Err(bad_request(
                    "chat.shapes",
                    format!("{at}.type: tools of type '{other}' are not simulated (function is)"),
                    Some(&format!("{at}.type")),
                    Some("invalid_value"),
                ));
            }
        }
        let f = t
            .get("function")
            .filter(|f| f.is_object())
            .ok_or_else(|| missing(&format!("{at}.function")))?;
        let name = str_at(f, "name", &format!("{at}.function"))?;
        check_function_name(name, &format!("{at}.function.name"))?;
        match f.get("strict") {
            None | Some(Value::Null) | Some(Value::Bool(_)) => {}
            Some(_) => return Err(shape(&format!("{at}.function.strict"), "a boolean")),
        }
        let schema = match f.get("parameters") {
            // The spec: "Omitting `parameters` defines a function with an
            // empty parameter list."
            None | Some(Value::Null) => json!({"type": "object", "properties": {}}),
            Some(p @ Value::Object(_)) => p.clone(),
            Some(_) => return Err(shape(&format!("{at}.function.parameters"), "an object")),
        };
        tools.push(ToolDef {
            name: name.to_owned(),
            input_schema: schema,
            cache: None,
            deferred: false,
        });
    }
    Ok(tools)
}

/// `tool_choice`: `none`, `auto`, `required`, or a named function the
/// request offers.
fn check_tool_choice(v: Option<&Value>, tools: &[ToolDef]) -> Result<(), Rejection> {
    let named = match v {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::String(s)) if ["none", "auto", "required"].contains(&s.as_str()) => {
            return Ok(());
        }
        Some(v @ Value::String(_)) => {
            return Err(invalid_value(
                "tool_choice",
                v,
                &["none", "auto", "required"],
            ));
        }
        Some(v) => v,
    };
    if named.get("type").and_then(Value::as_str) != Some("function") {
        return Err(invalid_value(
            "tool_choice.type",
            named.get("type").unwrap_or(&Value::Null),
            &["function"],
        ));
    }
    let name = named
        .pointer("/function/name")
        .and_then(Value::as_str)
        .ok_or_else(|| missing("tool_choice.function.name"))?;
    if tools.is_empty() {
        return Err(bad_request(
            "chat.shapes",
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
            Some("tool_choice"),
            None,
        ));
    }
    if !tools.iter().any(|t| t.name == name) {
        return Err(bad_request(
            "chat.shapes",
            format!(
                "Invalid value for 'tool_choice': no function named '{name}' was specified in the 'tools' parameter."
            ),
            Some("tool_choice"),
            None,
        ));
    }
    Ok(())
}

/// `response_format`: `text`, `json_object`, or `json_schema` with a
/// `name` of 1-64 `a-zA-Z0-9_-` and a `schema` object (the spec's
/// `ResponseFormatJsonSchema`).
fn check_response_format(v: Option<&Value>) -> Result<(), Rejection> {
    let Some(f) = v.filter(|v| !v.is_null()) else {
        return Ok(());
    };
    match str_at(f, "type", "response_format")? {
        "text" | "json_object" => Ok(()),
        "json_schema" => {
            let s = f
                .get("json_schema")
                .filter(|s| s.is_object())
                .ok_or_else(|| missing("response_format.json_schema"))?;
            let name = str_at(s, "name", "response_format.json_schema")?;
            check_function_name(name, "response_format.json_schema.name").map_err(|r| {
                Rejection {
                    rule: "chat.shapes",
                    ..r
                }
            })?;
            match s.get("schema") {
                None | Some(Value::Object(_)) => Ok(()),
                Some(_) => Err(shape("response_format.json_schema.schema", "an object")),
            }
        }
        other => Err(invalid_value(
            "response_format.type",
            &json!(other),
            &["text", "json_object", "json_schema"],
        )),
    }
}

/// `stop`: a string or up to 4 strings (the spec's `StopConfiguration`).
fn check_stop(v: Option<&Value>) -> Result<(), Rejection> {
    match v {
        None | Some(Value::Null) | Some(Value::String(_)) => Ok(()),
        Some(Value::Array(l)) if l.len() > 4 => Err(bad_request(
            "chat.shapes",
            format!(
                "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length {} instead.",
                l.len()
            ),
            Some("stop"),
            Some("array_above_max_length"),
        )),
        Some(Value::Array(l)) if l.iter().all(Value::is_string) => Ok(()),
        Some(_) => Err(shape("stop", "one of a string or array of strings")),
    }
}

#[path = "chat_encode.rs"]
mod encode;
pub(crate) use encode::answer;
#[cfg(test)]
use encode::{CHUNK, COMPLETION, completion_json};

#[cfg(test)]
#[path = "chat_tests.rs"]
mod tests;
