//! Rehearsal mode's simulators (issue 26): minted, real-shaped credentials,
//! every simulator answering as its provider's real host behind the
//! intercepting front. What a live client sends through the front is
//! accepted; what only sim mode's credentials, a skewed clock, another
//! signing service, an un-issued token or a bypass of the front would send
//! is refused, in the provider's words.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use base64::Engine as _;
use compat_sim::{
    Api, Front, FrontListener, Minted, SearchPage, Simulators, TAVILY_HOST, creds, mint_rehearsal,
    real_host, real_hosts,
};
use serde_json::{Value, json};

/// A private directory for one test's minted files, removed on drop.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new() -> Dir {
        let p =
            std::env::temp_dir().join(format!("compat-sim-rehearsal-{:016x}", fastrand::u64(..)));
        std::fs::create_dir(&p).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        Dir(p)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Minted credentials, every simulator with real hosts, and a front with
/// one listener (`invoke`: Bedrock Runtime is the Invoke simulator) routing
/// every real host to its simulator.
struct Rig {
    minted: Minted,
    sims: Simulators,
    front: Front,
    dir: Dir,
}

impl Rig {
    fn new() -> Rig {
        let dir = Dir::new();
        let minted = mint_rehearsal(&dir.0).unwrap();
        let sims = Simulators::start_with(
            &Api::ALL,
            compat_sim::SimOptions::rehearsal(minted.creds.clone()),
        )
        .unwrap();
        let mut routes: BTreeMap<String, SocketAddr> = BTreeMap::new();
        for api in [
            Api::Anthropic,
            Api::BedrockInvoke,
            Api::VertexAi,
            Api::Azure,
            Api::BedrockMantle,
        ] {
            for h in real_hosts(api, &minted.creds) {
                routes.insert(h, sims.addr(api).unwrap());
            }
        }
        routes.insert(TAVILY_HOST.into(), sims.tavily_addr().unwrap());
        let front = Front::start(vec![FrontListener {
            label: "invoke".into(),
            routes,
        }])
        .unwrap();
        Rig {
            minted,
            sims,
            front,
            dir,
        }
    }

    fn env(&self, name: &str) -> String {
        self.minted
            .env
            .iter()
            .find(|(k, _)| k == name)
            .unwrap()
            .1
            .clone()
    }

    fn client(&self) -> reqwest::blocking::Client {
        let ca = reqwest::Certificate::from_pem(self.front.ca_pem().as_bytes()).unwrap();
        reqwest::blocking::Client::builder()
            .proxy(reqwest::Proxy::https(self.front.proxy_url("invoke").unwrap()).unwrap())
            .tls_certs_only([ca])
            .build()
            .unwrap()
    }

    /// POST `body` to `https://{host}{path}` through the front.
    fn post(
        &self,
        host: &str,
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> (u16, String) {
        let mut req = self
            .client()
            .post(format!("https://{host}{path}"))
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let r = req.send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }
}

fn h(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

/// Now as `x-amz-date`, shifted by `secs`.
fn amz_date(secs: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("{secs} seconds"), "+%Y%m%dT%H%M%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// SigV4 headers as botocore signs them for `host` (host, content-type,
/// x-amz-date, and x-amz-security-token when given).
fn sign(
    c: &creds::AwsCreds,
    service: &str,
    host: &str,
    path: &str,
    body: &[u8],
    date: &str,
    token: Option<&str>,
) -> Vec<(String, String)> {
    let mut hm = HeaderMap::new();
    hm.insert("host", HeaderValue::from_str(host).unwrap());
    hm.insert("content-type", HeaderValue::from_static("application/json"));
    hm.insert("x-amz-date", HeaderValue::from_str(date).unwrap());
    let mut signed = "content-type;host;x-amz-date".to_owned();
    if let Some(t) = token {
        hm.insert("x-amz-security-token", HeaderValue::from_str(t).unwrap());
        signed.push_str(";x-amz-security-token");
    }
    let scope = format!("{}/{}/{service}/aws4_request", &date[..8], c.region);
    let uri: Uri = path.parse().unwrap();
    let sig = compat_sim::aws::signature(
        &compat_sim::aws::Signing {
            method: &Method::POST,
            uri: &uri,
            headers: &hm,
            body,
            signed_headers: &signed,
            amz_date: date,
            scope: &scope,
        },
        &c.secret_access_key,
    );
    let mut out = vec![
        h("content-type", "application/json"),
        h("x-amz-date", date),
        h(
            "authorization",
            &format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={sig}",
                c.access_key_id
            ),
        ),
    ];
    if let Some(t) = token {
        out.push(h("x-amz-security-token", t));
    }
    out
}

const INVOKE: &str = "/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke";

fn invoke_body() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Reply with exactly `OK`."}],
    }))
    .unwrap()
}

