//! The `compat-mcp` binary: the fixture MCP server on stdio (see the
//! library's docs). The receipt comes from `COMPAT_MCP_RECEIPT`.

fn main() -> anyhow::Result<()> {
    let receipt = std::env::var(compat_mcp::RECEIPT_ENV).unwrap_or_else(|_| "no-receipt".into());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(compat_mcp::serve_stdio(receipt))
}
