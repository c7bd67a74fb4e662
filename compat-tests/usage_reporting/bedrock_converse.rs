//! Usage reporting on Bedrock (Converse).
compat_harness::case!();
