//! Vision on Vertex AI.
compat_harness::case!();
