//! `SELECT` over an events dataset: the select list (fields, functions, equations, `*`,
//! aliases), aggregation, GROUP BY, ORDER BY (`group_order.rs`), and the series and
//! field-count rules (`limits.rs`).

mod group_order;
mod limits;

use super::catalog::DatasetKind;
use super::checked::{CheckedKind, Column, ColumnValue, EventsQuery, FieldRef};
use super::clauses;
use super::context::Cx;
use super::equation::{self, Alias};
use super::field_type::FieldType;
use super::filters::{self, AliasInfo, Place};
use super::functions::{self, param_as_name};
use super::names;
use super::time;
use crate::registry::SemanticCode;
use crate::span::Span;
use crate::syntax::ast::{ExprKind, GroupItem, OrderTarget, Select, SelectItem};
use group_order::{check_group_by, check_order_by, may_aggregate};
use limits::{check_field_count, check_series};

/// Chooses the dataset from FROM; `true` when it is the issues dataset.
pub(crate) fn choose_dataset(cx: &mut Cx<'_>, select: &Select) -> bool {
    let Some(from) = &select.clauses.from else {
        return false;
    };
    let name = from.dataset.node.as_str();
    let catalog = cx.catalog;
    match catalog.dataset(name) {
        Some(dataset) => {
            cx.dataset = dataset.name.clone();
            // Every built-in dataset has a catalog; a supplied catalog may leave one
            // unchecked, whose names then pass as written.
            cx.checked = dataset.checked;
            dataset.kind == DatasetKind::Issues
        }
        None => {
            cx.error(
                SemanticCode::UnknownDataset,
                from.dataset.span,
                format!("unknown dataset `{name}`"),
            )
            .label("not a dataset")
            .help_closest(name, catalog.dataset_names());
            cx.dataset = name.to_string();
            cx.checked = false;
            false
        }
    }
}

/// An item of the select list after checking.
struct Item {
    column: Column,
    alias: Option<(String, Span)>,
}

