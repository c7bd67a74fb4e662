//! Prompt caching (5 min) on Azure OpenAI.

compat_harness::case!();
