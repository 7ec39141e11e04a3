//! The evaluator of SELECT over events: the plan (which fields to project, which aggregates
//! to keep), the per-event base filter (time range, dataset, projects, environments), WHERE,
//! grouping, HAVING, equations, ORDER BY with a deterministic tiebreak, and LIMIT.
//!
//! Decisions (see also the README section "Offline: the local engine"):
//! - The time range is `[start, end)` as lowering resolves SINCE/UNTIL against "now".
//! - Without ORDER BY, raw events come newest first (Discover's default), aggregate rows in
//!   ascending order of their group values. Every sort ends with a tiebreak that makes the
//!   order total: for raw events `-timestamp`, `id`, then input position; for groups the group
//!   values. Missing values sort last in either direction (ClickHouse's default).
//! - Without LIMIT one page (100 rows) is returned, as the HTTP client fetches; `has_more`
//!   says when more rows exist.
//! - An aggregate query without grouping answers one row even over no events (`count()` 0).
//! - Equations compute in floating point; a division by zero is null.

use super::aggregate::{Accumulator, AggregateFn, FinishContext};
use super::codes::EvalCode;
use super::fields::{Projection, Value};
use super::filter::{self, Compiled, Resolver, Slot, Unsupported};
use super::group::{GroupTable, parallel_scan};
use super::{EventFiles, LocalResult, RunError, RunOptions};
use crate::diagnostic::Diagnostic;
use crate::result::{Meta, ResultSet, Row};
use crate::semantic::Catalog;
use crate::semantic::checked::{
    ColumnValue, Equation, EquationOp, EventsQuery, FunctionArgKind, FunctionCall, Projects,
};
use crate::semantic::typed::{AggregateArg, AggregateKey, TypedFilter};
use crate::semantic::types::FieldType;
use crate::span::Span;
use std::cmp::Ordering;
use std::collections::HashMap;

/// Sentry's page size: rows returned without LIMIT.
pub(crate) const DEFAULT_ROWS: u64 = 100;

/// A refusal diagnostic.
pub(crate) fn refuse(span: Span, message: impl Into<String>) -> Box<Diagnostic> {
    Box::new(refusal(span, message))
}

/// A refusal diagnostic, unboxed (to add to).
pub(crate) fn refusal(span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(EvalCode::NotSupportedLocally, span, message).help(
        "the local engine refuses what it cannot compute exactly; run the query against Sentry (without --events)",
    )
}

pub(crate) fn refuse_unsupported(u: Unsupported) -> Box<Diagnostic> {
    refuse(
        u.span,
        format!("{} cannot be evaluated by the local engine", u.what),
    )
}

/// What an aggregate reads per event.
#[derive(Debug, Clone)]
pub(crate) enum Input {
    /// Nothing (`count()`).
    None,
    /// A projected field.
    Field(usize),
    /// `count_if(field, condition, value)`: the predicate's truth.
    CountIf {
        field: usize,
        condition: String,
        value: String,
    },
}

/// One aggregate to compute per group.
#[derive(Debug, Clone)]
pub(crate) struct AggSpec {
    pub(crate) function: AggregateFn,
    pub(crate) input: Input,
    /// `epm(60)`: the interval given instead of the query range.
    pub(crate) range_override: Option<f64>,
}

/// An argument of an aggregate, whichever way it was written.
enum Arg {
    Field(String),
    Number(f64),
    Text(String),
}

/// Collects the projection and the aggregates of a plan.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    names: Vec<String>,
    index: HashMap<String, usize>,
    pub(crate) aggs: Vec<AggSpec>,
    agg_index: HashMap<String, usize>,
    /// The dataset whose functions apply; a trace-item dataset reads flat rows.
    dataset: Option<String>,
}

/// The trace-item datasets the engine reads (flat rows; see [`Projection::flat_rows`]).
pub(crate) fn flat_dataset(dataset: &str) -> bool {
    matches!(dataset, "spans" | "logs")
}

