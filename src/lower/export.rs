//! `dql export`'s requests, lowered from the checked statement: pure, "now" and the
//! organization are inputs ([`Options`]), as for every other request.
//!
//! - events (`errors`, `transactions`, `discover`): the events request listing the ids to
//!   fetch ([`lower_export`] with [`Exported::Ids`]): the statement's filter, projects,
//!   environments, dataset and order, selecting only `id` and `project` (and the fields the
//!   order needs: Sentry sorts only by selected fields), newest first without ORDER BY, ties
//!   broken by `timestamp` and `id` so offset pages never overlap, a hundred a page;
//! - rows (`spans`, `logs`): the statement's own events request, plus `id`, `project` and
//!   `timestamp` (what `--events` needs to place each row), newest first without ORDER BY;
//! - with the ids, Sentry's count of what they list ([`ExportRequest::count`]), to check the
//!   export is whole; and one event's payload ([`event_request`]).
//!
//! The time range is always absolute (`start`, `end` resolved at "now"), so a resumed export
//! asks for the range its first run did.

use super::request::{Endpoint, Method, Request};
use super::{Ctx, MAX_PAGE, Options};
use crate::answer::OutputColumn;
use crate::diagnostic::Diagnostic;
use crate::semantic::checked::{CheckedKind, CheckedStatement, EventsQuery};
use crate::semantic::range::format_instant;
use jiff::Timestamp;

/// Query parameters in the order sent.
type Params = Vec<(String, String)>;

/// `[start, end)`.
type Range = (Timestamp, Timestamp);

/// What one statement exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exported {
    /// Events: ids listed, then each payload fetched (or the project listing's payloads).
    Ids,
    /// Spans or logs: the listed rows are the export.
    Rows,
}

/// The request listing what a statement exports.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRequest {
    /// The events request: ids, or the rows themselves; at most `limit` rows, time absolute.
    pub request: Request,
    /// What its rows are.
    pub exported: Exported,
    /// Events: Sentry's count of what `request` lists (one row, `count()`): the same scope
    /// and time, no order.
    pub count: Option<Request>,
    /// The range `[start, end)` it covers; `None` only for a relative range reaching back
    /// before the earliest representable instant (then the request keeps it relative).
    pub range: Option<(Timestamp, Timestamp)>,
}

/// Why `stmt` (lowered to `request`) cannot be exported, in one sentence; `None` when it can.
pub fn refusal(stmt: &CheckedStatement, request: &Request) -> Option<String> {
    Some(match &stmt.kind {
        CheckedKind::Events(q) if q.interval.is_some() => {
            "a time series (INTERVAL) has no events to export".to_owned()
        }
        CheckedKind::Events(q) if q.aggregate => {
            "an aggregate query (functions, GROUP BY or DISTINCT) returns groups, not events"
                .to_owned()
        }
        CheckedKind::Events(q) if exported(q).is_none() => {
            format!("the {} dataset has no event payloads to fetch", q.dataset)
        }
        CheckedKind::Events(_) if request.endpoint == Endpoint::Events => return None,
        CheckedKind::Events(_) => "this query does not list events".to_owned(),
        CheckedKind::Issues(_) => "issues are not events".to_owned(),
        CheckedKind::ShowEvent(_) => "SHOW EVENT fetches one event: use `dql run`".to_owned(),
        CheckedKind::UpdateIssues(_) => "UPDATE changes issues; it lists no events".to_owned(),
    })
}

/// What a query over `q.dataset` exports; `None` for a dataset without payloads.
fn exported(q: &EventsQuery) -> Option<Exported> {
    match q.dataset.as_str() {
        "errors" | "transactions" | "discover" => Some(Exported::Ids),
        "spans" | "logs" => Some(Exported::Rows),
        _ => None,
    }
}

