//! Prompt caching (1 hour) on Vertex AI (pass-through).
compat_harness::case!();
