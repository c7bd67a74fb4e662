//! Extended thinking on Vertex AI.
compat_harness::case!();
