//! Anthropic betas per provider: where each provider reads them (header or
//! body), which values it accepts, and its real refusal of the rest, so that a
//! gateway forwarding a beta the provider lacks fails here as in production.
//!
//! Every table cites its source. Where a provider's documentation is silent
//! about a beta, the entry says so: such a beta is accepted only when there
//! is evidence that the real service takes it (Anthropic's own first-party
//! client sends it to that service, or LiteLLM's per-provider table, which is
//! maintained against the live services and forwards it there without a
//! reported rejection). A simulator stricter than the real service would paint
//! false reds; one looser would hide real ones. docs/rows/beta_headers.md has
//! the table with its uncertainties.

use serde_json::Value;

use crate::faults::Active;
use crate::wire::api::Api;
use crate::wire::record::{Entry, Incoming};
use crate::wire::rejection::Rejection;

/// Anthropic API (the `anthropic-beta` header).
///
/// Documented values: the Messages API reference lists the `anthropic-beta`
/// header's known values (https://docs.claude.com/en/api/messages, header
/// parameters; https://docs.claude.com/en/api/beta-headers).
const ANTHROPIC_DOCUMENTED: &[&str] = &[
    // https://platform.claude.com/docs/en/agents-and-tools/tool-use/fine-grained-tool-streaming
    crate::rules::tool_streaming::FINE_GRAINED_BETA,
    "message-batches-2024-09-24",
    "prompt-caching-2024-07-31",
    "computer-use-2024-10-22",
    "computer-use-2025-01-24",
    "pdfs-2024-09-25",
    "token-counting-2024-11-01",
    "token-efficient-tools-2025-02-19",
    "output-128k-2025-02-19",
    "files-api-2025-04-14",
    "mcp-client-2025-04-04",
    "mcp-client-2025-11-20",
    "dev-full-thinking-2025-05-14",
    "interleaved-thinking-2025-05-14",
    "code-execution-2025-05-22",
    "extended-cache-ttl-2025-04-11",
    "context-1m-2025-08-07",
    "context-management-2025-06-27",
    "model-context-window-exceeded-2025-08-26",
    "skills-2025-10-02",
    "fast-mode-2026-02-01",
];

/// Anthropic API, docs silent: betas Claude Code 2.1.331 sends to
/// api.anthropic.com in its default first-party setup (captured, see
/// docs/rows/beta_headers.md), and LiteLLM 1.108.7's `anthropic` table
/// entries (litellm/anthropic_beta_headers_config.json) that it forwards to
/// the live API.
const ANTHROPIC_UNDOCUMENTED: &[&str] = &[
    "claude-code-20250219",
    "thinking-token-count-2026-05-13",
    "advanced-tool-use-2025-11-20",
    "effort-2025-11-24",
    "thinking-display-updates-2026-08-18",
    "prompt-caching-scope-2026-01-05",
    "mid-conversation-system-2026-04-07",
    "mid-conversation-tool-changes-2026-07-01",
    "mid-conversation-output-config-2026-07-01",
    "structured-outputs-2025-11-13",
    "advisor-tool-2026-03-01",
    "code-execution-2025-08-25",
    "compact-2026-01-12",
    "compact-2026-09-04",
    "computer-use-2025-11-24",
    "dangerous-tool-use-2026-09-03",
    "oauth-2025-04-20",
    "per-turn-control-2026-07-01",
    "thinking-binding-controls-2026-08-01",
    "web-fetch-2025-09-10",
    "web-search-2025-03-05",
    "inline-tools-2026-09-15",
];

/// Bedrock (InvokeModel body `anthropic_beta`; Converse
/// `additionalModelRequestFields.anthropic_beta`, which Bedrock hands to the
/// model's own request parser).
///
/// Documented: the "Anthropic Claude Messages API" request parameters page
/// lists the supported `anthropic_beta` values
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html),
/// as quoted in LiteLLM PR #19877 (https://github.com/BerriAI/litellm/pull/19877).
const BEDROCK_DOCUMENTED: &[&str] = &[
    "computer-use-2024-10-22",
    "computer-use-2025-01-24",
    "token-efficient-tools-2025-02-19",
    "interleaved-thinking-2025-05-14",
    "output-128k-2025-02-19",
    "dev-full-thinking-2025-05-14",
    "context-1m-2025-08-07",
    "context-management-2025-06-27",
    "effort-2025-11-24",
    "tool-search-tool-2025-10-19",
    "tool-examples-2025-10-29",
];

