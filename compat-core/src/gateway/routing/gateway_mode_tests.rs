//! Tests of the gateway-mode column (`claude_code_gateway`): its deployments,
//! its proxy config's switch and the CLI's environment.

use serde_json::json;

use super::*;

/// The gateway-mode column: the Anthropic column's deployments, LiteLLM's
/// Claude Code gateway switched on in its config only, and the CLI in
/// its gateway mode at the route, with no key among its variables.
#[test]
fn claude_code_gateway_is_the_anthropic_route_in_gateway_mode() {
    let p = Provider::ClaudeCodeGateway;
    let models = ["claude-haiku-4-5", "claude-opus-4-7"];
    let cfg = proxy_config(p, &models, &Upstream::Live);
    assert_eq!(
        cfg["model_list"],
        proxy_config(Provider::Anthropic, &models, &Upstream::Live)["model_list"]
    );
    assert_eq!(
        cfg["general_settings"],
        json!({"enable_claude_code_gateway": true})
    );
    for other in Provider::ALL.into_iter().filter(|&o| o != p) {
        let cfg = proxy_config(other, &models, &Upstream::Live);
        assert!(cfg.get("general_settings").is_none(), "{other:?}: {cfg}");
    }
    assert_eq!(cli_model(p, "claude-haiku-4-5"), "claude-haiku-4-5");
    assert_eq!(live_env(p), live_env(Provider::Anthropic));
    let env = cli_env(p, "http://127.0.0.1:5", &Upstream::Live);
    assert_eq!(
        env,
        [
            ("CLAUDE_CODE_USE_GATEWAY".to_owned(), "1".to_owned()),
            (
                "ANTHROPIC_BASE_URL".to_owned(),
                "http://127.0.0.1:5/claude_code_gateway".to_owned()
            ),
        ]
    );
    assert!(cli_env(Provider::Anthropic, "http://x", &Upstream::Live).is_empty());
}
