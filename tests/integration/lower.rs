//! Lowering rules (language.md §§3–11): checked statements built directly, requests compared
//! param by param.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation is a test failure"
)]

use dql::lower::{Endpoint, Method, Options, Request, lower};
use dql::registry::LowerCode;
use dql::semantic::checked::*;
use dql::semantic::field_type::{DurationUnit, FieldType};
use dql::span::Span;
use serde_json::json;

/// Builders for checked values.
mod b {
    use super::*;

    pub(super) fn now() -> jiff::Timestamp {
        "2026-11-26T10:00:00Z".parse().unwrap()
    }

    pub(super) fn opts() -> Options {
        Options::new(now())
    }

    pub(super) fn field_ref(name: &str) -> FieldRef {
        FieldRef {
            name: name.into(),
            ty: None,
            array: false,
        }
    }

    pub(super) fn field(name: &str) -> ColumnValue {
        ColumnValue::Field(field_ref(name))
    }

    pub(super) fn call(name: &str, args: &[&str]) -> FunctionCall {
        let args: Vec<FunctionArg> = args
            .iter()
            .map(|a| FunctionArg {
                text: (*a).into(),
                kind: FunctionArgKind::Field(field_ref(a)),
            })
            .collect();
        FunctionCall {
            name: name.into(),
            effective_args: args.clone(),
            args,
            aggregate: true,
            ty: None,
        }
    }

    pub(super) fn func(name: &str, args: &[&str]) -> ColumnValue {
        ColumnValue::Function(call(name, args))
    }

    pub(super) fn eq_fn(name: &str, args: &[&str]) -> Equation {
        Equation::Function(call(name, args))
    }

    pub(super) fn bin(l: Equation, op: EquationOp, r: Equation) -> Equation {
        Equation::Binary(Box::new(l), op, Box::new(r))
    }

    pub(super) fn col(value: ColumnValue) -> Column {
        let label = value.canonical();
        Column {
            value,
            label,
            ty: None,
            span: Span::DUMMY,
        }
    }

    pub(super) fn aliased(value: ColumnValue, label: &str) -> Column {
        Column {
            label: label.into(),
            ..col(value)
        }
    }

    pub(super) fn events(columns: Vec<Column>) -> EventsQuery {
        let aggregate = columns.iter().any(|c| c.value.is_aggregate());
        EventsQuery {
            dataset: "errors".into(),
            columns,
            aggregate,
            group_by: Vec::new(),
            filter: None,
            having: None,
            order_by: Vec::new(),
            limit: None,
            all: false,
            time: TimeRange {
                since: None,
                until: None,
                span: Span::DUMMY,
            },
            projects: Projects::Default,
            environments: Vec::new(),
            interval: None,
            sampling: None,
            compare: None,
        }
    }

    pub(super) fn asc(value: ColumnValue) -> SortKey {
        SortKey {
            value,
            descending: false,
        }
    }

    pub(super) fn desc(value: ColumnValue) -> SortKey {
        SortKey {
            value,
            descending: true,
        }
    }

    pub(super) fn period(text: &str) -> Period {
        let (n, unit) = text.split_at(text.len() - 1);
        let n: u64 = n.parse().unwrap();
        let mult = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            _ => panic!("unit"),
        };
        Period {
            seconds: n * mult,
            text: text.into(),
        }
    }

    pub(super) fn stmt(kind: CheckedKind) -> CheckedStatement {
        CheckedStatement {
            clauses: Default::default(),
            name: Some("q".into()),
            description: None,
            span: Span::new(0, 10),
            kind,
        }
    }

    pub(super) fn lower_events(q: EventsQuery) -> Request {
        lower(&stmt(CheckedKind::Events(q)), &opts()).unwrap()
    }

    pub(super) fn lower_err(kind: CheckedKind) -> Vec<&'static str> {
        lower(&stmt(kind), &opts())
            .unwrap_err()
            .iter()
            .map(|d| d.code)
            .collect()
    }

    pub(super) fn params(r: &Request) -> Vec<(&str, &str)> {
        r.params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    pub(super) fn values<'r>(r: &'r Request, key: &str) -> Vec<&'r str> {
        r.params
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

use b::*;

fn code(c: LowerCode) -> &'static str {
    use dql::diagnostic::Code;
    c.code()
}

