//! A small stdio MCP server for the `mcp_tools` row, built on the official
//! Rust MCP SDK (`rmcp`). The claude CLI launches it from `--mcp-config`
//! as any user's MCP server, lists its tools and calls one; the tool checks
//! its arguments against its own input schema and answers with the trial's
//! receipt, which only this process knows (it comes in by environment from
//! the config), so an answer quoting it proves the whole round trip: model
//! call, CLI, server, result, model.
//!
//! What makes it a fair test of a gateway is what real MCP servers bring:
//! - a long name: the CLI calls a server tool `mcp__<server>__<tool>`, here
//!   82 characters, inside Anthropic's limit of 128 and over Bedrock
//!   Converse's 64 (see docs/rows/mcp_tools.md for the sources);
//! - an input schema with the constructs schema generators emit (pydantic,
//!   zod-to-json-schema, schemars): `$defs` with `$ref`, nested objects,
//!   enums, `anyOf` with `null` for optional fields, arrays of objects,
//!   `additionalProperties: false`.
//!
//! With [`TOOLSET_ENV`] set to `search` (the `tool_search` row) it lists,
//! instead, a catalogue of similarly named tools ([`catalog_tools`]): one
//! that answers the receipt ([`GATE_TOOL`]) and distractors that answer
//! "wrong tool", so that the model must find the right one by tool search
//! (the CLI defers MCP tools behind its ToolSearch tool by default).
//!
//! It needs no network: stdio only, and it exits when the CLI closes its
//! stdin (or is killed with the CLI's process group).

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ServerHandler, ServiceExt};
use serde_json::{Value, json};

/// The server's name in the CLI's `--mcp-config` (the `<server>` of
/// `mcp__<server>__<tool>`).
pub const SERVER: &str = "compat-matrix-fixtures";

/// The tool the model is asked to call.
pub const TICKET_TOOL: &str = "file_support_ticket_with_structured_priority_and_tags";

/// The environment variable that carries the trial's receipt to the server.
pub const RECEIPT_ENV: &str = "COMPAT_MCP_RECEIPT";

/// What the tool's answer starts with; the receipt follows.
pub const RECEIPT_PREFIX: &str = "Ticket filed. Receipt: ";

/// The environment variable that selects the tool set: unset (or anything
/// but `search`), the ticket tool alone; `search`, the catalogue.
pub const TOOLSET_ENV: &str = "COMPAT_MCP_TOOLSET";

/// The catalogue tool the `tool_search` row's model must find and call.
pub const GATE_TOOL: &str = "fetch_release_gate_token";

/// What the catalogue tool's answer starts with; the receipt follows.
pub const GATE_PREFIX: &str = "Release gate token: ";

/// The catalogue's distractors: names close to [`GATE_TOOL`], so that a
/// search that matches loosely, or a model that guesses, picks a wrong one.
pub const DISTRACTORS: &[&str] = &[
    "fetch_release_gate_tokens_archive",
    "fetch_release_gate_status",
    "fetch_release_notes_token",
    "rotate_release_gate_token",
    "fetch_staging_gate_token",
];

/// Which tools the server lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Toolset {
    /// The ticket tool alone (the `mcp_tools` row).
    #[default]
    Ticket,
    /// [`GATE_TOOL`] among [`DISTRACTORS`] (the `tool_search` row).
    Search,
}

impl Toolset {
    fn from_env(value: Option<&str>) -> Self {
        match value {
            Some("search") => Toolset::Search,
            _ => Toolset::Ticket,
        }
    }

    fn env_value(self) -> Option<&'static str> {
        match self {
            Toolset::Ticket => None,
            Toolset::Search => Some("search"),
        }
    }
}

/// The catalogue tools' input schema: the request id, verbatim.
pub fn gate_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "request_id": {
                "type": "string",
                "description": "The request id the user gave, verbatim."
            }
        },
        "required": ["request_id"],
        "additionalProperties": false
    })
}

/// The catalogue: [`GATE_TOOL`] and the [`DISTRACTORS`], each with a
/// description a keyword search can tell apart.
pub fn catalog_tools() -> Vec<Tool> {
    let schema = match gate_schema() {
        Value::Object(o) => Arc::new(o),
        _ => unreachable!("the schema is an object"),
    };
    std::iter::once((
        GATE_TOOL,
        "Fetches the release gate token for a request id (the token that unlocks a release).",
    ))
    .chain(DISTRACTORS.iter().map(|d| {
        (
            *d,
            "A fixture distractor: its name is close to the release gate token tool's, but it \
             does not return that token.",
        )
    }))
    .map(|(name, description)| Tool::new(name, description, schema.clone()))
    .collect()
}

