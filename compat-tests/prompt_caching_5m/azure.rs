//! Prompt caching (5 min) on Azure.
compat_harness::case!();
