//! The checked form of a statement: names resolved against the catalog, types known, parameters
//! bound, aggregation decided. `lower` turns it into a request; the local engine evaluates it.
//!
//! Nothing here refers to source text except spans kept for later diagnostics (a Sentry 400
//! pointing back at a clause), and nothing here is Sentry-request-shaped: hidden fields,
//! tiebreakers and parameter names are the lowering stage's business.

pub mod filter;
pub mod key;

use super::field_type::FieldType;
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use filter::TypedFilter;
use serde::Serialize;

/// The result of checking a file.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    /// One entry per statement without errors, in source order.
    pub statements: Vec<CheckedStatement>,
    /// Every problem found, errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// A statement that passed checking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckedStatement {
    /// `-- @name`.
    pub name: Option<String>,
    /// `-- @description`.
    pub description: Option<String>,
    /// The statement's span in the source.
    pub span: Span,
    /// What it asks for.
    pub kind: CheckedKind,
}

/// The kinds of checked statement.
#[allow(
    clippy::large_enum_variant,
    reason = "a handful per file; boxing would only add noise for the stages that match on it"
)]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CheckedKind {
    /// A SELECT over events (errors, transactions, discover, spans, logs): a table or a series.
    Events(EventsQuery),
    /// `SELECT … FROM issues`.
    Issues(IssuesQuery),
    /// `SHOW EVENT id [PROJECT slug]`.
    ShowEvent(ShowEventQuery),
    /// `UPDATE issues SET … WHERE …`.
    UpdateIssues(UpdateIssuesQuery),
}

/// A SELECT over an events dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventsQuery {
    /// The dataset name as Sentry spells it (`errors`, `transactions`, `discover`, `spans`,
    /// `logs`); `errors` when FROM is absent.
    pub dataset: String,
    /// The visible columns in select-list order, `*` expanded, DISTINCT applied.
    pub columns: Vec<Column>,
    /// An aggregate query: the select list has an aggregate, or there is GROUP BY/DISTINCT.
    pub aggregate: bool,
    /// Explicit grouping fields (GROUP BY items and DISTINCT columns), positions and aliases
    /// resolved. Empty with implicit grouping (aggregates and plain fields, no GROUP BY).
    pub group_by: Vec<FieldRef>,
    /// WHERE, typed, parameters bound, NOT pushed to the leaves.
    pub filter: Option<TypedFilter>,
    /// HAVING, typed; aliases resolved to the functions they name.
    pub having: Option<TypedFilter>,
    /// ORDER BY, positions and aliases resolved.
    pub order_by: Vec<SortKey>,
    /// LIMIT (≥ 1); `None` means one page (or every row, with `all`).
    pub limit: Option<u64>,
    /// `LIMIT ALL`: every matching row (then `limit` is `None`).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub all: bool,
    /// SINCE / UNTIL.
    pub time: TimeRange,
    /// PROJECT.
    pub projects: Projects,
    /// ENVIRONMENT names.
    pub environments: Vec<String>,
    /// INTERVAL: the query is a time series (events-stats).
    pub interval: Option<Period>,
    /// SAMPLING: how Sentry is to sample; `None` leaves Sentry's default.
    pub sampling: Option<Sampling>,
    /// COMPARE TO: the same query over the range moved back by this period, beside it.
    pub compare: Option<Period>,
}

/// `SAMPLING exact|normal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Sampling {
    /// Every stored sample is read and aggregates are not extrapolated: counts of what
    /// Sentry stored, slower.
    Exact,
    /// Sentry's default: sampled storage where a query is large, aggregates extrapolated.
    Normal,
}

/// An output column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// What it computes.
    pub value: ColumnValue,
    /// The header: the alias, else the canonical spelling of the value.
    pub label: String,
    /// Its type, when the catalog knows it (tags are strings).
    pub ty: Option<FieldType>,
    /// Where the select item was written (for `*`, the star).
    pub span: Span,
}

/// What a column, sort key or grouping computes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ColumnValue {
    /// A field or tag.
    Field(FieldRef),
    /// A function call (aggregate or not).
    Function(FunctionCall),
    /// Arithmetic over functions (an aggregate equation) or over fields (a field equation).
    Equation(Equation),
}

