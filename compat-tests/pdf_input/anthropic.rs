//! PDF input on Anthropic.
compat_harness::case!();
