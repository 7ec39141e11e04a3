//! SELECT … INTERVAL → `GET /api/0/organizations/{org}/events-timeseries/` on the datasets that
//! endpoint serves, with an `/events-stats/` request to fall back to; else events-stats (language.md §7,
//! sentry-api.md §9, §13.1): `yAxis` per aggregate, `interval`, and for GROUP BY … LIMIT n a
//! top-n series (`topEvents`, `field`, `orderby`). The bucket count is checked here because
//! Sentry silently replaces an interval it does not like.

use super::Ctx;
use super::events::Fields;
use super::request::{Endpoint, Method, Request};
use crate::diagnostic::Diagnostic;
use crate::registry::LowerCode;
use crate::semantic::checked::EventsQuery;

/// Sentry's `MAX_ROLLUP_POINTS`: buckets per series (divided by topEvents for a top-n series).
pub(crate) const MAX_BUCKETS: u64 = 10_000;
/// Sentry's `MAX_TOP_EVENTS`.
pub(crate) const MAX_TOP_EVENTS: u64 = 10;

/// Datasets whose series dql asks of `/events-timeseries/`: the public list of that endpoint's
/// `dataset` (sentry-api-2026.md §1). Others (`transactions`, `discover`) keep `/events-stats/`.
const TIMESERIES_DATASETS: &[&str] = &[
    "errors",
    "logs",
    "profile_functions",
    "spans",
    "tracemetrics",
    "uptime_results",
];

/// Datasets served by Sentry's RPC path, where an interval longer than the range is refused.
const RPC_DATASETS: &[&str] = &["spans", "logs"];

pub(super) fn lower_stats(ctx: &Ctx<'_>, q: &EventsQuery) -> Result<Request, Vec<Diagnostic>> {
    let Some(interval) = &q.interval else {
        return super::events::lower_events(ctx, q);
    };
    let columns = ctx.columns.clone();
    let mut y_axes = Fields::default();
    for c in q.columns.iter().filter(|c| c.value.is_aggregate()) {
        y_axes.push(c.value.canonical());
    }
    let Some(first) = y_axes.list.first().cloned() else {
        return Err(vec![
            Diagnostic::error(
                LowerCode::SeriesWithoutAggregate,
                ctx.span,
                "a time series needs at least one aggregate to plot",
            )
            .help("select an aggregate, e.g. `count()`"),
        ]);
    };

    let top = if q.group_by.is_empty() {
        None
    } else {
        match q.limit {
            Some(n) if (1..=MAX_TOP_EVENTS).contains(&n) => Some(n),
            other => {
                let what = other.map_or_else(|| "no LIMIT".to_owned(), |n| format!("LIMIT {n}"));
                return Err(vec![
                    Diagnostic::error(
                        LowerCode::TopEventsOutOfRange,
                        ctx.span,
                        format!(
                            "a grouped time series needs LIMIT 1 to {MAX_TOP_EVENTS}, not {what}"
                        ),
                    )
                    .help("add `LIMIT 5` to plot the top 5 groups"),
                ]);
            }
        }
    };

    let time = super::time::lower_time(&q.time, ctx.options.now, ctx.span)?;
    let max = MAX_BUCKETS / top.unwrap_or(1);
    let buckets = time.seconds.div_ceil(interval.seconds.max(1));
    if interval.seconds == 0 || buckets > max {
        let smallest = time.seconds.div_ceil(max).max(1);
        return Err(vec![
            Diagnostic::error(
                LowerCode::TooManyBuckets,
                ctx.span,
                format!(
                    "INTERVAL {} cuts the range into {buckets} buckets; Sentry allows at most {max}",
                    interval.text
                ),
            )
            .help(format!(
                "use an interval of at least {smallest} seconds, or a shorter range (Sentry would silently use another interval)"
            )),
        ]);
    }
    if RPC_DATASETS.contains(&q.dataset.as_str()) && interval.seconds > time.seconds {
        return Err(vec![
            Diagnostic::error(
                LowerCode::IntervalExceedsRange,
                ctx.span,
                format!(
                    "INTERVAL {} is longer than the time range ({} seconds)",
                    interval.text, time.seconds
                ),
            )
            .help(format!(
                "the {} dataset refuses it; use a shorter interval",
                q.dataset
            )),
        ]);
    }

    let mut fields = Fields::default();
    let mut orderby = Vec::new();
    if top.is_some() {
        for g in &q.group_by {
            fields.push(g.name.clone());
        }
        for y in &y_axes.list {
            fields.push(y.clone());
        }
        for k in &q.order_by {
            let key = k.value.canonical();
            // Sentry orders only by requested fields.
            fields.push(key.clone());
            orderby.push(if k.descending { format!("-{key}") } else { key });
        }
        if orderby.is_empty() {
            orderby.push(format!("-{first}"));
        }
        if fields.list.len() > super::MAX_FIELDS {
            return Err(vec![super::too_many_fields(ctx.span, &fields.list, 0)]);
        }
    }
    let query = super::query_param(q.filter.as_ref(), q.having.as_ref())?;

    let mut params: Vec<(String, String)> = Vec::new();
    params.extend(fields.list.iter().map(|f| ("field".to_owned(), f.clone())));
    params.extend(y_axes.list.iter().map(|y| ("yAxis".to_owned(), y.clone())));
    if !query.is_empty() {
        params.push(("query".into(), query.clone()));
    }
    let sort = orderby.clone();
    params.extend(orderby.into_iter().map(|o| ("orderby".to_owned(), o)));
    if let Some(n) = top {
        params.push(("topEvents".into(), n.to_string()));
    }
    params.push(("interval".into(), interval.text.clone()));
    // Without `partial=1` Sentry drops the last bucket when the range's end does not fall on
    // the interval (the current, unfinished bucket); its UI always sends it
    // (getsentry/sentry `src/sentry/api/endpoints/organization_events_stats.py`,
    // `allow_partial_buckets = request.GET.get("partial") == "1"`).
    params.push(("partial".into(), "1".into()));
    params.extend(time.params.iter().cloned());
    super::project_params(ctx, &q.projects, &mut params);
    super::environment_params(&q.environments, &mut params);
    params.push(("dataset".into(), q.dataset.clone()));
    super::sampling_params(q.sampling, &mut params);

    let hidden: Vec<String> = fields
        .list
        .iter()
        .filter(|f| !columns.iter().any(|c| &c.field == *f))
        .cloned()
        .collect();
    let stats = Request {
        name: ctx.name.clone(),
        params,
        columns: columns.clone(),
        hidden: hidden.clone(),
        ..Request::new(
            Method::Get,
            Endpoint::EventsStats,
            ctx.org_path("events-stats/"),
        )
    };
    if !TIMESERIES_DATASETS.contains(&q.dataset.as_str()) {
        return Ok(stats);
    }

    // events-timeseries (getsentry/sentry
    // `src/sentry/api/endpoints/organization_events_timeseries.py`, `VisibilityParams` in
    // `src/sentry/apidocs/parameters.py`): `yAxis` repeated, `interval` in integer seconds,
    // group-by columns in `groupBy` (not `field`), the ranking in `sort`, `topEvents`.
    // `excludeOther` is left out: anything but `1` keeps the "Other" series, as events-stats
    // does when it is absent. `partial` is not read there (every bucket is returned, the
    // unfinished ones marked `incomplete`).
    let mut params: Vec<(String, String)> = Vec::new();
    params.extend(y_axes.list.iter().map(|y| ("yAxis".to_owned(), y.clone())));
    if top.is_some() {
        params.extend(
            q.group_by
                .iter()
                .map(|g| ("groupBy".to_owned(), g.name.clone())),
        );
    }
    if !query.is_empty() {
        params.push(("query".into(), query));
    }
    params.extend(sort.into_iter().map(|o| ("sort".to_owned(), o)));
    if let Some(n) = top {
        params.push(("topEvents".into(), n.to_string()));
    }
    params.push(("interval".into(), interval.seconds.to_string()));
    params.extend(time.params);
    super::project_params(ctx, &q.projects, &mut params);
    super::environment_params(&q.environments, &mut params);
    params.push(("dataset".into(), q.dataset.clone()));
    super::sampling_params(q.sampling, &mut params);
    Ok(Request {
        name: ctx.name.clone(),
        method: Method::Get,
        endpoint: Endpoint::EventsTimeseries,
        path: ctx.org_path("events-timeseries/"),
        params,
        body: None,
        columns,
        hidden,
        limit: None,
        update: None,
        // An older self-hosted Sentry has no events-timeseries: its 404 sends this instead.
        fallback: Some(Box::new(stats)),
        compare: None,
        split: None,
    })
}

