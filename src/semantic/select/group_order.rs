//! GROUP BY and ORDER BY of a SELECT over events: positions, aliases, grouping rules and
//! sort keys.

use super::hyphen_check;
use crate::registry::SemanticCode;
use crate::semantic::checked::{Column, ColumnValue, FieldRef, SortKey};
use crate::semantic::context::Cx;
use crate::semantic::equation::{self, Alias};
use crate::semantic::functions::{self, param_as_name};
use crate::semantic::names;
use crate::span::Span;
use crate::syntax::ast::{Expr, ExprKind, GroupItem, OrderTarget, Select, SortDirection};

/// The column an alias or position names.
fn by_alias<'c>(
    name: &str,
    columns: &'c [Column],
    aliases: &[(String, usize, Span)],
) -> Option<&'c Column> {
    aliases
        .iter()
        .find(|(n, _, _)| n == name)
        .and_then(|(_, idx, _)| columns.get(*idx))
}

fn position<'c>(
    cx: &mut Cx<'_>,
    n: u32,
    span: Span,
    columns: &'c [Column],
    clause: &str,
) -> Option<&'c Column> {
    let column = (n as usize).checked_sub(1).and_then(|i| columns.get(i));
    if column.is_none() {
        cx.error(
            SemanticCode::BadPosition,
            span,
            format!("{clause} position {n} is outside the select list"),
        )
        .label(format!("the select list has {} column(s)", columns.len()))
        .help("positions count the select items from 1, `*` expanded");
    }
    column
}

pub(super) fn check_group_by(
    cx: &mut Cx<'_>,
    select: &Select,
    columns: &[Column],
    aliases: &[(String, usize, Span)],
    aggregate: bool,
    series: bool,
) -> Option<Vec<FieldRef>> {
    let before = cx.error_count();
    let mut group: Vec<(FieldRef, Span)> = Vec::new();
    if let Some(clause) = &select.clauses.group_by {
        for item in &clause.items {
            let (value, span) = match item {
                GroupItem::Position(p) => match position(cx, p.node, p.span, columns, "GROUP BY") {
                    Some(c) => (c.value.clone(), p.span),
                    None => continue,
                },
                GroupItem::Expr(expr) => match &expr.kind {
                    ExprKind::Field(key) => {
                        let alias =
                            names::plain_name(key).and_then(|n| by_alias(n, columns, aliases));
                        match alias {
                            Some(c) => (c.value.clone(), expr.span),
                            None => match names::resolve_column(cx, key) {
                                Some(f) => (ColumnValue::Field(f), expr.span),
                                None => continue,
                            },
                        }
                    }
                    ExprKind::Param(name) => {
                        param_as_name(cx, name, expr.span, "a field");
                        continue;
                    }
                    _ => {
                        cx.error(
                            SemanticCode::AggregateInGroupBy,
                            expr.span,
                            "GROUP BY takes fields, not functions or arithmetic",
                        )
                        .label("not a field")
                        .help("group by fields and tags; select the aggregate instead");
                        continue;
                    }
                },
            };
            match value {
                ColumnValue::Field(field) => {
                    if field.name == "timestamp" {
                        if series {
                            cx.error(SemanticCode::GroupByTimestamp, span, "a series cannot be grouped by `timestamp`")
                                .label("grouping by timestamp")
                                .help("INTERVAL already buckets by time; remove `timestamp` from GROUP BY");
                        } else {
                            cx.push(
                                crate::diagnostic::Diagnostic::new(
                                    crate::diagnostic::Severity::Advice,
                                    SemanticCode::GroupByTimestamp,
                                    span,
                                    "grouping by `timestamp` makes one group per event time",
                                )
                                .label("exact timestamps")
                                .help("`timestamp.to_hour` or `timestamp.to_day` groups by hour or day"),
                            );
                        }
                    }
                    group.push((field, span));
                }
                _ => {
                    cx.error(
                        SemanticCode::AggregateInGroupBy,
                        span,
                        "GROUP BY names an aggregate or an equation",
                    )
                    .label("not a field")
                    .help("group by fields and tags; aggregates are computed per group");
                }
            }
        }
    }
    if select.distinct.is_some() {
        for column in columns {
            if let ColumnValue::Field(f) = &column.value
                && !group.iter().any(|(g, _)| g.name == f.name)
            {
                group.push((f.clone(), column.span));
            }
        }
    }
    if aggregate && select.clauses.group_by.is_some() {
        for column in columns {
            let plain = match &column.value {
                ColumnValue::Field(f) => Some(f.name.clone()),
                ColumnValue::Function(c) if !c.aggregate => Some(c.canonical()),
                _ => None,
            };
            if let Some(name) = plain
                && !group.iter().any(|(g, _)| g.name == name)
            {
                cx.error(
                    SemanticCode::NotGrouped,
                    column.span,
                    format!("`{name}` is selected but not grouped by"),
                )
                .label("not in GROUP BY")
                .help(format!("add `{name}` to GROUP BY, or aggregate it"));
            }
        }
    }
    (cx.error_count() == before).then(|| group.into_iter().map(|(f, _)| f).collect())
}

