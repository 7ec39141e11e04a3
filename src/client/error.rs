//! The errors of execution over HTTP, each with a stable `dql::client::*` code (declared in
//! [`crate::registry`] as [`ClientCode`]), help text and an exit-code class.

use crate::registry::ClientCode;
use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;

/// The DQL clause a Sentry 400 message most likely concerns (a guess from its wording).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clause {
    /// The select list (fields, functions, equations).
    Select,
    /// The filter (`query=`).
    Where,
    /// `ORDER BY` (`sort=`).
    OrderBy,
    /// `SINCE` / `UNTIL` (the date range).
    Since,
    /// `LIMIT` (`per_page`, `topEvents`).
    Limit,
    /// `PROJECT`.
    Project,
    /// `ENVIRONMENT`.
    Environment,
    /// `INTERVAL`.
    Interval,
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Clause::Select => "SELECT",
            Clause::Where => "WHERE",
            Clause::OrderBy => "ORDER BY",
            Clause::Since => "SINCE",
            Clause::Limit => "LIMIT",
            Clause::Project => "PROJECT",
            Clause::Environment => "ENVIRONMENT",
            Clause::Interval => "INTERVAL",
        })
    }
}

impl Clause {
    /// Guesses the clause a Sentry 400 `detail` message concerns; `None` when the wording gives
    /// no hint. The order of the tests matters: "Cannot sort by a field …" is about ORDER BY
    /// although it names a field.
    pub fn guess(detail: &str) -> Option<Clause> {
        let text = detail.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
        if has(&[
            "date range",
            "retention",
            "statsperiod",
            "start and end",
            "comparison period",
        ]) {
            Some(Clause::Since)
        } else if has(&["sort", "orderby", "order by"]) {
            Some(Clause::OrderBy)
        } else if has(&["interval", "rollup", "granularity"]) {
            Some(Clause::Interval)
        } else if has(&["per_page", "topevents", "top events", "limit"]) {
            Some(Clause::Limit)
        } else if has(&["environment"]) {
            Some(Clause::Environment)
        } else if has(&["project"]) {
            Some(Clause::Project)
        } else if has(&[
            "query",
            "search",
            "filter",
            "parse error",
            "invalid value",
            "operator",
        ]) {
            Some(Clause::Where)
        } else if has(&["field", "function", "equation", "aggregate", "column"]) {
            Some(Clause::Select)
        } else {
            None
        }
    }
}

