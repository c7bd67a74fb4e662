//! The Responses API request (`POST /v1/responses`, Azure's
//! `/openai/responses`): a body decoded into a model turn, with the
//! Responses rules that refuse on the way; the answer is `encode.rs`.
//!
//! Sources: OpenAI's OpenAPI spec (`CreateResponse`, `InputItem`,
//! `FunctionCallOutputItemParam`, `InputFileContent`, `Reasoning`,
//! `ResponseFormatJsonSchema`) and openai-python 3.63.0
//! (`types/responses/response_create_params.py` and its item types), the
//! SDK LiteLLM 1.108.7 resolves. Each refusal names its ledger rule
//! (compat-sim/ledger/openai.yaml).
//!
//! Mapping to the model's vocabulary: `instructions` and every `system` /
//! `developer` message become system blocks, wherever they stand (a
//! mid-conversation system message keeps its authority, not a user turn's
//! place); user messages and `function_call_output`s are user turns;
//! assistant messages, `function_call`s and `reasoning` items are
//! assistant turns (a reasoning item's `encrypted_content` as a
//! `RedactedThinking` block, verified by the model).

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::pipeline::{Call, Turn};
use crate::wire::body::json_body;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::request::{
    Block, CacheTtl, Message, ModelRequest, ReasoningView, Role, Thinking, ToolDef, WebSearchTool,
};

pub(crate) use super::encode::encode;

/// The top-level keys of a Responses request (openai-python 3.63.0
/// `ResponseCreateParamsBase`, plus `stream`). Ledger rule
/// "responses.field_allowlist".
const FIELDS: &[&str] = &[
    "access_programs",
    "background",
    "background_options",
    "context_management",
    "conversation",
    "image",
    "include",
    "input",
    "instructions",
    "max_output_tokens",
    "max_tool_calls",
    "metadata",
    "model",
    "moderation",
    "parallel_tool_calls",
    "previous_response_id",
    "prompt",
    "prompt_cache_key",
    "prompt_cache_options",
    "prompt_cache_retention",
    "reasoning",
    "safety_identifier",
    "service_tier",
    "store",
    "stream",
    "stream_options",
    "temperature",
    "text",
    "tool_choice",
    "tools",
    "top_logprobs",
    "top_p",
    "truncation",
    "user",
];

/// A shape error: the spec's types, in OpenAI's "Invalid type" words.
fn shape(at: &str, expected: &str) -> Rejection {
    Rejection::invalid(
        "responses.shapes",
        format!("Invalid type for '{at}': expected {expected}."),
    )
}

/// A Responses body decoded into the turn it asks for.
pub(crate) fn turn(req: &Incoming) -> Result<Call, Rejection> {
    let body = json_body(req)
        .ok_or_else(|| Rejection::invalid("responses.body_object", "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"))?;
    let (request, model, stream) = parse(&body)?;
    Ok(Call::Turn(Turn {
        request,
        stream,
        upstream_model: model,
    }))
}