/// The request listing what `stmt` exports, at most `limit` rows; `None` when it is no
/// exportable statement ([`refusal`] says why). Errors are lowering's (a range that is empty
/// once "now" is known, a filter Sentry cannot express).
pub fn lower_export(
    stmt: &CheckedStatement,
    options: &Options,
    limit: u64,
) -> Option<Result<ExportRequest, Vec<Diagnostic>>> {
    let CheckedKind::Events(q) = &stmt.kind else {
        return None;
    };
    if q.aggregate || q.interval.is_some() {
        return None;
    }
    let exported = exported(q)?;
    let ctx = Ctx {
        name: stmt.name.clone(),
        span: stmt.span,
        options,
        columns: crate::answer::statement_columns(&stmt.kind),
    };
    Some(match exported {
        Exported::Ids => ids_request(&ctx, q, limit),
        Exported::Rows => rows_request(&ctx, q, limit),
    })
}

/// The time params of `q` made absolute: `start` and `end` at "now", and the range; the
/// relative params when the range cannot be represented.
fn absolute_time(
    ctx: &Ctx<'_>,
    q: &EventsQuery,
) -> Result<(Params, Option<Range>), Vec<Diagnostic>> {
    let resolved = q
        .time
        .resolve(ctx.options.now)
        .map_err(|e| vec![e.diagnostic(&q.time, ctx.span)])?;
    Ok(match resolved.instants {
        Some((start, end)) => (
            vec![
                ("start".to_owned(), format_instant(start)),
                ("end".to_owned(), format_instant(end)),
            ],
            Some((start, end)),
        ),
        None => (super::time::params(&resolved), None),
    })
}

/// What scopes the events listed, in the order sent: `query`, `project`/`projectSlug`…,
/// `environment`…, `dataset`, `sampling`.
fn scope_params(ctx: &Ctx<'_>, q: &EventsQuery) -> Result<Params, Vec<Diagnostic>> {
    let mut params = Vec::new();
    let query = super::query_param(q.filter.as_ref(), None)?;
    if !query.is_empty() {
        params.push(("query".to_owned(), query));
    }
    super::project_params(ctx, &q.projects, &mut params);
    super::environment_params(&q.environments, &mut params);
    params.push(("dataset".to_owned(), q.dataset.clone()));
    super::sampling_params(q.sampling, &mut params);
    Ok(params)
}

/// The ids of the events to export (see the module documentation).
fn ids_request(
    ctx: &Ctx<'_>,
    q: &EventsQuery,
    limit: u64,
) -> Result<ExportRequest, Vec<Diagnostic>> {
    let mut sort: Vec<String> = Vec::new();
    for key in &q.order_by {
        let field = key.value.canonical();
        if !sort.iter().any(|s| s.trim_start_matches('-') == field) {
            sort.push(if key.descending {
                format!("-{field}")
            } else {
                field
            });
        }
    }
    // Newest first without ORDER BY; ties broken by time and id so pages never overlap.
    for tiebreak in ["-timestamp", "id"] {
        let field = tiebreak.trim_start_matches('-');
        if !sort.iter().any(|s| s.trim_start_matches('-') == field) {
            sort.push(tiebreak.to_owned());
        }
    }
    // Sentry sorts only by selected fields.
    let mut fields = vec!["id".to_owned(), "project".to_owned()];
    for key in &sort {
        let field = key.trim_start_matches('-');
        if !fields.iter().any(|f| f == field) {
            fields.push(field.to_owned());
        }
    }
    let (time, range) = absolute_time(ctx, q)?;
    let scope = scope_params(ctx, q)?;
    // The scope with the time: a range that stays relative where lowering puts it, after
    // `query`; an absolute one last.
    let relative = range.is_none();
    let at = usize::from(scope.first().is_some_and(|(k, _)| k == "query"));
    let mut scoped = Vec::new();
    for (i, param) in scope.into_iter().enumerate() {
        if relative && i == at {
            scoped.extend(time.iter().cloned());
        }
        scoped.push(param);
    }
    let mut params: Vec<(String, String)> = fields
        .iter()
        .map(|f| ("field".to_owned(), f.clone()))
        .collect();
    params.extend(scoped.iter().cloned());
    params.extend(sort.into_iter().map(|s| ("sort".to_owned(), s)));
    params.push(("per_page".to_owned(), MAX_PAGE.to_string()));
    if !relative {
        params.extend(time.iter().cloned());
    }
    let column = |f: &str| OutputColumn {
        field: f.to_owned(),
        label: f.to_owned(),
        ty: None,
    };
    let request = Request {
        name: ctx.name.clone(),
        params,
        columns: vec![column("id"), column("project")],
        hidden: fields.iter().skip(2).cloned().collect(),
        limit: Some(limit),
        ..Request::new(Method::Get, Endpoint::Events, ctx.org_path("events/"))
    };
    // As the ids request sends them, with `per_page=1` after the time.
    let mut counted = vec![("field".to_owned(), "count()".to_owned())];
    counted.extend(scoped);
    if !relative {
        counted.extend(time.iter().cloned());
    }
    counted.push(("per_page".to_owned(), "1".to_owned()));
    let count = Request {
        params: counted,
        columns: Vec::new(),
        hidden: Vec::new(),
        limit: Some(1),
        ..request.clone()
    };
    Ok(ExportRequest {
        request,
        exported: Exported::Ids,
        count: Some(count),
        range,
    })
}

