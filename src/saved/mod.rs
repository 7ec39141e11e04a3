//! Saved queries as code: Sentry's Discover and Explore saved queries as `.dql` statements and
//! back.
//!
//! - [`decompile`] turns a saved query, as Sentry's API returns it, into one checked DQL
//!   statement printed by the canonical printer, with `-- @name` (the statement's name: the
//!   saved name as a slug), `-- @id` and `-- @source` annotations; `-- @description` is the
//!   file's own (Sentry's saved queries have no description: `dql pull` keeps the one a file
//!   has). What DQL cannot express (a saved name that is no statement name, the chart
//!   settings `yAxis`, `display`, `interval`, `topEvents`, `visualize`, column `widths`,
//!   Explore's further sub-queries, legacy attributes, or a filter dql would read differently)
//!   is kept verbatim in a `-- @saved {…}` annotation and reported: nothing is dropped.
//! - [`saved_queries`] is the inverse: the statements of a `.dql` file as saved-query bodies,
//!   or the reason a statement cannot be one (UPDATE, SHOW EVENT, LIMIT, …).
//! - [`Meaning`] is what a saved query means (same columns, same search terms, same sort, same
//!   range, …); [`Meaning::changes`] lists the differences between two in DQL terms.
//!
//! The Discover shapes are Sentry's: the request body of `DiscoverSavedQuerySerializer`
//! (getsentry/sentry `src/sentry/discover/endpoints/serializers.py`: `name`, `projects`,
//! `queryDataset`, `start`, `end`, `range`, `fields`, `orderby`, `environment`, `query`,
//! `widths`, `yAxis`, `display`, `topEvents`, `interval`, `version`), and the response of
//! `src/sentry/api/serializers/models/discoversavedquery.py` (the stored attributes plus `id`,
//! `version`, `dateCreated`, `dateUpdated`, `createdBy`, …; `projects: [-1]` for "all
//! projects"). The Explore ones, and how one statement stands for an Explore query, are
//! described in `explore.rs`. No I/O happens here.

mod compile;
mod decompile;
mod explore;
mod meaning;

pub use compile::{FileQuery, SavedFile, saved_queries};
pub use decompile::{Decompiled, decompile, slug, with_description};
pub use explore::{EXPLORE_DATASETS, dataset_of_explore, explore_dataset_of, is_explore};
pub use meaning::{Change, Meaning};

/// Where a saved query lives on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SavedSource {
    /// `/api/0/organizations/{org}/discover/saved/`
    Discover,
    /// `/api/0/organizations/{org}/explore/saved/` (private in Sentry's API, behind the
    /// `organizations:visibility-explore-view` feature: 404 without it;
    /// `src/sentry/explore/endpoints/explore_saved_queries.py`).
    Explore,
}

impl SavedSource {
    /// `discover` or `explore`, as written after `-- @source`.
    pub fn as_str(self) -> &'static str {
        match self {
            SavedSource::Discover => "discover",
            SavedSource::Explore => "explore",
        }
    }

    /// The source named `text`.
    pub fn parse(text: &str) -> Option<SavedSource> {
        match text {
            "discover" => Some(SavedSource::Discover),
            "explore" => Some(SavedSource::Explore),
            _ => None,
        }
    }

    /// The collection's path, `{org}` left literal.
    pub fn list_path(self) -> &'static str {
        match self {
            SavedSource::Discover => "/api/0/organizations/{org}/discover/saved/",
            SavedSource::Explore => "/api/0/organizations/{org}/explore/saved/",
        }
    }

    /// One query's path, `{org}` left literal.
    pub fn item_path(self, id: &str) -> String {
        format!("{}{id}/", self.list_path())
    }
}

/// `queryDataset` values of Discover saved queries and the DQL dataset each stands for
/// (`DiscoverSavedQueryTypes` in getsentry/sentry `src/sentry/discover/models.py`:
/// `discover` (deprecated), `error-events`, `transaction-like`).
pub const DISCOVER_DATASETS: &[(&str, &str)] = &[
    ("error-events", "errors"),
    ("transaction-like", "transactions"),
    ("discover", "discover"),
];

/// The DQL dataset of a Discover `queryDataset`.
pub fn dataset_of_query_dataset(query_dataset: &str) -> Option<&'static str> {
    dql_dataset_in(DISCOVER_DATASETS, query_dataset)
}

/// The Discover `queryDataset` of a DQL dataset.
pub fn query_dataset_of(dataset: &str) -> Option<&'static str> {
    sentry_dataset_in(DISCOVER_DATASETS, dataset)
}

