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
mod paginate;
pub mod rate_limit;
mod stats;
mod timeseries;
pub mod transport;

pub use config::{Config, ConfigInputs, ConfigRow, Flags, Origin, Setting, Token};
pub use error::{Clause, ClientError};
pub use listing::JsonPage;
pub use transport::{
    FailureKind, HttpRequest, HttpResponse, ReqwestTransport, Timeouts, Transport, TransportError,
};

use crate::lower::request::{Endpoint, Method, Request};
use crate::result::{Meta, ResultSet, Row};
use backon::{BlockingRetryable, ExponentialBuilder};
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
    /// (one page when there is no limit) and gathers them.
    pub fn execute(&self, request: &Request) -> Result<Execution, ClientError> {
        let mut execution = Execution::default();
        for page in self.pages(request) {
            let page = page?;
            execution.pages += 1;
            execution.has_more = page.has_more;
            execution.columns = page.columns;
            execution.result.meta = merge_meta(execution.result.meta, page.meta);
            execution.result.data.extend(page.rows);
        }
        Ok(execution)
    }

    /// The pages of `request` as they arrive; the iterator ends after the first error.
    pub fn pages<'c>(&'c self, request: &'c Request) -> Pages<'c, T> {
        Pages {
            client: self,
            request,
            state: PageState::First,
            n_fetched: 0,
            without_dataset: false,
            seen: std::collections::HashSet::new(),
        }
    }

    /// GETs `path` with `params` and follows the `Link` header's next cursor (while it says
    /// `results="true"`), at most `max_pages` pages; returns each page's JSON body in order.
    /// Retries as [`Client::execute`] does. For endpoints outside the query language, such as
    /// `/trace-items/attributes/`.
    pub fn get_json_pages(
        &self,
        path: &str,
        params: &[(String, String)],
        max_pages: u32,
    ) -> Result<Vec<Value>, ClientError> {
        let request = Request {
            name: None,
            method: Method::Get,
            endpoint: Endpoint::Events,
            path: path.to_owned(),
            params: params.to_vec(),
            body: None,
            columns: Vec::new(),
            hidden: Vec::new(),
            limit: None,
            update: None,
            fallback: None,
            compare: None,
        };
        let mut bodies = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..max_pages {
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
            match next {
                Some(next) if next.results && cursor.as_ref() != Some(&next.cursor) => {
                    cursor = Some(next.cursor);
                }
                _ => break,
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
        let request = Request {
            name: None,
            method: Method::Get,
            endpoint: crate::lower::Endpoint::Events,
            path,
            params: Vec::new(),
            body: None,
            columns: Vec::new(),
            hidden: Vec::new(),
            limit: None,
            update: None,
            fallback: None,
            compare: None,
        };
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
            name: None,
            method,
            endpoint: Endpoint::Events,
            path: path.to_owned(),
            params: Vec::new(),
            body,
            columns: Vec::new(),
            hidden: Vec::new(),
            limit: None,
            update: None,
            fallback: None,
            compare: None,
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

    fn emit(&self, event: ClientEvent) {
        if let Some(observer) = &self.observer {
            observer(&event);
        }
    }

    /// Sends one request once, reporting it.
    fn send_once(&self, http: &HttpRequest, attempt: u32) -> Result<HttpResponse, TransportError> {
        let notify = |delay: Duration, reason: String| {
            self.emit(ClientEvent::Waiting { delay, reason });
        };
        let waiting = rate_limit::Waiting {
            now: &self.clock,
            sleep: &self.sleep,
            notify: &notify,
        };
        let bucket = rate_limit::bucket(http.method.as_str(), &http.url);
        let permit = self.pacer.acquire(&bucket, &waiting);
        let started = Instant::now();
        let result = self.transport.send(http);
        if let Ok(response) = &result {
            permit.finish(response, (self.clock)());
        }
        self.emit(ClientEvent::Sent {
            method: http.method,
            url: redact_url(&http.url),
            status: result.as_ref().ok().map(|r| r.status),
            error: result.as_ref().err().map(|e| e.message.clone()),
            elapsed: started.elapsed(),
            attempt,
        });
        if let Ok(HttpResponse {
            final_url: Some(to),
            ..
        }) = &result
        {
            self.emit(ClientEvent::Redirected {
                from: redact_url(&http.url),
                to: to.clone(),
            });
        }
        result
    }

    /// Sends `request` with `params`, retrying as [`RetryPolicy`] allows; returns a response
    /// with a status below 400 or the error it maps to.
    fn send(
        &self,
        request: &Request,
        params: &[(String, String)],
    ) -> Result<HttpResponse, ClientError> {
        let http = HttpRequest {
            method: request.method,
            url: self.url(&request.path, params)?,
            body: request.body.clone(),
        };
        let is_get = request.method == Method::Get;
        let tries = Cell::new(0u32);
        let waited = Cell::new(Duration::ZERO);
        // A server-named wait the budget did not allow, for the message.
        let asked = Cell::new(None::<Duration>);
        let max_wait = self.retry.max_wait;
        let attempt = || {
            tries.set(tries.get() + 1);
            match self.send_once(&http, tries.get()) {
                // A 3xx here was not followed (no Location, a loop, too many): not success.
                Ok(response) if response.status < 300 => Ok(response),
                Ok(response) => Err(Failure::Status(response)),
                Err(error) => Err(Failure::Transport(error)),
            }
        };
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.retry.first_delay)
            .with_max_delay(max_wait)
            .with_jitter()
            .with_max_times(self.retry.max_tries.saturating_sub(1) as usize);
        let outcome = attempt
            .retry(backoff)
            // Blocking backon cannot adjust a delay to the server's Retry-After, so `notify`
            // does the waiting itself and backon's own sleep is a no-op.
            .sleep(|_: Duration| {})
            .when(|failure: &Failure| {
                let retryable = match failure {
                    Failure::Status(r) => r.status == 429 || (r.status >= 500 && is_get),
                    Failure::Transport(e) => {
                        is_get && !matches!(e.kind, FailureKind::TooLarge { .. })
                    }
                };
                let server_wait = self.server_wait(failure).unwrap_or(Duration::ZERO);
                if waited.get().saturating_add(server_wait) > max_wait {
                    asked.set(Some(server_wait));
                }
                // Give up now rather than wait past the budget for a server-named wait.
                retryable
                    && waited.get() < max_wait
                    && waited.get().saturating_add(server_wait) <= max_wait
            })
            .notify(|failure: &Failure, backoff: Duration| {
                let remaining = max_wait.saturating_sub(waited.get());
                let asked = self.server_wait(failure);
                let delay = asked.unwrap_or(backoff).min(remaining);
                waited.set(waited.get().saturating_add(delay));
                self.emit(ClientEvent::Waiting {
                    delay,
                    reason: failure.reason(),
                });
                (self.sleep)(delay);
                if asked == Some(delay) {
                    // Waited as Sentry asked: the pacer need not hold this request again.
                    self.pacer
                        .waited_out(&rate_limit::bucket(http.method.as_str(), &http.url));
                }
            })
            .call();
        match outcome {
            Ok(response) => Ok(response),
            Err(Failure::Status(response)) => {
                let mut error = self.status_error(request, &response, tries.get());
                if let ClientError::RateLimited { asked: slot, .. } = &mut error {
                    *slot = asked.get();
                }
                Err(error)
            }
            Err(Failure::Transport(TransportError {
                kind: FailureKind::TooLarge { limit },
                ..
            })) => Err(ClientError::ResponseTooLarge { limit }),
            Err(Failure::Transport(error)) => Err(ClientError::Network {
                url: redact_url(&http.url),
                tries: tries.get(),
                message: error.message,
            }),
        }
    }

    /// The wait a 429 names: `Retry-After` (seconds or HTTP date), else
    /// `X-Sentry-Rate-Limit-Reset` (epoch seconds); `None` means "use the backoff".
    fn server_wait(&self, failure: &Failure) -> Option<Duration> {
        let Failure::Status(response) = failure else {
            return None;
        };
        if response.status != 429 {
            return None;
        }
        let now = (self.clock)();
        if let Some(value) = response.header("retry-after").map(str::trim) {
            if let Ok(seconds) = value.parse::<u64>() {
                return Some(Duration::from_secs(seconds));
            }
            if let Ok(date) = jiff::fmt::rfc2822::parse(value) {
                let at_seconds = u64::try_from(date.timestamp().as_second()).unwrap_or(0);
                let at = SystemTime::UNIX_EPOCH + Duration::from_secs(at_seconds);
                return Some(at.duration_since(now).unwrap_or(Duration::ZERO));
            }
        }
        let reset = response
            .header("x-sentry-rate-limit-reset")?
            .trim()
            .parse::<f64>()
            .ok()?;
        let now = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()?
            .as_secs_f64();
        // A reset already past (or NaN) says nothing useful; fall back to the backoff. One too
        // far off for a Duration (`inf`, `1e300`) is a wait longer than any budget.
        (reset > now)
            .then(|| Duration::try_from_secs_f64((reset - now).ceil()).unwrap_or(Duration::MAX))
    }

    fn status_error(&self, request: &Request, response: &HttpResponse, tries: u32) -> ClientError {
        let detail = detail(&response.body);
        let scope = scope(request.endpoint);
        match response.status {
            400 => {
                let detail = detail.unwrap_or_else(|| "(no detail given)".to_owned());
                // A parse error's detail may span lines (a caret line under the query): one
                // line, so it reads as one message in a log and on a terminal.
                let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
                ClientError::BadQuery {
                    clause: Clause::guess(&detail),
                    detail,
                }
            }
            401 => ClientError::Unauthorized { scope, detail },
            403 => {
                let slugs = param_values(&request.params, "projectSlug");
                if slugs.is_empty() || slugs.iter().any(|s| s == "$all") {
                    ClientError::Forbidden { scope, detail }
                } else {
                    let suggestions = self.nearest_projects(&slugs);
                    ClientError::UnknownProject { slugs, suggestions }
                }
            }
            404 => ClientError::NotFound {
                what: self.not_found_cause(request),
            },
            429 => ClientError::RateLimited {
                tries,
                detail,
                asked: None,
            },
            300..=399 => ClientError::Redirect {
                status: response.status,
                location: response.header("location").map(redact_url),
            },
            status if status >= 500 => ClientError::Server {
                status,
                tries,
                detail,
            },
            status => ClientError::Refused { status, detail },
        }
    }

    /// Accessible project slugs near `slugs`, nearest first; empty when the list cannot be
    /// had (the suggestion is a courtesy, so its failure is not reported).
    fn nearest_projects(&self, slugs: &[String]) -> Vec<String> {
        let Ok(url) = self.url("/api/0/organizations/{org}/projects/", &[]) else {
            return Vec::new();
        };
        let http = HttpRequest {
            method: Method::Get,
            url,
            body: None,
        };
        let Ok(response) = self.send_once(&http, 1) else {
            return Vec::new();
        };
        if response.status != 200 {
            return Vec::new();
        }
        let Ok(Value::Array(projects)) = serde_json::from_slice::<Value>(&response.body) else {
            return Vec::new();
        };
        let known: Vec<&str> = projects
            .iter()
            .filter_map(|p| p.get("slug").and_then(Value::as_str))
            .collect();
        let mut scored: Vec<(f64, &str)> = Vec::new();
        for slug in slugs {
            for candidate in &known {
                if candidate == slug {
                    continue;
                }
                let score = strsim::normalized_damerau_levenshtein(slug, candidate);
                let contains = candidate.contains(slug.as_str()) || slug.contains(candidate);
                if score >= 0.5 || contains {
                    scored.push((if contains { score.max(0.5) } else { score }, candidate));
                }
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut nearest: Vec<String> = Vec::new();
        for (_, slug) in scored {
            if nearest.len() < 3 && !nearest.iter().any(|n| n == slug) {
                nearest.push(slug.to_owned());
            }
        }
        nearest
    }

    /// What a 404 may be about: the org, the projects and environments the request names.
    fn not_found_cause(&self, request: &Request) -> String {
        let mut causes = Vec::new();
        if let Some(org) = &self.org {
            causes.push(format!("organization `{org}`"));
        }
        let mut projects = param_values(&request.params, "projectSlug");
        if request.endpoint == Endpoint::ProjectEvent {
            // /api/0/projects/{org}/{project}/events/{id}/
            projects.extend(request.path.split('/').nth(5).map(str::to_owned));
        }
        for project in projects {
            causes.push(format!("project `{project}`"));
        }
        if matches!(
            request.endpoint,
            Endpoint::ProjectEvent | Endpoint::EventIdLookup
        ) {
            causes.push("the event id".to_owned());
        }
        let environments = param_values(&request.params, "environment");
        if !environments.is_empty() {
            let names: Vec<String> = environments.iter().map(|e| format!("`{e}`")).collect();
            causes.push(format!(
                "environment {} (Sentry may answer 404 for an unknown environment)",
                names.join(", ")
            ));
        }
        if causes.is_empty() {
            return "the endpoint (is the URL a Sentry server?)".to_owned();
        }
        format!("unknown {}", causes.join(" or "))
    }
}

/// Why one try failed.
enum Failure {
    Status(HttpResponse),
    Transport(TransportError),
}

impl Failure {
    fn reason(&self) -> String {
        match self {
            Failure::Status(r) if r.status == 429 => "429 rate limited".to_owned(),
            Failure::Status(r) => format!("status {}", r.status),
            Failure::Transport(e) => e.message.clone(),
        }
    }
}

/// The pages of one request; see [`Client::pages`].
pub struct Pages<'c, T: Transport> {
    client: &'c Client<T>,
    request: &'c Request,
    state: PageState,
    n_fetched: u64,
    /// The server refused `dataset=errors|transactions`: every page goes without it.
    without_dataset: bool,
    /// Cursors already followed: a repeat or a cycle would loop forever.
    seen: std::collections::HashSet<String>,
}

impl<T: Transport> std::fmt::Debug for Pages<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("path", &self.request.path)
            .field("n_fetched", &self.n_fetched)
            .finish_non_exhaustive()
    }
}

