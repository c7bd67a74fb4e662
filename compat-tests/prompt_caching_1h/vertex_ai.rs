//! Prompt caching (1 hour) on Vertex AI.
compat_harness::case!();
