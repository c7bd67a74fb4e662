//! 1M context on OpenAI.

compat_harness::case!();
