//! The server side of `dql pull`, `diff` and `push`: listing and fetching the organization's
//! Discover and Explore saved queries.
//!
//! Discover (getsentry/sentry `src/sentry/discover/endpoints/discover_saved_queries.py` and
//! `discover_saved_query_detail.py`; sentry-api.md §13.5): `GET|POST
//! /api/0/organizations/{org}/discover/saved/`, `GET|PUT|DELETE …/discover/saved/{id}/`.
//! Explore (`src/sentry/explore/endpoints/explore_saved_queries.py` and
//! `explore_saved_query_detail.py`): the same verbs under `…/explore/saved/`, answering 404
//! without the `organizations:visibility-explore-view` feature (and on Sentry versions before
//! Explore), which dql takes as "no Explore queries". Both lists are paged by `cursor` in the
//! `Link` header, `per_page` at most 100. Sentry's prebuilt Explore queries (`isPrebuilt`) are
//! Sentry's, not the organization's: the detail endpoint refuses to change or delete them, so
//! dql leaves them out.

use super::exit::Exit;
use super::run::report_client_error;
use dql::client::Client;
use dql::client::config::Config;
use dql::client::error::ClientError;
use dql::lower::Method;
use dql::saved::SavedSource;
use serde_json::{Map, Value};

/// Pages of a list fetched at most (100 queries each).
const MAX_PAGES: u32 = 100;

/// A saved query on the server.
pub(crate) struct Remote {
    /// Where it lives.
    pub(crate) source: SavedSource,
    /// The query as the server answers it.
    pub(crate) query: Map<String, Value>,
}

pub(crate) fn connect(config: Result<Config, ClientError>) -> Result<Client, Exit> {
    let config = config.map_err(report_client_error)?;
    if config.org.is_none() {
        return Err(report_client_error(ClientError::MissingOrg));
    }
    Client::from_config(&config, dql::client::transport::Timeouts::default())
        .map_err(report_client_error)
}

/// Every saved query of one source, following the list's pages; `None` when the server has no
/// such list (an Explore list answering 404); none when it may not show it (an Explore list
/// answering 403, said as `dql::saved::explore_forbidden`).
fn list_source(
    client: &Client,
    source: SavedSource,
) -> Result<Option<Vec<Map<String, Value>>>, Exit> {
    let params = vec![
        ("per_page".to_owned(), "100".to_owned()),
        ("sortBy".to_owned(), "name".to_owned()),
    ];
    let pages = match client.get_json_pages(source.list_path(), &params, MAX_PAGES) {
        Ok(pages) => pages,
        Err(ClientError::NotFound { .. }) if source == SavedSource::Explore => return Ok(None),
        Err(ClientError::Forbidden { scope, detail }) if source == SavedSource::Explore => {
            explore_forbidden(scope, detail.as_deref());
            return Ok(Some(Vec::new()));
        }
        Err(e) => return Err(report_client_error(e)),
    };
    let mut out = Vec::new();
    for page in pages {
        let Value::Array(items) = page else {
            return Err(report_client_error(ClientError::BadResponse {
                status: 200,
                reason: format!(
                    "the {} saved-query list is not a JSON array",
                    source.as_str()
                ),
            }));
        };
        out.extend(items.into_iter().filter_map(|item| match item {
            Value::Object(m) => Some(m),
            _ => None,
        }));
    }
    Ok(Some(out))
}

/// Warns that the Explore list was refused (403) while the Discover one was read: Discover's
/// queries are still pulled, and the pull fails only when Discover's list fails too. Both lists
/// are organization endpoints, which read with `org:read` (getsentry/sentry
/// `src/sentry/api/bases/organization.py`, `OrganizationPermission.scope_map`); Explore's also
/// needs the `organizations:visibility-explore-view` feature and project access.
fn explore_forbidden(scope: &str, detail: Option<&str>) {
    let said = detail.map_or(String::new(), |d| format!(" ({d})"));
    let mut warning = dql::Diagnostic::warning(
        dql::registry::SavedCode::ExploreForbidden,
        dql::span::Span::default(),
        format!("the Explore saved queries were not pulled: Sentry denied their list (403){said}"),
    )
    .help(format!(
        "give the token the `{scope}` scope and the user access to Explore, then pull again; \
         the Discover saved queries are pulled, and files of Explore queries are left as they are"
    ));
    warning.labels.clear();
    super::print_diagnostics(&dql::Source::new("<server>", ""), &[warning]);
}

/// Every Discover and Explore saved query of the organization but Sentry's prebuilt ones. With
/// `verbose`, says on stderr when the server has no Explore list and how many prebuilt queries
/// were left out.
pub(crate) fn list(client: &Client, verbose: bool) -> Result<Vec<Remote>, Exit> {
    let mut out = Vec::new();
    for source in [SavedSource::Discover, SavedSource::Explore] {
        let Some(queries) = list_source(client, source)? else {
            if verbose {
                eprintln!(
                    "note: the server has no Explore saved queries (its list, `/explore/saved/`, answered 404: an older Sentry, or Explore is off); skipped"
                );
            }
            continue;
        };
        let total = queries.len();
        out.extend(
            queries
                .into_iter()
                .filter(|q| q.get("isPrebuilt") != Some(&Value::Bool(true)))
                .map(|query| Remote { source, query }),
        );
        let prebuilt = total - out.iter().filter(|r| r.source == source).count();
        if verbose && prebuilt > 0 {
            eprintln!(
                "note: {prebuilt} prebuilt Explore queries left out (Sentry's own; it refuses to change them)"
            );
        }
    }
    Ok(out)
}

/// The server's query `id` in `source`, `None` when it has none by that id (404).
pub(crate) fn get(
    client: &Client,
    source: SavedSource,
    id: &str,
) -> Result<Option<Map<String, Value>>, Exit> {
    match client.send_json(Method::Get, &source.item_path(id), None) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(_) => Err(report_client_error(ClientError::BadResponse {
            status: 200,
            reason: format!("saved query {id} is not a JSON object"),
        })),
        Err(ClientError::NotFound { .. }) => Ok(None),
        Err(e) => Err(report_client_error(e)),
    }
}

/// A query's server id.
pub(crate) fn id_of(query: &Map<String, Value>) -> Option<String> {
    match query.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// A query's saved name.
pub(crate) fn name_of(query: &Map<String, Value>) -> &str {
    query.get("name").and_then(Value::as_str).unwrap_or("")
}
