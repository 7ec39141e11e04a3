//! `LIMIT ALL`, and `LIMIT n` past one page: how the client may split the time range into
//! narrower windows once Sentry's offset cap is reached, and what it must refuse.
//!
//! Sentry's events endpoint pages by offset (`GenericOffsetPaginator`, getsentry/sentry
//! `src/sentry/api/paginator.py`: each page is the Snuba query `OFFSET o LIMIT per_page + 1`),
//! and Snuba returns at most 10,000 rows of one query (`SNUBA_QUERY_LIMIT = 10000`,
//! `src/sentry/sentry_metrics/querying/constants.py`), so one query cannot be paged past about
//! 10,000 rows. The client (`client/split.rs`) pages each window under that cap; this module
//! only decides, from the checked query, whether windows can be stitched into the one answer
//! and how:
//!
//! - raw events sorted by `timestamp` first (the default `-timestamp`, then `id`): windows
//!   follow one another along the time range in the sort's direction; rows of the second at a
//!   window's edge are told apart by `id`, so none repeats and none is lost;
//! - aggregates whose every column merges across windows (`count`, `count_if`, `sum` add up,
//!   `min`, `max` keep the extreme): each window's groups are merged by their group keys and
//!   sorted again;
//! - anything else is [`Split::Refused`] with the reason: its answer is complete while it fits
//!   under the cap, and an error past it, never a silent cut.
//!
//! A split request has an absolute range (`start`, `end`): a relative one is fixed against
//! "now" when the statement is lowered, so every page and window sees the same events.

use super::time::{TimeParams, format_instant};
use crate::semantic::checked::{EventsQuery, TimePoint};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// How a result larger than one query's offset cap is fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Split {
    /// Raw events sorted by `timestamp` first: windows of time in that direction.
    Timestamp {
        /// Newest first (`-timestamp`).
        descending: bool,
    },
    /// Aggregate rows: each window's groups merged by their keys, then sorted by `order`.
    Groups {
        /// The group key fields (response keys).
        keys: Vec<String>,
        /// How each other column merges.
        merge: Vec<Merged>,
        /// The sort keys, in order.
        order: Vec<Order>,
    },
    /// No split keeps this answer whole; past the cap the run fails with this reason.
    Refused {
        /// One sentence.
        reason: String,
    },
}

/// One aggregate column and how two windows' values of it combine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Merged {
    /// The response key (`count()`).
    pub field: String,
    /// How.
    pub how: Merge,
}

/// How two windows' values of one aggregate combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Merge {
    /// Added (`count`, `count_if`, `sum`).
    Sum,
    /// The smaller (`min`).
    Min,
    /// The larger (`max`).
    Max,
}

/// One sort key of a merged result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// The response key.
    pub field: String,
    /// Largest first.
    pub descending: bool,
}

/// The function name of a field string (`count_unique` of `count_unique(user)`); `None` for a
/// plain field or an equation.
fn function_name(field: &str) -> Option<&str> {
    if field.starts_with("equation|") {
        return None;
    }
    let open = field.find('(')?;
    field.get(..open).filter(|_| field.ends_with(')'))
}

/// How an aggregate merges across windows, or why it cannot.
fn merge_of(field: &str) -> Result<Merge, String> {
    if field.starts_with("equation|") {
        return Err(format!(
            "the equation `{}` cannot be merged across windows",
            field.trim_start_matches("equation|")
        ));
    }
    match function_name(field) {
        Some("count" | "count_if" | "sum") => Ok(Merge::Sum),
        Some("min") => Ok(Merge::Min),
        Some("max") => Ok(Merge::Max),
        Some("avg") => Err(format!(
            "`{field}` cannot be merged across windows (an average of averages is wrong); select `sum(…)` and `count()` instead"
        )),
        Some("count_unique") => Err(format!(
            "`{field}` cannot be merged across windows (a value seen in two windows would count twice)"
        )),
        Some(_) => Err(format!(
            "`{field}` cannot be merged across windows (only count, count_if, sum, min and max can)"
        )),
        None => Err(format!("`{field}` is neither a group key nor an aggregate")),
    }
}