impl Builder {
    /// The projection index of `name`, added when new.
    pub(crate) fn field(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), self.names.len() - 1);
        self.names.len() - 1
    }

    pub(crate) fn projection(&self) -> Projection {
        match self.dataset.as_deref() {
            Some(dataset) if flat_dataset(dataset) => Projection::flat_rows(&self.names),
            _ => Projection::new(&self.names),
        }
    }

    /// Refuses a field the engine cannot read from a payload as Sentry reads it
    /// ([`super::fields::UNREADABLE`]), rather than answering it blank.
    pub(crate) fn check_readable(&self, span: Span) -> Result<(), Box<Diagnostic>> {
        match self.names.iter().find(|n| super::fields::unreadable(n)) {
            Some(name) => Err(refuse(
                span,
                format!("`{name}` is not in the event payload as Sentry reads it"),
            )),
            None => Ok(()),
        }
    }

    /// The index of the aggregate `call` computes, added when new.
    pub(crate) fn call(
        &mut self,
        call: &FunctionCall,
        span: Span,
    ) -> Result<usize, Box<Diagnostic>> {
        let key = call.canonical();
        if let Some(&i) = self.agg_index.get(&key) {
            return Ok(i);
        }
        let args = call
            .effective_args
            .iter()
            .map(|a| match &a.kind {
                FunctionArgKind::Field(f) => Arg::Field(f.name.clone()),
                FunctionArgKind::Number(n) => Arg::Number(*n),
                FunctionArgKind::Word(w) | FunctionArgKind::Text(w) => Arg::Text(w.clone()),
            })
            .collect();
        let spec = self.spec(&call.name, args, span)?;
        self.aggs.push(spec);
        self.agg_index.insert(key, self.aggs.len() - 1);
        Ok(self.aggs.len() - 1)
    }

    /// The index of the aggregate a HAVING key names, added when new.
    pub(crate) fn key(&mut self, key: &AggregateKey, span: Span) -> Result<usize, Box<Diagnostic>> {
        let canonical = key.to_string();
        if let Some(&i) = self.agg_index.get(&canonical) {
            return Ok(i);
        }
        let name = key.name.to_ascii_lowercase();
        let info = Catalog::builtin().function(&name);
        let mut args = Vec::new();
        for (i, arg) in key.args.iter().enumerate() {
            let spec = info.and_then(|f| f.args.get(i));
            let text = match arg {
                AggregateArg::Value(v) | AggregateArg::Quoted(v) => v.clone(),
                AggregateArg::Key(k) => filter::key_name(k).map_err(|what| {
                    refuse(span, format!("{what} cannot be read by the local engine"))
                })?,
            };
            args.push(match spec.map(|s| &s.kind) {
                Some(k) if k.is_column() => Arg::Field(text),
                Some(crate::semantic::catalog::ArgKind::Number { .. }) => Arg::Number(
                    text.parse()
                        .map_err(|_| refuse(span, format!("`{text}` is not a number")))?,
                ),
                _ => Arg::Text(text),
            });
        }
        // Defaults the checker fills for select items (`p95()` reads transaction.duration).
        if let Some(info) = info {
            for spec in info.args.iter().skip(args.len()) {
                match (&spec.default, &spec.kind) {
                    (Some(d), k) if k.is_column() => args.push(Arg::Field(d.clone())),
                    (Some(d), crate::semantic::catalog::ArgKind::Number { .. }) => {
                        if let Ok(n) = d.parse() {
                            args.push(Arg::Number(n));
                        }
                    }
                    _ => {}
                }
            }
        }
        let spec = self.spec(&name, args, span)?;
        self.aggs.push(spec);
        self.agg_index.insert(canonical, self.aggs.len() - 1);
        Ok(self.aggs.len() - 1)
    }

    fn spec(&mut self, name: &str, args: Vec<Arg>, span: Span) -> Result<AggSpec, Box<Diagnostic>> {
        let catalog = Catalog::builtin();
        let dataset = self.dataset.as_deref().unwrap_or("errors");
        let local = catalog.function_in(dataset, name).is_some_and(|f| {
            f.local
                || f.alias_of
                    .as_deref()
                    .and_then(|a| catalog.function(a))
                    .is_some_and(|a| a.local)
        });
        let number = args.iter().find_map(|a| match a {
            Arg::Number(n) => Some(*n),
            _ => None,
        });
        let function = AggregateFn::named(name, number)
            .filter(|_| local)
            .ok_or_else(|| {
                refuse(
                    span,
                    format!("`{name}()` cannot be computed by the local engine"),
                )
            })?;
        let field = args.iter().find_map(|a| match a {
            Arg::Field(f) => Some(f.clone()),
            _ => None,
        });
        let input = match function {
            AggregateFn::Count | AggregateFn::Epm | AggregateFn::Eps => Input::None,
            AggregateFn::CountIf => {
                let texts: Vec<&str> = args
                    .iter()
                    .filter_map(|a| match a {
                        Arg::Text(t) => Some(t.as_str()),
                        _ => None,
                    })
                    .collect();
                let number_text = number.map(|n| n.to_string());
                let (condition, value) = match (texts.as_slice(), number_text) {
                    ([c, v, ..], _) => ((*c).to_owned(), (*v).to_owned()),
                    ([c], Some(n)) => ((*c).to_owned(), n),
                    _ => {
                        return Err(refuse(
                            span,
                            "`count_if` needs a column, a condition and a value",
                        ));
                    }
                };
                let field = field.ok_or_else(|| refuse(span, "`count_if` needs a column"))?;
                Input::CountIf {
                    field: self.field(&field),
                    condition,
                    value,
                }
            }
            _ => match field.as_deref().or(function.implicit_input()) {
                Some(f) => Input::Field(self.field(f)),
                None => return Err(refuse(span, format!("`{name}()` needs a column"))),
            },
        };
        let range_override = match function {
            AggregateFn::Epm | AggregateFn::Eps => number,
            _ => None,
        };
        Ok(AggSpec {
            function,
            input,
            range_override,
        })
    }
}

