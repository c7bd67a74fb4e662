//! Anthropic's web search server tool (`web_search_20250305`), executed over
//! a small corpus the harness controls, and each provider's answer to it.
//!
//! The tool and its answer, as Anthropic documents them
//! (https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool):
//! the request offers `{"type": "web_search_20250305", "name": "web_search",
//! "max_uses": N, "allowed_domains"|"blocked_domains": [...]}` (not both);
//! the API runs the search inside the same response, which carries a
//! `server_tool_use` block (`id` `srvtoolu_…`, `name`, `input: {query}`), a
//! `web_search_tool_result` block (`tool_use_id`, `content`: a list of
//! `web_search_result` with `url`, `title`, `encrypted_content`,
//! `page_age`), then `text` blocks whose `citations` are
//! `web_search_result_location`s (`url`, `title`, `encrypted_index`,
//! `cited_text` up to 150 characters), and `usage.server_tool_use.
//! web_search_requests`. Streamed, the `server_tool_use` input comes as
//! `input_json_delta`s, the result block whole in its `content_block_start`,
//! and citations as `citations_delta` events
//! (https://platform.claude.com/docs/en/build-with-claude/citations,
//! "Streaming support").
//!
//! Which providers run it (a simulator never supports a feature its provider
//! lacks):
//! - Anthropic API: yes (the page above).
//! - Vertex AI: yes, the basic tool (the same page: "On Google Vertex AI, the
//!   basic web search tool (without dynamic filtering) is available").
//! - Azure AI Foundry: yes (the same page: the improved tool "is available on
//!   the Claude API and Microsoft Azure"; Claude in Foundry runs on
//!   Anthropic's infrastructure,
//!   https://platform.claude.com/docs/en/build-with-claude/claude-in-microsoft-foundry).
//! - Bedrock InvokeModel and Mantle: no. AWS lists the Anthropic-defined tool
//!   types Bedrock takes on `bedrock-runtime` and `bedrock-mantle` as
//!   `computer_*`, `bash_*`, `text_editor_*`, `memory_*`
//!   (https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use.html);
//!   Bedrock answers a request carrying `web_search_20250305` with a 400
//!   "The provided request is not valid" (BerriAI/litellm#36473, which
//!   quotes it). Mantle publishes no error reference (see `mantle/`): the
//!   same words, in its Anthropic error shape.
//! - Claude Platform on AWS: yes, inferred. It is Anthropic's API sold through
//!   AWS (anthropic `lib/aws/_client.py` is the Anthropic client with another
//!   base URL and auth) and AWS's Bedrock tool list does not cover it; no
//!   source says which server tools it runs.
//! - Bedrock Converse: its `toolConfig` has no server tool to name, so no
//!   request can ask for it (nothing to refuse here).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::wire::api::Api;
use crate::wire::rejection::Rejection;
use crate::wire::request::{ModelRequest, WebSearchTool};
use crate::wire::response::OutBlock;

/// Bedrock's words for a request carrying the server tool (module docs).
pub const BEDROCK_REFUSAL: &str = "The provided request is not valid";

/// The longest `cited_text` Anthropic returns (the tool's docs: "up to 150
/// characters").
const CITED_CHARS: usize = 150;

/// A page the harness puts in the corpus for a trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub url: String,
    pub title: String,
    /// The page's text; the search answer quotes it line by line.
    pub text: String,
    /// `page_age`, as the API reports it (e.g. "November 26, 2026").
    pub page_age: Option<String>,
}

/// The corpus every simulator of a set searches: pages registered under a
/// key (a trial's nonce), found by a query that contains the key.
#[derive(Debug, Default)]
pub(crate) struct Corpus {
    pages: Mutex<Vec<(u64, String, SearchPage)>>,
    next: AtomicU64,
    /// The queries the Tavily simulator answered ([`crate::providers::tavily`]).
    queries: Mutex<Vec<String>>,
}

impl Corpus {
    /// Registers `page` under `key` until the guard is dropped.
    pub(crate) fn register(self: &Arc<Self>, key: &str, page: SearchPage) -> SearchPageGuard {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.pages
            .lock()
            .expect("corpus lock")
            .push((id, key.to_lowercase(), page));
        SearchPageGuard {
            corpus: self.clone(),
            id,
        }
    }

    /// Notes a query a search provider's API answered.
    pub(crate) fn note_query(&self, query: &str) {
        self.queries
            .lock()
            .expect("corpus lock")
            .push(query.to_owned());
    }

