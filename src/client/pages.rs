//! The pages of one request as they arrive, and each success response read according to its
//! endpoint's documented shape.

use super::*;

/// The pages of one request; see [`Client::pages`].
pub struct Pages<'c, T: Transport> {
    client: &'c Client<T>,
    request: std::borrow::Cow<'c, Request>,
    state: PageState,
    n_fetched: u64,
    /// The server refused `dataset=errors|transactions`: every page goes without it.
    without_dataset: bool,
    /// Cursors already followed: a repeat or a cycle would loop forever.
    seen: std::collections::HashSet<String>,
}

impl<'c, T: Transport> Pages<'c, T> {
    pub(super) fn new(client: &'c Client<T>, request: std::borrow::Cow<'c, Request>) -> Self {
        Pages {
            client,
            request,
            state: PageState::First,
            n_fetched: 0,
            without_dataset: false,
            seen: std::collections::HashSet::new(),
        }
    }
}

impl<T: Transport> std::fmt::Debug for Pages<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("path", &self.request.path)
            .field("n_fetched", &self.n_fetched)
            .finish_non_exhaustive()
    }
}

enum PageState {
    First,
    Next(String),
    /// The last page came, but the rows asked for could not all be fetched: yield this next.
    Failed(ClientError),
    Done,
}

impl<T: Transport> Iterator for Pages<'_, T> {
    type Item = Result<Page, ClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        let cursor = match std::mem::replace(&mut self.state, PageState::Done) {
            PageState::Done => return None,
            PageState::First => match &self.request.compare {
                Some(plan) => return Some(compare::compared(self.client, &self.request, plan)),
                None => None,
            },
            PageState::Next(cursor) => Some(cursor),
            PageState::Failed(error) => return Some(Err(error)),
        };
        Some(self.fetch(cursor))
    }
}

