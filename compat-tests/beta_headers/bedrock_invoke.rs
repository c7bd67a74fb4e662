//! Beta headers on Bedrock (Invoke).
compat_harness::case!();