/// Checks a SELECT over events.
pub(crate) fn check_events(cx: &mut Cx<'_>, select: &Select) -> Option<CheckedKind> {
    let clauses = &select.clauses;
    check_aliases(cx, &select.items);
    let mut items: Vec<Item> = Vec::new();
    let mut stars: Vec<Span> = Vec::new();
    let mut failed = false;
    // The items that failed: their aliases and spellings are not columns, but the clauses may
    // name them.
    let mut failed_items: Vec<&SelectItem> = Vec::new();
    // The aliases of the items checked so far, grown one item at a time (rebuilding it for
    // each item made 20,000 aliases take seconds).
    let mut aliases: Vec<Alias> = Vec::new();
    for item in &select.items {
        if let ExprKind::Star = item.expr.kind {
            stars.push(item.expr.span);
            continue;
        }
        match select_item(cx, item, &aliases) {
            Some(i) => {
                if let Some((name, _)) = &i.alias {
                    aliases.push(Alias {
                        name: name.clone(),
                        value: i.column.value.clone(),
                    });
                }
                items.push(i);
            }
            None => {
                failed = true;
                failed_items.push(item);
            }
        }
    }
    drop(aliases);
    let checked_spans: std::collections::HashSet<Span> =
        items.iter().map(|i| i.column.span).collect();
    let has_aggregate = items.iter().any(|i| i.column.value.is_aggregate());
    let aggregate = has_aggregate || clauses.group_by.is_some() || select.distinct.is_some();
    let series = clauses.interval.is_some();
    // `*` expands in place; rebuild the column list in select-list order.
    let mut columns: Vec<Column> = Vec::new();
    let mut item_iter = items.iter();
    let mut alias_list: Vec<(String, usize, Span)> = Vec::new();
    for item in &select.items {
        if let ExprKind::Star = item.expr.kind {
            if aggregate || series {
                cx.error(
                    SemanticCode::StarNotAllowed,
                    item.expr.span,
                    "`*` is allowed only in a raw-events query",
                )
                .label("`*` in an aggregate query")
                .help("name the fields to select, or remove the aggregates, GROUP BY and INTERVAL");
                failed = true;
                continue;
            }
            let catalog = cx.catalog;
            let defaults = catalog
                .dataset(&cx.dataset)
                .map(|d| d.default_columns.clone())
                .unwrap_or_default();
            if defaults.is_empty() {
                let dataset = cx.dataset.clone();
                cx.error(
                    SemanticCode::StarNotAllowed,
                    item.expr.span,
                    format!("`{dataset}` has no default columns for `*`"),
                )
                .label("nothing to expand")
                .help("name the fields to select");
                failed = true;
            }
            for name in defaults {
                let field = catalog.field(&cx.dataset, &name);
                columns.push(Column {
                    value: ColumnValue::Field(FieldRef {
                        name: name.clone(),
                        ty: field.map(|f| f.ty),
                        array: field.is_some_and(|f| f.array),
                    }),
                    label: name,
                    ty: field.map(|f| f.ty),
                    span: item.expr.span,
                });
            }
            continue;
        }
        if !checked_spans.contains(&item.span) {
            continue;
        }
        if let Some(checked) = item_iter.next() {
            if let Some((name, span)) = &checked.alias {
                alias_list.push((name.clone(), columns.len(), *span));
            }
            columns.push(checked.column.clone());
        }
    }
    let _ = stars;
    if failed {
        // Keep checking the clauses for more diagnostics, but the statement is lost.
        // A failed item that holds a call may be the aggregate that makes the query an
        // aggregate one (`SELECT coutn() … HAVING count() > 5`): the clauses are checked as
        // such, so that its one problem is not reported again as theirs.
        let aggregate = aggregate || failed_items.iter().any(|i| may_aggregate(&i.expr));
        check_clauses_only(cx, select, aggregate, &columns, &alias_list, &failed_items);
        return None;
    }
    // Field equations belong to raw-events queries.
    if aggregate {
        for column in &columns {
            if let ColumnValue::Equation(eq) = &column.value
                && !eq.is_aggregate()
            {
                cx.error(SemanticCode::FieldEquationInAggregateQuery, column.span, "a field equation in an aggregate query")
                    .label("arithmetic over fields")
                    .help("aggregate it (`avg(transaction.duration) * 2`), or remove the aggregates and GROUP BY");
            }
        }
    }
    // `total.count`/`total.transaction_duration` run a second query over the statement's
    // groups, so Sentry needs another aggregate beside them (`datasets/discover.py`
    // `_resolve_total_count` sets `requires_other_aggregates`).
    if !aggregate && cx.checked {
        for column in &columns {
            let total = match &column.value {
                ColumnValue::Field(f) => is_total(&f.name),
                ColumnValue::Equation(eq) => equation_mentions_total(eq),
                ColumnValue::Function(_) => false,
            };
            if total {
                cx.error(
                    SemanticCode::TotalWithoutAggregate,
                    column.span,
                    "Sentry computes this total only beside another aggregate",
                )
                .label("needs an aggregate in the select list")
                .help("select an aggregate too, e.g. `count()`, or divide by it: `count() / total.count`");
            }
        }
    }
    let group_by = check_group_by(cx, select, &columns, &alias_list, aggregate, series);
    let order_by = check_order_by(
        cx,
        select,
        &columns,
        &alias_list,
        aggregate,
        group_by.as_deref(),
        false,
    );
    let alias_infos: Vec<AliasInfo<'_>> = alias_list
        .iter()
        .filter_map(|(name, idx, span)| {
            columns.get(*idx).map(|c| AliasInfo {
                name,
                value: &c.value,
                span: *span,
            })
        })
        .collect();
    let filter = match &clauses.where_ {
        Some(w) => {
            filters::check(cx, &w.filter, Place::Where { aggregate }, &alias_infos).map(Some)
        }
        None => Some(None),
    };
    let having = match &clauses.having {
        Some(h) => {
            filters::check(cx, &h.filter, Place::Having { aggregate }, &alias_infos).map(Some)
        }
        None => Some(None),
    };
    let limit = clauses::check_limit(cx, clauses.limit.as_ref());
    let all = clauses::is_limit_all(clauses.limit.as_ref());
    let time = time::check_range(cx, clauses.since.as_ref());
    let projects = clauses::check_projects(cx, clauses.project.as_ref());
    let environments = clauses::check_environments(cx, clauses.environment.as_ref());
    let interval = match &clauses.interval {
        Some(i) => time::check_interval(cx, i).map(Some),
        None => Some(None),
    };
    let sampling = match &clauses.sampling {
        Some(s) => super::compare::check_sampling(cx, s).map(Some),
        None => Some(None),
    };
    let compare = match &clauses.compare {
        Some(c) => super::compare::check_period(cx, c).map(Some),
        None => Some(None),
    };
    super::compare::check_comparable(cx, select, has_aggregate, clauses.interval.is_some());
    let (group_by, order_by, filter, having, limit, time, projects, environments, interval) = (
        group_by?,
        order_by?,
        filter?,
        having?,
        limit?,
        time?,
        projects?,
        environments?,
        interval?,
    );
    // Where Sentry does not sample, SAMPLING was warned about and is not sent.
    let trace_items = cx.catalog.is_trace_items(&cx.dataset);
    let (sampling, compare) = (sampling?.filter(|_| trace_items), compare?);
    if let Some(period) = &interval {
        check_series(cx, select, &columns, has_aggregate, limit, &time, period);
    }
    check_field_count(
        cx,
        select,
        &columns,
        &group_by,
        &order_by,
        has_aggregate,
        aggregate,
        if all { Some(u64::MAX) } else { limit },
    );
    Some(CheckedKind::Events(EventsQuery {
        dataset: cx.dataset.clone(),
        columns,
        aggregate,
        group_by,
        filter,
        having,
        order_by,
        limit,
        all,
        time,
        projects,
        environments,
        interval,
        sampling,
        compare,
    }))
}

