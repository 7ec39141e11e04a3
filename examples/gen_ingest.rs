//! A second, differently shaped generator of Sentry event payloads (NDJSON) for the local
//! engine's benchmark (`benches/engine_duckdb.sh`): where `gen_events` writes compact events
//! in the shape of Sentry's event API, this one writes the heavy shapes real exports have.
//!
//! ```text
//! cargo run --release --example gen_ingest -- --events 120000 --out /tmp/ingest.ndjson
//! ```
//!
//! - Ingest-style members: half of the events carry `exception` and `request` at the top level
//!   (as the ingest payload and nodestore do) instead of in `entries`; tags are `[key, value]`
//!   pairs; `release` is a plain string; the date is `datetime` (no `dateCreated`).
//! - Long tag lists (25 to 60 tags, most of them unread by any query), large stack traces
//!   (one or two chained exceptions of 10 to 30 frames with context lines, some with local
//!   variables),
//!   breadcrumbs, SDK integrations and, on transactions, a list of spans.
//! - Missing members: no `user` tag (the `user` field is composed from the `user` object), no
//!   `browser.name` tag (read from `contexts.browser`), events without `user`, without
//!   `contexts`, without `projectSlug`, users with only an IP or only an email.
//!
//! The same seed gives the same bytes.

#![allow(
    clippy::indexing_slicing,
    reason = "a test-data generator, not library code: indices are drawn from the slices they index"
)]

use clap::Parser;
use flate2::Compression;
use flate2::write::GzEncoder;
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Writes NDJSON of heavy, ingest-style Sentry event payloads")]
struct Args {
    /// How many events to write.
    #[arg(long, default_value_t = 20_000)]
    events: u64,
    /// Where to write (gzip when it ends in `.gz`); standard output when absent.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The PRNG seed.
    #[arg(long, default_value_t = 20_261_202)]
    seed: u64,
}

/// SplitMix64: small, fast and good enough for test data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn float(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.float() * n as f64) as usize % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.float() < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// Skewed towards the first items (squared uniform).
    fn skewed<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = (self.float().powi(2) * items.len() as f64) as usize;
        &items[i.min(items.len() - 1)]
    }
    fn hex(&mut self, digits: usize) -> String {
        let mut s = String::with_capacity(digits);
        while s.len() < digits {
            s.push_str(&format!("{:016x}", self.next_u64()));
        }
        s.truncate(digits);
        s
    }
    fn normal(&mut self) -> f64 {
        let u1 = self.float().max(1e-12);
        let u2 = self.float();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

const END_SECONDS: i64 = 1_795_132_800; // 2026-11-20T00:00:00Z
const DAYS: i64 = 30;

const PROJECTS: &[(u64, &str, &str)] = &[
    (4_506_101, "web", "javascript"),
    (4_506_102, "api", "python"),
    (4_506_103, "worker", "python"),
    (4_506_104, "ios", "cocoa"),
];

const RELEASES: &[&str] = &[
    "2026.11.0",
    "2026.11.1",
    "2026.11.2",
    "2026.11.3",
    "2026.11.4",
];

const BROWSERS: &[&str] = &["Chrome", "Safari", "Firefox", "Edge", "Samsung Internet"];
const OSES: &[&str] = &["Windows", "Mac OS X", "iOS", "Android", "Linux"];

/// (type, value) of the exceptions; some values contain "timeout" for the message query.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "TypeError",
        "Cannot read properties of null (reading 'length')",
    ),
    ("TimeoutError", "upstream request timeout after 30000 ms"),
    (
        "ValueError",
        "invalid literal for int() with base 10: 'abc'",
    ),
    ("KeyError", "'session'"),
    ("ConnectionError", "Connection reset by peer"),
    (
        "NSInvalidArgumentException",
        "-[__NSCFString count]: unrecognized selector",
    ),
    (
        "OperationalError",
        "canceling statement due to statement timeout",
    ),
    ("RuntimeError", "maximum recursion depth exceeded"),
];