#[test]
fn minted_credentials_look_real_and_read_back_from_the_live_environment() {
    let rig = Rig::new();
    let key = rig.env("ANTHROPIC_API_KEY");
    assert!(
        key.starts_with("sk-ant-api03-") && key.ends_with("AA") && key.len() == 108,
        "shape"
    );
    let aws = &rig.minted.creds.aws;
    assert!(aws.access_key_id.starts_with("ASIA") && aws.access_key_id.len() == 20);
    assert_eq!(aws.secret_access_key.len(), 40);
    assert!(aws.session_token.as_ref().unwrap().len() > 300);
    assert!(rig.env("BEDROCK_MANTLE_API_KEY").starts_with("ABSK"));
    assert!(rig.env("TAVILY_API_KEY").starts_with("tvly-"));
    assert_eq!(
        rig.env("AZURE_API_BASE"),
        format!("{}/anthropic", rig.env("AZURE_AI_API_BASE"))
    );
    assert!(
        rig.env("AZURE_AI_API_BASE")
            .ends_with(".services.ai.azure.com")
    );
    assert!(rig.env("VERTEX_PROJECT").starts_with("compat-rehearsal-"));
    // Two mints share nothing.
    let other = Dir::new();
    assert_ne!(
        mint_rehearsal(&other.0).unwrap().creds.anthropic_api_key,
        key
    );

    let sa_path = rig.env("GOOGLE_APPLICATION_CREDENTIALS");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&sa_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let sa: Value = serde_json::from_str(&std::fs::read_to_string(&sa_path).unwrap()).unwrap();
    assert_eq!(sa["type"], "service_account");
    assert_eq!(sa["token_uri"], "https://oauth2.googleapis.com/token");
    assert!(
        sa["private_key"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );

    let env: BTreeMap<String, String> = rig.minted.env.iter().cloned().collect();
    let read = creds::Credentials::from_live_env(|k| env.get(k).cloned()).unwrap();
    let m = &rig.minted.creds;
    assert_eq!(read.anthropic_api_key, m.anthropic_api_key);
    assert_eq!(read.aws.session_token, m.aws.session_token);
    assert_eq!(read.foundry_resource_host, m.foundry_resource_host);
    let (a, b) = (&read.vertex.service_account, &m.vertex.service_account);
    assert_eq!(a.public_key, b.public_key);
    assert_eq!(
        (&a.client_email, &a.key_id, &a.token_uri),
        (&b.client_email, &b.key_id, &b.token_uri)
    );
    // A missing variable is named; no value is quoted.
    let err = creds::Credentials::from_live_env(|k| {
        (k != "TAVILY_API_KEY")
            .then(|| env.get(k).cloned())
            .flatten()
    })
    .unwrap_err();
    assert!(err.contains("TAVILY_API_KEY"), "{err}");
    assert!(!err.contains(&key));
    assert!(
        !format!("{:?}", rig.minted).contains(&key),
        "Debug names no secret"
    );
}

#[test]
fn keys_are_checked_at_the_real_hosts_and_a_bypass_is_a_violation() {
    let rig = Rig::new();
    let body = serde_json::to_vec(&json!({
        "model": "claude-haiku-4-5", "max_tokens": 64,
        "messages": [{"role": "user", "content": "Reply with exactly `OK`."}],
    }))
    .unwrap();
    let version = h("anthropic-version", "2023-06-01");
    let key = rig.minted.creds.anthropic_api_key.clone();
    let (s, t) = rig.post(
        "api.anthropic.com",
        "/v1/messages",
        &[h("x-api-key", &key), version.clone()],
        body.clone(),
    );
    assert_eq!(s, 200, "{t}");
    let (s, t) = rig.post(
        "api.anthropic.com",
        "/v1/messages",
        &[h("x-api-key", creds::ANTHROPIC_API_KEY), version.clone()],
        body.clone(),
    );
    assert_eq!(s, 401, "sim's key is not this run's: {t}");

    let foundry = rig.minted.creds.foundry_resource_host.clone().unwrap();
    let azure_key = rig.minted.creds.azure_api_key.clone();
    let (s, t) = rig.post(
        &foundry,
        "/anthropic/v1/messages",
        &[h("x-api-key", &azure_key), version.clone()],
        body.clone(),
    );
    assert_eq!(s, 200, "{t}");

    let mantle_host = real_host(Api::BedrockMantle, &rig.minted.creds).unwrap();
    let mut mantle_body: Value = serde_json::from_slice(&body).unwrap();
    mantle_body["model"] = json!("anthropic.claude-haiku-4-5");
    let mantle_body = serde_json::to_vec(&mantle_body).unwrap();
    let bearer = format!("Bearer {}", rig.minted.creds.bedrock_mantle_api_key);
    let (s, t) = rig.post(
        &mantle_host,
        "/anthropic/v1/messages",
        &[h("authorization", &bearer), version.clone()],
        mantle_body,
    );
    assert_eq!(s, 200, "{t}");

    assert!(
        rig.sims.violations().is_empty(),
        "{:?}",
        rig.sims.violations()
    );
    // Straight to the simulator's address, around the front: 421 and a violation.
    let direct = reqwest::blocking::Client::new()
        .post(format!(
            "{}/v1/messages",
            rig.sims.base_url(Api::Anthropic).unwrap()
        ))
        .header("x-api-key", &key)
        .header("anthropic-version", "2023-06-01")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(direct.status().as_u16(), 421);
    let v = rig.sims.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        v[0].contains("anthropic") && v[0].contains("api.anthropic.com"),
        "{v:?}"
    );
    assert!(!v[0].contains(&key), "a violation quotes no credential");
}

