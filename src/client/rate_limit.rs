//! Pacing requests to the rate limits Sentry announces, so that none goes over them.
//!
//! What Sentry sends (getsentry/sentry): `src/sentry/middleware/ratelimit.py` sets, on every
//! response of an endpoint that enforces rate limits, `X-Sentry-Rate-Limit-Limit` (requests
//! allowed per window), `-Remaining` (left in the current window, 0 once limited), `-Reset`
//! (`reset_time`: UTC epoch seconds when the current window expires,
//! `src/sentry/types/ratelimit.py`), `-ConcurrentLimit` and `-ConcurrentRemaining` (the
//! concurrent limit less the requests executing, this one included). The window is fixed, not
//! sliding, and the key is per caller, rate-limit group, method and (with a custom limit)
//! endpoint (`src/sentry/ratelimits/utils.py`, `get_rate_limit_key`), so one bucket here is
//! one method and one path shape. A self-hosted Sentry sends none of them (the middleware
//! returns early under `SENTRY_SELF_HOSTED`): then nothing is paced.
//!
//! The pacer is conservative: before the first answer of a bucket only one request is in
//! flight; every request still in flight is assumed to count against the window an answer
//! reports; a window is taken to be over [`WINDOW_MARGIN`] after its reset (clocks differ).
//! A 429 still happens when someone else spends the same budget; the client's retry honours
//! it (`Retry-After`, else the reset).

use super::transport::HttpResponse;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

/// How long after a window's announced reset the pacer starts the next one: Sentry's clock
/// and this machine's differ a little.
pub const WINDOW_MARGIN: Duration = Duration::from_millis(100);

/// The rate limits one response announced; each is `None` when its header is missing or not
/// a number (Sentry writes `None` for a concurrent limit an endpoint does not have).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Announced {
    /// Requests allowed per window (`X-Sentry-Rate-Limit-Limit`).
    pub limit: Option<u32>,
    /// Requests left in the current window (`X-Sentry-Rate-Limit-Remaining`).
    pub remaining: Option<u32>,
    /// When the current window ends, in UTC epoch seconds (`X-Sentry-Rate-Limit-Reset`).
    pub reset: Option<f64>,
    /// Requests allowed at once (`X-Sentry-Rate-Limit-ConcurrentLimit`).
    pub concurrent_limit: Option<u32>,
    /// Further requests allowed at once when this one was taken in
    /// (`X-Sentry-Rate-Limit-ConcurrentRemaining`).
    pub concurrent_remaining: Option<u32>,
}

impl Announced {
    /// The limits `response` announces; `None` when it carries none of the headers.
    pub fn from_response(response: &HttpResponse) -> Option<Announced> {
        Announced::from_headers(&response.headers)
    }

    /// The limits in `headers` (names compared without case); `None` when none is there.
    pub fn from_headers(headers: &[(String, String)]) -> Option<Announced> {
        let get = |name: &str| {
            headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.trim())
        };
        let count = |name: &str| -> Option<u32> {
            let value = get(name)?.parse::<f64>().ok().filter(|v| v.is_finite())?;
            // Negative counts mean none left; absurd ones are capped, not wrapped.
            Some(value.clamp(0.0, f64::from(u32::MAX)) as u32)
        };
        let present = [
            "x-sentry-rate-limit-limit",
            "x-sentry-rate-limit-remaining",
            "x-sentry-rate-limit-reset",
            "x-sentry-rate-limit-concurrentlimit",
            "x-sentry-rate-limit-concurrentremaining",
        ]
        .iter()
        .any(|name| get(name).is_some());
        present.then(|| Announced {
            limit: count("x-sentry-rate-limit-limit"),
            remaining: count("x-sentry-rate-limit-remaining"),
            reset: get("x-sentry-rate-limit-reset")
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0),
            concurrent_limit: count("x-sentry-rate-limit-concurrentlimit").filter(|&n| n > 0),
            concurrent_remaining: count("x-sentry-rate-limit-concurrentremaining"),
        })
    }
}

