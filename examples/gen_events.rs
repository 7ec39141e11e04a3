//! Generates deterministic, realistic Sentry event payloads (NDJSON) for the local engine's
//! sample data, tests and benchmarks.
//!
//! ```text
//! cargo run --example gen_events -- --events 20000 --out examples/events.ndjson.gz
//! ```
//!
//! Errors and transactions over three projects, 30 days ending 2026-11-20T00:00:00Z, with a
//! handful of issues per project at skewed frequencies, several releases, environments,
//! browsers and users, and log-normal transaction durations. The same seed gives the same bytes.
//!
//! `--kind spans` and `--kind logs` write rows of the trace-item datasets instead, one flat
//! object per span or log keyed by attribute name (the shape `dql run --events` reads for
//! `FROM spans` / `FROM logs`, and a row of `/events/?dataset=spans` has):
//!
//! ```text
//! cargo run --example gen_events -- --kind spans --events 20000 --out examples/spans.ndjson.gz
//! cargo run --example gen_events -- --kind logs --events 20000 --out examples/logs.ndjson.gz
//! ```

#![allow(
    clippy::indexing_slicing,
    reason = "a test-data generator, not library code: indices are drawn from the slices they index, and JSON indexing builds objects"
)]

use clap::Parser;
use flate2::Compression;
use flate2::write::GzEncoder;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Writes NDJSON of generated Sentry event payloads")]
struct Args {
    /// How many events to write.
    #[arg(long, default_value_t = 20_000)]
    events: u64,
    /// Where to write (gzip when it ends in `.gz`); standard output when absent.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The PRNG seed.
    #[arg(long, default_value_t = 20_261_120)]
    seed: u64,
    /// What to write: Sentry event payloads, or flat span or log rows.
    #[arg(long, value_enum, default_value = "events")]
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Kind {
    Events,
    Spans,
    Logs,
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
    /// Uniform in [0, 1).
    fn float(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.float() * n as f64) as usize % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.float() < p
    }
    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.float() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
    fn pick<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let weights: Vec<f64> = items.iter().map(|(_, w)| *w).collect();
        &items[self.weighted(&weights)].0
    }
    /// A standard normal deviate (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.float().max(1e-12);
        let u2 = self.float();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    fn hex(&mut self, digits: usize) -> String {
        let mut s = String::with_capacity(digits);
        while s.len() < digits {
            s.push_str(&format!("{:016x}", self.next_u64()));
        }
        s.truncate(digits);
        s
    }
}

struct Issue {
    group_id: u64,
    kind: &'static str,
    value: &'static str,
    mechanism: &'static str,
    handled: bool,
    level: &'static str,
    weight: f64,
    frames: &'static [(&'static str, &'static str, &'static str)],
}

struct Txn {
    name: &'static str,
    op: &'static str,
    median_ms: f64,
    weight: f64,
}

