//! `POST /v1/responses/input_tokens`: the input tokens a Responses request
//! would use, `{"object":"response.input_tokens","input_tokens":N}`
//! (OpenAI's spec, path `/responses/input_tokens`; openai-python 3.63.0
//! `resources/responses/input_tokens.py`, `InputTokenCountResponse`). The
//! body is a Responses request's input side; it is validated as one and
//! counted by the crate's one estimate (ledger rule
//! "count_tokens.estimate").

use serde_json::{Value, json};

use crate::pipeline::{Call, Turn};
use crate::wire::answer::Answer;
use crate::wire::body::json_body;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;

/// The keys a count request takes (openai-python 3.63.0
/// `InputTokenCountParams`). Ledger rule "responses.field_allowlist".
const FIELDS: &[&str] = &[
    "conversation",
    "input",
    "instructions",
    "model",
    "parallel_tool_calls",
    "personality",
    "previous_response_id",
    "reasoning",
    "text",
    "tool_choice",
    "tools",
    "truncation",
];

/// A count body decoded into the turn to count.
pub(crate) fn turn(req: &Incoming) -> Result<Call, Rejection> {
    let mut body = json_body(req).filter(Value::is_object).ok_or_else(|| {
        Rejection::invalid(
            "responses.body_object",
            "The request body must be a JSON object.",
        )
    })?;
    let obj = body.as_object_mut().expect("checked object");
    if let Some(k) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(Rejection::invalid(
            "responses.field_allowlist",
            format!("Unknown parameter: '{k}'."),
        ));
    }
    // `model` is optional here; the Responses parser wants one.
    obj.entry("model").or_insert_with(|| json!(""));
    obj.remove("personality");
    let (request, model, _) = super::responses::parse(&body)?;
    Ok(Call::Count(Turn {
        request,
        stream: false,
        upstream_model: model,
    }))
}

/// The count's answer (ledger rule "responses.input_tokens").
pub(crate) fn encode(input_tokens: u64) -> Answer {
    Answer::Json {
        headers: Vec::new(),
        body: json!({"object": "response.input_tokens", "input_tokens": input_tokens}),
    }
}
