//! System prompt on Claude Code gateway mode.
compat_harness::case!();