#[test]
fn raw_events_query_sends_fields_page_default_period_and_dataset() {
    let r = lower_events(events(vec![col(field("title")), col(field("user"))]));
    assert_eq!(r.method, Method::Get);
    assert_eq!(r.endpoint, Endpoint::Events);
    assert_eq!(r.path, "/api/0/organizations/{org}/events/");
    assert_eq!(r.name.as_deref(), Some("q"));
    assert_eq!(
        params(&r),
        [
            ("field", "title"),
            ("field", "user"),
            ("per_page", "100"),
            ("statsPeriod", "14d"),
            ("dataset", "errors"),
        ]
    );
    assert!(r.hidden.is_empty());
    assert_eq!(r.limit, None);
}

#[test]
fn org_goes_into_the_path_and_is_encoded() {
    let stmt = stmt(CheckedKind::Events(events(vec![col(field("title"))])));
    let mut o = opts();
    o.org = Some("acme".into());
    assert_eq!(
        lower(&stmt, &o).unwrap().path,
        "/api/0/organizations/acme/events/"
    );
    o.org = Some("a b/c".into());
    assert_eq!(
        lower(&stmt, &o).unwrap().path,
        "/api/0/organizations/a%20b%2Fc/events/"
    );
}

#[test]
fn full_param_order_is_stable() {
    let mut q = events(vec![
        aliased(func("count", &[]), "n"),
        col(field("release")),
    ]);
    q.dataset = "transactions".into();
    q.order_by = vec![desc(func("count", &[]))];
    q.limit = Some(20);
    q.time.since = Some(TimePoint::Ago(period("24h")));
    q.projects = Projects::Slugs(vec!["frontend".into(), "backend".into()]);
    q.environments = vec!["production".into(), "staging".into()];
    let r = lower_events(q);
    assert_eq!(
        params(&r),
        [
            ("field", "count()"),
            ("field", "release"),
            ("sort", "-count()"),
            ("per_page", "20"),
            ("statsPeriod", "24h"),
            ("projectSlug", "frontend"),
            ("projectSlug", "backend"),
            ("environment", "production"),
            ("environment", "staging"),
            ("dataset", "transactions"),
        ]
    );
    assert_eq!(r.columns[0].label, "n");
    assert_eq!(r.columns[0].field, "count()");
    assert_eq!(r.limit, Some(20));
}

#[test]
fn group_by_and_sort_keys_not_selected_are_hidden_fields() {
    let mut q = events(vec![aliased(func("p95", &["transaction.duration"]), "p")]);
    q.group_by = vec![field_ref("transaction"), field_ref("release")];
    q.order_by = vec![desc(func("count", &[])), asc(field("transaction"))];
    let r = lower_events(q);
    assert_eq!(
        values(&r, "field"),
        [
            "p95(transaction.duration)",
            "transaction",
            "release",
            "count()"
        ]
    );
    assert_eq!(r.hidden, ["transaction", "release", "count()"]);
    assert_eq!(values(&r, "sort"), ["-count()", "transaction"]);
}

#[test]
fn group_by_without_aggregate_adds_hidden_count() {
    let mut q = events(vec![col(field("browser.name"))]);
    q.aggregate = true;
    q.group_by = vec![field_ref("browser.name")];
    let r = lower_events(q);
    assert_eq!(values(&r, "field"), ["browser.name", "count()"]);
    assert_eq!(r.hidden, ["count()"]);
}

#[test]
fn group_by_sorted_by_an_aggregate_needs_no_extra_count() {
    let mut q = events(vec![col(field("browser.name"))]);
    q.aggregate = true;
    q.group_by = vec![field_ref("browser.name")];
    q.order_by = vec![desc(func("count_unique", &["user"]))];
    let r = lower_events(q);
    assert_eq!(r.hidden, ["count_unique(user)"]);
}

