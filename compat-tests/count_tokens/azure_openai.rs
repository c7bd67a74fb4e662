//! Token counting on Azure OpenAI: not applicable.
//!
//! Azure OpenAI has no token-counting endpoint: its v1 API answers 404
//! "Unknown request URL: POST /v1/responses/input_tokens" (reported
//! 2026-05-13, https://learn.microsoft.com/en-us/answers/questions/5889782/404-response-when-executing-getinputtokencountasyn),
//! and LiteLLM 1.108.7 has no token counter for `azure`
//! (`AzurePassthroughConfig`, `utils.py:9894-9899`: it answers with
//! `litellm_count_source: local_estimate`). The row passes only on a count
//! from the provider's own endpoint, which this provider does not have.

compat_harness::case!(
    not_applicable = "Azure OpenAI has no token-counting endpoint (its v1 API answers 404 \"Unknown request \
                      URL: POST /v1/responses/input_tokens\", \
                      https://learn.microsoft.com/en-us/answers/questions/5889782/404-response-when-executing-getinputtokencountasyn), \
                      so no provider count exists for the gateway to return: LiteLLM answers the CLI's \
                      count_tokens with its own estimate (litellm_count_source: local_estimate)"
);
