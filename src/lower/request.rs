//! The lowered form of a statement: the HTTP request to send and how to present its answer.

use crate::semantic::types::FieldType;
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
}

/// Which Sentry endpoint a request targets; decides pagination and response shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `/api/0/organizations/{org}/events/`
    Events,
    /// `/api/0/organizations/{org}/events-stats/`
    EventsStats,
    /// `/api/0/organizations/{org}/issues/` (GET)
    Issues,
    /// `/api/0/organizations/{org}/issues/` (PUT, bulk update)
    IssuesUpdate,
    /// `/api/0/projects/{org}/{project}/events/{id}/`
    ProjectEvent,
    /// `/api/0/organizations/{org}/eventids/{id}/`
    EventIdLookup,
}

/// One output column: the field string as sent and the label shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    /// The key in each response row (the canonical field string).
    pub field: String,
    /// The header to show (the alias, else the field as written canonically).
    pub label: String,
    /// The value type the checker inferred, when known (the formatter prefers the response's
    /// `meta.fields`; this is the plan's expectation, e.g. for an empty result).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub ty: Option<FieldType>,
}

/// A request ready to send, with its output plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    /// The statement's `@name`, if any.
    pub name: Option<String>,
    /// HTTP method.
    pub method: Method,
    /// The endpoint kind.
    pub endpoint: Endpoint,
    /// Path with `{org}` left literal when no organization is configured.
    pub path: String,
    /// Query parameters in the order sent (repeated keys repeat).
    pub params: Vec<(String, String)>,
    /// JSON body (PUT only).
    pub body: Option<serde_json::Value>,
    /// Columns to show, in select-list order.
    pub columns: Vec<Column>,
    /// Fields sent but not shown.
    pub hidden: Vec<String>,
    /// How many rows are wanted (LIMIT); `None` means one page.
    pub limit: Option<u64>,
    /// `UPDATE issues` only: this request is the GET listing the matching issues, and the plan
    /// says what to PUT to exactly the ids it returns, after confirmation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdatePlan>,
}

impl Request {
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

/// The second step of `UPDATE issues`: a bulk PUT of `body` to the ids the listing returned.
/// Nothing is ever sent without ids: the PUT without `id` would update every matching issue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdatePlan {
    /// HTTP method (always `PUT`).
    pub method: Method,
    /// `/api/0/organizations/{org}/issues/`.
    pub path: String,
    /// The attributes to set.
    pub body: serde_json::Value,
    /// At most this many `id` params per PUT.
    pub chunk: usize,
}

impl UpdatePlan {
    /// The PUT requests that apply the update to exactly `ids`, `chunk` ids each, in order.
    /// Empty ids give no request.
    pub fn requests(&self, name: Option<&str>, ids: &[String]) -> Vec<Request> {
        ids.chunks(self.chunk.max(1))
            .map(|chunk| Request {
                name: name.map(str::to_owned),
                method: self.method,
                endpoint: Endpoint::IssuesUpdate,
                path: self.path.clone(),
                params: chunk
                    .iter()
                    .map(|id| ("id".to_owned(), id.clone()))
                    .collect(),
                body: Some(self.body.clone()),
                columns: Vec::new(),
                hidden: Vec::new(),
                limit: None,
                update: None,
            })
            .collect()
    }
}
