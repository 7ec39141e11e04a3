//! The lowered form of a statement: the HTTP request to send and how to present its answer.

use crate::answer::OutputColumn;
use serde::Serialize;

/// HTTP methods dql sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// `GET`
    #[serde(rename = "GET")]
    Get,
    /// `PUT`
    #[serde(rename = "PUT")]
    Put,
    /// `POST` (creating a saved query)
    #[serde(rename = "POST")]
    Post,
    /// `DELETE` (pruning saved queries)
    #[serde(rename = "DELETE")]
    Delete,
}

impl Method {
    /// `GET`, `PUT`, `POST` or `DELETE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// Which Sentry endpoint a request targets; decides pagination and response shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `/api/0/organizations/{org}/events/`
    Events,
    /// `/api/0/organizations/{org}/events-stats/`
    EventsStats,
    /// `/api/0/organizations/{org}/events-timeseries/`
    EventsTimeseries,
    /// `/api/0/organizations/{org}/issues/` (GET)
    Issues,
    /// `/api/0/organizations/{org}/issues/` (PUT, bulk update)
    IssuesUpdate,
    /// `/api/0/projects/{org}/{project}/events/{id}/`
    ProjectEvent,
    /// `/api/0/organizations/{org}/eventids/{id}/`
    EventIdLookup,
}

/// A request ready to send, with its output plan.
///
/// It serializes as `dql compile --output json` prints each statement (language.md §11,
/// without the `now` that command adds): `name`, `method`, `path`, `params` (`[key, value]`
/// pairs in the order sent), `hidden`, `columns` (`field` and `label`), and `update` or
/// `fallback` when there is one. The endpoint, body and limit follow from those and are left
/// out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    /// The statement's `@name`, if any.
    pub name: Option<String>,
    /// HTTP method.
    pub method: Method,
    /// The endpoint kind.
    #[serde(skip)]
    pub endpoint: Endpoint,
    /// Path with `{org}` left literal when no organization is configured.
    pub path: String,
    /// Query parameters in the order sent (repeated keys repeat).
    pub params: Vec<(String, String)>,
    /// JSON body (PUT only).
    #[serde(skip)]
    pub body: Option<serde_json::Value>,
    /// Fields sent but not shown.
    pub hidden: Vec<String>,
    /// Columns to show, in select-list order.
    pub columns: Vec<OutputColumn>,
    /// How many rows are wanted (LIMIT); `None` means one page.
    #[serde(skip)]
    pub limit: Option<u64>,
    /// `UPDATE issues` only: this request is the GET listing the matching issues, and the plan
    /// says what to PUT to exactly the ids it returns, after confirmation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdatePlan>,
    /// events-timeseries only: the events-stats request to send instead when this Sentry has
    /// no events-timeseries (an older self-hosted one answers 404).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Box<Request>>,
    /// A table query with COMPARE TO: the earlier period's request and how the two answers
    /// are joined ([`crate::lower::compare`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare: Option<ComparePlan>,
    /// events only, with `LIMIT ALL` or a LIMIT over one page: how the client fetches past
    /// Sentry's offset cap by splitting the (absolute) time range, or why it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<super::split::Split>,
}

/// The second request of a compared table and how its rows meet the current ones. It
/// serializes as `dql compile --output json` prints it: the earlier request's `path` and
/// `params`, then `keys` and `values`.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparePlan {
    /// How far back the earlier period is, in seconds.
    pub delta_seconds: u64,
    /// The same query over the earlier range.
    pub previous: Box<Request>,
    /// The fields rows are matched on (the group columns).
    pub keys: Vec<String>,
    /// The compared fields (the aggregates).
    pub values: Vec<String>,
}

impl Serialize for ComparePlan {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("ComparePlan", 4)?;
        out.serialize_field("path", &self.previous.path)?;
        out.serialize_field("params", &self.previous.params)?;
        out.serialize_field("keys", &self.keys)?;
        out.serialize_field("values", &self.values)?;
        out.end()
    }
}

impl Request {
    /// A bare `method` request to `endpoint` at `path`: no name, parameters, body, output plan,
    /// limit or follow-up plans. Lowering fills in what a statement adds with struct update.
    pub fn new(method: Method, endpoint: Endpoint, path: String) -> Request {
        Request {
            name: None,
            method,
            endpoint,
            path,
            params: Vec::new(),
            body: None,
            columns: Vec::new(),
            hidden: Vec::new(),
            limit: None,
            update: None,
            fallback: None,
            compare: None,
            split: None,
        }
    }

    /// The full URL of this request under `base` (`https://sentry.io`), its parameters
    /// form-encoded as a browser or `curl` sends them: `query=level:error foo` is
    /// `query=level%3Aerror+foo`.
    pub fn url(&self, base: &str) -> String {
        let mut url = format!("{}{}", base.trim_end_matches('/'), self.path);
        if !self.params.is_empty() {
            let query = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&self.params)
                .finish();
            url.push('?');
            url.push_str(&query);
        }
        url
    }
}

