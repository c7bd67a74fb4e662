//! 1M context on Vertex AI.
compat_harness::case!();
