//! The manifest parser's tests: good files, and every refusal naming its file, line and field.

use super::*;

fn parse(text: &str) -> Result<Manifest, String> {
    Manifest::parse(text, Path::new("manifest.yaml")).map_err(|e| e.to_string())
}

const GOOD: &str = "\
features:
  - id: tool_use
    name: Tool use
providers:
  - id: anthropic
    name: Anthropic
models:
  - id: claude-haiku-4-5
    name: Claude Haiku 4.5
    short: haiku-4.5
";

#[test]
fn repository_manifest_is_valid_and_ordered() {
    let m = Manifest::load_default().unwrap();
    // Every row has its folder of cases (adding a row is a manifest
    // entry and a folder; nothing here lists them).
    let root = crate::paths::workspace_root().join("compat-tests");
    for f in &m.features {
        assert!(root.join(&f.id).is_dir(), "no compat-tests/{}/", f.id);
    }
    // Every column the code knows, in `Provider::ALL`'s (display) order.
    let cols: Vec<_> = m.providers.iter().map(|p| p.id.as_str()).collect();
    let known: Vec<_> = crate::provider::Provider::ALL
        .iter()
        .map(|p| p.id())
        .collect();
    assert_eq!(cols, known);
    // Every column runs the three Claude models, as before sets existed,
    // except the OpenAI columns, which run the `gpt` set.
    let claude = ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7"];
    let gpt_ids = ["gpt-5.6-luna", "gpt-5.6-terra", "gpt-5.6-sol"];
    for p in &m.providers {
        let ids: Vec<_> = m.models_of(&p.id).iter().map(|x| x.id.as_str()).collect();
        let want = match p.id.as_str() {
            "openai" | "azure_openai" => &gpt_ids,
            _ => &claude,
        };
        assert_eq!(ids, want, "{}", p.id);
    }
    let gpt: Vec<_> = m
        .model_set("gpt")
        .unwrap()
        .models
        .iter()
        .map(|x| x.short.as_str())
        .collect();
    assert_eq!(gpt, ["luna-5.6", "terra-5.6", "sol-5.6"]);
    let in_use: Vec<_> = m.models_in_use().iter().map(|x| x.id.as_str()).collect();
    assert_eq!(in_use, [&claude[..], &gpt_ids[..]].concat());
    // `cargo xtask codegen` maps every column to its simulator.
    for p in &m.providers {
        assert!(p.simulator.is_some(), "providers[{}].simulator", p.id);
        assert!(p.reach.is_some(), "providers[{}].reach", p.id);
        assert!(p.format.is_some(), "providers[{}].format", p.id);
    }
    let modes: Vec<_> = m.not_offered.iter().map(|n| n.mode.as_str()).collect();
    assert!(modes.contains(&"CLAUDE_CODE_USE_MANTLE"), "{modes:?}");
    // Evidence in the repository exists (URLs are not fetched).
    let root = crate::paths::workspace_root();
    for n in &m.not_offered {
        let path = n.evidence.split('#').next().unwrap_or_default();
        assert!(
            n.evidence.starts_with("https://") || root.join(path).exists(),
            "not_offered[{}].evidence: no {path}",
            n.mode
        );
    }
}

#[test]
fn reach_format_and_not_offered_parse_and_are_checked() {
    let text = GOOD.replace(
        "    name: Anthropic\n",
        "    name: Anthropic\n    reach: base_url\n    format: anthropic_messages\n",
    ) + "not_offered:\n  - mode: CLAUDE_CODE_USE_MANTLE\n    name: Mantle mode\n    why: No route.\n    evidence: docs/columns/mantle_passthrough.md\n";
    let m = parse(&text).unwrap();
    let p = &m.providers[0];
    assert_eq!(
        (p.reach.as_deref(), p.format.as_deref()),
        (Some("base_url"), Some("anthropic_messages"))
    );
    assert_eq!(m.not_offered[0].mode, "CLAUDE_CODE_USE_MANTLE");
    assert_eq!(parse(GOOD).unwrap().not_offered, vec![]);
    assert_eq!(
        parse(&text.replace("reach: base_url", "reach: baseurl")).unwrap_err(),
        "manifest.yaml:7: providers[anthropic].reach: unknown reach `baseurl` (one of: base_url, route, native_mode, rust_path)"
    );
    assert!(
        parse(&text.replace("format: anthropic_messages", "format: openai"))
            .unwrap_err()
            .starts_with("manifest.yaml:8: providers[anthropic].format: unknown format `openai`")
    );
    assert_eq!(
        parse(&text.replace("mode: CLAUDE_CODE_USE_MANTLE", "mode: mantle")).unwrap_err(),
        "manifest.yaml:14: not_offered[0].mode: `mantle` must be the CLI's environment variable (A-Z, 0-9, `_`)"
    );
}

