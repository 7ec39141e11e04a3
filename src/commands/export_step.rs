//! Exporting one statement's pages: events fetched by id (`workers` at once) or the rows
//! themselves, or whole payloads through the project listing; each page written whole and
//! then checkpointed, and the tally of what was written for progress and the summary.

use super::export_fetch::{self, Fetched};
use super::export_listing::Listing;
use super::export_resume::Sink;
use crate::progress::Progress;
use dql::client::Client;
use dql::client::error::ClientError;
use dql::lower::Request;
use dql::lower::export::event_request;
use serde_json::Value;
use std::collections::HashSet;

/// Sentry's largest page of the events endpoint.
const PAGE_SIZE: &str = "100";

/// Why an export stopped.
pub(super) enum Failure {
    Client(ClientError),
    Io(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

/// What was exported so far, for progress and the summary.
pub(super) struct Tally {
    pub(super) exported: u64,
    /// Listed ids whose event is gone (404): deleted or expired since the listing.
    pub(super) missing: u64,
    /// Listed rows without a usable id or project slug.
    pub(super) unusable: u64,
    pub(super) progress: Progress,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            exported: 0,
            missing: 0,
            unusable: 0,
            progress: Progress::hidden("events"),
        }
    }
}

impl Tally {
    /// `n` more events or rows written.
    pub(super) fn written(&mut self, n: u64) {
        self.exported += n;
        self.progress.inc(n);
    }

    pub(super) fn finish_progress(&mut self) {
        self.progress.finish();
    }

    pub(super) fn summary(&self) {
        let mut line = format!(
            "exported {} event{}",
            self.exported,
            if self.exported == 1 { "" } else { "s" }
        );
        if self.missing > 0 {
            line.push_str(&format!(
                "; skipped {} no longer found (404: deleted or expired since they were listed)",
                self.missing
            ));
        }
        if self.unusable > 0 {
            line.push_str(&format!(
                "; skipped {} listed without a usable id or project",
                self.unusable
            ));
        }
        eprintln!("{line}");
    }
}

/// Exporting one statement's pages: the client, where they go, what was done.
pub(super) struct Step<'a> {
    pub(super) client: &'a Client,
    pub(super) sink: &'a mut Sink,
    pub(super) tally: &'a mut Tally,
    pub(super) statement: usize,
    pub(super) workers: usize,
}

impl Step<'_> {
    /// Exports the pages of `request`: spans and logs (`rows`) as listed, events by fetching
    /// each listed event's payload (`workers` at once). Each page is written whole and then
    /// checkpointed; ids in `skip` (the last page before a resume) are not written again.
    /// Returns whether Sentry has more than were exported.
    pub(super) fn pages(
        &mut self,
        request: &Request,
        rows: bool,
        mut skip: HashSet<String>,
    ) -> Result<bool, Failure> {
        let mut more = false;
        let mut pages = self.client.pages(request);
        while let Some(page) = pages.next() {
            let page = page.map_err(Failure::Client)?;
            more = page.has_more;
            let cursor = pages.next_cursor().map(str::to_owned);
            let mut lines = Vec::new();
            let mut ids = Vec::new();
            if rows {
                for row in page.rows {
                    let id = row.get("id").and_then(Value::as_str).map(str::to_owned);
                    if id.as_ref().is_some_and(|id| skip.contains(id)) {
                        continue;
                    }
                    serde_json::to_writer(&mut lines, &row).map_err(std::io::Error::from)?;
                    lines.push(b'\n');
                    ids.push(id.unwrap_or_default());
                }
            } else {
                let mut jobs = Vec::new();
                for row in &page.rows {
                    match (event_id(row), project_slug(row)) {
                        (Some(id), _) if skip.contains(&id) => {}
                        (Some(id), Some(project)) => jobs.push((project, id)),
                        _ => self.tally.unusable += 1,
                    }
                }
                let (fetched, error) =
                    export_fetch::payloads(self.client, &jobs, self.workers, event_request);
                for ((project, id), fetched) in jobs.into_iter().zip(fetched) {
                    match fetched {
                        Fetched::Event(mut event) => {
                            event.insert("projectSlug".to_owned(), Value::String(project));
                            serde_json::to_writer(&mut lines, &event)
                                .map_err(std::io::Error::from)?;
                            lines.push(b'\n');
                            ids.push(id);
                        }
                        Fetched::Missing => self.tally.missing += 1,
                        Fetched::Unusable => self.tally.unusable += 1,
                    }
                }
                if let Some(error) = error {
                    // What came before the failure is written (not checkpointed: a resume
                    // fetches the whole page again).
                    self.sink.unchecked(&lines)?;
                    self.tally.written(ids.len() as u64);
                    return Err(Failure::Client(error));
                }
            }
            // Only the page right after a resume can repeat the last one's events.
            skip.clear();
            let n = ids.len() as u64;
            let last = pages.is_done();
            self.sink
                .page(&lines, n, self.statement, cursor, ids, last)?;
            self.tally.written(n);
            self.tally.progress.page();
        }
        Ok(more)
    }
}

