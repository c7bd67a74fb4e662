//! Version resolvers: which LiteLLM release and which Claude Code version a
//! run targets.
//!
//! - [`litellm`]: the Latest Stable LiteLLM Resolver (GitHub Releases API).
//! - [`claude_code`]: the Claude Code PR-Gate Version Resolver (npm registry),
//!   plus the `latest` dist-tag for the daily job.
//!
//! Both take their base URL as a parameter (tests point them at a local
//! server) and return [`ResolveError`]s that say what to do next.

use std::time::Duration;

use jiff::Timestamp;

pub mod claude_code;
#[cfg(test)]
mod http_tests;
pub mod litellm;

/// Sent on every request. GitHub rejects API requests without a User-Agent.
pub const USER_AGENT: &str = concat!(
    "claude-code-compat-matrix/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/BerriAI/litellm)"
);

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("cannot reach {url}: {detail}")]
    Network { url: String, detail: String },
    #[error("{}", rate_limit_message(url, *reset, *retry_after, *authenticated, token_var))]
    RateLimited {
        url: String,
        /// When the quota resets (`x-ratelimit-reset`), if the server said.
        reset: Option<Timestamp>,
        /// `retry-after` in seconds (secondary rate limits), if the server said.
        retry_after: Option<u64>,
        /// Whether the request carried a token.
        authenticated: bool,
        /// The environment variable that supplies a token (`GITHUB_TOKEN`),
        /// or empty when the service takes none.
        token_var: &'static str,
    },
    #[error("{url} answered HTTP {status}: {detail}")]
    Status {
        url: String,
        status: u16,
        detail: String,
    },
    #[error("{url} returned a document this tool cannot read: {message}")]
    Malformed { url: String, message: String },
    #[error("{0}")]
    NoMatch(String),
}

fn rate_limit_message(
    url: &str,
    reset: Option<Timestamp>,
    retry_after: Option<u64>,
    authenticated: bool,
    token_var: &str,
) -> String {
    let mut m = format!("rate limited by {url}");
    if let Some(t) = reset {
        let mins = ((t.as_second() - Timestamp::now().as_second()).max(0) as u64).div_ceil(60);
        m.push_str(&format!(
            "; the quota resets at {} (in about {mins} min)",
            compat_matrix::matrix::format_timestamp(t)
        ));
    } else if let Some(s) = retry_after {
        m.push_str(&format!("; retry after {s} s"));
    }
    if !token_var.is_empty() {
        if authenticated {
            m.push_str(&format!(
                "; the token in {token_var} has used up its quota: wait for the reset"
            ));
        } else {
            m.push_str(&format!(
                "; unauthenticated requests get a small quota: set {token_var} to a token (read-only is enough) and rerun"
            ));
        }
    } else {
        m.push_str("; wait and rerun");
    }
    m
}

/// The HTTP client both resolvers use: rustls, a User-Agent, bounded timeouts.
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(120))
        // Redirects are followed by hand (never, here): a token must not be
        // forwarded to another host.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("the HTTP client configuration is valid")
}

/// `reqwest::Error` with its cause chain ("connection refused" lives in a
/// source, not in the top-level message).
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ")
}

/// Turns a non-success response into the right error; `token_var` names the
/// variable that would lift a rate limit.
pub(crate) async fn status_error(
    url: &str,
    resp: reqwest::Response,
    authenticated: bool,
    token_var: &'static str,
) -> ResolveError {
    let status = resp.status();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let remaining = header("x-ratelimit-remaining");
    let reset = header("x-ratelimit-reset")
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| Timestamp::from_second(s).ok());
    let retry_after = header("retry-after").and_then(|s| s.parse::<u64>().ok());
    let limited = status.as_u16() == 429
        || (status.as_u16() == 403 && (remaining.as_deref() == Some("0") || retry_after.is_some()));
    if limited {
        return ResolveError::RateLimited {
            url: url.to_owned(),
            reset,
            retry_after,
            authenticated,
            token_var,
        };
    }
    let body = resp.text().await.unwrap_or_default();
    // GitHub and npm both answer errors as `{"message": ...}` / `{"error": ...}`.
    let detail = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .or_else(|| v.get("error"))
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| excerpt(&body));
    let hint = match status.as_u16() {
        401 if authenticated && !token_var.is_empty() => {
            format!(" (the token in {token_var} was rejected: fix or unset it)")
        }
        404 => " (check the name and the base URL)".to_owned(),
        500..=599 => " (server error: rerun later)".to_owned(),
        _ => String::new(),
    };
    ResolveError::Status {
        url: url.to_owned(),
        status: status.as_u16(),
        detail: format!("{detail}{hint}"),
    }
}

fn excerpt(body: &str) -> String {
    let t = body.trim();
    if t.is_empty() {
        return "(empty body)".to_owned();
    }
    let mut s: String = t.chars().take(200).collect();
    if s.len() < t.len() {
        s.push('…');
    }
    s
}

/// Runs a resolver future to completion on a private current-thread runtime,
/// for callers that are not async (the xtask command line).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
        .block_on(f)
}
