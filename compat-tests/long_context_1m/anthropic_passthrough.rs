//! 1M context on Anthropic (pass-through).
compat_harness::case!();
