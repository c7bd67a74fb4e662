//! Extended thinking on Anthropic (pass-through).
compat_harness::case!();
