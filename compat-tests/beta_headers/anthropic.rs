//! Beta headers on Anthropic.
compat_harness::case!();
