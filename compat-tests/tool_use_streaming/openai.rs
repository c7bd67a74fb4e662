//! Tool use (streaming) on OpenAI.

compat_harness::case!();