/// Everything that can go wrong executing a request against Sentry.
///
/// Every variant has a code `dql::client::<name>` and help; [`ClientError::exit_code`] sorts them
/// into the CLI's exit classes.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No auth token in flags, environment or `.sentryclirc`.
    #[error("no Sentry auth token is configured")]
    MissingToken,

    /// The request names `{org}` and no organization is configured.
    #[error("no Sentry organization is configured")]
    MissingOrg,

    /// A `.sentryclirc` could not be read or has a line that is not INI.
    #[error("cannot use {}: {message}", path.display())]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// What is wrong (with the line number when it is a syntax problem).
        message: String,
    },

    /// The configured Sentry URL does not parse.
    #[error("invalid Sentry URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as configured.
        url: String,
        /// Why it was refused.
        reason: String,
    },

    /// The organization is not a slug (it would change the request path).
    #[error("invalid organization slug `{org}`")]
    InvalidOrg {
        /// The slug as configured.
        org: String,
    },

    /// The HTTP client could not be built (TLS setup).
    #[error("cannot set up the HTTP client: {0}")]
    HttpSetup(String),

    /// 401: the token is missing, wrong, expired or revoked.
    #[error("Sentry refused the auth token (401){}", detail_suffix(detail))]
    Unauthorized {
        /// The scope the endpoint needs.
        scope: &'static str,
        /// Sentry's `detail`, if any.
        detail: Option<String>,
    },

    /// 403 without a `projectSlug`: the token lacks a scope or the user lacks access.
    #[error("Sentry denied access (403){}", detail_suffix(detail))]
    Forbidden {
        /// The scope the endpoint needs.
        scope: &'static str,
        /// Sentry's `detail`, if any.
        detail: Option<String>,
    },

    /// 403 on a request with `projectSlug`: Sentry does not distinguish unknown from
    /// inaccessible projects.
    #[error("unknown or inaccessible project: {}", slugs.join(", "))]
    UnknownProject {
        /// The slugs the request named.
        slugs: Vec<String>,
        /// Accessible project slugs close to them, nearest first.
        suggestions: Vec<String>,
    },

    /// 404: the organization, project or event does not exist (or an environment is unknown).
    #[error("not found (404): {what}")]
    NotFound {
        /// What the request named that may be missing.
        what: String,
    },

    /// 400: Sentry refused the query; its `detail` is kept.
    #[error("Sentry refused the query: {detail}")]
    BadQuery {
        /// Sentry's message.
        detail: String,
        /// The clause it probably concerns.
        clause: Option<Clause>,
    },

    /// Another 4xx status.
    #[error("Sentry answered {status}{}", detail_suffix(detail))]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Sentry's `detail`, if any.
        detail: Option<String>,
    },

    /// 429 still after every allowed retry.
    #[error("rate limited by Sentry after {tries} tries{}", detail_suffix(detail))]
    RateLimited {
        /// How many requests were sent.
        tries: u32,
        /// Sentry's message, if any.
        detail: Option<String>,
        /// The wait Sentry asked for last (`Retry-After`, `X-Sentry-Rate-Limit-Reset`) when it
        /// was more than the retry budget allowed.
        asked: Option<std::time::Duration>,
    },

    /// The auth token cannot be sent: it holds a line break or another character an HTTP
    /// header cannot carry.
    #[error("the auth token holds characters that cannot go in an HTTP header")]
    InvalidToken,

    /// A redirect (3xx) that was not followed: the rows are not there.
    #[error("Sentry answered {status} (a redirect{}) and it was not followed", location.as_ref().map(|l| format!(" to {l}")).unwrap_or_default())]
    Redirect {
        /// The HTTP status.
        status: u16,
        /// Where it pointed (credentials removed), if it said.
        location: Option<String>,
    },

    /// Redirects that led nowhere: back to a URL already visited, or too many of them.
    #[error("the request to {url} was redirected {hops} times without an answer{}", if *looped { " (a redirect loop: it came back to a URL it had visited)" } else { "" })]
    RedirectLoop {
        /// The URL asked for (credentials removed).
        url: String,
        /// The redirects received before giving up.
        hops: u32,
        /// Whether the last redirect pointed back at a URL already visited.
        looped: bool,
    },

    /// A response body larger than the configured cap (after decompression).
    #[error("Sentry's response is larger than the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The cap, in bytes.
        limit: u64,
    },

    /// Sentry said there were more rows, but pagination could not go on: a repeated cursor or
    /// a cycle, an empty page marked as having results, a missing or unreadable `Link` header.
    #[error("only {fetched} of the {wanted} rows asked for could be fetched: {reason}")]
    Incomplete {
        /// Rows fetched before pagination stopped.
        fetched: u64,
        /// Rows the LIMIT asked for.
        wanted: u64,
        /// What the server did.
        reason: String,
    },

    /// The same failure as [`ClientError::Incomplete`] (code `dql::client::incomplete`) for a
    /// listing outside the query language (`Client::get_json_pages`: the catalog's attributes,
    /// saved queries), counted in pages since it has no LIMIT.
    #[error("only {pages} pages could be fetched while Sentry said there were more: {reason}")]
    IncompletePages {
        /// Pages fetched before pagination stopped.
        pages: u32,
        /// What the server did.
        reason: String,
    },

    /// More rows than one query can page through (the offset cap), and the query cannot be
    /// split into windows of time (see `lower::split::Split::Refused`).
    #[error(
        "this result has more than {cap} rows, the most one Sentry query can page through, and it cannot be split by time: {reason}"
    )]
    PastOffsetCap {
        /// The offset cap.
        cap: u64,
        /// Rows delivered before stopping.
        fetched: u64,
        /// Why no split keeps the answer whole.
        reason: String,
    },

    /// More rows (or groups) fall in one second than one query can page through, so no
    /// window of time holds them under the offset cap.
    #[error(
        "more than {cap} {what} fall in the one second at {second}: no window of time holds them under the offset cap"
    )]
    WindowTooDense {
        /// The offset cap.
        cap: u64,
        /// `rows` or `groups`.
        what: &'static str,
        /// The second, `YYYY-MM-DDTHH:MM:SSZ`.
        second: String,
        /// Rows delivered before stopping.
        fetched: u64,
    },

    /// 5xx still after every allowed retry (or on a PUT, which is never retried).
    #[error(
        "Sentry failed with {status} after {tries} tries{}",
        detail_suffix(detail)
    )]
    Server {
        /// The HTTP status.
        status: u16,
        /// How many requests were sent.
        tries: u32,
        /// Sentry's `detail`, if any.
        detail: Option<String>,
    },

    /// Connection failure or timeout still after every allowed retry.
    #[error("cannot reach Sentry at {url} after {tries} tries: {message}")]
    Network {
        /// The URL tried (never holds the token).
        url: String,
        /// How many requests were sent.
        tries: u32,
        /// What failed.
        message: String,
    },

    /// A bulk issue update that Sentry answered 204 "No groups found": none of the PUT's ids
    /// was changed (`src/sentry/api/helpers/group_index/update.py`
    /// `update_groups_with_search_fn`).
    #[error("Sentry changed none of the issues {}: it found no such issue in the project (204)", ids.join(", "))]
    NothingUpdated {
        /// The ids the PUT named.
        ids: Vec<String>,
    },

    /// A success status whose body is not the JSON the endpoint documents.
    #[error("unexpected response from Sentry ({status}): {reason}")]
    BadResponse {
        /// The HTTP status.
        status: u16,
        /// What is wrong with it, with the start of the body.
        reason: String,
    },
}