/// In a table of (Sentry's name, DQL dataset) pairs, the DQL dataset of `sentry`.
fn dql_dataset_in(table: &[(&str, &'static str)], sentry: &str) -> Option<&'static str> {
    table.iter().find(|(s, _)| *s == sentry).map(|(_, d)| *d)
}

/// In a table of (Sentry's name, DQL dataset) pairs, Sentry's name for `dataset`.
fn sentry_dataset_in(table: &[(&'static str, &str)], dataset: &str) -> Option<&'static str> {
    table.iter().find(|(_, d)| *d == dataset).map(|(s, _)| *s)
}

/// Attributes of a saved query the decompiler turns into DQL.
pub(crate) const EXPRESSED: &[&str] = &[
    "name",
    "fields",
    "query",
    "orderby",
    "environment",
    "projects",
    "range",
    "start",
    "end",
    "queryDataset",
];

/// Attributes only Sentry's responses carry (the response serializers add them; the request
/// serializers have no such field, so they are never sent back): not part of what a query
/// means. `exploreQuery` is the server's own translation of a Discover query to Explore;
/// `dateAdded`, `isPrebuilt` and `changedReason` are Explore's
/// (`src/sentry/api/serializers/models/exploresavedquery.py`).
pub(crate) const RESPONSE_ONLY: &[&str] = &[
    "id",
    "dateCreated",
    "dateAdded",
    "dateUpdated",
    "createdBy",
    "expired",
    "datasetSource",
    "exploreQuery",
    "isHomepage",
    "isPrebuilt",
    "changedReason",
    "lastVisited",
    "starred",
    "position",
];

/// Sentry's alias of a function column (`get_function_alias` in getsentry/sentry
/// `src/sentry/search/events/fields.py`): the name, `_`, the arguments joined by `_` with
/// every non-word character replaced by `_`, trailing `_` removed. So `count()` is `count`,
/// `avg(transaction.duration)` is `avg_transaction_duration`: the form saved `orderby`
/// values often take (`-count`).
pub fn function_alias(field: &str) -> Option<String> {
    let open = field.find('(')?;
    if !field.ends_with(')') {
        return None;
    }
    let name = field.get(..open)?;
    let args = field.get(open + 1..field.len() - 1)?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let args: Vec<String> = args
        .split(',')
        .map(|a| {
            a.trim()
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        })
        .collect();
    let alias = format!("{name}_{}", args.join("_"));
    Some(alias.trim_end_matches('_').to_owned())
}

/// The field a saved `orderby` sorts by, resolved against the query's `fields`: a field
/// itself, a function's alias (`count` for `count()`), or `equation[N]` (the N-th equation);
/// with whether it is descending. `None` for an empty `orderby`.
pub fn resolve_orderby(orderby: &str, fields: &[String]) -> Option<(String, bool)> {
    let orderby = orderby.trim();
    let (key, descending) = match orderby.strip_prefix('-') {
        Some(rest) => (rest, true),
        None => (orderby, false),
    };
    if key.is_empty() {
        return None;
    }
    if let Some(n) = key
        .strip_prefix("equation[")
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|n| n.parse::<usize>().ok())
        && let Some(eq) = fields.iter().filter(|f| f.starts_with("equation|")).nth(n)
    {
        return Some((eq.clone(), descending));
    }
    if let Some(f) = fields.iter().find(|f| f.as_str() == key) {
        return Some((f.clone(), descending));
    }
    if let Some(f) = fields
        .iter()
        .find(|f| function_alias(f).is_some_and(|a| a == key))
    {
        return Some((f.clone(), descending));
    }
    Some((key.to_owned(), descending))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_follow_sentry() {
        assert_eq!(function_alias("count()").as_deref(), Some("count"));
        assert_eq!(
            function_alias("avg(transaction.duration)").as_deref(),
            Some("avg_transaction_duration")
        );
        assert_eq!(
            function_alias("count_if(transaction.duration,greater,300)").as_deref(),
            Some("count_if_transaction_duration_greater_300")
        );
        assert_eq!(function_alias("transaction"), None);
    }

    #[test]
    fn orderby_resolves_alias_and_equation_forms() {
        let fields: Vec<String> = ["transaction", "count()", "equation|count() / 2"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            resolve_orderby("-count", &fields),
            Some(("count()".into(), true))
        );
        assert_eq!(
            resolve_orderby("transaction", &fields),
            Some(("transaction".into(), false))
        );
        assert_eq!(
            resolve_orderby("-equation[0]", &fields),
            Some(("equation|count() / 2".into(), true))
        );
        assert_eq!(resolve_orderby("", &fields), None);
    }
}
