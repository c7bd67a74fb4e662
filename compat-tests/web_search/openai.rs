//! Web search on OpenAI.

compat_harness::case!();
