//! `cargo xtask probe`: each rule of the simulators' ledger checked with the
//! smallest request that tells whether a provider enforces it (issue 25).
//!
//! The probes are `xtask/probes/*.yaml` (one item per probe, keyed by the
//! ledger's rule id, or a `no_probe` reason); `conformance/probe.py` sends them
//! with the providers' own clients (the Anthropic SDK, boto3). Sim mode sends
//! them to the simulators (started here, in-process) and compares each answer
//! with the probe's expectation; live mode sends each one to the simulator and
//! to the real provider and compares the two answers. The report is
//! `<out>/probe-report.json` and `<out>/probe-report.md` (`probe_report.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use compat_sim::{Api, Simulators, creds};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::probe_rehearsal::RehearsalSide;
use crate::probe_report::{Answer, Expect, Outcome, PROBES_DIR, ProbeMode, ProbeResult, Report};

/// What live mode needs (`cargo xtask probe --help`).
pub const ENVIRONMENT: &str = "\
Live mode (--mode live) reads the variables live mode's proxies read (docs/live.md);
a provider whose variables are unset is `could not ask (no credentials: <vars>)`:
  anthropic          ANTHROPIC_API_KEY
  azure              AZURE_AI_API_BASE (the Foundry resource), AZURE_AI_API_KEY
  vertex_ai          VERTEX_PROJECT, VERTEX_LOCATION, GOOGLE_APPLICATION_CREDENTIALS
  bedrock_invoke,    AWS_REGION_NAME and AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
  bedrock_converse     [+ AWS_SESSION_TOKEN], or AWS_BEARER_TOKEN_BEDROCK
  bedrock_mantle     BEDROCK_MANTLE_API_KEY, AWS_REGION_NAME
  claude_platform_aws  ANTHROPIC_AWS_API_KEY, ANTHROPIC_AWS_WORKSPACE_ID, AWS_REGION_NAME
Rehearsal mode (--mode rehearsal) runs live mode's path with credentials it mints
itself, against the simulators behind the providers' real host names (a TLS front;
nothing reaches the network): every probe must agree.
Sim mode needs no credentials. Every mode needs python3 with venv and PyPI the
first time (the Anthropic SDK + boto3 virtualenv, as `cargo xtask provision`).
Exit status: 0 when no probe disagrees; 1 on a disagreement (live mode:
\"simulator drift: <rule>: sim <answer>, provider <answer>\").";

const SCRIPT: &str = "conformance/probe.py";
/// The header conformance/probe.py tags each sim-mode request with.
const PROBE_HEADER: &str = "x-compat-probe";
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    #[arg(long, value_enum, default_value = "sim")]
    pub mode: ProbeMode,
    /// Only the rules whose id matches this glob (`*`, `?`), e.g. `betas.*`.
    #[arg(long)]
    pub rule: Option<String>,
    /// Where the report goes (relative paths: from the workspace root).
    #[arg(long, default_value = "target/probe")]
    pub out: PathBuf,
    /// Another probes file (same shape) instead of xtask/probes/*.yaml.
    #[arg(long)]
    pub probes: Option<PathBuf>,
}

/// One item of the probes file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub api: Option<String>,
    pub model: Option<String>,
    #[serde(default)]
    pub request: Map<String, Value>,
    pub expect: Option<Expect>,
    pub no_probe: Option<String>,
    /// For a rule that applies other rules (e.g. `converse.thinking` applies
    /// the `msg.thinking_*` rules to Converse's field), the rule the
    /// simulator's record names for the refusal.
    pub via: Option<String>,
}

/// The api's model when a probe names none: Haiku 4.5, as each provider spells it.
pub fn default_model(api: Api) -> &'static str {
    match api {
        Api::Anthropic => "claude-haiku-4-5-20251001",
        Api::Azure => "claude-haiku-4-5",
        Api::VertexAi => "claude-haiku-4-5@20251001",
        Api::BedrockInvoke | Api::BedrockConverse => "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        Api::BedrockMantle => "anthropic.claude-haiku-4-5",
        Api::ClaudePlatformAws => "claude-haiku-4-5",
        // No Claude on OpenAI's APIs: their fastest GPT model.
        Api::OpenAi | Api::AzureOpenAi => "gpt-5.6-luna",
    }
}

