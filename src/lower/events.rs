//! SELECT over events → `GET /api/0/organizations/{org}/events/` (language.md §§3–7,
//! sentry-api.md §3, §8): fields with hidden ones, sort with tiebreakers, pages, time,
//! projects, environments, dataset.

use super::request::{Endpoint, Method, Request};
use super::{Ctx, MAX_FIELDS, MAX_PAGE};
use crate::diagnostic::Diagnostic;
use crate::semantic::checked::{ColumnValue, Equation, EventsQuery};
use std::collections::HashSet;

/// The `field` params: canonical strings, each once, in order.
#[derive(Default)]
pub(super) struct Fields {
    pub(super) list: Vec<String>,
    seen: HashSet<String>,
}

impl Fields {
    /// Adds `s` unless already there.
    pub(super) fn push(&mut self, s: String) {
        if self.seen.insert(s.clone()) {
            self.list.push(s);
        }
    }
}

/// What an equation needs selected beside itself: its functions and fields.
pub(super) fn equation_operands(e: &Equation, out: &mut Vec<String>) {
    match e {
        Equation::Number(_) => {}
        Equation::Function(c) => out.push(c.canonical()),
        Equation::Field(f) => out.push(f.name.clone()),
        Equation::Binary(l, _, r) => {
            equation_operands(l, out);
            equation_operands(r, out);
        }
    }
}

pub(super) fn lower_events(ctx: &Ctx<'_>, q: &EventsQuery) -> Result<Request, Vec<Diagnostic>> {
    let columns = ctx.columns.clone();
    let mut fields = Fields::default();
    for c in &columns {
        fields.push(c.field.clone());
    }
    let visible = fields.list.len();

    for g in &q.group_by {
        fields.push(g.name.clone());
    }
    for k in &q.order_by {
        fields.push(k.value.canonical());
    }
    let mut operands = Vec::new();
    for value in q
        .columns
        .iter()
        .map(|c| &c.value)
        .chain(q.order_by.iter().map(|k| &k.value))
    {
        if let ColumnValue::Equation(e) = value {
            equation_operands(e, &mut operands);
        }
    }
    if let Some(h) = &q.having {
        operands.extend(super::having_functions(h));
    }
    for o in operands {
        fields.push(o);
    }
    let has_aggregate = q.having.is_some()
        || q.columns.iter().any(|c| c.value.is_aggregate())
        || q.order_by.iter().any(|k| k.value.is_aggregate());
    if q.aggregate && !has_aggregate {
        // GROUP BY or DISTINCT alone: Sentry groups only when a function is requested.
        fields.push("count()".to_owned());
    }

    let mut sort = Vec::new();
    let mut sorted_by = HashSet::new();
    for k in &q.order_by {
        let key = k.value.canonical();
        if sorted_by.insert(key.clone()) {
            sort.push(if k.descending { format!("-{key}") } else { key });
        }
    }
    // The group keys of an aggregate query: GROUP BY, else its plain columns.
    let keys: Vec<String> = if !q.aggregate {
        Vec::new()
    } else if q.group_by.is_empty() {
        q.columns
            .iter()
            .filter_map(|c| match &c.value {
                ColumnValue::Field(f) => Some(f.name.clone()),
                _ => None,
            })
            .collect()
    } else {
        q.group_by.iter().map(|g| g.name.clone()).collect()
    };
    // --all makes a statement without LIMIT one with LIMIT ALL.
    let all = q.all || (ctx.options.all && q.limit.is_none());
    let paged = all || q.limit.is_some_and(|n| n > MAX_PAGE);
    if paged {
        // The cursor is an offset: without a total order, rows may repeat or go missing
        // between pages. These keys cannot change which rows LIMIT keeps.
        if q.aggregate {
            for g in &keys {
                if sorted_by.insert(g.clone()) {
                    fields.push(g.clone());
                    sort.push(g.clone());
                }
            }
        } else {
            for (key, sent) in [("timestamp", "-timestamp"), ("id", "id")] {
                if sorted_by.insert(key.to_owned()) {
                    fields.push(key.to_owned());
                    sort.push(sent.to_owned());
                }
            }
        }
    }

    if fields.list.len() > MAX_FIELDS {
        return Err(vec![super::too_many_fields(
            ctx.span,
            &fields.list,
            visible,
        )]);
    }

    let query = super::query_param(q.filter.as_ref(), q.having.as_ref())?;
    let time = super::time::lower_time(&q.time, ctx.options.now, ctx.span)?;
    let split = paged.then(|| super::split::plan(q, &fields.list, &sort, &keys));
    let time = if split.is_some() {
        super::split::absolute_time(q, time, ctx.options.now)
    } else {
        time.params
    };

    let mut params: Vec<(String, String)> = Vec::new();
    params.extend(fields.list.iter().map(|f| ("field".to_owned(), f.clone())));
    if !query.is_empty() {
        params.push(("query".into(), query));
    }
    params.extend(sort.into_iter().map(|s| ("sort".to_owned(), s)));
    let per_page = q.limit.map_or(MAX_PAGE, |n| n.clamp(1, MAX_PAGE));
    params.push(("per_page".into(), per_page.to_string()));
    params.extend(time);
    super::project_params(ctx, &q.projects, &mut params);
    super::environment_params(&q.environments, &mut params);
    params.push(("dataset".into(), q.dataset.clone()));
    super::sampling_params(q.sampling, &mut params);

    let hidden = fields.list.get(visible..).unwrap_or_default().to_vec();
    Ok(Request {
        name: ctx.name.clone(),
        method: Method::Get,
        endpoint: Endpoint::Events,
        path: ctx.org_path("events/"),
        params,
        body: None,
        columns,
        hidden,
        limit: q.limit,
        update: None,
        fallback: None,
        compare: None,
        split,
    })
}
