//! Lowering rules (language.md §§3–11): checked statements built directly, requests compared
//! param by param.

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

mod events;
mod issues;
mod projects;
mod query;
mod series;
mod time;

fn code(c: LowerCode) -> &'static str {
    use dql::diagnostic::Code;
    c.code()
}
