//! Tool use on Anthropic (pass-through).
compat_harness::case!();
