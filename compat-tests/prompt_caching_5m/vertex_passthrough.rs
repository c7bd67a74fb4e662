//! Prompt caching (5 min) on Vertex AI through LiteLLM's `/vertex_ai` pass-through (the CLI in Vertex mode): the feature's shared check (check.rs).
compat_harness::compat_case!(run = super::check::run);
