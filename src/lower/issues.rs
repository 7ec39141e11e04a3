//! `FROM issues`, `SHOW EVENT` and `UPDATE issues` (language.md §8, sentry-api.md §10, §13.3):
//! the issues list, the event-by-id paths, and UPDATE's two steps (a listing, then a PUT to
//! exactly the listed ids).

use super::request::{Endpoint, Method, Request, UpdatePlan};
use super::{Ctx, MAX_PAGE};
use crate::diagnostic::Diagnostic;
use crate::registry::LowerCode;
use crate::semantic::checked::filter::TypedFilter;
use crate::semantic::checked::{
    IssuesQuery, Projects, ShowEventQuery, TimeRange, UpdateIssuesQuery,
};
use serde_json::Value;

/// Issues one UPDATE lists (and so changes) at most when it has no LIMIT: Sentry's own cap on
/// a bulk mutation.
pub(crate) const UPDATE_DEFAULT_LIMIT: u64 = 1000;
/// `id` params per PUT, so URLs stay short.
pub(crate) const UPDATE_CHUNK: usize = 100;

/// The sort modes of the issues endpoint.
const SORTS: &[&str] = &[
    "date",
    "new",
    "freq",
    "user",
    "trends",
    "inbox",
    "recommended",
];

/// An issues sort mode, aliases resolved (`lastSeen`→date, `firstSeen`→new,
/// `count`/`events`→freq, `users`→user).
pub(crate) fn issue_sort(name: &str) -> Option<&'static str> {
    let alias = match name {
        "lastSeen" => "date",
        "firstSeen" => "new",
        "count" | "events" => "freq",
        "users" => "user",
        other => other,
    };
    SORTS.iter().copied().find(|s| *s == alias)
}

/// The issues-endpoint params shared by SELECT and UPDATE.
fn issue_params(
    ctx: &Ctx<'_>,
    filter: Option<&TypedFilter>,
    sort: Option<&'static str>,
    limit: Option<u64>,
    time: &TimeRange,
    projects: &Projects,
    environments: &[String],
) -> Result<Vec<(String, String)>, Vec<Diagnostic>> {
    // Always sent: without it Sentry would show only unresolved issues.
    let query = super::query_param(filter, None)?;
    let time = super::time::lower_time(time, ctx.options.now, ctx.span)?;
    let mut params = vec![("query".to_owned(), query)];
    if let Some(s) = sort {
        params.push(("sort".into(), s.into()));
    }
    let page = limit.map_or(MAX_PAGE, |n| n.clamp(1, MAX_PAGE));
    params.push(("limit".into(), page.to_string()));
    params.extend(time.params);
    super::project_params(ctx, projects, &mut params);
    super::environment_params(environments, &mut params);
    Ok(params)
}

pub(super) fn lower_issues(ctx: &Ctx<'_>, q: &IssuesQuery) -> Result<Request, Vec<Diagnostic>> {
    let sort = match q.sort.as_deref() {
        None => None,
        Some(s) => Some(issue_sort(s).ok_or_else(|| {
            vec![
                Diagnostic::error(
                    LowerCode::UnknownIssueSort,
                    ctx.span,
                    format!("the issues endpoint cannot sort by `{s}`"),
                )
                .help(format!("sort by one of: {}", SORTS.join(", "))),
            ]
        })?),
    };
    let params = issue_params(
        ctx,
        q.filter.as_ref(),
        sort,
        q.limit,
        &q.time,
        &q.projects,
        &q.environments,
    )?;
    Ok(Request {
        name: ctx.name.clone(),
        params,
        columns: ctx.columns.clone(),
        limit: q.limit,
        ..Request::new(Method::Get, Endpoint::Issues, ctx.org_path("issues/"))
    })
}

fn bad_segment(ctx: &Ctx<'_>, what: &str, value: &str) -> Vec<Diagnostic> {
    vec![
        Diagnostic::error(
            LowerCode::BadPathSegment,
            ctx.span,
            format!("the {what} `{value}` cannot go into a Sentry URL"),
        )
        .help(
            "Sentry slugs hold only letters, digits, `-`, `_` and `.`; event ids are 32 hex digits",
        ),
    ]
}

pub(super) fn lower_show_event(
    ctx: &Ctx<'_>,
    q: &ShowEventQuery,
) -> Result<Request, Vec<Diagnostic>> {
    let id = &q.event_id;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad_segment(ctx, "event id", id));
    }
    let id = id.to_ascii_lowercase();
    let (endpoint, path) = match &q.project {
        Some(slug) if !super::plain_segment(slug) => {
            return Err(bad_segment(ctx, "project slug", slug));
        }
        Some(slug) => (
            Endpoint::ProjectEvent,
            format!("/api/0/projects/{}/{slug}/events/{id}/", ctx.org()),
        ),
        None => (
            Endpoint::EventIdLookup,
            ctx.org_path(&format!("eventids/{id}/")),
        ),
    };
    Ok(Request {
        name: ctx.name.clone(),
        ..Request::new(Method::Get, endpoint, path)
    })
}

pub(super) fn lower_update(
    ctx: &Ctx<'_>,
    q: &UpdateIssuesQuery,
) -> Result<Request, Vec<Diagnostic>> {
    let limit = q.limit.unwrap_or(UPDATE_DEFAULT_LIMIT);
    let params = issue_params(
        ctx,
        Some(&q.filter),
        None,
        Some(limit),
        &q.time,
        &q.projects,
        &q.environments,
    )?;
    let mut body = serde_json::Map::new();
    for (key, value) in &q.assignments {
        // Sentry unassigns with an empty string, not null.
        let value = match (key.as_str(), value) {
            ("assignedTo", Value::Null) => Value::String(String::new()),
            _ => value.clone(),
        };
        body.insert(key.clone(), value);
    }
    let path = ctx.org_path("issues/");
    // The PUT's own scope: the statement's query, time range and environments (its project
    // comes from each listed issue; the listing's size and sort do not apply).
    let scope = params
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "limit" | "sort" | "project" | "projectSlug"))
        .cloned()
        .collect();
    Ok(Request {
        name: ctx.name.clone(),
        params,
        columns: ctx.columns.clone(),
        limit: Some(limit),
        update: Some(UpdatePlan {
            method: Method::Put,
            path: path.clone(),
            body: Value::Object(body),
            params: scope,
            chunk: UPDATE_CHUNK,
        }),
        ..Request::new(Method::Get, Endpoint::Issues, path)
    })
}