/// Bedrock, docs silent: values LiteLLM 1.108.7's `bedrock` table forwards to
/// the live service. (Known rejections, hence absent: `advanced-tool-use-2025-11-20`,
/// LiteLLM PR #19373 https://github.com/BerriAI/litellm/pull/19373;
/// `mcp-servers-2025-12-04`, PR #19877.)
const BEDROCK_UNDOCUMENTED: &[&str] = &[
    // Anthropic's fine-grained tool streaming page names Amazon Bedrock among
    // the platforms that support it
    // (https://platform.claude.com/docs/en/agents-and-tools/tool-use/fine-grained-tool-streaming);
    // LiteLLM's `bedrock` and `bedrock_converse` tables forward it, and it is
    // Bedrock's only opt-in (LiteLLM #30230; compat-sim/src/rules/tool_streaming.rs).
    crate::rules::tool_streaming::FINE_GRAINED_BETA,
    // Claude Code 2.1.331 in its native Bedrock mode puts it in the body's
    // `anthropic_beta` of Haiku 4.5's requests when tool search is off
    // (captured, docs/rows/web_fetch.md): Anthropic's own client sends it
    // to Bedrock, as its Vertex mode does to Vertex, and a user reports
    // Bedrock accepting it on Opus 4.6
    // (https://github.com/anthropics/claude-code/issues/49648; the same
    // issue reports Bedrock's Opus 4.7 refusing every beta at launch,
    // 2026-04-17: for Opus 4.7 this entry rests on the capture only).
    "claude-code-20250219",
    "computer-use-2025-11-24",
    "compact-2026-01-12",
    "dangerous-tool-use-2026-09-03",
    "thinking-binding-controls-2026-08-01",
    "thinking-display-updates-2026-08-18",
    "mid-conversation-output-config-2026-07-01",
    "mid-conversation-tool-changes-2026-07-01",
];

/// Converse only, docs silent: LiteLLM's `bedrock_converse` table forwards it
/// (its `bedrock` table, for InvokeModel, does not: PR #19877 removed it there
/// after "invalid beta flag").
const CONVERSE_UNDOCUMENTED: &[&str] = &["structured-outputs-2025-11-13"];

/// Vertex AI (the `anthropic-beta` header, or `anthropic_beta` in the body;
/// the Anthropic SDK's Vertex client sends the header).
///
/// Documented: Vertex's Claude pages name the betas of the features they
/// document: interleaved thinking, 1M context, computer use
/// (https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude,
/// https://docs.claude.com/en/api/claude-on-vertex-ai).
const VERTEX_DOCUMENTED: &[&str] = &[
    // The fine-grained tool streaming page names Vertex AI among its platforms
    // (https://platform.claude.com/docs/en/agents-and-tools/tool-use/fine-grained-tool-streaming).
    crate::rules::tool_streaming::FINE_GRAINED_BETA,
    "interleaved-thinking-2025-05-14",
    "context-1m-2025-08-07",
    "computer-use-2024-10-22",
    "computer-use-2025-01-24",
];

