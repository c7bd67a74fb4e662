//! Beta headers on Claude Code gateway mode.
compat_harness::case!();