const COLUMNS: &str = "\
features:
  - id: tool_use
    name: Tool use
providers:
  - id: bedrock_invoke
    name: Bedrock (Invoke)
    simulator: bedrock_invoke
  - id: bedrock_passthrough
    name: Bedrock (pass-through)
    simulator: bedrock_invoke
    passthrough: {of: bedrock_invoke, route: /bedrock/}
    front: google
  - id: bedrock_rust_path
    name: Bedrock (Rust path)
    simulator: bedrock_invoke
    rust_path_of: bedrock_invoke
  - id: bedrock_gateway
    name: Bedrock (gateway mode)
    simulator: bedrock_invoke
    gateway_mode: {of: bedrock_invoke, route: /claude_code_gateway/}
models:
  - id: claude-haiku-4-5
    name: Claude Haiku 4.5
    short: haiku-4.5
";

#[test]
fn column_facts_parse() {
    let m = parse(COLUMNS).unwrap();
    let [invoke, pass, rust, gw] = &m.providers[..] else {
        panic!("{:?}", m.providers)
    };
    assert_eq!(invoke.simulator.as_deref(), Some("bedrock_invoke"));
    assert_eq!((&invoke.passthrough, &invoke.rust_path_of), (&None, &None));
    assert_eq!(
        pass.passthrough,
        Some(Passthrough {
            of: "bedrock_invoke".into(),
            route: "/bedrock/".into(),
            native_mode: true,
        })
    );
    assert_eq!(pass.front.as_deref(), Some("google"));
    // `cli: base_url`: the first-party CLI at the route, not its native mode.
    let by_url =
        parse(&COLUMNS.replace("route: /bedrock/}", "route: /bedrock/, cli: base_url}")).unwrap();
    assert!(
        !by_url.providers[1]
            .passthrough
            .as_ref()
            .unwrap()
            .native_mode
    );
    assert_eq!(rust.rust_path_of.as_deref(), Some("bedrock_invoke"));
    assert_eq!(rust.gateway_mode, None);
    assert_eq!(
        gw.gateway_mode,
        Some(GatewayMode {
            of: "bedrock_invoke".into(),
            route: "/claude_code_gateway/".into()
        })
    );
    assert_eq!((&gw.passthrough, &gw.rust_path_of), (&None, &None));
    assert_eq!(parse(GOOD).unwrap().providers[0].simulator, None);
}