impl AggSpec {
    /// Feeds one event to `acc`.
    pub(crate) fn update(&self, acc: &mut Accumulator, values: &[Value<'_>]) {
        match &self.input {
            Input::None => acc.update(&Value::Null),
            Input::Field(i) => acc.update(values.get(*i).unwrap_or(&Value::Null)),
            Input::CountIf {
                field,
                condition,
                value,
            } => {
                let v = values.get(*field).unwrap_or(&Value::Null);
                acc.update(&Value::Bool(count_if_holds(v, condition, value)));
            }
        }
    }

    /// The result of `acc` for a range of `range_seconds`.
    pub(crate) fn finish(&self, acc: &mut Accumulator, range_seconds: f64) -> Value<'static> {
        acc.finish(&FinishContext {
            range_seconds: Some(self.range_override.unwrap_or(range_seconds)),
        })
    }
}

fn count_if_holds(v: &Value<'_>, condition: &str, value: &str) -> bool {
    let ordering = match (v.as_f64(), value.trim().parse::<f64>()) {
        (Some(x), Ok(y)) if !matches!(v, Value::Timestamp(_)) => x.total_cmp(&y),
        _ => match (v, super::fields::parse_timestamp(value)) {
            (Value::Timestamp(t), Some(u)) => t.cmp(&u),
            _ => v.as_text().as_ref().cmp(value),
        },
    };
    match condition {
        "equals" => ordering == Ordering::Equal,
        "notEquals" => ordering != Ordering::Equal,
        "less" => ordering == Ordering::Less,
        "greater" => ordering == Ordering::Greater,
        "lessOrEquals" => ordering != Ordering::Greater,
        "greaterOrEquals" => ordering != Ordering::Less,
        _ => false,
    }
}

/// Fresh accumulators for `aggs`.
pub(crate) fn new_accs(aggs: &[AggSpec]) -> Vec<Accumulator> {
    aggs.iter().map(|a| Accumulator::new(a.function)).collect()
}

/// Merges accumulator lists position by position.
pub(crate) fn merge_accs(into: &mut [Accumulator], from: Vec<Accumulator>) {
    for (a, b) in into.iter_mut().zip(from) {
        a.merge(b);
    }
}

