//! Prompt caching (1 hour) on OpenAI: not applicable.
//!
//! OpenAI's prompt cache has a single retention: `prompt_cache_breakpoint`'s
//! ttl "defaults to `30m`, which is currently the only supported value"
//! (OpenAI's OpenAPI spec, `PromptCacheOptions`, openai/openai-openapi
//! @ f85dbe2; docs/research/openai-columns-2026-12-06.md sections 3 and 5).

compat_harness::case!(
    not_applicable = "OpenAI's prompt cache has one retention, 30 minutes: the ttl \"defaults to 30m, which is \
                      currently the only supported value\" (OpenAI API reference, PromptCacheOptions). \
                      There is no one-hour cache to ask for, so the CLI's ttl \"1h\" cannot be honoured \
                      by any gateway on GPT models"
);
