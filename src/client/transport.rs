//! Sending one HTTP request: the [`Transport`] trait and its reqwest (blocking, rustls, gzip)
//! implementation, which adds the bearer token and User-Agent.

use super::config::Token;
use super::error::ClientError;
use crate::lower::request::Method;
use std::fmt;
use std::time::Duration;

/// One HTTP request as the client builds it (the URL never holds the token).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The full URL with its query string.
    pub url: String,
    /// A JSON body (PUT).
    pub body: Option<serde_json::Value>,
}

/// One HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower-case) and values, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, decompressed.
    pub body: Vec<u8>,
    /// Where the response came from when redirects led elsewhere than the request's URL
    /// (credentials removed).
    pub final_url: Option<String>,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Why a request got no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Connecting failed.
    Connect,
    /// The connect or read timeout passed.
    Timeout,
    /// The connection broke while the body was read.
    Body,
    /// Anything else (redirect loops, TLS, …).
    Other,
    /// Redirects went on without an answer: back to a URL already visited (`looped`), or more
    /// than [`MAX_REDIRECTS`] of them. Not worth retrying.
    Redirects {
        /// The redirects received before giving up.
        hops: u32,
        /// Whether the last one pointed back at a URL already visited.
        looped: bool,
    },
    /// The body (decompressed) is larger than the transport's cap; not worth retrying.
    TooLarge {
        /// The cap, in bytes.
        limit: u64,
    },
}

/// A request that got no (complete) response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// What kind of failure.
    pub kind: FailureKind,
    /// A description (never holds the token).
    pub message: String,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Sends one request and returns the whole response. Implemented by [`ReqwestTransport`];
/// tests may substitute their own.
pub trait Transport {
    /// Sends `request`; any status is a response, only a missing response is an error.
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// Timeouts of the HTTP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Time allowed to open the connection.
    pub connect: Duration,
    /// Time allowed for the whole response once sent. Blocking reqwest has no per-read
    /// timeout, so this bounds the entire exchange.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            read: Duration::from_secs(60),
        }
    }
}

/// The User-Agent dql sends.
pub const USER_AGENT: &str = concat!("dql/", env!("CARGO_PKG_VERSION"));

/// The most redirects followed in one request (reqwest's default too).
pub const MAX_REDIRECTS: usize = 10;

/// Why the redirect policy stopped: carried out of reqwest as its error's source.
#[derive(Debug)]
struct RedirectsStopped {
    hops: u32,
    looped: bool,
}

impl fmt::Display for RedirectsStopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.looped {
            write!(f, "redirect loop after {} redirects", self.hops)
        } else {
            write!(f, "{} redirects", self.hops)
        }
    }
}

impl std::error::Error for RedirectsStopped {}

/// Follows redirects as reqwest's default policy does, but tells a loop (a URL visited
/// before) from a long chain, and counts the hops (the redirects received: every URL visited
/// so far sent one), for the error.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let hops = u32::try_from(attempt.previous().len()).unwrap_or(u32::MAX);
        if attempt.previous().contains(attempt.url()) {
            attempt.error(RedirectsStopped { hops, looped: true })
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(RedirectsStopped {
                hops,
                looped: false,
            })
        } else {
            attempt.follow()
        }
    })
}

/// The largest response body read by default (after decompression): 256 MiB.
pub const DEFAULT_MAX_BODY: u64 = 256 << 20;

/// The real transport: blocking reqwest with rustls and gzip.
pub struct ReqwestTransport {
    http: reqwest::blocking::Client,
    token: Token,
    max_body: u64,
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransport")
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl ReqwestTransport {
    /// A transport sending `Authorization: Bearer <token>` and `User-Agent: dql/<version>`.
    /// A token that cannot go in a header is [`ClientError::InvalidToken`], at once.
    pub fn new(token: Token, timeouts: Timeouts) -> Result<Self, ClientError> {
        if reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose())).is_err() {
            return Err(ClientError::InvalidToken);
        }
        let http = reqwest::blocking::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.read)
            .gzip(true)
            .redirect(redirect_policy())
            .build()
            .map_err(|e| ClientError::HttpSetup(e.to_string()))?;
        Ok(ReqwestTransport {
            http,
            token,
            max_body: DEFAULT_MAX_BODY,
        })
    }

    /// Caps the bytes read of one response body (after decompression); a larger body is a
    /// [`FailureKind::TooLarge`] failure rather than memory spent on it.
    #[must_use]
    pub fn max_body(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut auth =
            reqwest::header::HeaderValue::from_str(&format!("Bearer {}", self.token.expose()))
                .map_err(|_| TransportError {
                    kind: FailureKind::Other,
                    message: "the auth token holds characters that cannot go in an HTTP header"
                        .into(),
                })?;
        // Keeps the value out of reqwest's and hyper's debug output.
        auth.set_sensitive(true);
        let builder = match request.method {
            Method::Get => self.http.get(&request.url),
            Method::Put => self.http.put(&request.url),
            Method::Post => self.http.post(&request.url),
            Method::Delete => self.http.delete(&request.url),
        };
        let mut builder = builder
            .header(reqwest::header::AUTHORIZATION, auth)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let mut response = builder.send().map_err(failure)?;
        let status = response.status().as_u16();
        let final_url = (response.url().as_str() != request.url)
            .then(|| super::redact_url(response.url().as_str()));
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        // Read (and gunzip) at most one byte past the cap: memory stays bounded whatever the
        // server sends.
        let mut body = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(&mut response, self.max_body.saturating_add(1)),
            &mut body,
        )
        .map_err(|e| TransportError {
            kind: if e.kind() == std::io::ErrorKind::TimedOut {
                FailureKind::Timeout
            } else {
                FailureKind::Body
            },
            message: chain(&e),
        })?;
        if body.len() as u64 > self.max_body {
            return Err(TransportError {
                kind: FailureKind::TooLarge {
                    limit: self.max_body,
                },
                message: format!("the response body is larger than {} bytes", self.max_body),
            });
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
            final_url,
        })
    }
}

fn failure(e: reqwest::Error) -> TransportError {
    let stopped = std::iter::successors(std::error::Error::source(&e), |cause| cause.source())
        .find_map(|cause| cause.downcast_ref::<RedirectsStopped>());
    let kind = if let Some(stopped) = stopped {
        FailureKind::Redirects {
            hops: stopped.hops,
            looped: stopped.looped,
        }
    } else if e.is_timeout() {
        FailureKind::Timeout
    } else if e.is_connect() {
        FailureKind::Connect
    } else if e.is_body() || e.is_decode() {
        FailureKind::Body
    } else {
        FailureKind::Other
    };
    TransportError {
        kind,
        message: describe(e),
    }
}

/// The error and its causes on one line (reqwest's own Display stops at the outermost), without
/// the URL: the error that carries this message shows the URL once itself, its password masked.
fn describe(e: reqwest::Error) -> String {
    chain(&e.without_url())
}

/// An error and its causes on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
