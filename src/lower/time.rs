//! SINCE / UNTIL → `statsPeriod`, `statsPeriodStart`/`statsPeriodEnd` or `start`/`end`
//! (language.md §6), formatted from the range resolved against the caller's "now"
//! ([`TimeRange::resolve`], where the rules are).

use crate::diagnostic::Diagnostic;
use crate::registry::LowerCode;
use crate::semantic::checked::TimeRange;
pub use crate::semantic::range::{DEFAULT_PERIOD, format_instant};
use crate::semantic::range::{RangeError, RangeForm, ResolvedRange};
use crate::span::Span;
use jiff::Timestamp;

/// The time params of a request and the length of the range they select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeParams {
    /// The params in the order sent.
    pub params: Vec<(String, String)>,
    /// How long the range is, in seconds (for bucket counts).
    pub seconds: u64,
}

/// The time params of `range` with "now" = `now`; `span` labels errors.
pub fn lower_time(
    range: &TimeRange,
    now: Timestamp,
    span: Span,
) -> Result<TimeParams, Vec<Diagnostic>> {
    let resolved = range
        .resolve(now)
        .map_err(|e| vec![e.diagnostic(range, span)])?;
    Ok(TimeParams {
        params: params(&resolved),
        seconds: resolved.seconds,
    })
}

/// The params that tell Sentry `range`, in the order sent.
pub fn params(range: &ResolvedRange) -> Vec<(String, String)> {
    let param = |k: &str, v: String| (k.to_owned(), v);
    match &range.form {
        RangeForm::Period(period) => vec![param("statsPeriod", period.clone())],
        RangeForm::Periods { start, end } => vec![
            param("statsPeriodStart", start.clone()),
            param("statsPeriodEnd", end.clone()),
        ],
        RangeForm::Instants => match range.instants {
            Some((start, end)) => vec![
                param("start", format_instant(start)),
                param("end", format_instant(end)),
            ],
            None => Vec::new(),
        },
    }
}

impl RangeError {
    /// The diagnostic of this error: at the SINCE clause of `range` when the checker kept it,
    /// else at `statement`.
    pub fn diagnostic(&self, range: &TimeRange, statement: Span) -> Diagnostic {
        let span = if range.span.is_empty() {
            statement
        } else {
            range.span
        };
        match self {
            RangeError::OutOfRange => Diagnostic::error(
                LowerCode::TimeOutOfRange,
                span,
                "a time of this range is too far from now to be represented",
            )
            .help("use a shorter period or a date between the years 1 and 9999"),
            RangeError::Empty { start, end } => Diagnostic::error(
                LowerCode::EmptyTimeRange,
                span,
                format!("the time range is empty: it starts at {start} and ends at {end}"),
            )
            .help("SINCE must be earlier than UNTIL (relative periods count back from now)"),
        }
    }
}