/// Live mode's credentials for an api: any one of the alternatives, fully set.
pub fn live_vars(api: Api) -> &'static [&'static [&'static str]] {
    match api {
        Api::Anthropic => &[&["ANTHROPIC_API_KEY"]],
        Api::Azure => &[&["AZURE_AI_API_BASE", "AZURE_AI_API_KEY"]],
        Api::VertexAi => &[&[
            "VERTEX_PROJECT",
            "VERTEX_LOCATION",
            "GOOGLE_APPLICATION_CREDENTIALS",
        ]],
        Api::BedrockInvoke | Api::BedrockConverse => &[
            &[
                "AWS_REGION_NAME",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
            ],
            &["AWS_REGION_NAME", "AWS_BEARER_TOKEN_BEDROCK"],
        ],
        Api::BedrockMantle => &[&["BEDROCK_MANTLE_API_KEY", "AWS_REGION_NAME"]],
        Api::ClaudePlatformAws => &[&[
            "ANTHROPIC_AWS_API_KEY",
            "ANTHROPIC_AWS_WORKSPACE_ID",
            "AWS_REGION_NAME",
        ]],
        Api::OpenAi => &[&["OPENAI_API_KEY"]],
        Api::AzureOpenAi => &[&["AZURE_OPENAI_API_BASE", "AZURE_OPENAI_API_KEY"]],
    }
}

/// Whether live mode's variables for `api` are set, read through `var`
/// (the process environment in live mode, the minted ones in rehearsal).
fn has_live_credentials(api: Api, var: &dyn Fn(&str) -> Option<String>) -> Result<(), String> {
    let set = |v: &&str| var(v).is_some_and(|s| !s.is_empty());
    if live_vars(api).iter().any(|alt| alt.iter().all(set)) {
        return Ok(());
    }
    let alts: Vec<String> = live_vars(api).iter().map(|a| a.join(" + ")).collect();
    Err(format!("no credentials: {}", alts.join(", or ")))
}

/// Reads and checks the probes file.
pub fn load(path: &Path) -> anyhow::Result<Vec<Entry>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the probes file {}", path.display()))?;
    let entries: Vec<Entry> = serde_saphyr::from_str(&text).with_context(|| {
        format!(
            "{} is not a list of probes (see its header)",
            path.display()
        )
    })?;
    for (i, e) in entries.iter().enumerate() {
        let at = format!("{}: item {i} (rule {})", path.display(), e.rule);
        match (&e.api, &e.expect, &e.no_probe) {
            (Some(api), Some(_), None) => {
                if Api::from_id(api).is_none() {
                    bail!("{at}: api `{api}` is not a compat-sim Api id");
                }
            }
            (None, None, Some(reason)) if !reason.trim().is_empty() => {}
            _ => bail!("{at}: give either api + expect (a probe) or no_probe: <reason>"),
        }
    }
    Ok(entries)
}

/// Every probes file of [`PROBES_DIR`], by name.
pub fn load_default() -> anyhow::Result<Vec<Entry>> {
    let dir = compat_matrix::paths::workspace_root().join(PROBES_DIR);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot list the probes folder {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut entries = Vec::new();
    for f in files {
        entries.extend(load(&f)?);
    }
    Ok(entries)
}

/// `*` any run, `?` one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('*') => (0..=t.len()).any(|i| go(&p[1..], &t[i..])),
            Some('?') => !t.is_empty() && go(&p[1..], &t[1..]),
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    go(&p, &t)
}