#[test]
fn bad_column_facts_name_line_and_field() {
    for (from, to, message) in [
        (
            "of: bedrock_invoke",
            "of: vertex_ai",
            "manifest.yaml:11: providers[bedrock_passthrough].passthrough.of: `vertex_ai` is not another column of this list",
        ),
        (
            "route: /bedrock/",
            "route: bedrock",
            "manifest.yaml:11: providers[bedrock_passthrough].passthrough.route: `bedrock` must be a route prefix like `/bedrock/`",
        ),
        (
            "route: /bedrock/}",
            "route: /bedrock/, cli: rust}",
            "manifest.yaml:11: providers[bedrock_passthrough].passthrough.cli: unknown value `rust` (one of: native, base_url)",
        ),
        (
            "rust_path_of: bedrock_invoke",
            "rust_path_of: bedrock_rust_path",
            "manifest.yaml:16: providers[bedrock_rust_path].rust_path_of: `bedrock_rust_path` is not another column of this list",
        ),
        (
            "route: /claude_code_gateway/",
            "route: claude_code_gateway",
            "manifest.yaml:20: providers[bedrock_gateway].gateway_mode.route: `claude_code_gateway` must be a route prefix like `/claude_code_gateway/`",
        ),
        (
            "gateway_mode: {of: bedrock_invoke",
            "gateway_mode: {of: bedrock_gateway",
            "manifest.yaml:20: providers[bedrock_gateway].gateway_mode.of: `bedrock_gateway` is not another column of this list",
        ),
        (
            "    gateway_mode: {of",
            "    rust_path_of: bedrock_invoke\n    gateway_mode: {of",
            "manifest.yaml:21: providers[bedrock_gateway].gateway_mode: a column is reached in gateway mode, through a pass-through or by a Rust path, not several",
        ),
        (
            "front: google",
            "front: azure",
            "manifest.yaml:12: providers[bedrock_passthrough].front: unknown front `azure` (the harness knows: google, openai)",
        ),
        (
            "simulator: bedrock_invoke\n  - id: bedrock_passthrough",
            "simulator: Bedrock Invoke\n  - id: bedrock_passthrough",
            "manifest.yaml:7: providers[bedrock_invoke].simulator: `Bedrock Invoke` is not an id",
        ),
    ] {
        let text = COLUMNS.replace(from, to);
        assert_ne!(text, COLUMNS, "{from}");
        assert_eq!(parse(&text).unwrap_err(), message);
    }
    let text = COLUMNS.replace("    front: google\n", "    fronts: google\n");
    let e = parse(&text).unwrap_err();
    assert!(
        e.starts_with("manifest.yaml:12:") && e.contains("fronts"),
        "{e}"
    );
}

#[test]
fn good_manifest_parses() {
    let m = parse(GOOD).unwrap();
    assert_eq!(m.models[0].short, "haiku-4.5");
}

#[test]
fn duplicate_id_names_line_and_field() {
    let text = GOOD.replace(
        "providers:\n",
        "  - id: tool_use\n    name: Other\nproviders:\n",
    );
    assert_eq!(
        parse(&text).unwrap_err(),
        "manifest.yaml:4: features[1].id: duplicate id `tool_use`"
    );
}

#[test]
fn empty_name_names_line_and_field() {
    let text = GOOD.replace("name: Anthropic", "name: \"\"");
    assert_eq!(
        parse(&text).unwrap_err(),
        "manifest.yaml:6: providers[anthropic].name: must not be empty"
    );
}

#[test]
fn unknown_key_is_rejected_with_its_line() {
    let text = GOOD.replace(
        "    name: Tool use\n",
        "    name: Tool use\n    colour: red\n",
    );
    let e = parse(&text).unwrap_err();
    assert!(e.starts_with("manifest.yaml:4:"), "{e}");
    assert!(e.contains("colour"), "{e}");
}

#[test]
fn missing_section_is_rejected() {
    let text = GOOD.split("models:").next().unwrap();
    let e = parse(text).unwrap_err();
    assert!(e.contains("models"), "{e}");
}

#[test]
fn bad_id_characters_are_rejected() {
    let text = GOOD.replace("id: tool_use", "id: Tool Use");
    let e = parse(&text).unwrap_err();
    assert!(
        e.contains("features[0].id: `Tool Use` must use only"),
        "{e}"
    );
}

#[test]
fn duplicate_short_model_name() {
    let text = format!("{GOOD}  - id: claude-x\n    name: X\n    short: haiku-4.5\n");
    let e = parse(&text).unwrap_err();
    assert_eq!(
        e,
        "manifest.yaml:13: models[claude-x].short: duplicate short name `haiku-4.5`"
    );
}

const TWO_SETS: &str = "\
features:
  - id: tool_use
    name: Tool use
providers:
  - id: anthropic
    name: Anthropic
  - id: openai
    name: OpenAI
    models: gpt
models:
  - id: claude-haiku-4-5
    name: Claude Haiku 4.5
    short: haiku-4.5
  - id: gpt-5.6-luna
    name: GPT-5.6 Luna
    short: luna-5.6
  - id: gpt-5.6-sol
    name: GPT-5.6 Sol
    short: sol-5.6
model_sets:
  claude: [claude-haiku-4-5]
  gpt: [gpt-5.6-sol, gpt-5.6-luna]
