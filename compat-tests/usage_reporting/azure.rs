//! Usage reporting on Azure.
compat_harness::case!();
