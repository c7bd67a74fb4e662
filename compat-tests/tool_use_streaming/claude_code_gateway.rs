//! Tool use (streaming) on Claude Code gateway mode.
compat_harness::case!();
