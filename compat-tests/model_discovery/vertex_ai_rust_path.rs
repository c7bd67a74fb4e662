//! Model discovery on Vertex AI (LiteLLM Rust path).
compat_harness::case!();