impl ClientError {
    /// The stable code of this error.
    pub fn code(&self) -> ClientCode {
        match self {
            ClientError::MissingToken => ClientCode::MissingToken,
            ClientError::MissingOrg => ClientCode::MissingOrg,
            ClientError::ConfigFile { .. } => ClientCode::ConfigFile,
            ClientError::InvalidUrl { .. } => ClientCode::InvalidUrl,
            ClientError::InvalidOrg { .. } => ClientCode::InvalidOrg,
            ClientError::HttpSetup(_) => ClientCode::HttpSetup,
            ClientError::Unauthorized { .. } => ClientCode::Unauthorized,
            ClientError::Forbidden { .. } => ClientCode::Forbidden,
            ClientError::UnknownProject { .. } => ClientCode::UnknownProject,
            ClientError::NotFound { .. } => ClientCode::NotFound,
            ClientError::BadQuery { .. } => ClientCode::BadQuery,
            ClientError::Refused { .. } => ClientCode::Refused,
            ClientError::RateLimited { .. } => ClientCode::RateLimited,
            ClientError::InvalidToken => ClientCode::InvalidToken,
            ClientError::Redirect { .. } => ClientCode::Redirect,
            ClientError::RedirectLoop { .. } => ClientCode::RedirectLoop,
            ClientError::ResponseTooLarge { .. } => ClientCode::ResponseTooLarge,
            ClientError::Incomplete { .. } | ClientError::IncompletePages { .. } => {
                ClientCode::Incomplete
            }
            ClientError::PastOffsetCap { .. } => ClientCode::PastOffsetCap,
            ClientError::WindowTooDense { .. } => ClientCode::WindowTooDense,
            ClientError::Server { .. } => ClientCode::ServerError,
            ClientError::Network { .. } => ClientCode::Network,
            ClientError::NothingUpdated { .. } => ClientCode::NothingUpdated,
            ClientError::BadResponse { .. } => ClientCode::BadResponse,
        }
    }

