//! Configuration compatible with sentry-cli: flags, then `SENTRY_*` variables, then the nearest
//! `.sentryclirc` walking up from the working directory, then `~/.sentryclirc`.
//!
//! The INI subset is parsed here rather than with an INI crate because every setting must
//! remember the file *and line* it came from, which none of the common INI crates
//! (rust-ini, configparser) report; the subset sentry-cli writes is `[section]`, `key = value`
//! and `;`/`#` comments.

use super::error::ClientError;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The default Sentry URL (SaaS).
pub const DEFAULT_URL: &str = "https://sentry.io";

/// The file name sentry-cli reads.
pub const RC_FILE: &str = ".sentryclirc";

/// An auth token. Its `Debug` and `Display` print `***`, so it cannot leak through logging.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Token(token.into())
    }

    /// The secret itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A masked form that identifies the token without revealing it: `***` plus its last four
    /// characters when it is long enough for that to be harmless.
    pub fn masked(&self) -> String {
        let n_chars = self.0.chars().count();
        if n_chars < 16 {
            return "***".to_owned();
        }
        let tail: String = self.0.chars().skip(n_chars - 4).collect();
        format!("***{tail}")
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Values given explicitly (the CLI's flags).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--url`
    pub url: Option<String>,
    /// `--org`
    pub org: Option<String>,
    /// `--token`
    pub token: Option<Token>,
    /// `--project` (default project)
    pub project: Option<String>,
}

/// Everything configuration is resolved from, injectable so tests never touch the real process
/// environment or home directory. Its `Debug` lists variable names only, as `env` may hold
/// `SENTRY_AUTH_TOKEN`.
#[derive(Clone, Default)]
pub struct ConfigInputs {
    /// Explicit values.
    pub flags: Flags,
    /// Environment variables (only the `SENTRY_*` ones are read).
    pub env: BTreeMap<String, String>,
    /// Where to start looking for `.sentryclirc` (walking up).
    pub cwd: Option<PathBuf>,
    /// The home directory holding the global `.sentryclirc`.
    pub home: Option<PathBuf>,
}

impl fmt::Debug for ConfigInputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigInputs")
            .field("flags", &self.flags)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("cwd", &self.cwd)
            .field("home", &self.home)
            .finish()
    }
}

impl ConfigInputs {
    /// Inputs from this process: its environment, working directory and `HOME` (or
    /// `USERPROFILE`), plus `flags`.
    pub fn from_process(flags: Flags) -> Self {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let home = env
            .get("HOME")
            .or_else(|| env.get("USERPROFILE"))
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        ConfigInputs {
            flags,
            env,
            cwd: std::env::current_dir().ok(),
            home,
        }
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag, e.g. `--org`.
    Flag(&'static str),
    /// An environment variable, e.g. `SENTRY_ORG`.
    Env(&'static str),
    /// A line of a `.sentryclirc`.
    File {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
    },
    /// dql's built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "flag {flag}"),
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::File { path, line } => write!(f, "{}:{line}", path.display()),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// A resolved value and its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub origin: Origin,
}

/// One row of `dql config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRow {
    /// The setting's name (`url`, `org`, `token`, `project`).
    pub setting: &'static str,
    /// Its value (the token masked), or `None` when unset.
    pub value: Option<String>,
    /// Where it came from, or how to set it when unset.
    pub origin: String,
}

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Sentry's base URL.
    pub url: Setting<String>,
    /// The organization slug.
    pub org: Option<Setting<String>>,
    /// The auth token.
    pub token: Option<Setting<Token>>,
    /// The default project slug.
    pub project: Option<Setting<String>>,
}

/// One key of a `.sentryclirc` file and where it stands.
struct RcValue {
    value: String,
    path: PathBuf,
    line: usize,
}

impl Config {
    /// Resolves every setting: flags, then environment, then the nearest `.sentryclirc` above
    /// `cwd`, then `~/.sentryclirc`. Missing token or org is not an error here (`dql config`
    /// must still show what is set); [`Config::token`] and [`Config::org`] report it.
    pub fn resolve(inputs: &ConfigInputs) -> Result<Config, ClientError> {
        let mut files = Vec::new();
        let home_rc = inputs.home.as_ref().map(|h| h.join(RC_FILE));
        if let Some(cwd) = &inputs.cwd
            && let Some(local) = find_upwards(cwd)
        {
            // The home file found by walking up is read once, as the global one.
            if home_rc.as_ref() != Some(&local) {
                files.push(read_rc(&local)?);
            }
        }
        if let Some(home_rc) = home_rc
            && home_rc.is_file()
        {
            files.push(read_rc(&home_rc)?);
        }
        let from_files = |section: &str, key: &str| -> Option<Setting<String>> {
            files.iter().find_map(|file| {
                file.get(&(section.to_owned(), key.to_owned()))
                    .map(|v| Setting {
                        value: v.value.clone(),
                        origin: Origin::File {
                            path: v.path.clone(),
                            line: v.line,
                        },
                    })
            })
        };
        let from_env = |name: &'static str| -> Option<Setting<String>> {
            inputs
                .env
                .get(name)
                .filter(|v| !v.is_empty())
                .map(|v| Setting {
                    value: v.clone(),
                    origin: Origin::Env(name),
                })
        };
        let from_flag = |value: &Option<String>, flag: &'static str| -> Option<Setting<String>> {
            value.as_ref().filter(|v| !v.is_empty()).map(|v| Setting {
                value: v.clone(),
                origin: Origin::Flag(flag),
            })
        };

