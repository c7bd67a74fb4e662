//! Web fetch on Anthropic (pass-through).
compat_harness::case!();
