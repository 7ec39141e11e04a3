//! Execution over HTTP against Sentry: configuration, transport, pagination and retries.
//!
//! [`Client::execute`] runs a lowered [`Request`] and returns a [`ResultSet`];
//! [`Client::pages`] yields the same rows page by page as they arrive, for streaming output.
//! Every request and every wait is reported to an optional observer ([`Client::on_event`]) for
//! `--verbose`; the auth token never appears in anything reported.

mod compare;
pub mod config;
pub mod error;
mod listing;
mod pages;
mod paginate;
mod progress;
pub mod rate_limit;
mod refusal;
mod retry;
mod split;
mod stats;
mod timeseries;
pub mod transport;

pub use config::{Config, ConfigInputs, ConfigRow, Flags, Origin, Setting, Token};
pub use error::{Clause, ClientError};
pub use listing::JsonPage;
pub use split::{DEFAULT_OFFSET_CAP, Stitched};
pub use transport::{
    FailureKind, HttpRequest, HttpResponse, ReqwestTransport, Timeouts, Transport, TransportError,
};

pub use pages::Pages;
pub use progress::Paging;

use crate::lower::request::{Endpoint, Method, Request};
use crate::result::{Meta, ResultSet, Row};
use backon::{BlockingRetryable, ExponentialBuilder};
use pages::merge_meta;
use refusal::{old_dataset_refusal, param_values, snippet};
use serde_json::Value;
use std::cell::Cell;
use std::time::{Duration, Instant, SystemTime};

/// How failed requests are retried (429 always; 5xx and connection failures for GETs only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests sent at most for one page, the first included.
    pub max_tries: u32,
    /// Total time spent waiting between tries at most.
    pub max_wait: Duration,
    /// The first exponential-backoff delay (doubled each try, with jitter) when the server
    /// names no wait.
    pub first_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_tries: 5,
            max_wait: Duration::from_secs(60),
            first_delay: Duration::from_secs(1),
        }
    }
}

/// What the client reports to its observer.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// A request was sent and answered (`status`) or failed (`error`).
    Sent {
        /// The method.
        method: Method,
        /// The full URL (it never holds the token).
        url: String,
        /// The status, when a response came.
        status: Option<u16>,
        /// Why no response came.
        error: Option<String>,
        /// Time from sending to the whole body.
        elapsed: Duration,
        /// 1 for the first try of this request.
        attempt: u32,
    },
    /// The server redirected: the rows of the request sent to `from` came from `to`.
    Redirected {
        /// The URL asked (credentials masked).
        from: String,
        /// The URL that answered (credentials masked).
        to: String,
    },
    /// The client waits before trying again.
    Waiting {
        /// How long.
        delay: Duration,
        /// Why (`429 Retry-After`, `500`, …).
        reason: String,
    },
    /// The client changed the request to suit the server (an older self-hosted Sentry) and
    /// sends it again; the message says what changed and why.
    Adapted {
        /// One sentence.
        message: String,
    },
}

/// One page of rows as it arrives.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// The rows of this page (never more than the LIMIT still wanted).
    pub rows: Vec<Row>,
    /// Types and units of the columns.
    pub meta: Meta,
    /// Row keys in a useful order: the requested fields (shown then hidden) for events and
    /// issues, `time` then the series for events-stats, the object's keys for single events.
    pub columns: Vec<String>,
    /// Whether Sentry has rows beyond those returned so far.
    pub has_more: bool,
}

/// A whole result and what is known about rows not fetched.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Execution {
    /// The rows and meta.
    pub result: ResultSet,
    /// Row keys in a useful order (see [`Page::columns`]).
    pub columns: Vec<String>,
    /// Whether Sentry has more rows than were fetched (no LIMIT: more than one page).
    pub has_more: bool,
    /// How many pages were fetched.
    pub pages: u32,
}

type Sleeper = Box<dyn Fn(Duration) + Send + Sync>;
type Clock = Box<dyn Fn() -> SystemTime + Send + Sync>;
type Observer = Box<dyn Fn(&ClientEvent) + Send + Sync>;

