//! 1M context on Claude Platform on AWS.
compat_harness::case!();