enum PageState {
    First,
    Next(String),
    /// The last page came, but the rows asked for could not all be fetched: yield this next.
    Failed(ClientError),
    Done,
}

impl<T: Transport> Iterator for Pages<'_, T> {
    type Item = Result<Page, ClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        let cursor = match std::mem::replace(&mut self.state, PageState::Done) {
            PageState::Done => return None,
            PageState::First => match &self.request.compare {
                Some(plan) => return Some(compare::compared(self.client, self.request, plan)),
                None => None,
            },
            PageState::Next(cursor) => Some(cursor),
            PageState::Failed(error) => return Some(Err(error)),
        };
        Some(self.fetch(cursor))
    }
}

impl<T: Transport> Pages<'_, T> {
    /// The cursor of the next page, after a page that has one (for a checkpoint: a request
    /// with `cursor` set to it continues there).
    pub fn next_cursor(&self) -> Option<&str> {
        match &self.state {
            PageState::Next(cursor) => Some(cursor),
            _ => None,
        }
    }

    /// Whether the last page came (nothing more will be fetched, and no error is pending).
    pub fn is_done(&self) -> bool {
        matches!(self.state, PageState::Done)
    }

    fn fetch(&mut self, cursor: Option<String>) -> Result<Page, ClientError> {
        let request = self.request;
        let paginated = matches!(request.endpoint, Endpoint::Events | Endpoint::Issues);
        let remaining = request.limit.map(|n| n.saturating_sub(self.n_fetched));
        let mut params = request.params.clone();
        let mut asked_size = None;
        if paginated {
            if let Some(remaining) = remaining {
                // Ask only for what is still wanted (the cursor is an offset, so a smaller
                // page size does not skip rows).
                let size_key = match request.endpoint {
                    Endpoint::Issues => "limit",
                    _ => "per_page",
                };
                for (key, value) in &mut params {
                    if key == size_key {
                        if let Ok(size) = value.parse::<u64>() {
                            let size = size.min(remaining).max(1);
                            asked_size = Some(size);
                            *value = size.to_string();
                        }
                    }
                }
            }
            if let Some(cursor) = &cursor {
                params.retain(|(key, _)| key != "cursor");
                params.push(("cursor".to_owned(), cursor.clone()));
            }
        }
        if self.without_dataset {
            params = without_dataset(&params).unwrap_or(params);
        }
        let response = match self.client.send(request, &params) {
            Err(ClientError::BadQuery { detail, clause }) if !self.without_dataset => {
                match old_dataset_refusal(&detail).then(|| without_dataset(&params)) {
                    Some(Some(retry)) => {
                        self.without_dataset = true;
                        self.client.emit(ClientEvent::Adapted {
                            message: format!(
                                "this Sentry refused the `dataset` parameter ({detail}); sending again without it, with the dataset's event type in the query"
                            ),
                        });
                        self.client.send(request, &retry)?
                    }
                    _ => return Err(ClientError::BadQuery { detail, clause }),
                }
            }
            Err(ClientError::NotFound { what }) => match request.fallback.as_deref() {
                // An older Sentry has no events-timeseries: ask events-stats, once.
                Some(fallback) if request.endpoint == Endpoint::EventsTimeseries => {
                    self.client.emit(ClientEvent::Adapted {
                        message: format!(
                            "this Sentry has no events-timeseries endpoint (404: {what}); asking events-stats instead"
                        ),
                    });
                    // Through its own pages, so an old dataset refusal is adapted to as well.
                    let mut pages = self.client.pages(fallback);
                    return pages.next().unwrap_or(Err(ClientError::NotFound { what }));
                }
                _ => return Err(ClientError::NotFound { what }),
            },
            other => other?,
        };
        let mut page = parse_page(request, &response)?;
        if !paginated {
            return Ok(page);
        }
        let link = response.header("link");
        let next = link.and_then(paginate::next_page);
        let n_received = page.rows.len() as u64;
        let mut truncated = false;
        if let Some(remaining) = remaining {
            let keep = usize::try_from(remaining).unwrap_or(usize::MAX);
            truncated = page.rows.len() > keep;
            page.rows.truncate(keep);
        }
        self.n_fetched += page.rows.len() as u64;
        let more = next.as_ref().is_some_and(|n| n.results);
        page.has_more = truncated || more;
        let Some(wanted) = request.limit.filter(|&n| self.n_fetched < n) else {
            return Ok(page);
        };
        // A page shorter than asked is the last one, whatever the headers say.
        let full = asked_size.is_none_or(|size| n_received >= size);
        let stop = |reason: String| {
            PageState::Failed(ClientError::Incomplete {
                fetched: self.n_fetched,
                wanted,
                reason,
            })
        };
        self.state = match next {
            None if !full => PageState::Done,
            None if link.is_none() => stop(
                "the response has no `Link` header, so whether more rows exist is unknown".into(),
            ),
            None => stop(format!(
                "the `Link` header has no readable `rel=\"next\"` link: {:?}",
                link.unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect::<String>()
            )),
            Some(next) if !next.results => PageState::Done,
            Some(_) if n_received == 0 => {
                stop("Sentry sent an empty page marked as having more results".into())
            }
            Some(next) if next.cursor.is_empty() => {
                stop("the `rel=\"next\"` link has no cursor".into())
            }
            Some(next) if cursor.as_ref() == Some(&next.cursor) => stop(format!(
                "Sentry answered with the same cursor `{}` again",
                next.cursor
            )),
            Some(next) if self.seen.contains(&next.cursor) => stop(format!(
                "Sentry's cursors went round in a cycle (back to `{}`)",
                next.cursor
            )),
            Some(next) => {
                self.seen.insert(next.cursor.clone());
                PageState::Next(next.cursor)
            }
        };
        Ok(page)
    }
}