        let url = from_flag(&inputs.flags.url, "--url")
            .or_else(|| from_env("SENTRY_URL"))
            .or_else(|| from_files("defaults", "url"))
            .unwrap_or(Setting {
                value: DEFAULT_URL.to_owned(),
                origin: Origin::Default,
            });
        let org = from_flag(&inputs.flags.org, "--org")
            .or_else(|| from_env("SENTRY_ORG"))
            .or_else(|| from_files("defaults", "org"));
        let project = from_flag(&inputs.flags.project, "--project")
            .or_else(|| from_env("SENTRY_PROJECT"))
            .or_else(|| from_files("defaults", "project"));
        let token = match inputs
            .flags
            .token
            .as_ref()
            .filter(|t| !t.expose().is_empty())
        {
            Some(token) => Some(Setting {
                value: token.clone(),
                origin: Origin::Flag("--token"),
            }),
            None => from_env("SENTRY_AUTH_TOKEN")
                .or_else(|| from_files("auth", "token"))
                .map(|s| Setting {
                    value: Token(s.value),
                    origin: s.origin,
                }),
        };
        Ok(Config {
            url,
            org,
            token,
            project,
        })
    }

    /// The token, or [`ClientError::MissingToken`] saying how to set one.
    pub fn token(&self) -> Result<&Token, ClientError> {
        self.token
            .as_ref()
            .map(|s| &s.value)
            .ok_or(ClientError::MissingToken)
    }

    /// The organization, or [`ClientError::MissingOrg`] saying how to set one.
    pub fn org(&self) -> Result<&str, ClientError> {
        self.org
            .as_ref()
            .map(|s| s.value.as_str())
            .ok_or(ClientError::MissingOrg)
    }

    /// Rows for `dql config`: each setting, its value (token masked) and its origin.
    pub fn describe(&self) -> Vec<ConfigRow> {
        let row = |setting: &'static str, value: Option<(String, &Origin)>, how: &str| match value {
            Some((value, origin)) => ConfigRow {
                setting,
                value: Some(value),
                origin: origin.to_string(),
            },
            None => ConfigRow {
                setting,
                value: None,
                origin: format!("not set ({how})"),
            },
        };
        vec![
            row(
                "url",
                Some((super::redact_url(&self.url.value), &self.url.origin)),
                "--url, SENTRY_URL or [defaults] url",
            ),
            row(
                "org",
                self.org.as_ref().map(|s| (s.value.clone(), &s.origin)),
                "--org, SENTRY_ORG or [defaults] org",
            ),
            row(
                "token",
                self.token.as_ref().map(|s| (s.value.masked(), &s.origin)),
                "--token, SENTRY_AUTH_TOKEN or [auth] token",
            ),
            row(
                "project",
                self.project.as_ref().map(|s| (s.value.clone(), &s.origin)),
                "--project, SENTRY_PROJECT or [defaults] project",
            ),
        ]
    }
}

/// The nearest `.sentryclirc` in `dir` or one of its ancestors.
fn find_upwards(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(RC_FILE))
        .find(|candidate| candidate.is_file())
}

/// Reads one `.sentryclirc` into `(section, key) → value` (section and key lower-cased, as
/// sentry-cli matches them case-insensitively).
fn read_rc(path: &Path) -> Result<BTreeMap<(String, String), RcValue>, ClientError> {
    let text = std::fs::read_to_string(path).map_err(|e| ClientError::ConfigFile {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    parse_rc(&text, path)
}

fn parse_rc(text: &str, path: &Path) -> Result<BTreeMap<(String, String), RcValue>, ClientError> {
    let mut values = BTreeMap::new();
    let mut section = String::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest
                .strip_suffix(']')
                .ok_or_else(|| ClientError::ConfigFile {
                    path: path.to_owned(),
                    message: format!("line {}: a section header must end with `]`", idx + 1),
                })?;
            section = name.trim().to_lowercase();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .or_else(|| line.split_once(':'))
            .ok_or_else(|| ClientError::ConfigFile {
                path: path.to_owned(),
                message: format!("line {}: expected `key = value` or `[section]`", idx + 1),
            })?;
        let value = unquote(value.trim());
        // A repeated key overrides the earlier one, as in most INI readers.
        values.insert(
            (section.clone(), key.trim().to_lowercase()),
            RcValue {
                value: value.to_owned(),
                path: path.to_owned(),
                line: idx + 1,
            },
        );
    }
    Ok(values)
}

fn unquote(value: &str) -> &str {
    ['"', '\'']
        .iter()
        .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)))
        .unwrap_or(value)
}
