//! Prompt caching (5 min) on Claude Platform on AWS.
compat_harness::case!();
