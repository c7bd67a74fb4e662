//! Usage reporting on Bedrock (Invoke).
compat_harness::case!();
