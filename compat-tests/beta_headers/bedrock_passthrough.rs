//! Beta headers on Bedrock (pass-through).
compat_harness::case!();
