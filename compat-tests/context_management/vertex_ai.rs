//! Context management on Vertex AI.
compat_harness::case!();