const TRANSACTIONS: &[(&str, &str, f64)] = &[
    ("/dashboard", "pageload", 1400.0),
    ("/settings/:tab", "navigation", 600.0),
    ("GET /api/0/items/", "http.server", 80.0),
    ("POST /api/0/items/", "http.server", 240.0),
    ("tasks.reindex", "queue.task", 3000.0),
    ("AppDelegate", "ui.load", 900.0),
];

const FUNCTIONS: &[&str] = &[
    "handle_request",
    "dispatch",
    "get_response",
    "render",
    "fetch",
    "query",
    "execute",
    "serialize",
    "validate",
    "__call__",
    "run",
    "wrapper",
    "inner",
    "process_item",
];

fn iso(seconds: f64) -> String {
    let ts = Timestamp::from_second(seconds.floor() as i64).unwrap_or(Timestamp::UNIX_EPOCH);
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn frames(rng: &mut Rng, platform: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let function = *rng.pick(FUNCTIONS);
            let module = format!("app.{}.{}", ["core", "api", "db", "util"][i % 4], function);
            let file = format!(
                "app/{}/{}.py",
                ["core", "api", "db", "util"][i % 4],
                function
            );
            let context = |k: usize| format!("    r = {function}(item, {k})");
            let mut frame = json!({
                "filename": file,
                "abs_path": format!("/srv/app/{file}"),
                "function": function,
                "module": module,
                "lineno": 10 + (i * 31) % 700,
                "colno": if platform == "javascript" { json!(4 + i % 60) } else { Value::Null },
                "in_app": i % 3 != 0,
                "context_line": context(0),
                "pre_context": (1..3).map(context).collect::<Vec<_>>(),
                "post_context": [context(3)],
            });
            if rng.chance(0.2) {
                frame["vars"] = json!({
                    "item": format!("<Item id={}>", rng.below(100_000)),
                    "retries": rng.below(5),
                    "self": "<app.core.Handler object at 0x7f3a2c1d>",
                    "kwargs": {"timeout": 30, "verbose": false},
                });
            }
            frame
        })
        .collect()
}

fn tags(rng: &mut Rng, common: &[(&str, String)]) -> Vec<Value> {
    let mut tags: Vec<Value> = common.iter().map(|(k, v)| json!([k, v])).collect();
    let extra = 20 + rng.below(36);
    for i in 0..extra {
        let value = match i % 4 {
            0 => format!("{}", rng.below(1000)),
            1 => rng.hex(12),
            2 => (*rng.pick(&["true", "false", "unknown"])).to_owned(),
            _ => format!("feature-{}-variant-{}", i, rng.below(4)),
        };
        tags.push(json!([format!("custom.tag_{i:02}"), value]));
    }
    tags
}

fn user(rng: &mut Rng) -> Value {
    // A core of frequent users; some users are known only by IP or only by email.
    let n = (rng.float().powi(2) * 5_000.0) as u32;
    let ip = format!("192.168.{}.{}", n % 256, (n / 256) % 256);
    let geo = json!({"country_code": (["DE", "US", "FR", "JP"][n as usize % 4]), "city": "Springfield", "region": "Region"});
    match n % 10 {
        0 => json!({"ip_address": ip, "geo": geo}),
        1 => json!({"email": format!("u{n}@example.org")}),
        2 => json!({"username": format!("user_{n}"), "ip_address": ip}),
        _ => json!({
            "id": format!("{n}"),
            "email": format!("u{n}@example.org"),
            "username": format!("user_{n}"),
            "ip_address": ip,
            "geo": geo,
            "data": {"plan": "team", "seats": n % 50},
        }),
    }
}

fn contexts(rng: &mut Rng, platform: &str, trace: Value) -> Value {
    let mut contexts = Map::new();
    if platform == "javascript" {
        let browser = *rng.skewed(BROWSERS);
        contexts.insert(
            "browser".into(),
            json!({"name": browser, "version": format!("{}.0.{}", 120 + rng.below(12), rng.below(9000)), "type": "browser"}),
        );
    }
    let os = *rng.skewed(OSES);
    contexts.insert(
        "os".into(),
        json!({"name": os, "version": format!("{}.{}", 10 + rng.below(5), rng.below(9)), "build": rng.hex(6), "type": "os"}),
    );
    contexts.insert(
        "device".into(),
        json!({"family": "Desktop", "model": "x86_64", "arch": "x86_64", "memory_size": 17_179_869_184u64, "type": "device"}),
    );
    contexts.insert(
        "runtime".into(),
        json!({"name": "CPython", "version": "3.12.7", "type": "runtime"}),
    );
    contexts.insert("trace".into(), trace);
    Value::Object(contexts)
}

