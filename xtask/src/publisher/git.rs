//! Git plumbing for the publisher: every git command runs with a hermetic,
//! credential-safe environment.
//!
//! The token (if any) travels only as an `http.<origin>/.extraHeader`
//! configuration entry passed through `GIT_CONFIG_COUNT` / `GIT_CONFIG_KEY_n`
//! / `GIT_CONFIG_VALUE_n` environment variables of the git child process: it
//! is never in argv (visible to every user in `ps`), never written to
//! `.git/config`, and scoped to the docs repo's origin so it is not sent to
//! any other host. Every piece of git output the publisher surfaces goes
//! through a [`Redactor`] first.
//!
//! Hermetic: the user's global and the system git configuration are ignored
//! (`GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CONFIG_NOSYSTEM=1`), hooks never run
//! (`core.hooksPath=/dev/null`), no credential helper is asked or fed,
//! prompts are disabled, messages are in English (`LC_ALL=C`), pathspecs are
//! literal, and the commit identity comes from `GIT_AUTHOR_*` /
//! `GIT_COMMITTER_*` variables rather than git configuration.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;

use super::PublishError;
use compat_core::secret::{Redactor, Secret};

/// Who the publish commit is by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub email: String,
}

impl Default for Identity {
    fn default() -> Self {
        Identity {
            name: "claude-code-compat-matrix[bot]".into(),
            email: "claude-code-compat-matrix[bot]@users.noreply.github.com".into(),
        }
    }
}

/// The docs repository, as git will be told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// What `git clone` gets: an http(s)/ssh URL, or `file://` for a local path.
    pub url: String,
    /// `scheme://host[:port]/` for http(s) remotes: the scope of the token.
    pub http_origin: Option<String>,
}

impl Remote {
    /// Accepts an `https://` (or, for loopback hosts only, `http://`) URL, an
    /// `ssh://` or `git@host:path` URL, a `file://` URL, or a local path
    /// (which must exist). URLs with embedded credentials are refused.
    pub fn parse(repo: &str) -> Result<Remote, PublishError> {
        let bad = |reason: String| PublishError::BadRepo {
            repo: repo.to_owned(),
            reason,
        };
        let repo_t = repo.trim();
        if repo_t.is_empty() {
            return Err(bad("empty".into()));
        }
        if repo_t.starts_with('-') {
            return Err(bad("starts with `-`".into()));
        }
        if repo_t.contains("://") {
            // Never echo a URL that may hold a password back in an error.
            let url = reqwest::Url::parse(repo_t).map_err(|e| PublishError::BadRepo {
                repo: "<unparsable URL>".into(),
                reason: format!("not a valid URL: {e}"),
            })?;
            if (!url.username().is_empty() && url.scheme() != "ssh") || url.password().is_some() {
                return Err(PublishError::BadRepo {
                    repo: format!(
                        "{}://{}{}",
                        url.scheme(),
                        url.host_str().unwrap_or(""),
                        url.path()
                    ),
                    reason: format!(
                        "the URL carries credentials; pass the token in {} instead, never in the URL \
                         (it would end up in logs and in .git/config)",
                        super::TOKEN_VAR
                    ),
                });
            }
            return match url.scheme() {
                "https" | "http" => {
                    let host = url.host_str().unwrap_or_default();
                    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1");
                    if url.scheme() == "http" && !loopback {
                        return Err(bad(
                            "plain http would send the token in clear text; use https".into(),
                        ));
                    }
                    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
                    Ok(Remote {
                        url: url.to_string(),
                        http_origin: Some(format!("{}://{}{}/", url.scheme(), host, port)),
                    })
                }
                "ssh" | "file" => Ok(Remote {
                    url: url.to_string(),
                    http_origin: None,
                }),
                other => Err(bad(format!(
                    "unsupported scheme `{other}` (use https, ssh, file, or a local path)"
                ))),
            };
        }
        // scp-like `git@github.com:owner/repo.git`.
        if let Some((user_host, _)) = repo_t.split_once(':')
            && user_host.contains('@')
            && !user_host.contains('/')
        {
            return Ok(Remote {
                url: repo_t.to_owned(),
                http_origin: None,
            });
        }
        let path = Path::new(repo_t);
        let abs = path
            .canonicalize()
            .map_err(|e| bad(format!("not a URL, and no such local repository ({e})")))?;
        let url = reqwest::Url::from_file_path(&abs)
            .map_err(|()| bad("cannot make a file:// URL of it".into()))?;
        Ok(Remote {
            url: url.to_string(),
            http_origin: None,
        })
    }
}

