//! Thinking across turns on Anthropic (pass-through).
compat_harness::case!();
