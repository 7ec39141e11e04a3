//! Date values whose time is out of range (`T25:00:00`, a leap second `T23:59:60`) are
//! reported as invalid dates; they panicked inside jiff (`Date::at`) before the value shapes
//! became nom parsers (issue 21 item 9).

use crate::common;

fn codes(query: &str) -> Vec<String> {
    let source = dql::Source::new("date.dql", query);
    let compilation = dql::compile_source(&source, &common::case_options(&source));
    compilation
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code.to_string())
        .collect()
}

#[test]
fn an_out_of_range_time_is_an_invalid_date() {
    for value in [
        "2026-11-01T25:00:00",
        "2026-11-01T23:59:60",
        "2026-11-01T10:61:00Z",
    ] {
        let query = format!("SELECT count() FROM errors WHERE timestamp:>{value}");
        assert_eq!(codes(&query), ["dql::filter::invalid_date"], "{query}");
    }
}

#[test]
fn dates_in_range_compile() {
    for filter in [
        "timestamp:>2026-11-01",
        "timestamp:>2026-11-01T23:59:59",
        "timestamp:<2026-11-01T10:00:00.123456+01:00",
        "timestamp:-24h",
    ] {
        let query = format!("SELECT count() FROM errors WHERE {filter}");
        assert_eq!(codes(&query), Vec::<String>::new(), "{query}");
    }
}
