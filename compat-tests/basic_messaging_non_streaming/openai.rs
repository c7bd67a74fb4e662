//! Basic messaging (non-streaming) on OpenAI.

compat_harness::case!();
