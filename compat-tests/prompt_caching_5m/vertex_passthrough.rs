//! Prompt caching (5 min) on Vertex AI (pass-through).
compat_harness::case!();