/// The filter every event passes first: time range, dataset, projects, environments.
#[derive(Debug, Clone)]
pub(crate) struct Base {
    ts: usize,
    start_ms: i64,
    end_ms: i64,
    /// `event.type` and whether transactions are wanted (`None`: both).
    kind: Option<(usize, bool)>,
    projects: Option<(usize, Vec<Value<'static>>)>,
    environments: Option<(usize, Vec<String>)>,
}

impl Base {
    pub(crate) fn new(
        b: &mut Builder,
        dataset: Option<&str>,
        projects: &Projects,
        environments: &[String],
        (start_ms, end_ms): (i64, i64),
    ) -> Base {
        b.dataset = dataset.map(str::to_owned);
        let kind = match dataset {
            Some("errors") => Some((b.field("event.type"), false)),
            Some("transactions") => Some((b.field("event.type"), true)),
            _ => None,
        };
        let projects = match projects {
            Projects::Default | Projects::All => None,
            Projects::Slugs(slugs) => Some((
                b.field("project"),
                slugs.iter().map(|s| Value::Str(s.clone().into())).collect(),
            )),
            Projects::Ids(ids) => Some((
                b.field("project.id"),
                ids.iter()
                    .map(|i| Value::Int(i64::try_from(*i).unwrap_or(i64::MAX)))
                    .collect(),
            )),
        };
        let environments =
            (!environments.is_empty()).then(|| (b.field("environment"), environments.to_vec()));
        Base {
            ts: b.field("timestamp"),
            start_ms,
            end_ms,
            kind,
            projects,
            environments,
        }
    }

    pub(crate) fn passes(&self, values: &[Value<'_>]) -> bool {
        let in_range = matches!(values.get(self.ts), Some(Value::Timestamp(t))
            if *t >= self.start_ms && *t < self.end_ms);
        if !in_range {
            return false;
        }
        if let Some((i, want_transactions)) = self.kind {
            let is_transaction =
                matches!(values.get(i), Some(Value::Str(t)) if t.as_ref() == "transaction");
            if is_transaction != want_transactions {
                return false;
            }
        }
        if let Some((i, wanted)) = &self.projects {
            let v = values.get(*i).unwrap_or(&Value::Null);
            let hit = match v {
                Value::Str(s) => wanted.iter().any(|w| w.as_text() == s.as_ref()),
                other => wanted.iter().any(|w| w == other),
            };
            if !hit {
                return false;
            }
        }
        if let Some((i, wanted)) = &self.environments {
            let v = values.get(*i).map(Value::as_text).unwrap_or_default();
            if !wanted.iter().any(|w| *w == v) {
                return false;
            }
        }
        true
    }

    pub(crate) fn timestamp(&self, values: &[Value<'_>]) -> Option<i64> {
        match values.get(self.ts) {
            Some(Value::Timestamp(t)) => Some(*t),
            _ => None,
        }
    }
}

/// Field resolution for WHERE: any field, projected.
pub(crate) struct WhereResolver<'b> {
    pub(crate) builder: &'b mut Builder,
}

impl Resolver for WhereResolver<'_> {
    fn field(&mut self, name: &str, _span: Span) -> Result<Slot, Unsupported> {
        Ok(Slot::Field(self.builder.field(name)))
    }
    fn searches_message(&self) -> bool {
        !self.builder.dataset.as_deref().is_some_and(flat_dataset)
    }
    fn aggregate(&mut self, key: &AggregateKey, span: Span) -> Result<Slot, Unsupported> {
        Err(Unsupported {
            what: format!("the aggregate condition on `{key}` in a raw-events query"),
            span,
        })
    }
}

/// Field resolution for HAVING: aggregates, and the group fields by their key position.
struct HavingResolver<'b> {
    builder: &'b mut Builder,
    group: &'b [String],
    error: Option<Box<Diagnostic>>,
}

impl Resolver for HavingResolver<'_> {
    fn field(&mut self, name: &str, span: Span) -> Result<Slot, Unsupported> {
        match self.group.iter().position(|g| g == name) {
            Some(i) => Ok(Slot::Field(i)),
            None => Err(Unsupported {
                what: format!("a HAVING condition on `{name}`, which is not a group field,"),
                span,
            }),
        }
    }
    fn aggregate(&mut self, key: &AggregateKey, span: Span) -> Result<Slot, Unsupported> {
        match self.builder.key(key, span) {
            Ok(i) => Ok(Slot::Aggregate(i)),
            Err(d) => {
                let what = format!("`{key}`");
                self.error = Some(d);
                Err(Unsupported { what, span })
            }
        }
    }
}

