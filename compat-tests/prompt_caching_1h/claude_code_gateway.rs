//! Prompt caching (1 hour) on Claude Code gateway mode.
compat_harness::case!();