#[test]
fn sigv4_must_carry_the_session_token_a_current_date_and_mantles_service() {
    let rig = Rig::new();
    let c = rig.minted.creds.aws.clone();
    let token = c.session_token.clone().unwrap();
    let host = real_host(Api::BedrockInvoke, &rig.minted.creds).unwrap();
    assert_eq!(host, "bedrock-runtime.us-east-1.amazonaws.com");
    let body = invoke_body();
    let now = amz_date(0);
    let send = |headers: Vec<(String, String)>| rig.post(&host, INVOKE, &headers, body.clone());

    let (s, t) = send(sign(
        &c,
        "bedrock",
        &host,
        INVOKE,
        &body,
        &now,
        Some(&token),
    ));
    assert_eq!(s, 200, "{t}");
    // No token, another token.
    let (s, t) = send(sign(&c, "bedrock", &host, INVOKE, &body, &now, None));
    assert_eq!(s, 403, "{t}");
    assert!(
        t.contains("The security token included in the request is invalid."),
        "{t}"
    );
    let (s, t) = send(sign(
        &c,
        "bedrock",
        &host,
        INVOKE,
        &body,
        &now,
        Some("IQoJb3JpZ2luX2VjWRONG"),
    ));
    assert_eq!(s, 403, "{t}");
    // Signed 10 minutes ago, or 10 minutes ahead.
    let (s, t) = send(sign(
        &c,
        "bedrock",
        &host,
        INVOKE,
        &body,
        &amz_date(-600),
        Some(&token),
    ));
    assert_eq!(s, 403, "{t}");
    assert!(t.contains("Signature expired"), "{t}");
    let (s, t) = send(sign(
        &c,
        "bedrock",
        &host,
        INVOKE,
        &body,
        &amz_date(600),
        Some(&token),
    ));
    assert!(
        s == 403 && t.contains("Signature not yet current"),
        "{s} {t}"
    );
    // Signed for another host, sent to the real one: the signature does not verify.
    let other = "bedrock-runtime.us-west-2.amazonaws.com";
    let (s, t) = send(sign(
        &c,
        "bedrock",
        other,
        INVOKE,
        &body,
        &now,
        Some(&token),
    ));
    assert!(
        s == 403 && t.contains("signature we calculated does not match"),
        "{s} {t}"
    );
    // Signed for the simulator's own address and sent there: misdirected.
    let base = rig.sims.base_url(Api::BedrockInvoke).unwrap();
    let local = base.trim_start_matches("http://");
    let mut req = reqwest::blocking::Client::new()
        .post(format!("{base}{INVOKE}"))
        .body(body.clone());
    for (k, v) in sign(&c, "bedrock", local, INVOKE, &body, &now, Some(&token)) {
        req = req.header(k, v);
    }
    assert_eq!(req.send().unwrap().status().as_u16(), 421);
    assert_eq!(rig.sims.violations().len(), 1);

    // Mantle takes service bedrock-mantle, refuses bedrock (LiteLLM's
    // count_tokens fallback signs so).
    let mantle = real_host(Api::BedrockMantle, &rig.minted.creds).unwrap();
    let path = "/anthropic/v1/messages";
    let mb = serde_json::to_vec(&json!({
        "model": "anthropic.claude-haiku-4-5", "max_tokens": 64,
        "messages": [{"role": "user", "content": "Reply with exactly `OK`."}],
    }))
    .unwrap();
    let mut ok = sign(&c, "bedrock-mantle", &mantle, path, &mb, &now, Some(&token));
    ok.push(h("anthropic-version", "2023-06-01"));
    let (s, t) = rig.post(&mantle, path, &ok, mb.clone());
    assert_eq!(s, 200, "{t}");
    let mut wrong = sign(&c, "bedrock", &mantle, path, &mb, &now, Some(&token));
    wrong.push(h("anthropic-version", "2023-06-01"));
    let (s, t) = rig.post(&mantle, path, &wrong, mb);
    assert_eq!(s, 403, "{t}");
    assert!(t.contains("bedrock-mantle"), "{t}");
}

