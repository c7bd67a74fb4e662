//! 1M context on Claude Code gateway mode.
compat_harness::case!();
