//! Prompt caching (5 min) on Azure AI (pass-through).
compat_harness::case!();
