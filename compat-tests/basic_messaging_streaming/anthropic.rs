//! Basic messaging (streaming) on Anthropic.
compat_harness::case!();
