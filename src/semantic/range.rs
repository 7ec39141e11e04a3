//! SINCE / UNTIL resolved once "now" is known ([`TimeRange::resolve`]): how the range is told
//! to Sentry, how long it is, and the instants `[start, end)` it covers. Lowering formats its
//! parameters from it; the local engine filters events by its instants.
//!
//! - no time clause → Sentry's window of 14 days, always sent (`statsPeriod=14d`);
//! - SINCE relative alone → a period (`statsPeriod`); both relative → two periods
//!   (`statsPeriodStart`, `statsPeriodEnd`);
//! - anything absolute → two instants (`start`, `end`; a relative side becomes now − period,
//!   SINCE alone ends at now); a date-only SINCE is that day's 00:00:00Z, a date-only UNTIL
//!   the next day's. Instants are whole seconds (UTC, fractions dropped), as they are sent.

use super::checked::{Period, TimePoint, TimeRange};
use super::time::DEFAULT_WINDOW_SECONDS;
use jiff::{SignedDuration, Timestamp};

/// Sentry's default window, as a period.
pub const DEFAULT_PERIOD: &str = "14d";

/// How a resolved range is told to Sentry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeForm {
    /// The period before now (`statsPeriod`).
    Period(String),
    /// Between two periods before now (`statsPeriodStart`, `statsPeriodEnd`).
    Periods {
        /// How long ago it starts (`24h`).
        start: String,
        /// How long ago it ends (`1h`).
        end: String,
    },
    /// Between two instants (`start`, `end`): [`ResolvedRange::instants`].
    Instants,
}

/// A time range once "now" is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRange {
    /// How it is told to Sentry.
    pub form: RangeForm,
    /// Its length in seconds (for bucket counts).
    pub seconds: u64,
    /// `[start, end)`; `None` only for a relative range reaching back before the earliest
    /// representable instant (Sentry is sent the periods; nothing local can evaluate it).
    pub instants: Option<(Timestamp, Timestamp)>,
}

/// Why a range has no meaning once "now" is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeError {
    /// It ends before it starts (both as sent: periods, or instants).
    Empty {
        /// The start as sent.
        start: String,
        /// The end as sent.
        end: String,
    },
    /// An instant of it cannot be represented.
    OutOfRange,
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_instant(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl TimeRange {
    /// Resolves SINCE and UNTIL against `now`, once.
    pub fn resolve(&self, now: Timestamp) -> Result<ResolvedRange, RangeError> {
        match (&self.since, &self.until) {
            (None, None) => Ok(ResolvedRange {
                form: RangeForm::Period(DEFAULT_PERIOD.to_owned()),
                seconds: DEFAULT_WINDOW_SECONDS,
                instants: back(now, DEFAULT_WINDOW_SECONDS).map(|start| (start, now)),
            }),
            (Some(TimePoint::Ago(p)), None) => Ok(ResolvedRange {
                form: RangeForm::Period(p.text.clone()),
                seconds: p.seconds,
                instants: back(now, p.seconds).map(|start| (start, now)),
            }),
            (since, Some(TimePoint::Ago(end)))
                if matches!(since, None | Some(TimePoint::Ago(_))) =>
            {
                // UNTIL without SINCE is a syntax error; should one get here, SINCE is the
                // default.
                let (start_text, start_seconds) = match since {
                    Some(TimePoint::Ago(p)) => (p.text.clone(), p.seconds),
                    _ => (DEFAULT_PERIOD.to_owned(), DEFAULT_WINDOW_SECONDS),
                };
                if start_seconds <= end.seconds {
                    return Err(RangeError::Empty {
                        start: start_text,
                        end: end.text.clone(),
                    });
                }
                let seconds = start_seconds - end.seconds;
                let instants =
                    back(now, end.seconds).and_then(|until| Some((back(until, seconds)?, until)));
                Ok(ResolvedRange {
                    form: RangeForm::Periods {
                        start: start_text,
                        end: end.text.clone(),
                    },
                    seconds,
                    instants,
                })
            }
            (since, until) => {
                let start = match since {
                    Some(p) => instant(p, false, now),
                    None => back(now, DEFAULT_WINDOW_SECONDS),
                }
                .ok_or(RangeError::OutOfRange)?;
                let end = match until {
                    Some(p) => instant(p, true, now).ok_or(RangeError::OutOfRange)?,
                    None => now,
                };
                if start >= end {
                    return Err(RangeError::Empty {
                        start: format_instant(start),
                        end: format_instant(end),
                    });
                }
                let seconds = u64::try_from(end.duration_since(start).as_secs()).unwrap_or(0);
                // As sent: whole seconds.
                let (start, end) = (whole_second(start), whole_second(end));
                Ok(ResolvedRange {
                    form: RangeForm::Instants,
                    seconds,
                    instants: Some((start, end)),
                })
            }
        }
    }
}

/// The instant a time point denotes; `until` makes a whole day end at the next midnight.
/// `None` when it cannot be represented.
fn instant(p: &TimePoint, until: bool, now: Timestamp) -> Option<Timestamp> {
    match p {
        TimePoint::Ago(Period { seconds, .. }) => back(now, *seconds),
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

fn back(from: Timestamp, seconds: u64) -> Option<Timestamp> {
    let secs = i64::try_from(seconds).ok()?;
    from.checked_sub(SignedDuration::from_secs(secs)).ok()
}

/// `t` without its fraction of a second, as [`format_instant`] prints it.
fn whole_second(t: Timestamp) -> Timestamp {
    match format_instant(t).parse() {
        Ok(whole) => whole,
        Err(_) => t,
    }
}
