//! System prompt on Vertex AI.
compat_harness::case!();