/// Whether `item` was dropped from `items` because it failed (matched by span).
/// The clauses of a statement whose select list failed: reported, not built.
fn check_clauses_only(
    cx: &mut Cx<'_>,
    select: &Select,
    aggregate: bool,
    columns: &[Column],
    aliases: &[(String, usize, Span)],
    failed: &[&SelectItem],
) {
    let clauses = &select.clauses;
    let infos: Vec<AliasInfo<'_>> = aliases
        .iter()
        .filter_map(|(name, idx, span)| {
            columns.get(*idx).map(|c| AliasInfo {
                name,
                value: &c.value,
                span: *span,
            })
        })
        .collect();
    if let Some(w) = &clauses.where_ {
        filters::check(cx, &w.filter, Place::Where { aggregate }, &infos);
    }
    if let Some(h) = &clauses.having {
        filters::check(cx, &h.filter, Place::Having { aggregate }, &infos);
    }
    // GROUP BY is checked too (`SELECT coutn() … GROUP BY count()` has two problems); its
    // positions are left out, since a failed item shifts the columns they count.
    if clauses.group_by.is_some() {
        let mut copy = select.clone();
        if let Some(g) = &mut copy.clauses.group_by {
            g.items.retain(|i| !matches!(i, GroupItem::Position(_)));
        }
        let series = clauses.interval.is_some();
        let _ = check_group_by(cx, &copy, columns, aliases, aggregate, series);
    }
    // ORDER BY too (`SELECT coutn() … ORDER BY p59(…)` has two problems), leniently: its
    // keys' own problems are reported, not those that depend on the select list, which is
    // incomplete. Positions, the failed items' aliases and the failed items themselves are
    // left out (their problem is reported already).
    if clauses.order_by.is_some() {
        let failed_aliases: Vec<&str> = failed
            .iter()
            .filter_map(|i| i.alias.as_ref().map(|a| a.name.as_str()))
            .collect();
        let failed_text: Vec<String> = failed.iter().map(|i| i.expr.to_string()).collect();
        let mut copy = select.clone();
        if let Some(o) = &mut copy.clauses.order_by {
            o.keys.retain(|k| match &k.target {
                OrderTarget::Position(_) => false,
                OrderTarget::Expr(expr) => {
                    let alias = match &expr.kind {
                        ExprKind::Field(key) => {
                            names::plain_name(key).is_some_and(|n| failed_aliases.contains(&n))
                        }
                        _ => false,
                    };
                    !alias && !failed_text.contains(&expr.to_string())
                }
            });
        }
        let _ = check_order_by(cx, &copy, columns, aliases, aggregate, None, true);
    }
    clauses::check_limit(cx, clauses.limit.as_ref());
    time::check_range(cx, clauses.since.as_ref());
    clauses::check_projects(cx, clauses.project.as_ref());
    clauses::check_environments(cx, clauses.environment.as_ref());
    if let Some(i) = &clauses.interval {
        time::check_interval(cx, i);
    }
    if let Some(s) = &clauses.sampling {
        super::compare::check_sampling(cx, s);
    }
    if let Some(c) = &clauses.compare {
        super::compare::check_period(cx, c);
    }
}

