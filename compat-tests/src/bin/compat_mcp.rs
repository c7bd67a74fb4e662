//! The fixture MCP server (compat-mcp) as a program: the mcp_tools row's
//! `--mcp-config` names it, and the CLI starts it over stdio.

fn main() -> anyhow::Result<()> {
    compat_mcp::main_stdio()
}