impl<T: Transport> Pages<'_, T> {
    /// The cursor of the next page, after a page that has one (for a checkpoint: a request
    /// with `cursor` set to it continues there).
    pub fn next_cursor(&self) -> Option<&str> {
        match &self.state {
            PageState::Next(cursor) => Some(cursor),
            _ => None,
        }
    }

    /// Whether the last page came (nothing more will be fetched, and no error is pending).
    pub fn is_done(&self) -> bool {
        matches!(self.state, PageState::Done)
    }

    fn fetch(&mut self, cursor: Option<String>) -> Result<Page, ClientError> {
        let request = &*self.request;
        let paginated = matches!(request.endpoint, Endpoint::Events | Endpoint::Issues);
        let remaining = request.limit.map(|n| n.saturating_sub(self.n_fetched));
        let mut params = request.params.clone();
        let mut asked_size = None;
        if paginated {
            if let Some(remaining) = remaining {
                // Ask only for what is still wanted (the cursor is an offset, so a smaller
                // page size does not skip rows).
                let size_key = match request.endpoint {
                    Endpoint::Issues => "limit",
                    _ => "per_page",
                };
                for (key, value) in &mut params {
                    if key == size_key
                        && let Ok(size) = value.parse::<u64>()
                    {
                        let size = size.min(remaining).max(1);
                        asked_size = Some(size);
                        *value = size.to_string();
                    }
                }
            }
            if let Some(cursor) = &cursor {
                params.retain(|(key, _)| key != "cursor");
                params.push(("cursor".to_owned(), cursor.clone()));
            }
        }
        if self.without_dataset {
            params = without_dataset(&params).unwrap_or(params);
        }
        let response = match self.client.send(request, &params) {
            Err(ClientError::BadQuery { detail, clause }) if !self.without_dataset => {
                match old_dataset_refusal(&detail).then(|| without_dataset(&params)) {
                    Some(Some(retry)) => {
                        self.without_dataset = true;
                        self.client.emit(ClientEvent::Adapted {
                            message: format!(
                                "this Sentry refused the `dataset` parameter ({detail}); sending again without it, with the dataset's event type in the query"
                            ),
                        });
                        self.client.send(request, &retry)?
                    }
                    _ => return Err(ClientError::BadQuery { detail, clause }),
                }
            }
            Err(ClientError::NotFound { what }) => match request.fallback.as_deref() {
                // An older Sentry has no events-timeseries: ask events-stats, once.
                Some(fallback) if request.endpoint == Endpoint::EventsTimeseries => {
                    self.client.emit(ClientEvent::Adapted {
                        message: format!(
                            "this Sentry has no events-timeseries endpoint (404: {what}); asking events-stats instead"
                        ),
                    });
                    // Through its own pages, so an old dataset refusal is adapted to as well.
                    let mut pages = self.client.pages(fallback);
                    return pages.next().unwrap_or(Err(ClientError::NotFound { what }));
                }
                _ => return Err(ClientError::NotFound { what }),
            },
            other => other?,
        };
        let mut page = parse_page(request, &response)?;
        if !paginated {
            return Ok(page);
        }
        let link = response.header("link");
        let next = link.and_then(paginate::next_page);
        let n_received = page.rows.len() as u64;
        let mut truncated = false;
        if let Some(remaining) = remaining {
            let keep = usize::try_from(remaining).unwrap_or(usize::MAX);
            truncated = page.rows.len() > keep;
            page.rows.truncate(keep);
        }
        self.n_fetched += page.rows.len() as u64;
        let more = next.as_ref().is_some_and(|n| n.results);
        page.has_more = truncated || more;
        let Some(wanted) = request.limit.filter(|&n| self.n_fetched < n) else {
            return Ok(page);
        };
        // A page shorter than asked is the last one, whatever the headers say.
        let full = asked_size.is_none_or(|size| n_received >= size);
        let stop = |reason: String| {
            PageState::Failed(ClientError::Incomplete {
                fetched: self.n_fetched,
                wanted,
                reason,
            })
        };
        self.state = match next {
            None if !full => PageState::Done,
            None if link.is_none() => stop(
                "the response has no `Link` header, so whether more rows exist is unknown".into(),
            ),
            None => stop(format!(
                "the `Link` header has no readable `rel=\"next\"` link: {:?}",
                link.unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect::<String>()
            )),
            Some(next) if !next.results => PageState::Done,
            Some(_) if n_received == 0 => {
                stop("Sentry sent an empty page marked as having more results".into())
            }
            Some(next) if next.cursor.is_empty() => {
                stop("the `rel=\"next\"` link has no cursor".into())
            }
            Some(next) if cursor.as_ref() == Some(&next.cursor) => stop(format!(
                "Sentry answered with the same cursor `{}` again",
                next.cursor
            )),
            Some(next) if self.seen.contains(&next.cursor) => stop(format!(
                "Sentry's cursors went round in a cycle (back to `{}`)",
                next.cursor
            )),
            Some(next) => {
                self.seen.insert(next.cursor.clone());
                PageState::Next(next.cursor)
            }
        };
        Ok(page)
    }
}

/// The params without `dataset`, for a dataset whose meaning the default (`discover`) keeps
/// with an event-type condition: `errors` is every event but transactions (Sentry's errors
/// dataset is the events storage, which holds `error`, `default`, `csp`… events) and
/// `transactions` is `event.type:transaction`. `None` for any other dataset (spans, logs…:
/// discover cannot stand for them) or when there is no `dataset` param.
fn without_dataset(params: &[(String, String)]) -> Option<Vec<(String, String)>> {
    let dataset = params
        .iter()
        .find(|(k, _)| k == "dataset")
        .map(|(_, v)| v.as_str())?;
    let condition = match dataset {
        "errors" => "!event.type:transaction",
        "transactions" => "event.type:transaction",
        _ => return None,
    };
    let mut out: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "dataset")
        .cloned()
        .collect();
    // The query param is already parenthesised where its top level is an OR.
    match out.iter_mut().find(|(k, _)| k == "query") {
        Some((_, query)) if !query.trim().is_empty() => *query = format!("{condition} {query}"),
        Some((_, query)) => *query = condition.to_owned(),
        None => out.push(("query".to_owned(), condition.to_owned())),
    }
    Some(out)
}

