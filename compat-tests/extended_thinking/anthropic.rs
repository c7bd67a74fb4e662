//! Extended thinking on Anthropic.
compat_harness::case!();
