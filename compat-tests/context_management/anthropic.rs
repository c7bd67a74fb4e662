//! Context management on Anthropic.
compat_harness::case!();
