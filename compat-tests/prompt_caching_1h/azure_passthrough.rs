//! Prompt caching (1 hour) on Azure AI (pass-through).
compat_harness::case!();
