//! A small command-line parser for the publish/resolve subcommands:
//! `--name VALUE`, `--name=VALUE`, switches, positionals, and an error for
//! anything unknown (a typo must not silently change what gets published).

use anyhow::bail;

pub struct Args {
    args: Vec<String>,
    command: &'static str,
}

impl Args {
    pub fn new(command: &'static str, args: Vec<String>) -> Self {
        Args { args, command }
    }

    /// Takes `--name VALUE` or `--name=VALUE` (the last one wins).
    pub fn value(&mut self, name: &str) -> anyhow::Result<Option<String>> {
        let mut found = None;
        let mut i = 0;
        while i < self.args.len() {
            if self.args[i] == name {
                if i + 1 >= self.args.len() || self.args[i + 1].starts_with("--") {
                    bail!(
                        "{name} needs a value (see `cargo xtask {} --help`)",
                        self.command
                    );
                }
                found = Some(self.args.remove(i + 1));
                self.args.remove(i);
            } else if let Some(v) = self.args[i]
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix('='))
            {
                found = Some(v.to_owned());
                self.args.remove(i);
            } else {
                i += 1;
            }
        }
        if found.as_deref().is_some_and(|v| v.trim().is_empty()) {
            bail!("{name} needs a non-empty value");
        }
        Ok(found)
    }

    /// Takes a switch `--name`.
    pub fn switch(&mut self, name: &str) -> bool {
        let before = self.args.len();
        self.args.retain(|a| a != name);
        self.args.len() != before
    }

    /// The positionals; an error for any option nobody took.
    pub fn finish(self) -> anyhow::Result<Vec<String>> {
        if let Some(unknown) = self.args.iter().find(|a| a.starts_with('-')) {
            bail!(
                "unknown option `{unknown}` (see `cargo xtask {} --help`)",
                self.command
            );
        }
        Ok(self.args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Args {
        Args::new("publish", s.split_whitespace().map(str::to_owned).collect())
    }

    #[test]
    fn values_switches_and_positionals() {
        let mut a = args("--dry-run --branch gh-pages pos --path=src/m.json");
        assert_eq!(a.value("--branch").unwrap().as_deref(), Some("gh-pages"));
        assert_eq!(a.value("--path").unwrap().as_deref(), Some("src/m.json"));
        assert_eq!(a.value("--out").unwrap(), None);
        assert!(a.switch("--dry-run"));
        assert!(!a.switch("--no-publish"));
        assert_eq!(a.finish().unwrap(), ["pos"]);
    }

    #[test]
    fn errors_name_the_option() {
        let e = args("--branch").value("--branch").unwrap_err().to_string();
        assert_eq!(
            e,
            "--branch needs a value (see `cargo xtask publish --help`)"
        );
        assert!(args("--branch --dry-run").value("--branch").is_err());
        let e = args("--dry-rum").finish().unwrap_err().to_string();
        assert!(e.starts_with("unknown option `--dry-rum`"), "{e}");
    }
}
