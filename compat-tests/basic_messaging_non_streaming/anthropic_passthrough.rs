//! Basic messaging (non-streaming) on Anthropic (pass-through).
compat_harness::case!();
