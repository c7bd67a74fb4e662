//! Credentials the simulators accept.
//!
//! They are fake and local; the gateway's generated config carries them, so a
//! request that reaches a simulator without them proves the gateway dropped
//! or mangled auth.

pub const ANTHROPIC_API_KEY: &str = "sk-ant-sim-upstream-key";
pub const AZURE_API_KEY: &str = "sim-azure-api-key";
pub const AWS_ACCESS_KEY_ID: &str = "AKIASIMULATOR0000000";
pub const AWS_SECRET_ACCESS_KEY: &str = "simulatorsecretaccesskey0000000000000000";
pub const AWS_REGION: &str = "us-east-1";
pub const VERTEX_PROJECT: &str = "sim-project";
pub const VERTEX_LOCATION: &str = "us-east5";
/// The OAuth access token the simulated Google token endpoint issues.
pub const VERTEX_ACCESS_TOKEN: &str = "ya29.sim-access-token";
/// The Amazon Bedrock API key the Mantle simulator accepts (sent as
/// `Authorization: Bearer <key>`); SigV4 with the AWS keys above works too.
pub const BEDROCK_MANTLE_API_KEY: &str = "ABSKsim-bedrock-mantle-api-key";
/// The API key the Claude Platform on AWS simulator accepts (as `x-api-key`
/// or `Authorization: Bearer`); SigV4 with the AWS keys above works too.
pub const CLAUDE_PLATFORM_AWS_API_KEY: &str = "sk-ant-sim-claude-platform-aws-key";
/// The workspace the Claude Platform on AWS credentials belong to
/// (`anthropic-workspace-id`); Anthropic's workspace ids read `wrkspc_…`.
pub const CLAUDE_PLATFORM_AWS_WORKSPACE_ID: &str = "wrkspc_simulator";
/// The Tavily API key the Tavily simulator accepts (`crate::providers::tavily`): a
/// placeholder in Tavily's `tvly-` form, no secret.
pub const TAVILY_API_KEY: &str = "tvly-sim-placeholder-key";

/// The OpenAI API key the OpenAI simulator accepts (`Authorization: Bearer`):
/// a placeholder in OpenAI's `sk-` form, no secret.
pub const OPENAI_API_KEY: &str = "sk-sim-openai-key";
/// The key the Azure OpenAI simulator accepts (`api-key`, or
/// `Authorization: Bearer`): a placeholder, no secret.
pub const AZURE_OPENAI_API_KEY: &str = "sim-azure-openai-key";
/// The Azure OpenAI resource sim mode's credentials name (its host is
/// `sim-resource.openai.azure.com`, `crate::wire::hosts::azure_openai_host`).
pub const AZURE_OPENAI_SIM_RESOURCE: &str = "sim-resource";

/// The Vertex service account's RSA key: its private key (PKCS#8 PEM) goes
/// into the fake service-account file google-auth signs its JWT assertion
/// with, and the simulated token endpoint verifies that RS256 signature
/// against its public key, as Google's does. One key per process, made on
/// first use: a service-account file written by another process (or with
/// another key) is refused, "Invalid JWT Signature.".
pub struct ServiceAccountKey {
    /// PKCS#8 PEM, the form a service-account JSON's `private_key` holds.
    pub private_key_pem: String,
    /// The RSA public key as a SubjectPublicKeyInfo's key bits (PKCS#1
    /// `RSAPublicKey` DER), the form signature verifiers take.
    pub public_key: Vec<u8>,
}

/// This process's Vertex service-account key ([`ServiceAccountKey`]).
pub fn vertex_service_account_key() -> &'static ServiceAccountKey {
    static KEY: std::sync::OnceLock<ServiceAccountKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
            .expect("aws-lc-rs generates a 2048-bit RSA key");
        ServiceAccountKey {
            private_key_pem: pair.serialize_pem(),
            public_key: pair.public_key_raw().to_vec(),
        }
    })
}

