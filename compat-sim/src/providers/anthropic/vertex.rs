//! Vertex AI's Claude endpoints and Google's OAuth token endpoint.
//!
//! `POST /v1/projects/{p}/locations/{l}/publishers/anthropic/models/{model}:rawPredict`
//! (and `:streamRawPredict`, which LiteLLM calls with `?alt=sse`). Body: the
//! Anthropic body without `model`, `anthropic_version: vertex-2023-10-16`.
//! Auth: an OAuth bearer token, which google-auth gets from `POST /token`
//! with a service-account JWT (cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude).
//! Token counting: `.../models/count-tokens:rawPredict` (`crate::providers::count_tokens`).

use std::collections::BTreeMap;

use axum::http::Method;
use base64::Engine as _;
use serde_json::{Value, json};

use super::dialect::Dialect;
use crate::pipeline::{Call, Codec};
use crate::wire::answer::Answer;
use crate::wire::api::Api;
use crate::wire::body::decode_segment;
use crate::wire::creds::{Credentials, ServiceAccountPublic};
use crate::wire::hosts::{GOOGLE_TOKEN_HOST, vertex_host};
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;
use crate::wire::response::ModelResponse;

pub(crate) struct RawPredict;

pub(crate) enum Op {
    /// The OAuth token exchange (google-auth's service-account flow).
    Token,
    /// `{model}:{method}` of a project and location.
    Predict {
        project: String,
        location: String,
        action: String,
    },
}

/// Google's error shape.
fn google_error(
    rule: &'static str,
    status: u16,
    state: &str,
    message: impl Into<String>,
) -> Rejection {
    let message = message.into();
    Rejection::new(
        rule,
        status,
        json!({"error": {"code": status, "message": message, "status": state}}),
        message,
    )
}

impl Codec for RawPredict {
    type Op = Op;
    const API: Api = Api::VertexAi;

    fn operation(&self, req: &Incoming) -> Option<Op> {
        if req.method != Method::POST {
            return None;
        }
        let path = req.uri.path();
        if path == "/token" {
            return Some(Op::Token);
        }
        let parts: Vec<&str> = path.strip_prefix("/v1/")?.split('/').collect();
        match parts.as_slice() {
            [
                "projects",
                project,
                "locations",
                location,
                "publishers",
                "anthropic",
                "models",
                action,
            ] => Some(Op::Predict {
                project: decode_segment(project),
                location: decode_segment(location),
                action: decode_segment(action),
            }),
            _ => None,
        }
    }

    fn streams(&self, op: &Op) -> Option<bool> {
        match op {
            Op::Predict { action, .. } => Some(action.ends_with(":streamRawPredict")),
            Op::Token => None,
        }
    }

    /// The token exchange is Google's OAuth host, the model calls the
    /// location's Vertex host.
    fn answers_as(&self, op: &Op, creds: &Credentials) -> Vec<String> {
        match op {
            Op::Token => vec![GOOGLE_TOKEN_HOST.to_owned()],
            Op::Predict { .. } => vec![vertex_host(&creds.vertex.location)],
        }
    }

    fn authenticate(&self, req: &Incoming, op: &Op) -> Result<(), Rejection> {
        let bearer = req
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "));
        match op {
            // The token endpoint is where credentials are obtained.
            Op::Token => Ok(()),
            // Sim mode: the one token its endpoint issues; with real hosts,
            // one this run's token endpoint issued.
            Op::Predict { .. } if bearer.is_some_and(|t| req.auth.token_valid(t)) => Ok(()),
            Op::Predict { .. } => Err(google_error(
                "vertex.auth.bearer",
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            )),
        }
    }

    fn validate(&self, req: &Incoming, op: Op) -> Result<Call, Rejection> {
        let (project, location, action) = match op {
            Op::Token => return token(req).map(Call::Answer),
            Op::Predict {
                project,
                location,
                action,
            } => (project, location, action),
        };
        let vertex = &req.auth.creds.vertex;
        if project != vertex.project {
            return Err(google_error(
                "vertex.project",
                403,
                "PERMISSION_DENIED",
                format!("Permission denied on resource project {project}."),
            ));
        }
        if location != vertex.location {
            return Err(google_error(
                "vertex.location",
                404,
                "NOT_FOUND",
                format!("Publisher model not found in location {location}."),
            ));
        }
        // Token counting: `count-tokens:rawPredict`, the model in the body
        // (`crate::providers::count_tokens`).
        if action == "count-tokens:rawPredict" {
            return super::count(req, true);
        }
        let (model, stream) = match action.rsplit_once(':') {
            Some((m, "rawPredict")) => (m, false),
            Some((m, "streamRawPredict")) => (m, true),
            _ => {
                return Err(google_error(
                    "vertex.method",
                    404,
                    "NOT_FOUND",
                    format!("unknown method `{action}`"),
                ));
            }
        };
        super::turn(req, Dialect::Vertex, Some(model), Some(stream))
    }

    fn encode(&self, resp: &ModelResponse, stream: bool, upstream_model: &str) -> Answer {
        super::encode(resp, stream, upstream_model)
    }

    // Past Google's front end, errors come from Anthropic's API in its shape.
    fn invalid(&self, rule: &'static str, message: String) -> Rejection {
        super::error(rule, 400, "invalid_request_error", message)
    }

    fn failure(&self, status: u16) -> Option<Rejection> {
        super::failure(status)
    }

    fn unknown_route(&self, message: String) -> Rejection {
        google_error("vertex.method", 404, "NOT_FOUND", message)
    }
}

