//! Effort on Vertex AI (pass-through): not applicable. Claude Code 2.1.331's
//! native Vertex mode sends `effort-2025-11-24` in the `anthropic-beta` header,
//! which Vertex refuses (compat-sim/src/rules/betas.rs cites the reports); the CLI
//! then resends without the beta and without `output_config.effort`, with or
//! without a gateway in between. The pass-through forwards the CLI's header
//! as sent, so what this cell would measure is the CLI and Vertex, not the
//! gateway.
compat_harness::case!(
    not_applicable = "Claude Code's native Vertex mode sends the effort-2025-11-24 beta, which Vertex refuses (anthropics/claude-code#34802); the CLI then drops effort itself, with or without a gateway, so effort cannot be asked of Vertex in this mode"
);
