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

/// The real transport: blocking reqwest with rustls and gzip.
pub struct ReqwestTransport {
    http: reqwest::blocking::Client,
    token: Token,
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
    pub fn new(token: Token, timeouts: Timeouts) -> Result<Self, ClientError> {
        let http = reqwest::blocking::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.read)
            .gzip(true)
            .build()
            .map_err(|e| ClientError::HttpSetup(e.to_string()))?;
        Ok(ReqwestTransport { http, token })
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
        };
        let mut builder = builder
            .header(reqwest::header::AUTHORIZATION, auth)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let response = builder.send().map_err(failure)?;
        let status = response.status().as_u16();
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
        let body = response.bytes().map_err(|e| TransportError {
            kind: if e.is_timeout() {
                FailureKind::Timeout
            } else {
                FailureKind::Body
            },
            message: describe(e),
        })?;
        Ok(HttpResponse {
            status,
            headers,
            body: body.to_vec(),
        })
    }
}

fn failure(e: reqwest::Error) -> TransportError {
    let kind = if e.is_timeout() {
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
/// the URL: the error that carries this message shows the URL once itself.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
