//! Basic messaging (non-streaming) on Bedrock through LiteLLM's `/bedrock` pass-through (the CLI in Bedrock mode): the feature's shared check (check.rs).
compat_harness::compat_case!(run = super::check::run);