/// Runs git with the publisher's environment.
pub struct Git {
    env: Vec<(String, String)>,
    redactor: Redactor,
    program: PathBuf,
}

impl Git {
    /// `token` is sent, as `Authorization: Basic base64(x-access-token:<token>)`
    /// (what GitHub expects of App installation tokens over https), only to
    /// `remote`'s http origin.
    pub fn new(remote: &Remote, token: Option<&Secret>, author: &Identity) -> Git {
        let mut redactor = Redactor::new();
        let mut config: Vec<(String, String)> = vec![
            ("credential.helper".into(), String::new()),
            ("core.hooksPath".into(), "/dev/null".into()),
            ("commit.gpgSign".into(), "false".into()),
            ("advice.detachedHead".into(), "false".into()),
            ("init.defaultBranch".into(), "main".into()),
            ("core.quotePath".into(), "false".into()),
            // A stalled connection fails after a minute instead of hanging the job.
            ("http.lowSpeedLimit".into(), "1000".into()),
            ("http.lowSpeedTime".into(), "60".into()),
        ];
        if let (Some(token), Some(origin)) = (token, &remote.http_origin) {
            redactor.add(token);
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("x-access-token:{}", token.expose()));
            config.push((
                format!("http.{origin}.extraHeader"),
                format!("Authorization: Basic {basic}"),
            ));
        }
        let mut env: Vec<(String, String)> = vec![
            ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
            ("GIT_CONFIG_GLOBAL".into(), "/dev/null".into()),
            ("GIT_TERMINAL_PROMPT".into(), "0".into()),
            ("GIT_ASKPASS".into(), "true".into()),
            ("SSH_ASKPASS".into(), "true".into()),
            ("GCM_INTERACTIVE".into(), "never".into()),
            ("GIT_LITERAL_PATHSPECS".into(), "1".into()),
            ("LC_ALL".into(), "C".into()),
            ("GIT_AUTHOR_NAME".into(), author.name.clone()),
            ("GIT_AUTHOR_EMAIL".into(), author.email.clone()),
            ("GIT_COMMITTER_NAME".into(), author.name.clone()),
            ("GIT_COMMITTER_EMAIL".into(), author.email.clone()),
            ("GIT_CONFIG_COUNT".into(), config.len().to_string()),
        ];
        for (i, (k, v)) in config.into_iter().enumerate() {
            env.push((format!("GIT_CONFIG_KEY_{i}"), k));
            env.push((format!("GIT_CONFIG_VALUE_{i}"), v));
        }
        Git {
            env,
            redactor,
            program: PathBuf::from("git"),
        }
    }

    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    fn command<S: AsRef<OsStr>>(&self, dir: Option<&Path>, args: &[S]) -> Command {
        let mut c = Command::new(&self.program);
        // Variables that would point git at another repository or config.
        for v in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_OBJECT_DIRECTORY",
            "GIT_ALTERNATE_OBJECT_DIRECTORIES",
            "GIT_CEILING_DIRECTORIES",
            "GIT_NAMESPACE",
            "GIT_CONFIG",
            "GIT_CONFIG_PARAMETERS",
            "GIT_SSL_NO_VERIFY",
        ] {
            c.env_remove(v);
        }
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c.args(args);
        if let Some(d) = dir {
            c.current_dir(d);
        }
        c.stdin(std::process::Stdio::null());
        c
    }

    /// Runs git; the exit status is the caller's to judge.
    pub fn output<S: AsRef<OsStr>>(
        &self,
        dir: Option<&Path>,
        args: &[S],
    ) -> Result<Output, PublishError> {
        self.command(dir, args)
            .output()
            .map_err(|e| PublishError::Git {
                command: describe(args),
                detail: if e.kind() == std::io::ErrorKind::NotFound {
                    "git is not installed (not on PATH)".into()
                } else {
                    e.to_string()
                },
            })
    }

    /// Runs git and returns its stdout; a non-zero exit is an error carrying
    /// git's (redacted) stderr.
    pub fn run<S: AsRef<OsStr>>(
        &self,
        dir: Option<&Path>,
        args: &[S],
    ) -> Result<String, PublishError> {
        let out = self.output(dir, args)?;
        if !out.status.success() {
            return Err(PublishError::Git {
                command: describe(args),
                detail: self.stderr(&out),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// git's stderr (and stdout, if stderr is empty), redacted and trimmed.
    pub fn stderr(&self, out: &Output) -> String {
        let mut s = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if s.is_empty() {
            s = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        }
        if s.is_empty() {
            s = format!("exited with {}", out.status);
        }
        self.redact(&s)
    }
}

fn describe<S: AsRef<OsStr>>(args: &[S]) -> String {
    // Subcommand only: arguments may hold paths or messages, never needed here.
    args.iter()
        .map(|a| a.as_ref().to_string_lossy())
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default()
        .into_owned()
}

/// Parses `git status --porcelain=v1 -z` into the paths it names (both sides
/// of a rename or copy).
pub fn parse_status_z(out: &str) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let mut it = out.split('\0').filter(|s| !s.is_empty());
    while let Some(entry) = it.next() {
        if entry.len() < 4 {
            continue;
        }
        let (xy, path) = entry.split_at(3);
        paths.push(PathBuf::from(path));
        if xy.contains(['R', 'C'])
            && let Some(orig) = it.next()
        {
            paths.push(PathBuf::from(orig));
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_forms() {
        let r = Remote::parse("https://github.com/BerriAI/litellm-docs.git").unwrap();
        assert_eq!(r.http_origin.as_deref(), Some("https://github.com/"));
        let r = Remote::parse("http://127.0.0.1:8080/docs.git").unwrap();
        assert_eq!(r.http_origin.as_deref(), Some("http://127.0.0.1:8080/"));
        assert!(
            Remote::parse("git@github.com:BerriAI/litellm-docs.git")
                .unwrap()
                .http_origin
                .is_none()
        );
        let e = Remote::parse("https://x-access-token:ghs_secret@github.com/a/b.git")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("carries credentials") && !e.contains("ghs_secret"),
            "{e}"
        );
        assert!(
            Remote::parse("http://github.com/a/b.git")
                .unwrap_err()
                .to_string()
                .contains("clear text")
        );
        assert!(
            Remote::parse("/definitely/not/here")
                .unwrap_err()
                .to_string()
                .contains("no such local repository")
        );
        let d = tempfile::tempdir().unwrap();
        assert!(
            Remote::parse(d.path().to_str().unwrap())
                .unwrap()
                .url
                .starts_with("file:///")
        );
    }

    #[test]
    fn status_z() {
        let out = "?? src/data/m.json\0 M README.md\0R  new.txt\0old.txt\0";
        assert_eq!(
            parse_status_z(out),
            ["src/data/m.json", "README.md", "new.txt", "old.txt"]
                .map(PathBuf::from)
                .to_vec()
        );
    }

    #[test]
    fn token_only_in_the_environment_and_scoped_to_the_origin() {
        let remote = Remote::parse("https://github.com/BerriAI/litellm-docs.git").unwrap();
        let token = Secret::new("ghs_abc123");
        let git = Git::new(&remote, Some(&token), &Identity::default());
        let c = git.command(None, &["status"]);
        let args: Vec<_> = c
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args, ["status"]);
        let envs: Vec<(String, String)> = c
            .get_envs()
            .filter_map(|(k, v)| {
                Some((
                    k.to_string_lossy().into_owned(),
                    v?.to_string_lossy().into_owned(),
                ))
            })
            .collect();
        let key = envs
            .iter()
            .find(|(_, v)| v == "http.https://github.com/.extraHeader")
            .unwrap();
        let idx = key.0.trim_start_matches("GIT_CONFIG_KEY_");
        let value = &envs
            .iter()
            .find(|(k, _)| k == &format!("GIT_CONFIG_VALUE_{idx}"))
            .unwrap()
            .1;
        assert_eq!(git.redact(value), "Authorization: Basic <redacted>");
    }
}