    /// What to do about it.
    fn help_text(&self) -> Cow<'static, str> {
        let text = match self {
            ClientError::MissingToken => {
                "pass --token, set SENTRY_AUTH_TOKEN, or add `[auth]` `token = …` to \
                 ~/.sentryclirc (`sentry-cli login` writes it); create one in Sentry under \
                 Settings → Auth Tokens"
            }
            ClientError::MissingOrg => {
                "pass --org, set SENTRY_ORG, or add `[defaults]` `org = …` to .sentryclirc"
            }
            ClientError::ConfigFile { .. } => {
                "fix or remove the file; it holds `[auth] token = …` and `[defaults] \
                 url/org/project = …`"
            }
            ClientError::InvalidUrl { .. } => {
                "give a URL such as https://sentry.io or https://sentry.example.com (--url, \
                 SENTRY_URL or `[defaults] url`)"
            }
            ClientError::InvalidOrg { .. } => {
                "an organization slug holds only letters, digits, `-`, `_` and `.`; it is the \
                 part after /organizations/ in Sentry's URLs"
            }
            ClientError::HttpSetup(_) => {
                "this is an environment problem (TLS roots, proxy settings); try again with \
                 --verbose"
            }
            ClientError::Unauthorized { scope, .. } => return format!(
                "check the token (SENTRY_AUTH_TOKEN / .sentryclirc); this request needs a token \
                 with the `{scope}` scope"
            )
            .into(),
            ClientError::Forbidden { scope, .. } => {
                return format!(
                    "this request needs a token with the `{scope}` scope and membership of the \
                     organization/projects it reads"
                )
                .into();
            }
            ClientError::UnknownProject { suggestions, .. } => {
                return project_help(suggestions).into();
            }
            ClientError::NotFound { .. } => {
                "check the spelling and that the token's user can see it (`dql config` shows \
                 the org in use)"
            }
            ClientError::BadQuery { clause, .. } => return bad_query_help(clause).into(),
            ClientError::Refused { .. } => {
                "the request was refused as sent; run with --verbose to see the URL"
            }
            ClientError::RateLimited { asked, .. } => return rate_limited_help(*asked).into(),
            ClientError::InvalidToken => {
                "a token is one line of printable characters: check for a trailing line break \
                 or a stray character where it is set (--token, SENTRY_AUTH_TOKEN or [auth] \
                 token)"
            }
            ClientError::Redirect { .. } => {
                "point --url (SENTRY_URL, [defaults] url) at the address the server redirects \
                 to; run with --verbose to see each request"
            }
            ClientError::RedirectLoop { .. } => {
                "the server, or a proxy in front of it, sends the request round in circles \
                 (often http ⇄ https, a trailing slash, or a login page); point --url \
                 (SENTRY_URL, [defaults] url) at Sentry's own address and run with --verbose to \
                 see each request"
            }
            ClientError::ResponseTooLarge { .. } => {
                "raise the limit with --max-response-mb, or ask for less per page (fewer \
                 fields, smaller LIMIT)"
            }
            ClientError::Incomplete { .. } => {
                "the rows written are a part of the result, not all of it; run again (with \
                 --verbose to see each page), or narrow the query"
            }
            ClientError::IncompletePages { .. } => {
                "what was fetched is a part of the listing, not all of it; run again (with \
                 --verbose to see each page)"
            }
            ClientError::PastOffsetCap { fetched, .. } => {
                return format!(
                    "{fetched} rows were fetched before dql stopped rather than cut the result; \
                     narrow the query (SINCE, WHERE) to fewer rows, or change it as the reason says"
                )
                .into();
            }
            ClientError::WindowTooDense { fetched, .. } => {
                return format!(
                    "{fetched} rows were fetched before dql stopped rather than cut the result; \
                     narrow the query with WHERE (a project, an environment, a release) so fewer \
                     share a second"
                )
                .into();
            }
            ClientError::Server { .. } => {
                "Sentry had a problem; try again later, or narrow the query (shorter SINCE) if \
                 it timed out"
            }
            ClientError::Network { .. } => {
                "check the URL (--url / SENTRY_URL), the network and any proxy; a slow Sentry \
                 may need a longer --timeout (seconds per response, default 60)"
            }
            ClientError::NothingUpdated { .. } => {
                "the issues may have been deleted or merged since they were listed, or moved \
                 out of reach of the token; list them again"
            }
            ClientError::BadResponse { .. } => {
                "the answer was cut off or is not Sentry's API (is the URL right?); run with \
                 --verbose"
            }
        };
        text.into()
    }

    /// The CLI exit code for this error: 3 configuration or authentication, 4 the API refused
    /// the query, 5 network or server failure after retries.
    pub fn exit_code(&self) -> u8 {
        match self {
            ClientError::MissingToken
            | ClientError::MissingOrg
            | ClientError::ConfigFile { .. }
            | ClientError::InvalidUrl { .. }
            | ClientError::InvalidOrg { .. }
            | ClientError::Unauthorized { .. }
            | ClientError::Forbidden { .. }
            | ClientError::InvalidToken
            | ClientError::Redirect { .. }
            | ClientError::RedirectLoop { .. } => 3,
            ClientError::UnknownProject { .. }
            | ClientError::NotFound { .. }
            | ClientError::BadQuery { .. }
            | ClientError::NothingUpdated { .. }
            | ClientError::PastOffsetCap { .. }
            | ClientError::Refused { .. } => 4,
            ClientError::HttpSetup(_)
            | ClientError::RateLimited { .. }
            | ClientError::Server { .. }
            | ClientError::Network { .. }
            | ClientError::BadResponse { .. }
            | ClientError::ResponseTooLarge { .. }
            | ClientError::Incomplete { .. }
            | ClientError::IncompletePages { .. }
            | ClientError::WindowTooDense { .. } => 5,
        }
    }
}

