//! Token counting on Vertex AI.
compat_harness::case!();
