//! Tool search on Azure OpenAI: not applicable.
//!
//! As on `openai`: tool search is Anthropic's deferred-tool protocol, which
//! neither Chat Completions nor the Responses API carries; LiteLLM's
//! translation drops `defer_loading` (docs/research/openai-columns-2026-12-06.md
//! section 5).

compat_harness::case!(
    not_applicable = "Tool search is Anthropic's deferred-tool protocol (defer_loading and tool_reference \
                      blocks, https://platform.claude.com/docs/en/agents-and-tools/tool-use/tool-search-tool); \
                      Azure OpenAI's APIs have no tool_reference content, and the gateway sends every tool \
                      to GPT models loaded (defer_loading dropped). OpenAI's own tool_search is a \
                      different feature that Claude Code never sends"
);
