//! 1M context on Anthropic.
compat_harness::case!();
