//! PDF input on Vertex AI.
compat_harness::case!();