/// Turns a success response into a page according to the endpoint's documented shape.
fn parse_page(request: &Request, response: &HttpResponse) -> Result<Page, ClientError> {
    let bad = |reason: String| ClientError::BadResponse {
        status: response.status,
        reason,
    };
    // A bulk update's 204 is "No groups found": nothing changed, never a success.
    if request.endpoint == Endpoint::IssuesUpdate
        && (response.status == 204 || response.body.is_empty())
    {
        return Err(ClientError::NothingUpdated {
            ids: crate::lower::UpdatePlan::ids_of(request),
        });
    }
    let body: Value = serde_json::from_slice(&response.body).map_err(|e| {
        bad(format!(
            "the body is not JSON ({e}); it starts with {:?}",
            snippet(&response.body)
        ))
    })?;
    let requested = || {
        request
            .columns
            .iter()
            .map(|c| c.field.clone())
            .chain(request.hidden.iter().cloned())
            .collect::<Vec<_>>()
    };
    match request.endpoint {
        Endpoint::Events => {
            let data = body
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("the body has no `data` list".into()))?;
            let mut meta = body
                .get("meta")
                .and_then(|m| serde_json::from_value::<Meta>(m.clone()).ok())
                .unwrap_or_default();
            if let Some(raw) = body.get("meta") {
                meta.accuracy = crate::result::Accuracy::from_events_meta(raw);
            }
            Ok(Page {
                rows: objects(data).map_err(bad)?,
                meta,
                columns: requested(),
                has_more: false,
            })
        }
        Endpoint::Issues => {
            let data = body
                .as_array()
                .ok_or_else(|| bad("the body is not a list of issues".into()))?;
            let mut rows = objects(data).map_err(bad)?;
            rows.iter_mut().for_each(crate::result::normalize_issue_row);
            Ok(Page {
                rows,
                meta: crate::result::issue_meta(),
                columns: requested(),
                has_more: false,
            })
        }
        Endpoint::EventsStats => {
            let y_axes = param_values(&request.params, "yAxis");
            let top_events = request.params.iter().any(|(k, _)| k == "topEvents");
            let table = stats::to_table(&body, &y_axes, top_events).map_err(bad)?;
            Ok(Page {
                rows: table.rows,
                meta: table.meta,
                columns: table.columns,
                has_more: false,
            })
        }
        Endpoint::EventsTimeseries => {
            let table = timeseries::to_table(&body).map_err(bad)?;
            Ok(Page {
                rows: table.rows,
                meta: table.meta,
                columns: table.columns,
                has_more: false,
            })
        }
        Endpoint::ProjectEvent | Endpoint::EventIdLookup | Endpoint::IssuesUpdate => {
            let Value::Object(mut object) = body else {
                return Err(bad("the body is not a JSON object".into()));
            };
            if request.endpoint == Endpoint::EventIdLookup {
                // The lookup wraps the event: {organizationSlug, projectSlug, groupId, eventId, event}.
                if let Some(Value::Object(mut event)) = object.remove("event") {
                    if let Some(project) = object.remove("projectSlug") {
                        event.entry("projectSlug").or_insert(project);
                    }
                    object = event;
                }
            }
            Ok(Page {
                columns: object.keys().cloned().collect(),
                rows: vec![object],
                meta: Meta::default(),
                has_more: false,
            })
        }
    }
}

fn objects(values: &[Value]) -> Result<Vec<Row>, String> {
    values
        .iter()
        .map(|v| {
            v.as_object()
                .cloned()
                .ok_or_else(|| "a row is not a JSON object".to_owned())
        })
        .collect()
}

/// Later pages may name types the first lacked (a column null on page one); keep both.
pub(super) fn merge_meta(mut into: Meta, from: Meta) -> Meta {
    for (field, kind) in from.fields {
        into.fields.entry(field).or_insert(kind);
    }
    for (field, unit) in from.units {
        let entry = into.units.entry(field).or_insert(None);
        if entry.is_none() {
            *entry = unit;
        }
    }
    into
}