/// The body's model turn, model id and `stream`.
pub(crate) fn parse(body: &Value) -> Result<(ModelRequest, String, bool), Rejection> {
    let obj = body.as_object().ok_or_else(|| {
        Rejection::invalid(
            "responses.body_object",
            "The request body must be a JSON object.",
        )
    })?;
    if let Some(k) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(Rejection::invalid(
            "responses.field_allowlist",
            format!("Unknown parameter: '{k}'."),
        ));
    }
    let model = match obj.get("model") {
        Some(Value::String(m)) => m.clone(),
        Some(_) => return Err(shape("model", "a string")),
        None => {
            return Err(Rejection::invalid(
                "responses.model_required",
                "Missing required parameter: 'model'.",
            ));
        }
    };
    let mut req = ModelRequest {
        model: model.clone(),
        // A GPT-5.6 model reasons on every request (at the effort asked,
        // `none` switching it off: crate::rules::effort::thinks).
        thinking: Thinking::Adaptive,
        // OpenAI streams a function call's arguments as the model writes
        // them: no opt-in, unlike Anthropic's fine-grained tool streaming.
        eager_tool_input: true,
        ..ModelRequest::default()
    };
    match obj.get("instructions") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => req.system.push(Block::text(s.clone())),
        Some(_) => return Err(shape("instructions", "a string")),
    }
    let mut breakpoints = 0usize;
    match obj.get("input") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => push(&mut req.messages, Role::User, Block::text(s.clone())),
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                input_item(&mut req, item, &format!("input[{i}]"), &mut breakpoints)?;
            }
        }
        Some(_) => return Err(shape("input", "a string or an array")),
    }
    // Ledger rule "openai.implicit_cache": without explicit breakpoints the
    // provider caches prefixes on its own. (With them, OpenAI still adds
    // one implicit breakpoint unless `prompt_cache_options.mode` is
    // `explicit`; the simulator takes explicit marks alone: simplified.)
    // How many a request writes and matches: the model (ledger rule
    // "openai.prompt_cache_breakpoint").
    req.tools = tools(obj.get("tools"))?;
    req.web_search = hosted_search(obj.get("tools"));
    breakpoints += req.tools.iter().filter(|t| t.cache.is_some()).count();
    req.implicit_cache = breakpoints == 0;
    tool_choice(obj.get("tool_choice"), &req.tools)?;
    let reasoning = obj.get("reasoning").filter(|r| !r.is_null());
    if let Some(r) = reasoning {
        if !r.is_object() {
            return Err(shape("reasoning", "an object"));
        }
        req.effort = crate::rules::effort::parse_reasoning(r.get("effort"))?;
    }
    // Ledger rule "responses.reasoning_summary_opt_in": summary text only
    // when `reasoning.summary` (or the older `generate_summary`) asks.
    let summary = reasoning.is_some_and(|r| {
        r.get("summary").is_some_and(|s| !s.is_null())
            || r.get("generate_summary").is_some_and(|s| !s.is_null())
    });
    let encrypted = match obj.get("include") {
        None | Some(Value::Null) => false,
        Some(Value::Array(list)) => list.iter().any(|v| v == "reasoning.encrypted_content"),
        Some(_) => return Err(shape("include", "an array")),
    };
    req.reasoning_view = ReasoningView { summary, encrypted };
    text_format(obj.get("text"))?;
    context_management(obj.get("context_management"))?;
    let stream = match obj.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(shape("stream", "a boolean")),
    };
    if let Some(n) = obj.get("max_output_tokens").filter(|v| !v.is_null())
        && n.as_u64().is_none_or(|n| n < 16)
    {
        return Err(Rejection::invalid(
            "responses.max_output_tokens",
            format!(
                "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got {n} instead."
            ),
        ));
    }
    Ok((req, model, stream))
}

/// Appends `block` to the conversation as `role`'s, joining the last turn
/// when it is the same role's (consecutive items of one side form a turn).
fn push(messages: &mut Vec<Message>, role: Role, block: Block) {
    match messages.last_mut() {
        Some(m) if m.role == role => m.content.push(block),
        _ => messages.push(Message {
            role,
            content: vec![block],
        }),
    }
}

fn str_of<'a>(item: &'a Value, key: &str, at: &str) -> Result<&'a str, Rejection> {
    match item.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(shape(&format!("{at}.{key}"), "a string")),
        None => Err(Rejection::invalid(
            "responses.shapes",
            format!("Missing required parameter: '{at}.{key}'."),
        )),
    }
}

