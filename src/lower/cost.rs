//! The cost of a request before it is sent (`dql compile --cost`, the REPL's `.cost`): how
//! many requests, pages and windows of time it takes, and the least time that takes at a rate
//! limit. An estimate from the request alone, offline: what it assumes is part of the answer.
//!
//! The rate is an input: offline no server announces one. Sentry's events endpoints announce
//! 30 requests a second (and 15 at once) per organization and user on sentry.io
//! (`rate_limits` of `OrganizationEventsEndpoint`, getsentry/sentry
//! `src/sentry/api/endpoints/organization_events.py`), hence [`DEFAULT_RATE`].

use super::split::Split;
use super::{Endpoint, MAX_PAGE, Request};
use serde::Serialize;

/// Requests a second assumed when none is given: Sentry's events endpoints on sentry.io.
pub const DEFAULT_RATE: f64 = 30.0;

/// What an estimate assumes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assumptions {
    /// How many rows (or groups) the query matches; `None` when unknown, then a LIMIT ALL is
    /// priced per `cap` rows.
    pub rows: Option<u64>,
    /// The offset cap (rows one query can be paged through).
    pub cap: u64,
    /// Requests a second.
    pub rate: f64,
}

/// The estimated cost of one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cost {
    /// Requests sent (pages, window probes), at least.
    pub requests: u64,
    /// Pages of rows.
    pub pages: u64,
    /// Windows of time (1 when the answer fits under the cap).
    pub windows: u64,
    /// The least time at the rate, in seconds.
    pub seconds: f64,
    /// The rows the figures are for; `None` for one request whatever the rows.
    pub rows: Option<u64>,
    /// What the figures assume, in words.
    pub assumes: Vec<String>,
    /// Set when the request is sure to fail past the cap: the reason.
    pub fails_past_cap: Option<String>,
}

fn pages_for(rows: u64) -> u64 {
    rows.div_ceil(MAX_PAGE).max(1)
}

/// The estimated cost of `request` under `assume`.
pub fn estimate(request: &Request, assume: &Assumptions) -> Cost {
    let cap = assume.cap.max(1);
    let rate = if assume.rate > 0.0 {
        assume.rate
    } else {
        DEFAULT_RATE
    };
    let mut assumes = vec![format!("{rate} requests a second")];
    let done = |requests: u64, pages: u64, windows: u64, rows, assumes, fails| Cost {
        requests,
        pages,
        windows,
        seconds: requests as f64 / rate,
        rows,
        assumes,
        fails_past_cap: fails,
    };
    let paged = matches!(request.endpoint, Endpoint::Events | Endpoint::Issues);
    if !paged {
        let puts = request.update.is_some();
        if puts {
            assumes.push("the listing only; each changed project adds a PUT".to_owned());
        }
        return done(1, 1, 1, None, assumes, None);
    }
    let wanted = match (request.limit, &request.split) {
        (Some(n), _) => Some(n),
        (None, Some(_)) => None,
        // No LIMIT: one page.
        (None, None) => return done(1, 1, 1, None, assumes, None),
    };
    // The rows fetched: the LIMIT, or the rows assumed to match, whichever is fewer.
    let rows = match (wanted, assume.rows) {
        (Some(n), Some(r)) => Some(n.min(r)),
        (Some(n), None) => {
            assumes.push(format!("at least {n} matching rows (the LIMIT)"));
            Some(n)
        }
        (None, Some(r)) => Some(r),
        (None, None) => None,
    };
    if assume.rows.is_some() {
        assumes.push(format!(
            "{} matching rows (--rows)",
            assume.rows.unwrap_or_default()
        ));
    }
    let rows_known = rows.unwrap_or_else(|| {
        assumes.push(format!(
            "the matching rows are unknown: figures for each {cap} (pass --rows N)"
        ));
        cap
    });
    assumes.push(format!("an offset cap of {cap} rows"));
    match &request.split {
        None | Some(Split::Timestamp { .. }) => {
            let windows = rows_known.div_ceil(cap).max(1);
            let pages = pages_for(rows_known);
            if windows > 1 {
                assumes.push(
                    "a page more per window edge to re-read the rows of its second".to_owned(),
                );
            }
            let requests = pages + (windows - 1);
            done(requests, pages, windows, rows, assumes, None)
        }
        Some(Split::Groups { .. }) if rows_known <= cap => {
            let pages = pages_for(rows_known);
            done(pages, pages, 1, rows, assumes, None)
        }
        Some(Split::Groups { .. }) => {
            // Halved until each window holds at most `cap` groups, assuming each group falls
            // in one window; every window tried costs a probe.
            let mut windows = 1u64;
            while rows_known.div_ceil(windows) > cap {
                windows = windows.saturating_mul(2);
            }
            let probes = windows.saturating_mul(2) - 1;
            let pages = windows * pages_for(rows_known.div_ceil(windows));
            assumes.push(
                "groups spread evenly over time, each in one window; one probe per window tried"
                    .to_owned(),
            );
            done(probes + pages, pages, windows, rows, assumes, None)
        }
        Some(Split::Refused { reason }) => {
            let fails = (rows_known > cap).then(|| reason.clone());
            let pages = pages_for(rows_known.min(cap));
            done(pages, pages, 1, rows, assumes, fails)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(limit: Option<u64>, split: Option<Split>) -> Request {
        Request {
            name: None,
            method: super::super::Method::Get,
            endpoint: Endpoint::Events,
            path: "/api/0/organizations/{org}/events/".into(),
            params: Vec::new(),
            body: None,
            columns: Vec::new(),
            hidden: Vec::new(),
            limit,
            update: None,
            fallback: None,
            compare: None,
            split,
        }
    }

    const ASSUME: Assumptions = Assumptions {
        rows: Some(250_000),
        cap: 10_000,
        rate: 30.0,
    };

    #[test]
    fn all_rows_in_windows_at_the_rate() {
        let cost = estimate(
            &events(None, Some(Split::Timestamp { descending: true })),
            &ASSUME,
        );
        assert_eq!(
            (cost.pages, cost.windows, cost.requests),
            (2_500, 25, 2_524)
        );
        assert!((cost.seconds - 2_524.0 / 30.0).abs() < 1e-9);
        assert_eq!(cost.fails_past_cap, None);
    }

    #[test]
    fn a_limit_under_the_rows_and_one_page_without_limit() {
        let cost = estimate(&events(Some(250), None), &ASSUME);
        assert_eq!((cost.pages, cost.windows, cost.requests), (3, 1, 3));
        let cost = estimate(&events(None, None), &ASSUME);
        assert_eq!(cost.requests, 1);
    }

    #[test]
    fn refused_splits_fail_past_the_cap_and_groups_halve() {
        let refused = Split::Refused {
            reason: "why".into(),
        };
        let cost = estimate(&events(None, Some(refused)), &ASSUME);
        assert_eq!(cost.fails_past_cap.as_deref(), Some("why"));
        let groups = Split::Groups {
            keys: Vec::new(),
            merge: Vec::new(),
            order: Vec::new(),
        };
        let cost = estimate(
            &events(None, Some(groups)),
            &Assumptions {
                rows: Some(25_000),
                ..ASSUME
            },
        );
        // 25,000 groups: 4 windows of 6,250 (63 pages each) and 7 probes.
        assert_eq!((cost.windows, cost.pages, cost.requests), (4, 252, 259));
    }
}
