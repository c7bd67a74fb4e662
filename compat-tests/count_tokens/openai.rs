//! Token counting on OpenAI.

compat_harness::case!();