/// The credentials a set of simulators verifies, decided at start: sim
/// mode's constants above ([`Credentials::sim`]) or a rehearsal's
/// real-shaped, per-run ones (`crate::rehearsal::mint_rehearsal`,
/// [`Credentials::from_live_env`]). Its `Debug` names no secret.
#[derive(Clone)]
pub struct Credentials {
    pub anthropic_api_key: String,
    /// Foundry's key (`AZURE_AI_API_KEY`, and `AZURE_API_KEY` for the
    /// pass-through: one resource, one key).
    pub azure_api_key: String,
    pub bedrock_mantle_api_key: String,
    /// Claude Platform on AWS: its API key (`ANTHROPIC_AWS_API_KEY`) and the
    /// workspace those credentials (and the AWS keys) may use
    /// (`ANTHROPIC_AWS_WORKSPACE_ID`).
    pub claude_platform_aws_api_key: String,
    pub claude_platform_aws_workspace_id: String,
    pub tavily_api_key: String,
    /// OpenAI's API key (`OPENAI_API_KEY`).
    pub openai_api_key: String,
    /// The Azure OpenAI resource's key (`AZURE_OPENAI_API_KEY`).
    pub azure_openai_api_key: String,
    /// The Azure OpenAI resource name (the `{resource}` of
    /// `https://{resource}.openai.azure.com`, `AZURE_OPENAI_API_BASE`); sim
    /// mode's is [`AZURE_OPENAI_SIM_RESOURCE`].
    pub azure_openai_resource: String,
    pub aws: AwsCreds,
    pub vertex: VertexCreds,
    /// The Foundry resource's host (`<resource>.services.ai.azure.com`), the
    /// host the Azure simulator answers as with real hosts; `None` in sim.
    pub foundry_resource_host: Option<String>,
}

/// An AWS key pair, as SigV4 signs with it.
#[derive(Clone)]
pub struct AwsCreds {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// A temporary credential's session token: when set, every SigV4
    /// request must carry it as `x-amz-security-token`.
    pub session_token: Option<String>,
    pub region: String,
}

/// The Vertex project and location the simulator serves, and the service
/// account whose JWTs its token endpoint accepts.
#[derive(Clone)]
pub struct VertexCreds {
    pub project: String,
    pub location: String,
    pub service_account: ServiceAccountPublic,
}

/// The public half of a service account, what Google's token endpoint knows
/// of it. A `None` claim is not checked (sim mode's file names the
/// simulator's own URL as `token_uri`, which changes per run).
#[derive(Clone)]
pub struct ServiceAccountPublic {
    /// Must be the JWT's `iss` when set.
    pub client_email: Option<String>,
    /// Must be the JWT header's `kid` when set (and the header carries one).
    pub key_id: Option<String>,
    /// PKCS#1 `RSAPublicKey` DER, as [`ServiceAccountKey::public_key`].
    pub public_key: Vec<u8>,
    /// Must be the JWT's `aud` when set.
    pub token_uri: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Only what is not secret: a Debug print may end up in a log.
        f.debug_struct("Credentials")
            .field("aws_region", &self.aws.region)
            .field("aws_session_token", &self.aws.session_token.is_some())
            .field("vertex_project", &self.vertex.project)
            .field("vertex_location", &self.vertex.location)
            .field("foundry_resource_host", &self.foundry_resource_host)
            .field("azure_openai_resource", &self.azure_openai_resource)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Sim mode's credentials: the constants of this module and this
    /// process's service-account key ([`vertex_service_account_key`]).
    pub fn sim() -> Credentials {
        Credentials {
            anthropic_api_key: ANTHROPIC_API_KEY.into(),
            azure_api_key: AZURE_API_KEY.into(),
            bedrock_mantle_api_key: BEDROCK_MANTLE_API_KEY.into(),
            claude_platform_aws_api_key: CLAUDE_PLATFORM_AWS_API_KEY.into(),
            claude_platform_aws_workspace_id: CLAUDE_PLATFORM_AWS_WORKSPACE_ID.into(),
            tavily_api_key: TAVILY_API_KEY.into(),
            openai_api_key: OPENAI_API_KEY.into(),
            azure_openai_api_key: AZURE_OPENAI_API_KEY.into(),
            azure_openai_resource: AZURE_OPENAI_SIM_RESOURCE.into(),
            aws: AwsCreds {
                access_key_id: AWS_ACCESS_KEY_ID.into(),
                secret_access_key: AWS_SECRET_ACCESS_KEY.into(),
                session_token: None,
                region: AWS_REGION.into(),
            },
            vertex: VertexCreds {
                project: VERTEX_PROJECT.into(),
                location: VERTEX_LOCATION.into(),
                service_account: ServiceAccountPublic {
                    client_email: None,
                    key_id: None,
                    public_key: vertex_service_account_key().public_key.clone(),
                    token_uri: None,
                },
            },
            foundry_resource_host: None,
        }
    }