/// The second step of `UPDATE issues`: bulk PUTs of `body` to the ids the listing returned.
/// Nothing is ever sent without ids: the PUT without `id` would update every matching issue.
///
/// Sentry scopes a bulk update by the PUT's own `project`/`environment` parameters, not by the
/// ids: without `project` it uses the caller's member projects and silently drops ids outside
/// them; when no id is in scope it falls back to searching with the PUT's own `query` (default
/// `is:unresolved`, up to 1,000 issues); `resolvedInNextRelease` (and the other release
/// resolutions) across several projects is a 400 (getsentry/sentry
/// `src/sentry/issues/endpoints/organization_group_index.py` `put`,
/// `src/sentry/api/helpers/group_index/update.py` `update_groups_with_search_fn` and
/// `handle_resolve_in_release`). So every PUT names exactly one project (the listed issues'
/// own `project.id`), carries the statement's time range and environments, holds at most
/// `chunk` ids, and its `query` is `issue.id:[<its ids>]` before the statement's own filter:
/// should Sentry fall back to searching, that search can find none but the PUT's own ids,
/// which it has just failed to find, so it answers 204 instead of changing up to 1,000 other
/// issues (`issue.id` is an issue search key: `src/sentry/search/snuba/backend.py`
/// `_get_queryset_conditions`, `Q(id__in=…)`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdatePlan {
    /// HTTP method (always `PUT`).
    pub method: Method,
    /// `/api/0/organizations/{org}/issues/`.
    pub path: String,
    /// The statement's scope, sent with every PUT after its `project`: `query` (the statement's
    /// own filter, never Sentry's default; each PUT puts `issue.id:[…]` of its ids before it),
    /// the time range and the `environment`s.
    pub params: Vec<(String, String)>,
    /// The attributes to set.
    pub body: serde_json::Value,
    /// At most this many `id` params per PUT.
    pub chunk: usize,
}

/// One issue the listing returned: its id and its project's numeric id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedIssue {
    /// The issue (group) id.
    pub id: String,
    /// The numeric id of its project.
    pub project: String,
}

/// A JSON id as text: a string, or a number Sentry sent unquoted.
fn id_text(value: Option<&serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl UpdatePlan {
    /// The issues of the listing's rows (`id` and `project.id`), in order. Rows without an id
    /// are skipped; the ids of rows without a project id come back in the second list, since
    /// no PUT may be sent for them without a project.
    pub fn listed(rows: &[crate::result::Row]) -> (Vec<ListedIssue>, Vec<String>) {
        let mut issues = Vec::new();
        let mut unscoped = Vec::new();
        for row in rows {
            let Some(id) = id_text(row.get("id")) else {
                continue;
            };
            let project = id_text(row.get("project").and_then(|p| p.get("id")))
                .filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
            match project {
                Some(project) => issues.push(ListedIssue { id, project }),
                None => unscoped.push(id),
            }
        }
        (issues, unscoped)
    }

    /// The PUT requests that apply the update to exactly `issues`: one per project (in the
    /// order projects first appear) and per `chunk` ids. Empty issues give no request.
    pub fn requests(&self, name: Option<&str>, issues: &[ListedIssue]) -> Vec<Request> {
        let mut projects: Vec<(&str, Vec<&str>)> = Vec::new();
        for issue in issues {
            match projects.iter_mut().find(|(p, _)| *p == issue.project) {
                Some((_, ids)) => ids.push(&issue.id),
                None => projects.push((&issue.project, vec![&issue.id])),
            }
        }
        let mut requests = Vec::new();
        for (project, ids) in &projects {
            for chunk in ids.chunks(self.chunk.max(1)) {
                let mut params = vec![("project".to_owned(), (*project).to_owned())];
                let only_these = format!("issue.id:[{}]", chunk.join(","));
                let mut has_query = false;
                for (key, value) in &self.params {
                    if key == "query" {
                        has_query = true;
                        let query = match value.trim() {
                            "" => only_these.clone(),
                            filter => format!("{only_these} {filter}"),
                        };
                        params.push((key.clone(), query));
                    } else {
                        params.push((key.clone(), value.clone()));
                    }
                }
                if !has_query {
                    params.insert(1, ("query".to_owned(), only_these));
                }
                params.extend(chunk.iter().map(|id| ("id".to_owned(), (*id).to_owned())));
                requests.push(Request {
                    name: name.map(str::to_owned),
                    params,
                    body: Some(self.body.clone()),
                    ..Request::new(self.method, Endpoint::IssuesUpdate, self.path.clone())
                });
            }
        }
        requests
    }

    /// The ids one PUT of [`UpdatePlan::requests`] carries.
    pub fn ids_of(put: &Request) -> Vec<String> {
        put.params
            .iter()
            .filter(|(k, _)| k == "id")
            .map(|(_, v)| v.clone())
            .collect()
    }
}
