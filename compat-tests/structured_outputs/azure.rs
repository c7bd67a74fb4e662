//! Structured outputs on Azure.
compat_harness::case!();