pub(super) fn check_order_by(
    cx: &mut Cx<'_>,
    select: &Select,
    columns: &[Column],
    aliases: &[(String, usize, Span)],
    aggregate: bool,
    group_by: Option<&[FieldRef]>,
    lenient: bool,
) -> Option<Vec<SortKey>> {
    let Some(clause) = &select.clauses.order_by else {
        return Some(Vec::new());
    };
    let before = cx.error_count();
    let mut keys = Vec::new();
    let eq_aliases: Vec<Alias> = aliases
        .iter()
        .filter_map(|(n, i, _)| {
            columns.get(*i).map(|c| Alias {
                name: n.clone(),
                value: c.value.clone(),
            })
        })
        .collect();
    for key in &clause.keys {
        let descending = match key.direction {
            SortDirection::Default | SortDirection::Asc(_) | SortDirection::MinusAsc(..) => false,
            SortDirection::Desc(_) | SortDirection::Minus(_) => true,
            SortDirection::MinusDesc(minus, desc) => {
                cx.error(
                    SemanticCode::MinusWithDesc,
                    minus,
                    "`-key DESC` says descending twice",
                )
                .label("descending")
                .with_label(desc, "descending again")
                .help("write either `-key` or `key DESC`")
                .fix(desc, "");
                true
            }
        };
        if let OrderTarget::Expr(expr) = &key.target
            && select.clauses.compare.is_some()
            && let ExprKind::Field(field) = &expr.kind
            && let Some(name) = names::plain_name(field)
            && by_alias(name, columns, aliases).is_none()
            && crate::semantic::compare::refuse_derived_sort(cx, name, expr.span, columns)
        {
            continue;
        }
        let value = match &key.target {
            OrderTarget::Position(p) => match position(cx, p.node, p.span, columns, "ORDER BY") {
                Some(c) => c.value.clone(),
                None => continue,
            },
            OrderTarget::Expr(expr) => {
                let shape = Shape {
                    aggregate,
                    group_by,
                    lenient,
                };
                match order_expr(cx, expr, columns, aliases, &eq_aliases, &shape) {
                    Some(v) => v,
                    None => continue,
                }
            }
        };
        keys.push(SortKey { value, descending });
    }
    (cx.error_count() == before).then_some(keys)
}

/// What a sort key is checked against: whether the query aggregates, its groups, and whether
/// the select list is incomplete (`lenient`: a select item failed), in which case only the
/// key's own problems are reported.
#[derive(Clone, Copy)]
struct Shape<'g> {
    aggregate: bool,
    group_by: Option<&'g [FieldRef]>,
    lenient: bool,
}

/// Whether a select item may be an aggregate: it holds a call.
pub(super) fn may_aggregate(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Call(_) => true,
        ExprKind::Binary(a, _, b) => may_aggregate(a) || may_aggregate(b),
        ExprKind::Neg(a) => may_aggregate(a),
        ExprKind::Field(_) | ExprKind::Number(_) | ExprKind::Param(_) | ExprKind::Star => false,
    }
}

fn order_expr(
    cx: &mut Cx<'_>,
    expr: &Expr,
    columns: &[Column],
    aliases: &[(String, usize, Span)],
    eq_aliases: &[Alias],
    shape: &Shape<'_>,
) -> Option<ColumnValue> {
    let Shape {
        aggregate,
        group_by,
        lenient,
    } = *shape;
    let value = match &expr.kind {
        ExprKind::Field(key) => {
            if let Some(column) = names::plain_name(key).and_then(|n| by_alias(n, columns, aliases))
            {
                return Some(column.value.clone());
            }
            if let Some(name) = names::plain_name(key) {
                hyphen_check(cx, name, key.span, eq_aliases)?;
            }
            let field = names::resolve_column(cx, key)?;
            let selected = columns
                .iter()
                .any(|c| matches!(&c.value, ColumnValue::Field(f) if f.name == field.name));
            let grouped = group_by.is_some_and(|g| g.iter().any(|f| f.name == field.name));
            if aggregate && !selected && !grouped && !lenient {
                cx.error(
                    SemanticCode::SortNotGrouped,
                    expr.span,
                    format!("an aggregate query cannot sort by `{}`", field.name),
                )
                .label("not selected or grouped by")
                .help(format!(
                    "add `{}` to GROUP BY, or sort by a selected column",
                    field.name
                ));
                return None;
            }
            ColumnValue::Field(field)
        }
        ExprKind::Call(call) => ColumnValue::Function(functions::check_call(cx, call)?),
        ExprKind::Param(name) => {
            param_as_name(cx, name, expr.span, "a sort key");
            return None;
        }
        ExprKind::Number(_) | ExprKind::Binary(..) | ExprKind::Neg(_) => {
            ColumnValue::Equation(equation::check(cx, expr, eq_aliases)?)
        }
        ExprKind::Star => {
            cx.error(
                SemanticCode::StarNotAllowed,
                expr.span,
                "ORDER BY cannot sort by `*`",
            )
            .label("`*` here")
            .help("sort by a field, an alias or a position");
            return None;
        }
    };
    if !aggregate && !lenient && value.is_aggregate() {
        cx.error(
            SemanticCode::AggregateInRawQuery,
            expr.span,
            "sorting a raw-events query by an aggregate",
        )
        .label("an aggregate")
        .help("add GROUP BY … or select an aggregate, so the query aggregates");
        return None;
    }
    Some(value)
}
