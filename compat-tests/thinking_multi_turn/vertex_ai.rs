//! Thinking across turns on Vertex AI.
compat_harness::case!();
