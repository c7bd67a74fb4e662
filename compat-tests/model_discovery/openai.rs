//! Model discovery on OpenAI: not applicable.
//!
//! Claude Code keeps, of the gateway's `GET /v1/models` listing, only the
//! ids that contain "claude" or "anthropic" (captured from the bundled JS,
//! docs/rows/model_discovery.md; the row's own check.rs says so), so a GPT
//! model the gateway lists is never offered: discovery has nothing to find
//! on this column.

compat_harness::case!(
    not_applicable = "Claude Code keeps only the model ids that contain \"claude\" or \"anthropic\" from the \
                      gateway's model listing (captured, docs/rows/model_discovery.md), so it never offers \
                      a GPT model it discovered: discovery cannot apply to GPT models"
);