/// Which rate-limit bucket a request to `url` with `method` falls in: the method and the path
/// with the project slug and ids replaced by `*` (Sentry's key names the endpoint, not the
/// project or the event).
pub fn bucket(method: &str, url: &str) -> String {
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
    let path = path.split(['?', '#']).next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').collect();
    let mut shape = String::from(method);
    shape.push(' ');
    let projects_at = segments.iter().position(|s| *s == "projects");
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            shape.push('/');
        }
        // /api/0/projects/{org}/{project}/…: the project varies, the limit does not.
        let project_slot = projects_at.is_some_and(|p| i == p + 2);
        let id = segment.len() >= 16 && segment.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            || (segment.len() > 1 && segment.chars().all(|c| c.is_ascii_digit()));
        if project_slot || id {
            shape.push('*');
        } else {
            shape.push_str(segment);
        }
    }
    shape
}

/// What one bucket knows and how many of its requests are in flight.
#[derive(Debug, Clone, Default, PartialEq)]
struct Bucket {
    /// An answer came (with or without limits).
    answered: bool,
    /// The last limits announced.
    announced: Option<Announced>,
    /// The end of the window `remaining` counts in (epoch seconds), when known.
    window_end: Option<f64>,
    /// The end of the last window known to be over (0 before any): answers reporting it or
    /// an earlier one are stale.
    past: f64,
    /// Requests that may still be sent in the current window; `None` when unlimited.
    remaining: Option<u32>,
    /// Requests allowed in flight at once; `None` when unlimited.
    concurrency: Option<u32>,
    in_flight: u32,
}

/// Why a request cannot be sent yet.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wait {
    /// Until a request in flight is answered.
    Slot,
    /// Until the window ending at `end` (epoch seconds) is over: `delay` from now.
    Window { end: f64, delay: Duration },
}

impl Bucket {
    /// Takes a slot for one request at `now` (epoch seconds), or says what to wait for.
    fn take(&mut self, now: f64) -> Result<(), Wait> {
        // Until the first answer says what the limits are, one request at a time.
        if !self.answered && self.in_flight > 0 {
            return Err(Wait::Slot);
        }
        if self.concurrency.is_some_and(|cap| self.in_flight >= cap) {
            return Err(Wait::Slot);
        }
        if self.remaining == Some(0) {
            if let Some(end) = self.window_end {
                let over = end + WINDOW_MARGIN.as_secs_f64();
                if now < over {
                    let delay =
                        Duration::try_from_secs_f64(over - now).unwrap_or(Duration::from_secs(1));
                    return Err(Wait::Window { end, delay });
                }
                self.next_window(end);
            }
            if self.remaining == Some(0) {
                // The new window's budget is in flight, or no reset is known: an answer in
                // flight will tell; with none, try one (a 429 says how long to wait).
                if self.in_flight > 0 {
                    return Err(Wait::Slot);
                }
                self.remaining = Some(1);
            }
        }
        self.in_flight += 1;
        if let Some(remaining) = &mut self.remaining {
            *remaining = remaining.saturating_sub(1);
        }
        Ok(())
    }

    /// The window ending at `end` is over (by the clock, or after waiting for it): the next
    /// one allows the limit, less what is in flight (it may be counted there).
    fn next_window(&mut self, end: f64) {
        if self.window_end != Some(end) {
            return;
        }
        let limit = self.announced.and_then(|a| a.limit);
        self.remaining = limit.map(|l| l.saturating_sub(self.in_flight));
        self.window_end = None;
        self.past = self.past.max(end);
    }