    /// How many answered queries contain `needle`.
    pub(crate) fn queries_containing(&self, needle: &str) -> usize {
        let needle = needle.to_lowercase();
        let mut queries = self.queries.lock().expect("corpus lock");
        // Bounded: a run's trials each leave one or two short queries.
        if queries.len() > 10_000 {
            queries.drain(..5_000);
        }
        queries
            .iter()
            .filter(|q| q.to_lowercase().contains(&needle))
            .count()
    }

    /// The pages whose key the query names (case-insensitively).
    pub(crate) fn search(&self, query: &str) -> Vec<SearchPage> {
        let query = query.to_lowercase();
        self.pages
            .lock()
            .expect("corpus lock")
            .iter()
            .filter(|(_, key, _)| !key.is_empty() && query.contains(key.as_str()))
            .map(|(_, _, p)| p.clone())
            .collect()
    }
}

/// Keeps a registered page in the corpus; dropping it removes the page.
#[must_use = "the page leaves the corpus when the guard is dropped"]
pub struct SearchPageGuard {
    corpus: Arc<Corpus>,
    id: u64,
}

impl Drop for SearchPageGuard {
    fn drop(&mut self) {
        if let Ok(mut pages) = self.corpus.pages.lock() {
            pages.retain(|(id, _, _)| *id != self.id);
        }
    }
}

/// The web search tool of an Anthropic-dialect `tools` list, validated as
/// the API validates it (the tool's docs: `name` is `web_search`, `max_uses`
/// a positive integer, `allowed_domains` and `blocked_domains` not both).
pub(crate) fn from_tools(tools: Option<&Value>) -> Result<Option<WebSearchTool>, Rejection> {
    let Some(tools) = tools.and_then(Value::as_array) else {
        return Ok(None);
    };
    for (i, t) in tools.iter().enumerate() {
        let Some(kind) = t
            .get("type")
            .and_then(Value::as_str)
            .filter(|k| k.starts_with("web_search_"))
        else {
            continue;
        };
        if t.get("name").and_then(Value::as_str) != Some("web_search") {
            return Err(Rejection::invalid(
                "web_search.tool_name",
                format!("tools.{i}.{kind}.name: Input should be 'web_search'"),
            ));
        }
        let max_uses = match t.get("max_uses") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
                Rejection::invalid(
                    "web_search.max_uses",
                    format!(
                        "tools.{i}.{kind}.max_uses: Input should be greater than or equal to 1"
                    ),
                )
            })?),
        };
        if t.get("allowed_domains").is_some() && t.get("blocked_domains").is_some() {
            return Err(Rejection::invalid(
                "web_search.domains_exclusive",
                "Cannot specify both allowed_domains and blocked_domains",
            ));
        }
        return Ok(Some(WebSearchTool {
            kind: kind.to_owned(),
            max_uses,
        }));
    }
    Ok(None)
}

/// Refuses the server tool where the provider does not run it (module docs).
pub(crate) fn check(api: Api, req: &ModelRequest) -> Result<(), Rejection> {
    if req.web_search.is_none() {
        return Ok(());
    }
    match api {
        Api::Anthropic | Api::VertexAi | Api::Azure | Api::ClaudePlatformAws => Ok(()),
        // The Responses codec sets `web_search` for OpenAI's hosted web
        // search tool (ledger rule "responses.hosted_web_search"); the
        // model runs it over the same corpus and `providers::openai::encode`
        // answers in OpenAI's shapes. (Chat Completions never sets it.)
        Api::OpenAi | Api::AzureOpenAi => Ok(()),
        Api::BedrockInvoke | Api::BedrockMantle | Api::BedrockConverse => Err(Rejection::invalid(
            "web_search.provider_support",
            BEDROCK_REFUSAL,
        )),
    }
}

/// The query a prompt asks to search for: what follows `query:` (the
/// CLI's "Perform a web search for the query: …", LiteLLM's tool input), or
/// the prompt's backticked words, or the prompt itself.
pub(crate) fn query_of(prompt: &str) -> String {
    let lower = prompt.to_lowercase();
    if let Some(at) = lower.find("query:") {
        let rest = prompt[at + "query:".len()..].trim();
        return rest.lines().next().unwrap_or(rest).trim().to_owned();
    }
    prompt.trim().to_owned()
}

