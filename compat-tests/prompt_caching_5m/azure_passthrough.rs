//! Prompt caching (5 min) on Azure AI Foundry through LiteLLM's `/azure_ai` pass-through (the CLI in Foundry mode): the feature's shared check (check.rs).
compat_harness::compat_case!(run = super::check::run);