/// `--exclude-other`: a top-n series without Sentry's "Other" series (the groups beyond the top
/// n), `excludeOther=1` right after `topEvents` on events-timeseries and on its events-stats
/// fallback (both read it: getsentry/sentry `organization_events_timeseries.py`,
/// `include_other = request.GET.get("excludeOther") != "1"`, and
/// `organization_events_stats.py`). A request that is no top-n series is left as it is.
pub fn exclude_other(request: &mut Request) {
    if let Some(at) = request.params.iter().position(|(k, _)| k == "topEvents")
        && !request.params.iter().any(|(k, _)| k == "excludeOther")
    {
        request
            .params
            .insert(at + 1, ("excludeOther".into(), "1".into()));
    }
    if let Some(fallback) = &mut request.fallback {
        exclude_other(fallback);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_other_follows_top_events_on_both_endpoints() {
        let options = crate::lower::Options::new(jiff::Timestamp::UNIX_EPOCH);
        let source = crate::source::Source::new(
            "q",
            "SELECT count(), span.op FROM spans GROUP BY span.op LIMIT 3 SINCE 2h INTERVAL 1h; SELECT count() FROM spans SINCE 2h INTERVAL 1h",
        );
        let parsed = crate::syntax::parse(&source);
        let checked = crate::semantic::check(
            &parsed.file,
            crate::semantic::Catalog::builtin(),
            &crate::semantic::Params::new(),
            &crate::semantic::CheckOptions::default(),
        );
        let (mut requests, errors) = crate::lower::lower_all(&checked.statements, &options);
        assert!(errors.is_empty(), "{errors:?}");
        for request in &mut requests {
            exclude_other(request);
        }
        let after_top = |r: &Request| {
            let at = r.params.iter().position(|(k, _)| k == "topEvents")?;
            r.params.get(at + 1).cloned()
        };
        let top = &requests[0];
        assert_eq!(after_top(top), Some(("excludeOther".into(), "1".into())));
        assert_eq!(
            top.fallback.as_deref().and_then(after_top),
            Some(("excludeOther".into(), "1".into()))
        );
        assert!(!requests[1].params.iter().any(|(k, _)| k == "excludeOther"));
    }
}