/// Vertex, docs silent: values LiteLLM 1.108.7's `vertex_ai` table forwards.
/// (Known rejections, hence absent: `prompt-caching-scope-2026-01-05`,
/// https://github.com/QuantumNous/new-api/issues/2975; `oauth-2025-04-20`,
/// https://github.com/anthropics/claude-code/issues/13770;
/// `prompt-caching-2024-07-31`, https://github.com/zed-industries/zed/issues/42715.)
const VERTEX_UNDOCUMENTED: &[&str] = &[
    // Claude Code 2.1.331 in its native Vertex mode (`CLAUDE_CODE_USE_VERTEX`)
    // sends it in the `anthropic-beta` header of every streamRawPredict call
    // (captured, docs/rows/beta_headers.md), and Vertex's refusals of Claude
    // Code's headers never name it (anthropics/claude-code#1229, #11154).
    // That mode also sends `effort-2025-11-24` for Sonnet and Opus, which is
    // NOT taken: Vertex refuses it with "Unexpected value(s)
    // `effort-2025-11-24` for the `anthropic-beta` header"
    // (https://github.com/anthropics/claude-code/issues/34802, Claude Code
    // straight on Vertex; https://github.com/can1357/oh-my-pi/issues/5614),
    // and effort needs no beta any more ("generally available on all
    // supported models without requiring a beta header",
    // https://platform.claude.com/docs/en/build-with-claude/effort).
    // (Nor does that mode send `advanced-tool-use-2025-11-20`, which it
    // renames `tool-search-tool-2025-10-19`, nor
    // `thinking-token-count-2026-05-13`: both stay unaccepted here.)
    "claude-code-20250219",
    "computer-use-2025-11-24",
    "compact-2026-01-12",
    "context-management-2025-06-27",
    "dangerous-tool-use-2026-09-03",
    "per-turn-control-2026-07-01",
    "thinking-binding-controls-2026-08-01",
    "thinking-display-updates-2026-08-18",
    // Not `tool-search-tool-2025-10-19` nor `web-search-2025-03-05`: Vertex
    // refuses both, "Unexpected value(s) `effort-2025-11-24`,
    // `tool-search-tool-2025-10-19`, `web-search-2025-03-05` for the
    // `anthropic-beta` header" (anthropics/claude-agent-sdk-typescript#307,
    // 2026-04-27, req_vrtx_ ids; web-search also anthropics/claude-code#12429,
    // 2025-11-26); tool search is served there without it
    // (crate::rules::tool_search).
    "inline-tools-2026-09-15",
];

/// Bedrock Mantle serves Anthropic's Messages API (AWS:
/// https://docs.aws.amazon.com/bedrock/latest/userguide/inference-messages-api.html,
/// see providers/mantle/mod.rs; no beta list published) and takes Anthropic's tables,
/// plus Bedrock's name for tool search: Claude Code 2.1.331 in its native
/// Mantle mode (`CLAUDE_CODE_USE_MANTLE`) sends `tool-search-tool-2025-10-19`,
/// not `advanced-tool-use-2025-11-20`, with its `defer_loading` tools
/// (captured, docs/rows/beta_headers.md), as LiteLLM 1.108.7's
/// `bedrock_mantle` table maps it, and AWS documents that name for Bedrock
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html).
const MANTLE_EXTRA: &[&str] = &["tool-search-tool-2025-10-19"];

/// Claude Platform on AWS serves Anthropic's Messages API (anthropic
/// `lib/aws/_client.py` is the Anthropic client with another base URL and
/// auth) and takes Anthropic's tables, plus the two betas Claude Code 2.1.331
/// adds in its AWS mode (`CLAUDE_CODE_USE_ANTHROPIC_AWS`: captured,
/// docs/research/cli-modes-2026-12-06.md §2): Anthropic's own client sends
/// them to this service on every request.
const CLAUDE_PLATFORM_AWS_EXTRA: &[&str] =
    &["prompt-caching-scope-2026-01-05", "advisor-tool-2026-03-01"];

