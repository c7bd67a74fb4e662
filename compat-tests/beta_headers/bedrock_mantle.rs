//! Beta headers on Bedrock Mantle.
compat_harness::case!();