#[test]
fn equations_are_fields_with_their_functions_hidden_and_sorted_as_equation_strings() {
    let e = bin(
        bin(
            Equation::Function(FunctionCall {
                args: vec![
                    FunctionArg {
                        text: "transaction.duration".into(),
                        kind: FunctionArgKind::Field(field_ref("transaction.duration")),
                    },
                    FunctionArg {
                        text: "greater".into(),
                        kind: FunctionArgKind::Word("greater".into()),
                    },
                    FunctionArg {
                        text: "300".into(),
                        kind: FunctionArgKind::Number(300.0),
                    },
                ],
                ..call("count_if", &[])
            }),
            EquationOp::Div,
            eq_fn("count", &[]),
        ),
        EquationOp::Mul,
        Equation::Number("100".into()),
    );
    let mut q = events(vec![
        col(field("transaction")),
        aliased(ColumnValue::Equation(e.clone()), "slow_pct"),
    ]);
    q.order_by = vec![desc(ColumnValue::Equation(e))];
    let r = lower_events(q);
    let eq = "equation|count_if(transaction.duration,greater,300) / count() * 100";
    assert_eq!(
        values(&r, "field"),
        [
            "transaction",
            eq,
            "count_if(transaction.duration,greater,300)",
            "count()"
        ]
    );
    assert_eq!(values(&r, "sort"), [format!("-{eq}").as_str()]);
    assert_eq!(r.hidden.len(), 2);
    assert_eq!(r.columns[1].label, "slow_pct");
}

#[test]
fn field_equation_sends_its_fields() {
    let e = bin(
        Equation::Field(field_ref("measurements.lcp")),
        EquationOp::Sub,
        Equation::Field(field_ref("measurements.fcp")),
    );
    let r = lower_events(events(vec![col(ColumnValue::Equation(e))]));
    assert_eq!(
        values(&r, "field"),
        [
            "equation|measurements.lcp - measurements.fcp",
            "measurements.lcp",
            "measurements.fcp"
        ]
    );
}

#[test]
fn duplicate_canonical_items_are_sent_once_and_shown_under_each_label() {
    let r = lower_events(events(vec![
        aliased(func("count", &[]), "a"),
        aliased(func("count", &[]), "b"),
    ]));
    assert_eq!(values(&r, "field"), ["count()"]);
    let cols: Vec<_> = r
        .columns
        .iter()
        .map(|c| (c.field.as_str(), c.label.as_str()))
        .collect();
    assert_eq!(cols, [("count()", "a"), ("count()", "b")]);
    assert!(r.hidden.is_empty());
}

#[test]
fn per_page_is_limit_capped_at_100() {
    for (limit, page) in [
        (Some(1), "1"),
        (Some(20), "20"),
        (Some(100), "100"),
        (Some(250), "100"),
        (None, "100"),
    ] {
        let mut q = events(vec![col(field("title"))]);
        q.limit = limit;
        let r = lower_events(q);
        assert_eq!(values(&r, "per_page"), [page], "{limit:?}");
        assert_eq!(r.limit, limit);
    }
}

#[test]
fn no_tiebreakers_when_one_page_suffices() {
    let mut q = events(vec![col(field("title"))]);
    q.limit = Some(100);
    let r = lower_events(q);
    assert!(values(&r, "sort").is_empty());
    assert!(r.hidden.is_empty());
}

#[test]
fn raw_events_over_several_pages_get_timestamp_and_id_tiebreakers() {
    let mut q = events(vec![col(field("title"))]);
    q.limit = Some(250);
    q.order_by = vec![asc(field("title"))];
    let r = lower_events(q);
    assert_eq!(values(&r, "sort"), ["title", "-timestamp", "id"]);
    assert_eq!(r.hidden, ["timestamp", "id"]);
}

#[test]
fn raw_events_already_sorted_by_timestamp_keep_their_direction() {
    let mut q = events(vec![col(field("title")), col(field("timestamp"))]);
    q.limit = Some(101);
    q.order_by = vec![asc(field("timestamp"))];
    let r = lower_events(q);
    assert_eq!(values(&r, "sort"), ["timestamp", "id"]);
    assert_eq!(r.hidden, ["id"]);
}

#[test]
fn aggregates_over_several_pages_are_ordered_by_their_group_fields() {
    // Implicit grouping: the plain select items.
    let mut q = events(vec![
        col(field("transaction")),
        col(func("count", &[])),
        col(field("release")),
    ]);
    q.limit = Some(500);
    q.order_by = vec![desc(func("count", &[])), asc(field("release"))];
    let r = lower_events(q);
    assert_eq!(values(&r, "sort"), ["-count()", "release", "transaction"]);
    assert!(r.hidden.is_empty());

    // Explicit GROUP BY, not selected.
    let mut q = events(vec![col(func("count", &[]))]);
    q.group_by = vec![field_ref("browser.name")];
    q.limit = Some(500);
    let r = lower_events(q);
    assert_eq!(values(&r, "sort"), ["browser.name"]);
    assert_eq!(r.hidden, ["browser.name"]);

    // A pure aggregate has one row: nothing to break.
    let mut q = events(vec![col(func("count", &[]))]);
    q.limit = Some(500);
    assert!(values(&lower_events(q), "sort").is_empty());
}

