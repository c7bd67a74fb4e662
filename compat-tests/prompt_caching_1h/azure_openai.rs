//! Prompt caching (1 hour) on Azure OpenAI: not applicable.
//!
//! Azure OpenAI caches prompt prefixes automatically, with no cache marker
//! and no retention a request can choose ("Caches are typically cleared
//! within 5-10 minutes of inactivity and are always removed within one hour
//! of the cache's last use",
//! https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/prompt-caching).

compat_harness::case!(
    not_applicable = "Azure OpenAI caches prompts automatically and lets no request choose how long: caches \
                      \"are typically cleared within 5-10 minutes of inactivity\" \
                      (https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/prompt-caching). \
                      There is no one-hour cache to ask for, so the CLI's ttl \"1h\" cannot be honoured \
                      by any gateway on GPT models"
);
