//! `dql export`'s requests (README "Exporting events"): for errors, transactions and discover,
//! the events request listing the ids (and projects) of the events a statement matches, whose
//! payloads are then fetched one by one; for spans and logs, the events request whose rows are
//! the export.

use super::events::Fields;
use super::request::{Endpoint, Method, Request};
use super::{Ctx, Options};
use crate::answer::OutputColumn;
use crate::diagnostic::Diagnostic;
use crate::semantic::checked::{CheckedKind, CheckedStatement, EventsQuery};
use std::collections::HashSet;

/// Sentry's largest page of the events endpoint, which an export always asks for.
const PAGE_SIZE: u64 = super::MAX_PAGE;

/// The datasets whose rows are the export (no payload to fetch per event).
const ROW_DATASETS: &[&str] = &["spans", "logs"];

/// The request that exports up to `limit` events (or rows) of `stmt`: see the module. A
/// statement that is not a plain SELECT over events lowers as [`super::lower`] lowers it (the
/// caller refuses those).
pub fn lower_export(
    stmt: &CheckedStatement,
    options: &Options,
    limit: u64,
) -> Result<Request, Vec<Diagnostic>> {
    let CheckedKind::Events(q) = &stmt.kind else {
        return super::lower(stmt, options);
    };
    let ctx = Ctx {
        name: stmt.name.clone(),
        span: stmt.span,
        options,
        columns: crate::answer::statement_columns(&stmt.kind),
    };
    if ROW_DATASETS.contains(&q.dataset.as_str()) {
        rows_request(&ctx, q, limit)
    } else {
        ids_request(&ctx, q, limit)
    }
}

/// The events request listing the ids to export: the statement's filter, projects,
/// environments, time range and order, selecting only `id` and `project` (and what the order
/// needs), newest first when the statement has no ORDER BY (ties broken by time and id so
/// pages never overlap), in pages of 100 up to `limit`.
fn ids_request(ctx: &Ctx<'_>, q: &EventsQuery, limit: u64) -> Result<Request, Vec<Diagnostic>> {
    let mut sort = Vec::new();
    let mut sorted_by = HashSet::new();
    for k in &q.order_by {
        let key = k.value.canonical();
        if sorted_by.insert(key.clone()) {
            sort.push(if k.descending { format!("-{key}") } else { key });
        }
    }
    for (field, sent) in [("timestamp", "-timestamp"), ("id", "id")] {
        if sorted_by.insert(field.to_owned()) {
            sort.push(sent.to_owned());
        }
    }
    // Sentry sorts only by selected fields.
    let mut fields = Fields::default();
    fields.push("id".to_owned());
    fields.push("project".to_owned());
    for key in &sort {
        fields.push(key.strip_prefix('-').unwrap_or(key).to_owned());
    }
    let query = super::query_param(q.filter.as_ref(), q.having.as_ref())?;
    let time = super::time::lower_time(&q.time, ctx.options.now, ctx.span)?;

    let mut params: Vec<(String, String)> = fields
        .list
        .iter()
        .map(|f| ("field".to_owned(), f.clone()))
        .collect();
    if !query.is_empty() {
        params.push(("query".into(), query));
    }
    params.extend(time.params);
    super::project_params(ctx, &q.projects, &mut params);
    super::environment_params(&q.environments, &mut params);
    params.push(("dataset".into(), q.dataset.clone()));
    params.extend(sort.into_iter().map(|s| ("sort".to_owned(), s)));
    params.push(("per_page".to_owned(), PAGE_SIZE.to_string()));
    Ok(Request {
        name: ctx.name.clone(),
        method: Method::Get,
        endpoint: Endpoint::Events,
        path: ctx.org_path("events/"),
        params,
        body: None,
        columns: vec![OutputColumn::plain("id"), OutputColumn::plain("project")],
        hidden: fields.list.iter().skip(2).cloned().collect(),
        limit: Some(limit),
        update: None,
        fallback: None,
    })
}

/// The events request whose rows are the export of a spans or logs statement: its own request
/// plus the fields `id`, `project` and `timestamp` (what `--events` needs to place each row),
/// newest first without ORDER BY, in pages of 100 up to `limit`. Each row is written as it
/// comes: one flat object per span or log keyed by attribute (README "Exported spans and
/// logs").
fn rows_request(ctx: &Ctx<'_>, q: &EventsQuery, limit: u64) -> Result<Request, Vec<Diagnostic>> {
    let mut request = super::events::lower_events(ctx, q)?;
    for needed in ["id", "project", "timestamp"] {
        let present = request
            .params
            .iter()
            .any(|(k, v)| k == "field" && v == needed);
        if !present {
            request.params.push(("field".to_owned(), needed.to_owned()));
            request.hidden.push(needed.to_owned());
        }
    }
    if !request.params.iter().any(|(k, _)| k == "sort") {
        request
            .params
            .push(("sort".to_owned(), "-timestamp".to_owned()));
    }
    request.params.retain(|(k, _)| k != "per_page");
    request
        .params
        .push(("per_page".to_owned(), PAGE_SIZE.to_string()));
    request.limit = Some(limit);
    Ok(request)
}