/// Google's OAuth token endpoint, as google-auth's service-account flow calls
/// it: form-encoded `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`
/// and `assertion=<RS256 JWT>`: the JWT's shape, then its signature against
/// the simulated service account's public key.
fn token(req: &Incoming) -> Result<Answer, Rejection> {
    let form = url_form(&req.raw_body());
    let bad = |rule: &'static str, d: &str| {
        Rejection::new(
            rule,
            400,
            json!({"error": "invalid_grant", "error_description": d}),
            d,
        )
    };
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return Err(bad(
            "vertex.token.grant_type",
            "grant_type must be urn:ietf:params:oauth:grant-type:jwt-bearer",
        ));
    }
    let assertion = form
        .get("assertion")
        .ok_or_else(|| bad("vertex.token.jwt_shape", "assertion is required"))?;
    let parts: Vec<&str> = assertion.split('.').collect();
    let header_ok = parts.len() == 3
        && base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[0])
            .ok()
            .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
            .is_some_and(|h| h["alg"] == "RS256");
    if !header_ok {
        return Err(bad(
            "vertex.token.jwt_shape",
            "Invalid JWT: expected an RS256-signed service account assertion",
        ));
    }
    let account = &req.auth.creds.vertex.service_account;
    if !signed_by_service_account(&parts, account) {
        // Google's words (googleapis/google-cloud-python#10004 and many:
        // {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}).
        return Err(bad("vertex.token.jwt_signature", "Invalid JWT Signature."));
    }
    claims_check(&parts, account, req.auth.real_hosts).map_err(|(rule, d)| bad(rule, d))?;
    Ok(Answer::Json {
        headers: Vec::new(),
        body: json!({"access_token": req.auth.issue_token(), "expires_in": 3599, "token_type": "Bearer"}),
    })
}

/// The claims Google checks of a signed assertion (developers.google.com/
/// identity/protocols/oauth2/service-account, "Forming the JWT claim set":
/// `iss` the service account's email, `aud` the token URI, `exp` at most
/// one hour after `iat`): each where the service account names it; the
/// times with real hosts (sim mode's behaviour is unchanged).
fn claims_check(
    parts: &[&str],
    account: &ServiceAccountPublic,
    real_hosts: bool,
) -> Result<(), (&'static str, &'static str)> {
    let decode = |p: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p.trim_end_matches('='))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    };
    let (Some(header), Some(claims)) = (decode(parts[0]), decode(parts[1])) else {
        return Err((
            "vertex.token.jwt_shape",
            "Invalid JWT: expected an RS256-signed service account assertion",
        ));
    };
    // A `kid` naming another key of the account: its signature is not this key's.
    if let (Some(kid), Some(ours)) = (header["kid"].as_str(), &account.key_id)
        && kid != ours
    {
        return Err(("vertex.token.jwt_signature", "Invalid JWT Signature."));
    }
    if let Some(email) = &account.client_email
        && claims["iss"].as_str() != Some(email.as_str())
    {
        return Err((
            "vertex.token.jwt_issuer",
            "Invalid grant: account not found",
        ));
    }
    if let Some(uri) = &account.token_uri
        && claims["aud"].as_str() != Some(uri.as_str())
    {
        // Google's words: google/oauth2l#130 (2022-03-16).
        return Err((
            "vertex.token.jwt_audience",
            "Invalid JWT: Failed audience check.",
        ));
    }
    if real_hosts {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let (iat, exp) = (claims["iat"].as_i64(), claims["exp"].as_i64());
        // Google allows for clock skew; five minutes, as AWS's window.
        let in_time = matches!((iat, exp), (Some(iat), Some(exp))
            if exp > iat && exp - iat <= 3600 && iat <= now + 300 && exp > now - 300);
        if !in_time {
            // Google's words: fastlane/fastlane#14972 (2019-07-02) and many.
            return Err((
                "vertex.token.jwt_time",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values and use a clock with skew to account for clock differences between systems.",
            ));
        }
    }
    Ok(())
}

/// Whether the JWT `parts` (header, claims, signature) carry an RS256
/// (RSASSA-PKCS1-v1_5, SHA-256) signature over `header.claims` by the
/// service account's key (sim mode: `creds::vertex_service_account_key`),
/// verified with aws-lc-rs through rustls's signature verifiers.
fn signed_by_service_account(parts: &[&str], account: &ServiceAccountPublic) -> bool {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use tokio_rustls::rustls::SignatureScheme;
    // base64url, padded or not: LiteLLM's Rust path pads the signature
    // (google-auth does not), and a token endpoint that refused it would
    // paint a sim-only red.
    let lenient = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let Ok(signature) = lenient.decode(parts[2]) else {
        return false;
    };
    let message = format!("{}.{}", parts[0], parts[1]);
    let provider = tokio_rustls::rustls::crypto::aws_lc_rs::default_provider();
    let Some((_, verifiers)) = provider
        .signature_verification_algorithms
        .mapping
        .iter()
        .find(|(scheme, _)| *scheme == SignatureScheme::RSA_PKCS1_SHA256)
    else {
        return false;
    };
    let key = &account.public_key;
    verifiers.iter().any(|v| {
        v.verify_signature(key, message.as_bytes(), &signature)
            .is_ok()
    })
}

fn url_form(s: &str) -> BTreeMap<String, String> {
    s.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (form_decode(k), form_decode(v)))
        .collect()
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space.
fn form_decode(s: &str) -> String {
    decode_segment(&s.replace('+', " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let f = url_form("grant_type=urn%3Aietf%3Aparams&assertion=a.b.c&x=a+b%2Bc");
        assert_eq!(f["grant_type"], "urn:ietf:params");
        assert_eq!(f["assertion"], "a.b.c");
        assert_eq!(f["x"], "a b+c");
    }
}
