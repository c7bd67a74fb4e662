//! [`Provider`]: a column of the matrix, the same in sim and live mode, and
//! [`Front`]. Both are generated from manifest.yaml (provider_gen.rs); adding a
//! column is its manifest entry and `cargo xtask codegen`, then following the
//! compiler through every `match` that needs an arm (the routing).

// Every fact of a column is in manifest.yaml; `cargo xtask codegen` writes
// them into provider_gen.rs. This module is the enum's public path and its
// tests.
pub use crate::provider_gen::{Front, MODEL_SETS, Provider};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for p in Provider::ALL {
            assert_eq!(Provider::from_id(p.id()), Some(p));
        }
        assert_eq!(Provider::from_id("no_such_column"), None);
    }

    /// Every column's table facts, spelled out once more, so that a change of
    /// where they come from (manifest.yaml, through `cargo xtask codegen`)
    /// cannot change one unseen.
    #[test]
    fn the_whole_table() {
        use Provider::*;
        // (column, id, pass-through of, its route, route of, Rust path)
        let table = [
            (Anthropic, "anthropic", None, None, Anthropic, false),
            (
                BedrockInvoke,
                "bedrock_invoke",
                None,
                None,
                BedrockInvoke,
                false,
            ),
            (
                BedrockConverse,
                "bedrock_converse",
                None,
                None,
                BedrockConverse,
                false,
            ),
            (VertexAi, "vertex_ai", None, None, VertexAi, false),
            (Azure, "azure", None, None, Azure, false),
            (
                BedrockPassthrough,
                "bedrock_passthrough",
                Some(BedrockInvoke),
                Some("/bedrock/"),
                BedrockPassthrough,
                false,
            ),
            (
                VertexPassthrough,
                "vertex_passthrough",
                Some(VertexAi),
                Some("/vertex_ai/"),
                VertexPassthrough,
                false,
            ),
            (
                AzurePassthrough,
                "azure_passthrough",
                Some(Azure),
                Some("/azure_ai/"),
                AzurePassthrough,
                false,
            ),
            (
                AnthropicPassthrough,
                "anthropic_passthrough",
                Some(Anthropic),
                Some("/anthropic/"),
                AnthropicPassthrough,
                false,
            ),
            (
                BedrockMantle,
                "bedrock_mantle",
                None,
                None,
                BedrockMantle,
                false,
            ),
            (
                ClaudePlatformAws,
                "claude_platform_aws",
                None,
                None,
                ClaudePlatformAws,
                false,
            ),
            (
                AnthropicRustPath,
                "anthropic_rust_path",
                None,
                None,
                Anthropic,
                true,
            ),
            (
                VertexAiRustPath,
                "vertex_ai_rust_path",
                None,
                None,
                VertexAi,
                true,
            ),
            (
                ClaudeCodeGateway,
                "claude_code_gateway",
                None,
                None,
                Anthropic,
                false,
            ),
            (Openai, "openai", None, None, Openai, false),
            (AzureOpenai, "azure_openai", None, None, AzureOpenai, false),
        ];
        // (simulator, front), in the same order: compat-harness/src/column.rs's
        // `api` and the harness's Vertex pass-through special cases before
        // manifest.yaml named them.
        let simulators = [
            ("anthropic", None),
            ("bedrock_invoke", None),
            ("bedrock_converse", None),
            ("vertex_ai", None),
            ("azure", None),
            ("bedrock_invoke", None),
            ("vertex_ai", Some(Front::Google)),
            ("azure", None),
            ("anthropic", None),
            ("bedrock_mantle", None),
            ("claude_platform_aws", None),
            ("anthropic", None),
            ("vertex_ai", None),
            ("anthropic", None),
            ("openai", Some(Front::Openai)),
            ("azure_openai", None),
        ];
        assert_eq!(Provider::ALL.len(), table.len());
        assert_eq!(simulators.len(), table.len());
        for (i, (p, id, of, route, route_of, rust)) in table.into_iter().enumerate() {
            let (simulator, front) = simulators[i];
            assert_eq!(Provider::ALL[i], p, "ALL is in display order");
            assert_eq!(p.id(), id);
            assert_eq!(Provider::from_id(id), Some(p));
            assert_eq!(p.passthrough_of(), of, "{id}");
            assert_eq!(p.passthrough_route(), route, "{id}");
            // Only the `/anthropic` pass-through's CLI is not in a native mode.
            assert_eq!(
                p.native_mode(),
                of.is_some() && p != AnthropicPassthrough,
                "{id}"
            );
            assert_eq!(p.route_of(), route_of, "{id}");
            assert_eq!(p.rust_path(), rust, "{id}");
            assert_eq!(p.simulator_id(), simulator, "{id}");
            assert_eq!(p.front(), front, "{id}");
            let gateway_mode = (p == ClaudeCodeGateway).then_some("/claude_code_gateway/");
            assert_eq!(p.gateway_mode_route(), gateway_mode, "{id}");
        }
    }
}
