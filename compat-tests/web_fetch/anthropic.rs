//! Web fetch on Anthropic.
compat_harness::case!();
