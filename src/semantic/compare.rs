//! `SAMPLING exact|normal` and `COMPARE TO period [AGO]` on a SELECT over events: the mode and
//! the period read, and what cannot be compared refused.
//!
//! SAMPLING means something only where Sentry samples: the trace-item datasets, served from
//! sampled (downsampled) storage with extrapolated aggregates. COMPARE TO is the same query
//! over the range moved back by the period; its rows are matched on the group columns, so a
//! query must aggregate (raw event rows have nothing to match on), and a top-n series cannot
//! be compared (Sentry's events-timeseries sends no comparison for `topEvents`: getsentry/sentry
//! `src/sentry/api/endpoints/organization_events_timeseries.py`, whose top-events branch passes
//! no `comparison_delta`).

use super::checked::{Column, Period, Sampling};
use super::context::Cx;
use super::params;
use super::time::{near_period, parse_period};
use crate::registry::SemanticCode;
use crate::span::Span;
use crate::syntax::ast::{Clauses, CompareClause, SamplingClause, Select};

/// The spellings of SAMPLING's modes.
const MODES: [&str; 2] = ["exact", "normal"];

/// Reads SAMPLING; warns where the dataset is not sampled by Sentry.
pub(crate) fn check_sampling(cx: &mut Cx<'_>, clause: &SamplingClause) -> Option<Sampling> {
    let (text, written) = params::operand_text(cx, &clause.value)?;
    let mode = match text.to_ascii_lowercase().as_str() {
        "exact" => Sampling::Exact,
        "normal" => Sampling::Normal,
        _ => {
            if written == params::Written::Param {
                params::bad_value(
                    cx,
                    SemanticCode::BadSampling,
                    written,
                    &clause.value,
                    format!("`{text}` is not a sampling mode"),
                    "bind `exact` or `normal`",
                );
            } else {
                cx.error(
                    SemanticCode::BadSampling,
                    clause.value.span,
                    format!("`{text}` is not a sampling mode"),
                )
                .label("not `exact` or `normal`")
                .help_closest(&text, MODES);
            }
            return None;
        }
    };
    if !cx.catalog.is_trace_items(&cx.dataset) {
        // A clause that does nothing: a warning, an error under --strict.
        cx.near(
            SemanticCode::SamplingIgnored,
            clause.span,
            format!(
                "Sentry does not sample the {} dataset: SAMPLING changes nothing",
                cx.dataset
            ),
        )
        .label("no effect here")
        .help("remove SAMPLING; it applies to spans, logs and the other trace-item datasets");
    }
    Some(mode)
}

/// Reads COMPARE TO's period.
pub(crate) fn check_period(cx: &mut Cx<'_>, clause: &CompareClause) -> Option<Period> {
    let (text, written) = params::operand_text(cx, &clause.value)?;
    let period = parse_period(&text, false);
    let near = near_period(&text).filter(|_| written != params::Written::Param);
    if let (None, Some(near)) = (&period, near) {
        cx.error(
            SemanticCode::BadCompare,
            clause.value.span,
            format!("`{text}` is not a period"),
        )
        .label("a period is a number and one letter")
        .help(format!("did you mean `{near}`?"))
        .fix(clause.value.span, near);
    } else if period.is_none() {
        params::bad_value(
            cx,
            SemanticCode::BadCompare,
            written,
            &clause.value,
            format!("`{text}` is not a period"),
            "write how far back to compare, a number and a unit of s, m, h, d or w: `COMPARE TO 7d AGO`",
        );
    }
    period
}

/// Refuses COMPARE TO where rows cannot be matched across the two periods.
pub(crate) fn check_comparable(
    cx: &mut Cx<'_>,
    select: &Select,
    has_aggregate: bool,
    series: bool,
) {
    let Some(compare) = &select.clauses.compare else {
        return;
    };
    if !has_aggregate {
        cx.error(
            SemanticCode::NotComparable,
            compare.span,
            "COMPARE TO needs an aggregate: raw event rows have nothing to match across periods",
        )
        .label("nothing to compare")
        .help("select an aggregate such as `count()`, with GROUP BY for one row per group");
        return;
    }
    let grouped = select.clauses.group_by.is_some() || select.distinct.is_some();
    if series && grouped {
        let span = select
            .clauses
            .group_by
            .as_ref()
            .map_or(compare.span, |g| g.span);
        cx.error(
            SemanticCode::NotComparable,
            compare.span,
            "a top-n series cannot be compared: Sentry sends no comparison for top events",
        )
        .label("COMPARE TO on a grouped series")
        .with_label(span, "grouped here")
        .help("remove GROUP BY to compare the whole series, or remove INTERVAL to compare the groups as a table");
    }
}

/// The suffixes of the columns a compared table adds after the join (`lower::compare`).
const DERIVED: [&str; 3] = ["_change_pct", "_change", "_previous"];

/// Refuses a sort key naming a column COMPARE TO adds (`c_previous`, `c_change`,
/// `c_change_pct`); true when it did. Sentry sorts each period's request itself, and can sort
/// only by what that request selects ("Cannot order by a field that is not selected":
/// getsentry/sentry `src/sentry/search/events/fields.py`, `resolve_orderby`); these columns
/// exist only after dql joins the two answers, and sorting them then would reorder groups
/// that the current request's LIMIT already chose by its own order.
pub(crate) fn refuse_derived_sort(
    cx: &mut Cx<'_>,
    name: &str,
    span: Span,
    columns: &[Column],
) -> bool {
    let Some((stem, suffix)) = DERIVED
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix).map(|stem| (stem, *suffix)))
    else {
        return false;
    };
    let Some(column) = columns
        .iter()
        .filter(|c| c.value.is_aggregate())
        .find(|c| c.label == stem || sentry_alias(&c.label) == stem)
    else {
        return false;
    };
    cx.error(
        SemanticCode::CompareSort,
        span,
        format!("cannot sort by `{name}`: COMPARE TO computes it after the two periods are joined"),
    )
    .label(format!("`{suffix}` of `{}`", column.label))
    .help(format!(
        "sort by `{}` (the current period's value): Sentry sorts each period's request by what it \
         selects, and the current one's order and LIMIT choose the groups",
        column.label
    ))
    .fix(span, column.label.clone());
    true
}

/// Sentry's alias of a column (`count()` → `count`, `p95(transaction.duration)` →
/// `p95_transaction_duration`).
fn sentry_alias(label: &str) -> String {
    let mapped: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    mapped
        .split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// Refuses SAMPLING and COMPARE TO in a statement that takes neither (issues, UPDATE).
pub(crate) fn refuse(cx: &mut Cx<'_>, clauses: &Clauses, code: SemanticCode, what: &str) {
    if let Some(c) = &clauses.sampling {
        cx.error(code, c.span, format!("{what} do not take SAMPLING"))
            .label("SAMPLING here")
            .help("remove SAMPLING: only event queries are sampled");
    }
    if let Some(c) = &clauses.compare {
        refuse_compare(cx, c.span, what);
    }
}

fn refuse_compare(cx: &mut Cx<'_>, span: Span, what: &str) {
    cx.error(
        SemanticCode::NotComparable,
        span,
        format!("{what} cannot be compared across periods"),
    )
    .label("COMPARE TO here")
    .help("remove COMPARE TO; it compares aggregates of events (count(), p95(…)) with an earlier period");
}
