//! System prompt on OpenAI.

compat_harness::case!();
