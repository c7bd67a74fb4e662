//! SigV4 verification: recompute the signature of a received request with
//! the simulator's fake secret key and compare, as AWS does.
//!
//! The canonical request follows botocore's `SigV4Auth` (which LiteLLM uses):
//! the canonical URI is `quote(path, safe='/~')` of the path as sent (dot
//! segments and repeated slashes removed), so a `%3A` in a Converse path is
//! encoded again (`%253A`) for signing; the query is decoded, then encoded
//! once; a repeated header's values are joined with `,`. Checked against
//! AWS's SigV4 test suite (golden/vectors/aws4_testsuite/).

use axum::http::{HeaderMap, Method, Uri};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::error::bedrock_error;
use crate::wire::creds;
use crate::wire::record::Incoming;
use crate::wire::rejection::Rejection;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("any key length");
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// Python's `urllib.parse.quote(s, safe=...)`.
fn quote(s: &str, safe: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        let c = b as char;
        if c.is_ascii_alphanumeric() || "_.-~".contains(c) || safe.contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undoes percent-encoding (the query as received is already encoded).
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The canonical query: each name and value decoded, then URI-encoded once
/// (AWS SigV4 test suite case get-vanilla-query-order-encoded; botocore
/// signs the decoded params with `quote(.., safe='-_.~')`). Encoding the
/// received, already-encoded text again would turn `%E1` into `%25E1`.
fn canonical_query(query: Option<&str>) -> String {
    let Some(q) = query.filter(|q| !q.is_empty()) else {
        return String::new();
    };
    let encode = |s: &str| {
        percent_decode(s)
            .iter()
            .map(|&b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let mut pairs: Vec<(String, String)> = q
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (encode(k), encode(v))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The path as AWS canonicalizes it for services other than S3: dot segments
/// removed (RFC 3986 5.2.4) and consecutive slashes collapsed (AWS SigV4 test
/// suite normalize-path/*; botocore utils.py `remove_dot_segments`).
fn remove_dot_segments(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let first = if path.starts_with('/') { "/" } else { "" };
    let last = if path.ends_with('/') && !out.is_empty() {
        "/"
    } else {
        ""
    };
    format!("{first}{}{last}", out.join("/"))
}

/// A request as SigV4 signs it, with the Authorization header's parts.
pub struct Signing<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// `;`-separated lower-case names.
    pub signed_headers: &'a str,
    /// `x-amz-date`: `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
    /// `date/region/service/aws4_request`.
    pub scope: &'a str,
}

/// The signature of a request with `secret`: the HMAC chain over the string
/// to sign, hex.
pub fn signature(req: &Signing<'_>, secret: &str) -> String {
    let Signing {
        method,
        uri,
        headers,
        body,
        signed_headers,
        amz_date,
        scope,
    } = *req;
    let canonical_headers: String = signed_headers
        .split(';')
        .map(|name| {
            // A repeated header's values are joined with commas, each trimmed
            // (AWS SigV4 test suite get-header-key-duplicate, get-header-value-order;
            // botocore auth.py canonical_headers).
            let value = headers
                .get_all(name)
                .iter()
                .map(|v| {
                    v.to_str()
                        .unwrap_or("")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join(",");
            format!("{name}:{value}\n")
        })
        .collect();
    let payload_hash = headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| hex::encode(Sha256::digest(body)));
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method.as_str(),
        quote(&remove_dot_segments(uri.path()), "/~"),
        canonical_query(uri.query()),
        canonical_headers,
        signed_headers,
        payload_hash
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let mut parts = scope.split('/');
    let (date, region, service) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date);
    let k_region = hmac(&k_date, region);
    let k_service = hmac(&k_region, service);
    let k_signing = hmac(&k_service, "aws4_request");
    hex::encode(hmac(&k_signing, &string_to_sign))
}

/// `Ok` if the request carries a valid SigV4 signature for the simulator's
/// credentials; otherwise Bedrock's 403 naming the AWS exception.
pub(crate) fn verify(req: &Incoming) -> Result<(), Rejection> {
    verify_service(req, "bedrock", deny)
}

/// [`verify`] for the signing service `service` (the credential scope's
/// third part: `bedrock` for Bedrock Runtime, `bedrock-mantle` for Mantle),
/// refusing with `deny(rule, exception, message)` in the caller's error shape.
pub(crate) fn verify_service(
    req: &Incoming,
    service: &str,
    deny: fn(&'static str, &str, String) -> Rejection,
) -> Result<(), Rejection> {
    let headers = &req.headers;
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            deny(
                "bedrock.sigv4.missing_auth",
                "MissingAuthenticationTokenException",
                "Missing Authentication Token".to_owned(),
            )
        })?;
    let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ").ok_or_else(|| {
        deny(
            "bedrock.sigv4.malformed",
            "IncompleteSignatureException",
            format!(
                "Authorization header requires the AWS4-HMAC-SHA256 scheme, got `{}`",
                auth.split(' ').next().unwrap_or("")
            ),
        )
    })?;
    let field = |name: &str| {
        rest.split(", ")
            .find_map(|p| p.trim().strip_prefix(&format!("{name}=")))
            .map(str::to_owned)
    };
    let (Some(credential), Some(signed_headers), Some(given)) = (
        field("Credential"),
        field("SignedHeaders"),
        field("Signature"),
    ) else {
        return Err(deny(
            "bedrock.sigv4.malformed",
            "IncompleteSignatureException",
            "Authorization header requires Credential, SignedHeaders and Signature".into(),
        ));
    };
    let (access_key, scope) = credential.split_once('/').ok_or_else(|| {
        deny(
            "bedrock.sigv4.malformed",
            "IncompleteSignatureException",
            "Credential must be <access key>/<scope>".to_owned(),
        )
    })?;
    if access_key != creds::AWS_ACCESS_KEY_ID {
        return Err(deny(
            "bedrock.sigv4.unknown_key",
            "UnrecognizedClientException",
            "The security token included in the request is invalid.".into(),
        ));
    }
    let scope_parts: Vec<&str> = scope.split('/').collect();
    if scope_parts.len() != 4 || scope_parts[2] != service || scope_parts[3] != "aws4_request" {
        return Err(deny(
            "bedrock.sigv4.scope",
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to a valid region and the {service} service, got `{scope}`"
            ),
        ));
    }
    if scope_parts[1] != creds::AWS_REGION {
        return Err(deny(
            "bedrock.sigv4.scope",
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to a valid region, not '{}'.",
                scope_parts[1]
            ),
        ));
    }
    if !signed_headers.split(';').any(|h| h == "host") {
        return Err(deny(
            "bedrock.sigv4.malformed",
            "InvalidSignatureException",
            "'Host' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    let amz_date = headers.get("x-amz-date").and_then(|v| v.to_str().ok()).ok_or_else(|| {
        deny("bedrock.sigv4.malformed", 
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".to_owned(),
        )
    })?;
    let signing = Signing {
        method: &req.method,
        uri: &req.uri,
        headers,
        body: &req.body,
        signed_headers: &signed_headers,
        amz_date,
        scope,
    };
    let expected = signature(&signing, creds::AWS_SECRET_ACCESS_KEY);
    if expected != given {
        return Err(deny("bedrock.sigv4.signature", 
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".into(),
        ));
    }
    Ok(())
}

/// AWS's 403 for a request it cannot authenticate: exception type, message.
fn deny(rule: &'static str, kind: &str, message: String) -> Rejection {
    bedrock_error(rule, 403, kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_python() {
        assert_eq!(
            quote(
                "/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke",
                "/~"
            ),
            "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke"
        );
        assert_eq!(
            quote("/model/x-v1%3A0/converse", "/~"),
            "/model/x-v1%253A0/converse"
        );
    }
}
