//! Web search on Claude Code gateway mode: not applicable, the CLI offers no WebSearch in its gateway mode.
compat_harness::case!(
    not_applicable = "Claude Code 2.1.331 in its gateway mode (CLAUDE_CODE_USE_GATEWAY) does not \
                      offer the WebSearch tool to the model (captured 2026-12-06 with --allowedTools \
                      WebSearch: its first request's deferred-tool list ends at WebFetch, where the \
                      plain base-URL mode lists WebFetch and WebSearch; \
                      docs/columns/claude_code_gateway.md), so no search can be made"
);
