//! Basic messaging (non-streaming) on Claude Code gateway mode.
compat_harness::case!();