/// Whether `api` accepts `beta` (see the tables above for the sources).
pub fn accepts(api: Api, beta: &str) -> bool {
    let tables: &[&[&str]] = match api {
        Api::Anthropic => &[ANTHROPIC_DOCUMENTED, ANTHROPIC_UNDOCUMENTED],
        Api::BedrockInvoke => &[BEDROCK_DOCUMENTED, BEDROCK_UNDOCUMENTED],
        Api::BedrockConverse => &[
            BEDROCK_DOCUMENTED,
            BEDROCK_UNDOCUMENTED,
            CONVERSE_UNDOCUMENTED,
        ],
        Api::VertexAi => &[VERTEX_DOCUMENTED, VERTEX_UNDOCUMENTED],
        // Azure AI Foundry (the `anthropic-beta` header on `/anthropic/v1/messages`)
        // takes Anthropic's tables. Microsoft documents the Claude Messages API on
        // Foundry and beta features by the header
        // (https://learn.microsoft.com/en-us/azure/ai-foundry/foundry-models/how-to/use-foundry-models-claude)
        // but publishes no list of values; Anthropic's page says Claude on Foundry
        // runs on Anthropic's infrastructure
        // (https://platform.claude.com/docs/en/build-with-claude/claude-in-microsoft-foundry),
        // and Claude Code 2.1.331 in its native Foundry mode
        // (`CLAUDE_CODE_USE_FOUNDRY`) sends Foundry its full first-party set
        // (interleaved-thinking, context-management, claude-code,
        // thinking-token-count, advanced-tool-use, effort, thinking-display-updates;
        // captured, docs/rows/beta_headers.md), treating Foundry as the first-party
        // API in its beta policy. Feature pages that name their platforms list
        // Microsoft Foundry too (effort:
        // https://platform.claude.com/docs/en/build-with-claude/effort; fine-grained
        // tool streaming, above). The previous table here was LiteLLM's own
        // `azure_ai` list, not a provider source.
        Api::Azure => &[ANTHROPIC_DOCUMENTED, ANTHROPIC_UNDOCUMENTED],
        Api::BedrockMantle => &[ANTHROPIC_DOCUMENTED, ANTHROPIC_UNDOCUMENTED, MANTLE_EXTRA],
        Api::ClaudePlatformAws => &[
            ANTHROPIC_DOCUMENTED,
            ANTHROPIC_UNDOCUMENTED,
            CLAUDE_PLATFORM_AWS_EXTRA,
        ],
        // OpenAI's APIs have no Anthropic betas.
        Api::OpenAi | Api::AzureOpenAi => &[],
    };
    tables.iter().any(|t| t.contains(&beta))
}

/// Ledger rule "betas.tool_search_equivalents".
/// Tool search: the Anthropic API gates it with `advanced-tool-use`; Bedrock
/// documents it as `tool-search-tool`
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html),
/// and Claude Code's own Bedrock, Vertex and Mantle modes send that name
/// (captured, docs/rows/beta_headers.md). Either name delivers the feature
/// where the provider takes it.
const EQUIVALENTS: &[(&str, &str)] = &[(
    "advanced-tool-use-2025-11-20",
    "tool-search-tool-2025-10-19",
)];

/// The names under which `api` takes the feature the CLI gates with `beta`:
/// `beta` itself if the provider accepts it, and any accepted equivalent
/// (tool search's two names). Empty: the provider does not support it, and a
/// gateway must drop it.
pub fn provider_forms(api: Api, beta: &str) -> Vec<&'static str> {
    let all = [
        ANTHROPIC_DOCUMENTED,
        ANTHROPIC_UNDOCUMENTED,
        BEDROCK_DOCUMENTED,
        BEDROCK_UNDOCUMENTED,
        CONVERSE_UNDOCUMENTED,
        VERTEX_DOCUMENTED,
        VERTEX_UNDOCUMENTED,
        MANTLE_EXTRA,
        CLAUDE_PLATFORM_AWS_EXTRA,
    ];
    let mut names: Vec<&'static str> = all
        .iter()
        .flat_map(|t| t.iter())
        .filter(|b| **b == beta)
        .take(1)
        .copied()
        .collect();
    for (a, b) in EQUIVALENTS {
        let other = match beta {
            x if x == *a => *b,
            x if x == *b => *a,
            _ => continue,
        };
        names.push(other);
    }
    names.retain(|b| accepts(api, b));
    names
}

/// Whether `api` offers the feature `beta` gates for `model` (a canonical
/// Claude id). The tables above say which values a provider takes; this says
/// where a provider serves a model without the feature, so that a gateway
/// dropping the beta there loses nothing.
///
/// Interleaved thinking on Claude Haiku 4.5, on Bedrock (Invoke, Converse)
/// and Vertex: AWS documents the beta for "Claude 4 models"
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-thinking-differences.html)
/// without naming Haiku 4.5 (its extended-thinking page lists Opus 4,
/// Sonnet 4 and 3.7 Sonnet:
/// https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html),
/// and Anthropic's own client, Claude Code 2.1.331, does not offer it there:
/// its interleaved-thinking capability is false for `claude-haiku-4-5` on
/// every platform but the first-party API, Foundry and Mantle, so its native
/// Bedrock and Vertex modes send Haiku 4.5 no interleaved-thinking beta
/// (captured, docs/rows/beta_headers.md), while they send it for Sonnet 4.6.
/// Ledger rule "betas.offered_for_model".
pub fn offered_for_model(api: Api, beta: &str, model: &str) -> bool {
    !(beta == "interleaved-thinking-2025-05-14"
        && model == "claude-haiku-4-5"
        && matches!(
            api,
            Api::BedrockInvoke | Api::BedrockConverse | Api::VertexAi
        ))
}

