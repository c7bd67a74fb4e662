//! Real-shaped, per-run credentials for a rehearsal (issue 26): live mode's
//! environment variables filled with values shaped like the providers' real
//! ones, which only this run's simulators accept. Every random part comes
//! from the system CSPRNG (aws-lc-rs); the RSA key of the service account is
//! fresh, written only into the 0600 service-account file.
//!
//! Shapes (issue 26's plan, 3.2): an Anthropic key `sk-ant-api03-…AA`
//! (108 characters), a temporary AWS credential (`ASIA…` key id, 40-character
//! secret, a long session token), a Google service-account JSON (RSA-2048,
//! `token_uri` Google's), a Foundry resource host and 84-character key, a
//! Bedrock API key `ABSK…` for Mantle, a Tavily key `tvly-…`, an
//! Anthropic-shaped key and a `wrkspc_…` workspace for Claude Platform on AWS,
//! an OpenAI project key `sk-proj-…` (behind `api.openai.com`), an Azure
//! OpenAI resource `https://<resource>.openai.azure.com` and its 32-hex key.

use std::io::Write as _;
use std::path::Path;

use serde_json::json;

use crate::wire::creds::{
    AwsCreds, Credentials, ServiceAccountPublic, URL_SAFE, VertexCreds, random_token,
};

/// Minted credentials: what the simulators verify, and the environment
/// that carries them to the proxies (live mode's variable names).
pub struct Minted {
    pub creds: Credentials,
    /// Every variable of `compat_core::gateway::routing::live_env` for every
    /// column, plus the AWS key pair and session token LiteLLM's SigV4
    /// signer reads from the environment (botocore's env provider), and
    /// `TAVILY_API_KEY`. Secret values: never log them.
    pub env: Vec<(String, String)>,
}

impl std::fmt::Debug for Minted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Minted")
            .field("creds", &self.creds)
            .field("env (names only)", &names)
            .finish()
    }
}

/// The name of the service-account file [`mint_rehearsal`] writes.
pub const SERVICE_ACCOUNT_FILE: &str = "rehearsal-service-account.json";

/// The token URI of a real service-account file.
pub const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

const UPPER_BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const DIGITS: &[u8] = b"0123456789";

