//! Token counting on Anthropic.
compat_harness::case!();
