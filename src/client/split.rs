//! Every row, past the offset cap: `LIMIT ALL` (and a LIMIT larger than one query can page
//! through) fetched in windows of time.
//!
//! Sentry pages the events endpoint by offset, and one query cannot be paged past about 10,000
//! rows (Snuba returns at most 10,000 rows of a query: `SNUBA_QUERY_LIMIT`, getsentry/sentry
//! `src/sentry/sentry_metrics/querying/constants.py`; each page is `OFFSET o LIMIT per_page + 1`,
//! `GenericOffsetPaginator` in `src/sentry/api/paginator.py`). [`Client::offset_cap`] sets the
//! cap (default [`DEFAULT_OFFSET_CAP`]); no request dql sends has `offset + per_page` above it.
//!
//! What the request's [`Split`] plan (from lowering) allows:
//!
//! - [`Split::Timestamp`]: the first window is the whole (absolute) range. When a window has
//!   given `cap` rows and Sentry has more, the next window ends (or, ascending, starts) at the
//!   second of the last row received, that second included: Sentry's `end` is exclusive and
//!   `start` inclusive (`timestamp >= start AND timestamp < end`), so the next window is
//!   `[start, F + 1s)` descending, `[F, end)` ascending. The rows of second `F` already
//!   delivered are known by `id` and skipped; as the sort is total (`-timestamp`, …, `id`),
//!   what remains of that second comes next, in order. A window that would not move (more than
//!   `cap` rows in one second) is [`ClientError::WindowTooDense`].
//! - [`Split::Groups`]: the groups of the whole range, when they fit under the cap (one
//!   request for the row at offset `cap - 1` tells, before any paging); otherwise the range
//!   is halved until each window's groups fit, the windows' rows are merged by their
//!   group keys (sums added, min and max kept) and sorted again by the query's order.
//! - [`Split::Refused`], or no absolute range: the rows of one query; reaching the cap with
//!   more rows to come is [`ClientError::PastOffsetCap`] with the plan's reason.
//!
//! Each new window is reported to the observer as [`ClientEvent::Adapted`] (`--verbose`).

use super::{Client, ClientError, ClientEvent, Page, Pages, Transport, merge_meta};
use crate::lower::Request;
use crate::lower::split::{Merge, Merged, Order, Split};
use crate::lower::time::format_instant;
use crate::result::Row;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// The most rows one Sentry query can be paged through: `offset + per_page` of a request
/// never exceeds it (Snuba's 10,000-row result limit; see the module documentation).
pub const DEFAULT_OFFSET_CAP: u64 = 10_000;

impl<T: Transport> Client<T> {
    /// Sets the offset cap: the most rows one query is paged through before the time range is
    /// split (tests and servers with another limit).
    #[must_use]
    pub fn offset_cap(mut self, rows: u64) -> Self {
        self.offset_cap = rows.max(1);
        self
    }

    /// The offset cap in force.
    pub fn cap(&self) -> u64 {
        self.offset_cap
    }

    /// The pages of `request` as they arrive, every row it asks for: one query's pages
    /// ([`Client::pages`]), or windows of time stitched into one ordered answer when the
    /// request's split plan allows and the offset cap is reached. The iterator ends after the
    /// first error.
    pub fn stitched<'c>(&'c self, request: &'c Request) -> Stitched<'c, T> {
        let range = range_of(request);
        // A compared table (COMPARE TO) is joined from its own two queries.
        let split = request.split.as_ref().filter(|_| request.compare.is_none());
        let mode = match (split, range) {
            (None, _) => Mode::Plain(Box::new(self.pages(request))),
            (Some(Split::Timestamp { descending }), Some((start, end))) => Mode::Rows {
                descending: *descending,
                refused: None,
                window: None,
                start,
                end,
            },
            (Some(Split::Groups { keys, merge, order }), Some(range)) => Mode::Groups {
                keys,
                merge,
                order,
                range,
            },
            (Some(Split::Refused { reason }), range) => Mode::Rows {
                descending: true,
                refused: Some(reason.clone()),
                window: None,
                start: range.map_or(Timestamp::UNIX_EPOCH, |r| r.0),
                end: range.map_or(Timestamp::UNIX_EPOCH, |r| r.1),
            },
            (Some(_), None) => Mode::Rows {
                descending: true,
                refused: Some("its time range is not two instants (start and end)".to_owned()),
                window: None,
                start: Timestamp::UNIX_EPOCH,
                end: Timestamp::UNIX_EPOCH,
            },
        };
        // Rows in windows of time: how far through the range they got is the progress.
        let timeline = match (split, range) {
            (Some(Split::Timestamp { descending }), Some((start, end))) => {
                Some((start, end, *descending))
            }
            _ => None,
        };
        Stitched {
            client: self,
            request,
            mode,
            timeline,
            pages: 0,
            rows: 0,
            first_time: None,
            wanted: request.limit.unwrap_or(u64::MAX),
            delivered: 0,
            windows: 0,
            window_rows: 0,
            window_limit: 0,
            skip: HashSet::new(),
            edge: Edge::default(),
            done: false,
        }
    }
}