/// Executes lowered requests against one Sentry organization.
pub struct Client<T: Transport = ReqwestTransport> {
    transport: T,
    base_url: String,
    org: Option<String>,
    retry: RetryPolicy,
    sleep: Sleeper,
    clock: Clock,
    observer: Option<Observer>,
    /// Paces every request (of every thread sharing the client) to the announced limits.
    pacer: rate_limit::Pacer,
    /// The most rows one query may page through (offset + page size); see `split.rs`.
    offset_cap: u64,
    /// Told where each request's paging got (`progress.rs`).
    progress: Option<progress::ProgressHook>,
}

impl<T: Transport> std::fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("org", &self.org)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Client<ReqwestTransport> {
    /// A client over HTTP for `config` (needs a token; the org is needed only by requests
    /// whose path holds `{org}`).
    pub fn from_config(config: &Config, timeouts: Timeouts) -> Result<Self, ClientError> {
        Client::from_config_with(config, timeouts, transport::DEFAULT_MAX_BODY)
    }

    /// [`Client::from_config`] reading at most `max_body` bytes of one response (after
    /// decompression).
    pub fn from_config_with(
        config: &Config,
        timeouts: Timeouts,
        max_body: u64,
    ) -> Result<Self, ClientError> {
        let token = config.token()?.clone();
        let transport = ReqwestTransport::new(token, timeouts)?.max_body(max_body);
        Client::with_transport(
            transport,
            &config.url.value,
            config.org.as_ref().map(|s| s.value.clone()),
        )
    }
}

impl<T: Transport> Client<T> {
    /// A client sending through `transport` to `base_url` (e.g. `https://sentry.io`, or a
    /// self-hosted URL with a path prefix).
    pub fn with_transport(
        transport: T,
        base_url: &str,
        org: Option<String>,
    ) -> Result<Self, ClientError> {
        let invalid = |reason: String| ClientError::InvalidUrl {
            url: redact_url(base_url),
            reason,
        };
        let parsed = reqwest::Url::parse(base_url).map_err(|e| invalid(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid("only http and https are supported".into()));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(invalid("the URL must not have a query or fragment".into()));
        }
        if let Some(org) = &org {
            check_org(org)?;
        }
        Ok(Client {
            transport,
            base_url: base_url.trim_end_matches('/').to_owned(),
            org,
            retry: RetryPolicy::default(),
            sleep: Box::new(std::thread::sleep),
            clock: Box::new(SystemTime::now),
            observer: None,
            pacer: rate_limit::Pacer::new(),
            offset_cap: DEFAULT_OFFSET_CAP,
            progress: None,
        })
    }

    /// Sets the retry limits.
    #[must_use]
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Replaces how the client waits between tries (tests record instead of sleeping).
    #[must_use]
    pub fn sleeper(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.sleep = Box::new(sleep);
        self
    }

    /// Replaces the clock used to read `X-Sentry-Rate-Limit-Reset` and HTTP-date
    /// `Retry-After` values.
    #[must_use]
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// The rate limits Sentry announced so far, by bucket (method and path shape), for
    /// planning: requests per window, and at once.
    pub fn announced_limits(&self) -> Vec<(String, rate_limit::Announced)> {
        self.pacer.announced()
    }