struct Project {
    id: u64,
    slug: &'static str,
    platform: &'static str,
    sdk: (&'static str, &'static str),
    releases: [&'static str; 4],
    issues: Vec<Issue>,
    txns: Vec<Txn>,
    weight: f64,
    browser: bool,
    base_url: &'static str,
}

fn projects() -> Vec<Project> {
    const JS_FRAMES: &[(&str, &str, &str)] = &[
        ("app:///static/js/main.js", "renderCheckout", "checkout"),
        ("app:///static/js/vendor.js", "commitRoot", "react-dom"),
        ("app:///static/js/api.js", "fetchJson", "api"),
        ("app:///static/js/cart.js", "updateCart", "cart"),
        ("app:///static/js/product.js", "loadProduct", "product"),
    ];
    const PY_FRAMES: &[(&str, &str, &str)] = &[
        ("shop/views/orders.py", "create_order", "shop.views.orders"),
        (
            "shop/services/payment.py",
            "charge",
            "shop.services.payment",
        ),
        (
            "django/core/handlers/base.py",
            "_get_response",
            "django.core.handlers.base",
        ),
        ("shop/models.py", "save", "shop.models"),
        ("psycopg2/extras.py", "execute", "psycopg2.extras"),
    ];
    const KT_FRAMES: &[(&str, &str, &str)] = &[
        (
            "CheckoutActivity.kt",
            "onCreate",
            "com.shop.app.CheckoutActivity",
        ),
        (
            "CartRepository.kt",
            "load",
            "com.shop.app.data.CartRepository",
        ),
        ("Retrofit.kt", "execute", "retrofit2.OkHttpCall"),
        ("Handler.java", "dispatchMessage", "android.os.Handler"),
    ];
    let issue = |group_id, kind, value, mechanism, handled, level, weight, frames| Issue {
        group_id,
        kind,
        value,
        mechanism,
        handled,
        level,
        weight,
        frames,
    };
    let txn = |name, op, median_ms, weight| Txn {
        name,
        op,
        median_ms,
        weight,
    };
    vec![
        Project {
            id: 4_505_001,
            slug: "frontend",
            platform: "javascript",
            sdk: ("sentry.javascript.react", "8.38.0"),
            releases: [
                "frontend@2.3.0",
                "frontend@2.4.0",
                "frontend@2.4.1",
                "frontend@2.5.0",
            ],
            issues: vec![
                issue(
                    6_114_575_401,
                    "TypeError",
                    "Cannot read properties of undefined (reading 'id')",
                    "onerror",
                    false,
                    "error",
                    50.0,
                    JS_FRAMES,
                ),
                issue(
                    6_114_575_402,
                    "ChunkLoadError",
                    "Loading chunk 42 failed.",
                    "onunhandledrejection",
                    false,
                    "error",
                    20.0,
                    JS_FRAMES,
                ),
                issue(
                    6_114_575_403,
                    "Error",
                    "Request failed with status code 502",
                    "generic",
                    true,
                    "error",
                    12.0,
                    JS_FRAMES,
                ),
                issue(
                    6_114_575_404,
                    "ReferenceError",
                    "gtag is not defined",
                    "onerror",
                    false,
                    "warning",
                    5.0,
                    JS_FRAMES,
                ),
                issue(
                    6_114_575_405,
                    "SecurityError",
                    "The operation is insecure.",
                    "generic",
                    true,
                    "fatal",
                    1.5,
                    JS_FRAMES,
                ),
            ],
            txns: vec![
                txn("/", "pageload", 900.0, 30.0),
                txn("/products/:id", "pageload", 1200.0, 25.0),
                txn("/checkout", "navigation", 1600.0, 10.0),
                txn("/account", "navigation", 700.0, 5.0),
            ],
            weight: 45.0,
            browser: true,
            base_url: "https://shop.example.com",
        },
        Project {
            id: 4_505_002,
            slug: "backend",
            platform: "python",
            sdk: ("sentry.python.django", "2.18.0"),
            releases: [
                "backend@1.14.0",
                "backend@1.15.0",
                "backend@1.15.2",
                "backend@1.16.0",
            ],
            issues: vec![
                issue(
                    6_114_575_501,
                    "OperationalError",
                    "could not connect to server: Connection refused",
                    "django",
                    false,
                    "error",
                    30.0,
                    PY_FRAMES,
                ),
                issue(
                    6_114_575_502,
                    "KeyError",
                    "'customer_id'",
                    "django",
                    false,
                    "error",
                    25.0,
                    PY_FRAMES,
                ),
                issue(
                    6_114_575_503,
                    "PaymentDeclined",
                    "card_declined",
                    "logging",
                    true,
                    "warning",
                    10.0,
                    PY_FRAMES,
                ),
                issue(
                    6_114_575_504,
                    "TimeoutError",
                    "upstream timed out after 30s",
                    "celery",
                    false,
                    "error",
                    4.0,
                    PY_FRAMES,
                ),
                issue(
                    6_114_575_505,
                    "IntegrityError",
                    "duplicate key value violates unique constraint \"orders_pkey\"",
                    "django",
                    false,
                    "fatal",
                    1.0,
                    PY_FRAMES,
                ),
            ],
            txns: vec![
                txn("GET /api/products/{id}", "http.server", 45.0, 40.0),
                txn("GET /api/orders", "http.server", 120.0, 20.0),
                txn("POST /api/orders", "http.server", 380.0, 10.0),
                txn("shop.tasks.send_receipt", "celery.task", 900.0, 6.0),
            ],
            weight: 40.0,
            browser: false,
            base_url: "https://api.example.com",
        },
        Project {
            id: 4_505_003,
            slug: "android",
            platform: "java",
            sdk: ("sentry.java.android", "7.16.0"),
            releases: [
                "com.shop.app@3.0.0+300",
                "com.shop.app@3.1.0+310",
                "com.shop.app@3.1.1+311",
                "com.shop.app@3.2.0+320",
            ],
            issues: vec![
                issue(
                    6_114_575_601,
                    "NullPointerException",
                    "Attempt to invoke virtual method on a null object reference",
                    "UncaughtExceptionHandler",
                    false,
                    "fatal",
                    20.0,
                    KT_FRAMES,
                ),
                issue(
                    6_114_575_602,
                    "SocketTimeoutException",
                    "timeout",
                    "generic",
                    true,
                    "error",
                    15.0,
                    KT_FRAMES,
                ),
                issue(
                    6_114_575_603,
                    "IllegalStateException",
                    "Fragment not attached to a context.",
                    "UncaughtExceptionHandler",
                    false,
                    "error",
                    4.0,
                    KT_FRAMES,
                ),
            ],
            txns: vec![
                txn("MainActivity", "ui.load", 650.0, 20.0),
                txn("CheckoutActivity", "ui.load", 1100.0, 8.0),
            ],
            weight: 15.0,
            browser: false,
            base_url: "https://api.example.com",
        },
    ]
}

const END_SECONDS: i64 = 1_795_132_800; // 2026-11-20T00:00:00Z
const DAYS: i64 = 30;

fn iso(seconds: f64) -> String {
    let ts = Timestamp::from_second(seconds.floor() as i64).unwrap_or(Timestamp::UNIX_EPOCH);
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A time in the window, busier in European afternoons than at night.
fn event_time(rng: &mut Rng) -> f64 {
    let span = (DAYS * 86_400) as f64;
    loop {
        let t = END_SECONDS as f64 - span + rng.float() * span;
        let hour = (t / 3600.0).rem_euclid(24.0);
        let busy = 0.55 + 0.45 * ((hour - 9.0) / 24.0 * 2.0 * std::f64::consts::PI).sin();
        if rng.float() < busy {
            return t;
        }
    }
}

fn event(rng: &mut Rng, projects: &[Project]) -> Value {
    let weights: Vec<f64> = projects.iter().map(|p| p.weight).collect();
    let project = &projects[rng.weighted(&weights)];
    let time = event_time(rng);
    let day = ((time - (END_SECONDS - DAYS * 86_400) as f64) / 86_400.0) as usize;
    // A new release every ~8 days; a few stragglers stay on the previous one.
    let mut release_idx = (day / 8).min(3);
    if release_idx > 0 && rng.chance(0.15) {
        release_idx -= 1;
    }
    let release = project.releases[release_idx];
    let environment = *rng.pick(&[
        ("production", 75.0),
        ("staging", 20.0),
        ("development", 5.0),
    ]);
    let user = if rng.chance(0.1) {
        Value::Null
    } else {
        // Squaring skews towards a core of frequent users.
        let n = (rng.float().powi(2) * 800.0) as u32;
        json!({
            "id": format!("{}", 10_000 + n),
            "email": format!("user{n}@example.com"),
            "username": format!("user{n}"),
            "ip_address": format!("10.{}.{}.{}", n % 7, n % 251, (n * 7) % 253 + 1),
            "name": null,
            "geo": null,
        })
    };
    let (browser, os) = if project.browser {
        (
            Some(*rng.pick(&[
                ("Chrome", 60.0),
                ("Safari", 20.0),
                ("Firefox", 12.0),
                ("Edge", 8.0),
            ])),
            *rng.pick(&[
                ("Windows", 45.0),
                ("Mac OS X", 25.0),
                ("iOS", 18.0),
                ("Android", 12.0),
            ]),
        )
    } else if project.platform == "java" {
        (None, "Android")
    } else {
        (None, "Linux")
    };
    let event_id = rng.hex(32);
    let trace_id = rng.hex(32);
    let span_id = rng.hex(16);
    let is_error = rng.chance(0.45);
    let txn = {
        let weights: Vec<f64> = project.txns.iter().map(|t| t.weight).collect();
        &project.txns[rng.weighted(&weights)]
    };
    let url = if project.browser {
        format!(
            "{}{}",
            project.base_url,
            txn.name
                .replace(":id", &format!("{}", 100 + rng.below(400)))
        )
    } else {
        format!(
            "{}/{}",
            project.base_url,
            txn.name
                .split(' ')
                .next_back()
                .unwrap_or("")
                .trim_start_matches('/')
        )
    };
    let mut tags = vec![
        json!({"key": "environment", "value": environment}),
        json!({"key": "release", "value": release}),
        json!({"key": "transaction", "value": txn.name}),
        json!({"key": "os.name", "value": os}),
        json!({"key": "url", "value": url}),
    ];
    if let Some(browser) = browser {
        tags.push(json!({"key": "browser.name", "value": browser}));
        tags.push(json!({"key": "browser", "value": format!("{browser} {}", 100 + rng.below(30))}));
    }
    if let Some(id) = user.get("id").and_then(Value::as_str) {
        tags.push(json!({"key": "user", "value": format!("id:{id}")}));
    }
    let method = if txn.name.starts_with("POST") {
        "POST"
    } else {
        "GET"
    };
    let request = json!({"type": "request", "data": {"method": method, "url": url, "query": [], "headers": [["Accept", "application/json"]]}});
    let mut contexts = json!({
        "trace": {"trace_id": trace_id, "span_id": span_id, "op": txn.op, "status": "ok", "type": "trace"},
        "os": {"name": os, "type": "os"},
    });
    if let Some(browser) = browser {
        contexts["browser"] = json!({"name": browser, "type": "browser"});
    }
    let mut payload = json!({
        "id": event_id,
        "eventID": event_id,
        "projectID": project.id.to_string(),
        "projectSlug": project.slug,
        "platform": project.platform,
        "dateCreated": iso(time),
        "dateReceived": iso(time + 1.0),
        "user": user,
        "sdk": {"name": project.sdk.0, "version": project.sdk.1},
        "release": {"version": release, "status": "open"},
        "dist": null,
        "contexts": contexts,
    });
    if is_error {
        let weights: Vec<f64> = project.issues.iter().map(|i| i.weight).collect();
        let issue = &project.issues[rng.weighted(&weights)];
        tags.push(json!({"key": "level", "value": issue.level}));
        tags.push(json!({"key": "handled", "value": if issue.handled { "yes" } else { "no" }}));
        let depth = 3 + rng.below(issue.frames.len().saturating_sub(2).max(1));
        let frames: Vec<Value> = issue
            .frames
            .iter()
            .take(depth)
            .rev()
            .enumerate()
            .map(|(i, (file, function, module))| {
                json!({
                    "filename": file,
                    "absPath": format!("{}/{}", project.base_url, file.trim_start_matches("app:///")),
                    "function": function,
                    "module": module,
                    "package": null,
                    "lineNo": 10 + (i * 37) % 400,
                    "colNo": if project.browser { json!(5 + i * 3) } else { Value::Null },
                    "inApp": !module.starts_with("django") && !module.starts_with("react") && !module.starts_with("android") && !module.starts_with("retrofit") && !module.starts_with("psycopg2"),
                    "context": [],
                })
            })
            .collect();
        let title = format!("{}: {}", issue.kind, issue.value);
        payload["groupID"] = json!(issue.group_id.to_string());
        payload["type"] = json!("error");
        payload["title"] = json!(title);
        payload["message"] = json!("");
        payload["culprit"] = json!(txn.name);
        payload["entries"] = json!([
            {"type": "exception", "data": {"values": [{
                "type": issue.kind,
                "value": issue.value,
                "module": null,
                "mechanism": {"type": issue.mechanism, "handled": issue.handled},
                "stacktrace": {"frames": frames, "framesOmitted": null, "hasSystemFrames": true},
            }], "hasSystemFrames": true}},
            request,
        ]);
    } else {
        // Log-normal durations around the transaction's median, with a long tail.
        let duration_ms = (txn.median_ms * (0.75 * rng.normal()).exp()).max(1.0);
        let start = time - duration_ms / 1000.0;
        let status = *rng.pick(&[
            ("ok", 92.0),
            ("internal_error", 3.0),
            ("deadline_exceeded", 2.0),
            ("not_found", 1.5),
            ("cancelled", 1.0),
            ("unknown", 0.5),
        ]);
        payload["contexts"]["trace"]["status"] = json!(status);
        payload["groupID"] = Value::Null;
        payload["type"] = json!("transaction");
        payload["title"] = json!(txn.name);
        payload["message"] = json!(txn.name);
        payload["startTimestamp"] = json!((start * 1000.0).round() / 1000.0);
        payload["endTimestamp"] = json!((time * 1000.0).round() / 1000.0);
        payload["entries"] = json!([request]);
        if project.browser {
            let lcp = (duration_ms * (0.4 + 0.3 * rng.float())).round();
            let fcp = (lcp * (0.4 + 0.4 * rng.float())).round();
            payload["measurements"] = json!({
                "lcp": {"value": lcp, "unit": "millisecond"},
                "fcp": {"value": fcp, "unit": "millisecond"},
                "cls": {"value": (rng.float().powi(3) * 400.0).round() / 1000.0, "unit": "none"},
            });
        } else {
            payload["measurements"] = Value::Null;
        }
    }
    payload["tags"] = Value::Array(tags);
    payload
}

/// The spans of one trace: its segment (`is_transaction: true`) and a few children.
fn trace_spans(rng: &mut Rng, projects: &[Project]) -> Vec<Value> {
    let weights: Vec<f64> = projects.iter().map(|p| p.weight).collect();
    let project = &projects[rng.weighted(&weights)];
    let time = event_time(rng);
    let day = ((time - (END_SECONDS - DAYS * 86_400) as f64) / 86_400.0) as usize;
    let release = project.releases[(day / 8).min(3)];
    let environment = *rng.pick(&[("production", 80.0), ("staging", 20.0)]);
    let txn_weights: Vec<f64> = project.txns.iter().map(|t| t.weight).collect();
    let txn = &project.txns[rng.weighted(&txn_weights)];
    let duration = (txn.median_ms * (0.6 * rng.normal()).exp() * 1000.0).round() / 1000.0;
    let trace = rng.hex(32);
    let segment_id = rng.hex(16);
    let failed = rng.chance(0.04);
    let browser = if project.browser {
        Value::from(*rng.pick(&[("Chrome", 60.0), ("Firefox", 15.0), ("Safari", 25.0)]))
    } else {
        Value::Null
    };
    let base = |id: &str, op: &str, description: &str, start: f64, ms: f64| {
        json!({
            "id": id,
            "trace": trace,
            "transaction.span_id": segment_id,
            "project": project.slug,
            "project.id": project.id,
            "timestamp": iso(start + ms / 1000.0),
            "transaction": txn.name,
            "transaction.op": txn.op,
            "span.op": op,
            "span.description": description,
            "span.duration": ms,
            "environment": environment,
            "release": release,
            "sdk.name": project.sdk.0,
            "platform": project.platform,
        })
    };
    let mut segment = base(&segment_id, txn.op, txn.name, time, duration);
    segment["is_transaction"] = Value::Bool(true);
    segment["span.status"] = Value::from(if failed { "internal_error" } else { "ok" });
    segment["browser.name"] = browser;
    if txn.op == "pageload" {
        // Web vitals on page loads, derived from the duration so that the random stream (and
        // every other value of the sample) stays what it was before they were added.
        let lcp = (duration * 0.62).round();
        segment["measurements.lcp"] = Value::from(lcp);
        segment["measurements.fcp"] = Value::from((lcp * 0.55).round());
    }
    let mut rows = Vec::new();
    let children = 1 + rng.below(4);
    let mut used = 0.0;
    for _ in 0..children {
        let (op, description) = *rng.pick(&[
            (("db", "SELECT * FROM orders WHERE id = %s"), 35.0),
            (("db", "UPDATE carts SET items = %s"), 10.0),
            (
                ("http.client", "GET https://payments.example.com/v1/charge"),
                20.0,
            ),
            (("cache.get", "cart:%s"), 25.0),
            (("ui.render", "CheckoutPage"), 10.0),
        ]);
        let ms = (duration * rng.float() * 0.4 * 1000.0).round() / 1000.0;
        used += ms;
        let mut child = base(&rng.hex(16), op, description, time, ms);
        child["is_transaction"] = Value::Bool(false);
        child["span.status"] = Value::from("ok");
        child["span.self_time"] = Value::from(ms);
        if op == "cache.get" {
            child["cache.hit"] = Value::Bool(rng.chance(0.8));
        }
        if op == "http.client" {
            child["http.response_content_length"] = Value::from(200 + rng.below(50_000) as u64);
        }
        rows.push(child);
    }
    segment["span.self_time"] = Value::from(((duration - used).max(0.0) * 1000.0).round() / 1000.0);
    rows.insert(0, segment);
    rows
}

/// One log row.
fn log_row(rng: &mut Rng, projects: &[Project]) -> Value {
    let weights: Vec<f64> = projects.iter().map(|p| p.weight).collect();
    let project = &projects[rng.weighted(&weights)];
    let time = event_time(rng) + rng.float();
    let day = ((time - (END_SECONDS - DAYS * 86_400) as f64) / 86_400.0) as usize;
    let release = project.releases[(day / 8).min(3)];
    let (severity, number) = *rng.pick(&[
        (("info", 9), 60.0),
        (("warn", 13), 18.0),
        (("error", 17), 12.0),
        (("debug", 5), 10.0),
    ]);
    let (template, fill) = match severity {
        "error" => *rng.pick(&[
            (("payment provider timeout after %s ms", "ms"), 60.0),
            (("order %s failed: card declined", "order"), 40.0),
        ]),
        "warn" => *rng.pick(&[
            (("retrying request to %s", "host"), 60.0),
            (("slow query on %s", "table"), 40.0),
        ]),
        "debug" => *rng.pick(&[(("cache miss for %s", "key"), 100.0)]),
        _ => *rng.pick(&[
            (("order %s placed", "order"), 50.0),
            (("user %s signed in", "user"), 50.0),
        ]),
    };
    let value = match fill {
        "ms" => (2000 + rng.below(8000)).to_string(),
        "host" => String::from("payments.example.com"),
        "table" => String::from(*rng.pick(&[("orders", 60.0), ("carts", 40.0)])),
        _ => rng.hex(8),
    };
    let message = template.replace("%s", &value);
    json!({
        "id": rng.hex(32),
        "trace": rng.hex(32),
        "project": project.slug,
        "project.id": project.id,
        "timestamp": iso(time),
        "severity": severity,
        "severity_number": number,
        "message": message,
        "message.template": template,
        "environment": *rng.pick(&[("production", 80.0), ("staging", 20.0)]),
        "release": release,
        "sdk.name": project.sdk.0,
        "payload_size": message.len() + 120 + rng.below(200),
    })
}

fn write_events(out: &mut dyn Write, args: &Args) -> io::Result<()> {
    let projects = projects();
    let mut rng = Rng(args.seed);
    if args.kind != Kind::Events {
        let mut written = 0;
        while written < args.events {
            let rows = match args.kind {
                Kind::Spans => trace_spans(&mut rng, &projects),
                _ => vec![log_row(&mut rng, &projects)],
            };
            for row in rows.iter().take((args.events - written) as usize) {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n")?;
                written += 1;
            }
        }
        return out.flush();
    }
    for _ in 0..args.events {
        serde_json::to_writer(&mut *out, &event(&mut rng, &projects))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn main() -> io::Result<()> {
    let args = Args::parse();
    match &args.out {
        Some(path) if path.extension().is_some_and(|e| e == "gz") => {
            let file = BufWriter::new(File::create(path)?);
            let mut gz = GzEncoder::new(file, Compression::best());
            write_events(&mut gz, &args)?;
            gz.finish()?.flush()
        }
        Some(path) => write_events(&mut BufWriter::new(File::create(path)?), &args),
        None => write_events(&mut BufWriter::new(io::stdout().lock()), &args),
    }
}
