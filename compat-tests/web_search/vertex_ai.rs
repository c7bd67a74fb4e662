//! Web search on Vertex AI.
compat_harness::case!();
