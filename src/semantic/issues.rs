//! Statements over issues and single events: `SELECT … FROM issues`, `UPDATE issues`,
//! `SHOW EVENT`.

use super::checked::{CheckedKind, IssueColumn, IssuesQuery, ShowEventQuery, UpdateIssuesQuery};
use super::clauses;
use super::context::Cx;
use super::field_type::FieldType;
use super::filters::{self, Place};
use super::params::{self, Written};
use super::suggest;
use super::time;
use crate::registry::SemanticCode;
use crate::span::Span;
use crate::syntax::ast::{
    Clauses, ExprKind, OperandKind, OrderTarget, Select, ShowEvent, SortDirection, UpdateIssues,
};

/// The columns an issues query may select (language.md §8).
const ISSUE_COLUMNS: &[&str] = &[
    "id",
    "shortId",
    "title",
    "culprit",
    "level",
    "status",
    "priority",
    "count",
    "userCount",
    "firstSeen",
    "lastSeen",
    "project",
    "assignedTo",
    "permalink",
];

/// Refuses clauses a statement kind does not take.
fn refuse_clauses(
    cx: &mut Cx<'_>,
    clauses: &Clauses,
    code: SemanticCode,
    what: &str,
    allow_order: bool,
) {
    let refuse = |cx: &mut Cx<'_>, span: Span, clause: &str| {
        cx.error(code, span, format!("{what} do not take {clause}"))
            .label(format!("{clause} here"))
            .help(format!("remove {clause}"));
    };
    if let Some(c) = &clauses.group_by {
        refuse(cx, c.span, "GROUP BY");
    }
    if let Some(c) = &clauses.having {
        refuse(cx, c.span, "HAVING");
    }
    if let Some(c) = &clauses.interval {
        refuse(cx, c.span, "INTERVAL");
    }
    super::compare::refuse(cx, clauses, code, what);
    if !allow_order && let Some(c) = &clauses.order_by {
        refuse(cx, c.span, "ORDER BY");
    }
    if !allow_order && let Some(c) = &clauses.from {
        refuse(cx, c.span, "FROM");
    }
}

/// `SELECT … FROM issues`.
pub(crate) fn check_select(cx: &mut Cx<'_>, select: &Select) -> Option<CheckedKind> {
    let before = cx.error_count();
    let clauses = &select.clauses;
    refuse_clauses(cx, clauses, SemanticCode::IssuesClause, "issues", true);
    if let Some(d) = select.distinct {
        cx.error(SemanticCode::IssuesClause, d, "issues do not take DISTINCT")
            .label("DISTINCT here")
            .help("remove DISTINCT: every issue is one row");
    }
    let mut columns = Vec::new();
    for item in &select.items {
        let label = item.alias.as_ref().map(|a| a.name.clone());
        match &item.expr.kind {
            ExprKind::Star => {
                let defaults = cx
                    .catalog
                    .dataset("issues")
                    .map(|d| d.default_columns.clone())
                    .unwrap_or_default();
                columns.extend(defaults.into_iter().map(|f| IssueColumn {
                    label: f.clone(),
                    field: f,
                }));
            }
            ExprKind::Field(key) => {
                let name = super::names::key_name(key);
                if ISSUE_COLUMNS.contains(&name.as_str()) {
                    columns.push(IssueColumn {
                        label: label.unwrap_or_else(|| name.clone()),
                        field: name,
                    });
                } else {
                    cx.error(
                        SemanticCode::UnknownIssueColumn,
                        key.span,
                        format!("`{name}` is not an issue column"),
                    )
                    .label("not an issue column")
                    .help_closest(&name, ISSUE_COLUMNS.iter().copied());
                }
            }
            _ => {
                cx.error(SemanticCode::IssuesAggregate, item.expr.span, "issues take columns, not functions or arithmetic")
                    .label("not an issue column")
                    .help("select issue columns such as `count` or `userCount`, which Sentry computes per issue");
            }
        }
    }
    let sort = issue_sort(cx, select);
    let filter = match &clauses.where_ {
        Some(w) => filters::check(cx, &w.filter, Place::Issues, &[]).map(Some),
        None => Some(None),
    };
    clauses::refuse_limit_all(cx, clauses.limit.as_ref(), "issues");
    let limit = clauses::check_limit(cx, clauses.limit.as_ref());
    let time = time::check_range(cx, clauses.since.as_ref());
    let projects = clauses::check_projects(cx, clauses.project.as_ref());
    let environments = clauses::check_environments(cx, clauses.environment.as_ref());
    if cx.error_count() > before {
        return None;
    }
    Some(CheckedKind::Issues(IssuesQuery {
        columns,
        filter: filter?,
        sort: sort?,
        limit: limit?,
        time: time?,
        projects: projects?,
        environments: environments?,
    }))
}