/// The answer to a call of a catalogue tool: the receipt from
/// [`GATE_TOOL`] with a request id, an error from any other.
pub fn catalog_answer(receipt: &str, tool: &str, arguments: &Value) -> Result<String, String> {
    if tool != GATE_TOOL {
        return Err(format!(
            "wrong tool: `{tool}` does not return the release gate token (that is `{GATE_TOOL}`)"
        ));
    }
    match arguments["request_id"].as_str() {
        Some(id) if !id.is_empty() => Ok(format!("{GATE_PREFIX}{receipt}")),
        _ => Err(
            "the arguments do not match the tool's input schema: `request_id` (a non-empty \
                  string) is required"
                .into(),
        ),
    }
}

/// The name the CLI gives a tool of this server: `mcp__<server>__<tool>`.
pub fn qualified(tool: &str) -> String {
    format!("mcp__{SERVER}__{tool}")
}

/// The ticket tool's input schema (JSON Schema 2020-12, as MCP specifies).
pub fn ticket_schema() -> Value {
    json!({
        "type": "object",
        "$defs": {
            "Priority": {
                "type": "string",
                "enum": ["low", "normal", "high", "urgent"],
                "description": "How soon the ticket needs an answer."
            },
            "Tag": {
                "type": "object",
                "properties": {
                    "key": {"type": "string", "minLength": 1},
                    "value": {"type": "string"}
                },
                "required": ["key", "value"],
                "additionalProperties": false
            },
            "Contact": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "channel": {"type": "string", "enum": ["email", "chat", "phone"]}
                },
                "required": ["name", "channel"],
                "additionalProperties": false
            }
        },
        "properties": {
            "request_id": {
                "type": "string",
                "description": "The request id the user gave, verbatim."
            },
            "ticket": {
                "type": "object",
                "properties": {
                    "title": {"type": "string", "minLength": 1},
                    "priority": {"$ref": "#/$defs/Priority"},
                    "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}},
                    "reporter": {"$ref": "#/$defs/Contact"}
                },
                "required": ["title", "priority"],
                "additionalProperties": false
            },
            "due_date": {
                "anyOf": [{"type": "string", "format": "date"}, {"type": "null"}],
                "description": "ISO date, or null when there is no deadline."
            },
            "notify": {
                "anyOf": [{"$ref": "#/$defs/Contact"}, {"type": "null"}]
            }
        },
        "required": ["request_id", "ticket"],
        "additionalProperties": false
    })
}

/// The tools this server lists.
pub fn tools() -> Vec<Tool> {
    let schema = match ticket_schema() {
        Value::Object(o) => o,
        _ => unreachable!("the schema is an object"),
    };
    vec![Tool::new(
        TICKET_TOOL,
        "Files a support ticket in the fixture tracker and returns its receipt.",
        Arc::new(schema),
    )]
}

/// The answer to a call of the ticket tool: the receipt when the arguments
/// conform to the schema, else an error naming what does not.
pub fn answer(receipt: &str, arguments: &Value) -> Result<String, String> {
    let schema = ticket_schema();
    let validator = jsonschema::validator_for(&schema)
        .map_err(|e| format!("the server's own schema does not compile: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(arguments)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(format!("{RECEIPT_PREFIX}{receipt}"))
    } else {
        Err(format!(
            "the arguments do not match the tool's input schema: {}",
            errors.join("; ")
        ))
    }
}

/// The MCP server: its receipt and tools.
#[derive(Debug, Clone)]
pub struct FixtureServer {
    receipt: String,
    toolset: Toolset,
}

impl FixtureServer {
    pub fn new(receipt: impl Into<String>) -> Self {
        FixtureServer {
            receipt: receipt.into(),
            toolset: Toolset::Ticket,
        }
    }

    /// The server listing `toolset`.
    pub fn with_toolset(mut self, toolset: Toolset) -> Self {
        self.toolset = toolset;
        self
    }
}

impl ServerHandler for FixtureServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(match self.toolset {
            Toolset::Ticket => tools(),
            Toolset::Search => catalog_tools(),
        }))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if self.toolset == Toolset::Search {
            let known = request.name == GATE_TOOL || DISTRACTORS.contains(&&*request.name);
            if !known {
                return Err(ErrorData::invalid_params(
                    Cow::Owned(format!("no tool named {:?}", request.name)),
                    None,
                ));
            }
            let arguments = Value::Object(request.arguments.unwrap_or_default());
            return Ok(
                match catalog_answer(&self.receipt, &request.name, &arguments) {
                    Ok(text) => CallToolResult::success(vec![ContentBlock::text(text)]),
                    Err(text) => CallToolResult::error(vec![ContentBlock::text(text)]),
                }
                .into(),
            );
        }
        if request.name != TICKET_TOOL {
            return Err(ErrorData::invalid_params(
                Cow::Owned(format!("no tool named {:?}", request.name)),
                None,
            ));
        }
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        Ok(match answer(&self.receipt, &arguments) {
            Ok(text) => CallToolResult::success(vec![ContentBlock::text(text)]),
            Err(text) => CallToolResult::error(vec![ContentBlock::text(text)]),
        }
        .into())
    }
}

