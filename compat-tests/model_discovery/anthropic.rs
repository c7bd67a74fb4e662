//! Model discovery on Anthropic.
compat_harness::case!();