/// ORDER BY on issues: one descending sort name.
fn issue_sort(cx: &mut Cx<'_>, select: &Select) -> Option<Option<String>> {
    let Some(order) = &select.clauses.order_by else {
        return Some(None);
    };
    let catalog = cx.catalog;
    if let Some(second) = order.keys.get(1) {
        cx.error(
            SemanticCode::BadIssueSort,
            second.span,
            "issues sort by one key only",
        )
        .label("a second sort key")
        .help("keep one of `date new freq user trends inbox recommended`");
        return None;
    }
    let key = order.keys.first()?;
    if let SortDirection::Asc(span) | SortDirection::MinusAsc(_, span) = key.direction {
        cx.error(
            SemanticCode::BadIssueSort,
            span,
            "issues sort descending only",
        )
        .label("ascending")
        .help("remove ASC")
        .fix(span, "DESC");
        return None;
    }
    let (name, span) = match &key.target {
        OrderTarget::Expr(e) => match &e.kind {
            ExprKind::Field(k) => (super::names::key_name(k), k.span),
            _ => (String::new(), e.span),
        },
        OrderTarget::Position(p) => (p.node.to_string(), p.span),
    };
    match catalog.issue_sort(&name) {
        Some(sort) => Some(Some(sort.to_string())),
        None => {
            cx.error(
                SemanticCode::BadIssueSort,
                span,
                format!("issues cannot be sorted by `{name}`"),
            )
            .label("not an issue sort")
            .help_closest(&name, catalog.issue_sort_names());
            None
        }
    }
}

/// `UPDATE issues SET … WHERE …`.
pub(crate) fn check_update(cx: &mut Cx<'_>, update: &UpdateIssues) -> Option<CheckedKind> {
    let before = cx.error_count();
    cx.dataset = String::from("issues");
    if update.target.node != "issues" {
        cx.error(
            SemanticCode::UpdateTarget,
            update.target.span,
            format!("`{}` cannot be updated", update.target.node),
        )
        .label("not `issues`")
        .help("write `UPDATE issues SET …`");
    }
    let clauses = &update.clauses;
    refuse_clauses(
        cx,
        clauses,
        SemanticCode::UpdateClause,
        "UPDATE statements",
        false,
    );
    let catalog = cx.catalog;
    let mut assignments: Vec<(String, serde_json::Value)> = Vec::new();
    let mut seen: Vec<(&str, Span)> = Vec::new();
    for assignment in &update.assignments {
        let name = assignment.key.node.as_str();
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
            let first = *first;
            cx.error(
                SemanticCode::DuplicateAssignment,
                assignment.key.span,
                format!("`{name}` is set twice"),
            )
            .label("second assignment")
            .with_label(first, "first assignment")
            .help("keep one assignment per key");
            continue;
        }
        seen.push((name, assignment.key.span));
        let Some(key) = catalog.issue_update_key(name) else {
            let keys: Vec<&str> = catalog
                .issue_update_keys()
                .map(|k| k.name.as_str())
                .collect();
            cx.error(
                SemanticCode::UnknownUpdateKey,
                assignment.key.span,
                format!("`{name}` is not an issue attribute"),
            )
            .label("unknown attribute")
            .help_closest(name, keys);
            continue;
        };
        let Some((text, written)) = params::operand_text(cx, &assignment.value) else {
            continue;
        };
        let value = if key.ty == FieldType::Boolean {
            match text.to_ascii_lowercase().as_str() {
                "true" => Some(serde_json::Value::Bool(true)),
                "false" => Some(serde_json::Value::Bool(false)),
                _ => None,
            }
        } else if !key.values.is_empty() {
            key.values
                .contains(&text)
                .then(|| serde_json::Value::String(text.clone()))
        } else if name == "assignedTo" {
            assignee(&text, written)
        } else {
            Some(serde_json::Value::String(text.clone()))
        };
        match value {
            Some(v) => assignments.push((name.to_string(), v)),
            None => {
                let help = if key.ty == FieldType::Boolean {
                    String::from("expected `true` or `false`")
                } else if !key.values.is_empty() {
                    suggest::closest_list(&text, key.values.iter().map(String::as_str))
                } else {
                    String::from("expected 'user:ID', 'team:ID', an email, or NULL")
                };
                params::bad_value(
                    cx,
                    SemanticCode::BadUpdateValue,
                    written,
                    &assignment.value,
                    format!("`{text}` is not a valid value of `{name}`"),
                    &help,
                );
                // A did-you-mean on a value written in the source: the fix writes it the
                // same way (quoted or not).
                let near = suggest::suggest(&text, key.values.iter().map(String::as_str));
                let replacement = match (&assignment.value.kind, near) {
                    (OperandKind::Word(_), Some(n)) => Some(n.to_string()),
                    (OperandKind::SingleQuoted(_), Some(n)) => {
                        Some(format!("'{}'", n.replace('\'', "''")))
                    }
                    (OperandKind::DoubleQuoted(_), Some(n)) => {
                        Some(format!("\"{}\"", n.replace('"', "\\\"")))
                    }
                    _ => None,
                };
                if let (Some(r), Some(d)) = (replacement, cx.diagnostics.last_mut())
                    && d.code == crate::diagnostic::Code::code(SemanticCode::BadUpdateValue)
                {
                    d.fix = Some(crate::diagnostic::Fix {
                        span: assignment.value.span,
                        replacement: r,
                    });
                }
            }
        }
    }
    let filter = match &clauses.where_ {
        Some(w) => filters::check(cx, &w.filter, Place::Issues, &[]),
        None => {
            cx.error(SemanticCode::UpdateClause, update.span, "UPDATE needs WHERE")
                .label("no WHERE")
                .help("add `WHERE …` naming the issues to change (`WHERE is:unresolved` for all unresolved ones)");
            None
        }
    };
    clauses::refuse_limit_all(cx, clauses.limit.as_ref(), "UPDATE");
    let limit = clauses::check_limit(cx, clauses.limit.as_ref());
    let time = time::check_range(cx, clauses.since.as_ref());
    let projects = clauses::check_projects(cx, clauses.project.as_ref());
    let environments = clauses::check_environments(cx, clauses.environment.as_ref());
    if cx.error_count() > before {
        return None;
    }
    Some(CheckedKind::UpdateIssues(UpdateIssuesQuery {
        assignments,
        filter: filter?,
        limit: limit?,
        time: time?,
        projects: projects?,
        environments: environments?,
    }))
}

