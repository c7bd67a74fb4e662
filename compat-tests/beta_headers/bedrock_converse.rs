//! Beta headers on Bedrock (Converse).
compat_harness::case!();