pub fn run(args: ProbeArgs) -> anyhow::Result<ExitCode> {
    let root = compat_matrix::paths::workspace_root();
    let entries = match &args.probes {
        Some(file) => load(file)?,
        None => load_default()?,
    };
    let entries: Vec<Entry> = entries
        .into_iter()
        .filter(|e| args.rule.as_deref().is_none_or(|g| glob(g, &e.rule)))
        .collect();
    if entries.is_empty() {
        bail!(
            "no probe matches --rule {:?}; the rule ids are in {PROBES_DIR}/*.yaml",
            args.rule.unwrap_or_default()
        );
    }
    let mut integrity = Vec::new();
    let results = match args.mode {
        ProbeMode::Sim => run_sim(&entries)?,
        ProbeMode::Live => run_live(&entries, None)?,
        ProbeMode::Rehearsal => {
            let side = RehearsalSide::start()?;
            let results = run_live(&entries, Some(&side))?;
            let opened: Vec<String> = side
                .opened()
                .into_iter()
                .map(|(listener, host)| format!("{listener} -> {host}"))
                .collect();
            eprintln!("rehearsal: tunnels opened: {}", opened.join(", "));
            integrity = side.integrity();
            results
        }
    };
    let report = Report::new(args.mode, results);
    let out = if args.out.is_absolute() {
        args.out.clone()
    } else {
        root.join(&args.out)
    };
    report.write(&out)?;
    eprintln!("{}", report.summary(&out));
    let disagreements = report.disagreements();
    for d in &disagreements {
        eprintln!("{d}");
    }
    for i in &integrity {
        eprintln!("rehearsal integrity: {i}");
    }
    Ok(if disagreements.is_empty() && integrity.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn probe_api(e: &Entry) -> Option<Api> {
    e.api.as_deref().and_then(Api::from_id)
}

fn base(e: &Entry) -> ProbeResult {
    let api = probe_api(e);
    ProbeResult {
        rule: e.rule.clone(),
        api: e.api.clone(),
        model: api.map(|a| e.model.clone().unwrap_or_else(|| default_model(a).into())),
        outcome: Outcome::CouldNotAsk,
        expect: e.expect.clone(),
        sim: None,
        sim_rule: None,
        provider: None,
        reason: e
            .no_probe
            .as_ref()
            .map(|r| format!("cannot be probed from outside: {r}")),
    }
}

fn run_sim(entries: &[Entry]) -> anyhow::Result<Vec<ProbeResult>> {
    let sims = Simulators::start(&Api::ALL).context("cannot start the simulators")?;
    let probes: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].no_probe.is_none())
        .collect();
    let answers = send(entries, &probes, &sim_target(&sims), true, None)?;
    let rules = recorded_rules(&sims);
    Ok(entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut r = base(e);
            match answers.get(&i) {
                Some(Ok(a)) => {
                    let expect = e.expect.as_ref().expect("a probe has an expectation");
                    r.sim_rule = rules.get(&i).cloned();
                    let other_rule = r.sim_rule.as_deref().filter(|&got| {
                        got != "unfiled" && !glob(&e.rule, got) && e.via.as_deref() != Some(got)
                    });
                    r.outcome = if expect.matches(a) && other_rule.is_none() {
                        Outcome::Agree
                    } else {
                        Outcome::Disagree
                    };
                    if let Some(got) = other_rule {
                        r.reason = Some(format!(
                            "the simulator's record names rule `{got}`, not the probe's `{}`",
                            e.rule
                        ));
                    }
                    r.sim = Some(a.clone());
                }
                Some(Err(why)) => r.reason = Some(why.clone()),
                None => {}
            }
            r
        })
        .collect())
}

/// The ledger rule each probe's (last) request was refused by, from the
/// simulators' records (the script tags each request with its probe's index).
fn recorded_rules(sims: &Simulators) -> BTreeMap<usize, String> {
    sims.requests()
        .into_iter()
        .filter_map(|r| {
            let index = r.headers.get(PROBE_HEADER)?.parse().ok()?;
            Some((index, r.rule?))
        })
        .collect()
}

