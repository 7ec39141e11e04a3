//! Sending one request: one try, the retries (429 always; 5xx and connection failures for
//! GETs only) and the waits Sentry asks for.

use super::*;

impl<T: Transport> Client<T> {
    pub(super) fn emit(&self, event: ClientEvent) {
        if let Some(observer) = &self.observer {
            observer(&event);
        }
    }

    /// Sends one request once, reporting it.
    pub(super) fn send_once(
        &self,
        http: &HttpRequest,
        attempt: u32,
    ) -> Result<HttpResponse, TransportError> {
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
    pub(super) fn send(
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
                // A 3xx here was not followed (no Location): not success. Loops are `Redirects`.
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
                        is_get
                            && !matches!(
                                e.kind,
                                FailureKind::TooLarge { .. } | FailureKind::Redirects { .. }
                            )
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
            Err(Failure::Transport(TransportError {
                kind: FailureKind::Redirects { hops, looped },
                ..
            })) => Err(ClientError::RedirectLoop {
                url: redact_url(&http.url),
                hops,
                looped,
            }),
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
            // RFC 9110 §10.2.3: an HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime
            // forms a recipient must accept, §5.6.7) that proxies may send instead of seconds.
            if let Ok(at) = httpdate::parse_http_date(value) {
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