/// Compiles HAVING (and the aggregate part of WHERE) over group values and aggregates.
pub(crate) fn compile_having(
    having: &TypedFilter,
    builder: &mut Builder,
    group: &[String],
) -> Result<Compiled, Box<Diagnostic>> {
    let mut resolver = HavingResolver {
        builder,
        group,
        error: None,
    };
    let compiled = filter::compile(having, 0, &mut resolver);
    match (compiled, resolver.error) {
        (Ok(c), _) => Ok(c),
        (Err(_), Some(d)) => Err(d),
        (Err(u), None) => Err(refuse_unsupported(u)),
    }
}

/// Arithmetic over aggregates or fields.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Number(f64),
    Field(usize),
    Aggregate(usize),
    Binary(Box<Expr>, EquationOp, Box<Expr>),
}

impl Expr {
    pub(crate) fn eval(&self, fields: &[Value<'_>], aggs: &[Value<'_>]) -> Option<f64> {
        match self {
            Expr::Number(n) => Some(*n),
            Expr::Field(i) => fields.get(*i).and_then(number),
            Expr::Aggregate(i) => aggs.get(*i).and_then(number),
            Expr::Binary(l, op, r) => {
                let (a, b) = (l.eval(fields, aggs)?, r.eval(fields, aggs)?);
                match op {
                    EquationOp::Add => Some(a + b),
                    EquationOp::Sub => Some(a - b),
                    EquationOp::Mul => Some(a * b),
                    EquationOp::Div if b == 0.0 => None,
                    EquationOp::Div => Some(a / b),
                }
            }
        }
    }
}

fn number(v: &Value<'_>) -> Option<f64> {
    match v {
        Value::Str(s) => s.trim().parse().ok(),
        other => other.as_f64(),
    }
}

/// What a column or sort key computes, compiled.
#[derive(Debug, Clone)]
pub(crate) enum ColExpr {
    /// A value of the row's fields (projection or group key).
    Field(usize),
    /// An aggregate.
    Aggregate(usize),
    /// An equation.
    Equation(Expr),
}

impl ColExpr {
    pub(crate) fn value(&self, fields: &[Value<'_>], aggs: &[Value<'_>]) -> Value<'static> {
        match self {
            ColExpr::Field(i) => fields
                .get(*i)
                .cloned()
                .map_or(Value::Null, Value::into_owned),
            ColExpr::Aggregate(i) => aggs.get(*i).cloned().map_or(Value::Null, Value::into_owned),
            ColExpr::Equation(e) => e
                .eval(fields, aggs)
                .map_or(Value::Null, |v| Value::Float(super::aggregate::tidy(v))),
        }
    }
}

/// Resolves a plain field to its position in a row's field values.
pub(crate) type FieldPosition<'f> =
    dyn FnMut(&mut Builder, &str) -> Result<usize, Box<Diagnostic>> + 'f;

/// Compiles a column value; `field` resolves a plain field to its position.
pub(crate) fn compile_value(
    value: &ColumnValue,
    span: Span,
    builder: &mut Builder,
    field: &mut FieldPosition<'_>,
) -> Result<ColExpr, Box<Diagnostic>> {
    Ok(match value {
        ColumnValue::Field(f) => ColExpr::Field(field(builder, &f.name)?),
        ColumnValue::Function(c) if c.aggregate => ColExpr::Aggregate(builder.call(c, span)?),
        ColumnValue::Function(c) => {
            return Err(refuse(
                span,
                format!("`{}` cannot be computed by the local engine", c.canonical()),
            ));
        }
        ColumnValue::Equation(e) => ColExpr::Equation(compile_equation(e, span, builder, field)?),
    })
}