/// The `start` and `end` params of a request, when both are instants.
fn range_of(request: &Request) -> Option<(Timestamp, Timestamp)> {
    let get = |key: &str| {
        request
            .params
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.parse::<Timestamp>().ok())
    };
    Some((get("start")?, get("end")?))
}

/// The instant of a row's `timestamp` (RFC 3339 with or without an offset, or epoch seconds).
fn row_time(row: &Row) -> Option<Timestamp> {
    match row.get("timestamp")? {
        // Without an offset a time is UTC, as Sentry means it.
        Value::String(text) => text
            .parse::<Timestamp>()
            .or_else(|_| format!("{text}Z").parse::<Timestamp>())
            .ok(),
        Value::Number(n) => {
            let seconds = n.as_f64()?;
            Timestamp::from_duration(SignedDuration::try_from_secs_f64(seconds).ok()?).ok()
        }
        _ => None,
    }
}

/// A row's `id` as text.
fn row_id(row: &Row) -> Option<String> {
    match row.get("id")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The whole second an instant falls in.
fn second_of(t: Timestamp) -> i64 {
    t.as_second() - i64::from(t.subsec_nanosecond() < 0)
}

fn at_second(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The rows of the last second a window has reached: their ids, delivered now or before.
#[derive(Debug, Default)]
struct Edge {
    second: Option<i64>,
    ids: HashSet<String>,
    /// A row of this window had no `id` or no readable `timestamp`.
    unreadable: bool,
}

enum Mode<'c, T: Transport> {
    /// No split plan: one query's pages.
    Plain(Box<Pages<'c, T>>),
    /// Raw events in windows of time (or, `refused`, one window only).
    Rows {
        descending: bool,
        refused: Option<String>,
        window: Option<Box<Pages<'c, T>>>,
        start: Timestamp,
        end: Timestamp,
    },
    /// Aggregate rows, merged across windows when they must be.
    Groups {
        keys: &'c [String],
        merge: &'c [Merged],
        order: &'c [Order],
        range: (Timestamp, Timestamp),
    },
}

/// The pages of one request through the offset cap; see [`Client::stitched`].
pub struct Stitched<'c, T: Transport> {
    client: &'c Client<T>,
    request: &'c Request,
    mode: Mode<'c, T>,
    /// Rows in windows of time: the whole range and its direction (for the progress hook).
    timeline: Option<(Timestamp, Timestamp, bool)>,
    /// Pages and rows yielded so far, and the time of the first row (for the progress hook).
    pages: u64,
    rows: u64,
    first_time: Option<Timestamp>,
    /// The rows the LIMIT asks for (`u64::MAX` for ALL).
    wanted: u64,
    delivered: u64,
    /// Windows begun.
    windows: u32,
    /// Rows Sentry sent in the current window (skipped ones included).
    window_rows: u64,
    /// The LIMIT of the current window's query.
    window_limit: u64,
    /// Ids of the current window's first second already delivered by the window before.
    skip: HashSet<String>,
    edge: Edge,
    done: bool,
}

impl<T: Transport> std::fmt::Debug for Stitched<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stitched")
            .field("path", &self.request.path)
            .field("delivered", &self.delivered)
            .field("windows", &self.windows)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Stitched<'_, T> {
    /// How many windows of time have been begun (1 while the answer fits under the cap).
    pub fn windows(&self) -> u32 {
        self.windows
    }

    /// Counts `page` and tells the client's progress hook where the paging got.
    fn progress(&mut self, page: &Page) {
        self.pages += 1;
        self.rows += page.rows.len() as u64;
        if self.first_time.is_none() {
            self.first_time = page.rows.first().and_then(row_time);
        }
        let covered = self.timeline.and_then(|(start, end, descending)| {
            let last = page.rows.last().and_then(row_time)?;
            let first = self.first_time?;
            Some(super::progress::covered(
                (start, end),
                descending,
                first,
                last,
            ))
        });
        self.client.report_progress(&super::Paging {
            rows: self.rows,
            pages: self.pages,
            windows: self.windows,
            limit: self.request.limit,
            covered,
        });
    }
}

