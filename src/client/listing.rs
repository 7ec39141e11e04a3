//! One page of a JSON listing outside the query language, with the cursor of the next page:
//! for `dql export`'s use of the project events listing
//! (`GET /api/0/projects/{org}/{project}/events/`), which answers a bare JSON array and pages
//! by offset through the `Link` header like every Sentry listing.

use super::{Client, ClientError, Transport, paginate, snippet};
use crate::lower::request::{Endpoint, Method, Request};
use serde_json::Value;

/// A page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPage {
    /// The body.
    pub body: Value,
    /// The cursor of the next page, when the `Link` header says it has results.
    pub next: Option<String>,
}

impl<T: Transport> Client<T> {
    /// GETs `path` with `params` (add `cursor` to continue a listing), retrying as
    /// [`Client::execute`] does, paced as every request is.
    pub fn get_json_page(
        &self,
        path: &str,
        params: &[(String, String)],
    ) -> Result<JsonPage, ClientError> {
        let request = Request::new(Method::Get, Endpoint::ProjectEvent, path.to_owned());
        let response = self.send(&request, params)?;
        let body: Value =
            serde_json::from_slice(&response.body).map_err(|e| ClientError::BadResponse {
                status: response.status,
                reason: format!(
                    "the body is not JSON ({e}); it starts with {:?}",
                    snippet(&response.body)
                ),
            })?;
        let next = response
            .header("link")
            .and_then(paginate::next_page)
            .filter(|n| n.results && !n.cursor.is_empty())
            .map(|n| n.cursor);
        Ok(JsonPage { body, next })
    }
}
