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

use super::aggregate::Accumulator;
use super::fields::Value;
use super::filter::{self, Compiled, Unsupported};
use super::group::{GroupTable, parallel_scan};
use super::{EventFiles, LocalResult, RunError, RunOptions};
use crate::diagnostic::Diagnostic;
use crate::registry::EvalCode;
use crate::result::{ResultSet, Row};
use crate::semantic::checked::filter::TypedFilter;
use crate::semantic::checked::{ColumnValue, EventsQuery};
use crate::span::Span;

/// How many rows a result keeps: LIMIT, every row for `LIMIT ALL` (the engine has no page or
/// offset cap, so ALL is simply no cut), else the default page.
fn rows_kept(q: &EventsQuery) -> usize {
    match q.limit {
        _ if q.all => usize::MAX,
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        None => usize::try_from(DEFAULT_ROWS).unwrap_or(usize::MAX),
    }
}

/// Sentry's page size: rows returned without LIMIT.
mod base;
mod expr;
mod plan;

pub(crate) use base::{Base, WhereResolver, compile_having};
pub(crate) use expr::{ColExpr, add_meta, compare_keys, compile_value};
pub(crate) use plan::{Builder, flat_dataset, merge_accs, new_accs};

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
    let keep = rows_kept(q);

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
    let keep = rows_kept(q);
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