fn compile_equation(
    e: &Equation,
    span: Span,
    builder: &mut Builder,
    field: &mut FieldPosition<'_>,
) -> Result<Expr, Box<Diagnostic>> {
    Ok(match e {
        Equation::Number(n) => Expr::Number(
            n.parse()
                .map_err(|_| refuse(span, format!("`{n}` is not a number")))?,
        ),
        Equation::Function(c) => Expr::Aggregate(builder.call(c, span)?),
        Equation::Field(f) => Expr::Field(field(builder, &f.name)?),
        Equation::Binary(l, op, r) => Expr::Binary(
            Box::new(compile_equation(l, span, builder, field)?),
            *op,
            Box::new(compile_equation(r, span, builder, field)?),
        ),
    })
}

/// Compares sort values: missing last either way, `descending` reverses the rest.
pub(crate) fn compare_keys(a: &[Value<'_>], b: &[Value<'_>], descending: &[bool]) -> Ordering {
    for ((x, y), desc) in a
        .iter()
        .zip(b)
        .zip(descending.iter().chain(std::iter::repeat(&false)))
    {
        let ordering = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) if *desc => y.cmp(x),
            (false, false) => x.cmp(y),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// `meta.fields` / `meta.units` entries of a column type (tags are strings).
pub(crate) fn add_meta(meta: &mut Meta, key: &str, ty: Option<FieldType>) {
    let ty = ty.unwrap_or(FieldType::String);
    meta.fields
        .insert(key.to_owned(), ty.meta_type().to_owned());
    meta.units
        .insert(key.to_owned(), ty.meta_unit().map(str::to_owned));
}

/// Everything a table query (no INTERVAL) shares between its raw and grouped forms.
pub(crate) struct Context<'a> {
    pub(crate) files: &'a EventFiles,
    pub(crate) options: &'a RunOptions,
    pub(crate) span: Span,
    pub(crate) range: (i64, i64),
    pub(crate) now_ms: i64,
}

impl Context<'_> {
    pub(crate) fn range_seconds(&self) -> f64 {
        (self.range.1 - self.range.0) as f64 / 1000.0
    }
}

/// Compiles WHERE into its per-event part, returning the aggregate part for HAVING.
pub(crate) fn compile_where(
    filter: Option<&TypedFilter>,
    builder: &mut Builder,
    now_ms: i64,
) -> Result<(Option<Compiled>, Option<TypedFilter>), Box<Diagnostic>> {
    let Some(filter) = filter else {
        return Ok((None, None));
    };
    let (plain, aggregate) = filter::split_aggregates(filter);
    let compiled = match plain {
        Some(p) => Some(
            filter::compile(&p, now_ms, &mut WhereResolver { builder })
                .map_err(refuse_unsupported)?,
        ),
        None => None,
    };
    Ok((compiled, aggregate))
}

