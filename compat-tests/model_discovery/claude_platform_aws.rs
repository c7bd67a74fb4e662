//! Model discovery on Claude Platform on AWS.
compat_harness::case!();
