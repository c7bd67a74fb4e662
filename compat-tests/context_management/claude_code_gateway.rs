//! Context management on Claude Code gateway mode: not applicable, the CLI
//! sends no context-editing instructions in this mode. Run as a plain case
//! (2026-12-06), the compaction itself passed on all three models through
//! the route; what the row exists for, `context_management` with its beta
//! reaching the provider, has nothing to carry.
compat_harness::case!(
    not_applicable = "Claude Code 2.1.331 in its gateway mode (CLAUDE_CODE_USE_GATEWAY) sends no \
                      context_management and not the context-management-2025-06-27 beta \
                      (captured on all three models: docs/research/cli-modes-2026-12-06.md \
                      section 4, logs/gw.log, and docs/columns/claude_code_gateway.md), so no \
                      context-editing instruction can reach the provider through the gateway"
);
