//! model_discovery: with `CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1` and
//! a base URL that is not Anthropic's, the CLI asks the gateway's
//! `GET /v1/models?limit=1000` (with `anthropic-version`), keeps the ids
//! that contain "claude" or "anthropic" (case-insensitive) in
//! `$CLAUDE_CONFIG_DIR/cache/gateway-models.json`, and on its next start
//! offers them, described "From gateway" (captured, docs/rows/model_discovery.md).
//!
//! The trial runs the CLI twice in one private config folder, through a
//! relay of its own in front of the gateway (the listing carries no body,
//! so the shared tap could not tell whose it is): start 1 asks and caches;
//! start 2, begun on another model, sends the stream-JSON `initialize`
//! (whose answer lists the models it offers), `set_model` to the id the
//! gateway listed for the trial's model, then a prompt.
//!
//! Asserted in both modes: the gateway answered the listing 200 in the
//! Anthropic shape (`data` of `{type: "model", id, display_name,
//! created_at}`, `has_more`); it listed Claude ids, among them the trial's
//! model (LiteLLM may list it as `<id>[1m]`, its Claude Code view of a 1M
//! model); start 2's `initialize` offers that id under the gateway's display
//! name, "From gateway"; `set_model` was accepted; the prompt left the
//! gateway answered 2xx, sent for the trial's model, and the session ended
//! with an answer. Sim mode, also: the provider's simulator answered that
//! prompt for the trial's model.

use anyhow::{Context as _, bail, ensure};
use compat_core::gateway::routing;
use compat_harness::Ctx;
use compat_harness::relay::{TapMode, TapRecord, is_model_listing};
use compat_matrix::classify::NoVerdict;
use compat_matrix::provider::Provider;
use serde_json::{Value, json};

const DISCOVERY: &str = "CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY";

compat_harness::feature!(run = run, applies = applies);

/// The CLI asks only as the `firstParty` provider, i.e. with a plain
/// `ANTHROPIC_BASE_URL` (its gateway mode, `CLAUDE_CODE_USE_GATEWAY`, asks
/// too); a column whose CLI environment selects a native provider mode
/// (`CLAUDE_CODE_USE_BEDROCK`, `_VERTEX`, `_FOUNDRY`, ...) never asks there
/// (bundled JS: "[gatewayDiscovery] skipped: provider is <mode>"). Decided
/// from the column's CLI environment, so a column added later falls in.
/// `Upstream::Live` only shapes the values (region, project), not which
/// variables are set.
fn applies(p: Provider) -> Result<(), String> {
    let env = routing::cli_env(p, "http://127.0.0.1", &routing::Upstream::Live);
    match env
        .iter()
        .find(|(k, _)| k.starts_with("CLAUDE_CODE_USE_") && k != "CLAUDE_CODE_USE_GATEWAY")
    {
        Some((k, _)) => Err(format!(
            "the CLI does not ask the gateway for its models in its {} mode ({k}=1): gateway \
             model discovery runs only with a plain ANTHROPIC_BASE_URL (captured with discovery \
             on: no GET /v1/models, docs/research/captures-2026-12-06/logs/disc_bedrock.log, \
             disc_vertex.log, disc_foundry.log)",
            k.trim_start_matches("CLAUDE_CODE_USE_").to_lowercase()
        )),
        None => Ok(()),
    }
}

