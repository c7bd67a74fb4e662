//! Basic messaging (streaming) on Anthropic (pass-through).
compat_harness::case!();