/// An RS256 JWT over `claims` with `header`, signed by `key` (PEM).
fn jwt(header: &Value, claims: &Value, key_pem: &str) -> String {
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let message = format!("{}.{}", b64(header), b64(claims));
    let pair = rcgen::KeyPair::from_pem(key_pem).unwrap();
    use rcgen::SigningKey as _;
    let sig = pair.sign(message.as_bytes()).unwrap();
    format!(
        "{message}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
    )
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn the_token_endpoint_checks_the_service_accounts_jwt_and_vertex_takes_only_issued_tokens() {
    let rig = Rig::new();
    let sa: Value = serde_json::from_str(
        &std::fs::read_to_string(rig.env("GOOGLE_APPLICATION_CREDENTIALS")).unwrap(),
    )
    .unwrap();
    let key = sa["private_key"].as_str().unwrap();
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": sa["private_key_id"]});
    let t = now_secs();
    let claims = json!({
        "iss": sa["client_email"], "scope": "https://www.googleapis.com/auth/cloud-platform",
        "aud": "https://oauth2.googleapis.com/token", "iat": t, "exp": t + 3600,
    });
    let exchange = |assertion: &str| {
        let form = format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
        );
        let (s, t) = rig.post(
            "oauth2.googleapis.com",
            "/token",
            &[h("content-type", "application/x-www-form-urlencoded")],
            form.into_bytes(),
        );
        (s, serde_json::from_str::<Value>(&t).unwrap_or(Value::Null))
    };
    let (s, good) = exchange(&jwt(&header, &claims, key));
    assert_eq!(s, 200, "{good}");
    let token = good["access_token"].as_str().unwrap().to_owned();
    assert!(
        token.starts_with("ya29.") && token != creds::VERTEX_ACCESS_TOKEN,
        "{token}"
    );
    let (_, again) = exchange(&jwt(&header, &claims, key));
    assert_ne!(
        again["access_token"], good["access_token"],
        "a fresh token per exchange"
    );

    let refused = |assertion: String, words: &str| {
        let (s, v) = exchange(&assertion);
        assert_eq!(s, 400, "{v}");
        assert_eq!(v["error"], "invalid_grant", "{v}");
        assert!(
            v["error_description"].as_str().unwrap().contains(words),
            "{v}"
        );
    };
    let stranger = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
        .unwrap()
        .serialize_pem();
    refused(jwt(&header, &claims, &stranger), "Invalid JWT Signature.");
    let mut c = claims.clone();
    c["aud"] = json!("https://www.googleapis.com/oauth2/v4/token");
    refused(jwt(&header, &c, key), "Failed audience check");
    let mut c = claims.clone();
    c["iss"] = json!("someone@else.iam.gserviceaccount.com");
    refused(jwt(&header, &c, key), "account not found");
    let mut c = claims.clone();
    (c["iat"], c["exp"]) = (json!(t - 7200), json!(t - 3600));
    refused(jwt(&header, &c, key), "short-lived token");
    let mut c = claims.clone();
    c["exp"] = json!(t + 7200);
    refused(jwt(&header, &c, key), "short-lived token");
    let none = format!(
        "{}.{}.",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string()),
    );
    refused(none, "Invalid JWT");

    let vertex = real_host(Api::VertexAi, &rig.minted.creds).unwrap();
    assert_eq!(vertex, "us-east5-aiplatform.googleapis.com");
    let path = format!(
        "/v1/projects/{}/locations/us-east5/publishers/anthropic/models/claude-haiku-4-5@20251001:rawPredict",
        rig.minted.creds.vertex.project
    );
    let body = serde_json::to_vec(&json!({
        "anthropic_version": "vertex-2023-10-16", "max_tokens": 64,
        "messages": [{"role": "user", "content": "Reply with exactly `OK`."}],
    }))
    .unwrap();
    let call = |bearer: &str| {
        rig.post(
            &vertex,
            &path,
            &[
                h("authorization", &format!("Bearer {bearer}")),
                h("content-type", "application/json"),
            ],
            body.clone(),
        )
    };
    let (s, t) = call(&token);
    assert_eq!(s, 200, "{t}");
    for unissued in [creds::VERTEX_ACCESS_TOKEN, "ya29.c.never-issued"] {
        let (s, t) = call(unissued);
        assert_eq!(s, 401, "{t}");
        assert!(
            t.contains("Request had invalid authentication credentials."),
            "{t}"
        );
    }
    // The token exchange is Google's OAuth host, not the Vertex host.
    let form = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={}",
        jwt(&header, &claims, key)
    );
    let (s, _) = rig.post(
        &vertex,
        "/token",
        &[h("content-type", "application/x-www-form-urlencoded")],
        form.into_bytes(),
    );
    assert_eq!(s, 421);
    assert_eq!(rig.sims.violations().len(), 1);
}