pub fn run(ctx: &Ctx) -> anyhow::Result<()> {
    let n = ctx.nonce();
    let model = ctx.model_id();
    let served = routing::served_model_name(ctx.provider(), model);
    let relay = ctx.own_relay()?;
    let dir = tempfile::tempdir()?;

    // Start 1: the CLI asks the gateway and caches what it keeps.
    let first = ctx
        .claude_at(&relay.base_url())?
        .session_dir(dir.path())
        .env(DISCOVERY, "1")
        .prompt(format!("Reply with the single word ready. ({n})"));
    let t = ctx.run(&first)?;
    t.ensure_success()
        .context("the CLI's first start (the one that asks the gateway for its models) failed")?;
    let records = relay.records();
    let Some(listing) = records
        .iter()
        .find(|r| is_model_listing(&r.method, &r.path))
    else {
        return Err(NoVerdict(format!(
            "the CLI never asked the gateway's GET /v1/models with {DISCOVERY}=1 (its requests: \
             {}): nothing to judge the gateway on (did the CLI change when it asks?)",
            paths(&records)
        ))
        .into());
    };
    // A pass-through route forwards the upstream's own Models API, which
    // may name the model by the provider's id (Anthropic lists Haiku 4.5 as
    // claude-haiku-4-5-20251001); the CLI then uses that id, which the
    // route forwards unchanged and the provider serves.
    let mut names = vec![served.clone()];
    if ctx.provider().passthrough_of().is_some() {
        names.push(routing::upstream_model_id(ctx.provider(), model));
    }
    let listed = judge_listing(listing, &names)?;
    let id = listed["id"].as_str().unwrap_or_default().to_owned();
    let display = listed["display_name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Where LiteLLM answers the listing itself (not a pass-through route,
    // which forwards the upstream's own Models API), the name is the one
    // the column's deployment configures: the listing came from the gateway.
    let configured = routing::gateway_display_name(model);
    ensure!(
        ctx.provider().passthrough_of().is_some() || display == configured,
        "the gateway lists {id} as {display:?}, not under the display name its deployment \
         configures (model_info.display_name: {configured:?})"
    );

    // Start 2: begun on another model, it must offer the listed id and
    // switch to it before the prompt.
    // Another model of the column's own set (the ones its gateway serves).
    let other = ctx
        .provider()
        .models()
        .iter()
        .copied()
        .find(|m| *m != model)
        .context("the column runs one model only: start 2 needs another to begin on")?;
    let marker = format!("{n}-after-set-model");
    let second = ctx
        .claude_at(&relay.base_url())?
        .session_dir(dir.path())
        .env(DISCOVERY, "1")
        .model(routing::cli_model(ctx.provider(), other))
        .control_request("init", json!({"subtype": "initialize"}))
        .control_request("model", json!({"subtype": "set_model", "model": id}))
        .prompt(format!("Reply with the single word ready. ({marker})"));
    let t = ctx.run(&second)?;
    let offered = match t.control_response("init") {
        Some(Ok(r)) => r["models"].as_array().cloned().unwrap_or_default(),
        Some(Err(e)) => bail!("the CLI's next start refused `initialize`: {e}"),
        None => {
            return Err(NoVerdict(format!(
                "the CLI's next start did not answer `initialize` (stdout: {})",
                t.tail(6)
            ))
            .into());
        }
    };
    let from_gateway: Vec<String> = offered
        .iter()
        .filter(|m| {
            m["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("From gateway"))
        })
        .map(|m| format!("{} ({})", m["value"], m["displayName"]))
        .collect();
    let Some(entry) = offered.iter().find(|m| m["value"] == id.as_str()) else {
        bail!(
            "the gateway listed {id} ({display:?}), but the CLI's next start does not offer it: \
             it offers from the gateway [{}]; its cache: {}",
            from_gateway.join(", "),
            cache_of(dir.path())
        );
    };
    ensure!(
        entry["displayName"] == display.as_str()
            && entry["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("From gateway")),
        "the CLI offers {id} but not as the gateway listed it ({display:?}, \"From gateway\"): \
         {entry}"
    );
    if let Some(Err(e)) = t.control_response("model") {
        bail!("the CLI refused to switch to the gateway's model {id} (set_model): {e}");
    }
    t.ensure_success()
        .with_context(|| format!("the prompt after set_model {id} failed"))?;
    ensure!(
        !t.final_text.trim().is_empty(),
        "the prompt after set_model {id} got an empty answer"
    );

    let prompts: Vec<TapRecord> = relay
        .records()
        .into_iter()
        .filter(|r| r.is_model_call() && compat_sim::body_contains(&r.body, &marker))
        .collect();
    let Some(sent) = prompts.iter().find(|r| (200..300).contains(&r.status)) else {
        bail!(
            "the prompt after set_model {id} was not answered 2xx by the gateway: {}",
            prompts
                .iter()
                .map(|r| format!(
                    "{} {} -> {} {}",
                    r.method,
                    r.path,
                    r.status,
                    r.error.as_deref().unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );
    };
    let sent_model = sent.body["model"].as_str().unwrap_or_default();
    ensure!(
        strip_1m(sent_model) == strip_1m(&id),
        "after set_model {id} the CLI sent its prompt for {sent_model:?}, not for {id}"
    );
    if ctx.sim().is_some() {
        let upstream: Vec<_> = ctx
            .sim_requests()
            .into_iter()
            .filter(|r| compat_sim::body_contains(&r.body, &marker))
            .collect();
        ensure!(
            upstream
                .iter()
                .any(|r| r.model.as_deref() == Some(model) && (200..300).contains(&r.status)),
            "the gateway answered the prompt after set_model {id}, but the provider did not \
             answer it 2xx as a {model} request (it received: {})",
            upstream
                .iter()
                .map(|r| format!(
                    "{} {} model {:?} -> {}{}",
                    r.method,
                    r.path,
                    r.model,
                    r.status,
                    r.rejection
                        .as_deref()
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    Ok(())
}

/// The listing's entry for the trial's model (one of `names`, or it with
/// `[1m]`), after checking the answer the CLI got: 200, the Anthropic
/// shape, Claude ids the CLI keeps.
fn judge_listing(listing: &TapRecord, names: &[String]) -> anyhow::Result<Value> {
    let what = format!("GET {}", listing.path);
    ensure!(
        listing.status == 200,
        "the gateway answered {what} {}: {}; the CLI keeps no model from a non-2xx answer",
        listing.status,
        listing.error.as_deref().unwrap_or("no error message")
    );
    let body = listing.listing.clone().unwrap_or(Value::Null);
    let Some(data) = body["data"].as_array() else {
        bail!(
            "the gateway answered {what} 200 without a `data` list (not the Anthropic shape; \
             the CLI keeps nothing from it): {}",
            cut(&body.to_string(), 400)
        );
    };
    ensure!(
        !data.is_empty(),
        "the gateway listed no models ({what} answered 200 with an empty `data`): the CLI kept none"
    );
    let ids: Vec<&str> = data.iter().filter_map(|m| m["id"].as_str()).collect();
    // The CLI's filter (bundled JS): /(claude|anthropic)/i on the id.
    let kept: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| {
            let id = id.to_lowercase();
            id.contains("claude") || id.contains("anthropic")
        })
        .collect();
    ensure!(
        !kept.is_empty(),
        "the gateway listed no Claude ids ({}): the CLI keeps only ids containing \"claude\" or \
         \"anthropic\", so it kept none",
        ids.join(", ")
    );
    let unshaped: Vec<String> = data
        .iter()
        .filter(|m| {
            m["type"] != "model"
                || !m["id"].is_string()
                || !m["display_name"].is_string()
                || !m["created_at"].is_string()
        })
        .map(|m| cut(&m.to_string(), 200).to_owned())
        .collect();
    ensure!(
        unshaped.is_empty() && body["has_more"].is_boolean(),
        "the gateway answered {what} 200, but not in the Anthropic shape (entries of `type: \
         \"model\"`, `id`, `display_name`, `created_at`, and `has_more`) although the CLI sent \
         `anthropic-version`: {}",
        if unshaped.is_empty() {
            "no `has_more`".to_owned()
        } else {
            unshaped.join("; ")
        }
    );
    data.iter()
        .find(|m| {
            m["id"]
                .as_str()
                .is_some_and(|id| names.iter().any(|n| strip_1m(id) == n))
        })
        .cloned()
        .with_context(|| {
            format!(
                "the gateway's listing does not name the trial's model {} (it lists {})",
                names.join(" or "),
                ids.join(", ")
            )
        })
}

/// A model id without the CLI's 1M-context suffix.
fn strip_1m(id: &str) -> &str {
    id.strip_suffix("[1m]").unwrap_or(id)
}

/// The CLI's discovery cache in the trial's config folder, for a failure.
fn cache_of(dir: &std::path::Path) -> String {
    let path = dir.join("config/cache/gateway-models.json");
    std::fs::read_to_string(&path)
        .map(|s| cut(&s, 400).to_owned())
        .unwrap_or_else(|_| "none written (the CLI kept nothing)".into())
}

fn paths(records: &[TapRecord]) -> String {
    let all: std::collections::BTreeSet<String> = records
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.method,
                r.path.split('?').next().unwrap_or_default()
            )
        })
        .collect();
    all.into_iter().collect::<Vec<_>>().join(", ")
}

/// At most `n` characters of `s` (on a char boundary).
fn cut(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

compat_harness::sim_fault_test!(
    name = "anthropic_empty_listing_turns_cell_red",
    provider = Anthropic,
    run = empty_listing,
    live_visible = true
);

compat_harness::sim_fault_test!(
    name = "bedrock_converse_empty_listing_turns_cell_red",
    provider = BedrockConverse,
    run = empty_listing,
    live_visible = true
);

/// The gateway lists nothing (`{"data": []}` where its models should be):
/// the CLI has no model to offer from it.
fn empty_listing(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_relay_fault(ctx, TapMode::ListNothing, run)?;
    ensure!(
        error.contains("the gateway listed no models") && error.contains("empty `data`"),
        "the error does not say the gateway listed nothing: {error}"
    );
    Ok(())
}

compat_harness::sim_fault_test!(
    name = "anthropic_non_claude_ids_turn_cell_red",
    provider = Anthropic,
    run = non_claude_ids,
    live_visible = true
);

compat_harness::sim_fault_test!(
    name = "bedrock_converse_non_claude_ids_turn_cell_red",
    provider = BedrockConverse,
    run = non_claude_ids,
    live_visible = true
);

/// The gateway lists only ids the CLI filters out (`gw-model-1`, ...).
fn non_claude_ids(ctx: &Ctx) -> anyhow::Result<()> {
    let error = compat_harness::red_cell_under_relay_fault(ctx, TapMode::ListNonClaudeIds, run)?;
    ensure!(
        error.contains("the gateway listed no Claude ids (gw-model-1")
            && error.contains("kept none"),
        "the error does not say the gateway listed only ids the CLI drops: {error}"
    );
    Ok(())
}
