//! Clauses shared by every statement kind: LIMIT, PROJECT and ENVIRONMENT.

use super::checked::{ClauseSpans, Projects};
use super::context::Cx;
use super::params::{self, Written};
use crate::registry::SemanticCode;
use crate::span::Span;
use crate::syntax::ast::{EnvironmentClause, Limit, OperandKind, ProjectClause};

/// Whether the clause is `LIMIT ALL` (the bare word, any case): every matching row.
pub(crate) fn is_limit_all(limit: Option<&Limit>) -> bool {
    limit.is_some_and(
        |l| matches!(&l.value.kind, OperandKind::Word(w) if w.eq_ignore_ascii_case("all")),
    )
}

/// LIMIT: an integer ≥ 1; `LIMIT ALL` is no number (`None`, see [`is_limit_all`]).
pub(crate) fn check_limit(cx: &mut Cx<'_>, limit: Option<&Limit>) -> Option<Option<u64>> {
    let Some(limit) = limit else {
        return Some(None);
    };
    if is_limit_all(Some(limit)) {
        return Some(None);
    }
    let (text, written) = params::operand_text(cx, &limit.value)?;
    match text.parse::<u64>() {
        Ok(n) if n >= 1 && written != Written::Quoted => Some(Some(n)),
        _ => {
            params::bad_value(
                cx,
                SemanticCode::BadLimit,
                written,
                &limit.value,
                format!("`{text}` is not a valid LIMIT"),
                "LIMIT takes a whole number of at least 1",
            );
            None
        }
    }
}

/// `LIMIT ALL` where only a number will do (issues, UPDATE): an error.
pub(crate) fn refuse_limit_all(cx: &mut Cx<'_>, limit: Option<&Limit>, what: &str) {
    if let Some(limit) = limit.filter(|l| is_limit_all(Some(l))) {
        cx.error(
            SemanticCode::LimitAllUnsupported,
            limit.span,
            format!("LIMIT ALL is not supported on {what}"),
        )
        .label("LIMIT ALL")
        .help("LIMIT ALL is for queries over events (errors, transactions, spans, logs…); give a number here");
    }
}

/// PROJECT: all slugs, all ids, or ALL.
pub(crate) fn check_projects(cx: &mut Cx<'_>, clause: Option<&ProjectClause>) -> Option<Projects> {
    let Some(clause) = clause else {
        return Some(Projects::Default);
    };
    if clause.all.is_some() {
        return Some(Projects::All);
    }
    let mut slugs: Vec<(String, Span)> = Vec::new();
    let mut ids: Vec<(u64, Span)> = Vec::new();
    let mut ok = true;
    for item in &clause.items {
        let Some((text, _)) = params::operand_text(cx, item) else {
            ok = false;
            continue;
        };
        let all_digits = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
        match text.parse::<u64>() {
            Ok(id) if all_digits => ids.push((id, item.span)),
            _ => slugs.push((text, item.span)),
        }
    }
    if let (Some((slug, slug_span)), Some((id, id_span))) = (slugs.first(), ids.first()) {
        let (slug, slug_span, id, id_span) = (slug.clone(), *slug_span, *id, *id_span);
        cx.error(
            SemanticCode::MixedProjects,
            id_span,
            "PROJECT mixes slugs and numeric ids",
        )
        .label(format!("the id `{id}`"))
        .with_label(slug_span, format!("the slug `{slug}`"))
        .help("use only slugs or only ids: Sentry ignores ids when slugs are present");
        return None;
    }
    if !ok {
        return None;
    }
    Some(if ids.is_empty() {
        Projects::Slugs(slugs.into_iter().map(|(s, _)| s).collect())
    } else {
        Projects::Ids(ids.into_iter().map(|(i, _)| i).collect())
    })
}

/// ENVIRONMENT names.
pub(crate) fn check_environments(
    cx: &mut Cx<'_>,
    clause: Option<&EnvironmentClause>,
) -> Option<Vec<String>> {
    let Some(clause) = clause else {
        return Some(Vec::new());
    };
    let mut names = Vec::new();
    let mut ok = true;
    for item in &clause.items {
        match params::operand_text(cx, item) {
            Some((text, _)) => names.push(text),
            None => ok = false,
        }
    }
    ok.then_some(names)
}

/// Where the clauses of `statement` are written (see [`ClauseSpans`]).
pub(crate) fn clause_spans(statement: &crate::syntax::ast::Statement) -> ClauseSpans {
    use crate::syntax::ast::StatementKind;
    let (select, clauses) = match &statement.kind {
        StatementKind::Select(s) => (
            s.items
                .first()
                .map(|i| i.span.to(s.items.last().map_or(i.span, |l| l.span))),
            &s.clauses,
        ),
        StatementKind::UpdateIssues(u) => (None, &u.clauses),
        _ => return ClauseSpans::default(),
    };
    let written = |span: Option<Span>| span.filter(|s| *s != Span::DUMMY);
    ClauseSpans {
        select: written(select),
        where_: written(clauses.where_.as_ref().map(|c| c.span)),
        order_by: written(clauses.order_by.as_ref().map(|c| c.span)),
        since: written(clauses.since.as_ref().map(|c| c.span)),
        limit: written(clauses.limit.as_ref().map(|c| c.span)),
        project: written(clauses.project.as_ref().map(|c| c.span)),
        environment: written(clauses.environment.as_ref().map(|c| c.span)),
        interval: written(clauses.interval.as_ref().map(|c| c.span)),
    }
}