#[test]
fn tavily_answers_at_its_own_host_with_the_minted_key_and_a_standing_page() {
    let rig = Rig::new();
    rig.sims.register_standing_page(
        "anthropic claude web search tool documentation",
        SearchPage {
            url: "https://docs.claude.com/en/docs/agents-and-tools/tool-use/web-search-tool".into(),
            title: "Web search tool".into(),
            text: "The web search tool gives Claude direct access to real-time web content.".into(),
            page_age: None,
        },
    );
    let search = |key: &str| {
        rig.post(
            TAVILY_HOST,
            "/search",
            &[
                h("authorization", &format!("Bearer {key}")),
                h("content-type", "application/json"),
            ],
            br#"{"query":"Anthropic Claude web search tool documentation","max_results":5}"#
                .to_vec(),
        )
    };
    let (s, t) = search(&rig.minted.creds.tavily_api_key);
    assert_eq!(s, 200, "{t}");
    let v: Value = serde_json::from_str(&t).unwrap();
    assert!(
        v["results"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://"),
        "{v}"
    );
    let (s, _) = search(creds::TAVILY_API_KEY);
    assert_eq!(s, 401);
    assert!(rig.sims.violations().is_empty());
    let _ = &rig.dir;
}

/// The minted environment names every variable live mode requires of any
/// column (`routing::live_env`), so a rehearsal exercises the same names.
#[test]
fn the_minted_environment_holds_every_live_variable_of_every_column() {
    let dir = Dir::new();
    let minted = mint_rehearsal(&dir.0).unwrap();
    let names: Vec<&str> = minted.env.iter().map(|(k, _)| k.as_str()).collect();
    for p in compat_matrix::provider::Provider::ALL {
        for v in compat_core::gateway::routing::live_env(p) {
            assert!(
                names.contains(v),
                "{} needs {v}, which mint_rehearsal does not set",
                p.id()
            );
        }
    }
    for v in [
        "TAVILY_API_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert!(names.contains(&v), "{v}");
    }
    assert!(minted.env.iter().all(|(_, v)| !v.is_empty()));
}

/// The LiteLLM virtualenv's python (google-auth, botocore, requests), if
/// the tool cache holds it.
fn venv_python() -> Option<std::path::PathBuf> {
    let tools = std::env::var_os("COMPAT_TOOLS_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| std::path::Path::new(&h).join(".cache/claude-compat-matrix"))
        })?;
    std::fs::read_dir(&tools)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("litellm-") && !n.ends_with(".lock"))
        })
        .map(|p| p.join("bin/python"))
        .find(|p| p.exists())
}

