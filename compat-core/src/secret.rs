//! A credential that must never be printed: `Debug` and `Display` show `***`,
//! and [`Redactor`] scrubs it (and its encodings) out of any text a tool is
//! about to surface, e.g. git's stderr.

use std::fmt;

use base64::Engine as _;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// `None` for an empty or whitespace-only value, so `FOO=` counts as unset.
    pub fn new(value: impl Into<String>) -> Option<Self> {
        let v = value.into().trim().to_owned();
        if v.is_empty() { None } else { Some(Secret(v)) }
    }

    /// Reads an environment variable; unset, empty or not UTF-8 is `None`.
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var).ok().and_then(Self::new)
    }

    /// The value itself. Only for putting it where it is used (a header, an
    /// environment variable of a child process), never into a message.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Replaces every known secret form in a text with `***`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the secret itself plus the forms it takes on the wire: the basic
    /// auth value `base64(x-access-token:<token>)` git sends, and the plain
    /// base64 of the token.
    pub fn add(&mut self, secret: &Secret) {
        let b64 = base64::engine::general_purpose::STANDARD;
        for needle in [
            secret.expose().to_owned(),
            b64.encode(format!("x-access-token:{}", secret.expose())),
            b64.encode(secret.expose()),
        ] {
            if !needle.is_empty() && !self.needles.contains(&needle) {
                self.needles.push(needle);
            }
        }
        // Longest first, so a needle that contains another is replaced whole.
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), "***");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_formats_the_value() {
        let s = Secret::new("ghs_supersecret").unwrap();
        assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
        assert!(Secret::new("  ").is_none());
    }

    #[test]
    fn redacts_the_value_and_its_basic_auth_form() {
        let s = Secret::new("ghs_supersecret").unwrap();
        let mut r = Redactor::new();
        r.add(&s);
        let basic = base64::engine::general_purpose::STANDARD.encode("x-access-token:ghs_supersecret");
        let text = format!("token ghs_supersecret header Basic {basic} end");
        assert_eq!(r.redact(&text), "token *** header Basic *** end");
    }
}
