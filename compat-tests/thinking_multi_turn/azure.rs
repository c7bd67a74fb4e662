//! Thinking across turns on Azure.
compat_harness::case!();
