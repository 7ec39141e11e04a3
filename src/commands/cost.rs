//! `dql compile --cost` and the REPL's `.cost`: what each statement will take to run (requests, pages, windows of
//! time) and the least time at a rate limit, estimated offline by `dql::lower::cost`.
#![allow(clippy::print_stderr, reason = "the CLI talks to the terminal")]

use dql::client::DEFAULT_OFFSET_CAP;
use dql::lower::cost::{Assumptions, DEFAULT_RATE, estimate};

/// The flags of `dql compile --cost`.
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub(crate) struct CostFlags {
    /// Print what each statement will cost to run instead of its request: requests, pages,
    /// windows of time, and the least time at the rate limit (an estimate; it says what it
    /// assumes).
    #[arg(long)]
    pub(crate) cost: bool,
    /// With --cost: how many rows (or groups) the query matches, for LIMIT ALL.
    #[arg(long, value_name = "N", requires = "cost")]
    pub(crate) rows: Option<u64>,
    /// With --cost: requests a second (offline no server announces its limit; Sentry's events
    /// endpoints announce 30).
    #[arg(long, value_name = "PER_SECOND", default_value_t = DEFAULT_RATE, requires = "cost")]
    pub(crate) rate: f64,
    /// With --cost: the most rows one Sentry query is paged through (Snuba's 10,000).
    #[arg(long = "cost-offset-cap", value_name = "ROWS", default_value_t = DEFAULT_OFFSET_CAP,
          requires = "cost")]
    pub(crate) offset_cap: u64,
}

impl Default for CostFlags {
    /// `--cost` with its defaults: rows unknown, Sentry's announced rate, Snuba's cap.
    fn default() -> Self {
        CostFlags {
            cost: true,
            rows: None,
            rate: DEFAULT_RATE,
            offset_cap: DEFAULT_OFFSET_CAP,
        }
    }
}

/// The cost report of `chosen` (statements of `source`), one paragraph each.
pub(crate) fn report(source: &dql::Source, chosen: &[&dql::Compiled], flags: &CostFlags) -> String {
    let assume = Assumptions {
        rows: flags.rows,
        cap: flags.offset_cap.max(1),
        rate: if flags.rate > 0.0 {
            flags.rate
        } else {
            DEFAULT_RATE
        },
    };
    let text = source.text();
    let mut out = String::new();
    for (i, compiled) in chosen.iter().enumerate() {
        let start = usize::try_from(compiled.checked.span.start).unwrap_or(0);
        let line = text.get(..start).map_or(1, |t| t.matches('\n').count() + 1);
        let name = compiled
            .request
            .name
            .as_deref()
            .map(|n| format!(" @{n}"))
            .unwrap_or_default();
        let cost = estimate(&compiled.request, &assume);
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        out.push_str(&format!(
            "statement {}{name} (line {line}): {}, {}, {}: at least {:.1} s at {} requests/s\n",
            i + 1,
            plural(cost.requests, "request", "requests"),
            plural(cost.pages, "page", "pages"),
            plural(cost.windows, "window", "windows"),
            cost.seconds,
            assume.rate,
        ));
        out.push_str(&format!("  assumes: {}\n", cost.assumes.join("; ")));
        if let Some(reason) = &cost.fails_past_cap {
            out.push_str(&format!(
                "  fails past the offset cap (dql::client::past_offset_cap): {reason}\n"
            ));
        }
    }
    out
}
