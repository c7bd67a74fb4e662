//! Model discovery on Vertex AI.
compat_harness::case!();