/// Mints a rehearsal's credentials and writes its service-account JSON
/// (mode 0600) into `dir`, which should be private to the run (0700).
pub fn mint_rehearsal(dir: &Path) -> std::io::Result<Minted> {
    let region = "us-east-1".to_owned();
    let location = "us-east5".to_owned();
    let project = format!("compat-rehearsal-{}", random_token(6, HEX));
    let resource = format!("compat-rehearsal-{}", random_token(8, HEX));
    let foundry_host = format!("{resource}.services.ai.azure.com");
    let foundry_base = format!("https://{foundry_host}");
    let anthropic_api_key = format!(
        "sk-ant-api03-{}-{}AA",
        random_token(86, URL_SAFE),
        random_token(6, URL_SAFE)
    );
    let aws = AwsCreds {
        access_key_id: format!("ASIA{}", random_token(16, UPPER_BASE32)),
        secret_access_key: random_token(40, BASE64),
        // STS session tokens are long base64 blobs starting `IQoJb3JpZ2lu`
        // ("\x21\x0a\x09origin").
        session_token: Some(format!("IQoJb3JpZ2luX2Vj{}", random_token(340, BASE64))),
        region: region.clone(),
    };
    let azure_api_key = random_token(84, ALNUM);
    let bedrock_mantle_api_key = format!("ABSK{}", random_token(128, BASE64));
    // Claude Platform on AWS: an Anthropic-shaped key (inferred: the
    // service's key format is not published) and a `wrkspc_` workspace id.
    let claude_platform_aws_api_key = format!(
        "sk-ant-api03-{}-{}AA",
        random_token(86, URL_SAFE),
        random_token(6, URL_SAFE)
    );
    let claude_platform_aws_workspace_id = format!("wrkspc_{}", random_token(24, ALNUM));
    let tavily_api_key = format!("tvly-{}", random_token(32, ALNUM));
    // OpenAI project keys read `sk-proj-…` (the length inferred from
    // published examples); an Azure OpenAI resource's key, as the portal's
    // "Keys and Endpoint" shows it, is 32 hex digits (resources made since
    // 2024 may show 84 characters, the Foundry shape above; either is only
    // a string to LiteLLM's `api-key` header).
    let openai_api_key = format!("sk-proj-{}", random_token(156, URL_SAFE));
    let azure_openai_api_key = random_token(32, HEX);
    let azure_openai_resource = format!("compat-rehearsal-{}", random_token(8, HEX));

    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
        .map_err(|e| std::io::Error::other(format!("cannot make an RSA-2048 key: {e}")))?;
    let key_id = random_token(40, HEX);
    let client_email = format!("rehearsal@{project}.iam.gserviceaccount.com");
    let sa = json!({
        "type": "service_account",
        "project_id": project,
        "private_key_id": key_id,
        "private_key": pair.serialize_pem(),
        "client_email": client_email,
        "client_id": random_token(21, DIGITS),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": GOOGLE_TOKEN_URI,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": format!(
            "https://www.googleapis.com/robot/v1/metadata/x509/rehearsal%40{project}.iam.gserviceaccount.com"
        ),
        "universe_domain": "googleapis.com",
    });
    let sa_path = dir.join(SERVICE_ACCOUNT_FILE);
    write_private(&sa_path, &serde_json::to_vec_pretty(&sa)?)?;

    let creds = Credentials {
        anthropic_api_key,
        azure_api_key,
        bedrock_mantle_api_key,
        claude_platform_aws_api_key,
        claude_platform_aws_workspace_id,
        tavily_api_key,
        openai_api_key,
        azure_openai_api_key,
        azure_openai_resource,
        aws,
        vertex: VertexCreds {
            project,
            location,
            service_account: ServiceAccountPublic {
                client_email: Some(client_email),
                key_id: Some(key_id),
                public_key: pair.public_key_raw().to_vec(),
                token_uri: Some(GOOGLE_TOKEN_URI.to_owned()),
            },
        },
        foundry_resource_host: Some(foundry_host),
    };
    let c = &creds;
    let env: Vec<(String, String)> = [
        ("ANTHROPIC_API_KEY", c.anthropic_api_key.clone()),
        ("AWS_ACCESS_KEY_ID", c.aws.access_key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY", c.aws.secret_access_key.clone()),
        (
            "AWS_SESSION_TOKEN",
            c.aws.session_token.clone().unwrap_or_default(),
        ),
        ("AWS_REGION_NAME", region),
        ("VERTEX_PROJECT", c.vertex.project.clone()),
        ("VERTEX_LOCATION", c.vertex.location.clone()),
        (
            "GOOGLE_APPLICATION_CREDENTIALS",
            sa_path.display().to_string(),
        ),
        ("AZURE_AI_API_BASE", foundry_base.clone()),
        ("AZURE_AI_API_KEY", c.azure_api_key.clone()),
        ("AZURE_API_BASE", format!("{foundry_base}/anthropic")),
        ("AZURE_API_KEY", c.azure_api_key.clone()),
        ("BEDROCK_MANTLE_API_KEY", c.bedrock_mantle_api_key.clone()),
        (
            "ANTHROPIC_AWS_API_KEY",
            c.claude_platform_aws_api_key.clone(),
        ),
        (
            "ANTHROPIC_AWS_WORKSPACE_ID",
            c.claude_platform_aws_workspace_id.clone(),
        ),
        ("TAVILY_API_KEY", c.tavily_api_key.clone()),
        ("OPENAI_API_KEY", c.openai_api_key.clone()),
        ("AZURE_OPENAI_API_KEY", c.azure_openai_api_key.clone()),
        (
            "AZURE_OPENAI_API_BASE",
            format!(
                "https://{}",
                crate::wire::hosts::azure_openai_host(&c.azure_openai_resource)
            ),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Ok(Minted { creds, env })
}

/// Writes `bytes` to a new file only its owner can read (0600 from the
/// start: no moment at which another user could open it).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::api::Api;
    use crate::wire::hosts::real_host;

    /// The GPT columns' minted credentials: real shapes, the real host
    /// names the simulators answer as, read back as a live run reads them,
    /// and never printed.
    #[test]
    fn gpt_credentials_are_real_shaped_and_never_printed() {
        let dir = std::env::temp_dir().join(format!("compat-sim-mint-{}", random_token(16, HEX)));
        std::fs::create_dir(&dir).unwrap();
        let minted = mint_rehearsal(&dir);
        let back = minted.as_ref().ok().map(|m| {
            let env: std::collections::BTreeMap<String, String> = m.env.iter().cloned().collect();
            Credentials::from_live_env(|k: &str| env.get(k).cloned())
        });
        let _ = std::fs::remove_dir_all(&dir);
        let minted = minted.unwrap();
        let env: std::collections::BTreeMap<&str, &str> = minted
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let openai = env["OPENAI_API_KEY"];
        assert!(
            openai.starts_with("sk-proj-") && openai.len() > 100,
            "shape"
        );
        let azure = env["AZURE_OPENAI_API_KEY"];
        assert!(
            azure.len() == 32 && azure.bytes().all(|b| HEX.contains(&b)),
            "an Azure OpenAI key is 32 hex digits"
        );
        let base = env["AZURE_OPENAI_API_BASE"];
        let host = base.strip_prefix("https://").expect("an https endpoint");
        assert!(host.ends_with(".openai.azure.com"), "{base}");
        assert_eq!(
            real_host(Api::AzureOpenAi, &minted.creds).as_deref(),
            Some(host)
        );
        assert_eq!(
            real_host(Api::OpenAi, &minted.creds).as_deref(),
            Some("api.openai.com")
        );
        // A live run reads the same credentials back from the variables.
        let back = back.unwrap().unwrap();
        assert_eq!(back.openai_api_key, openai);
        assert_eq!(back.azure_openai_api_key, azure);
        assert_eq!(
            back.azure_openai_resource,
            minted.creds.azure_openai_resource
        );
        // Debug output names the variables, never their values.
        let shown = format!("{minted:?}");
        assert!(shown.contains("OPENAI_API_KEY"), "{shown}");
        for secret in [openai, azure] {
            assert!(!shown.contains(secret), "a minted key is printed");
        }
    }
}
