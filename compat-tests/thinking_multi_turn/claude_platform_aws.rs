//! Thinking across turns on Claude Platform on AWS.
compat_harness::case!();
