//! A secret string (API key, token, master key) that never prints itself.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that must send it (an env var, a header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the secret replaced by `<redacted>`.
    pub fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.0, "<redacted>")
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

// ---- publisher and resolver additions ---------------------------------------

impl Secret {
    /// Reads an environment variable; unset, empty, whitespace-only or not
    /// UTF-8 is `None`, so `FOO=` counts as unset.
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var)
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .map(Secret)
    }
}

/// Scrubs secrets, and the forms they take on the wire, out of text a tool is
/// about to surface (git's stderr, an error message).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the secret itself and its encodings: the HTTP basic-auth value
    /// `base64(x-access-token:<token>)` git sends for a GitHub token, and the
    /// plain base64 of the token.
    pub fn add(&mut self, secret: &Secret) {
        use base64::Engine as _;
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
                out = out.replace(n.as_str(), "<redacted>");
            }
        }
        out
    }
}

#[cfg(test)]
mod redactor_tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn never_formats_the_value() {
        let s = Secret::new("ghs_supersecret");
        assert_eq!(format!("{s} {s:?}"), "<redacted> Secret(<redacted>)");
    }

    #[test]
    fn redacts_the_value_and_its_basic_auth_form() {
        let mut r = Redactor::new();
        r.add(&Secret::new("ghs_supersecret"));
        let basic =
            base64::engine::general_purpose::STANDARD.encode("x-access-token:ghs_supersecret");
        let text = format!("token ghs_supersecret header Basic {basic} end");
        assert_eq!(
            r.redact(&text),
            "token <redacted> header Basic <redacted> end"
        );
    }
}