/// Ledger rule "betas.read_location".
/// The betas a request carries where `api` reads them, in order, without
/// duplicates.
pub(crate) fn read(api: Api, req: &Incoming) -> Vec<String> {
    let body = || serde_json::from_slice::<Value>(&req.body).unwrap_or(Value::Null);
    let from_list = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|b| b.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let from_header = || -> Vec<String> {
        req.header("anthropic-beta")
            .map(|h| {
                h.split(',')
                    .map(str::trim)
                    .filter(|b| !b.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut all = match api {
        Api::Anthropic | Api::Azure | Api::BedrockMantle | Api::ClaudePlatformAws => from_header(),
        // Bedrock reads the body field only; an `anthropic-beta` HTTP header
        // is not part of the InvokeModel/Converse request
        // (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html).
        Api::BedrockInvoke => from_list(&body()["anthropic_beta"]),
        Api::BedrockConverse => {
            from_list(&body()["additionalModelRequestFields"]["anthropic_beta"])
        }
        Api::VertexAi => {
            let mut v = from_header();
            v.extend(from_list(&body()["anthropic_beta"]));
            v
        }
        // OpenAI's APIs read no betas: an `anthropic-beta` header is just
        // an unknown header to them.
        Api::OpenAi | Api::AzureOpenAi => Vec::new(),
    };
    let mut seen = std::collections::BTreeSet::new();
    all.retain(|b| seen.insert(b.clone()));
    all
}

/// The ledger rule that holds `api`'s beta table.
pub fn rule(api: Api) -> &'static str {
    match api {
        Api::Anthropic => "betas.anthropic",
        Api::Azure => "betas.azure",
        Api::BedrockMantle => "betas.mantle",
        Api::ClaudePlatformAws => "betas.claude_platform_aws",
        Api::BedrockInvoke => "betas.bedrock",
        Api::BedrockConverse => "betas.bedrock_converse",
        Api::VertexAi => "betas.vertex",
        Api::OpenAi | Api::AzureOpenAi => "betas.openai",
    }
}

/// The provider's refusal of betas it does not know, in its own words.
/// The provider's refusal of `unknown` betas, decided by ledger rule `rule`.
fn refusal(api: Api, rule: &'static str, unknown: &[String]) -> Rejection {
    match api {
        // Bedrock: 400 ValidationException "invalid beta flag"
        // (https://github.com/BerriAI/litellm/issues/16561,
        // https://github.com/BerriAI/litellm/pull/19877). The codec shapes it.
        Api::BedrockInvoke | Api::BedrockConverse => Rejection::invalid(rule, "invalid beta flag"),
        // Anthropic, Azure (Anthropic's service) and Vertex (req_vrtx_ ids in
        // https://github.com/zed-industries/zed/issues/42715): a 400
        // invalid_request_error naming the values.
        _ => {
            let names: Vec<String> = unknown.iter().map(|b| format!("`{b}`")).collect();
            Rejection::invalid(
                rule,
                format!(
                    "Unexpected value(s) {} for the `anthropic-beta` header. Please consult our \
                 documentation at docs.claude.com or try again without the header.",
                    names.join(", ")
                ),
            )
        }
    }
}

/// Whether Bedrock refuses `beta` for `model` although its tables take it:
/// Bedrock's beta check is per model. BerriAI/litellm PR #41203 (merged
/// 2026): Bedrock "now answers HTTP 400 `invalid beta flag`" to
/// `thinking-binding-controls-2026-08-01` on Claude Sonnet 4.5, "a Bedrock
/// model that does not implement it", while it "still accepts the other
/// listed betas the model lacks (`compact-2026-01-12`, `effort-2025-11-24`,
/// `computer-use-2025-11-24` all 200)". The launch-day reports that
/// Bedrock's Opus 4.7 refused every beta (anthropics/claude-code#49370,
/// #49648, 2026-04-16/17) are not applied: Claude Code 2.1.331's Bedrock
/// mode sends Opus 4.7 betas (captured, docs/rows/beta_headers.md), so the
/// tables stand for Opus 4.7 as an inference a probe must settle.
fn refused_for_model(api: Api, beta: &str, model: &str) -> bool {
    matches!(api, Api::BedrockInvoke | Api::BedrockConverse)
        && model == "claude-sonnet-4-5"
        && beta == "thinking-binding-controls-2026-08-01"
}

/// Reads the request's betas where `api` reads them, applies the beta faults,
/// records what the provider got, and refuses unknown ones (and, on
/// Bedrock, ones the model `model` does not take).
pub(crate) fn check(
    api: Api,
    model: &str,
    req: &Incoming,
    faults: &Active,
    entry: &Entry,
) -> Result<(), Rejection> {
    let mut betas = read(api, req);
    faults.alter_betas(&mut betas);
    entry.set_betas(betas.clone());
    // Ledger rule "betas.openai": OpenAI's APIs refuse no beta (a beta
    // added by a fault is recorded, and ignored, as an unknown header is).
    if matches!(api, Api::OpenAi | Api::AzureOpenAi) {
        return Ok(());
    }
    if let Some(b) = betas.iter().find(|b| refused_for_model(api, b, model)) {
        return Err(refusal(api, "betas.per_model", std::slice::from_ref(b)));
    }
    let unknown: Vec<String> = betas.into_iter().filter(|b| !accepts(api, b)).collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(refusal(api, rule(api), &unknown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_takes_interleaved_thinking_and_refuses_nonsense() {
        for api in Api::ALL {
            // OpenAI's APIs have no betas at all.
            let claude = !matches!(api, Api::OpenAi | Api::AzureOpenAi);
            assert_eq!(
                accepts(api, "interleaved-thinking-2025-05-14"),
                claude,
                "{api:?}"
            );
            assert!(!accepts(api, "no-such-beta-2020-01-01"), "{api:?}");
        }
    }

    #[test]
    fn tool_search_is_delivered_under_either_name_where_taken() {
        let forms = |api| provider_forms(api, "advanced-tool-use-2025-11-20");
        assert_eq!(forms(Api::BedrockInvoke), ["tool-search-tool-2025-10-19"]);
        assert_eq!(
            forms(Api::BedrockMantle),
            [
                "advanced-tool-use-2025-11-20",
                "tool-search-tool-2025-10-19"
            ]
        );
        assert_eq!(forms(Api::Anthropic), ["advanced-tool-use-2025-11-20"]);
        assert!(provider_forms(Api::VertexAi, "thinking-token-count-2026-05-13").is_empty());
    }

    #[test]
    fn foundry_takes_what_claude_codes_foundry_mode_sends() {
        for beta in [
            "interleaved-thinking-2025-05-14",
            "context-management-2025-06-27",
            "claude-code-20250219",
            "thinking-token-count-2026-05-13",
            "advanced-tool-use-2025-11-20",
            "effort-2025-11-24",
            "thinking-display-updates-2026-08-18",
        ] {
            assert!(accepts(Api::Azure, beta), "{beta}");
        }
    }

    #[test]
    fn vertex_takes_claude_code_but_not_first_party_only_betas() {
        assert!(accepts(Api::VertexAi, "claude-code-20250219"));
        assert!(!accepts(Api::VertexAi, "effort-2025-11-24"));
        assert!(!accepts(Api::VertexAi, "advanced-tool-use-2025-11-20"));
        assert!(!accepts(Api::VertexAi, "thinking-token-count-2026-05-13"));
    }

    #[test]
    fn known_rejections_are_refused() {
        assert!(!accepts(Api::BedrockInvoke, "advanced-tool-use-2025-11-20"));
        assert!(!accepts(Api::BedrockInvoke, "mcp-servers-2025-12-04"));
        assert!(!accepts(Api::VertexAi, "prompt-caching-scope-2026-01-05"));
        assert!(!accepts(Api::VertexAi, "oauth-2025-04-20"));
    }
}
