//! Web fetch on OpenAI.

compat_harness::case!();