    /// The credentials live mode's variables hold (`get` reads one, e.g.
    /// `|k| std::env::var(k).ok()`): what a rehearsal's child process, given
    /// the minted environment, configures its simulators' verifiers with.
    /// Reads the service-account file `GOOGLE_APPLICATION_CREDENTIALS` names
    /// for its public key, `client_email`, `private_key_id` and `token_uri`.
    /// The error names the variables or fields at fault, never a value.
    pub fn from_live_env(get: impl Fn(&str) -> Option<String>) -> Result<Credentials, String> {
        let mut missing = Vec::new();
        let mut need = |name: &str| {
            get(name).filter(|v| !v.is_empty()).unwrap_or_else(|| {
                missing.push(name.to_owned());
                String::new()
            })
        };
        let anthropic_api_key = need("ANTHROPIC_API_KEY");
        let azure_ai_base = need("AZURE_AI_API_BASE");
        let azure_api_key = need("AZURE_AI_API_KEY");
        let bedrock_mantle_api_key = need("BEDROCK_MANTLE_API_KEY");
        let claude_platform_aws_api_key = need("ANTHROPIC_AWS_API_KEY");
        let claude_platform_aws_workspace_id = need("ANTHROPIC_AWS_WORKSPACE_ID");
        let tavily_api_key = need("TAVILY_API_KEY");
        let openai_api_key = need("OPENAI_API_KEY");
        let azure_openai_api_key = need("AZURE_OPENAI_API_KEY");
        let azure_openai_base = need("AZURE_OPENAI_API_BASE");
        let access_key_id = need("AWS_ACCESS_KEY_ID");
        let secret_access_key = need("AWS_SECRET_ACCESS_KEY");
        let region = need("AWS_REGION_NAME");
        let project = need("VERTEX_PROJECT");
        let location = need("VERTEX_LOCATION");
        let sa_path = need("GOOGLE_APPLICATION_CREDENTIALS");
        if !missing.is_empty() {
            return Err(format!(
                "the rehearsal's credentials are incomplete: set {} (cargo xtask / the harness mints them all)",
                missing.join(", ")
            ));
        }
        let foundry_resource_host = host_of(&azure_ai_base).ok_or_else(|| {
            "AZURE_AI_API_BASE is not an https:// URL with a host name".to_owned()
        })?;
        // The pass-through's variables name the same resource and key: the
        // Foundry simulator serves one resource.
        if let Some(base) = get("AZURE_API_BASE").filter(|v| !v.is_empty())
            && host_of(&base).as_deref() != Some(foundry_resource_host.as_str())
        {
            return Err("AZURE_API_BASE names another host than AZURE_AI_API_BASE; the rehearsal serves one Foundry resource".into());
        }
        if let Some(key) = get("AZURE_API_KEY").filter(|v| !v.is_empty())
            && key != azure_api_key
        {
            return Err("AZURE_API_KEY differs from AZURE_AI_API_KEY; the rehearsal serves one Foundry resource with one key".into());
        }
        let azure_openai_resource = host_of(&azure_openai_base)
            .and_then(|h| h.strip_suffix(".openai.azure.com").map(str::to_owned))
            .filter(|r| !r.is_empty() && !r.contains('.'))
            .ok_or_else(|| {
                "AZURE_OPENAI_API_BASE is not https://<resource>.openai.azure.com".to_owned()
            })?;
        let service_account = service_account_public(std::path::Path::new(&sa_path))?;
        Ok(Credentials {
            anthropic_api_key,
            azure_api_key,
            bedrock_mantle_api_key,
            claude_platform_aws_api_key,
            claude_platform_aws_workspace_id,
            tavily_api_key,
            openai_api_key,
            azure_openai_api_key,
            azure_openai_resource,
            aws: AwsCreds {
                access_key_id,
                secret_access_key,
                session_token: get("AWS_SESSION_TOKEN").filter(|v| !v.is_empty()),
                region,
            },
            vertex: VertexCreds {
                project,
                location,
                service_account,
            },
            foundry_resource_host: Some(foundry_resource_host),
        })
    }
}

