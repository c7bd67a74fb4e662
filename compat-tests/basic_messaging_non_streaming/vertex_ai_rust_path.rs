//! Basic messaging (non-streaming) on Vertex AI (LiteLLM Rust path).
compat_harness::case!();
