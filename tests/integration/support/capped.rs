//! A fake Sentry events endpoint on 127.0.0.1 with Snuba's offset cap: it pages by offset
//! (`cursor=0:OFFSET:0`, a `Link` header as Sentry's), filters by `start` (inclusive) and `end`
//! (exclusive), sorts raw rows by `-timestamp,id` or `timestamp,id`, groups by the plain
//! fields when `count()` is asked (also `count_unique(user)`), and answers 400 to any request
//! whose `offset + per_page` passes the cap. Optionally it announces a rate limit
//! (`X-Sentry-Rate-Limit-*`) and answers 429 past it. Shared by `tests/integration/limit_all.rs` and
//! `benches/limit_all.rs`.

#![allow(dead_code, reason = "each user of this file needs a part of it")]

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// One stored event.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// Milliseconds since the epoch.
    pub(crate) millis: i64,
    pub(crate) id: String,
    pub(crate) release: String,
    pub(crate) transaction: String,
    pub(crate) user: String,
}

impl Event {
    fn timestamp(&self) -> String {
        let t = jiff::Timestamp::from_millisecond(self.millis).unwrap();
        // Sentry's shape: an offset, fractions only when there are some.
        if self.millis % 1000 == 0 {
            t.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string()
        } else {
            t.strftime("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
        }
    }

    fn get(&self, field: &str) -> Value {
        match field {
            "id" => json!(self.id),
            "timestamp" => json!(self.timestamp()),
            "release" => json!(self.release),
            "transaction" => json!(self.transaction),
            "user" => json!(self.user),
            _ => Value::Null,
        }
    }
}

/// What the server saw.
#[derive(Debug, Default, Clone)]
pub(crate) struct Stats {
    pub(crate) requests: u64,
    /// Requests answered 429.
    pub(crate) limited: u64,
    /// Requests refused for passing the offset cap.
    pub(crate) past_cap: u64,
    /// The largest `offset + per_page` asked.
    pub(crate) deepest: u64,
}

pub(crate) struct CappedServer {
    pub(crate) base_url: String,
    stats: Arc<Mutex<Stats>>,
    server: Arc<tiny_http::Server>,
    threads: Vec<JoinHandle<()>>,
}

/// A token bucket of `limit` requests per second, announced in headers.
struct RateLimit {
    limit: u64,
    window: Mutex<(Instant, u64)>,
}

impl CappedServer {
    /// Serves `events` with offset cap `cap`; `rate` requests per second at most when given.
    pub(crate) fn start(mut events: Vec<Event>, cap: u64, rate: Option<u64>) -> CappedServer {
        events.sort_by(|a, b| a.millis.cmp(&b.millis).then(a.id.cmp(&b.id)));
        let events = Arc::new(events);
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let stats = Arc::new(Mutex::new(Stats::default()));
        let rate = rate.map(|limit| {
            Arc::new(RateLimit {
                limit,
                window: Mutex::new((Instant::now(), 0)),
            })
        });
        let groups: Arc<Groups> = Arc::default();
        let threads = (0..4)
            .map(|_| {
                let server = Arc::clone(&server);
                let stats = Arc::clone(&stats);
                let events = Arc::clone(&events);
                let rate = rate.clone();
                let groups = Arc::clone(&groups);
                std::thread::spawn(move || {
                    while let Ok(request) = server.recv() {
                        let (status, headers, body) = answer(
                            request.url(),
                            &events,
                            cap,
                            rate.as_deref(),
                            &stats,
                            &groups,
                        );
                        let mut response =
                            tiny_http::Response::from_string(body).with_status_code(status);
                        for (name, value) in headers {
                            response.add_header(
                                tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
                                    .unwrap(),
                            );
                        }
                        let _ = request.respond(response);
                    }
                })
            })
            .collect();
        CappedServer {
            base_url: format!("http://127.0.0.1:{port}"),
            stats,
            server,
            threads,
        }
    }