impl miette::Diagnostic for ClientError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(ClientError::code(self).as_str()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.help_text()))
    }
}

fn detail_suffix(detail: &Option<String>) -> String {
    detail
        .as_ref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

fn rate_limited_help(asked: Option<std::time::Duration>) -> String {
    match asked {
        // No budget is worth raising that far (`X-Sentry-Rate-Limit-Reset: inf`).
        Some(wait) if wait.as_secs() >= YEAR_SECS => format!(
            "Sentry asked to wait {}, longer than any retry budget (--retry-seconds); run it again later",
            human_wait(wait)
        ),
        Some(wait) => format!(
            "Sentry asked to wait {}, longer than the retry budget (--retry-seconds); raise --retry-seconds to at least {} to wait it out, or run again later",
            human_wait(wait),
            wait.as_secs()
                .saturating_add(u64::from(wait.subsec_nanos() > 0))
        ),
        None => "wait a little and run it again, or fetch fewer pages (smaller LIMIT)".to_owned(),
    }
}

const YEAR_SECS: u64 = 365 * 86_400;

/// `45 s`, `1 h 0 min`, or `more than a year` for a wait no one will sit through.
fn human_wait(wait: std::time::Duration) -> String {
    let secs = wait.as_secs();
    if secs >= YEAR_SECS {
        "more than a year".to_owned()
    } else if secs >= 3600 {
        format!("{} h {} min", secs / 3600, secs % 3600 / 60)
    } else if secs >= 60 {
        format!("{} min {} s", secs / 60, secs % 60)
    } else {
        format!("{secs} s")
    }
}

fn project_help(suggestions: &[String]) -> String {
    match suggestions {
        [] => "check the PROJECT slugs and that the token's user is a member of those projects"
            .to_owned(),
        _ => format!("did you mean {}?", suggestions.join(", ")),
    }
}

fn bad_query_help(clause: &Option<Clause>) -> String {
    match clause {
        Some(clause) => format!("this looks like a problem with the {clause} clause"),
        None => "`dql compile` shows exactly what was sent".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_client_code_is_carried_by_one_error() {
        let detail = || Some("x".to_owned());
        let errors = [
            ClientError::MissingToken,
            ClientError::MissingOrg,
            ClientError::ConfigFile {
                path: PathBuf::from("x"),
                message: String::new(),
            },
            ClientError::InvalidUrl {
                url: String::new(),
                reason: String::new(),
            },
            ClientError::InvalidOrg { org: String::new() },
            ClientError::HttpSetup(String::new()),
            ClientError::Unauthorized {
                scope: "org:read",
                detail: detail(),
            },
            ClientError::Forbidden {
                scope: "org:read",
                detail: None,
            },
            ClientError::UnknownProject {
                slugs: vec![],
                suggestions: vec![],
            },
            ClientError::NotFound {
                what: String::new(),
            },
            ClientError::BadQuery {
                detail: String::new(),
                clause: None,
            },
            ClientError::Refused {
                status: 409,
                detail: None,
            },
            ClientError::RateLimited {
                tries: 1,
                detail: None,
                asked: None,
            },
            ClientError::InvalidToken,
            ClientError::Redirect {
                status: 302,
                location: None,
            },
            ClientError::RedirectLoop {
                url: String::new(),
                hops: 2,
                looped: true,
            },
            ClientError::ResponseTooLarge { limit: 1 },
            ClientError::Incomplete {
                fetched: 1,
                wanted: 2,
                reason: String::new(),
            },
            ClientError::IncompletePages {
                pages: 1,
                reason: String::new(),
            },
            ClientError::PastOffsetCap {
                cap: 1,
                fetched: 1,
                reason: String::new(),
            },
            ClientError::WindowTooDense {
                cap: 1,
                what: "rows",
                second: String::new(),
                fetched: 1,
            },
            ClientError::Server {
                status: 500,
                tries: 1,
                detail: None,
            },
            ClientError::Network {
                url: String::new(),
                tries: 1,
                message: String::new(),
            },
            ClientError::NothingUpdated { ids: vec![] },
            ClientError::BadResponse {
                status: 200,
                reason: String::new(),
            },
        ];
        // Every declared code is carried by exactly one variant (but `incomplete`, by the rows
        // of a query and the pages of a listing alike), and miette reports it.
        let carried: BTreeSet<&str> = errors.iter().map(|e| e.code().as_str()).collect();
        let declared: BTreeSet<&str> = ClientCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(errors.len(), carried.len() + 1);
        assert_eq!(carried, declared);
        for error in &errors {
            let code = miette::Diagnostic::code(error).map(|c| c.to_string());
            assert_eq!(code.as_deref(), Some(error.code().as_str()));
            let help = miette::Diagnostic::help(error).map(|h| h.to_string());
            assert!(help.is_some_and(|h| !h.is_empty()), "{error:?} has no help");
        }
    }

    #[test]
    fn help_names_the_fields_it_is_about() {
        let error = ClientError::Unauthorized {
            scope: "event:read",
            detail: None,
        };
        let help = miette::Diagnostic::help(&error).map(|h| h.to_string());
        assert_eq!(
            help.as_deref(),
            Some(
                "check the token (SENTRY_AUTH_TOKEN / .sentryclirc); this request needs a token with the `event:read` scope"
            )
        );
        let error = ClientError::WindowTooDense {
            cap: 10_000,
            what: "rows",
            second: "2026-01-01T00:00:00Z".into(),
            fetched: 42,
        };
        let help = miette::Diagnostic::help(&error).map(|h| h.to_string());
        assert!(help.is_some_and(|h| h.starts_with("42 rows were fetched")));
    }
}