fn input_item(
    req: &mut ModelRequest,
    item: &Value,
    at: &str,
    breakpoints: &mut usize,
) -> Result<(), Rejection> {
    if !item.is_object() {
        return Err(shape(at, "an object"));
    }
    let kind = item
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("message");
    match kind {
        "message" => {
            let role = str_of(item, "role", at)?;
            let blocks = content(
                &item["content"],
                &format!("{at}.content"),
                role,
                breakpoints,
            )?;
            match role {
                "user" => blocks
                    .into_iter()
                    .for_each(|b| push(&mut req.messages, Role::User, b)),
                "assistant" => blocks
                    .into_iter()
                    .for_each(|b| push(&mut req.messages, Role::Assistant, b)),
                "system" | "developer" => req.system.extend(blocks),
                other => {
                    return Err(Rejection::invalid(
                        "responses.shapes",
                        format!(
                            "Invalid value: '{other}'. Supported values are: 'assistant', 'system', 'developer', and 'user'."
                        ),
                    ));
                }
            }
        }
        "function_call" => {
            let call_id = str_of(item, "call_id", at)?;
            let name = str_of(item, "name", at)?;
            let arguments = str_of(item, "arguments", at)?;
            let input =
                serde_json::from_str(arguments).unwrap_or(Value::String(arguments.to_owned()));
            push(
                &mut req.messages,
                Role::Assistant,
                Block::ToolUse {
                    id: call_id.to_owned(),
                    name: name.to_owned(),
                    input,
                    cache: None,
                },
            );
        }
        "function_call_output" => {
            let call_id = str_of(item, "call_id", at)?;
            let content = match item.get("output") {
                Some(Value::String(s)) => vec![Block::text(s.clone())],
                // Ledger rule "responses.function_call_output_parts".
                Some(Value::Array(_)) => {
                    output_parts(&item["output"], &format!("{at}.output"), breakpoints)?
                }
                _ => return Err(shape(&format!("{at}.output"), "a string or an array")),
            };
            // A breakpoint on the output's last marked part ends the
            // cached prefix after the whole output.
            let cache = content.iter().rev().find_map(Block::cache);
            push(
                &mut req.messages,
                Role::User,
                Block::ToolResult {
                    tool_use_id: call_id.to_owned(),
                    content,
                    is_error: false,
                    cache,
                },
            );
        }
        "reasoning" => {
            // A reasoning item without encrypted content names an item the
            // service stored (`store`); this simulator stores none, and
            // such an item gives the model nothing to verify: it is
            // skipped (inferred; the stateless replay LiteLLM does always
            // carries encrypted_content when it asked for it).
            if let Some(data) = item.get("encrypted_content").and_then(Value::as_str) {
                push(
                    &mut req.messages,
                    Role::Assistant,
                    Block::RedactedThinking {
                        data: data.to_owned(),
                    },
                );
            }
        }
        other => {
            return Err(Rejection::invalid(
                "responses.shapes",
                format!(
                    "Invalid value: '{other}'. Supported values are: 'message', 'function_call', 'function_call_output' and 'reasoning'. (simulated input item types)"
                ),
            ));
        }
    }
    Ok(())
}

/// A message's `content`: a string or a list of parts.
fn content(
    v: &Value,
    at: &str,
    role: &str,
    breakpoints: &mut usize,
) -> Result<Vec<Block>, Rejection> {
    match v {
        Value::String(s) => Ok(vec![Block::text(s.clone())]),
        Value::Array(parts) => parts
            .iter()
            .enumerate()
            .map(|(j, p)| part(p, &format!("{at}[{j}]"), role, breakpoints))
            .collect(),
        _ => Err(shape(at, "a string or an array")),
    }
}

