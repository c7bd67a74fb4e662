//! Tests: a CLI whose output the driver cannot read concludes as the
//! harness's failure (no verdict on the gateway), its message naming the
//! CLI's version, whatever the simulator recorded.

use compat_core::driver::DriverError;
use compat_matrix::classify::{self, Evidence, FailureKind, UpstreamAnswer};
use compat_matrix::status::FailureClass;

use crate::conclude::failure_kind;

#[test]
fn an_unreadable_cli_is_a_harness_failure_naming_its_version() {
    let e = anyhow::Error::from(DriverError::Unreadable {
        version: "2.1.332".into(),
        problems: "line 9: a `result` line without `is_error` (a boolean)".into(),
        tail: String::new(),
    })
    .context("the CLI run");
    let kind = failure_kind(&e);
    assert_eq!(kind, FailureKind::CliCrashed);
    let message = format!("{e:#}");
    assert!(message.contains("claude CLI 2.1.332"), "{message}");
    let refused = [UpstreamAnswer {
        status: 400,
        rejection: Some("betas.anthropic".into()),
        completed: true,
    }];
    let v = classify::classify(&Evidence {
        kind,
        message: &message,
        upstream: Some(&refused),
        gateway_alive: Some(true),
        gateway_log: "",
        gateway_requests: Some(1),
    });
    assert_eq!(v.class, FailureClass::Harness, "{}", v.headline);
}
