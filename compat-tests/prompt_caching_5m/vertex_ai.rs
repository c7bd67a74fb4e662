//! Prompt caching (5 min) on Vertex AI.
compat_harness::case!();