";

fn ids(ms: &[Model]) -> Vec<&str> {
    ms.iter().map(|m| m.id.as_str()).collect()
}

#[test]
fn a_column_runs_its_set_in_the_sets_order() {
    let m = parse(TWO_SETS).unwrap();
    assert_eq!(ids(m.models_of("anthropic")), ["claude-haiku-4-5"]);
    // The set's order, not the `models` list's.
    assert_eq!(ids(m.models_of("openai")), ["gpt-5.6-sol", "gpt-5.6-luna"]);
    assert_eq!(m.provider("anthropic").unwrap().model_set, "claude");
    assert_eq!(m.provider("openai").unwrap().model_set, "gpt");
    assert!(m.models_of("nope").is_empty());
    assert_eq!(m.models_in_use().len(), 3);
    // A set no column uses is allowed, and lists no model as in use.
    let unused = parse(&TWO_SETS.replace("    models: gpt\n", "")).unwrap();
    assert_eq!(ids(unused.models_of("openai")), ["claude-haiku-4-5"]);
    let in_use: Vec<_> = unused
        .models_in_use()
        .iter()
        .map(|x| x.id.as_str())
        .collect();
    assert_eq!(in_use, ["claude-haiku-4-5"]);
}

#[test]
fn without_model_sets_every_column_runs_every_model() {
    let m = parse(&GOOD.replace(
        "short: haiku-4.5\n",
        "short: haiku-4.5\n  - id: claude-opus-4-7\n    name: Claude Opus 4.7\n    short: opus-4.7\n",
    ))
    .unwrap();
    assert_eq!(m.model_sets.len(), 1);
    assert_eq!(m.model_sets[0].id, DEFAULT_SET);
    assert_eq!(
        ids(m.models_of("anthropic")),
        ["claude-haiku-4-5", "claude-opus-4-7"]
    );
}

#[test]
fn bad_model_sets_name_line_and_field() {
    let cases = [
        (
            TWO_SETS.replace("models: gpt", "models: gtp"),
            "manifest.yaml:9: providers[openai].models: the column names the model set `gtp`, which `model_sets` does not define (it has: claude, gpt)",
        ),
        (
            TWO_SETS.replace(
                "  claude: [claude-haiku-4-5]\n",
                "  anthropic: [claude-haiku-4-5]\n",
            ),
            "manifest.yaml:5: providers[anthropic].models: the column names no set (no `models:`), so it runs the model set `claude`, which `model_sets` does not define (it has: anthropic, gpt)",
        ),
        (
            TWO_SETS.replace("[gpt-5.6-sol, gpt-5.6-luna]", "[gpt-5.6-sol, gpt-5.6-lune]"),
            "manifest.yaml:22: model_sets.gpt: `gpt-5.6-lune` is no model of `models`",
        ),
        (
            TWO_SETS.replace(
                "[gpt-5.6-sol, gpt-5.6-luna]",
                "[gpt-5.6-sol, gpt-5.6-sol, gpt-5.6-luna]",
            ),
            "manifest.yaml:22: model_sets.gpt: `gpt-5.6-sol` is listed twice",
        ),
        (
            TWO_SETS.replace("[gpt-5.6-sol, gpt-5.6-luna]", "[gpt-5.6-sol]"),
            "manifest.yaml:14: models[gpt-5.6-luna]: in no set of `model_sets`",
        ),
        (
            TWO_SETS.replace("[gpt-5.6-sol, gpt-5.6-luna]", "[]"),
            "manifest.yaml:22: model_sets.gpt: must list at least one model",
        ),
        (
            TWO_SETS.replace("  gpt: [", "  GPT: ["),
            "manifest.yaml:22: model_sets.GPT: `GPT` must use only a-z, 0-9, `_`, `-` and `.`",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse(&text).unwrap_err(), want);
    }
    // A set given twice: YAML refuses the duplicate key, with its line.
    let dup = TWO_SETS.to_owned() + "  gpt: [gpt-5.6-luna]\n";
    let e = parse(&dup).unwrap_err();
    assert!(
        e.starts_with("manifest.yaml:23: ") && e.contains("duplicate"),
        "{e}"
    );
}
