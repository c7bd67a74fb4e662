//! The Bedrock simulators' SigV4 verifier canonicalizes as AWS does (AWS
//! SigV4 test suite, botocore tests/unit/auth/aws4_testsuite; botocore
//! auth.py and utils.py): each request here is signed over a canonical
//! request written out literally, as AWS defines it, not by the crate's own
//! signer, so a verifier that agreed only with itself would fail. The
//! request signed over the old, wrong canonical form is refused.

use compat_sim::{Api, Simulators, creds};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::common::*;

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// SigV4's string to sign and HMAC chain over a given canonical request.
fn sign(canonical_request: &str, scope: &str) -> String {
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{AMZ_DATE}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = format!("AWS4{}", creds::AWS_SECRET_ACCESS_KEY).into_bytes();
    for part in scope.split('/') {
        key = hmac(&key, part);
    }
    hex::encode(hmac(&key, &string_to_sign))
}

/// Posts the Invoke body to `path_and_query` with `extra` headers (repeats
/// kept), signed over `canonical(host, body hash)`; the status.
fn post_signed(
    sims: &Simulators,
    path_and_query: &str,
    extra: &[(&str, &str)],
    signed_headers: &str,
    canonical: impl Fn(&str, &str) -> String,
) -> u16 {
    let base = sims.base_url(Api::BedrockInvoke).unwrap();
    let host = base.trim_start_matches("http://");
    let body = serde_json::to_vec(&invoke_body()).unwrap();
    let scope = format!("20261125/{}/bedrock/aws4_request", creds::AWS_REGION);
    let sig = sign(
        &canonical(host, &hex::encode(Sha256::digest(&body))),
        &scope,
    );
    let mut req = reqwest::blocking::Client::new()
        .post(format!("{base}{path_and_query}"))
        .header("content-type", "application/json")
        .header("x-amz-date", AMZ_DATE)
        .header(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={sig}",
                creds::AWS_ACCESS_KEY_ID
            ),
        );
    for (k, v) in extra {
        req = req.header(*k, *v); // appends: a repeated name is sent twice
    }
    req.body(body).send().unwrap().status().as_u16()
}

/// A repeated header's values are joined with ',' (get-header-key-duplicate,
/// get-header-value-order).
#[test]
fn a_repeated_header_is_signed_with_its_values_joined() {
    let sims = Simulators::start(&[Api::BedrockInvoke]).unwrap();
    let signed = "content-type;host;x-amz-date;x-amz-meta-dup";
    let canonical = |dup: &'static str| {
        move |host: &str, hash: &str| {
            format!(
                "POST\n{INVOKE}\n\ncontent-type:application/json\nhost:{host}\nx-amz-date:{AMZ_DATE}\nx-amz-meta-dup:{dup}\n\n{signed}\n{hash}"
            )
        }
    };
    let dup = [("x-amz-meta-dup", "value1"), ("x-amz-meta-dup", "value2")];
    assert_eq!(
        post_signed(&sims, INVOKE, &dup, signed, canonical("value1,value2")),
        200
    );
    // The first value only (the verifier's old reading) is not AWS's form.
    assert_eq!(
        post_signed(&sims, INVOKE, &dup, signed, canonical("value1")),
        403
    );
}

/// The received query is decoded, then URI-encoded once
/// (get-vanilla-query-order-encoded), names and values sorted.
#[test]
fn an_encoded_query_is_signed_encoded_once() {
    let sims = Simulators::start(&[Api::BedrockInvoke]).unwrap();
    let signed = "content-type;host;x-amz-date";
    let canonical = |query: &'static str| {
        move |host: &str, hash: &str| {
            format!(
                "POST\n{INVOKE}\n{query}\ncontent-type:application/json\nhost:{host}\nx-amz-date:{AMZ_DATE}\n\n{signed}\n{hash}"
            )
        }
    };
    let path = format!("{INVOKE}?Param-3=Value3&Param1=Value%201&%E1%88%B4=x");
    assert_eq!(
        post_signed(
            &sims,
            &path,
            &[],
            signed,
            canonical("%E1%88%B4=x&Param-3=Value3&Param1=Value%201")
        ),
        200
    );
    // Encoding the already-encoded text again (`%` as `%25`) is not AWS's form.
    assert_eq!(
        post_signed(
            &sims,
            &path,
            &[],
            signed,
            canonical("%25E1%2588%25B4=x&Param-3=Value3&Param1=Value%25201")
        ),
        403
    );
}

/// Dot segments and repeated slashes are removed from the path before it is
/// encoded (normalize-path/*). No Bedrock operation's path has them, so the
/// simulators answer such a path 404 before authenticating; the rule is
/// checked on the signer the verifier uses, against a literal canonical request.
#[test]
fn a_path_is_signed_with_dot_segments_and_repeated_slashes_removed() {
    use axum::http::{HeaderMap, HeaderValue, Method, Uri};
    let scope = format!("20261125/{}/bedrock/aws4_request", creds::AWS_REGION);
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
    headers.insert("x-amz-date", HeaderValue::from_static(AMZ_DATE));
    let empty = hex::encode(Sha256::digest(b""));
    for (path, normalized) in [
        ("/example/..", "/"),
        ("/./", "/"),
        ("/example//", "/example/"),
        ("//example//", "/example/"),
        ("/model/x/./../y:0/invoke", "/model/y%3A0/invoke"),
    ] {
        let uri: Uri = path.parse().unwrap();
        let got = compat_sim::aws::signature(
            &compat_sim::aws::Signing {
                method: &Method::GET,
                uri: &uri,
                headers: &headers,
                body: b"",
                signed_headers: "host;x-amz-date",
                amz_date: AMZ_DATE,
                scope: &scope,
            },
            creds::AWS_SECRET_ACCESS_KEY,
        );
        let want = sign(
            &format!(
                "GET\n{normalized}\n\nhost:example.amazonaws.com\nx-amz-date:{AMZ_DATE}\n\nhost;x-amz-date\n{empty}"
            ),
            &scope,
        );
        assert_eq!(got, want, "{path} must be signed as {normalized}");
    }
}
