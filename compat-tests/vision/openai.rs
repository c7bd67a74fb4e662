//! Vision on OpenAI.

compat_harness::case!();