/// Live mode: each probe sent to the simulator (sim mode's target) and to
/// the provider through the clients' live configuration, the two answers
/// compared. `rehearsal`: the provider is the simulator behind the real host
/// name, with minted credentials (`crate::probe_rehearsal`); everything else
/// is this same path.
fn run_live(
    entries: &[Entry],
    rehearsal: Option<&RehearsalSide>,
) -> anyhow::Result<Vec<ProbeResult>> {
    let var = |name: &str| match rehearsal {
        Some(side) => side.var(name),
        None => std::env::var(name).ok(),
    };
    let mut missing: BTreeMap<&str, String> = BTreeMap::new();
    for a in Api::ALL {
        if let Err(why) = has_live_credentials(a, &var) {
            missing.insert(a.id(), why);
        }
    }
    let probes: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            entries[i].no_probe.is_none()
                && probe_api(&entries[i]).is_some_and(|a| !missing.contains_key(a.id()))
        })
        .collect();
    let (sim_answers, live_answers) = if probes.is_empty() {
        Default::default()
    } else {
        let sims = Simulators::start(&Api::ALL).context("cannot start the simulators")?;
        let apis: Map<String, Value> = Api::ALL
            .iter()
            .filter(|a| !missing.contains_key(a.id()))
            .map(|a| (a.id().to_owned(), json!({})))
            .collect();
        let live = json!({"mode": "live", "apis": apis});
        let provider = match rehearsal {
            None => send(entries, &probes, &live, false, None)?,
            // One script run per api: each api's listener on the front
            // tunnels only to that api's real hosts (Invoke and Converse
            // share bedrock-runtime's name but not a simulator).
            Some(side) => {
                let mut answers = Answers::new();
                for api in Api::ALL {
                    let group: Vec<usize> = probes
                        .iter()
                        .copied()
                        .filter(|&i| probe_api(&entries[i]) == Some(api))
                        .collect();
                    if !group.is_empty() {
                        let env = side.script_env(api)?;
                        answers.extend(send(entries, &group, &live, false, Some(&env))?);
                    }
                }
                answers
            }
        };
        (
            send(entries, &probes, &sim_target(&sims), true, None)?,
            provider,
        )
    };
    Ok(entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut r = base(e);
            if r.reason.is_some() {
                return r;
            }
            let api = e.api.as_deref().unwrap_or_default();
            if let Some(why) = missing.get(api) {
                r.reason = Some(why.clone());
                return r;
            }
            match (sim_answers.get(&i), live_answers.get(&i)) {
                (Some(Ok(s)), Some(Ok(p))) => {
                    let expect = e.expect.as_ref().expect("a probe has an expectation");
                    r.sim = Some(s.clone());
                    r.provider = Some(p.clone());
                    if let Some(why) = not_an_answer_to_the_rule(expect, s, p) {
                        r.reason = Some(why);
                        return r;
                    }
                    r.outcome = if agree(expect, s, p) {
                        Outcome::Agree
                    } else {
                        Outcome::Disagree
                    };
                }
                (Some(Err(why)), _) | (_, Some(Err(why))) => r.reason = Some(why.clone()),
                _ => r.reason = Some("the probe script gave no answer".into()),
            }
            r
        })
        .collect())
}

/// A provider's answer that says nothing about the rule: quota, overload or
/// an outage, or a refusal of access (the credentials' permissions, model
/// access, region) where neither the probe nor the simulator expects one.
pub fn not_an_answer_to_the_rule(
    expect: &Expect,
    sim: &Answer,
    provider: &Answer,
) -> Option<String> {
    match provider.status {
        429 | 500 | 502 | 503 | 504 | 529 => Some(format!(
            "the provider could not answer (quota, overload or outage): {provider}"
        )),
        403 if expect.status != 403 && sim.status != 403 => Some(format!(
            "the provider refused access (the credentials' permissions, model access or region): {provider}"
        )),
        _ => None,
    }
}

/// The simulator and the provider agree: the same status (2xx alike), and on
/// a refusal the probe's words in both.
pub fn agree(expect: &Expect, sim: &Answer, provider: &Answer) -> bool {
    let ok = |s: u16| (200..300).contains(&s);
    if ok(sim.status) && ok(provider.status) {
        return true;
    }
    sim.status == provider.status
        && (expect.words.is_empty()
            || (sim.words.contains(&expect.words) && provider.words.contains(&expect.words)))
}

fn sim_target(sims: &Simulators) -> Value {
    let url = |a: Api| sims.base_url(a).expect("every simulator was started");
    let aws = |a: Api| {
        json!({"base_url": url(a), "region": creds::AWS_REGION,
               "access_key_id": creds::AWS_ACCESS_KEY_ID,
               "secret_access_key": creds::AWS_SECRET_ACCESS_KEY})
    };
    json!({"mode": "sim", "apis": {
        "anthropic": {"base_url": url(Api::Anthropic), "api_key": creds::ANTHROPIC_API_KEY},
        "azure": {"base_url": url(Api::Azure), "api_key": creds::AZURE_API_KEY},
        "vertex_ai": {"base_url": url(Api::VertexAi), "access_token": creds::VERTEX_ACCESS_TOKEN,
                      "project": creds::VERTEX_PROJECT, "location": creds::VERTEX_LOCATION},
        "bedrock_mantle": {"base_url": url(Api::BedrockMantle),
                           "api_key": creds::BEDROCK_MANTLE_API_KEY, "region": creds::AWS_REGION},
        "claude_platform_aws": {"base_url": url(Api::ClaudePlatformAws),
                                "api_key": creds::CLAUDE_PLATFORM_AWS_API_KEY,
                                "workspace_id": creds::CLAUDE_PLATFORM_AWS_WORKSPACE_ID,
                                "region": creds::AWS_REGION},
        "bedrock_invoke": aws(Api::BedrockInvoke),
        "bedrock_converse": aws(Api::BedrockConverse),
    }})
}