/// Whether a prompt asks for a web search.
pub(crate) fn asks_to_search(prompt: &str) -> bool {
    let lower = prompt.to_lowercase();
    lower.contains("web search") || lower.contains("search the web")
}

/// One executed search as the API answers it: the `server_tool_use`, its
/// `web_search_tool_result`, and the cited text blocks.
pub(crate) fn answer(corpus: &Corpus, query: &str) -> Vec<OutBlock> {
    let id = format!("srvtoolu_sim{:016x}", fastrand::u64(..));
    let hits = corpus.search(query);
    let results: Vec<Value> = hits
        .iter()
        .map(|p| {
            json!({
                "type": "web_search_result",
                "url": p.url,
                "title": p.title,
                // Opaque to clients; a follow-up turn must pass it back as is.
                "encrypted_content": base64::engine::general_purpose::STANDARD.encode(&p.text),
                "page_age": p.page_age,
            })
        })
        .collect();
    let mut out = vec![
        OutBlock::ServerToolUse {
            id: id.clone(),
            name: "web_search".into(),
            input: json!({ "query": query }),
        },
        OutBlock::WebSearchToolResult {
            tool_use_id: id,
            content: Value::Array(results),
        },
    ];
    if hits.is_empty() {
        out.push(OutBlock::Text {
            text: format!("The web search for \"{query}\" found no results."),
        });
        return out;
    }
    out.push(OutBlock::Text {
        text: "Based on the search results:\n".into(),
    });
    for p in &hits {
        let cited: String = p.text.chars().take(CITED_CHARS).collect();
        out.push(OutBlock::CitedText {
            text: format!("{}\n", p.text.trim()),
            citations: vec![json!({
                "type": "web_search_result_location",
                "url": p.url,
                "title": p.title,
                "encrypted_index": base64::engine::general_purpose::STANDARD.encode(format!("{}#0", p.url)),
                "cited_text": cited,
            })],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: &str) -> SearchPage {
        SearchPage {
            url: format!("https://notes.example/{n}"),
            title: format!("Notes {n}"),
            text: format!("Trial {n}\nThe code is ws-1"),
            page_age: Some("November 26, 2026".into()),
        }
    }

    #[test]
    fn a_page_is_found_by_its_key_until_its_guard_goes() {
        let corpus = Arc::new(Corpus::default());
        let guard = corpus.register("N0NCE", page("a"));
        assert_eq!(corpus.search("release notes n0nce").len(), 1);
        assert!(corpus.search("release notes").is_empty());
        drop(guard);
        assert!(corpus.search("release notes n0nce").is_empty());
    }

    #[test]
    fn the_answer_carries_the_documented_blocks() {
        let corpus = Arc::new(Corpus::default());
        let _g = corpus.register("k1", page("k1"));
        let blocks = answer(&corpus, "notes k1");
        assert!(
            matches!(&blocks[0], OutBlock::ServerToolUse { input, .. } if input["query"] == "notes k1")
        );
        let OutBlock::WebSearchToolResult { content, .. } = &blocks[1] else {
            panic!("{blocks:?}")
        };
        assert_eq!(content[0]["type"], "web_search_result");
        assert!(content[0]["encrypted_content"].is_string());
        assert!(blocks.iter().any(|b| matches!(b, OutBlock::CitedText { text, citations }
            if text.contains("The code is ws-1") && citations[0]["type"] == "web_search_result_location")));
    }

    #[test]
    fn tools_are_validated_and_bedrock_refuses() {
        let t = json!([{"type": "web_search_20250305", "name": "web_search", "max_uses": 8}]);
        let tool = from_tools(Some(&t)).unwrap().unwrap();
        assert_eq!(tool.max_uses, Some(8));
        let bad = json!([{"type": "web_search_20250305", "name": "search"}]);
        assert!(from_tools(Some(&bad)).is_err());
        let req = ModelRequest {
            web_search: Some(tool),
            ..Default::default()
        };
        assert!(check(Api::Anthropic, &req).is_ok());
        assert!(check(Api::VertexAi, &req).is_ok());
        assert_eq!(
            check(Api::BedrockInvoke, &req).unwrap_err().message,
            BEDROCK_REFUSAL
        );
        assert!(check(Api::BedrockMantle, &req).is_err());
    }

    #[test]
    fn the_query_is_read_from_the_prompt() {
        assert_eq!(
            query_of("Perform a web search for the query: release notes abc"),
            "release notes abc"
        );
        assert!(asks_to_search("Perform a web search for the query: x"));
    }
}
