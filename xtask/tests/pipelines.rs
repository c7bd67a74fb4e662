//! The daily publisher gives live mode every variable live mode reads: a
//! name missing from the workflow's test step is found here, not by the
//! first customer-facing run (`Env::start` refuses a column whose variables
//! are unset, which fails the shard that holds it).

use std::collections::BTreeSet;

use compat_core::gateway::routing::{self, Upstream};
use compat_matrix::provider::Provider;

/// Every `os.environ/NAME` in a generated proxy config.
fn environ_refs(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::String(s) => {
            if let Some(name) = s.strip_prefix("os.environ/") {
                out.insert(name.to_owned());
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| environ_refs(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| environ_refs(x, out)),
        _ => {}
    }
}

#[test]
fn the_daily_workflow_sets_every_variable_live_mode_reads() {
    let root = compat_matrix::paths::workspace_root();
    let path = root.join(".github/workflows/claude_code_compat_matrix.yml");
    let workflow = std::fs::read_to_string(&path).expect("read the daily workflow");
    let manifest = compat_matrix::manifest::Manifest::load_default().expect("manifest");
    let models: Vec<&str> = manifest.models.iter().map(|m| m.id.as_str()).collect();

    let mut needed: BTreeSet<String> = BTreeSet::new();
    for provider in Provider::ALL {
        needed.extend(routing::live_env(provider).iter().map(|s| s.to_string()));
        let config = routing::proxy_config(provider, &models, &Upstream::Live);
        environ_refs(&config, &mut needed);
    }
    // Set in the step's script rather than its `env:` (the service account
    // key goes to a private file first).
    let set = |name: &str| {
        workflow.contains(&format!("          {name}: "))
            || workflow.contains(&format!("export {name}="))
    };
    let missing: Vec<&String> = needed.iter().filter(|n| !set(n)).collect();
    assert!(
        missing.is_empty(),
        "{}: the live run's step does not set {missing:?}, which the generated live proxy configs \
         or `routing::live_env` read (add each under the step's `env:`, a secret for keys, a \
         variable for hosts and regions)",
        path.display()
    );
}