impl ColumnValue {
    /// The one canonical spelling Sentry receives and echoes as the response key:
    /// `user`, `tags[x,number]`, `count_if(transaction.duration,greater,300)`,
    /// `equation|count() / 2`.
    pub fn canonical(&self) -> String {
        match self {
            ColumnValue::Field(f) => f.name.clone(),
            ColumnValue::Function(c) => c.canonical(),
            ColumnValue::Equation(e) => format!("equation|{}", e.canonical()),
        }
    }

    /// Whether it aggregates (an aggregate function or an aggregate equation).
    pub fn is_aggregate(&self) -> bool {
        match self {
            ColumnValue::Field(_) => false,
            ColumnValue::Function(c) => c.aggregate,
            ColumnValue::Equation(e) => e.is_aggregate(),
        }
    }
}

/// A field or tag, as Sentry spells it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct FieldRef {
    /// `transaction.duration`, `browser.name` (an unknown name is a tag), `tags[x]`,
    /// `tags[x,number]`.
    pub name: String,
    /// The catalog type; `None` for a plain tag (text).
    pub ty: Option<FieldType>,
    /// An array field (`error.type`, `stack.*`): a condition matches when any element does.
    pub array: bool,
}

/// A resolved function call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionCall {
    /// The catalog name, lower-case (`count_unique`, `p95`).
    pub name: String,
    /// The arguments as written (defaults not filled in, so the canonical string stays what
    /// the user wrote).
    pub args: Vec<FunctionArg>,
    /// The catalog's default arguments filled in where omitted, for evaluation
    /// (`p95()` → `[transaction.duration]`).
    pub effective_args: Vec<FunctionArg>,
    /// Whether it is an aggregate.
    pub aggregate: bool,
    /// The result type, when known.
    pub ty: Option<FieldType>,
}

impl FunctionCall {
    /// `name(arg1,arg2)`: lower-case name, no spaces.
    pub fn canonical(&self) -> String {
        let args: Vec<&str> = self.args.iter().map(|a| a.text.as_str()).collect();
        format!("{}({})", self.name, args.join(","))
    }
}

/// A function argument, checked against the signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionArg {
    /// The canonical spelling inside the call (`transaction.duration`, `0.99`, `greater`,
    /// `"a,b"` quoted when it must be).
    pub text: String,
    /// What it is.
    pub kind: FunctionArgKind,
}

/// Kinds of function argument.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FunctionArgKind {
    /// A column or tag.
    Field(FieldRef),
    /// A number (thresholds, percentiles).
    Number(f64),
    /// An enumerated word (`greater`, `good`).
    Word(String),
    /// A free string value (`count_if`'s third argument on a text column).
    Text(String),
}

/// Arithmetic of a select item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Equation {
    /// A number literal, as written.
    Number(String),
    /// A function call.
    Function(FunctionCall),
    /// A field (field equations only).
    Field(FieldRef),
    /// `left op right`.
    Binary(Box<Equation>, EquationOp, Box<Equation>),
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EquationOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (division by zero gives null)
    Div,
}

impl Equation {
    /// Sentry's equation text: operands separated by ` op `, parentheses where precedence needs
    /// them, functions in canonical form (`count_if(transaction.duration,greater,300) / count() * 100`).
    pub fn canonical(&self) -> String {
        fn prec(op: EquationOp) -> u8 {
            match op {
                EquationOp::Add | EquationOp::Sub => 1,
                EquationOp::Mul | EquationOp::Div => 2,
            }
        }
        fn go(e: &Equation, out: &mut String) {
            match e {
                Equation::Number(n) => out.push_str(n),
                Equation::Function(c) => out.push_str(&c.canonical()),
                Equation::Field(f) => out.push_str(&f.name),
                Equation::Binary(l, op, r) => {
                    let wrap = |x: &Equation, strict: bool, out: &mut String| {
                        let needs = matches!(x, Equation::Binary(_, inner, _)
                            if prec(*inner) < prec(*op) || (strict && prec(*inner) == prec(*op)));
                        if needs {
                            out.push('(');
                        }
                        go(x, out);
                        if needs {
                            out.push(')');
                        }
                    };
                    wrap(l, false, out);
                    out.push_str(match op {
                        EquationOp::Add => " + ",
                        EquationOp::Sub => " - ",
                        EquationOp::Mul => " * ",
                        EquationOp::Div => " / ",
                    });
                    wrap(r, true, out);
                }
            }
        }
        let mut out = String::new();
        go(self, &mut out);
        out
    }