/// Independent signers: google-auth's own service-account flow (the token
/// exchange at https://oauth2.googleapis.com/token through the front, with
/// REQUESTS_CA_BUNDLE) and botocore's SigV4 with the session token, given
/// only the minted environment, are accepted at the real hosts.
#[test]
fn google_auth_and_botocore_given_the_minted_environment_are_accepted() {
    let Some(python) = venv_python() else {
        eprintln!(
            "skipped: no LiteLLM virtualenv in the tool cache (cargo xtask provision makes it)"
        );
        return;
    };
    let rig = Rig::new();
    let ca = rig.dir.0.join("front-ca.pem");
    std::fs::write(&ca, rig.front.ca_pem()).unwrap();
    let script = r#"
import json, os, requests
import google.auth.transport.requests
from google.oauth2 import service_account
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
out = {}
sa = service_account.Credentials.from_service_account_file(
    os.environ["GOOGLE_APPLICATION_CREDENTIALS"],
    scopes=["https://www.googleapis.com/auth/cloud-platform"])
sa.refresh(google.auth.transport.requests.Request())
out["token_shape"] = sa.token.startswith("ya29.")
url = ("https://%s-aiplatform.googleapis.com/v1/projects/%s/locations/%s/publishers/anthropic/models/claude-haiku-4-5@20251001:rawPredict"
       % (os.environ["VERTEX_LOCATION"], os.environ["VERTEX_PROJECT"], os.environ["VERTEX_LOCATION"]))
body = {"anthropic_version": "vertex-2023-10-16", "max_tokens": 16, "messages": [{"role": "user", "content": "Reply with exactly `OK`."}]}
out["vertex"] = requests.post(url, headers={"Authorization": "Bearer " + sa.token}, json=body).status_code
creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], os.environ["AWS_SESSION_TOKEN"])
region = os.environ["AWS_REGION_NAME"]
url = "https://bedrock-runtime.%s.amazonaws.com/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke" % region
data = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 16, "messages": [{"role": "user", "content": "Reply with exactly `OK`."}]})
req = AWSRequest(method="POST", url=url, data=data, headers={"Content-Type": "application/json"})
SigV4Auth(creds, "bedrock", region).add_auth(req)
out["invoke"] = requests.post(url, data=data, headers=dict(req.headers)).status_code
print(json.dumps(out))
"#;
    let mut cmd = std::process::Command::new(python);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &rig.dir.0)
        .env("HTTPS_PROXY", rig.front.proxy_url("invoke").unwrap())
        .env("REQUESTS_CA_BUNDLE", &ca)
        .args(["-c", script]);
    for (k, v) in &rig.minted.env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let v: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        v,
        json!({"token_shape": true, "vertex": 200, "invoke": 200}),
        "{stderr}"
    );
    let opened: Vec<String> = rig.front.tunnels().into_iter().map(|t| t.host).collect();
    for host in [
        "oauth2.googleapis.com",
        "us-east5-aiplatform.googleapis.com",
        "bedrock-runtime.us-east-1.amazonaws.com",
    ] {
        assert!(opened.iter().any(|h| h == host), "{opened:?}");
    }
    assert!(
        rig.sims.violations().is_empty(),
        "{:?}",
        rig.sims.violations()
    );
}
