//! Thinking across turns on OpenAI.

compat_harness::case!();
