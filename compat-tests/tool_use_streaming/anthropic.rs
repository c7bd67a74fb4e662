//! Tool use (streaming) on Anthropic.
compat_harness::case!();
