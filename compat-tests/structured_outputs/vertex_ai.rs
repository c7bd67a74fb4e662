//! Structured outputs on Vertex AI.
compat_harness::case!();