type Answers = BTreeMap<usize, Result<Answer, String>>;

/// Runs the probe script once over `probes` (indexes into `entries`) against
/// `target`; `hermetic` keeps ambient credentials and endpoints away from the
/// clients (sim mode); `only_env`: the script's whole environment instead of
/// the operator's (rehearsal).
fn send(
    entries: &[Entry],
    probes: &[usize],
    target: &Value,
    hermetic: bool,
    only_env: Option<&[(String, String)]>,
) -> anyhow::Result<Answers> {
    let venv =
        compat_core::tools::sdks::anthropic_sdk(compat_core::tools::sdks::SdkGeneration::Newest)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context(
                "cannot provision the Anthropic SDK + boto3 virtualenv the probes are sent with",
            )?;
    let list: Vec<Value> = probes
        .iter()
        .map(|&i| {
            let e = &entries[i];
            let api = probe_api(e).expect("checked by load");
            json!({"index": i, "rule": e.rule, "api": api.id(),
                   "model": e.model.clone().unwrap_or_else(|| default_model(api).into()),
                   "request": e.request})
        })
        .collect();
    let dir =
        tempfile::tempdir().context("cannot make a temporary directory for the probe list")?;
    let (probes_file, target_file) = (
        dir.path().join("probes.json"),
        dir.path().join("target.json"),
    );
    std::fs::write(&probes_file, serde_json::to_vec(&list)?)?;
    std::fs::write(&target_file, serde_json::to_vec(target)?)?;
    let mut cmd = Command::new(&venv.python);
    if let Some(env) = only_env {
        cmd.env_clear().envs(env.iter().map(|(k, v)| (k, v)));
    }
    cmd.arg(compat_matrix::paths::workspace_root().join(SCRIPT))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("CONF_PROBES", &probes_file)
        .env("CONF_TARGET", &target_file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if hermetic {
        for v in [
            "ANTHROPIC_API_KEY",
            "ANTHROPIC_BASE_URL",
            "AWS_PROFILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_BEARER_TOKEN_BEDROCK",
            "GOOGLE_APPLICATION_CREDENTIALS",
        ] {
            cmd.env_remove(v);
        }
        cmd.env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true");
    }
    let (stdout, stderr, status) = run_bounded(cmd)?;
    let mut answers = Answers::new();
    for line in stdout.lines().filter_map(|l| l.strip_prefix("PROBE\t")) {
        let v: Value = serde_json::from_str(line)
            .with_context(|| format!("{SCRIPT} printed a PROBE line that is not JSON: {line}"))?;
        let index = v["index"].as_u64().unwrap_or(u64::MAX) as usize;
        let words = v["words"].as_str().unwrap_or_default().to_owned();
        let answer = match v["kind"].as_str() {
            Some("answered") => Ok(Answer {
                status: v["status"].as_u64().unwrap_or(0) as u16,
                words,
            }),
            _ => Err(words),
        };
        answers.insert(index, answer);
    }
    if let Some(&missing) = probes.iter().find(|i| !answers.contains_key(i)) {
        bail!(
            "{SCRIPT} ({}) answered no line for probe {missing} ({}); its stderr:\n{}",
            status,
            entries[missing].rule,
            stderr.trim()
        );
    }
    Ok(answers)
}

fn run_bounded(mut cmd: Command) -> anyhow::Result<(String, String, String)> {
    let mut child = cmd
        .spawn()
        .context("cannot run the SDK virtualenv's python")?;
    let (out, err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || std::io::read_to_string(out).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(err).unwrap_or_default());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s.to_string();
        }
        if start.elapsed() > SCRIPT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break format!("killed after {SCRIPT_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok((out.join().unwrap(), err.join().unwrap(), status))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stub's id for a refusal whose site names no rule yet
    /// (compat-sim's `rejection::UNFILED`, which is not public).
    const UNFILED: &str = "unfiled";

    fn entries() -> Vec<Entry> {
        load_default().unwrap()
    }

    #[test]
    fn every_ledger_rule_has_a_probe_or_a_reason() {
        let entries = entries();
        let missing: Vec<&str> = compat_sim::ledger::RULES
            .iter()
            .map(|r| r.id)
            .filter(|id| *id != UNFILED)
            .filter(|id| !entries.iter().any(|e| e.rule == *id))
            .collect();
        assert!(
            missing.is_empty(),
            "these ledger rules have no probe in {PROBES_DIR}: {missing:?}; add a probe \
             (api, request, expect) or `no_probe: <why no request from outside can tell>`"
        );
    }

    #[test]
    fn every_probe_names_a_ledger_rule_once_the_ledger_has_landed() {
        let rules = compat_sim::ledger::RULES;
        if rules.len() <= 1 {
            eprintln!("the ledger is still the stub (issue 25): probe ids not checked against it");
            return;
        }
        let unknown: Vec<String> = entries()
            .into_iter()
            .map(|e| e.rule)
            .filter(|id| {
                !compat_sim::ledger::RULES
                    .iter()
                    .any(|r| r.id == id.as_str() || glob(id, r.id))
            })
            .collect();
        assert!(
            unknown.is_empty(),
            "{PROBES_DIR} probes rules the ledger does not have: {unknown:?}"
        );
    }

    #[test]
    fn the_probes_file_parses_and_each_item_is_a_probe_or_a_reason() {
        let entries = entries();
        assert!(entries.iter().any(|e| e.no_probe.is_some()));
        assert!(entries.iter().filter(|e| e.expect.is_some()).count() > 50);
    }

    #[test]
    fn globs_match_rule_ids() {
        assert!(glob("betas.*", "betas.vertex"));
        assert!(glob(
            "*.requires_anthropic_version",
            "foundry.requires_anthropic_version"
        ));
        assert!(glob("msg.?odel_id", "msg.model_id"));
        assert!(!glob("betas.*", "msg.model_id"));
        assert!(glob("bedrock.sigv4.*", "bedrock.sigv4.*"));
    }

    #[test]
    fn agreement_needs_the_same_status_and_the_words_in_both() {
        let e = Expect {
            status: 400,
            words: "header is required".into(),
        };
        let a = |s: u16, w: &str| Answer {
            status: s,
            words: w.into(),
        };
        let sim = a(400, "anthropic-version: header is required");
        assert!(agree(&e, &sim, &sim.clone()));
        assert!(!agree(&e, &sim, &a(200, "")));
        assert!(!agree(&e, &sim, &a(400, "something else")));
        assert!(agree(&e, &a(200, ""), &a(201, "")));
        assert!(e.matches(&sim) && !e.matches(&a(401, "header is required")));
    }

    #[test]
    fn quota_and_access_refusals_are_could_not_ask_not_drift() {
        let e = Expect {
            status: 400,
            words: String::new(),
        };
        let a = |s: u16| Answer {
            status: s,
            words: "w".into(),
        };
        assert!(not_an_answer_to_the_rule(&e, &a(400), &a(429)).is_some());
        assert!(not_an_answer_to_the_rule(&e, &a(400), &a(529)).is_some());
        assert!(not_an_answer_to_the_rule(&e, &a(400), &a(403)).is_some());
        assert!(not_an_answer_to_the_rule(&e, &a(403), &a(403)).is_none());
        assert!(not_an_answer_to_the_rule(&e, &a(400), &a(200)).is_none());
    }

    #[test]
    fn without_credentials_an_api_is_not_asked_and_the_reason_names_the_variables() {
        // Only checks the wording; the variables may be set on a developer's machine.
        let why = has_live_credentials(Api::BedrockMantle, &|v| std::env::var(v).ok()).err();
        if let Some(why) = why {
            assert!(why.starts_with("no credentials: "), "{why}");
            assert!(why.contains("BEDROCK_MANTLE_API_KEY"), "{why}");
        }
    }
}
