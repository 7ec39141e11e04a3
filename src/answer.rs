//! The answer to one statement, whichever backend produced it: the output plan (which columns
//! to show, in which order, under which labels and types) with the rows of a [`ResultSet`].
//!
//! The plan is made here once, for both backends: [`statement_columns`] from the checked
//! statement (lowering puts it into the request, the local engine answers with it), and
//! [`series_columns`] for the rows of a time series, whose keys (`time`, `count()`,
//! `"<group>: count()"`) are known only once the answer came.

use crate::result::ResultSet;
use crate::semantic::checked::{CheckedKind, EventsQuery, IssuesQuery};
use crate::semantic::field_type::FieldType;
use serde::Serialize;

/// The bucket-start column of a time series, on every backend.
pub const TIME_COLUMN: &str = "time";

/// The suffix of a column of the earlier period under COMPARE TO (`count()_previous`).
pub const PREVIOUS: &str = "_previous";

/// The columns `UPDATE issues` shows of the issues it lists before asking for confirmation.
pub const UPDATE_COLUMNS: &[&str] = &["id", "shortId", "title", "status"];

/// One output column: the field string as sent and the label shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputColumn {
    /// The key in each response row (the canonical field string).
    pub field: String,
    /// The header to show (the alias, else the field as written canonically).
    pub label: String,
    /// The value type the checker inferred, when known (the formatter prefers the response's
    /// `meta.fields`; this is the plan's expectation, e.g. for an empty result).
    #[serde(skip)]
    pub ty: Option<FieldType>,
}

impl OutputColumn {
    /// A column shown under its own key, of no known type.
    pub fn plain(key: &str) -> Self {
        OutputColumn {
            field: key.to_owned(),
            label: key.to_owned(),
            ty: None,
        }
    }
}

/// One statement's answer, ready for a formatter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    /// The statement's `@name`, shown when there are several results.
    pub name: Option<String>,
    /// The output plan (column order, labels and types).
    pub columns: Vec<OutputColumn>,
    /// The rows and their meta.
    pub result: ResultSet,
    /// More rows matched than were fetched or kept (no LIMIT: more than one page).
    pub has_more: bool,
}

/// The visible columns of a checked statement, in select-list order: the canonical field of
/// each item with its label and type; for issues their fields; for `UPDATE issues` the
/// columns of its listing ([`UPDATE_COLUMNS`]); none for `SHOW EVENT` (a single event's
/// members are known only from the answer).
pub fn statement_columns(kind: &CheckedKind) -> Vec<OutputColumn> {
    match kind {
        CheckedKind::Events(q) => events_columns(q),
        CheckedKind::Issues(q) => issue_columns(q),
        CheckedKind::UpdateIssues(_) => UPDATE_COLUMNS
            .iter()
            .map(|f| OutputColumn::plain(f))
            .collect(),
        CheckedKind::ShowEvent(_) => Vec::new(),
    }
}

/// The select list of an events query as output columns.
pub fn events_columns(q: &EventsQuery) -> Vec<OutputColumn> {
    q.columns
        .iter()
        .map(|c| OutputColumn {
            field: c.value.canonical(),
            label: c.label.clone(),
            ty: c.ty,
        })
        .collect()
}

/// The columns of an issues query.
pub fn issue_columns(q: &IssuesQuery) -> Vec<OutputColumn> {
    q.columns
        .iter()
        .map(|c| OutputColumn {
            field: c.field.clone(),
            label: c.label.clone(),
            ty: None,
        })
        .collect()
}

/// The output plan of a series result, whichever backend produced it: `plan` is the
/// statement's columns, `names` the row keys of the series table (`time`, then `count()` or
/// `"<group>: count()"`, as both backends key them). A bare yAxis keeps its label (alias) and
/// type; a group's column is labelled by its name and typed as its yAxis.
pub fn series_columns(plan: &[OutputColumn], names: &[String]) -> Vec<OutputColumn> {
    names
        .iter()
        .map(|name| {
            if name == TIME_COLUMN {
                return OutputColumn {
                    field: name.clone(),
                    label: name.clone(),
                    ty: Some(FieldType::Date),
                };
            }
            if let Some(c) = plan.iter().find(|c| c.field == *name) {
                return c.clone();
            }
            // COMPARE TO: a series' earlier values, labelled and typed as the series.
            if let Some(base) = name.strip_suffix(PREVIOUS)
                && let Some(series) = series_columns(plan, &[base.to_owned()]).pop()
            {
                return OutputColumn {
                    field: name.clone(),
                    label: format!("{}{PREVIOUS}", series.label),
                    ty: series.ty,
                };
            }
            let ty = plan
                .iter()
                .find(|c| name.ends_with(&format!(": {}", c.field)))
                .and_then(|c| c.ty);
            OutputColumn {
                field: name.clone(),
                label: name.clone(),
                ty,
            }
        })
        .collect()
}

/// The members of a single event worth a column; the rest (entries, contexts, …) are for
/// the machine formats.
pub const EVENT_COLUMNS: &[&str] = &[
    "eventID",
    "projectSlug",
    "groupID",
    "title",
    "message",
    "type",
    "platform",
    "dateCreated",
    "culprit",
    "location",
];

/// The plan of a single event (`SHOW EVENT`) from its members: those of [`EVENT_COLUMNS`] it
/// has, in that order, or with `every_member` all of them in the order they came.
pub fn event_columns(members: &[String], every_member: bool) -> Vec<OutputColumn> {
    if every_member {
        return members.iter().map(|k| OutputColumn::plain(k)).collect();
    }
    EVENT_COLUMNS
        .iter()
        .filter(|k| members.iter().any(|m| m == *k))
        .map(|k| OutputColumn::plain(k))
        .collect()
}