/// The host of an `https://host[:port][/path]` URL, lower-cased.
fn host_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split('/').next()?;
    let host = authority.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The public half of the service-account JSON at `path`.
fn service_account_public(path: &std::path::Path) -> Result<ServiceAccountPublic, String> {
    let what = "the service-account file GOOGLE_APPLICATION_CREDENTIALS names";
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {what}: {e}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{what} is not JSON: {e}"))?;
    let field = |k: &str| json[k].as_str().map(str::to_owned);
    let private_key =
        field("private_key").ok_or_else(|| format!("{what} has no private_key (a PKCS#8 PEM)"))?;
    // The error of a key parser may quote what it read: say only which field.
    let pair = rcgen::KeyPair::from_pem(&private_key)
        .map_err(|_| format!("{what}: private_key is not a PKCS#8 RSA key in PEM"))?;
    if !pair.is_compatible(&rcgen::PKCS_RSA_SHA256) {
        return Err(format!("{what}: private_key is not an RSA key (RS256)"));
    }
    Ok(ServiceAccountPublic {
        client_email: field("client_email"),
        key_id: field("private_key_id"),
        public_key: pair.public_key_raw().to_vec(),
        token_uri: field("token_uri"),
    })
}

/// What a set of simulators shares to authenticate requests: the
/// credentials, whether they answer as the providers' real hosts, the OAuth
/// tokens their Google token endpoint issued, and the integrity violations
/// they saw (a request that reached them around the front).
pub(crate) struct Auth {
    pub creds: std::sync::Arc<Credentials>,
    pub real_hosts: bool,
    issued: std::sync::Mutex<std::collections::BTreeSet<String>>,
    violations: std::sync::Mutex<Vec<String>>,
}

impl Auth {
    pub(crate) fn new(creds: std::sync::Arc<Credentials>, real_hosts: bool) -> Auth {
        Auth {
            creds,
            real_hosts,
            issued: Default::default(),
            violations: Default::default(),
        }
    }

    /// Sim mode's: [`Credentials::sim`], the simulators' own addresses.
    #[cfg(test)]
    pub(crate) fn sim() -> std::sync::Arc<Auth> {
        std::sync::Arc::new(Auth::new(std::sync::Arc::new(Credentials::sim()), false))
    }

    /// An access token for one token exchange: sim mode's constant, or with
    /// real hosts a fresh random `ya29.` token, remembered as issued.
    pub(crate) fn issue_token(&self) -> String {
        if !self.real_hosts {
            return VERTEX_ACCESS_TOKEN.to_owned();
        }
        let token = format!("ya29.c.{}", random_token(120, URL_SAFE));
        self.issued
            .lock()
            .expect("issued tokens lock")
            .insert(token.clone());
        token
    }

    /// Whether `token` is one this set's token endpoint issued (sim mode:
    /// the constant).
    pub(crate) fn token_valid(&self, token: &str) -> bool {
        if !self.real_hosts {
            return token == VERTEX_ACCESS_TOKEN;
        }
        self.issued
            .lock()
            .expect("issued tokens lock")
            .contains(token)
    }

    /// Notes an integrity violation (said once on stderr too).
    pub(crate) fn violation(&self, what: String) {
        eprintln!("[compat-sim] integrity violation: {what}");
        self.violations.lock().expect("violations lock").push(what);
    }

    pub(crate) fn violations(&self) -> Vec<String> {
        self.violations.lock().expect("violations lock").clone()
    }
}

/// The URL-safe base64 alphabet (Anthropic keys, OAuth tokens).
pub(crate) const URL_SAFE: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `n` characters of `alphabet`, from the operating system's CSPRNG through
/// aws-lc-rs (rustls's provider), unbiased by rejection sampling.
pub(crate) fn random_token(n: usize, alphabet: &[u8]) -> String {
    let provider = tokio_rustls::rustls::crypto::aws_lc_rs::default_provider();
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    while out.len() < n {
        provider
            .secure_random
            .fill(&mut buf)
            .expect("the system CSPRNG works");
        for &b in &buf {
            if (b as usize) < limit && out.len() < n {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}
