//! Feeds arbitrary bytes to the local engine's event scanner as one event (a line of NDJSON):
//! extracting fields never panics, and the fast path (the validating scanner, the one-pass tag
//! lookup, the nested readers of `user`, `contexts`, `entries`, the exceptions, the request)
//! answers exactly as serde_json alone, values and errors, for several projections (which
//! members are read, and in which order, differs between them).
#![no_main]

use dql::engine::Projection;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const PROJECTIONS: &[&[&str]] = &[
    &[
        "id", "title", "message", "event.type", "timestamp", "release", "transaction", "user",
        "browser.name", "os.name", "level", "tags[n,number]", "transaction.duration", "project",
        "project.id", "issue.id", "platform", "culprit", "message (searched)",
    ],
    &["user", "user.display", "user.id", "user.email", "user.ip", "geo.city"],
    &["browser.name", "os.name", "transaction.op", "trace", "device.arch", "http.status_code"],
    &["error.type", "error.value", "error.mechanism", "error.handled", "error.unhandled"],
    &["stack.function", "stack.lineno", "stack.in_app", "stack.abs_path", "error.type"],
    &["http.method", "http.url", "release", "sdk.name", "measurements.lcp"],
];

fn projections() -> &'static [Projection] {
    static ALL: OnceLock<Vec<Projection>> = OnceLock::new();
    ALL.get_or_init(|| PROJECTIONS.iter().map(|names| Projection::new(*names)).collect())
}

fuzz_target!(|bytes: &[u8]| {
    for projection in projections() {
        let fast = projection.extract(bytes);
        let reference = projection.extract_reference(bytes);
        assert_eq!(fast, reference, "{}", String::from_utf8_lossy(bytes));
    }
});