fn breadcrumbs(rng: &mut Rng, time: f64) -> Value {
    let n = 3 + rng.below(12);
    let values: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "timestamp": time - (n - i) as f64 * 0.7,
                "type": "default",
                "category": (["http", "query", "ui.click", "navigation"][i % 4]),
                "level": "info",
                "message": format!("SELECT id, name FROM items WHERE owner_id = {} LIMIT 50", rng.below(10_000)),
                "data": {"duration_ms": rng.below(400), "rows": rng.below(50)},
            })
        })
        .collect();
    json!({"values": values})
}

fn event(rng: &mut Rng) -> Value {
    let (project_id, slug, platform) = *rng.skewed(PROJECTS);
    let span = (DAYS * 86_400) as f64;
    let time = END_SECONDS as f64 - span + rng.float() * span;
    let release = *rng.skewed(RELEASES);
    let environment = *rng.pick(&["production", "production", "production", "staging"]);
    let is_error = rng.chance(0.5);
    let (txn, op, median) = *rng.skewed(TRANSACTIONS);
    let event_id = rng.hex(32);
    let mut common = vec![
        ("environment", environment.to_owned()),
        ("release", release.to_owned()),
        ("transaction", txn.to_owned()),
        ("server_name", format!("web-{}", rng.below(40))),
    ];
    let status = *rng.pick(&[
        "ok",
        "ok",
        "ok",
        "ok",
        "internal_error",
        "deadline_exceeded",
    ]);
    let trace = json!({
        "trace_id": rng.hex(32),
        "span_id": rng.hex(16),
        "parent_span_id": rng.hex(16),
        "op": op,
        "status": status,
        "type": "trace",
    });
    let mut payload = Map::new();
    payload.insert("eventID".into(), json!(event_id));
    payload.insert("projectID".into(), json!(project_id.to_string()));
    if rng.chance(0.8) {
        payload.insert("projectSlug".into(), json!(slug));
    }
    payload.insert("platform".into(), json!(platform));
    payload.insert("datetime".into(), json!(iso(time)));
    payload.insert("release".into(), json!(release));
    payload.insert("environment".into(), json!(environment));
    payload.insert("logger".into(), json!(""));
    if rng.chance(0.85) {
        payload.insert("user".into(), user(rng));
    }
    if rng.chance(0.9) {
        payload.insert("contexts".into(), contexts(rng, platform, trace));
    }
    payload.insert(
        "sdk".into(),
        json!({"name": format!("sentry.{platform}"), "version": "9.1.0",
               "integrations": ["InboundFilters", "FunctionToString", "Breadcrumbs", "GlobalHandlers", "LinkedErrors", "Dedupe", "HttpContext"],
               "packages": [{"name": format!("npm:@sentry/{platform}"), "version": "9.1.0"}]}),
    );
    payload.insert("fingerprint".into(), json!(["{{ default }}"]));
    payload.insert(
        "extra".into(),
        json!({"sys.argv": ["/srv/app/manage.py", "runserver"], "request_id": rng.hex(16)}),
    );
    let url = format!(
        "https://app.example.com{}",
        txn.split(' ').next_back().unwrap_or("/")
    );
    let request = json!({
        "url": url, "method": if txn.starts_with("POST") { "POST" } else { "GET" },
        "headers": [["Accept", "application/json"], ["User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"], ["Accept-Language", "en-US,en;q=0.9"]],
        "query_string": [["page", format!("{}", rng.below(20))]],
        "env": {"REMOTE_ADDR": "10.0.0.1"},
    });
    let ingest = rng.chance(0.5);
    if is_error {
        let level = *rng.pick(&["error", "error", "error", "warning", "fatal"]);
        common.push(("level", level.to_owned()));
        common.push(("handled", (*rng.pick(&["yes", "no"])).to_owned()));
        let chained = 1 + rng.below(2);
        let mut values = Vec::new();
        let mut first = None;
        for _ in 0..chained {
            let (kind, value) = *rng.skewed(EXCEPTIONS);
            first.get_or_insert((kind, value));
            let depth = 10 + rng.below(21);
            values.push(json!({
                "type": kind,
                "value": value,
                "module": if platform == "python" { json!("builtins") } else { Value::Null },
                "mechanism": {"type": (["generic", "onerror", "logging"][rng.below(3)]), "handled": rng.chance(0.4)},
                "stacktrace": {"frames": frames(rng, platform, depth)},
            }));
        }
        let (kind, value) = first.unwrap_or(EXCEPTIONS[0]);
        payload.insert("type".into(), json!("error"));
        payload.insert(
            "groupID".into(),
            json!(format!("{}", 7_000_000 + rng.below(200))),
        );
        payload.insert("title".into(), json!(format!("{kind}: {value}")));
        payload.insert(
            "message".into(),
            json!(if rng.chance(0.3) {
                format!("{value} while handling {txn}")
            } else {
                String::new()
            }),
        );
        payload.insert(
            "culprit".into(),
            json!(format!("app.api in {}", rng.pick(FUNCTIONS))),
        );
        payload.insert("breadcrumbs".into(), breadcrumbs(rng, time));
        let exception = json!({"values": values});
        if ingest {
            payload.insert("exception".into(), exception);
            payload.insert("request".into(), request);
        } else {
            payload.insert(
                "entries".into(),
                json!([
                    {"type": "breadcrumbs", "data": {"values": []}},
                    {"type": "exception", "data": exception},
                    {"type": "request", "data": request},
                ]),
            );
        }
    } else {
        let duration_ms = (median * (0.8 * rng.normal()).exp()).max(1.0);
        let start = time - duration_ms / 1000.0;
        payload.insert("type".into(), json!("transaction"));
        payload.insert("title".into(), json!(txn));
        payload.insert("message".into(), json!(txn));
        payload.insert("culprit".into(), json!(""));
        payload.insert("startTimestamp".into(), json!((start * 1e6).round() / 1e6));
        payload.insert("endTimestamp".into(), json!((time * 1e6).round() / 1e6));
        let spans: Vec<Value> = (0..5 + rng.below(20))
            .map(|i| {
                json!({"span_id": rng.hex(16), "op": (["db", "http.client", "cache.get", "ui.render"][i % 4]),
                       "description": format!("SELECT * FROM table_{} WHERE id = %s", i % 9),
                       "start_timestamp": start, "timestamp": start + 0.001 * i as f64, "status": "ok",
                       "data": {"db.system": "postgresql", "thread.name": "MainThread"}})
            })
            .collect();
        payload.insert("spans".into(), Value::Array(spans));
        if platform == "javascript" {
            payload.insert(
                "measurements".into(),
                json!({"lcp": {"value": (duration_ms * 0.6).round(), "unit": "millisecond"},
                       "fcp": {"value": (duration_ms * 0.3).round(), "unit": "millisecond"}}),
            );
        }
        if ingest {
            payload.insert("request".into(), request);
        } else {
            payload.insert(
                "entries".into(),
                json!([{"type": "request", "data": request}]),
            );
        }
    }
    let tags = tags(rng, &common);
    payload.insert("tags".into(), Value::Array(tags));
    Value::Object(payload)
}

fn write_events(out: &mut dyn Write, args: &Args) -> io::Result<()> {
    let mut rng = Rng(args.seed);
    for _ in 0..args.events {
        serde_json::to_writer(&mut *out, &event(&mut rng))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    match &args.out {
        Some(path) if path.extension().is_some_and(|e| e == "gz") => {
            let file = BufWriter::new(File::create(path)?);
            let mut gz = GzEncoder::new(file, Compression::fast());
            write_events(&mut gz, &args)?;
            gz.finish()?.flush()
        }
        Some(path) => write_events(&mut BufWriter::new(File::create(path)?), &args),
        None => write_events(&mut BufWriter::new(io::stdout().lock()), &args),
    }
}
