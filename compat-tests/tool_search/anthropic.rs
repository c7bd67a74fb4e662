//! Tool search on Anthropic.
compat_harness::case!();
