//! Usage reporting on Vertex AI.
compat_harness::case!();