/// Whether a 400 `detail` is an older Sentry refusing the `dataset` value: its
/// `DATASET_OPTIONS` lacked `errors`/`transactions` and `get_dataset` answered
/// "dataset must be one of: …" (getsentry/sentry
/// `src/sentry/api/bases/organization_events.py`).
fn old_dataset_refusal(detail: &str) -> bool {
    detail
        .to_ascii_lowercase()
        .contains("dataset must be one of")
}

/// The params without `dataset`, for a dataset whose meaning the default (`discover`) keeps
/// with an event-type condition: `errors` is every event but transactions (Sentry's errors
/// dataset is the events storage, which holds `error`, `default`, `csp`… events) and
/// `transactions` is `event.type:transaction`. `None` for any other dataset (spans, logs…:
/// discover cannot stand for them) or when there is no `dataset` param.
fn without_dataset(params: &[(String, String)]) -> Option<Vec<(String, String)>> {
    let dataset = params
        .iter()
        .find(|(k, _)| k == "dataset")
        .map(|(_, v)| v.as_str())?;
    let condition = match dataset {
        "errors" => "!event.type:transaction",
        "transactions" => "event.type:transaction",
        _ => return None,
    };
    let mut out: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "dataset")
        .cloned()
        .collect();
    // The query param is already parenthesised where its top level is an OR.
    match out.iter_mut().find(|(k, _)| k == "query") {
        Some((_, query)) if !query.trim().is_empty() => *query = format!("{condition} {query}"),
        Some((_, query)) => *query = condition.to_owned(),
        None => out.push(("query".to_owned(), condition.to_owned())),
    }
    Some(out)
}