/// Serves on stdin/stdout until the client closes stdin.
pub async fn serve_stdio(receipt: String, toolset: Toolset) -> anyhow::Result<()> {
    let service = FixtureServer::new(receipt)
        .with_toolset(toolset)
        .serve(rmcp::transport::stdio())
        .await?;
    service.waiting().await?;
    Ok(())
}

/// The server process's main: serves on stdio with the receipt from
/// [`RECEIPT_ENV`] and the tool set of [`TOOLSET_ENV`] until the CLI
/// closes stdin. (The binary lives in
/// compat-tests, whose trials find it by `CARGO_BIN_EXE_compat-mcp`.)
pub fn main_stdio() -> anyhow::Result<()> {
    let receipt = std::env::var(RECEIPT_ENV).unwrap_or_else(|_| "no-receipt".into());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(serve_stdio(
            receipt,
            Toolset::from_env(std::env::var(TOOLSET_ENV).ok().as_deref()),
        ))
}

/// The CLI's `--mcp-config` for this server: the binary at `bin`, started
/// by the CLI over stdio with the receipt in its environment.
pub fn mcp_config(bin: &std::path::Path, receipt: &str) -> Value {
    mcp_config_with(bin, receipt, Toolset::Ticket)
}

/// [`mcp_config`] for the server listing `toolset`.
pub fn mcp_config_with(bin: &std::path::Path, receipt: &str, toolset: Toolset) -> Value {
    let mut env = json!({RECEIPT_ENV: receipt});
    if let Some(value) = toolset.env_value() {
        env[TOOLSET_ENV] = json!(value);
    }
    json!({
        "mcpServers": {
            SERVER: {
                "type": "stdio",
                "command": bin.display().to_string(),
                "args": [],
                "env": env
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qualified_name_is_between_converse_and_anthropic_limits() {
        let n = qualified(TICKET_TOOL).len();
        assert!(n > 64 && n <= 128, "{n}");
    }

    #[test]
    fn a_conforming_call_gets_the_receipt_and_a_bad_one_is_named() {
        let good = json!({
            "request_id": "r1",
            "ticket": {"title": "t", "priority": "urgent", "tags": [{"key": "k", "value": "v"}]},
            "due_date": null,
            "notify": {"name": "n", "channel": "chat"}
        });
        assert_eq!(
            answer("R-1", &good).unwrap(),
            format!("{RECEIPT_PREFIX}R-1")
        );
        let bad = json!({"request_id": "r1", "ticket": {"title": "t", "priority": "soon"}});
        let err = answer("R-1", &bad).unwrap_err();
        assert!(err.contains("/ticket/priority"), "{err}");
    }

    #[test]
    fn the_catalogue_answers_only_from_its_gate_tool() {
        let args = json!({"request_id": "r1"});
        assert_eq!(
            catalog_answer("R-3", GATE_TOOL, &args).unwrap(),
            format!("{GATE_PREFIX}R-3")
        );
        let err = catalog_answer("R-3", DISTRACTORS[0], &args).unwrap_err();
        assert!(err.contains("wrong tool"), "{err}");
        assert!(catalog_answer("R-3", GATE_TOOL, &json!({})).is_err());
        assert_eq!(catalog_tools().len(), DISTRACTORS.len() + 1);
        let config = mcp_config_with(std::path::Path::new("/x"), "R-3", Toolset::Search);
        assert_eq!(config["mcpServers"][SERVER]["env"][TOOLSET_ENV], "search");
        let plain = mcp_config(std::path::Path::new("/x"), "R-3");
        assert!(
            plain["mcpServers"][SERVER]["env"]
                .get(TOOLSET_ENV)
                .is_none()
        );
    }

    #[tokio::test]
    async fn lists_and_calls_over_the_protocol() {
        use rmcp::model::CallToolRequestParams;
        let (server_io, client_io) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            let running = FixtureServer::new("R-2").serve(server_io).await?;
            running.waiting().await?;
            anyhow::Ok(())
        });
        let client = ().serve(client_io).await.expect("client connects");
        let listed = client.list_all_tools().await.expect("tools/list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name, TICKET_TOOL);
        assert!(listed[0].input_schema.contains_key("$defs"));
        let mut params = CallToolRequestParams::new(TICKET_TOOL);
        params.arguments = Some(
            json!({"request_id": "x", "ticket": {"title": "t", "priority": "low"}})
                .as_object()
                .cloned()
                .unwrap(),
        );
        let result = client.call_tool(params).await.expect("tools/call");
        let text = serde_json::to_string(&result).unwrap();
        assert!(text.contains("Receipt: R-2"), "{text}");
        client.cancel().await.ok();
    }
}
