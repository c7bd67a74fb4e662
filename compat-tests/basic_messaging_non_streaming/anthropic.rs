//! Basic messaging (non-streaming) on Anthropic.
compat_harness::case!();
