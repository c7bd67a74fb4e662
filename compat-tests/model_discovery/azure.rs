//! Model discovery on Azure.
compat_harness::case!();
