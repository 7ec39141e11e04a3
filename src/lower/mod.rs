//! Lowering: a checked query becomes the Sentry request that expresses it. Pure; no I/O
//! ("now" and the organization are inputs, [`Options`]).
//!
//! # Parameter order
//!
//! Params are sent in one stable order per endpoint (repeated keys stay together, in the
//! order given):
//!
//! | endpoint | order |
//! |---|---|
//! | events | `field`… (select list, then hidden), `query`, `sort`… (ORDER BY, then tiebreakers), `per_page`, time, `project`/`projectSlug`…, `environment`…, `dataset`, `sampling`, `disableAggregateExtrapolation` |
//! | events-stats | `field`… (top-n only: group fields, aggregates), `yAxis`…, `query`, `orderby`… (top-n only), `topEvents`, `excludeOther`, `interval`, `comparisonDelta`, `partial=1`, time, `project`/`projectSlug`…, `environment`…, `dataset`, `sampling`, `disableAggregateExtrapolation` |
//! | events-timeseries | `yAxis`…, `groupBy`… (top-n only), `query`, `sort`…, `topEvents`, `excludeOther`, `interval`, `comparisonDelta`, time, `project`/`projectSlug`…, `environment`…, `dataset`, `sampling`, `disableAggregateExtrapolation` |
//! | issues (and UPDATE's listing) | `query` (always, empty without WHERE), `sort`, `limit`, time, `project`/`projectSlug`…, `environment`… |
//! | UPDATE's PUT | `id`… |
//! | SHOW EVENT | none |
//!
//! time is `statsPeriod`, or `statsPeriodStart` `statsPeriodEnd`, or `start` `end`
//! ([`time`]). `query` is omitted on events and events-stats when there is no filter.
//!
//! # Hidden fields (events)
//!
//! After the select list, in this order, each sent once: GROUP BY fields not selected; sort
//! keys not selected; the functions (and fields) that equations use; the functions HAVING uses;
//! `count()` when a GROUP BY/DISTINCT query has no aggregate; and, when LIMIT > 100 (more than
//! one page), the tiebreaker fields (`timestamp`, `id` for raw events).

pub mod compare;
pub mod cost;
mod events;
pub mod export;
mod issues;
pub mod request;
pub mod search;
pub mod split;
mod stats;
pub mod time;

pub use request::{ComparePlan, Endpoint, ListedIssue, Method, Request, UpdatePlan};
pub use stats::exclude_other;

use crate::diagnostic::Diagnostic;
use crate::registry::LowerCode;
use crate::semantic::checked::filter::{FilterKey, TypedFilter};
use crate::semantic::checked::{CheckedKind, CheckedStatement, Projects};
use std::fmt::Write as _;

/// Sentry's limit on `field` params, hidden ones and equations included.
pub const MAX_FIELDS: usize = 20;
/// Sentry's largest page.
pub const MAX_PAGE: u64 = 100;

/// What lowering needs from the outside world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The instant relative times count back from, and the `end` of an open range.
    pub now: jiff::Timestamp,
    /// The organization slug; `None` leaves `{org}` literal in paths.
    pub org: Option<String>,
    /// The project a statement without PROJECT is about (`--project`, `SENTRY_PROJECT`,
    /// `.sentryclirc`): sent as `projectSlug` where its PROJECT clause would be. `None` sends
    /// none (Sentry then uses the projects the user is a member of).
    pub default_project: Option<String>,
    /// Event queries without LIMIT fetch every row, as with `LIMIT ALL` (`--all`).
    pub all: bool,
}

impl Options {
    /// Options with `now`, no organization, no default project, and LIMIT as written.
    pub fn new(now: jiff::Timestamp) -> Self {
        Options {
            now,
            org: None,
            default_project: None,
            all: false,
        }
    }
}

/// Lowers one checked statement to the request that expresses it.
///
/// Errors are problems only visible here (too many fields once hidden ones are added, an
/// interval with too many buckets, a range that is empty once "now" is known, a value Sentry
/// cannot express); every one has a `dql::lower::*` code and the statement's span or a finer one.
pub fn lower(stmt: &CheckedStatement, options: &Options) -> Result<Request, Vec<Diagnostic>> {
    let ctx = Ctx {
        name: stmt.name.clone(),
        span: stmt.span,
        options,
        columns: crate::answer::statement_columns(&stmt.kind),
    };
    match &stmt.kind {
        CheckedKind::Events(q) if q.compare.is_some() => compare::lower_compared(&ctx, q),
        CheckedKind::Events(q) if q.interval.is_some() => stats::lower_stats(&ctx, q),
        CheckedKind::Events(q) => events::lower_events(&ctx, q),
        CheckedKind::Issues(q) => issues::lower_issues(&ctx, q),
        CheckedKind::ShowEvent(q) => issues::lower_show_event(&ctx, q),
        CheckedKind::UpdateIssues(q) => issues::lower_update(&ctx, q),
    }
}

/// Lowers every statement; the requests of those that lowered, and all errors, in order.
pub fn lower_all(
    statements: &[CheckedStatement],
    options: &Options,
) -> (Vec<Request>, Vec<Diagnostic>) {
    let mut requests = Vec::new();
    let mut diagnostics = Vec::new();
    for stmt in statements {
        match lower(stmt, options) {
            Ok(r) => requests.push(r),
            Err(d) => diagnostics.extend(d),
        }
    }
    (requests, diagnostics)
}