    /// One request was answered (`announced`: its limits) or failed without an answer
    /// (`answered` false).
    fn finish(&mut self, answered: bool, announced: Option<Announced>) {
        let in_flight_then = self.in_flight;
        self.in_flight = self.in_flight.saturating_sub(1);
        if !answered {
            return;
        }
        self.answered = true;
        let Some(a) = announced else {
            // An answer without limits: a Sentry that does not rate-limit this endpoint.
            if self.announced.is_none() {
                self.remaining = None;
                self.concurrency = None;
            }
            return;
        };
        self.announced = Some(a);
        // The others still in flight may be counted in the window this answer reports.
        let budget = a.remaining.map(|r| r.saturating_sub(self.in_flight));
        match (a.reset, self.window_end) {
            // An answer from a window gone by.
            (Some(reset), _) if reset <= self.past => {}
            (Some(reset), Some(end)) if reset < end => {}
            (Some(reset), Some(end)) if reset == end => {
                self.remaining = min_known(self.remaining, budget);
            }
            // The first answer of the window after one that ended: the budget was counted
            // down from the limit since, and must not be raised again.
            (Some(reset), None) if self.past > 0.0 => {
                self.window_end = Some(reset);
                self.remaining = min_known(self.remaining, budget);
            }
            // The first window known, or a new one Sentry started before the pacer saw the
            // last one end.
            (Some(reset), end) => {
                if let Some(end) = end {
                    self.past = self.past.max(end);
                }
                self.window_end = Some(reset);
                self.remaining = budget;
            }
            (None, _) => self.remaining = min_known(self.remaining, budget),
        }
        if let Some(limit) = a.concurrent_limit {
            // Others (another dql, a browser) hold slots too: of the limit, leave theirs.
            let cap = match a.concurrent_remaining {
                Some(free) => limit.min(free.saturating_add(in_flight_then)),
                None => limit,
            };
            self.concurrency = Some(cap.max(1));
        }
    }
}

impl Bucket {
    /// Sentry asked to wait until `until` (epoch seconds; a 429's `Retry-After`): nothing more
    /// is sent before.
    fn hold(&mut self, until: f64) {
        self.remaining = Some(0);
        self.window_end = Some(self.window_end.map_or(until, |end| end.max(until)));
    }
}

fn min_known(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Paces the requests of one client (all its threads) to the announced limits.
#[derive(Debug, Default)]
pub struct Pacer {
    buckets: Mutex<HashMap<String, Bucket>>,
    answered: Condvar,
}

/// What the pacer needs from its client: the time, a way to wait, and whom to tell.
pub struct Waiting<'a> {
    /// The clock (the client's: tests substitute it).
    pub now: &'a dyn Fn() -> SystemTime,
    /// Sleeps (the client's: tests record instead).
    pub sleep: &'a dyn Fn(Duration),
    /// Told before each wait for a window, with its length and why.
    pub notify: &'a dyn Fn(Duration, String),
}