#[test]
fn more_than_twenty_fields_with_hidden_ones_is_an_error() {
    let cols: Vec<_> = (0..19)
        .map(|i| col(field(&format!("tags[t{i}]"))))
        .collect();
    let mut q = events(cols.clone());
    q.limit = Some(10);
    assert!(lower(&stmt(CheckedKind::Events(q.clone())), &opts()).is_ok());
    q.limit = Some(1000); // + timestamp, id
    let err = lower(&stmt(CheckedKind::Events(q)), &opts()).unwrap_err();
    assert_eq!(err[0].code, code(LowerCode::TooManyFields));
    assert!(err[0].message.contains("21"), "{}", err[0].message);
    assert!(err[0].help.as_deref().unwrap().contains("timestamp, id"));
    assert_eq!(err[0].span(), Span::new(0, 10));
}

#[test]
fn column_types_are_part_of_the_output_plan() {
    let mut c = col(func("p95", &["transaction.duration"]));
    c.ty = Some(FieldType::Duration(DurationUnit::Millisecond));
    let r = lower_events(events(vec![c, col(field("user"))]));
    assert_eq!(
        r.columns.iter().map(|c| c.ty).collect::<Vec<_>>(),
        [Some(FieldType::Duration(DurationUnit::Millisecond)), None]
    );
    // The request serializes as `dql compile --output json` prints it: columns by field and
    // label.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["columns"],
        json!([
            {"field": "p95(transaction.duration)", "label": "p95(transaction.duration)"},
            {"field": "user", "label": "user"}
        ])
    );
    assert!(json.get("update").is_none());
}

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

// ---- projects and environments ----

#[test]
fn projects_lower_to_slugs_ids_or_all() {
    for (projects, expected) in [
        (Projects::Default, vec![]),
        (Projects::All, vec![("project", "-1")]),
        (
            Projects::Ids(vec![42, 43]),
            vec![("project", "42"), ("project", "43")],
        ),
        (
            Projects::Slugs(vec!["web".into()]),
            vec![("projectSlug", "web")],
        ),
    ] {
        let mut q = events(vec![col(field("title"))]);
        q.projects = projects.clone();
        let r = lower_events(q);
        let got: Vec<_> = params(&r)
            .into_iter()
            .filter(|(k, _)| k.starts_with("project"))
            .collect();
        assert_eq!(got, expected, "{projects:?}");
    }
}

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

// ---- issues ----

fn issues_query() -> IssuesQuery {
    IssuesQuery {
        columns: vec![
            IssueColumn {
                field: "shortId".into(),
                label: "shortId".into(),
            },
            IssueColumn {
                field: "count".into(),
                label: "events".into(),
            },
        ],
        filter: None,
        sort: None,
        limit: None,
        time: TimeRange {
            since: None,
            until: None,
            span: Span::DUMMY,
        },
        projects: Projects::Default,
        environments: Vec::new(),
    }
}

#[test]
fn issues_send_an_empty_query_a_page_and_the_default_period() {
    let r = lower(&stmt(CheckedKind::Issues(issues_query())), &opts()).unwrap();
    assert_eq!(r.endpoint, Endpoint::Issues);
    assert_eq!(r.path, "/api/0/organizations/{org}/issues/");
    assert_eq!(
        params(&r),
        [("query", ""), ("limit", "100"), ("statsPeriod", "14d")]
    );
    let cols: Vec<_> = r
        .columns
        .iter()
        .map(|c| (c.field.as_str(), c.label.as_str()))
        .collect();
    assert_eq!(cols, [("shortId", "shortId"), ("count", "events")]);
}