/// What every endpoint's lowering shares.
pub(crate) struct Ctx<'a> {
    pub(crate) name: Option<String>,
    pub(crate) span: crate::span::Span,
    pub(crate) options: &'a Options,
    /// The statement's output plan.
    pub(crate) columns: Vec<crate::answer::OutputColumn>,
}

impl Ctx<'_> {
    /// `/api/0/organizations/{org}/<rest>`.
    pub(crate) fn org_path(&self, rest: &str) -> String {
        format!("/api/0/organizations/{}/{rest}", self.org())
    }

    /// The org as a path segment, or `{org}`.
    pub(crate) fn org(&self) -> String {
        self.options
            .org
            .as_deref()
            .map_or_else(|| "{org}".to_owned(), percent_encode)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (org slugs come from
/// configuration, so they are encoded rather than refused).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `project`/`projectSlug` params (sentry-api.md §13.6: never both); without PROJECT, the
/// default project's slug when one is configured.
pub(crate) fn project_params(ctx: &Ctx<'_>, projects: &Projects, out: &mut Vec<(String, String)>) {
    match projects {
        Projects::Default => {
            if let Some(slug) = &ctx.options.default_project {
                out.push(("projectSlug".into(), slug.clone()));
            }
        }
        Projects::All => out.push(("project".into(), "-1".into())),
        Projects::Slugs(slugs) => {
            out.extend(slugs.iter().map(|s| ("projectSlug".to_owned(), s.clone())));
        }
        Projects::Ids(ids) => out.extend(ids.iter().map(|i| ("project".to_owned(), i.to_string()))),
    }
}

/// SAMPLING's params, after `dataset`: Sentry's sampling mode (`sampling`: `NORMAL` or
/// `HIGHEST_ACCURACY`, the names of `SAMPLING_MODE_MAP` in getsentry/sentry
/// `src/sentry/search/eap/constants.py`, read from `sampling` as its Explore pages send it and
/// `src/sentry/data_export/processors/explore.py` reads it) and
/// `disableAggregateExtrapolation` (`1`: sampled values as counted, not extrapolated;
/// `src/sentry/api/endpoints/organization_events_timeseries.py`, `get_rpc_config`).
pub(crate) fn sampling_params(
    sampling: Option<crate::semantic::checked::Sampling>,
    out: &mut Vec<(String, String)>,
) {
    use crate::semantic::checked::Sampling;
    let (mode, no_extrapolation) = match sampling {
        None => return,
        Some(Sampling::Exact) => ("HIGHEST_ACCURACY", "1"),
        Some(Sampling::Normal) => ("NORMAL", "0"),
    };
    out.push(("sampling".into(), mode.into()));
    out.push((
        "disableAggregateExtrapolation".into(),
        no_extrapolation.into(),
    ));
}

/// `environment` params.
pub(crate) fn environment_params(environments: &[String], out: &mut Vec<(String, String)>) {
    out.extend(
        environments
            .iter()
            .map(|e| ("environment".to_owned(), e.clone())),
    );
}

/// The `query` param: `P(where) P(having)`, where `P(x)` wraps `x` in parentheses when its top
/// level is an OR (the filter printer's [`search::to_sentry_query_group`]). Empty when there is
/// neither.
pub(crate) fn query_param(
    filter: Option<&TypedFilter>,
    having: Option<&TypedFilter>,
) -> Result<String, Vec<Diagnostic>> {
    let mut parts = Vec::new();
    let mut errors = Vec::new();
    for f in [filter, having].into_iter().flatten() {
        match search::to_sentry_query_group(f) {
            Ok(text) if text.is_empty() => {}
            Ok(text) => parts.push(text),
            Err(d) => errors.push(*d),
        }
    }
    if errors.is_empty() {
        Ok(parts.join(" "))
    } else {
        Err(errors)
    }
}

/// The canonical strings of the aggregate functions a HAVING filter uses, in order (they must
/// be sent as fields too; Sentry refuses a condition on an unselected aggregate).
pub(crate) fn having_functions(having: &TypedFilter) -> Vec<String> {
    having
        .terms()
        .into_iter()
        .filter_map(|t| match &t.key {
            FilterKey::Aggregate(a) => Some(a.to_string()),
            _ => None,
        })
        .collect()
}

/// Whether `s` may go into a URL path as is (Sentry slugs and ids).
pub(crate) fn plain_segment(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// The too-many-fields error.
pub(crate) fn too_many_fields(
    span: crate::span::Span,
    fields: &[String],
    visible: usize,
) -> Diagnostic {
    let hidden = fields.get(visible..).unwrap_or_default();
    let mut d = Diagnostic::error(
        LowerCode::TooManyFields,
        span,
        format!(
            "this query needs {} fields but Sentry accepts at most {MAX_FIELDS}",
            fields.len()
        ),
    );
    d = if hidden.is_empty() {
        d.help("select fewer columns")
    } else {
        d.help(format!(
            "{} of them are hidden fields dql must send ({}); select fewer columns, or lower LIMIT to 100 or less to drop the tiebreakers",
            hidden.len(),
            hidden.join(", ")
        ))
    };
    d
}
