//! Raw events and aggregates: fields, sorts, pages and the output plan.

use super::*;

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
