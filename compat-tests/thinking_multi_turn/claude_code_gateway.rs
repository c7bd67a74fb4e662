//! Thinking across turns on Claude Code gateway mode.
compat_harness::case!();
