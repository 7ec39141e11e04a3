//! SINCE / UNTIL → `statsPeriod`, `statsPeriodStart`/`statsPeriodEnd` or `start`/`end`
//! (language.md §6), resolved against the caller's "now".
//!
//! - no time clause → `statsPeriod=14d`, always sent;
//! - SINCE relative alone → `statsPeriod`; both relative → `statsPeriodStart`, `statsPeriodEnd`;
//! - anything absolute → `start`, `end` (a relative side becomes now − period; SINCE alone
//!   ends at now); a date-only SINCE is that day's 00:00:00Z, a date-only UNTIL the next day's;
//! - instants are printed `YYYY-MM-DDTHH:MM:SSZ` (UTC, fractions of a second dropped).

use super::codes::LowerCode;
use crate::diagnostic::Diagnostic;
use crate::semantic::checked::{Period, TimePoint, TimeRange};
use crate::span::Span;
use jiff::{SignedDuration, Timestamp};

/// Sentry's default window, sent explicitly so no endpoint's own default applies.
pub const DEFAULT_PERIOD: &str = "14d";
const DEFAULT_PERIOD_SECONDS: u64 = 14 * 86_400;

/// The time params of a request and the length of the range they select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeParams {
    /// The params in the order sent.
    pub params: Vec<(String, String)>,
    /// How long the range is, in seconds (for bucket counts).
    pub seconds: u64,
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_instant(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The time params of `range` with "now" = `now`; `span` labels errors.
pub fn lower_time(
    range: &TimeRange,
    now: Timestamp,
    span: Span,
) -> Result<TimeParams, Vec<Diagnostic>> {
    // Point at the SINCE clause when the checker kept it; `span` (the statement) otherwise.
    let span = if range.span.is_empty() {
        span
    } else {
        range.span
    };
    let param = |k: &str, v: String| (k.to_owned(), v);
    match (&range.since, &range.until) {
        (None, None) => Ok(TimeParams {
            params: vec![param("statsPeriod", DEFAULT_PERIOD.to_owned())],
            seconds: DEFAULT_PERIOD_SECONDS,
        }),
        (Some(TimePoint::Ago(p)), None) => Ok(TimeParams {
            params: vec![param("statsPeriod", p.text.clone())],
            seconds: p.seconds,
        }),
        (since, Some(TimePoint::Ago(end))) if matches!(since, None | Some(TimePoint::Ago(_))) => {
            // UNTIL without SINCE is a syntax error; should one get here, SINCE is the default.
            let (start_text, start_seconds) = match since {
                Some(TimePoint::Ago(p)) => (p.text.clone(), p.seconds),
                _ => (DEFAULT_PERIOD.to_owned(), DEFAULT_PERIOD_SECONDS),
            };
            if start_seconds <= end.seconds {
                return Err(vec![empty_range(span, &start_text, &end.text)]);
            }
            Ok(TimeParams {
                params: vec![
                    param("statsPeriodStart", start_text),
                    param("statsPeriodEnd", end.text.clone()),
                ],
                seconds: start_seconds - end.seconds,
            })
        }
        (since, until) => {
            let start = match since {
                Some(p) => instant(p, false, now),
                None => ago(DEFAULT_PERIOD_SECONDS, now),
            }
            .ok_or_else(|| vec![out_of_range(span)])?;
            let end = match until {
                Some(p) => instant(p, true, now).ok_or_else(|| vec![out_of_range(span)])?,
                None => now,
            };
            let (start_text, end_text) = (format_instant(start), format_instant(end));
            if start >= end {
                return Err(vec![empty_range(span, &start_text, &end_text)]);
            }
            let seconds = u64::try_from(end.duration_since(start).as_secs()).unwrap_or(0);
            Ok(TimeParams {
                params: vec![param("start", start_text), param("end", end_text)],
                seconds,
            })
        }
    }
}

/// The instant a time point denotes; `until` makes a whole day end at the next midnight.
/// `None` when it cannot be represented.
fn instant(p: &TimePoint, until: bool, now: Timestamp) -> Option<Timestamp> {
    match p {
        TimePoint::Ago(Period { seconds, .. }) => ago(*seconds, now),
        TimePoint::At(t) => Some(*t),
        TimePoint::Day(d) => {
            let day = if until { d.tomorrow().ok()? } else { *d };
            let secs = day
                .duration_since(jiff::civil::Date::constant(1970, 1, 1))
                .as_secs();
            Timestamp::from_second(secs).ok()
        }
    }
}

fn ago(seconds: u64, now: Timestamp) -> Option<Timestamp> {
    let secs = i64::try_from(seconds).ok()?;
    now.checked_sub(SignedDuration::from_secs(secs)).ok()
}

fn out_of_range(span: Span) -> Diagnostic {
    Diagnostic::error(
        LowerCode::TimeOutOfRange,
        span,
        "a time of this range is too far from now to be represented",
    )
    .help("use a shorter period or a date between the years 1 and 9999")
}

fn empty_range(span: Span, start: &str, end: &str) -> Diagnostic {
    Diagnostic::error(
        LowerCode::EmptyTimeRange,
        span,
        format!("the time range is empty: it starts at {start} and ends at {end}"),
    )
    .help("SINCE must be earlier than UNTIL (relative periods count back from now)")
}