impl Pacer {
    /// A pacer that has seen no answer yet.
    pub fn new() -> Pacer {
        Pacer::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Bucket>> {
        // A thread that panicked mid-update leaves counts that are still usable.
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until a request in `bucket` may go, and takes its slot; the permit gives it
    /// back when answered ([`Permit::finish`]) or dropped.
    pub fn acquire<'p>(&'p self, bucket: &str, waiting: &Waiting<'_>) -> Permit<'p> {
        let mut buckets = self.lock();
        loop {
            let now = epoch_seconds((waiting.now)());
            let state = buckets.entry(bucket.to_owned()).or_default();
            match state.take(now) {
                Ok(()) => {
                    return Permit {
                        pacer: self,
                        bucket: bucket.to_owned(),
                        done: false,
                    };
                }
                Err(Wait::Slot) => {
                    buckets = self
                        .answered
                        .wait(buckets)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                Err(Wait::Window { end, delay }) => {
                    let limit = state.announced.and_then(|a| a.limit).unwrap_or(0);
                    drop(buckets);
                    (waiting.notify)(
                        delay,
                        format!("rate limit: {limit} requests per window used up"),
                    );
                    (waiting.sleep)(delay);
                    buckets = self.lock();
                    // Waited as long as the reset said: that window is over, whatever a
                    // substituted clock says.
                    if let Some(state) = buckets.get_mut(bucket) {
                        state.next_window(end);
                    }
                    self.answered.notify_all();
                }
            }
        }
    }

    /// The client waited as long as Sentry asked (a 429's `Retry-After` or reset) before
    /// trying `bucket` again: the window or hold it waited for is over.
    pub fn waited_out(&self, bucket: &str) {
        let mut buckets = self.lock();
        if let Some(state) = buckets.get_mut(bucket)
            && let (Some(0), Some(end)) = (state.remaining, state.window_end)
        {
            state.next_window(end);
        }
        drop(buckets);
        self.answered.notify_all();
    }

    /// The limits last announced for each bucket that had any, by bucket.
    pub fn announced(&self) -> Vec<(String, Announced)> {
        let mut all: Vec<(String, Announced)> = self
            .lock()
            .iter()
            .filter_map(|(k, b)| b.announced.map(|a| (k.clone(), a)))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    fn release(
        &self,
        bucket: &str,
        answered: bool,
        announced: Option<Announced>,
        hold: Option<f64>,
    ) {
        let mut buckets = self.lock();
        if let Some(state) = buckets.get_mut(bucket) {
            state.finish(answered, announced);
            if let Some(until) = hold {
                state.hold(until);
            }
        }
        drop(buckets);
        self.answered.notify_all();
    }
}

/// One request's slot in its bucket.
#[derive(Debug)]
pub struct Permit<'p> {
    pacer: &'p Pacer,
    bucket: String,
    done: bool,
}

impl Permit<'_> {
    /// The request was answered with `response` at `now`: its limits update the bucket, and
    /// a 429's `Retry-After` (in seconds) holds every request of the bucket that long.
    pub fn finish(mut self, response: &HttpResponse, now: SystemTime) {
        self.done = true;
        let hold = (response.status == 429)
            .then(|| response.header("retry-after")?.trim().parse::<u64>().ok())
            .flatten()
            .map(|seconds| epoch_seconds(now) + seconds as f64);
        self.pacer
            .release(&self.bucket, true, Announced::from_response(response), hold);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.pacer.release(&self.bucket, false, None, None);
        }
    }
}

fn epoch_seconds(time: SystemTime) -> f64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "test code")]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn announced(limit: u32, remaining: u32, reset: f64) -> Announced {
        Announced {
            limit: Some(limit),
            remaining: Some(remaining),
            reset: Some(reset),
            ..Announced::default()
        }
    }

    #[test]
    fn the_five_headers_are_read_whatever_their_case() {
        let a = Announced::from_headers(&headers(&[
            ("X-Sentry-Rate-Limit-Limit", "40"),
            ("x-sentry-rate-limit-remaining", "39"),
            ("X-Sentry-Rate-Limit-Reset", "1787579240"),
            ("X-SENTRY-RATE-LIMIT-CONCURRENTLIMIT", "25"),
            ("x-sentry-rate-limit-concurrentremaining", " 24 "),
        ]))
        .unwrap();
        assert_eq!(
            a,
            Announced {
                limit: Some(40),
                remaining: Some(39),
                reset: Some(1_787_579_240.0),
                concurrent_limit: Some(25),
                concurrent_remaining: Some(24),
            }
        );
    }

    #[test]
    fn missing_or_odd_values_are_unknown_not_errors() {
        assert_eq!(
            Announced::from_headers(&headers(&[("content-type", "x")])),
            None
        );
        let a = Announced::from_headers(&headers(&[
            ("x-sentry-rate-limit-limit", "lots"),
            ("x-sentry-rate-limit-remaining", "-3"),
            ("x-sentry-rate-limit-reset", "inf"),
            ("x-sentry-rate-limit-concurrentlimit", "None"),
            ("x-sentry-rate-limit-concurrentremaining", "1e30"),
        ]))
        .unwrap();
        assert_eq!(a.limit, None);
        assert_eq!(a.remaining, Some(0));
        assert_eq!(a.reset, None);
        assert_eq!(a.concurrent_limit, None);
        assert_eq!(a.concurrent_remaining, Some(u32::MAX));
    }

    #[test]
    fn buckets_ignore_projects_ids_and_queries() {
        let a = bucket(
            "GET",
            "https://sentry.io/api/0/projects/acme/web/events/0123456789abcdef0123456789abcdef/?x=1",
        );
        let b = bucket(
            "GET",
            "http://127.0.0.1:9/api/0/projects/acme/api/events/fedcba9876543210fedcba9876543210/",
        );
        assert_eq!(a, b);
        assert_eq!(a, "GET /api/0/projects/acme/*/events/*/");
        assert_ne!(
            bucket("GET", "https://s/api/0/organizations/acme/events/"),
            bucket("PUT", "https://s/api/0/organizations/acme/events/")
        );
        assert_ne!(
            bucket("GET", "https://s/api/0/organizations/acme/events/"),
            bucket("GET", "https://s/api/0/organizations/acme/events-stats/")
        );
    }

    #[test]
    fn before_the_first_answer_one_request_at_a_time() {
        let mut b = Bucket::default();
        assert_eq!(b.take(0.0), Ok(()));
        assert_eq!(b.take(0.0), Err(Wait::Slot));
        b.finish(true, None);
        // No limits announced: nothing is paced.
        for _ in 0..50 {
            assert_eq!(b.take(0.0), Ok(()));
        }
    }

    #[test]
    fn a_window_is_spent_then_waited_out() {
        let mut b = Bucket::default();
        b.take(100.0).unwrap();
        b.finish(true, Some(announced(3, 2, 101.0)));
        assert_eq!(b.take(100.1), Ok(()));
        assert_eq!(b.take(100.2), Ok(()));
        match b.take(100.3) {
            Err(Wait::Window { end, delay }) => {
                assert_eq!(end, 101.0);
                let want = 0.7 + WINDOW_MARGIN.as_secs_f64();
                assert!((delay.as_secs_f64() - want).abs() < 1e-6, "{delay:?}");
            }
            other => panic!("{other:?}"),
        }
        // Past the reset (and margin) the next window allows the limit less what is in flight.
        assert_eq!(b.take(101.2), Ok(()));
        assert_eq!(b.remaining, Some(0), "3 allowed, 2 in flight, 1 taken");
    }

    #[test]
    fn requests_in_flight_count_against_the_window_an_answer_reports() {
        let mut b = Bucket::default();
        b.take(0.0).unwrap();
        b.finish(true, Some(announced(10, 9, 1.0)));
        for _ in 0..4 {
            b.take(0.1).unwrap();
        }
        assert_eq!(b.remaining, Some(5));
        // The first of the four says 8 left: the other three may not be counted yet.
        b.finish(true, Some(announced(10, 8, 1.0)));
        assert_eq!(b.remaining, Some(5));
        // A later answer reporting fewer lowers the budget.
        b.finish(true, Some(announced(10, 2, 1.0)));
        assert_eq!(b.remaining, Some(0), "2 left less the 2 in flight");
        // An answer from the window gone by changes nothing.
        b.finish(true, Some(announced(10, 9, 0.0)));
        assert_eq!(b.remaining, Some(0));
    }

    #[test]
    fn a_budget_counted_down_after_a_reset_is_not_raised_by_its_first_answer() {
        let mut b = Bucket::default();
        b.take(0.0).unwrap();
        b.finish(true, Some(announced(4, 0, 1.0)));
        // The window is over: 4 allowed, all taken before any answer of the new one.
        for _ in 0..4 {
            assert_eq!(b.take(1.2), Ok(()));
        }
        assert_eq!(b.remaining, Some(0));
        // The first answer of the new window says 3 left (it was counted first).
        b.finish(true, Some(announced(4, 3, 2.0)));
        assert_eq!(b.remaining, Some(0));
        assert!(matches!(b.take(1.3), Err(Wait::Window { end, .. }) if end == 2.0));
    }

    #[test]
    fn the_concurrent_limit_caps_requests_in_flight_leaving_others_theirs() {
        let mut b = Bucket::default();
        b.take(0.0).unwrap();
        b.finish(
            true,
            Some(Announced {
                concurrent_limit: Some(3),
                concurrent_remaining: Some(2),
                ..Announced::default()
            }),
        );
        for _ in 0..3 {
            assert_eq!(b.take(0.0), Ok(()));
        }
        assert_eq!(b.take(0.0), Err(Wait::Slot));
        // Someone else holds two of the 3 slots: only one is ours.
        b.finish(
            true,
            Some(Announced {
                concurrent_limit: Some(3),
                concurrent_remaining: Some(0),
                ..Announced::default()
            }),
        );
        assert_eq!(b.concurrency, Some(3), "0 free + 3 of ours in flight then");
        b.finish(
            true,
            Some(Announced {
                concurrent_limit: Some(3),
                concurrent_remaining: Some(0),
                ..Announced::default()
            }),
        );
        assert_eq!(b.concurrency, Some(2));
    }

    #[test]
    fn a_retry_after_holds_the_whole_bucket() {
        let mut b = Bucket::default();
        b.take(10.0).unwrap();
        b.finish(true, Some(announced(100, 50, 11.0)));
        b.hold(13.0);
        assert!(
            matches!(b.take(11.5), Err(Wait::Window { end, .. }) if end == 13.0),
            "the reset at 11 does not end a hold until 13"
        );
        assert_eq!(b.take(13.2), Ok(()));
    }

    #[test]
    fn a_failed_request_frees_its_slot() {
        let mut b = Bucket::default();
        b.take(0.0).unwrap();
        b.finish(false, None);
        assert_eq!(b.in_flight, 0);
        assert_eq!(b.take(0.0), Ok(()));
    }

    #[test]
    fn the_pacer_waits_out_a_window_with_the_clients_sleeper() {
        let pacer = Pacer::new();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let slept = Mutex::new(Vec::new());
        let told = Mutex::new(Vec::new());
        let clock = move || now;
        let sleep = |d: Duration| slept.lock().unwrap().push(d);
        let notify = |d: Duration, why: String| told.lock().unwrap().push((d, why));
        let waiting = Waiting {
            now: &clock,
            sleep: &sleep,
            notify: &notify,
        };
        let response = HttpResponse {
            status: 200,
            headers: headers(&[
                ("x-sentry-rate-limit-limit", "2"),
                ("x-sentry-rate-limit-remaining", "1"),
                ("x-sentry-rate-limit-reset", "1002"),
            ]),
            ..HttpResponse::default()
        };
        for _ in 0..2 {
            pacer.acquire("b", &waiting).finish(&response, now);
        }
        assert!(slept.lock().unwrap().is_empty());
        // The third waits for the window (the clock stands still: the wait itself ends it).
        pacer.acquire("b", &waiting).finish(&response, now);
        let slept = slept.lock().unwrap().clone();
        assert_eq!(slept.len(), 1);
        assert!((slept[0].as_secs_f64() - 2.1).abs() < 1e-6, "{slept:?}");
        assert!(told.lock().unwrap()[0].1.contains("2 requests per window"));
        assert_eq!(pacer.announced()[0].1.limit, Some(2));
    }

    #[test]
    fn threads_never_exceed_the_concurrent_limit() {
        use std::sync::atomic::{AtomicU32, Ordering};
        let pacer = Pacer::new();
        let in_flight = AtomicU32::new(0);
        let most = AtomicU32::new(0);
        let clock = SystemTime::now;
        let sleep = std::thread::sleep;
        let notify = |_: Duration, _: String| {};
        let response = HttpResponse {
            status: 200,
            headers: headers(&[("x-sentry-rate-limit-concurrentlimit", "2")]),
            ..HttpResponse::default()
        };
        std::thread::scope(|scope| {
            for _ in 0..6 {
                scope.spawn(|| {
                    let waiting = Waiting {
                        now: &clock,
                        sleep: &sleep,
                        notify: &notify,
                    };
                    for _ in 0..5 {
                        let permit = pacer.acquire("b", &waiting);
                        let n = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(n, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(2));
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        permit.finish(&response, SystemTime::now());
                    }
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }
}
