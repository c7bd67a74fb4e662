//! Prompt caching (5 min) on Claude Code gateway mode.
compat_harness::case!();
