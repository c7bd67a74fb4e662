//! Context management on OpenAI.

compat_harness::case!();
