//! `SELECT … FROM issues` over events: events with a `groupID` grouped into issues, answering
//! rows shaped like Sentry's issues list (`id`, `title`, `culprit`, `level`, `count` (a
//! number: Sentry's string is normalised, as the client does), `userCount`, `firstSeen`,
//! `lastSeen`, `project` as `{id, name, slug}`).
//!
//! Columns only Sentry knows (`shortId`, `status`, `priority`, `assignedTo`, `permalink`) and
//! issue-state filters (`is:`, `assigned:`, `bookmarks:` …) are refused. `firstSeen`/`age`,
//! `lastSeen` and `timesSeen` filter the issues after grouping; every other term filters the
//! events. Sort: `date` (default, last seen), `new` (first seen), `freq` (count), `user`
//! (user count), all descending, ties by issue id.

use super::aggregate::{Accumulator, AggregateFn};
use super::eval::{self, Base, Builder, Context, refuse, refuse_unsupported};
use super::filter::{self, Compiled, Resolver, Slot, Unsupported};
use super::group::{GroupTable, parallel_scan};
use super::{LocalResult, RunError, Value};
use crate::result::{ResultSet, Row};
use crate::semantic::Catalog;
use crate::semantic::checked::IssuesQuery;
use crate::semantic::checked::filter::{AggregateKey, FilterKey, TypedFilter};
use crate::span::Span;
use serde_json::json;
use std::cmp::Ordering;

const COLUMNS: &[&str] = &[
    "id",
    "title",
    "culprit",
    "level",
    "count",
    "userCount",
    "firstSeen",
    "lastSeen",
    "project",
];

/// Per-issue statistics, by index: count, userCount, firstSeen, lastSeen (what issue-level
/// filters test).
const COUNT: usize = 0;
const USERS: usize = 1;
const FIRST: usize = 2;
const LAST: usize = 3;

/// The issue-level statistic an issue search key reads, if it is one.
fn issue_level(name: &str) -> Option<usize> {
    match name {
        "timesSeen" | "times_seen" => Some(COUNT),
        "firstSeen" | "first_seen" | "age" => Some(FIRST),
        "lastSeen" | "last_seen" => Some(LAST),
        _ => None,
    }
}

struct IssueResolver<'b> {
    builder: &'b mut Builder,
    /// Whether the terms being compiled are issue-level.
    issue_level: bool,
}

impl Resolver for IssueResolver<'_> {
    fn field(&mut self, name: &str, span: Span) -> Result<Slot, Unsupported> {
        if let Some(i) = issue_level(name) {
            return Ok(Slot::Aggregate(i));
        }
        let name = match name {
            "date" | "event.timestamp" => "timestamp",
            other => other,
        };
        if self.issue_level || (Catalog::builtin().is_issue_search_key(name) && name != "timestamp")
        {
            return Err(Unsupported {
                what: format!("the issue filter `{name}`"),
                span,
            });
        }
        Ok(Slot::Field(self.builder.field(name)))
    }
    fn aggregate(&mut self, key: &AggregateKey, span: Span) -> Result<Slot, Unsupported> {
        Err(Unsupported {
            what: format!("the aggregate condition `{key}` on issues"),
            span,
        })
    }
}

fn is_issue_level(f: &TypedFilter) -> bool {
    f.terms().iter().all(|t| match &t.key {
        FilterKey::Field(k) => filter::key_name(k)
            .ok()
            .and_then(|n| issue_level(&n))
            .is_some(),
        _ => false,
    })
}