impl Step<'_> {
    /// Exports `listing`'s events (whole payloads, a hundred a request), at most `limit`, from
    /// `cursor` on, `skip` holding the ids of the page before; checks the count against
    /// Sentry's. Returns whether the limit stopped it.
    pub(super) fn listing(
        &mut self,
        listing: &Listing,
        count_request: &Request,
        limit: u64,
        mut cursor: Option<String>,
        mut skip: HashSet<String>,
        mut written: u64,
    ) -> Result<bool, Failure> {
        let count = self
            .client
            .execute(count_request)
            .map_err(Failure::Client)?
            .result
            .data
            .first()
            .and_then(|row| row.get("count()"))
            .and_then(Value::as_u64);
        let wanted = count.map_or(limit, |c| c.min(limit));
        self.tally
            .progress
            .set_total(Some(self.tally.exported + wanted.saturating_sub(written)));
        let path = listing.path();
        let mut more = false;
        // Pages of only newer events in a row: a project busier than the listing is fast.
        let mut idle = 0;
        loop {
            let mut params = vec![
                ("full".to_owned(), "true".to_owned()),
                ("per_page".to_owned(), PAGE_SIZE.to_owned()),
            ];
            if let Some(cursor) = &cursor {
                params.push(("cursor".to_owned(), cursor.clone()));
            }
            let page = self
                .client
                .get_json_page(&path, &params)
                .map_err(Failure::Client)?;
            let Value::Array(events) = page.body else {
                return Err(Failure::Client(ClientError::BadResponse {
                    status: 200,
                    reason: "the project's events are not a JSON array".to_owned(),
                }));
            };
            let mut lines = Vec::new();
            let mut ids = Vec::new();
            let mut stop = page.next.is_none();
            for event in events {
                let Value::Object(mut event) = event else {
                    self.tally.unusable += 1;
                    continue;
                };
                match listing.place(&event) {
                    None => {
                        self.tally.unusable += 1;
                        continue;
                    }
                    Some(std::cmp::Ordering::Greater) => continue,
                    Some(std::cmp::Ordering::Less) => {
                        stop = true;
                        break;
                    }
                    Some(std::cmp::Ordering::Equal) => {}
                }
                let id = ["eventID", "id"]
                    .iter()
                    .find_map(|k| event.get(*k).and_then(Value::as_str))
                    .unwrap_or_default()
                    .to_owned();
                // An event ingested meanwhile shifts the offsets: the last page's come again.
                if skip.contains(&id) {
                    continue;
                }
                if written + ids.len() as u64 >= limit {
                    more = true;
                    stop = true;
                    break;
                }
                event.insert(
                    "projectSlug".to_owned(),
                    Value::String(listing.project.clone()),
                );
                serde_json::to_writer(&mut lines, &event).map_err(std::io::Error::from)?;
                lines.push(b'\n');
                ids.push(id);
            }
            idle = if ids.is_empty() && !stop { idle + 1 } else { 0 };
            if idle > 50 {
                return Err(Failure::Client(ClientError::Incomplete {
                    fetched: written,
                    wanted,
                    reason: "the project's events listing brought only events newer than the \
                             range for 50 pages: new events arrive faster than it pages; \
                             export with --per-event"
                        .to_owned(),
                }));
            }
            skip = ids.iter().cloned().collect();
            let n = ids.len() as u64;
            written += n;
            self.sink
                .page(&lines, n, self.statement, page.next.clone(), ids, stop)?;
            self.tally.written(n);
            self.tally.progress.page();
            if stop {
                break;
            }
            cursor = page.next;
        }
        if !more && written < wanted {
            return Err(Failure::Client(ClientError::Incomplete {
                fetched: written,
                wanted,
                reason: "the project's events listing ended before the events Sentry counts in \
                         the range (it may reach back only 7 days); export with --per-event"
                    .to_owned(),
            }));
        }
        Ok(more)
    }
}

/// The row's event id, when it is one (32 hex digits; it goes into a path).
fn event_id(row: &dql::result::Row) -> Option<String> {
    let id = row.get("id")?.as_str()?.replace('-', "");
    (id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())).then_some(id)
}

/// The row's project slug (`project`, else the `project.name` Sentry adds), when it is a slug.
fn project_slug(row: &dql::result::Row) -> Option<String> {
    let slug = ["project", "project.name"]
        .iter()
        .find_map(|k| row.get(*k).and_then(Value::as_str))?;
    let valid = !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && slug != "."
        && slug != "..";
    valid.then(|| slug.to_owned())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, reason = "test code")]
mod tests {
    use super::*;

    #[test]
    fn only_usable_ids_and_slugs_go_into_paths() {
        let row = |id: Value, project: Value| {
            let mut row = dql::result::Row::new();
            row.insert("id".into(), id);
            row.insert("project".into(), project);
            row
        };
        let good = row(
            Value::from("0123456789abcdef0123456789abcdef"),
            Value::from("web-app"),
        );
        assert!(event_id(&good).is_some() && project_slug(&good).is_some());
        let bad = row(Value::from("../../x"), Value::from("a/b"));
        assert_eq!((event_id(&bad), project_slug(&bad)), (None, None));
    }
}