/// `request` restricted to `[start, end)` and `limit` rows.
fn window_request(request: &Request, start: Timestamp, end: Timestamp, limit: u64) -> Request {
    let mut window = request.clone();
    for (key, value) in &mut window.params {
        match key.as_str() {
            "start" => *value = format_instant(start),
            "end" => *value = format_instant(end),
            _ => {}
        }
    }
    window.limit = Some(limit);
    window.split = None;
    window
}

impl<T: Transport> Iterator for Stitched<'_, T> {
    type Item = Result<Page, ClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = match &mut self.mode {
            Mode::Plain(pages) => {
                let page = pages.next()?;
                if let Ok(page) = &page {
                    self.windows = 1;
                    self.progress(page);
                }
                return Some(page);
            }
            Mode::Rows { .. } => self.next_rows(),
            Mode::Groups { .. } => {
                self.done = true;
                self.windows = 1;
                self.groups().map(Some)
            }
        };
        match result {
            Ok(Some(page)) => {
                self.progress(&page);
                Some(Ok(page))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl<'c, T: Transport> Stitched<'c, T> {
    /// The next page of raw rows; `None` at the end.
    fn next_rows(&mut self) -> Result<Option<Page>, ClientError> {
        let cap = self.client.offset_cap;
        let client: &'c Client<T> = self.client;
        let request: &'c Request = self.request;
        let Mode::Rows {
            descending,
            refused,
            window,
            start,
            end,
        } = &mut self.mode
        else {
            return Ok(None);
        };
        loop {
            if window.is_none() {
                if self.windows > 0 && self.delivered >= self.wanted {
                    return Ok(None);
                }
                let remaining = self.wanted.saturating_sub(self.delivered);
                self.window_limit = remaining.saturating_add(self.skip.len() as u64).min(cap);
                self.window_rows = 0;
                self.windows += 1;
                let query = if refused.is_some() {
                    let mut one = request.clone();
                    one.limit = Some(self.window_limit);
                    one.split = None;
                    one
                } else {
                    window_request(request, *start, *end, self.window_limit)
                };
                *window = Some(Box::new(client.pages_of(Cow::Owned(query))));
            }
            let Some(pages) = window.as_mut() else {
                return Ok(None);
            };
            let Some(page) = pages.next() else {
                return Ok(None);
            };
            let mut page = page?;
            self.window_rows += page.rows.len() as u64;
            let received = if refused.is_some() {
                // One query only: nothing to stitch, so nothing to tell apart.
                Vec::new()
            } else {
                std::mem::take(&mut page.rows)
            };
            for row in received {
                let (Some(id), Some(time)) = (row_id(&row), row_time(&row)) else {
                    // Needed only to go on past this window: an error then, not now.
                    self.edge.unreadable = true;
                    page.rows.push(row);
                    continue;
                };
                let second = second_of(time);
                if self.edge.second != Some(second) {
                    self.edge.second = Some(second);
                    self.edge.ids.clear();
                }
                self.edge.ids.insert(id.clone());
                if !self.skip.remove(&id) {
                    page.rows.push(row);
                }
            }
            if refused.is_some() {
                self.window_rows = self
                    .window_rows
                    .max(self.delivered + page.rows.len() as u64);
            }
            self.delivered += page.rows.len() as u64;
            let at_cap = self.window_rows >= cap && self.window_limit == cap;
            if page.has_more && at_cap && self.delivered < self.wanted {
                // This window is used up under the cap; Sentry has more.
                if let Some(reason) = refused {
                    return Err(ClientError::PastOffsetCap {
                        cap,
                        fetched: self.delivered,
                        reason: reason.clone(),
                    });
                }
                let second = match self.edge.second {
                    Some(second) if !self.edge.unreadable => second,
                    _ => return Err(bad_row("has no `id` or no readable `timestamp`")),
                };
                let (next_start, next_end) = if *descending {
                    (*start, at_second(second.saturating_add(1)))
                } else {
                    (at_second(second), *end)
                };
                let moved = if *descending {
                    next_end < *end
                } else {
                    next_start > *start
                };
                if !moved {
                    return Err(ClientError::WindowTooDense {
                        cap,
                        what: "rows",
                        second: format_instant(at_second(second)),
                        fetched: self.delivered,
                    });
                }
                client.emit(ClientEvent::Adapted {
                    message: format!(
                        "window {} reached the offset cap of {cap} rows; window {} is {} to {} ({} rows of {} already delivered are skipped by id)",
                        self.windows,
                        self.windows + 1,
                        format_instant(next_start),
                        format_instant(next_end),
                        self.edge.ids.len(),
                        format_instant(at_second(second)),
                    ),
                });
                *start = next_start;
                *end = next_end;
                self.skip = std::mem::take(&mut self.edge.ids);
                self.edge = Edge::default();
                *window = None;
                page.has_more = true;
            }
            if page.rows.is_empty() && window.is_none() {
                // Only rows already delivered: go on with the next window.
                continue;
            }
            return Ok(Some(page));
        }
    }

    /// Every group, merged across windows when the whole range has more than the cap.
    fn groups(&mut self) -> Result<Page, ClientError> {
        let Mode::Groups {
            keys,
            merge,
            order,
            range,
        } = &self.mode
        else {
            return Ok(Page::default());
        };
        let (keys, merge, order, (start, end)) = (*keys, *merge, *order, *range);
        let cap = self.client.offset_cap;
        let whole = self.window(start, end)?;
        let (mut rows, meta, columns) = match whole {
            Window::Fits(page) => (page.rows, page.meta, page.columns),
            Window::Over => {
                let mut merged: HashMap<String, usize> = HashMap::new();
                let mut rows: Vec<Row> = Vec::new();
                let mut meta = crate::result::Meta::default();
                let mut columns = Vec::new();
                let mut todo = vec![(start, end)];
                let mut windows = 0u32;
                while let Some((from, to)) = todo.pop() {
                    let length = to.duration_since(from).as_secs();
                    if length < 2 {
                        return Err(ClientError::WindowTooDense {
                            cap,
                            what: "groups",
                            second: format_instant(from),
                            fetched: 0,
                        });
                    }
                    let middle = at_second(from.as_second() + length / 2);
                    for (a, b) in [(middle, to), (from, middle)] {
                        windows += 1;
                        match self.window(a, b)? {
                            Window::Fits(page) => {
                                meta = merge_meta(meta, page.meta);
                                columns = page.columns;
                                for row in page.rows {
                                    let key = group_key(&row, keys);
                                    match merged.get(&key) {
                                        Some(&i) => {
                                            if let Some(into) = rows.get_mut(i) {
                                                merge_row(into, &row, merge);
                                            }
                                        }
                                        None => {
                                            merged.insert(key, rows.len());
                                            rows.push(row);
                                        }
                                    }
                                }
                            }
                            Window::Over => todo.push((a, b)),
                        }
                    }
                }
                self.windows = windows;
                self.client.emit(ClientEvent::Adapted {
                    message: format!(
                        "the groups of the whole range reached the offset cap of {cap}; {windows} windows of time were merged into {} groups",
                        rows.len()
                    ),
                });
                rows.sort_by(|a, b| compare_rows(a, b, order));
                (rows, meta, columns)
            }
        };
        let keep = usize::try_from(self.wanted).unwrap_or(usize::MAX);
        let has_more = rows.len() > keep;
        rows.truncate(keep);
        self.delivered = rows.len() as u64;
        Ok(Page {
            rows,
            meta,
            columns,
            has_more,
        })
    }

    /// The groups of `[start, end)` in one query, or `Over` when they reach the cap.
    fn window(&self, start: Timestamp, end: Timestamp) -> Result<Window, ClientError> {
        let cap = self.client.offset_cap;
        if self.wanted > cap {
            // One row at the last offset under the cap tells whether the groups pass it,
            // without paging through them (`cursor` is `value:offset:is_prev`).
            let mut probe = window_request(self.request, start, end, 1);
            for (key, value) in &mut probe.params {
                if key == "per_page" {
                    *value = "1".to_owned();
                }
            }
            probe
                .params
                .push(("cursor".to_owned(), format!("0:{}:0", cap - 1)));
            let mut over = false;
            for page in self.client.pages_of(Cow::Owned(probe)) {
                let page = page?;
                over = !page.rows.is_empty() && page.has_more;
            }
            if over {
                return Ok(Window::Over);
            }
        }
        let limit = self.wanted.min(cap);
        let query = window_request(self.request, start, end, limit);
        let mut whole = Page::default();
        let mut received = 0u64;
        for page in self.client.pages_of(Cow::Owned(query)) {
            let page = page?;
            received += page.rows.len() as u64;
            whole.meta = merge_meta(std::mem::take(&mut whole.meta), page.meta);
            whole.columns = page.columns;
            whole.has_more = page.has_more;
            whole.rows.extend(page.rows);
        }
        // Past the cap only matters when more rows are wanted than the cap holds: a LIMIT
        // under the cap is answered by the sorted first window.
        if whole.has_more && received >= cap && self.wanted > cap {
            return Ok(Window::Over);
        }
        Ok(Window::Fits(whole))
    }
}

enum Window {
    Fits(Page),
    Over,
}

fn bad_row(what: &str) -> ClientError {
    ClientError::BadResponse {
        status: 200,
        reason: format!(
            "a row {what}, which fetching every row needs to stitch windows of time together"
        ),
    }
}

/// The group a row belongs to: its key values as JSON text.
fn group_key(row: &Row, keys: &[String]) -> String {
    let mut key = String::new();
    for k in keys {
        key.push_str(
            &row.get(k)
                .map_or_else(|| "null".to_owned(), Value::to_string),
        );
        key.push('\u{1f}');
    }
    key
}

/// Merges `other`'s aggregates into `into` (the same group of another window).
fn merge_row(into: &mut Row, other: &Row, merge: &[Merged]) {
    for m in merge {
        let b = other.get(&m.field).cloned().unwrap_or(Value::Null);
        let a = into.get(&m.field).cloned().unwrap_or(Value::Null);
        let merged = match m.how {
            Merge::Sum => sum(&a, &b),
            Merge::Min | Merge::Max => {
                let keep_b = match compare_values(&a, &b) {
                    _ if a.is_null() => true,
                    _ if b.is_null() => false,
                    Ordering::Greater => m.how == Merge::Min,
                    Ordering::Less => m.how == Merge::Max,
                    Ordering::Equal => false,
                };
                if keep_b { b } else { a }
            }
        };
        into.insert(m.field.clone(), merged);
    }
}

fn sum(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Null, x) | (x, Value::Null) => x.clone(),
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64())
                && let Some(total) = x.checked_add(y)
            {
                return Value::from(total);
            }
            let total = x.as_f64().unwrap_or(0.0) + y.as_f64().unwrap_or(0.0);
            serde_json::Number::from_f64(total).map_or(Value::Null, Value::Number)
        }
        (x, _) => x.clone(),
    }
}

