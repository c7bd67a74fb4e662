//! Beta headers on OpenAI.

compat_harness::case!();
