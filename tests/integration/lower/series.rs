//! events-stats: intervals, y axes, top events and bucket limits.

use super::*;

// ---- events-stats ----

fn series(columns: Vec<Column>, interval: &str) -> EventsQuery {
    let mut q = events(columns);
    q.interval = Some(period(interval));
    q
}

#[test]
fn interval_queries_go_to_events_stats_with_one_y_axis_per_aggregate() {
    let mut q = series(
        vec![
            col(func("count", &[])),
            aliased(func("count_unique", &["user"]), "users"),
        ],
        "1h",
    );
    q.time.since = Some(TimePoint::Ago(period("24h")));
    q.environments = vec!["prod".into()];
    // Errors (and the trace-item datasets) go to events-timeseries, with this as the fallback.
    let timeseries = lower_events(q.clone());
    assert_eq!(timeseries.endpoint, Endpoint::EventsTimeseries);
    assert_eq!(
        timeseries.path,
        "/api/0/organizations/{org}/events-timeseries/"
    );
    assert_eq!(
        params(&timeseries),
        [
            ("yAxis", "count()"),
            ("yAxis", "count_unique(user)"),
            // Integer seconds (`VisibilityParams.INTERVAL`, type int).
            ("interval", "3600"),
            ("statsPeriod", "24h"),
            ("environment", "prod"),
            ("dataset", "errors"),
        ]
    );
    assert_eq!(timeseries.columns[1].label, "users");
    let r = *timeseries.fallback.clone().unwrap();
    assert_eq!(r.fallback, None);
    assert_eq!(r.endpoint, Endpoint::EventsStats);
    assert_eq!(r.path, "/api/0/organizations/{org}/events-stats/");
    assert_eq!(
        params(&r),
        [
            ("yAxis", "count()"),
            ("yAxis", "count_unique(user)"),
            ("interval", "1h"),
            // The current, unfinished bucket is kept, as Sentry's UI asks.
            ("partial", "1"),
            ("statsPeriod", "24h"),
            ("environment", "prod"),
            ("dataset", "errors"),
        ]
    );
    assert_eq!(r.limit, None);
    assert_eq!(r.columns[1].label, "users");
}

#[test]
fn grouped_series_are_top_events_ordered_by_the_first_aggregate_by_default() {
    let mut q = series(
        vec![
            col(field("transaction")),
            col(func("p95", &[])),
            col(func("count", &[])),
        ],
        "1h",
    );
    q.group_by = vec![field_ref("transaction")];
    q.limit = Some(5);
    let timeseries = lower_events(q.clone());
    assert_eq!(
        params(&timeseries),
        [
            ("yAxis", "p95()"),
            ("yAxis", "count()"),
            // events-timeseries takes group-by columns from `groupBy` and the ranking from
            // `sort` (organization_events_timeseries.py `get_event_stats`).
            ("groupBy", "transaction"),
            ("sort", "-p95()"),
            ("topEvents", "5"),
            ("interval", "3600"),
            ("statsPeriod", "14d"),
            ("dataset", "errors"),
        ]
    );
    let r = *timeseries.fallback.unwrap();
    assert_eq!(
        params(&r),
        [
            ("field", "transaction"),
            ("field", "p95()"),
            ("field", "count()"),
            ("yAxis", "p95()"),
            ("yAxis", "count()"),
            ("orderby", "-p95()"),
            ("topEvents", "5"),
            ("interval", "1h"),
            ("partial", "1"),
            ("statsPeriod", "14d"),
            ("dataset", "errors"),
        ]
    );

    q.order_by = vec![desc(func("count", &[]))];
    let r = lower_events(q.clone());
    assert_eq!(values(&r, "sort"), ["-count()"]);
    assert_eq!(values(&r.fallback.unwrap(), "orderby"), ["-count()"]);

    // transactions (and discover) have no events-timeseries form in dql: events-stats alone.
    q.dataset = "transactions".into();
    let r = lower_events(q);
    assert_eq!(r.endpoint, Endpoint::EventsStats);
    assert_eq!(r.fallback, None);
    assert_eq!(values(&r, "orderby"), ["-count()"]);
}

#[test]
fn grouped_series_need_a_top_n_limit() {
    let mut q = series(vec![col(func("count", &[]))], "1h");
    q.group_by = vec![field_ref("transaction")];
    assert_eq!(
        lower_err(CheckedKind::Events(q.clone())),
        [code(LowerCode::TopEventsOutOfRange)]
    );
    q.limit = Some(11);
    assert_eq!(
        lower_err(CheckedKind::Events(q)),
        [code(LowerCode::TopEventsOutOfRange)]
    );
}

#[test]
fn bucket_counts_are_checked_against_sentry_limits() {
    // 30 days in minutes: 43200 buckets.
    let mut q = series(vec![col(func("count", &[]))], "1m");
    q.time.since = Some(TimePoint::Ago(period("30d")));
    assert_eq!(
        lower_err(CheckedKind::Events(q.clone())),
        [code(LowerCode::TooManyBuckets)]
    );
    q.interval = Some(period("5m")); // 8640
    assert!(lower(&stmt(CheckedKind::Events(q.clone())), &opts()).is_ok());
    // With topEvents=5 the limit is 2000 per series.
    q.group_by = vec![field_ref("transaction")];
    q.limit = Some(5);
    assert_eq!(
        lower_err(CheckedKind::Events(q.clone())),
        [code(LowerCode::TooManyBuckets)]
    );
    q.interval = Some(period("30m")); // 1440
    assert!(lower(&stmt(CheckedKind::Events(q)), &opts()).is_ok());
}

#[test]
fn rpc_datasets_refuse_an_interval_longer_than_the_range() {
    let mut q = series(vec![col(func("count", &[]))], "2d");
    q.time.since = Some(TimePoint::Ago(period("1d")));
    assert!(lower(&stmt(CheckedKind::Events(q.clone())), &opts()).is_ok());
    q.dataset = "spans".into();
    assert_eq!(
        lower_err(CheckedKind::Events(q)),
        [code(LowerCode::IntervalExceedsRange)]
    );
}

#[test]
fn a_series_without_aggregate_is_an_error() {
    let mut q = series(vec![col(field("transaction"))], "1h");
    q.group_by = vec![field_ref("transaction")];
    q.limit = Some(5);
    assert_eq!(
        lower_err(CheckedKind::Events(q)),
        [code(LowerCode::SeriesWithoutAggregate)]
    );
}
