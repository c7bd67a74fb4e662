//! PDF input on OpenAI.

compat_harness::case!();
