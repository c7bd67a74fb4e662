//! The scripted model's structured answer: a JSON value that conforms to a
//! tool's input schema, for the tool Claude Code offers under `--json-schema`
//! (`StructuredOutput`, whose `input_schema` is the user's schema). Strings
//! carry the token the prompt gave, so a test can find its own answer.
//!
//! It covers the JSON Schema keywords such schemas use (type, properties,
//! required, enum, const, items, minItems, nested objects); the test suite
//! validates what comes back with the `jsonschema` crate, so a schema this
//! does not cover fails loudly there rather than passing quietly.

use serde_json::{Map, Value, json};

/// A value conforming to `schema`, its strings set to `token`.
pub(crate) fn instance(schema: &Value, token: &str) -> Value {
    instance_in(schema, schema, token, 0)
}

/// [`instance`] of a subschema, `$ref`s resolved against `root` (local
/// references, `#/$defs/...` or `#/definitions/...`, as MCP servers' schema
/// generators emit them); `anyOf`/`oneOf` take `null` where it is offered
/// (an optional field left empty, as a model does) and else the first branch.
fn instance_in(root: &Value, schema: &Value, token: &str, depth: usize) -> Value {
    if depth > 16 {
        return Value::Null;
    }
    if let Some(target) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| root.pointer(pointer))
    {
        return instance_in(root, target, token, depth + 1);
    }
    if let Some(branches) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        if branches
            .iter()
            .any(|b| b.get("type") == Some(&json!("null")))
        {
            return Value::Null;
        }
        if let Some(first) = branches.first() {
            return instance_in(root, first, token, depth + 1);
        }
    }
    if let Some(v) = schema.get("const") {
        return v.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        // A list of types: the first that is not null.
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "object",
    };
    match kind {
        "object" => {
            let mut out = Map::new();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (name, sub) in props {
                    out.insert(name.clone(), instance_in(root, sub, token, depth + 1));
                }
            }
            Value::Object(out)
        }
        "array" => {
            let n = schema.get("minItems").and_then(Value::as_u64).unwrap_or(1);
            let item = instance_in(
                root,
                schema.get("items").unwrap_or(&json!({})),
                token,
                depth + 1,
            );
            Value::Array(vec![item; n.max(1) as usize])
        }
        // A date-formatted string gets a date, as a model fills one in.
        "string" if schema.get("format") == Some(&json!("date")) => json!("2026-01-15"),
        "string" => json!(token),
        "integer" => json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        "number" => json!(schema.get("minimum").and_then(Value::as_f64).unwrap_or(1.0)),
        "boolean" => json!(true),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_defs_and_nullable_any_of() {
        let schema = json!({
            "type": "object",
            "$defs": {"Priority": {"type": "string", "enum": ["low", "high"]},
                      "Tag": {"type": "object", "properties": {"key": {"type": "string"}}}},
            "properties": {
                "priority": {"$ref": "#/$defs/Priority"},
                "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}},
                "due": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
                "when": {"anyOf": [{"type": "string", "format": "date"}, {"type": "integer"}]}
            }
        });
        assert_eq!(
            instance(&schema, "n"),
            json!({"priority": "low", "tags": [{"key": "n"}], "due": null, "when": "2026-01-15"})
        );
    }

    #[test]
    fn nested_enum_and_required() {
        let schema = json!({
            "type": "object",
            "required": ["token", "status", "detail"],
            "properties": {
                "token": {"type": "string"},
                "status": {"type": "string", "enum": ["ok", "failed"]},
                "detail": {"type": "object", "required": ["count"], "properties": {
                    "count": {"type": "integer", "minimum": 3},
                    "tags": {"type": "array", "items": {"type": "string"}}
                }}
            }
        });
        assert_eq!(
            instance(&schema, "n0nce"),
            json!({"token": "n0nce", "status": "ok", "detail": {"count": 3, "tags": ["n0nce"]}})
        );
    }
}
