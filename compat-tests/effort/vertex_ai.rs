//! Effort on Vertex AI.
compat_harness::case!();
