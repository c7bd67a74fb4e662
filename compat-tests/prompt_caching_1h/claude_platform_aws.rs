//! Prompt caching (1 hour) on Claude Platform on AWS.
compat_harness::case!();
