//! Structured outputs on Azure OpenAI.

compat_harness::case!();
