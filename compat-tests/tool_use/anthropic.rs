//! Tool use on Anthropic.
compat_harness::case!();
