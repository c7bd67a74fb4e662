//! Basic messaging (non-streaming) on Claude Platform on AWS.
compat_harness::case!();
