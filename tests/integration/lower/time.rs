//! Time ranges: stats periods, start and end.

use super::*;

// ---- time ----

fn time_params(since: Option<TimePoint>, until: Option<TimePoint>) -> Vec<(String, String)> {
    let mut q = events(vec![col(field("title"))]);
    q.time = TimeRange {
        since,
        until,
        span: Span::DUMMY,
    };
    lower_events(q)
        .params
        .into_iter()
        .filter(|(k, _)| k.starts_with("stats") || k == "start" || k == "end")
        .collect()
}

fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect()
}

fn day(s: &str) -> TimePoint {
    TimePoint::Day(s.parse().unwrap())
}

fn at(s: &str) -> TimePoint {
    TimePoint::At(s.parse().unwrap())
}

#[test]
fn relative_times_use_stats_periods() {
    assert_eq!(time_params(None, None), p(&[("statsPeriod", "14d")]));
    assert_eq!(
        time_params(Some(TimePoint::Ago(period("24h"))), None),
        p(&[("statsPeriod", "24h")])
    );
    assert_eq!(
        time_params(
            Some(TimePoint::Ago(period("7d"))),
            Some(TimePoint::Ago(period("1d")))
        ),
        p(&[("statsPeriodStart", "7d"), ("statsPeriodEnd", "1d")])
    );
}

#[test]
fn absolute_times_use_start_and_end_in_utc() {
    // SINCE alone: end is now.
    assert_eq!(
        time_params(Some(day("2026-11-01")), None),
        p(&[
            ("start", "2026-11-01T00:00:00Z"),
            ("end", "2026-11-26T10:00:00Z")
        ])
    );
    // A date-only UNTIL is inclusive: the next day's midnight.
    assert_eq!(
        time_params(Some(day("2026-11-01")), Some(day("2026-11-02"))),
        p(&[
            ("start", "2026-11-01T00:00:00Z"),
            ("end", "2026-11-03T00:00:00Z")
        ])
    );
    // Instants with offsets print in UTC, fractions dropped.
    assert_eq!(
        time_params(
            Some(at("2026-11-01T10:00:00.5+02:00")),
            Some(at("2026-11-01T12:30:00Z"))
        ),
        p(&[
            ("start", "2026-11-01T08:00:00Z"),
            ("end", "2026-11-01T12:30:00Z")
        ])
    );
    // Month and year ends.
    assert_eq!(
        time_params(Some(day("2025-12-30")), Some(day("2025-12-31"))),
        p(&[
            ("start", "2025-12-30T00:00:00Z"),
            ("end", "2026-01-01T00:00:00Z")
        ])
    );
}

#[test]
fn mixed_relative_and_absolute_become_absolute() {
    assert_eq!(
        time_params(Some(TimePoint::Ago(period("2d"))), Some(day("2026-11-25"))),
        p(&[
            ("start", "2026-11-24T10:00:00Z"),
            ("end", "2026-11-26T00:00:00Z")
        ])
    );
    assert_eq!(
        time_params(Some(day("2026-11-20")), Some(TimePoint::Ago(period("1h")))),
        p(&[
            ("start", "2026-11-20T00:00:00Z"),
            ("end", "2026-11-26T09:00:00Z")
        ])
    );
}

#[test]
fn a_range_that_is_empty_once_now_is_known_is_an_error() {
    let mut q = events(vec![col(field("title"))]);
    q.time = TimeRange {
        since: Some(TimePoint::Ago(period("2h"))),
        until: Some(day("2026-11-01")),
        span: Span::DUMMY,
    };
    assert_eq!(
        lower_err(CheckedKind::Events(q.clone())),
        [code(LowerCode::EmptyTimeRange)]
    );
    q.time = TimeRange {
        since: Some(TimePoint::Ago(period("1d"))),
        until: Some(TimePoint::Ago(period("2d"))),
        span: Span::DUMMY,
    };
    assert_eq!(
        lower_err(CheckedKind::Events(q.clone())),
        [code(LowerCode::EmptyTimeRange)]
    );
    q.time = TimeRange {
        since: Some(day("2026-12-01")),
        until: None,
        span: Span::DUMMY,
    };
    assert_eq!(
        lower_err(CheckedKind::Events(q)),
        [code(LowerCode::EmptyTimeRange)]
    );
}

#[test]
fn a_period_too_long_to_represent_is_an_error() {
    let mut q = events(vec![col(field("title"))]);
    q.time = TimeRange {
        since: Some(TimePoint::Ago(Period {
            seconds: u64::MAX,
            text: "huge".into(),
        })),
        until: Some(day("2026-11-01")),
        span: Span::DUMMY,
    };
    assert_eq!(
        lower_err(CheckedKind::Events(q)),
        [code(LowerCode::TimeOutOfRange)]
    );
}