#[test]
fn issues_sort_aliases_limit_and_projects() {
    for (sort, sent) in [
        ("date", "date"),
        ("lastSeen", "date"),
        ("firstSeen", "new"),
        ("count", "freq"),
        ("events", "freq"),
        ("users", "user"),
        ("trends", "trends"),
        ("recommended", "recommended"),
    ] {
        let mut q = issues_query();
        q.sort = Some(sort.into());
        q.limit = Some(250);
        q.projects = Projects::All;
        q.time.since = Some(TimePoint::Ago(period("7d")));
        let r = lower(&stmt(CheckedKind::Issues(q)), &opts()).unwrap();
        assert_eq!(
            params(&r),
            [
                ("query", ""),
                ("sort", sent),
                ("limit", "100"),
                ("statsPeriod", "7d"),
                ("project", "-1")
            ],
            "{sort}"
        );
        assert_eq!(r.limit, Some(250));
    }
    let mut q = issues_query();
    q.sort = Some("title".into());
    assert_eq!(
        lower_err(CheckedKind::Issues(q)),
        [code(LowerCode::UnknownIssueSort)]
    );
}

#[test]
fn show_event_uses_the_project_path_or_the_org_lookup() {
    let id = "0123456789abcdef0123456789abcdef";
    let mut o = opts();
    o.org = Some("acme".into());
    let r = lower(
        &stmt(CheckedKind::ShowEvent(ShowEventQuery {
            event_id: id.into(),
            project: Some("web".into()),
        })),
        &o,
    )
    .unwrap();
    assert_eq!(r.endpoint, Endpoint::ProjectEvent);
    assert_eq!(r.path, format!("/api/0/projects/acme/web/events/{id}/"));
    assert!(r.params.is_empty());

    let r = lower(
        &stmt(CheckedKind::ShowEvent(ShowEventQuery {
            event_id: id.into(),
            project: None,
        })),
        &opts(),
    )
    .unwrap();
    assert_eq!(r.endpoint, Endpoint::EventIdLookup);
    assert_eq!(
        r.path,
        format!("/api/0/organizations/{{org}}/eventids/{id}/")
    );

    for (event_id, project) in [(id, Some("a/b")), ("../x", None)] {
        let kind = CheckedKind::ShowEvent(ShowEventQuery {
            event_id: event_id.into(),
            project: project.map(Into::into),
        });
        assert_eq!(lower_err(kind), [code(LowerCode::BadPathSegment)]);
    }
}

fn update_query() -> UpdateIssuesQuery {
    UpdateIssuesQuery {
        assignments: vec![
            ("status".into(), json!("resolved")),
            ("assignedTo".into(), serde_json::Value::Null),
            ("isBookmarked".into(), json!(true)),
        ],
        filter: text_term("is", "unresolved"),
        limit: None,
        time: TimeRange {
            since: Some(TimePoint::Ago(period("24h"))),
            until: None,
            span: Span::DUMMY,
        },
        projects: Projects::Ids(vec![7]),
        environments: vec!["prod".into()],
    }
}

#[test]
fn update_lists_the_issues_then_plans_a_put_to_exactly_those_ids() {
    let r = lower(&stmt(CheckedKind::UpdateIssues(update_query())), &opts()).unwrap();
    // The request itself only reads.
    assert_eq!(r.method, Method::Get);
    assert_eq!(r.endpoint, Endpoint::Issues);
    assert_eq!(r.body, None);
    assert_eq!(r.limit, Some(1000));
    assert_eq!(
        params(&r),
        [
            ("query", "is:unresolved"),
            ("limit", "100"),
            ("statsPeriod", "24h"),
            ("project", "7"),
            ("environment", "prod")
        ]
    );
    let plan = r.update.as_ref().unwrap();
    assert_eq!(plan.method, Method::Put);
    assert_eq!(plan.path, "/api/0/organizations/{org}/issues/");
    assert_eq!(
        plan.body,
        json!({"status": "resolved", "assignedTo": "", "isBookmarked": true})
    );

    // The PUT's own scope: the statement's query, time range and environments, never its
    // listing size; the project comes from each listed issue.
    assert_eq!(
        plan.params,
        [
            ("query".to_owned(), "is:unresolved".to_owned()),
            ("statsPeriod".to_owned(), "24h".to_owned()),
            ("environment".to_owned(), "prod".to_owned()),
        ]
    );
    let issues: Vec<dql::lower::ListedIssue> = (1..=250)
        .map(|i| dql::lower::ListedIssue {
            id: i.to_string(),
            project: if i % 50 == 0 { "8" } else { "7" }.to_owned(),
        })
        .collect();
    let puts = plan.requests(r.name.as_deref(), &issues);
    // Project 7: 245 ids in 100 + 100 + 45; project 8: 5.
    assert_eq!(puts.len(), 4);
    assert!(
        puts.iter()
            .all(|p| p.method == Method::Put && p.endpoint == Endpoint::IssuesUpdate)
    );
    let ids = |p: &Request| dql::lower::UpdatePlan::ids_of(p);
    assert_eq!(
        puts.iter().map(|p| ids(p).len()).collect::<Vec<_>>(),
        [100, 100, 45, 5]
    );
    assert_eq!(puts[0].params[0], ("project".into(), "7".into()));
    assert_eq!(puts[3].params[0], ("project".into(), "8".into()));
    assert_eq!(ids(&puts[0])[0], "1");
    assert_eq!(ids(&puts[2])[44], "249");
    assert_eq!(ids(&puts[3]), ["50", "100", "150", "200", "250"]);
    // Each PUT's query narrows Sentry's fallback search to its own ids.
    assert_eq!(
        puts[3].params[1],
        (
            "query".into(),
            "issue.id:[50,100,150,200,250] is:unresolved".into()
        )
    );
    assert!(
        puts.iter()
            .all(|p| p.params.iter().filter(|(k, _)| k == "query").count() == 1)
    );
    assert_eq!(puts[1].body, Some(plan.body.clone()));
    assert!(plan.requests(None, &[]).is_empty(), "no ids, no PUT");

    let mut q = update_query();
    q.limit = Some(5);
    let r = lower(&stmt(CheckedKind::UpdateIssues(q)), &opts()).unwrap();
    assert_eq!(r.limit, Some(5));
    assert_eq!(values(&r, "limit"), ["5"]);
}

