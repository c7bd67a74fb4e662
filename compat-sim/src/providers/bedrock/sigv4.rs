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
    let aws = &req.auth.creds.aws;
    if access_key != aws.access_key_id {
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
    if scope_parts[1] != aws.region {
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
    real_host_checks(req, &signed_headers, amz_date, deny)?;
    let signing = Signing {
        method: &req.method,
        uri: &req.uri,
        headers,
        body: &req.body,
        signed_headers: &signed_headers,
        amz_date,
        scope,
    };
    let expected = signature(&signing, &aws.secret_access_key);
    if expected != given {
        return Err(deny("bedrock.sigv4.signature", 
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".into(),
        ));
    }
    Ok(())
}

/// What a signature must also prove when it reaches the real host: the
/// session token of a temporary credential, signed; with real hosts,
/// `x-amz-date` within 5 minutes of now (AWS SigV4 docs, "Elements of an
/// AWS API request signature": a signed request is valid for 5 minutes;
/// temporary credentials add `X-Amz-Security-Token`). The signed `host`
/// is the real host: the pipeline answers any other `Host` 421
/// (`sim.real_host`) before authentication, and `host` must be signed
/// (`bedrock.sigv4.malformed`).
fn real_host_checks(
    req: &Incoming,
    signed_headers: &str,
    amz_date: &str,
    deny: fn(&'static str, &str, String) -> Rejection,
) -> Result<(), Rejection> {
    let creds = &req.auth.creds;
    if let Some(token) = &creds.aws.session_token {
        let sent = req.header("x-amz-security-token");
        // A temporary key without its token, or with another, is unknown
        // to AWS: the same words as an unknown key.
        if sent != Some(token.as_str())
            || !signed_headers
                .split(';')
                .any(|h| h == "x-amz-security-token")
        {
            return Err(deny(
                "bedrock.sigv4.session_token",
                "UnrecognizedClientException",
                "The security token included in the request is invalid.".into(),
            ));
        }
    }
    if !req.auth.real_hosts {
        return Ok(());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let Some(signed_at) = parse_amz_date(amz_date) else {
        return Err(deny(
            "bedrock.sigv4.malformed",
            "IncompleteSignatureException",
            format!("Date must be in ISO-8601 'basic format'. Got '{amz_date}'."),
        ));
    };
    const SKEW: i64 = 5 * 60;
    if signed_at < now - SKEW {
        return Err(deny(
            "bedrock.sigv4.date_skew",
            "InvalidSignatureException",
            format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
                amz_date_of(now - SKEW),
                amz_date_of(now)
            ),
        ));
    }
    if signed_at > now + SKEW {
        return Err(deny(
            "bedrock.sigv4.date_skew",
            "InvalidSignatureException",
            format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
                amz_date_of(now + SKEW),
                amz_date_of(now)
            ),
        ));
    }
    Ok(())
}

/// Seconds since the Unix epoch of `YYYYMMDDTHHMMSSZ`.
fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// `YYYYMMDDTHHMMSSZ` of seconds since the Unix epoch.
fn amz_date_of(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// AWS's 403 for a request it cannot authenticate: exception type, message.
fn deny(rule: &'static str, kind: &str, message: String) -> Rejection {
    bedrock_error(rule, 403, kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_round_trip() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        let t = parse_amz_date("20261125T101500Z").unwrap();
        assert_eq!(amz_date_of(t), "20261125T101500Z");
        assert_eq!(amz_date_of(951_782_400), "20000229T000000Z");
        assert_eq!(parse_amz_date("2026-11-25T10:15:00Z"), None);
    }

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