/// Turns a success response into a page according to the endpoint's documented shape.
fn parse_page(request: &Request, response: &HttpResponse) -> Result<Page, ClientError> {
    let bad = |reason: String| ClientError::BadResponse {
        status: response.status,
        reason,
    };
    // A bulk update's 204 is "No groups found": nothing changed, never a success.
    if request.endpoint == Endpoint::IssuesUpdate
        && (response.status == 204 || response.body.is_empty())
    {
        return Err(ClientError::NothingUpdated {
            ids: crate::lower::UpdatePlan::ids_of(request),
        });
    }
    let body: Value = serde_json::from_slice(&response.body).map_err(|e| {
        bad(format!(
            "the body is not JSON ({e}); it starts with {:?}",
            snippet(&response.body)
        ))
    })?;
    let requested = || {
        request
            .columns
            .iter()
            .map(|c| c.field.clone())
            .chain(request.hidden.iter().cloned())
            .collect::<Vec<_>>()
    };
    match request.endpoint {
        Endpoint::Events => {
            let data = body
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("the body has no `data` list".into()))?;
            let mut meta = body
                .get("meta")
                .and_then(|m| serde_json::from_value::<Meta>(m.clone()).ok())
                .unwrap_or_default();
            if let Some(raw) = body.get("meta") {
                meta.accuracy = crate::result::Accuracy::from_events_meta(raw);
            }
            Ok(Page {
                rows: objects(data).map_err(bad)?,
                meta,
                columns: requested(),
                has_more: false,
            })
        }
        Endpoint::Issues => {
            let data = body
                .as_array()
                .ok_or_else(|| bad("the body is not a list of issues".into()))?;
            let mut rows = objects(data).map_err(bad)?;
            rows.iter_mut().for_each(crate::result::normalize_issue_row);
            Ok(Page {
                rows,
                meta: crate::result::issue_meta(),
                columns: requested(),
                has_more: false,
            })
        }
        Endpoint::EventsStats => {
            let y_axes = param_values(&request.params, "yAxis");
            let top_events = request.params.iter().any(|(k, _)| k == "topEvents");
            let table = stats::to_table(&body, &y_axes, top_events).map_err(bad)?;
            Ok(Page {
                rows: table.rows,
                meta: table.meta,
                columns: table.columns,
                has_more: false,
            })
        }
        Endpoint::EventsTimeseries => {
            let table = timeseries::to_table(&body).map_err(bad)?;
            Ok(Page {
                rows: table.rows,
                meta: table.meta,
                columns: table.columns,
                has_more: false,
            })
        }
        Endpoint::ProjectEvent | Endpoint::EventIdLookup | Endpoint::IssuesUpdate => {
            let Value::Object(mut object) = body else {
                return Err(bad("the body is not a JSON object".into()));
            };
            if request.endpoint == Endpoint::EventIdLookup {
                // The lookup wraps the event: {organizationSlug, projectSlug, groupId, eventId, event}.
                if let Some(Value::Object(mut event)) = object.remove("event") {
                    if let Some(project) = object.remove("projectSlug") {
                        event.entry("projectSlug").or_insert(project);
                    }
                    object = event;
                }
            }
            Ok(Page {
                columns: object.keys().cloned().collect(),
                rows: vec![object],
                meta: Meta::default(),
                has_more: false,
            })
        }
    }
}