#[test]
fn lower_all_keeps_going_after_an_error() {
    let good = stmt(CheckedKind::Issues(issues_query()));
    let mut q = issues_query();
    q.sort = Some("nope".into());
    let bad = stmt(CheckedKind::Issues(q));
    let (requests, errors) = dql::lower::lower_all(&[good.clone(), bad, good], &opts());
    assert_eq!(requests.len(), 2);
    assert_eq!(errors.len(), 1);
}

#[test]
fn every_code_is_a_lower_code() {
    use dql::diagnostic::Code;
    for c in LowerCode::ALL {
        assert!(c.code().starts_with("dql::lower::"), "{}", c.code());
        assert!(!c.meaning().is_empty());
    }
}

// ---- the query param, through the filter printer ----

use dql::semantic::checked::filter::{
    AggregateKey, CompareOp, FilterKey, SearchKeyType, TextOp, TypedFilter, TypedKind, TypedTerm,
};
use dql::semantic::checked::key::{FieldKey, FieldKeyKind};
use dql::semantic::filter_typing::{self, KeyTypes, NoParams};
use dql::syntax::ast::Key;

fn term(key: FilterKey, kind: TypedKind) -> TypedFilter {
    TypedFilter::Term(TypedTerm {
        negated: false,
        key,
        kind,
        span: Span::DUMMY,
    })
}

fn key(name: &str) -> FilterKey {
    FilterKey::Field(FieldKey {
        kind: FieldKeyKind::Name(name.into()),
        span: Span::DUMMY,
    })
}

fn text_term(k: &str, v: &str) -> TypedFilter {
    term(
        key(k),
        TypedKind::Text {
            op: TextOp::Compare(CompareOp::Eq),
            value: v.into(),
        },
    )
}

fn agg_gt(name: &str, args: &[&str], value: f64) -> TypedFilter {
    term(
        FilterKey::Aggregate(AggregateKey {
            name: name.into(),
            args: args
                .iter()
                .map(|a| dql::semantic::checked::filter::AggregateArg::Value((*a).into()))
                .collect(),
        }),
        TypedKind::Numeric {
            op: CompareOp::Gt,
            value,
            exact: None,
        },
    )
}

