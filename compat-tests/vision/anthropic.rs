//! Vision on Anthropic.
compat_harness::case!();