fn objects(values: &[Value]) -> Result<Vec<Row>, String> {
    values
        .iter()
        .map(|v| {
            v.as_object()
                .cloned()
                .ok_or_else(|| "a row is not a JSON object".to_owned())
        })
        .collect()
}

/// Later pages may name types the first lacked (a column null on page one); keep both.
fn merge_meta(mut into: Meta, from: Meta) -> Meta {
    for (field, kind) in from.fields {
        into.fields.entry(field).or_insert(kind);
    }
    for (field, unit) in from.units {
        let entry = into.units.entry(field).or_insert(None);
        if entry.is_none() {
            *entry = unit;
        }
    }
    into
}

/// Sentry's error text: `{"detail": "…"}`, `{"detail": {"message": "…"}}`, a bare JSON string
/// (the 429 body), or the start of a non-JSON, non-HTML body.
fn detail(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::String(text)) => Some(text),
        Ok(Value::Object(object)) => match object.get("detail") {
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Object(inner)) => inner
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned),
            Some(other) => Some(other.to_string()),
            // Django REST framework's validation errors: messages keyed by field, or
            // `non_field_errors` for the cross-field checks (`{"name": ["This field is
            // required."]}`), as the saved-query endpoints answer 400.
            None => {
                let messages: Vec<String> = object
                    .iter()
                    .filter_map(|(key, value)| {
                        let texts: Vec<&str> = match value {
                            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                            Value::String(s) => vec![s.as_str()],
                            _ => Vec::new(),
                        };
                        (!texts.is_empty()).then(|| {
                            if key == "non_field_errors" {
                                texts.join(" ")
                            } else {
                                format!("{key}: {}", texts.join(" "))
                            }
                        })
                    })
                    .collect();
                (!messages.is_empty()).then(|| messages.join("; "))
            }
        },
        Ok(Value::Array(items)) if items.iter().all(Value::is_string) && !items.is_empty() => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Ok(_) => None,
        Err(_) => {
            let text = snippet(body);
            (!text.is_empty() && !text.starts_with('<')).then_some(text)
        }
    }
}

/// The first 200 characters of a body, for messages.
fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .trim()
        .chars()
        .take(200)
        .collect()
}

fn param_values(params: &[(String, String)], name: &str) -> Vec<String> {
    params
        .iter()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .collect()
}

/// The token scope an endpoint needs (sentry-api.md §12).
fn scope(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Events
        | Endpoint::EventsStats
        | Endpoint::EventsTimeseries
        | Endpoint::EventIdLookup => "org:read",
        Endpoint::Issues => "event:read",
        Endpoint::IssuesUpdate => "event:write",
        Endpoint::ProjectEvent => "project:read",
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