    /// Reports every request (URL, status, timing) and every wait to `observer`, for
    /// `--verbose`.
    #[must_use]
    pub fn on_event(mut self, observer: impl Fn(&ClientEvent) + Send + Sync + 'static) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    /// Runs `request` to the end: follows pages until `request.limit` rows or the last page
    /// (one page when there is no limit; every row with `LIMIT ALL`, in windows of time past
    /// the offset cap) and gathers them.
    pub fn execute(&self, request: &Request) -> Result<Execution, ClientError> {
        let mut execution = Execution::default();
        for page in self.stitched(request) {
            let page = page?;
            execution.pages += 1;
            execution.has_more = page.has_more;
            execution.columns = page.columns;
            execution.result.meta = merge_meta(execution.result.meta, page.meta);
            execution.result.data.extend(page.rows);
        }
        Ok(execution)
    }

    /// The pages of one query of `request` as they arrive (never past the offset cap: see
    /// [`Client::stitched`]); the iterator ends after the first error.
    pub fn pages<'c>(&'c self, request: &'c Request) -> Pages<'c, T> {
        self.pages_of(std::borrow::Cow::Borrowed(request))
    }

    fn pages_of<'c>(&'c self, request: std::borrow::Cow<'c, Request>) -> Pages<'c, T> {
        Pages::new(self, request)
    }

    /// GETs `path` with `params` and follows the `Link` header's next cursor (while it says
    /// `results="true"`), at most `max_pages` pages; returns each page's JSON body in order.
    /// A listing longer than `max_pages` is [`ClientError::IncompletePages`], not a cut.
    /// Retries as [`Client::execute`] does. A next link that cannot be followed (the same
    /// cursor again, a cycle, no cursor) is [`ClientError::IncompletePages`], never a quiet
    /// end. For endpoints outside the query language, such as `/trace-items/attributes/`.
    pub fn get_json_pages(
        &self,
        path: &str,
        params: &[(String, String)],
        max_pages: u32,
    ) -> Result<Vec<Value>, ClientError> {
        let request = Request {
            params: params.to_vec(),
            ..Request::new(Method::Get, Endpoint::Events, path.to_owned())
        };
        let mut bodies = Vec::new();
        let mut cursor: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        for page in 1..=max_pages {
            let mut params = request.params.clone();
            if let Some(cursor) = &cursor {
                params.push(("cursor".to_owned(), cursor.clone()));
            }
            let response = self.send(&request, &params)?;
            let body: Value =
                serde_json::from_slice(&response.body).map_err(|e| ClientError::BadResponse {
                    status: response.status,
                    reason: format!(
                        "the body is not JSON ({e}); it starts with {:?}",
                        snippet(&response.body)
                    ),
                })?;
            bodies.push(body);
            let next = response.header("link").and_then(paginate::next_page);
            let stop = |reason: String| ClientError::IncompletePages {
                pages: u32::try_from(bodies.len()).unwrap_or(u32::MAX),
                reason,
            };
            // As the events paging does (`pages.rs`): a cursor Sentry says leads to more
            // results but that cannot be followed is a loud error, never a quiet end.
            match next {
                Some(next) if !next.results => break,
                None => break,
                Some(next) if next.cursor.is_empty() => {
                    return Err(stop("the `rel=\"next\"` link has no cursor".into()));
                }
                Some(next) if cursor.as_ref() == Some(&next.cursor) => {
                    return Err(stop(format!(
                        "Sentry answered with the same cursor `{}` again",
                        next.cursor
                    )));
                }
                Some(next) if !seen.insert(next.cursor.clone()) => {
                    return Err(stop(format!(
                        "Sentry's cursors went round in a cycle (back to `{}`)",
                        next.cursor
                    )));
                }
                // The cap is a guard against a server that never ends, not a place to cut
                // the listing quietly: a listing longer than it is a loud error too.
                Some(_) if page == max_pages => {
                    return Err(stop(format!(
                        "Sentry has more pages than the {max_pages} dql reads of this listing"
                    )));
                }
                Some(next) => cursor = Some(next.cursor),
            }
        }
        Ok(bodies)
    }

    /// Values Sentry has seen for the tag or field `key` whose text contains `contains`, most
    /// frequent first, for completion: `GET /api/0/organizations/{org}/tags/{key}/values/`
    /// with `query` (Sentry's substring filter) and `extra` (e.g. `dataset`, `statsPeriod`).
    /// Each answer item is `{"key", "name", "value", "count", "lastSeen", "firstSeen"}` (getsentry/sentry
    /// `src/sentry/api/endpoints/organization_tagkey_values.py`, `src/sentry/tagstore/types.py`).
    /// A key outside Sentry's tag-key alphabet (`TAG_KEY_RE`) is not sent: the answer is empty.
    pub fn tag_values(
        &self,
        key: &str,
        contains: &str,
        extra: &[(String, String)],
    ) -> Result<Vec<String>, ClientError> {
        let plain = !key.is_empty()
            && key.len() <= 200
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
        if !plain {
            return Ok(Vec::new());
        }
        let mut params = vec![("query".to_owned(), contains.to_owned())];
        params.extend(extra.iter().cloned());
        self.values_at(
            format!("/api/0/organizations/{{org}}/tags/{key}/values/"),
            &params,
        )
    }

    /// Values Sentry has seen for the attribute `key` of a trace-item `dataset` (`spans`,
    /// `logs`, `tracemetrics`) containing `contains` (case-sensitive), for completion:
    /// `GET /api/0/organizations/{org}/trace-items/attributes/{key}/values/` with `dataset`,
    /// `attributeType=string` and `substringMatch` (getsentry/sentry
    /// `src/sentry/api/endpoints/organization_trace_item_attributes.py`,
    /// `OrganizationTraceItemAttributeValuesEndpoint`; each item has a `value`). The key is
    /// sent only when it is a plain attribute name; otherwise the answer is empty.
    pub fn attribute_values(
        &self,
        key: &str,
        contains: &str,
        dataset: &str,
        extra: &[(String, String)],
    ) -> Result<Vec<String>, ClientError> {
        let plain = !key.is_empty()
            && key.len() <= 200
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
        if !plain {
            return Ok(Vec::new());
        }
        let mut params = vec![
            ("dataset".to_owned(), dataset.to_owned()),
            ("attributeType".to_owned(), "string".to_owned()),
            ("substringMatch".to_owned(), contains.to_owned()),
        ];
        params.extend(extra.iter().cloned());
        self.values_at(
            format!("/api/0/organizations/{{org}}/trace-items/attributes/{key}/values/"),
            &params,
        )
    }

    /// The `value` members of the JSON array a values endpoint answers at `path`.
    fn values_at(
        &self,
        path: String,
        params: &[(String, String)],
    ) -> Result<Vec<String>, ClientError> {
        let request = Request::new(Method::Get, crate::lower::Endpoint::Events, path);
        let response = self.send(&request, params)?;
        let items: Vec<serde_json::Value> =
            serde_json::from_slice(&response.body).map_err(|e| ClientError::BadResponse {
                status: response.status,
                reason: format!("the values are not a JSON array: {e}"),
            })?;
        Ok(items
            .iter()
            .filter_map(|item| item.get("value").and_then(|v| v.as_str()))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// Sends one JSON request outside the query language (`/discover/saved/`: list, create,
    /// update, delete) and returns the answer's JSON (`null` for an empty body, as DELETE's
    /// 204). Retries as [`Client::execute`] does (a write only on 429). A 403 on a write names
    /// the `org:write` scope.
    pub fn send_json(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, ClientError> {
        let request = Request {
            body,
            ..Request::new(method, Endpoint::Events, path.to_owned())
        };
        let response = match self.send(&request, &[]) {
            Ok(response) => response,
            Err(ClientError::Forbidden { detail, .. }) if method != Method::Get => {
                return Err(ClientError::Forbidden {
                    scope: "org:write",
                    detail,
                });
            }
            Err(e) => return Err(e),
        };
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&response.body).map_err(|e| ClientError::BadResponse {
            status: response.status,
            reason: format!(
                "the body is not JSON ({e}); it starts with {:?}",
                snippet(&response.body)
            ),
        })
    }

    /// The full URL for `path` and `params`, with `{org}` filled in.
    pub fn url(&self, path: &str, params: &[(String, String)]) -> Result<String, ClientError> {
        let path = if path.contains("{org}") {
            let org = self.org.as_deref().ok_or(ClientError::MissingOrg)?;
            path.replace("{org}", org)
        } else {
            path.to_owned()
        };
        let joined = format!("{}{}", self.base_url, path);
        let mut url = reqwest::Url::parse(&joined).map_err(|e| ClientError::InvalidUrl {
            url: redact_url(&joined),
            reason: e.to_string(),
        })?;
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        Ok(url.into())
    }
}

/// `url` with its password, if any, replaced by `***`, for anything shown or logged. A text
/// that does not parse as a URL has anything between `://` and `@` masked.
pub fn redact_url(url: &str) -> String {
    if let Ok(mut parsed) = reqwest::Url::parse(url) {
        if parsed.password().is_some() {
            let _ = parsed.set_password(Some("***"));
            return parsed.into();
        }
        return url.to_owned();
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if let Some((_, host)) = authority.rsplit_once('@') {
            return format!("{scheme}://***@{host}{tail}");
        }
    }
    url.to_owned()
}

/// Organization slugs go into the path unescaped, so only slug characters are accepted.
fn check_org(org: &str) -> Result<(), ClientError> {
    let valid = !org.is_empty()
        && org
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(ClientError::InvalidOrg {
            org: org.to_owned(),
        })
    }
}
