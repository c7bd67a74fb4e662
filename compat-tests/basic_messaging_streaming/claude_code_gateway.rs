//! Basic messaging (streaming) on Claude Code gateway mode.
compat_harness::case!();