/// The plan for `q`, whose request sends `fields` and sorts by `sort` (`-key` descending),
/// grouping by `keys` when it is an aggregate query.
pub(super) fn plan(q: &EventsQuery, fields: &[String], sort: &[String], keys: &[String]) -> Split {
    let order: Vec<Order> = sort
        .iter()
        .map(|s| match s.strip_prefix('-') {
            Some(field) => Order {
                field: field.to_owned(),
                descending: true,
            },
            None => Order {
                field: s.clone(),
                descending: false,
            },
        })
        .collect();
    if !q.aggregate {
        return match order.first() {
            Some(first) if first.field == "timestamp" => Split::Timestamp {
                descending: first.descending,
            },
            Some(first) => Split::Refused {
                reason: format!(
                    "it is sorted by `{}` first, so windows of time would not come in its order; sort by timestamp (or drop ORDER BY) to fetch every row",
                    first.field
                ),
            },
            None => Split::Refused {
                reason: "it has no sort order".to_owned(),
            },
        };
    }
    if q.having.is_some() {
        return Split::Refused {
            reason: "HAVING would filter each window's groups before they are merged".to_owned(),
        };
    }
    let mut merge = Vec::new();
    let mut refused = Vec::new();
    for field in fields.iter().filter(|f| !keys.contains(f)) {
        match merge_of(field) {
            Ok(how) => merge.push(Merged {
                field: field.clone(),
                how,
            }),
            Err(reason) => refused.push(reason),
        }
    }
    if !refused.is_empty() {
        return Split::Refused {
            reason: refused.join("; "),
        };
    }
    Split::Groups {
        keys: keys.to_vec(),
        merge,
        order,
    }
}

/// The time params of a split request: `start` and `end` as instants, a relative range fixed
/// against `now`. `lowered` is what [`super::time::lower_time`] gave for `q`'s range.
pub(super) fn absolute_time(
    q: &EventsQuery,
    lowered: TimeParams,
    now: Timestamp,
) -> Vec<(String, String)> {
    if lowered.params.iter().any(|(k, _)| k == "start") {
        return lowered.params;
    }
    // `statsPeriod` ends now; `statsPeriodStart`/`statsPeriodEnd` end `UNTIL` ago.
    let end_ago = match &q.time.until {
        Some(TimePoint::Ago(p)) => p.seconds,
        _ => 0,
    };
    let ago = |seconds: u64| {
        i64::try_from(seconds)
            .ok()
            .and_then(|s| now.checked_sub(SignedDuration::from_secs(s)).ok())
    };
    match (ago(end_ago), ago(end_ago.saturating_add(lowered.seconds))) {
        (Some(end), Some(start)) => vec![
            ("start".to_owned(), format_instant(start)),
            ("end".to_owned(), format_instant(end)),
        ],
        // Too far back to represent: leave the range relative (it cannot be split then).
        _ => lowered.params,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mergeable_aggregates_and_the_reasons_for_the_rest() {
        assert_eq!(merge_of("count()"), Ok(Merge::Sum));
        assert_eq!(
            merge_of("count_if(transaction.duration,greater,300)"),
            Ok(Merge::Sum)
        );
        assert_eq!(merge_of("sum(transaction.duration)"), Ok(Merge::Sum));
        assert_eq!(merge_of("min(timestamp)"), Ok(Merge::Min));
        assert_eq!(merge_of("max(transaction.duration)"), Ok(Merge::Max));
        assert!(
            merge_of("count_unique(user)")
                .unwrap_err()
                .contains("twice")
        );
        assert!(
            merge_of("avg(transaction.duration)")
                .unwrap_err()
                .contains("sum(…)")
        );
        assert!(merge_of("p95(transaction.duration)").is_err());
        assert!(merge_of("equation|count() / 2").is_err());
        assert!(merge_of("title").is_err());
    }
}
