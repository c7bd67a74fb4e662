//! Basic messaging (streaming) on Vertex AI (LiteLLM Rust path).
compat_harness::case!();