/// `assignedTo`: `user:ID`, `team:ID`, an email, or NULL (unassign).
fn assignee(text: &str, written: Written) -> Option<serde_json::Value> {
    if written == Written::Word && text.eq_ignore_ascii_case("null") {
        return Some(serde_json::Value::Null);
    }
    let id_after = |prefix: &str| {
        text.strip_prefix(prefix)
            .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
    };
    let email = text
        .split_once('@')
        .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
    (id_after("user:") || id_after("team:") || email)
        .then(|| serde_json::Value::String(text.to_string()))
}

/// `SHOW EVENT id [PROJECT slug]`.
pub(crate) fn check_show_event(cx: &mut Cx<'_>, show: &ShowEvent) -> Option<CheckedKind> {
    let (text, written) = params::operand_text(cx, &show.id)?;
    let quoted = matches!(
        show.id.kind,
        OperandKind::SingleQuoted(_) | OperandKind::DoubleQuoted(_)
    );
    let (sugar_project, id) = match text.split_once(':') {
        Some((slug, id)) if quoted || written == Written::Param => {
            (Some(slug.to_string()), id.to_string())
        }
        _ => (None, text.clone()),
    };
    let id: String = id
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    let mut ok = true;
    if id.len() != 32 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        params::bad_value(
            cx,
            SemanticCode::BadEventId,
            written,
            &show.id,
            format!("`{text}` is not an event id"),
            "an event id is 32 hex digits (dashes are ignored)",
        );
        ok = false;
    }
    let project = match &show.project {
        Some(op) => {
            let (slug, _) = params::operand_text(cx, op)?;
            if sugar_project.is_some() {
                cx.error(
                    SemanticCode::DuplicateProject,
                    op.span,
                    "the project is named twice",
                )
                .label("second project")
                .with_label(show.id.span, "first, as `slug:id`")
                .help("keep either `'slug:id'` or `PROJECT slug`");
                ok = false;
            }
            Some(slug)
        }
        None => sugar_project,
    };
    ok.then_some(CheckedKind::ShowEvent(ShowEventQuery {
        event_id: id,
        project,
    }))
}
