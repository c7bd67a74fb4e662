//! JUnit XML from a results file, for CI test reports (CircleCI test
//! insights): one `<testcase>` per trial, named like the trial.

use std::fmt::Write as _;

use crate::results::RunResults;
use crate::status::Outcome;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// `model_short` maps a canonical model id to the short name used in trial names.
pub fn render(results: &RunResults, model_short: &dyn Fn(&str) -> String) -> String {
    let failures = results
        .trials
        .iter()
        .filter(|t| matches!(t.outcome, Outcome::Fail { .. }))
        .count();
    let skipped = results
        .trials
        .iter()
        .filter(|t| matches!(t.outcome, Outcome::NotApplicable { .. }))
        .count();
    let total_ms: u64 = results.trials.iter().map(|t| t.duration_ms).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    writeln!(
        out,
        "<testsuites><testsuite name=\"compat\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">",
        results.trials.len(),
        total_ms as f64 / 1000.0
    )
    .unwrap();
    for t in &results.trials {
        let name = format!("{}::{}::{}", t.feature, t.provider, model_short(&t.model));
        write!(
            out,
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            escape(&t.feature),
            escape(&name),
            t.duration_ms as f64 / 1000.0
        )
        .unwrap();
        match &t.outcome {
            Outcome::Pass => out.push_str("/>\n"),
            Outcome::Fail { error } => {
                // The class is the failure's `type`, so a report can tell a
                // gateway incompatibility from a run that reached no verdict.
                let class = t.failure_class().map(|c| c.name()).unwrap_or_default();
                let first = error.lines().next().unwrap_or_default();
                writeln!(
                    out,
                    ">\n    <failure type=\"{class}\" message=\"{}\">{}</failure>\n  </testcase>",
                    escape(first),
                    escape(error)
                )
                .unwrap();
            }
            Outcome::NotApplicable { reason } => {
                writeln!(
                    out,
                    ">\n    <skipped message=\"{}\"/>\n  </testcase>",
                    escape(reason)
                )
                .unwrap();
            }
        }
    }
    out.push_str("</testsuite></testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Mode, TrialResult};

    #[test]
    fn failures_and_skips_are_escaped_xml() {
        let mut r = RunResults::new(Mode::Sim);
        for (model, outcome) in [
            ("claude-haiku-4-5", Outcome::Pass),
            (
                "claude-opus-4-7",
                Outcome::fail("API Error: 400 <bad> & \"worse\"\u{1b}[0m"),
            ),
            (
                "claude-sonnet-4-6",
                Outcome::NotApplicable {
                    reason: "n/a".into(),
                },
            ),
        ] {
            r.record(TrialResult {
                feature: "tool_use".into(),
                provider: "azure".into(),
                model: model.into(),
                outcome,
                duration_ms: 1500,
                attempts: 1,
                class: None,
                first_error: None,
                signature: None,
                evidence: None,
                details: serde_json::Value::Null,
            });
        }
        let xml = render(&r, &|m| m.trim_start_matches("claude-").to_owned());
        assert!(
            xml.contains(r#"tests="3" failures="1" skipped="1""#),
            "{xml}"
        );
        assert!(xml.contains(r#"name="tool_use::azure::opus-4-7""#), "{xml}");
        assert!(
            xml.contains("API Error: 400 &lt;bad&gt; &amp; &quot;worse&quot;?[0m"),
            "{xml}"
        );
    }
}
