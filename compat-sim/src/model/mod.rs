//! The scripted model: the one behaviour every provider simulator shares.
//!
//! Codecs turn their provider's wire request into a [`ModelRequest`] (a
//! dialect-neutral view of an Anthropic-style conversation), ask
//! [`ScriptedModel::respond`], and turn the [`ModelResponse`] back into their
//! wire format. The script is chosen so that one assertion holds for a real
//! model and for this one: tests phrase prompts as plain instructions
//! ("reply with exactly `X`", "use the Bash tool to run `echo X`", "count from
//! 1 to 20", "what colour is this image?") that a real Claude follows too.
//!
//! What it enforces, as the real API does:
//! - signed thinking: replayed thinking blocks must carry the signature this
//!   model issued for exactly that text; with thinking on, an assistant turn
//!   that made a tool call must start with its thinking block.
//! - prompt caching: a request whose cache breakpoints cover a prefix seen in
//!   the last 5 minutes (1 hour with `ttl: 1h`) reports cache reads; the first
//!   one reports cache creation; no markers, no caching.

pub(crate) mod compaction;
pub(crate) mod instructions;
mod script;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::rules::{effort, web_search};
use crate::wire::rejection::Rejection;
use crate::wire::request::{
    Block, CacheTtl, ModelRequest, Role, Thinking, block_type, is_gpt, last_user_text,
    min_cacheable_tokens,
};
use crate::wire::response::{ModelResponse, OutBlock, StopReason, Usage};
use script::{script, summarize};

/// The scripted model: signs thinking, remembers cached prefixes, and
/// answers each turn by its script.
pub struct ScriptedModel {
    /// Key for thinking signatures; random per process, so a signature is
    /// only valid for the simulator that issued it, as with the real API.
    key: [u8; 32],
    /// (model, prefix hash) -> expiry.
    cache: Mutex<HashMap<(String, [u8; 32]), Instant>>,
    /// What the web search server tool searches ([`crate::rules::web_search`]).
    pub(crate) corpus: Arc<web_search::Corpus>,
}

impl Default for ScriptedModel {
    fn default() -> Self {
        Self::new()
    }
}

impl ScriptedModel {
    pub fn new() -> Self {
        let mut key = [0u8; 32];
        key.iter_mut().for_each(|b| *b = fastrand::u8(..));
        ScriptedModel {
            key,
            cache: Mutex::new(HashMap::new()),
            corpus: Default::default(),
        }
    }

    pub fn respond(&self, req: &ModelRequest) -> Result<ModelResponse, Rejection> {
        self.check_conversation(req)?;
        effort::check(&req.model, req.effort.as_deref())?;
        let mut content = Vec::new();
        if effort::thinks(req) {
            let thinking = format!(
                "The user wants: {}. I will answer directly and precisely.{}",
                summarize(&last_user_text(req)),
                effort::self_report(req.effort.as_deref())
            );
            // A GPT model's reasoning item carries its reasoning sealed
            // (`encrypted_content`); Claude's thinking, a signature.
            let signature = if is_gpt(&req.model) {
                self.seal(&req.model, &thinking)
            } else {
                self.sign(&req.model, &thinking)
            };
            content.push(OutBlock::Thinking {
                thinking,
                signature,
            });
        }
        let (mut answer, stop_reason) = match self.web_search(req) {
            Some(blocks) => (blocks, StopReason::EndTurn),
            None => script(req),
        };
        if stop_reason == StopReason::EndTurn {
            instructions::obey(req, &mut answer);
        }
        content.extend(answer);
        let mut usage = self.usage(req, &content);
        usage.reasoning_tokens = content
            .iter()
            .map(|b| match b {
                OutBlock::Thinking { thinking, .. } => thinking.len() as u64,
                _ => 0,
            })
            .sum::<u64>()
            .div_ceil(4);
        usage.web_search_requests = content
            .iter()
            .filter(|b| matches!(b, OutBlock::ServerToolUse { .. }))
            .count() as u64;
        Ok(ModelResponse {
            content,
            stop_reason,
            usage,
            eager_tool_input: req.eager_tool_input,
            usage_dropped: false,
            reasoning_view: req.reasoning_view,
            openai_chat: req.openai_chat,
        })
    }

    /// With the web search server tool offered and a user turn that asks
    /// for a search, the provider runs it ([`web_search::answer`]).
    fn web_search(&self, req: &ModelRequest) -> Option<Vec<OutBlock>> {
        req.web_search.as_ref()?;
        let last = req.messages.last()?;
        if last.role != Role::User
            || last
                .content
                .iter()
                .any(|b| matches!(b, Block::ToolResult { .. }))
        {
            return None;
        }
        let prompt = last_user_text(req);
        web_search::asks_to_search(&prompt)
            .then(|| web_search::answer(&self.corpus, &web_search::query_of(&prompt)))
    }