/// The rows of a spans or logs statement (see the module documentation): its own request,
/// with what `--events` needs added after what lowering sends.
fn rows_request(
    ctx: &Ctx<'_>,
    q: &EventsQuery,
    limit: u64,
) -> Result<ExportRequest, Vec<Diagnostic>> {
    let mut request = super::events::lower_events(ctx, q)?;
    let (time, range) = absolute_time(ctx, q)?;
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
    // A hundred a page, then the range made absolute, last.
    request.params.retain(|(k, _)| k != "per_page");
    request
        .params
        .push(("per_page".to_owned(), MAX_PAGE.to_string()));
    if range.is_some() {
        request.params.retain(|(k, _)| {
            !matches!(
                k.as_str(),
                "statsPeriod" | "statsPeriodStart" | "statsPeriodEnd" | "start" | "end"
            )
        });
        request.params.extend(time);
    }
    request.limit = Some(limit);
    Ok(ExportRequest {
        request,
        exported: Exported::Rows,
        count: None,
        range,
    })
}

/// The request for one event's payload (`project` and `id` already checked to be a slug and
/// an event id).
pub fn event_request(project: &str, id: &str) -> Request {
    Request::new(
        Method::Get,
        Endpoint::ProjectEvent,
        format!("/api/0/projects/{{org}}/{project}/events/{id}/"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(text: &str) -> Vec<CheckedStatement> {
        let source = crate::source::Source::new("t", text);
        let parsed = crate::syntax::parse(&source);
        let checked = crate::semantic::check(
            &parsed.file,
            crate::semantic::Catalog::builtin(),
            &crate::semantic::Params::new(),
            &crate::semantic::CheckOptions::default(),
        );
        assert!(
            !checked.diagnostics.iter().any(|d| d.is_error()),
            "{:?}",
            checked.diagnostics
        );
        checked.statements
    }

    fn options() -> Options {
        Options {
            org: Some("acme".to_owned()),
            ..Options::new("2026-11-26T10:00:00Z".parse().unwrap_or_default())
        }
    }

    fn export(text: &str, limit: u64) -> ExportRequest {
        let statements = checked(text);
        let Some(Ok(export)) = statements
            .first()
            .and_then(|s| lower_export(s, &options(), limit))
        else {
            panic!("{text} does not export");
        };
        export
    }

    fn pairs(params: &[(&str, &str)]) -> Vec<(String, String)> {
        params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn ids_keep_the_scope_and_order_select_ids_and_fix_the_range() {
        let export = export(
            "SELECT title FROM errors WHERE level:error PROJECT web ENVIRONMENT prod \
             SINCE 24h ORDER BY title LIMIT 5",
            500,
        );
        assert_eq!(export.exported, Exported::Ids);
        let ids = &export.request;
        assert_eq!(ids.path, "/api/0/organizations/acme/events/");
        assert_eq!(
            ids.params,
            pairs(&[
                ("field", "id"),
                ("field", "project"),
                ("field", "title"),
                ("field", "timestamp"),
                ("query", "level:error"),
                ("projectSlug", "web"),
                ("environment", "prod"),
                ("dataset", "errors"),
                ("sort", "title"),
                ("sort", "-timestamp"),
                ("sort", "id"),
                ("per_page", "100"),
                ("start", "2026-11-25T10:00:00Z"),
                ("end", "2026-11-26T10:00:00Z"),
            ])
        );
        assert_eq!(ids.hidden, ["title", "timestamp"]);
        assert_eq!(ids.limit, Some(500));
        let range = export
            .range
            .map(|(s, e)| (format_instant(s), format_instant(e)));
        assert_eq!(
            range,
            Some((
                "2026-11-25T10:00:00Z".to_owned(),
                "2026-11-26T10:00:00Z".to_owned()
            ))
        );
        let count = export.count.unwrap_or_else(|| panic!("events are counted"));
        assert_eq!(
            count.params,
            pairs(&[
                ("field", "count()"),
                ("query", "level:error"),
                ("projectSlug", "web"),
                ("environment", "prod"),
                ("dataset", "errors"),
                ("start", "2026-11-25T10:00:00Z"),
                ("end", "2026-11-26T10:00:00Z"),
                ("per_page", "1"),
            ])
        );
        assert_eq!(count.limit, Some(1));
    }

    #[test]
    fn without_order_by_the_newest_come_first() {
        let export = export("SELECT id FROM transactions", 10);
        let sort: Vec<&str> = export
            .request
            .params
            .iter()
            .filter(|(k, _)| k == "sort")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(sort, ["-timestamp", "id"]);
        let fields: Vec<&str> = export
            .request
            .params
            .iter()
            .filter(|(k, _)| k == "field")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(fields, ["id", "project", "timestamp"]);
    }

    #[test]
    fn rows_are_the_statements_own_request_with_what_events_files_need() {
        let export = export("SELECT span.op FROM spans SINCE 1h", 10);
        assert_eq!(export.exported, Exported::Rows);
        assert!(export.count.is_none());
        assert_eq!(
            export.request.params,
            pairs(&[
                ("field", "span.op"),
                ("dataset", "spans"),
                ("field", "id"),
                ("field", "project"),
                ("field", "timestamp"),
                ("sort", "-timestamp"),
                ("per_page", "100"),
                ("start", "2026-11-26T09:00:00Z"),
                ("end", "2026-11-26T10:00:00Z"),
            ])
        );
        assert_eq!(export.request.hidden, ["id", "project", "timestamp"]);
        assert_eq!(export.request.limit, Some(10));
    }

    #[test]
    fn what_lists_no_events_is_refused_with_the_reason() {
        for (text, reason) in [
            ("SELECT count() FROM errors", "aggregate"),
            ("SELECT count() FROM errors INTERVAL 1h", "time series"),
            ("SELECT count() FROM errors GROUP BY title", "aggregate"),
        ] {
            let statements = checked(text);
            let Some(stmt) = statements.first() else {
                panic!("{text} has no statement");
            };
            assert!(lower_export(stmt, &options(), 10).is_none(), "{text}");
            let request = super::super::lower(stmt, &options())
                .unwrap_or_else(|e| panic!("{text} lowers: {e:?}"));
            let said = refusal(stmt, &request).unwrap_or_default();
            assert!(said.contains(reason), "{text}: {said}");
        }
        let statements = checked("SELECT id FROM errors");
        let Some(stmt) = statements.first() else {
            panic!("no statement");
        };
        let request =
            super::super::lower(stmt, &options()).unwrap_or_else(|e| panic!("lowers: {e:?}"));
        assert_eq!(refusal(stmt, &request), None);
    }
}
