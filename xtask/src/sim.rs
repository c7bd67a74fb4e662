//! `cargo xtask sim`: runs the provider simulators on 127.0.0.1 until
//! Ctrl-C, printing their base URLs and credentials, for poking at them by
//! hand (curl, a bare `claude -p`, a hand-started LiteLLM).

use std::process::ExitCode;

use compat_sim::{Api, Simulators, creds};

pub fn run() -> anyhow::Result<ExitCode> {
    let sims = Simulators::start(&Api::ALL)?;
    for p in Api::ALL {
        println!("{:<17} {}", p.id(), sims.base_url(p).expect("started"));
    }
    println!("\nanthropic: x-api-key {}", creds::ANTHROPIC_API_KEY);
    println!("azure:     api-key {}", creds::AZURE_API_KEY);
    println!(
        "bedrock:   SigV4 with {} / (secret in compat-sim/src/wire/creds.rs), region {}",
        creds::AWS_ACCESS_KEY_ID,
        creds::AWS_REGION
    );
    println!(
        "vertex:    project {}, location {}, bearer {}",
        creds::VERTEX_PROJECT,
        creds::VERTEX_LOCATION,
        creds::VERTEX_ACCESS_TOKEN
    );
    println!(
        "mantle:    Authorization: Bearer {} (or SigV4 as bedrock, service bedrock-mantle)",
        creds::BEDROCK_MANTLE_API_KEY
    );
    println!("\nCtrl-C to stop.");
    loop {
        std::thread::park();
    }
}