/// A `function_call_output`'s parts: `input_text`, `input_image`,
/// `input_file` only (spec `FunctionCallOutputItemParam`).
fn output_parts(v: &Value, at: &str, breakpoints: &mut usize) -> Result<Vec<Block>, Rejection> {
    let parts = v.as_array().expect("checked array");
    let mut out = Vec::new();
    for (j, p) in parts.iter().enumerate() {
        let at = format!("{at}[{j}]");
        match p.get("type").and_then(Value::as_str) {
            Some("input_text" | "input_image" | "input_file") => {
                out.push(part(p, &at, "user", breakpoints)?)
            }
            other => {
                return Err(Rejection::invalid(
                    "responses.function_call_output_parts",
                    format!(
                        "Invalid value: '{}'. Supported values are: 'input_text', 'input_image', and 'input_file'.",
                        other.unwrap_or("")
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// One content part.
fn part(p: &Value, at: &str, role: &str, breakpoints: &mut usize) -> Result<Block, Rejection> {
    let kind = str_of(p, "type", at)?;
    let cache = breakpoint(p.get("prompt_cache_breakpoint"), at)?;
    if cache.is_some() {
        *breakpoints += 1;
    }
    let mut block = match (kind, role) {
        ("input_text", _) | ("output_text" | "refusal", "assistant") => {
            let key = if kind == "refusal" { "refusal" } else { "text" };
            Block::text(str_of(p, key, at)?)
        }
        ("input_image", "user" | "system" | "developer") => image(p, at)?,
        ("input_file", "user" | "system" | "developer") => file(p, at)?,
        _ => {
            return Err(Rejection::invalid(
                "responses.shapes",
                format!(
                    "Invalid value: '{kind}'. Supported values for role '{role}' are: 'input_text', 'input_image', and 'input_file' (user) or 'output_text' and 'refusal' (assistant)."
                ),
            ));
        }
    };
    if let Some(ttl) = cache {
        block.set_cache(ttl);
    }
    Ok(block)
}

/// A content part's `prompt_cache_breakpoint`: `{mode: "explicit"}` with
/// an optional `ttl` of `30m` or `12h` (openai-python 3.63.0
/// `PromptCacheBreakpoint`). Ledger rule "openai.prompt_cache_breakpoint".
fn breakpoint(v: Option<&Value>, at: &str) -> Result<Option<CacheTtl>, Rejection> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let bad = |why: &str| {
        Rejection::invalid(
            "openai.prompt_cache_breakpoint",
            format!("Invalid '{at}.prompt_cache_breakpoint': {why}"),
        )
    };
    if v.get("mode").and_then(Value::as_str) != Some("explicit") {
        return Err(bad("'mode' must be 'explicit'."));
    }
    match v.get("ttl").and_then(Value::as_str) {
        None | Some("30m") => Ok(Some(CacheTtl::ThirtyMinutes)),
        Some("12h") => Ok(Some(CacheTtl::TwelveHours)),
        Some(other) => Err(bad(&format!(
            "unsupported ttl '{other}'; supported values are '30m' and '12h'."
        ))),
    }
}

/// A `data:<mime>;base64,<data>` URL's MIME type and bytes.
fn data_url(url: &str) -> Option<(String, Vec<u8>)> {
    let rest = url.strip_prefix("data:")?;
    let (mime, data) = rest.split_once(";base64,")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .ok()?;
    Some((mime.to_ascii_lowercase(), bytes))
}

/// An `input_image`: a data URL of an image MIME type. Ledger rule
/// "responses.input_image_is_image".
fn image(p: &Value, at: &str) -> Result<Block, Rejection> {
    let Some(url) = p.get("image_url").and_then(Value::as_str) else {
        // A file_id names an uploaded file this simulator never holds.
        return Ok(Block::text("[image: file reference not simulated]"));
    };
    if !url.starts_with("data:") {
        return Ok(Block::text(format!(
            "[image at {url}: not fetched by the simulator]"
        )));
    }
    let Some((mime, data)) = data_url(url) else {
        return Err(Rejection::invalid(
            "responses.input_image_is_image",
            format!(
                "Invalid '{at}.image_url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got an invalid data URL."
            ),
        ));
    };
    if !["image/png", "image/jpeg", "image/gif", "image/webp"].contains(&mime.as_str()) {
        return Err(Rejection::invalid(
            "responses.input_image_is_image",
            format!(
                "Invalid '{at}.image_url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got unsupported MIME type '{mime}'."
            ),
        ));
    }
    Ok(Block::Image {
        media_type: mime,
        data,
        cache: None,
    })
}

/// An `input_file`: `file_data` (a data URL) with its `filename`, or a
/// `file_id`/`file_url` this simulator holds nothing for. Ledger rule
/// "responses.input_file".
fn file(p: &Value, at: &str) -> Result<Block, Rejection> {
    let Some(file_data) = p.get("file_data").and_then(Value::as_str) else {
        return Ok(Block::text("[file: reference not simulated]"));
    };
    if p.get("filename").and_then(Value::as_str).is_none() {
        return Err(Rejection::invalid(
            "responses.input_file",
            format!("Missing required parameter: '{at}.filename'."),
        ));
    }
    let Some((mime, data)) = data_url(file_data) else {
        return Err(Rejection::invalid(
            "responses.input_file",
            format!(
                "Invalid '{at}.file_data'. Expected a base64-encoded data URL (data:<mime>;base64,...)."
            ),
        ));
    };
    Ok(if mime == "application/pdf" {
        Block::Document { data, cache: None }
    } else {
        Block::text(String::from_utf8_lossy(&data).into_owned())
    })
}

/// `tools`: function tools become the model's tools; the hosted tools
/// are not the model's to call: web search is run by the provider
/// ([`hosted_search`]), the rest are accepted and not run.
fn tools(v: Option<&Value>) -> Result<Vec<ToolDef>, Rejection> {
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(shape("tools", "an array")),
    };
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        let at = format!("tools[{i}]");
        if str_of(t, "type", &at)? != "function" {
            continue;
        }
        let name = str_of(t, "name", &at)?;
        // Ledger rule "responses.function_name_64" is NOT enforced: the
        // spec's FunctionTool states no limit (see the ledger entry).
        out.push(ToolDef {
            name: name.to_owned(),
            input_schema: t.get("parameters").cloned().unwrap_or(Value::Null),
            // LiteLLM's cache hook may mark a tool definition too
            // (`without_prompt_cache_breakpoints`: "a message or tool
            // definition"); it counts as a breakpoint after the tool.
            cache: breakpoint(t.get("prompt_cache_breakpoint"), &at)?,
            deferred: false,
        });
    }
    Ok(out)
}

/// The hosted web search tool types (openai-python 3.63.0
/// `web_search_tool.py`: `web_search`, `web_search_2025_08_26`;
/// `web_search_preview_tool.py`: `web_search_preview`,
/// `web_search_preview_2025_03_11`). Ledger rule
/// "responses.hosted_web_search".
const HOSTED_SEARCH: &[&str] = &[
    "web_search",
    "web_search_2025_08_26",
    "web_search_preview",
    "web_search_preview_2025_03_11",
];

/// The hosted web search a `tools` list offers: the provider runs it
/// inside the response when the model searches (the model's search path,
/// `crate::model`, over the same corpus as Anthropic's server tool), and
/// answers with a `web_search_call` item and a cited message (`encode.rs`).
/// (`tools` itself was validated by [`tools`] before this runs.)
fn hosted_search(v: Option<&Value>) -> Option<WebSearchTool> {
    v?.as_array()?.iter().find_map(|t| {
        let kind = t.get("type").and_then(Value::as_str)?;
        HOSTED_SEARCH.contains(&kind).then(|| WebSearchTool {
            kind: kind.to_owned(),
            // OpenAI's cap is the request's `max_tool_calls`, not a tool
            // field; the scripted model searches once per turn anyway.
            max_uses: None,
        })
    })
}

/// `tool_choice`: `none`, `auto`, `required`, or an object; a function it
/// names must be offered. Ledger rule "responses.tool_choice_offered".
fn tool_choice(v: Option<&Value>, tools: &[ToolDef]) -> Result<(), Rejection> {
    match v {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if ["none", "auto", "required"].contains(&s.as_str()) => Ok(()),
        Some(Value::Object(o)) if o.get("type").and_then(Value::as_str) == Some("function") => {
            let name = o.get("name").and_then(Value::as_str).unwrap_or("");
            if tools.iter().any(|t| t.name == name) {
                Ok(())
            } else {
                Err(Rejection::invalid(
                    "responses.tool_choice_offered",
                    format!(
                        "Tool choice 'function' with name '{name}' not found in 'tools' parameter."
                    ),
                ))
            }
        }
        Some(Value::Object(_)) => Ok(()),
        Some(_) => Err(Rejection::invalid(
            "responses.tool_choice_offered",
            "Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or an object.",
        )),
    }
}

/// `text.format`: `text`, `json_object`, or `json_schema` with a `name`
/// (`[a-zA-Z0-9_-]`, at most 64) and a `schema` object. Ledger rule
/// "responses.text_format".
fn text_format(v: Option<&Value>) -> Result<(), Rejection> {
    let Some(format) = v.and_then(|t| t.get("format")).filter(|f| !f.is_null()) else {
        return Ok(());
    };
    let bad = |why: String| Rejection::invalid("responses.text_format", why);
    let empty = Map::new();
    let o = format.as_object().unwrap_or(&empty);
    match o.get("type").and_then(Value::as_str) {
        Some("text" | "json_object") => Ok(()),
        Some("json_schema") => {
            let name = o
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("Missing required parameter: 'text.format.name'.".into()))?;
            if name.is_empty()
                || name.len() > 64
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(bad(format!(
                    "Invalid 'text.format.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' of at most 64 characters, got '{name}'."
                )));
            }
            if !o.get("schema").is_some_and(Value::is_object) {
                return Err(bad(
                    "Missing required parameter: 'text.format.schema'.".into()
                ));
            }
            Ok(())
        }
        other => Err(bad(format!(
            "Invalid value: '{}'. Supported values are: 'text', 'json_object', and 'json_schema'.",
            other.unwrap_or("")
        ))),
    }
}

/// `context_management`: a list of `{type, compact_threshold?}` entries
/// (openai-python 3.63.0 `ContextManagement`; LiteLLM sends
/// `{type: compaction, compact_threshold}` for Anthropic's compaction).
/// Ledger rule "responses.shapes".
fn context_management(v: Option<&Value>) -> Result<(), Rejection> {
    let list = match v {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(shape("context_management", "an array")),
    };
    for (i, entry) in list.iter().enumerate() {
        let at = format!("context_management[{i}]");
        str_of(entry, "type", &at)?;
        if let Some(t) = entry.get("compact_threshold").filter(|t| !t.is_null())
            && t.as_u64().is_none()
        {
            return Err(shape(&format!("{at}.compact_threshold"), "an integer"));
        }
    }
    Ok(())
}
