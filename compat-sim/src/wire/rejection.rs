//! The one way a simulator says "no": [`Rejection`], the provider's HTTP
//! status, error body and headers, and the message recorded for the request.

use serde_json::Value;

/// A request the simulated service refuses (or, under a fault, fails).
///
/// Every constructor takes the id of the ledger rule that decides it
/// (compat-sim/ledger/*.yaml, [`crate::wire::ledger`]): the compiler sees to
/// it that no refusal is built without one, and compat-sim's `ledger` test
/// that every id named in the code has its entry and every entry its site.
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
    /// names it (issue 25).
    pub rule: &'static str,
}

impl Rejection {
    /// A complete rejection in a provider's shape, decided by rule `rule`.
    pub fn new(rule: &'static str, status: u16, body: Value, message: impl Into<String>) -> Self {
        Rejection {
            status,
            body: Some(Box::new(body)),
            headers: Vec::new(),
            message: message.into(),
            rule,
        }
    }

    /// A 400 the real service would send for an invalid request, not yet in
    /// any provider's shape, decided by rule `rule`.
    pub fn invalid(rule: &'static str, message: impl Into<String>) -> Self {
        Rejection {
            status: 400,
            body: None,
            headers: Vec::new(),
            message: message.into(),
            rule,
        }
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
