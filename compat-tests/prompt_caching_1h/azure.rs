//! Prompt caching (1 hour) on Azure.
compat_harness::case!();