    pub(crate) fn stats(&self) -> Stats {
        self.stats.lock().unwrap().clone()
    }
}

impl Drop for CappedServer {
    fn drop(&mut self) {
        self.server.unblock();
        for _ in &self.threads {
            self.server.unblock();
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// The sorted groups of each window and select list, computed once (paging asks again).
type Groups = Mutex<std::collections::HashMap<String, Arc<Vec<Map<String, Value>>>>>;

fn epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn answer(
    url: &str,
    events: &[Event],
    cap: u64,
    rate: Option<&RateLimit>,
    stats: &Mutex<Stats>,
    cache: &Groups,
) -> (u16, Vec<(String, String)>, String) {
    stats.lock().unwrap().requests += 1;
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Some(rate) = rate {
        let mut window = rate.window.lock().unwrap();
        if window.0.elapsed() >= Duration::from_secs(1) {
            *window = (Instant::now(), 0);
        }
        let reset = epoch_seconds() + (1.0 - window.0.elapsed().as_secs_f64()).max(0.0);
        let used = window.1;
        let remaining = rate.limit.saturating_sub(used + 1);
        headers.push(("X-Sentry-Rate-Limit-Limit".into(), rate.limit.to_string()));
        headers.push((
            "X-Sentry-Rate-Limit-Remaining".into(),
            remaining.to_string(),
        ));
        headers.push((
            "X-Sentry-Rate-Limit-Reset".into(),
            format!("{}", reset.ceil()),
        ));
        headers.push(("X-Sentry-Rate-Limit-ConcurrentLimit".into(), "15".into()));
        headers.push((
            "X-Sentry-Rate-Limit-ConcurrentRemaining".into(),
            "14".into(),
        ));
        if used >= rate.limit {
            stats.lock().unwrap().limited += 1;
            return (429, headers, json!("You are attempting to use this endpoint too frequently. Limit is 30 requests in 1 seconds").to_string());
        }
        window.1 += 1;
    }
    let query: Vec<(String, String)> = reqwest::Url::parse(&format!("http://x{url}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let all = |key: &str| -> Vec<&str> {
        query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let one = |key: &str| all(key).first().copied();
    let bad = |detail: &str| (400, Vec::new(), json!({ "detail": detail }).to_string());
    let instant = |key: &str| {
        one(key)
            .and_then(|v| v.parse::<jiff::Timestamp>().ok())
            .map(|t| t.as_millisecond())
    };
    let (Some(start), Some(end)) = (instant("start"), instant("end")) else {
        return bad("this server needs start and end");
    };
    let per_page: u64 = one("per_page").and_then(|v| v.parse().ok()).unwrap_or(100);
    let offset: u64 = one("cursor")
        .and_then(|c| c.split(':').nth(1))
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    {
        let mut s = stats.lock().unwrap();
        s.deepest = s.deepest.max(offset + per_page);
    }
    if offset + per_page > cap {
        stats.lock().unwrap().past_cap += 1;
        return bad("Query offset too large: Snuba returns at most 10000 rows of a query");
    }
    let fields = all("field");
    let sort = all("sort");
    // The window: events are stored oldest first.
    let from = events.partition_point(|e| e.millis < start);
    let to = events.partition_point(|e| e.millis < end);
    let window = &events[from..to];
    let aggregate = fields.iter().any(|f| f.contains('('));
    let rows: Vec<Map<String, Value>> = if aggregate {
        let key = format!("{start} {end} {fields:?} {sort:?}");
        let cached = cache.lock().unwrap().get(&key).cloned();
        let sorted = match cached {
            Some(rows) => rows,
            None => {
                let rows = Arc::new(groups_of(window, &fields, &sort));
                cache.lock().unwrap().insert(key, Arc::clone(&rows));
                rows
            }
        };
        sorted
            .iter()
            .skip(offset as usize)
            .take(per_page as usize + 1)
            .cloned()
            .collect()
    } else {
        let take = per_page as usize + 1;
        let ordered: Vec<&Event> = match sort.as_slice() {
            // Stored oldest first by (millis, id): newest instant first, ids ascending within.
            ["-timestamp", "id"] => {
                let mut out = Vec::with_capacity(take);
                let mut skipped = 0u64;
                let mut i = window.len();
                while i > 0 && out.len() < take {
                    let millis = window[i - 1].millis;
                    let first = window[..i].partition_point(|e| e.millis < millis);
                    let n = (i - first) as u64;
                    if skipped + n <= offset {
                        skipped += n;
                    } else {
                        let from_here = (offset - skipped.min(offset)) as usize;
                        skipped = offset;
                        out.extend(
                            window[first..i]
                                .iter()
                                .skip(from_here)
                                .take(take - out.len()),
                        );
                    }
                    i = first;
                }
                out
            }
            ["timestamp", "id"] => window.iter().skip(offset as usize).take(take).collect(),
            // Sorted by another field: this fake sorts by release, then id.
            _ => {
                let mut sorted: Vec<&Event> = window.iter().collect();
                sorted.sort_by(|a, b| a.release.cmp(&b.release).then(a.id.cmp(&b.id)));
                sorted
                    .into_iter()
                    .skip(offset as usize)
                    .take(take)
                    .collect()
            }
        };
        ordered
            .into_iter()
            .map(|e| fields.iter().map(|f| ((*f).to_owned(), e.get(f))).collect())
            .collect()
    };
    let has_more = rows.len() as u64 > per_page;
    let data: Vec<Value> = rows
        .into_iter()
        .take(per_page as usize)
        .map(Value::Object)
        .collect();
    respond(data, has_more, offset, per_page, headers, url)
}

/// The groups of `window` for `fields` (plain ones are the keys), sorted by `sort`.
fn groups_of(window: &[Event], fields: &[&str], sort: &[&str]) -> Vec<Map<String, Value>> {
    let keys: Vec<&str> = fields
        .iter()
        .copied()
        .filter(|f| !f.contains('('))
        .collect();
    let mut groups: BTreeMap<Vec<String>, (u64, std::collections::HashSet<String>)> =
        BTreeMap::new();
    for e in window {
        let key = keys.iter().map(|k| e.get(k).to_string()).collect();
        let g = groups.entry(key).or_default();
        g.0 += 1;
        g.1.insert(e.user.clone());
    }
    let mut rows: Vec<Map<String, Value>> = groups
        .into_iter()
        .map(|(key, (count, users))| {
            let mut row = Map::new();
            for (k, v) in keys.iter().zip(key) {
                row.insert((*k).to_owned(), serde_json::from_str(&v).unwrap());
            }
            for f in fields {
                match *f {
                    "count()" => row.insert((*f).to_owned(), json!(count)),
                    "count_unique(user)" => row.insert((*f).to_owned(), json!(users.len())),
                    _ => None,
                };
            }
            row
        })
        .collect();
    rows.sort_by(|a, b| {
        for s in sort {
            let (key, desc) = match s.strip_prefix('-') {
                Some(k) => (k, true),
                None => (*s, false),
            };
            let (x, y) = (&a[key], &b[key]);
            let o = match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => x.as_str().cmp(&y.as_str()),
            };
            let o = if desc { o.reverse() } else { o };
            if o.is_ne() {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
    rows
}

fn link(url: &str, offset: u64, per_page: u64, more: bool) -> String {
    let base: String = url.split("&cursor=").next().unwrap_or(url).to_owned();
    let previous = offset.saturating_sub(per_page);
    let next = offset + per_page;
    format!(
        "<http://x{base}&cursor=0:{previous}:1>; rel=\"previous\"; results=\"{}\"; cursor=\"0:{previous}:1\", <http://x{base}&cursor=0:{next}:0>; rel=\"next\"; results=\"{more}\"; cursor=\"0:{next}:0\"",
        offset > 0
    )
}

fn respond(
    data: Vec<Value>,
    has_more: bool,
    offset: u64,
    per_page: u64,
    mut headers: Vec<(String, String)>,
    url: &str,
) -> (u16, Vec<(String, String)>, String) {
    headers.push(("Link".to_owned(), link(url, offset, per_page, has_more)));
    let body = json!({ "data": data, "meta": { "fields": {} } }).to_string();
    (200, headers, body)
}