    /// Signature over (model, thinking text): base64 of an HMAC, so it looks
    /// like the real opaque signature and any change to the text breaks it.
    pub fn sign(&self, model: &str, thinking: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(model.as_bytes());
        mac.update(&[0]);
        mac.update(thinking.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    /// A GPT reasoning item's `encrypted_content`: the reasoning and an
    /// HMAC over (model, reasoning) under this process's key, in the
    /// `gAAAAB…` form OpenAI's opaque tokens take. Only the simulator that
    /// issued it can vouch for it ([`Self::unseal`]): a replayed item that
    /// was edited, forged or issued elsewhere is refused, as OpenAI refuses
    /// content it cannot decrypt. (The reasoning is encoded, not
    /// encrypted: the simulator has nothing to hide from its tests.)
    pub fn seal(&self, model: &str, reasoning: &str) -> String {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "gAAAAB{}.{}",
            URL_SAFE_NO_PAD.encode(reasoning),
            URL_SAFE_NO_PAD.encode(
                base64::engine::general_purpose::STANDARD
                    .decode(self.sign(model, reasoning))
                    .unwrap_or_default()
            )
        )
    }

    /// The reasoning sealed in `token` for `model`, if this simulator
    /// issued it ([`Self::seal`]).
    pub fn unseal(&self, model: &str, token: &str) -> Option<String> {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (text, _) = token.strip_prefix("gAAAAB")?.split_once('.')?;
        let reasoning = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        (self.seal(model, &reasoning) == token).then_some(reasoning)
    }

    fn check_conversation(&self, req: &ModelRequest) -> Result<(), Rejection> {
        let Some(first) = req.messages.first() else {
            return Err(Rejection::invalid(
                "conv.non_empty",
                "messages: at least one message is required",
            ));
        };
        if first.role != Role::User {
            return Err(Rejection::invalid(
                "conv.first_user",
                "messages: first message must use the \"user\" role",
            ));
        }
        // Consecutive same-role turns: crate::rules::conversation (combined,
        // or refused on Converse) runs before the model.
        for (i, m) in req.messages.iter().enumerate() {
            if m.content.is_empty() {
                return Err(Rejection::invalid(
                    "conv.content_non_empty",
                    format!("messages.{i}: content must not be empty"),
                ));
            }
            for (j, b) in m.content.iter().enumerate() {
                // Ledger rule "responses.reasoning_encrypted": a replayed
                // reasoning item's encrypted_content must be one this
                // model issued.
                if let Block::RedactedThinking { data } = b
                    && is_gpt(&req.model)
                    && self.unseal(&req.model, data).is_none()
                {
                    return Err(Rejection::invalid(
                        "responses.reasoning_encrypted",
                        format!(
                            "The encrypted content {} could not be verified. Reason: Encrypted content could not be decrypted or parsed.",
                            abbreviate(data)
                        ),
                    ));
                }
                if let Block::Thinking {
                    thinking,
                    signature,
                } = b
                {
                    if m.role != Role::Assistant {
                        return Err(Rejection::invalid(
                            "conv.thinking_only_assistant",
                            format!(
                                "messages.{i}.content.{j}: thinking blocks are only allowed in assistant messages"
                            ),
                        ));
                    }
                    if *signature != self.sign(&req.model, thinking) {
                        return Err(Rejection::invalid(
                            "conv.thinking_signature",
                            format!(
                                "messages.{i}.content.{j}: Invalid `signature` in `thinking` block"
                            ),
                        ));
                    }
                }
            }
        }
        // With thinking on, the assistant turn whose tool call is being
        // answered must start with a thinking block (the real API's rule for
        // continuing a tool-use turn).
        // Claude's rule only: the Responses API takes a tool call's turn
        // without its reasoning item (reasoning items are optional input).
        if req.thinking != Thinking::Off
            && !is_gpt(&req.model)
            && let [.., assistant, last] = req.messages.as_slice()
        {
            let answers_tool = last
                .content
                .iter()
                .any(|b| matches!(b, Block::ToolResult { .. }));
            if assistant.role == Role::Assistant
                && answers_tool
                && !matches!(
                    assistant.content.first(),
                    Some(Block::Thinking { .. } | Block::RedactedThinking { .. })
                )
            {
                return Err(Rejection::invalid(
                    "conv.thinking_tool_continuation",
                    format!(
                        "messages.{}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{}`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). To avoid this requirement, disable `thinking`.",
                        req.messages.len() - 2,
                        block_type(assistant.content.first())
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Ledger rule "cache.breakpoints_accounting": what each breakpoint
    /// writes and reads.
    fn usage(&self, req: &ModelRequest, out: &[OutBlock]) -> Usage {
        // Walk the prompt in cache order: tools, system, messages.
        let mut hasher = Sha256::new();
        let mut tokens = 0u64;
        let mut breakpoints: Vec<([u8; 32], u64, CacheTtl)> = Vec::new();
        let mut visit = |fingerprint: String, block_tokens: u64, cache: Option<CacheTtl>| {
            hasher.update(fingerprint.as_bytes());
            hasher.update([0xff]);
            tokens += block_tokens;
            if let Some(ttl) = cache {
                breakpoints.push((hasher.clone().finalize().into(), tokens, ttl));
            }
        };
        // Ledger rule "openai.implicit_cache": without markers every block
        // boundary is a cacheable prefix for 30 minutes.
        let implicit = req.implicit_cache.then_some(CacheTtl::ThirtyMinutes);
        for t in &req.tools {
            visit(format!("tool:{}", t.name), 200, t.cache.or(implicit));
        }
        for b in &req.system {
            visit(
                b.fingerprint(),
                b.estimated_tokens(),
                b.cache().or(implicit),
            );
        }
        for m in &req.messages {
            for b in &m.content {
                visit(
                    b.fingerprint(),
                    b.estimated_tokens(),
                    b.cache().or(implicit),
                );
            }
        }
        let total = tokens + 8;
        let output_tokens = out
            .iter()
            .map(|b| match b {
                OutBlock::Thinking { thinking, .. } => thinking.len(),
                OutBlock::Text { text } => text.len(),
                OutBlock::ToolUse { input, .. } | OutBlock::ServerToolUse { input, .. } => {
                    input.to_string().len() + 20
                }
                OutBlock::WebSearchToolResult { .. } => 0,
                OutBlock::CitedText { text, .. } => text.len(),
            } as u64)
            .sum::<u64>()
            .div_ceil(4)
            .max(1);

        let minimum = min_cacheable_tokens(&req.model);
        let now = Instant::now();
        let mut cache = self.cache.lock().expect("cache lock");
        cache.retain(|_, expiry| *expiry > now);
        // Ledger rule "openai.prompt_cache_breakpoint": a GPT request's
        // explicit breakpoints write at most its last four and match
        // against the latest 80 (openai-python 3.63.0,
        // `PromptCacheOptions`: "Each request can write up to four
        // breakpoints. For cache matching, OpenAI considers up to the
        // latest 80 breakpoints in the conversation").
        let n = breakpoints.len();
        let (write_from, read_from) = if is_gpt(&req.model) && !req.implicit_cache {
            (n.saturating_sub(4), n.saturating_sub(80))
        } else {
            (0, 0)
        };
        // The longest cached prefix is read; the rest up to the last
        // breakpoint is written.
        let read = breakpoints[read_from..]
            .iter()
            .rev()
            .find(|(h, _, _)| cache.contains_key(&(req.model.clone(), *h)))
            .map(|(_, t, _)| *t)
            .unwrap_or(0);
        let last = breakpoints.last().map(|(_, t, _)| *t).unwrap_or(0);
        let created = if last >= minimum && last > read {
            last - read
        } else {
            0
        };
        // Each stretch of the written prefix goes to the bucket of the
        // breakpoint that ends it (Anthropic bills a mixed-TTL write that way:
        // the prompt-caching docs' "Mixing different TTLs").
        let created_1h = if created == 0 {
            0
        } else {
            let mut previous = read;
            let mut one_hour = 0;
            for (_, t, ttl) in breakpoints.iter().filter(|(_, t, _)| *t > read) {
                if *ttl == CacheTtl::OneHour {
                    one_hour += t - previous;
                }
                previous = *t;
            }
            one_hour
        };
        for (h, t, ttl) in &breakpoints[write_from..] {
            if *t >= minimum {
                cache.insert((req.model.clone(), *h), now + ttl.duration());
            }
        }
        let read = if read >= minimum { read } else { 0 };
        // Automatic caching writes for free: OpenAI reports no cache write
        // for it (the prompt caching guide: "no additional fees"), so the
        // written part stays plain input (codecs set `implicit_cache` only
        // for a request without explicit breakpoints).
        let created = if req.implicit_cache { 0 } else { created };
        Usage {
            input_tokens: total - read - created,
            output_tokens,
            cache_read_input_tokens: read,
            cache_creation_input_tokens: created,
            cache_creation_1h_input_tokens: created_1h,
            web_search_requests: 0,
            reasoning_tokens: 0,
        }
    }
}

/// The start and end of an opaque token, as OpenAI's refusal quotes one
/// (`gAAA...DQ==`, openai/codex#8145) without repeating it whole.
fn abbreviate(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() <= 16 {
        return token.to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}...{tail}")
}