/// A raw-events query: one row per matching event.
pub(crate) fn run_raw(q: &EventsQuery, ctx: &Context<'_>) -> Result<LocalResult, RunError> {
    let mut b = Builder::default();
    let base = Base::new(
        &mut b,
        Some(q.dataset.as_str()),
        &q.projects,
        &q.environments,
        ctx.range,
    );
    let (filter, aggregate_where) =
        compile_where(q.filter.as_ref(), &mut b, ctx.now_ms).map_err(one)?;
    if let Some(f) = aggregate_where.or_else(|| q.having.clone()) {
        let span = f.terms().first().map_or(ctx.span, |t| t.span);
        return Err(one(refuse(
            span,
            "an aggregate condition in a raw-events query",
        )));
    }
    let mut project =
        |b: &mut Builder, name: &str| -> Result<usize, Box<Diagnostic>> { Ok(b.field(name)) };
    let mut cells = Vec::new();
    for c in &q.columns {
        cells.push(compile_value(&c.value, c.span, &mut b, &mut project).map_err(one)?);
    }
    let mut sort = Vec::new();
    let mut descending = Vec::new();
    for k in &q.order_by {
        sort.push(compile_value(&k.value, ctx.span, &mut b, &mut project).map_err(one)?);
        descending.push(k.descending);
    }
    // Tiebreak (and the default order): newest first, then id.
    sort.push(ColExpr::Field(b.field("timestamp")));
    descending.push(true);
    sort.push(ColExpr::Field(b.field("id")));
    descending.push(false);
    b.check_readable(ctx.span).map_err(one)?;
    let projection = b.projection();
    let keep = usize::try_from(q.limit.unwrap_or(DEFAULT_ROWS)).unwrap_or(usize::MAX);

    struct RawRow {
        sort: Vec<Value<'static>>,
        cells: Vec<Value<'static>>,
        position: (usize, u64),
    }
    struct State {
        rows: Vec<RawRow>,
        matched: u64,
    }
    let order = |a: &RawRow, b: &RawRow| {
        compare_keys(&a.sort, &b.sort, &descending).then(a.position.cmp(&b.position))
    };
    let compact = |rows: &mut Vec<RawRow>| {
        rows.sort_by(order);
        rows.truncate(keep);
    };
    let (states, stats) = parallel_scan(
        ctx.files,
        &projection,
        &ctx.options.read,
        ctx.options.threads,
        || State {
            rows: Vec::new(),
            matched: 0,
        },
        |state, part, event| {
            let values = &event.values;
            if !base.passes(values) || filter.as_ref().is_some_and(|f| !f.matches(values, &[])) {
                return Ok(());
            }
            state.matched += 1;
            state.rows.push(RawRow {
                sort: sort.iter().map(|s| s.value(values, &[])).collect(),
                cells: cells.iter().map(|c| c.value(values, &[])).collect(),
                position: (part, event.line),
            });
            if state.rows.len() >= keep.saturating_mul(2).saturating_add(1024) {
                compact(&mut state.rows);
            }
            Ok(())
        },
    )?;
    let mut rows = Vec::new();
    let mut matched = 0;
    for s in states {
        matched += s.matched;
        rows.extend(s.rows);
    }
    compact(&mut rows);
    let columns = crate::answer::events_columns(q);
    let mut result = ResultSet::default();
    for c in &q.columns {
        add_meta(&mut result.meta, &c.value.canonical(), c.ty);
    }
    for row in rows {
        let mut out = Row::new();
        for (c, v) in columns.iter().zip(row.cells) {
            out.insert(c.field.clone(), v.to_json());
        }
        result.data.push(out);
    }
    Ok(LocalResult::new(
        result,
        columns,
        matched > keep as u64,
        stats,
    ))
}

/// The group fields of an aggregate query: GROUP BY, else the plain select items.
pub(crate) fn group_fields(q: &EventsQuery) -> Vec<String> {
    if !q.group_by.is_empty() {
        return q.group_by.iter().map(|g| g.name.clone()).collect();
    }
    let mut out: Vec<String> = Vec::new();
    for c in &q.columns {
        if let ColumnValue::Field(f) = &c.value
            && !out.contains(&f.name)
        {
            out.push(f.name.clone());
        }
    }
    out
}

/// The compiled pieces of a grouped query.
pub(crate) struct Grouped {
    pub(crate) builder: Builder,
    pub(crate) base: Base,
    pub(crate) filter: Option<Compiled>,
    pub(crate) having: Option<Compiled>,
    pub(crate) group: Vec<String>,
    pub(crate) group_idx: Vec<usize>,
    pub(crate) cells: Vec<ColExpr>,
    pub(crate) sort: Vec<ColExpr>,
    pub(crate) descending: Vec<bool>,
}

/// Compiles an aggregate query (table or series).
pub(crate) fn compile_grouped(q: &EventsQuery, ctx: &Context<'_>) -> Result<Grouped, RunError> {
    let mut b = Builder::default();
    let base = Base::new(
        &mut b,
        Some(q.dataset.as_str()),
        &q.projects,
        &q.environments,
        ctx.range,
    );
    let (filter, aggregate_where) =
        compile_where(q.filter.as_ref(), &mut b, ctx.now_ms).map_err(one)?;
    let group = group_fields(q);
    let group_idx: Vec<usize> = group.iter().map(|g| b.field(g)).collect();
    let having_filter = TypedFilter::and(
        aggregate_where
            .into_iter()
            .chain(q.having.clone())
            .collect(),
    );
    let having = match &having_filter {
        Some(h) => Some(compile_having(h, &mut b, &group).map_err(one)?),
        None => None,
    };
    let mut in_group = |_: &mut Builder, name: &str| {
        group.iter().position(|g| g == name).ok_or_else(|| {
            refuse(
                ctx.span,
                format!("`{name}` is neither grouped nor aggregated"),
            )
        })
    };
    let mut cells = Vec::new();
    for c in &q.columns {
        cells.push(compile_value(&c.value, c.span, &mut b, &mut in_group).map_err(one)?);
    }
    let mut sort = Vec::new();
    let mut descending = Vec::new();
    for k in &q.order_by {
        sort.push(compile_value(&k.value, ctx.span, &mut b, &mut in_group).map_err(one)?);
        descending.push(k.descending);
    }
    // Tiebreak (and the default order): the group values, ascending.
    for i in 0..group.len() {
        sort.push(ColExpr::Field(i));
        descending.push(false);
    }
    b.check_readable(ctx.span).map_err(one)?;
    Ok(Grouped {
        builder: b,
        base,
        filter,
        having,
        group,
        group_idx,
        cells,
        sort,
        descending,
    })
}

