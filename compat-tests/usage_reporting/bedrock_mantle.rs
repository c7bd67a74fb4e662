//! Usage reporting on Bedrock Mantle.
compat_harness::case!();
