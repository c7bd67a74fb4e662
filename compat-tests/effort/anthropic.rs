//! Effort on Anthropic.
compat_harness::case!();
