//! Effort on OpenAI.

compat_harness::case!();
