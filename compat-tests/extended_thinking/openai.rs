//! Extended thinking on OpenAI.

compat_harness::case!();
