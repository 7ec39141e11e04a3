//! Compile throughput over about 1 MB of realistic queries (the examples and test cases,
//! repeated): parse, then lower one checked statement per parsed statement. Target: 10 MB/s
//! on one core. Until the checker lands, the checked statements are built here (a realistic
//! mix of table, series, issues and single-event queries), so checking is not yet measured.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "bench code: a failed expectation is a bench failure"
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dql::lower::{Options, lower};
use dql::semantic::checked::*;
use dql::span::Span;
use std::hint::black_box;

/// The example and case queries repeated to at least 1 MB, as one file.
fn corpus() -> String {
    let mut pieces = Vec::new();
    for dir in ["examples", "tests/cases"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .expect("run from the crate root")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "dql"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).expect("readable");
            pieces.push(text.trim_end().trim_end_matches(';').to_string());
        }
    }
    let mut out = String::new();
    while out.len() < 1 << 20 {
        for piece in &pieces {
            out.push_str(piece);
            out.push_str(";\n");
        }
    }
    out
}

fn field(name: &str) -> FieldRef {
    FieldRef {
        name: name.into(),
        ty: None,
        array: false,
    }
}

fn call(name: &str, args: &[&str]) -> FunctionCall {
    let args: Vec<FunctionArg> = args
        .iter()
        .map(|a| FunctionArg {
            text: (*a).into(),
            kind: FunctionArgKind::Field(field(a)),
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

fn col(value: ColumnValue, label: &str) -> Column {
    Column {
        value,
        label: label.into(),
        ty: None,
        span: Span::DUMMY,
    }
}

fn period(text: &str, seconds: u64) -> Period {
    Period {
        seconds,
        text: text.into(),
    }
}

/// A mix of statements shaped like the corpus: grouped tables with equations and tiebreakers,
/// raw events, a top-n series, issues, SHOW EVENT.
fn checked_mix() -> Vec<CheckedStatement> {
    let ratio = Equation::Binary(
        Box::new(Equation::Function(call(
            "count_if",
            &["transaction.duration", "greater", "300"],
        ))),
        EquationOp::Div,
        Box::new(Equation::Function(call("count", &[]))),
    );
    let table = EventsQuery {
        dataset: "transactions".into(),
        columns: vec![
            col(ColumnValue::Field(field("transaction")), "transaction"),
            col(ColumnValue::Function(call("count", &[])), "n"),
            col(
                ColumnValue::Function(call("p95", &["transaction.duration"])),
                "p95",
            ),
            col(ColumnValue::Equation(ratio), "slow"),
        ],
        aggregate: true,
        group_by: vec![field("transaction")],
        filter: None,
        having: None,
        order_by: vec![SortKey {
            value: ColumnValue::Function(call("count", &[])),
            descending: true,
        }],
        limit: Some(500),
        time: TimeRange {
            since: Some(TimePoint::Ago(period("24h", 86_400))),
            until: None,
        },
        projects: Projects::Slugs(vec!["web".into(), "api".into()]),
        environments: vec!["production".into()],
        interval: None,
    };
    let raw = EventsQuery {
        dataset: "errors".into(),
        columns: [
            "id",
            "title",
            "project",
            "level",
            "user.display",
            "timestamp",
        ]
        .iter()
        .map(|f| col(ColumnValue::Field(field(f)), f))
        .collect(),
        aggregate: false,
        group_by: Vec::new(),
        order_by: Vec::new(),
        limit: Some(50),
        time: TimeRange {
            since: Some(TimePoint::Day(jiff::civil::date(2026, 11, 1))),
            until: Some(TimePoint::Day(jiff::civil::date(2026, 11, 2))),
        },
        projects: Projects::Default,
        environments: Vec::new(),
        ..table.clone()
    };
    let series = EventsQuery {
        columns: vec![col(ColumnValue::Function(call("count", &[])), "n")],
        limit: Some(5),
        order_by: Vec::new(),
        interval: Some(period("1h", 3600)),
        ..table.clone()
    };
    let issues = IssuesQuery {
        columns: [
            "shortId",
            "title",
            "status",
            "count",
            "userCount",
            "lastSeen",
        ]
        .iter()
        .map(|f| IssueColumn {
            field: (*f).into(),
            label: (*f).into(),
        })
        .collect(),
        filter: None,
        sort: Some("freq".into()),
        limit: Some(20),
        time: TimeRange {
            since: Some(TimePoint::Ago(period("7d", 604_800))),
            until: None,
        },
        projects: Projects::All,
        environments: Vec::new(),
    };
    let show = ShowEventQuery {
        event_id: "0123456789abcdef0123456789abcdef".into(),
        project: Some("web".into()),
    };
    [
        CheckedKind::Events(table),
        CheckedKind::Events(raw),
        CheckedKind::Events(series),
        CheckedKind::Issues(issues),
        CheckedKind::ShowEvent(show),
    ]
    .into_iter()
    .map(|kind| CheckedStatement {
        name: Some("q".into()),
        description: None,
        span: Span::DUMMY,
        kind,
    })
    .collect()
}

fn bench_compile(c: &mut Criterion) {
    let text = corpus();
    let source = dql::Source::new("bench.dql", text.clone());
    let n_statements = dql::syntax::parse(&source).file.statements.len();
    let mix = checked_mix();
    let checked: Vec<CheckedStatement> = mix.iter().cycle().take(n_statements).cloned().collect();
    let options = Options::new("2026-11-26T10:00:00Z".parse().unwrap());
    for stmt in &mix {
        lower(stmt, &options).expect("the bench mix lowers");
    }

    let mut group = c.benchmark_group("compile");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(20);
    group.bench_function("parse+lower 1MB", |b| {
        b.iter(|| {
            let parsed = dql::syntax::parse(black_box(&source));
            let requests: Vec<_> = checked.iter().map(|s| lower(s, &options)).collect();
            black_box((parsed, requests))
        })
    });
    group.bench_function("lower only (same statement count)", |b| {
        b.iter(|| {
            let requests: Vec<_> = black_box(&checked)
                .iter()
                .map(|s| lower(s, &options))
                .collect();
            black_box(requests)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_compile);
criterion_main!(benches);
