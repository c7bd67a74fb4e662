//! Tool search on Vertex AI.
compat_harness::case!();
