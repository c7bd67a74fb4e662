//! Prompt caching (5 min) on Bedrock (Invoke).
compat_harness::case!();