pub(crate) fn run(q: &IssuesQuery, ctx: &Context<'_>) -> Result<LocalResult, RunError> {
    let unknown: Vec<&str> = q
        .columns
        .iter()
        .map(|c| c.field.as_str())
        .filter(|f| !COLUMNS.contains(f))
        .collect();
    if !unknown.is_empty() {
        return Err(eval::one(Box::new(
            eval::refusal(
                ctx.span,
                format!(
                    "only Sentry knows the issue column{} {}",
                    if unknown.len() == 1 { "" } else { "s" },
                    unknown
                        .iter()
                        .map(|u| format!("`{u}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .help(format!(
                "locally, issues have only {}; run the query against Sentry (without --events) for the others",
                COLUMNS.join(", ")
            )),
        )));
    }
    let sort = match q.sort.as_deref().map(|s| Catalog::builtin().issue_sort(s)) {
        None => "date",
        Some(Some(s @ ("date" | "new" | "freq" | "user"))) => s,
        Some(other) => {
            return Err(eval::one(refuse(
                ctx.span,
                format!(
                    "the issue sort `{}` cannot be computed locally",
                    other.unwrap_or("?")
                ),
            )));
        }
    };

    let mut b = Builder::default();
    let base = Base::new(&mut b, None, &q.projects, &q.environments, ctx.range);
    let issue = b.field("issue.id");
    let user = b.field("user");
    let any_fields = [
        b.field("title"),
        b.field("culprit"),
        b.field("level"),
        b.field("project"),
        b.field("project.id"),
    ];
    let ts = b.field("timestamp");
    let items: Vec<TypedFilter> = match &q.filter {
        Some(TypedFilter::And(items)) => items.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    let (issue_items, event_items): (Vec<_>, Vec<_>) = items.into_iter().partition(is_issue_level);
    let compile = |items: Vec<TypedFilter>, builder: &mut Builder, issue_level: bool| {
        TypedFilter::and(items)
            .map(|f| {
                filter::compile(
                    &f,
                    ctx.now_ms,
                    &mut IssueResolver {
                        builder,
                        issue_level,
                    },
                )
                .map_err(refuse_unsupported)
            })
            .transpose()
    };
    let event_filter: Option<Compiled> = compile(event_items, &mut b, false).map_err(eval::one)?;
    let issue_filter: Option<Compiled> = compile(issue_items, &mut b, true).map_err(eval::one)?;
    let projection = b.projection();

    let functions = [
        AggregateFn::Count,
        AggregateFn::CountUnique,
        AggregateFn::Min,
        AggregateFn::Max,
    ];
    let new = || -> (Vec<Accumulator>, Vec<Accumulator>) {
        (
            functions.iter().map(|f| Accumulator::new(*f)).collect(),
            any_fields
                .iter()
                .map(|_| Accumulator::new(AggregateFn::Any))
                .collect(),
        )
    };
    let (states, stats) = parallel_scan(
        ctx.files,
        &projection,
        &ctx.options.read,
        ctx.options.threads,
        GroupTable::<(Vec<Accumulator>, Vec<Accumulator>)>::default,
        |table, _, event| {
            let values = &event.values;
            let id = values.get(issue).cloned().unwrap_or(Value::Null);
            if id.is_null()
                || !base.passes(values)
                || event_filter
                    .as_ref()
                    .is_some_and(|f| !f.matches(values, &[]))
            {
                return Ok(());
            }
            table.update(&[id], new, |(stats, firsts)| {
                let inputs = [
                    Value::Null,
                    field(values, user),
                    field(values, ts),
                    field(values, ts),
                ];
                for (acc, input) in stats.iter_mut().zip(&inputs) {
                    acc.update(input);
                }
                for (acc, i) in firsts.iter_mut().zip(any_fields) {
                    acc.update(values.get(i).unwrap_or(&Value::Null));
                }
            });
            Ok(())
        },
    )?;
    let mut table = GroupTable::default();
    for s in states {
        table.merge(
            s,
            |into: &mut (Vec<Accumulator>, Vec<Accumulator>), from| {
                eval::merge_accs(&mut into.0, from.0);
                eval::merge_accs(&mut into.1, from.1);
            },
        );
    }
    let context = super::FinishContext::default();
    let mut issues: Vec<(Value<'static>, Vec<Value<'static>>, Vec<Value<'static>>)> = Vec::new();
    for (key, (mut stats, mut firsts)) in table.into_groups() {
        let stats: Vec<_> = stats.iter_mut().map(|a| a.finish(&context)).collect();
        if issue_filter
            .as_ref()
            .is_some_and(|f| !f.matches(&[], &stats))
        {
            continue;
        }
        let firsts = firsts.iter_mut().map(|a| a.finish(&context)).collect();
        issues.push((key.into_iter().next().unwrap_or(Value::Null), stats, firsts));
    }
    let by = match sort {
        "new" => FIRST,
        "freq" => COUNT,
        "user" => USERS,
        _ => LAST,
    };
    issues.sort_by(|a, b| {
        let (x, y) = (a.1.get(by), b.1.get(by));
        y.cmp(&x).then_with(|| a.0.cmp(&b.0)).then(Ordering::Equal)
    });
    let keep = usize::try_from(q.limit.unwrap_or(eval::DEFAULT_ROWS)).unwrap_or(usize::MAX);
    let has_more = issues.len() > keep;
    issues.truncate(keep);
    let columns = crate::answer::issue_columns(q);
    let mut data = Vec::new();
    for (id, stats, firsts) in issues {
        let get = |v: &[Value<'static>], i: usize| {
            v.get(i).map_or(serde_json::Value::Null, Value::to_json)
        };
        let mut row = Row::new();
        for c in &columns {
            let value = match c.field.as_str() {
                "id" => json!(id.as_text()),
                "title" => get(&firsts, 0),
                "culprit" => get(&firsts, 1),
                "level" => get(&firsts, 2),
                // Sentry sends the count as a string; dql shows it as the number it is
                // (crate::result::normalize_issue_row).
                "count" => get(&stats, COUNT),
                "userCount" => get(&stats, USERS),
                "firstSeen" => iso(stats.get(FIRST)),
                "lastSeen" => iso(stats.get(LAST)),
                "project" => {
                    let slug = firsts.get(3).map(|v| v.as_text().into_owned());
                    let id = firsts.get(4).map(|v| v.as_text().into_owned());
                    json!({"id": id, "name": slug, "slug": slug})
                }
                _ => serde_json::Value::Null,
            };
            row.insert(c.field.clone(), value);
        }
        data.push(row);
    }
    Ok(LocalResult::new(
        ResultSet {
            data,
            meta: crate::result::issue_meta(),
        },
        columns,
        has_more,
        stats,
    ))
}

fn field<'a>(values: &[Value<'a>], i: usize) -> Value<'a> {
    values.get(i).cloned().unwrap_or(Value::Null)
}

/// Issue dates as Sentry's issues list writes them (`2026-11-19T12:34:56Z`).
fn iso(v: Option<&Value<'_>>) -> serde_json::Value {
    match v {
        Some(Value::Timestamp(t)) => jiff::Timestamp::from_millisecond(*t)
            .map_or(serde_json::Value::Null, |ts| json!(ts.to_string())),
        _ => serde_json::Value::Null,
    }
}
