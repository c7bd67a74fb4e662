//! Tool search on OpenAI: not applicable.
//!
//! Tool search is Anthropic's deferred-tool protocol (`defer_loading`,
//! `tool_reference` blocks, the advanced-tool-use beta). The Responses API
//! has no `tool_reference` content, and LiteLLM's translation drops
//! `defer_loading` (captured: the CLI's `DeferredToolPlaceholder` reaches
//! OpenAI as a plain function; docs/research/openai-columns-2026-12-06.md
//! sections 1.2 and 5). OpenAI's own `tool_search` tool is another feature,
//! which the CLI never sends.

compat_harness::case!(
    not_applicable = "Tool search is Anthropic's deferred-tool protocol (defer_loading and tool_reference \
                      blocks, https://platform.claude.com/docs/en/agents-and-tools/tool-use/tool-search-tool); \
                      OpenAI's API has no tool_reference content, and the gateway sends every tool to GPT \
                      models loaded (captured: defer_loading dropped). OpenAI's own tool_search is a \
                      different feature that Claude Code never sends"
);
