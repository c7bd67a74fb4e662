//! Thinking across turns on Anthropic.
compat_harness::case!();
