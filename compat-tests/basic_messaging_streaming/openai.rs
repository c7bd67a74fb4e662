//! Basic messaging (streaming) on OpenAI.

compat_harness::case!();