/// Values in Sentry's order: numbers by value, strings bytewise, booleans false first.
fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn rank(v: &Value) -> u8 {
    match v {
        Value::Bool(_) => 0,
        Value::Number(_) => 1,
        Value::String(_) => 2,
        Value::Array(_) => 3,
        Value::Object(_) => 4,
        Value::Null => 5,
    }
}

/// Rows by the query's sort keys; a missing or null value sorts last either way (ClickHouse's
/// default, `NULLS LAST`).
fn compare_rows(a: &Row, b: &Row, order: &[Order]) -> Ordering {
    for key in order {
        let x = a.get(&key.field).unwrap_or(&Value::Null);
        let y = b.get(&key.field).unwrap_or(&Value::Null);
        let ordering = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) if key.descending => compare_values(y, x),
            (false, false) => compare_values(x, y),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(value: Value) -> Row {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn sums_add_and_extremes_keep_the_extreme() {
        let merge = [
            Merged {
                field: "count()".into(),
                how: Merge::Sum,
            },
            Merged {
                field: "min(d)".into(),
                how: Merge::Min,
            },
            Merged {
                field: "max(d)".into(),
                how: Merge::Max,
            },
        ];
        let mut a = row(json!({"count()": 3, "min(d)": 5.5, "max(d)": null}));
        merge_row(
            &mut a,
            &row(json!({"count()": 4, "min(d)": 2, "max(d)": 9})),
            &merge,
        );
        assert_eq!(a["count()"], json!(7));
        assert_eq!(a["min(d)"], json!(2));
        assert_eq!(a["max(d)"], json!(9));
    }

    #[test]
    fn rows_sort_with_nulls_last_both_ways() {
        let order = [Order {
            field: "n".into(),
            descending: true,
        }];
        let mut rows = [
            row(json!({"n": null})),
            row(json!({"n": 1})),
            row(json!({"n": 3})),
        ];
        rows.sort_by(|a, b| compare_rows(a, b, &order));
        let got: Vec<&Value> = rows.iter().map(|r| &r["n"]).collect();
        assert_eq!(got, [&json!(3), &json!(1), &json!(null)]);
    }

    #[test]
    fn timestamps_of_rows_are_read_in_sentry_shapes() {
        let t = |v: Value| row_time(&row(json!({ "timestamp": v }))).map(second_of);
        let want = Some(1_764_583_200);
        assert_eq!(t(json!("2025-12-01T10:00:00+00:00")), want);
        assert_eq!(t(json!("2025-12-01T10:00:00.750Z")), want);
        assert_eq!(t(json!("2025-12-01T10:00:00")), want);
        assert_eq!(t(json!(1_764_583_200.5)), want);
        assert_eq!(t(json!(true)), None);
    }
}
