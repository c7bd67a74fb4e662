//! Context management on Anthropic (pass-through).
compat_harness::case!();
