//! Web fetch on Vertex AI.
compat_harness::case!();
