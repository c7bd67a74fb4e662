//! System prompt on Anthropic.
compat_harness::case!();
