//! The one way a simulator says "no": [`Rejection`], the provider's HTTP
//! status, error body and headers, and the message recorded for the request.

use serde_json::Value;

/// A request the simulated service refuses (or, under a fault, fails).
///
/// Provider code builds complete rejections in its own error shape. Code that
/// several providers share (the dialect parsers, the scripted model) cannot
/// know that shape, so it builds [`Rejection::invalid`] without a body and the
/// pipeline has the request's codec shape it (`Codec::invalid`): one type
/// whatever found the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub status: u16,
    /// The provider's error body; `None` until a codec has shaped it.
    /// (Boxed: rejections travel in every `Result` of the parsers.)
    pub body: Option<Box<Value>>,
    /// Extra response headers (e.g. Bedrock's `x-amzn-ErrorType`).
    pub headers: Vec<(String, String)>,
    /// What the request record quotes as the reason.
    pub message: String,
    /// The id of the simulator rule that decided it, as the rule ledger
    /// names it (issue 25); [`UNFILED`] until the site names its rule.
    pub rule: &'static str,
}

/// The rule id of a rejection whose site does not name its rule yet.
pub const UNFILED: &str = "unfiled";

impl Rejection {
    /// A complete rejection in a provider's shape.
    pub fn new(status: u16, body: Value, message: impl Into<String>) -> Self {
        Rejection {
            status,
            body: Some(Box::new(body)),
            headers: Vec::new(),
            message: message.into(),
            rule: UNFILED,
        }
    }

    /// A 400 the real service would send for an invalid request, not yet in
    /// any provider's shape.
    pub fn invalid(message: impl Into<String>) -> Self {
        Rejection {
            status: 400,
            body: None,
            headers: Vec::new(),
            message: message.into(),
            rule: UNFILED,
        }
    }

    /// The same rejection, decided by the ledger's rule `id`.
    pub fn rule(mut self, id: &'static str) -> Self {
        self.rule = id;
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The same rejection with `prefix` before its message (for services that
    /// relay another component's validation error under their own words).
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.message = format!("{prefix}{}", self.message);
        self
    }
}