#[test]
fn query_is_where_then_having_each_grouped_when_its_top_is_an_or() {
    let mut q = events(vec![col(field("transaction")), col(func("count", &[]))]);
    q.filter = TypedFilter::or(vec![
        text_term("level", "error"),
        text_term("level", "fatal"),
    ]);
    q.having = TypedFilter::and(vec![
        agg_gt("count", &[], 10.0),
        agg_gt("p95", &["transaction.duration"], 2.0),
    ]);
    let r = lower_events(q.clone());
    assert_eq!(
        values(&r, "query"),
        ["(level:error OR level:fatal) count():>10 p95(transaction.duration):>2"]
    );
    // HAVING's p95 is not selected: it is sent as a hidden field; count() is selected.
    assert_eq!(r.hidden, ["p95(transaction.duration)"]);
    let query_at = r.params.iter().position(|(k, _)| k == "query").unwrap();
    let per_page_at = r.params.iter().position(|(k, _)| k == "per_page").unwrap();
    let last_field = r.params.iter().rposition(|(k, _)| k == "field").unwrap();
    assert!(last_field < query_at && query_at < per_page_at);

    q.filter = Some(text_term("level", "error"));
    q.having = TypedFilter::or(vec![agg_gt("count", &[], 10.0), agg_gt("count", &[], 1.0)]);
    let r = lower_events(q);
    assert_eq!(
        values(&r, "query"),
        ["level:error (count():>10 OR count():>1)"]
    );
    assert!(r.hidden.is_empty());
}

#[test]
fn issue_queries_print_their_filter() {
    let mut q = issues_query();
    q.filter = TypedFilter::and(vec![
        text_term("is", "unresolved"),
        text_term("message", "a b"),
    ]);
    let r = lower(&stmt(CheckedKind::Issues(q)), &opts()).unwrap();
    assert_eq!(values(&r, "query"), ["is:unresolved message:\"a b\""]);
}

#[test]
fn an_inexpressible_value_is_a_lower_error() {
    let mut q = events(vec![col(field("title"))]);
    q.filter = Some(text_term("message", "ends in \\ and space\\"));
    let err = lower(&stmt(CheckedKind::Events(q)), &opts()).unwrap_err();
    assert!(err[0].code.starts_with("dql::lower::"), "{}", err[0].code);
}

struct Types;

impl KeyTypes for Types {
    fn key_type(&self, _key: &Key) -> Option<SearchKeyType> {
        None
    }
    fn function_result_type(&self, _key: &AggregateKey) -> Option<SearchKeyType> {
        Some(SearchKeyType::Number)
    }
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    /// Whatever a parameter is bound to, the request's `query` reads back as exactly the WHERE
    /// term holding that one value, then the HAVING term: the value changes neither the
    /// filter's shape nor HAVING's.
    #[test]
    fn a_bound_value_cannot_change_the_shape_of_the_query(
        v in proptest::prelude::any::<String>()
            .prop_filter("ends in a backslash: inexpressible", |s| !s.ends_with('\\')),
        extra in proptest::prop_oneof![
            proptest::strategy::Just(""),
            proptest::strategy::Just(" OR level:fatal"),
            proptest::strategy::Just(") count():>0 ("),
            proptest::strategy::Just("\" !has:user"),
        ],
    ) {
        let bound = format!("{v}{extra}");
        let mut q = events(vec![col(func("count", &[]))]);
        q.filter = Some(text_term("message", &bound));
        q.having = Some(agg_gt("count", &[], 5.0));
        let r = lower(&stmt(CheckedKind::Events(q)), &opts()).unwrap();
        let query = values(&r, "query")[0].to_owned();
        let (parsed, diagnostics) = dql::syntax::parse_search(&query);
        prop_assert!(diagnostics.iter().all(|d| !d.is_error()), "{query:?}");
        let (typed, diagnostics) = filter_typing::type_filter(&parsed.unwrap(), &Types, &NoParams);
        prop_assert!(diagnostics.iter().all(|d| !d.is_error()), "{query:?}");
        let Some(TypedFilter::And(items)) = typed.map(TypedFilter::without_spans) else {
            return Err(TestCaseError::fail(format!("not two terms: {query:?}")));
        };
        prop_assert_eq!(items.len(), 2, "{:?}", query);
        let TypedFilter::Term(t) = &items[0] else {
            return Err(TestCaseError::fail(format!("WHERE is not one term: {query:?}")));
        };
        let TypedKind::Text { op: TextOp::Compare(CompareOp::Eq), value } = &t.kind else {
            return Err(TestCaseError::fail(format!("not a text match: {query:?}")));
        };
        prop_assert!(!t.negated);
        prop_assert_eq!(&t.key, &key("message"));
        prop_assert_eq!(value, &bound, "{:?}", query);
        prop_assert_eq!(&items[1], &agg_gt("count", &[], 5.0), "{:?}", query);
    }
}
