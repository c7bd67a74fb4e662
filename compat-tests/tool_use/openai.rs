//! Tool use on OpenAI.

compat_harness::case!();
