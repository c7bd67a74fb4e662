//! Tool use on Claude Platform on AWS.
compat_harness::case!();
