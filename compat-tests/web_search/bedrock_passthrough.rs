//! Web search on Bedrock (pass-through): not applicable, the CLI offers no WebSearch in its Bedrock mode.
compat_harness::case!(
    not_applicable = "Claude Code 2.1.331 in its Bedrock mode (CLAUDE_CODE_USE_BEDROCK) does not \
                      offer the WebSearch tool to the model (captured: the tool is absent from the \
                      first request's tools; docs/rows/web_search.md), so no search can be made"
);