/// Duplicate aliases and aliases equal to a catalog field.
fn check_aliases(cx: &mut Cx<'_>, items: &[SelectItem]) {
    let mut seen: std::collections::HashMap<&str, Span> = std::collections::HashMap::new();
    for item in items {
        let Some(alias) = item.alias.as_ref() else {
            continue;
        };
        if let Some(first) = seen.get(alias.name.as_str()) {
            let first = *first;
            cx.error(
                SemanticCode::DuplicateAlias,
                alias.span,
                format!("the alias `{}` is given twice", alias.name),
            )
            .label("second use")
            .with_label(first, "first use")
            .help("give each output column its own name");
        } else {
            seen.insert(&alias.name, alias.span);
        }
        // `count() AS count`, the commonest SQL alias, names the function's own column: it
        // shadows nothing unless the dataset itself has a field of that name.
        let own_name =
            matches!(&item.expr.kind, ExprKind::Call(call) if call.name.node == alias.name);
        if cx
            .catalog
            .lookup_field(&alias.name)
            .is_some_and(|f| !f.filter_only && (!own_name || f.in_dataset(&cx.dataset)))
        {
            cx.error(
                SemanticCode::AliasShadowsField,
                alias.span,
                format!("the alias `{}` is a field name", alias.name),
            )
            .label("a catalog field")
            .help("choose another name, so ORDER BY and HAVING cannot confuse the two");
        }
    }
}

fn select_item(cx: &mut Cx<'_>, item: &SelectItem, aliases: &[Alias]) -> Option<Item> {
    let expr = &item.expr;
    let value = match &expr.kind {
        ExprKind::Field(key) => {
            if let Some(name) = names::plain_name(key) {
                hyphen_check(cx, name, key.span, aliases)?;
            }
            ColumnValue::Field(names::resolve_column(cx, key)?)
        }
        ExprKind::Call(call) => ColumnValue::Function(functions::check_call(cx, call)?),
        ExprKind::Param(name) => {
            param_as_name(cx, name, expr.span, "a field or function");
            return None;
        }
        ExprKind::Number(_) | ExprKind::Binary(..) | ExprKind::Neg(_) => {
            ColumnValue::Equation(equation::check(cx, expr, aliases)?)
        }
        ExprKind::Star => return None,
    };
    let ty = match &value {
        ColumnValue::Field(f) => f.ty,
        ColumnValue::Function(c) => c.ty,
        ColumnValue::Equation(_) => Some(FieldType::Number),
    };
    // An equation's header is its arithmetic; `equation|` is only Sentry's field prefix.
    let label = match (&item.alias, &value) {
        (Some(alias), _) => alias.name.clone(),
        (None, ColumnValue::Equation(e)) => e.canonical(),
        (None, _) => value.canonical(),
    };
    Some(Item {
        column: Column {
            value,
            label,
            ty,
            span: item.span,
        },
        alias: item.alias.as_ref().map(|a| (a.name.clone(), a.span)),
    })
}

/// `a-b` where every part is an alias, a known field or a number reads like a subtraction.
fn hyphen_check(cx: &mut Cx<'_>, name: &str, span: Span, aliases: &[Alias]) -> Option<()> {
    if !name.contains('-') || !cx.checked {
        return Some(());
    }
    let catalog = cx.catalog;
    let all_known = name.split('-').all(|part| {
        !part.is_empty()
            && (aliases.iter().any(|a| a.name == part)
                || catalog.field(&cx.dataset, part).is_some()
                || part.parse::<f64>().is_ok())
    });
    if catalog.field(&cx.dataset, name).is_none() && all_known {
        cx.error(
            SemanticCode::AmbiguousHyphen,
            span,
            format!("`{name}` is one name (a tag), not a subtraction"),
        )
        .label("read as a tag")
        .help(format!(
            "put spaces around `-` to subtract (`{}`); write `tags[{name}]` for the tag",
            name.replace('-', " - ")
        ));
        return None;
    }
    Some(())
}

fn is_total(name: &str) -> bool {
    matches!(name, "total.count" | "total.transaction_duration")
}

fn equation_mentions_total(eq: &super::checked::Equation) -> bool {
    use super::checked::Equation;
    match eq {
        Equation::Field(f) => is_total(&f.name),
        Equation::Number(_) | Equation::Function(_) => false,
        Equation::Binary(l, _, r) => equation_mentions_total(l) || equation_mentions_total(r),
    }
}