/// An aggregate query without INTERVAL: one row per group.
pub(crate) fn run_grouped(q: &EventsQuery, ctx: &Context<'_>) -> Result<LocalResult, RunError> {
    let g = compile_grouped(q, ctx)?;
    let projection = g.builder.projection();
    let aggs = &g.builder.aggs;
    let (states, stats) = parallel_scan(
        ctx.files,
        &projection,
        &ctx.options.read,
        ctx.options.threads,
        GroupTable::<Vec<Accumulator>>::default,
        |table, _, event| {
            let values = &event.values;
            if !g.base.passes(values) || g.filter.as_ref().is_some_and(|f| !f.matches(values, &[]))
            {
                return Ok(());
            }
            let key: Vec<Value<'_>> = g
                .group_idx
                .iter()
                .map(|&i| values.get(i).cloned().unwrap_or(Value::Null))
                .collect();
            table.update(
                &key,
                || new_accs(aggs),
                |accs| {
                    for (spec, acc) in aggs.iter().zip(accs.iter_mut()) {
                        spec.update(acc, values);
                    }
                },
            );
            Ok(())
        },
    )?;
    let mut table = GroupTable::default();
    for s in states {
        table.merge(s, |a: &mut Vec<Accumulator>, b| merge_accs(a, b));
    }
    if table.len() == 0 && g.group.is_empty() {
        // An aggregate over nothing is still one row (count() = 0).
        table.update(&[], || new_accs(aggs), |_| {});
    }
    let range_seconds = ctx.range_seconds();
    let mut rows: Vec<(Vec<Value<'static>>, Vec<Value<'static>>)> = Vec::new();
    for (key, mut accs) in table.into_groups() {
        let finished: Vec<Value<'static>> = aggs
            .iter()
            .zip(accs.iter_mut())
            .map(|(spec, acc)| spec.finish(acc, range_seconds))
            .collect();
        if g.having
            .as_ref()
            .is_some_and(|h| !h.matches(&key, &finished))
        {
            continue;
        }
        let sort: Vec<Value<'static>> = g.sort.iter().map(|s| s.value(&key, &finished)).collect();
        let cells: Vec<Value<'static>> = g.cells.iter().map(|c| c.value(&key, &finished)).collect();
        rows.push((sort, cells));
    }
    rows.sort_by(|a, b| compare_keys(&a.0, &b.0, &g.descending));
    let keep = usize::try_from(q.limit.unwrap_or(DEFAULT_ROWS)).unwrap_or(usize::MAX);
    let has_more = rows.len() > keep;
    rows.truncate(keep);
    let columns = crate::answer::events_columns(q);
    let mut result = ResultSet::default();
    for c in &q.columns {
        add_meta(&mut result.meta, &c.value.canonical(), c.ty);
    }
    for (_, cells) in rows {
        let mut out = Row::new();
        for (c, v) in columns.iter().zip(cells) {
            out.insert(c.field.clone(), v.to_json());
        }
        result.data.push(out);
    }
    Ok(LocalResult::new(result, columns, has_more, stats))
}

#[allow(
    clippy::boxed_local,
    reason = "refusals travel boxed (they are large) until they become the error"
)]
pub(crate) fn one(d: Box<Diagnostic>) -> RunError {
    RunError::Query(vec![*d])
}
