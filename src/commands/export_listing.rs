//! Exporting through the project events listing with full payloads
//! (`GET /api/0/projects/{org}/{project}/events/?full=true`): a hundred whole events per
//! request instead of one request per event.
//!
//! What the endpoint does (getsentry/sentry `src/sentry/api/endpoints/project_events.py`,
//! `ProjectEventsEndpoint`): the error events of one project, newest first, paged by offset
//! (`GenericOffsetPaginator`, `per_page` ≤ 100), `full` for the whole payload
//! (`EventSerializer`); its only filter is `query`, a case-insensitive substring of the
//! message, with no time range and no environment; behind the `project-event-date-limit`
//! feature it sees only the last 7 days; its rate limit is 60 requests a minute, one at a
//! time. So it serves a statement over `errors` with one project, no WHERE, no ENVIRONMENT
//! and no ORDER BY, starting within 7 days of now: events newer than the range are skipped,
//! the first one older ends it. Sentry's count of the range is asked first, and an export
//! that got fewer is an error, never a silent cut.

use dql::Compiled;
use dql::semantic::checked::{CheckedKind, Projects};
use jiff::{SignedDuration, Timestamp};

/// The farthest back the listing may see (the `project-event-date-limit` feature).
const REACH: SignedDuration = SignedDuration::from_hours(7 * 24);

/// A statement the project listing serves.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Listing {
    /// The project's slug.
    pub(crate) project: String,
    /// The range, `[start, end)`.
    pub(crate) start: Timestamp,
    pub(crate) end: Timestamp,
}

impl Listing {
    /// The listing for `compiled` over `[start, end)` resolved at `now`, when it serves it.
    pub(crate) fn serving(
        compiled: &Compiled,
        start: Timestamp,
        end: Timestamp,
        now: Timestamp,
    ) -> Option<Listing> {
        let CheckedKind::Events(q) = &compiled.checked.kind else {
            return None;
        };
        let Projects::Slugs(slugs) = &q.projects else {
            return None;
        };
        let [project] = slugs.as_slice() else {
            return None;
        };
        let plain = q.dataset == "errors"
            && q.filter.is_none()
            && q.order_by.is_empty()
            && q.environments.is_empty()
            && !q.aggregate
            && q.interval.is_none();
        let reachable = now.checked_sub(REACH).is_ok_and(|oldest| start >= oldest);
        (plain && reachable).then(|| Listing {
            project: project.clone(),
            start,
            end,
        })
    }

    /// The listing's path.
    pub(crate) fn path(&self) -> String {
        format!("/api/0/projects/{{org}}/{}/events/", self.project)
    }

    /// Where an event of the listing falls: `Ordering::Greater` newer than the range,
    /// `Less` older, `Equal` inside; `None` without a readable `dateCreated`.
    pub(crate) fn place(
        &self,
        event: &serde_json::Map<String, serde_json::Value>,
    ) -> Option<std::cmp::Ordering> {
        let at: Timestamp = event.get("dateCreated")?.as_str()?.parse().ok()?;
        Some(if at >= self.end {
            std::cmp::Ordering::Greater
        } else if at < self.start {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Equal
        })
    }
}
