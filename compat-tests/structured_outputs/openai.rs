//! Structured outputs on OpenAI.

compat_harness::case!();