    /// Whether it is an aggregate equation (holds a function).
    pub fn is_aggregate(&self) -> bool {
        match self {
            Equation::Number(_) | Equation::Field(_) => false,
            Equation::Function(_) => true,
            Equation::Binary(l, _, r) => l.is_aggregate() || r.is_aggregate(),
        }
    }

    /// The functions it uses, in order of appearance.
    pub fn functions(&self) -> Vec<&FunctionCall> {
        match self {
            Equation::Number(_) | Equation::Field(_) => Vec::new(),
            Equation::Function(c) => vec![c],
            Equation::Binary(l, _, r) => {
                let mut v = l.functions();
                v.extend(r.functions());
                v
            }
        }
    }
}

/// A sort key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SortKey {
    /// What to sort by.
    pub value: ColumnValue,
    /// Descending.
    pub descending: bool,
}

/// SINCE / UNTIL as written, resolved against "now" only when lowering or evaluating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeRange {
    /// The start; `None` means Sentry's window of the last 14 days, sent explicitly.
    pub since: Option<TimePoint>,
    /// The end; `None` means now.
    pub until: Option<TimePoint>,
    /// The SINCE clause, for diagnostics found once "now" is known; empty without one.
    pub span: Span,
}

/// A point in time of SINCE or UNTIL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TimePoint {
    /// A period before now (`24h`).
    Ago(Period),
    /// An instant, UTC.
    At(jiff::Timestamp),
    /// A whole day (`2026-11-01`): its start for SINCE, the next day's start for UNTIL.
    Day(jiff::civil::Date),
}

/// A period `\d+[smhdw]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// Its length in seconds.
    pub seconds: u64,
    /// As written, normalised (`24h`, `7d`).
    pub text: String,
}

/// PROJECT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Projects {
    /// No PROJECT clause: the projects the user is a member of (nothing is sent).
    Default,
    /// `PROJECT ALL`.
    All,
    /// Slugs.
    Slugs(Vec<String>),
    /// Numeric ids.
    Ids(Vec<u64>),
}

/// `SELECT … FROM issues`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssuesQuery {
    /// Issue columns in select-list order (`*` expanded).
    pub columns: Vec<IssueColumn>,
    /// WHERE: issue search, juxtaposition only.
    pub filter: Option<TypedFilter>,
    /// One of `date new freq user trends inbox recommended`, when ORDER BY is given.
    pub sort: Option<String>,
    /// LIMIT.
    pub limit: Option<u64>,
    /// SINCE / UNTIL.
    pub time: TimeRange,
    /// PROJECT.
    pub projects: Projects,
    /// ENVIRONMENT.
    pub environments: Vec<String>,
}

/// An issue column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueColumn {
    /// The key in the issues response (`shortId`, `count`, `project` …).
    pub field: String,
    /// The header.
    pub label: String,
}

/// `SHOW EVENT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowEventQuery {
    /// 32 lower-case hex digits.
    pub event_id: String,
    /// The project slug, when given (`PROJECT slug` or `'slug:id'`).
    pub project: Option<String>,
}

/// `UPDATE issues`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateIssuesQuery {
    /// The attributes to set, with JSON values (`"status": "resolved"`, `"isBookmarked": true`).
    pub assignments: Vec<(String, serde_json::Value)>,
    /// Which issues (mandatory WHERE).
    pub filter: TypedFilter,
    /// LIMIT.
    pub limit: Option<u64>,
    /// SINCE / UNTIL.
    pub time: TimeRange,
    /// PROJECT.
    pub projects: Projects,
    /// ENVIRONMENT.
    pub environments: Vec<String>,
}
