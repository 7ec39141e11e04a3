//! SINCE / UNTIL and INTERVAL: periods, dates and datetimes (UTC without an offset), and
//! the order of the two ends.

use super::checked::{Period, TimePoint, TimeRange};
use super::context::Cx;
use super::params::{self, Written};
use crate::registry::SemanticCode;
use crate::syntax::ast::{self, Operand};

/// Sentry's default window, which dql sends explicitly.
pub(crate) const DEFAULT_WINDOW_SECONDS: u64 = 14 * 86_400;

/// Parses a period `\d+[smhdw]` (a leading `-` is allowed when `allow_minus`).
pub(crate) fn parse_period(text: &str, allow_minus: bool) -> Option<Period> {
    use nom::Parser;
    use nom::character::complete::{char, digit1, one_of};
    use nom::combinator::{all_consuming, opt};
    let shape: nom::IResult<&str, _, ()> =
        all_consuming((opt(char('-')), digit1, one_of("smhdw"))).parse(text);
    let (_, (minus, digits, unit)) = shape.ok()?;
    if minus.is_some() && !allow_minus {
        return None;
    }
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    let count: u64 = digits.parse().ok()?;
    let seconds = count.checked_mul(scale)?;
    (seconds > 0).then(|| Period {
        seconds,
        text: format!("{count}{unit}"),
    })
}

/// Parses a date or datetime: `YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]` with an
/// optional `Z` or `±HH:MM`; UTC when no offset is given.
pub(crate) fn parse_instant(text: &str) -> Option<TimePoint> {
    let bytes = text.as_bytes();
    let date_shape = bytes.len() >= 10
        && bytes.iter().take(10).enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !date_shape {
        return None;
    }
    if text.len() == 10 {
        return text.parse::<jiff::civil::Date>().ok().map(TimePoint::Day);
    }
    let normalised = text.replacen(' ', "T", 1);
    if normalised.ends_with('Z') || normalised.get(10..).is_some_and(|t| t.contains(['+', '-'])) {
        return normalised
            .parse::<jiff::Timestamp>()
            .ok()
            .map(TimePoint::At);
    }
    let civil: jiff::civil::DateTime = normalised.parse().ok()?;
    jiff::tz::TimeZone::UTC
        .to_timestamp(civil)
        .ok()
        .map(TimePoint::At)
}

fn point(cx: &mut Cx<'_>, operand: &Operand, which: &str) -> Option<TimePoint> {
    let (text, written) = params::operand_text(cx, operand)?;
    let parsed = match written {
        Written::Quoted => {
            parse_instant(&text).or_else(|| parse_period(&text, true).map(TimePoint::Ago))
        }
        _ => parse_period(&text, true)
            .map(TimePoint::Ago)
            .or_else(|| parse_instant(&text)),
    };
    if parsed.is_none() {
        let near = near_period(&text).filter(|_| written != Written::Param);
        match near {
            Some(period) => {
                cx.error(
                    SemanticCode::BadTime,
                    operand.span,
                    format!("`{text}` is not a valid {which} time"),
                )
                .label("a period is a number and one letter")
                .help(format!("did you mean `{period}`?"))
                .fix(operand.span, period);
            }
            None => params::bad_value(
                cx,
                SemanticCode::BadTime,
                written,
                operand,
                format!("`{text}` is not a valid {which} time"),
                "write a period such as `24h` or `7d`, a date `2026-11-01`, or a datetime `2026-11-01T10:00:00Z`",
            ),
        }
    }
    parsed
}

/// The period a near miss stands for: `1 week` and `1week` are `7d`, `2 hours` is `2h`
/// (weeks are given in days, as people read them most easily).
pub(crate) fn near_period(text: &str) -> Option<String> {
    let text = text.trim();
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (count, unit) = text.split_at(digits);
    let count: u64 = count.parse().ok()?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit
        .strip_suffix('s')
        .filter(|u| u.len() > 1)
        .unwrap_or(&unit);
    let (scale, letter) = match unit {
        "sec" | "second" => (1, 's'),
        "min" | "minute" => (1, 'm'),
        "hr" | "hour" => (1, 'h'),
        "day" => (1, 'd'),
        "wk" | "week" => (7, 'd'),
        _ => return None,
    };
    let count = count.checked_mul(scale).filter(|c| *c > 0)?;
    Some(format!("{count}{letter}"))
}

/// The instant a point stands for when it is absolute (a whole day: its start for SINCE,
/// the next day's start for UNTIL).
fn absolute(point: &TimePoint, is_until: bool) -> Option<jiff::Timestamp> {
    match point {
        TimePoint::Ago(_) => None,
        TimePoint::At(ts) => Some(*ts),
        TimePoint::Day(day) => {
            let day = if is_until { day.tomorrow().ok()? } else { *day };
            jiff::tz::TimeZone::UTC
                .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
                .ok()
        }
    }
}

/// Checks SINCE / UNTIL.
pub(crate) fn check_range(cx: &mut Cx<'_>, range: Option<&ast::TimeRange>) -> Option<TimeRange> {
    let Some(range) = range else {
        return Some(TimeRange {
            since: None,
            until: None,
            span: crate::span::Span::DUMMY,
        });
    };
    let since = match &range.since {
        Some(op) => Some(point(cx, op, "SINCE")?),
        None => None,
    };
    let until = match &range.until {
        Some(op) => Some(point(cx, op, "UNTIL")?),
        None => None,
    };
    if let (Some(s), Some(u), Some(s_op), Some(u_op)) = (&since, &until, &range.since, &range.until)
    {
        let after = match (s, u) {
            (TimePoint::Ago(a), TimePoint::Ago(b)) => a.seconds <= b.seconds,
            _ => match (absolute(s, false), absolute(u, true)) {
                (Some(a), Some(b)) => a >= b,
                _ => false,
            },
        };
        if after {
            cx.error(
                SemanticCode::SinceAfterUntil,
                s_op.span,
                "SINCE is not before UNTIL",
            )
            .label("the start")
            .with_label(u_op.span, "the end")
            .help("swap them: SINCE takes the earlier time (`SINCE 7d UNTIL 1d`)");
            return None;
        }
    }
    Some(TimeRange {
        since,
        until,
        span: range.span,
    })
}

/// The length of the range in seconds, when it does not depend on "now" in a way that
/// cannot be known (a mix of relative and absolute ends).
pub(crate) fn range_seconds(range: &TimeRange) -> Option<u64> {
    match (&range.since, &range.until) {
        (None, None) => Some(DEFAULT_WINDOW_SECONDS),
        (Some(TimePoint::Ago(p)), None) => Some(p.seconds),
        (Some(TimePoint::Ago(a)), Some(TimePoint::Ago(b))) => a.seconds.checked_sub(b.seconds),
        (Some(s), Some(u)) => {
            let (a, b) = (absolute(s, false)?, absolute(u, true)?);
            u64::try_from(b.as_second().checked_sub(a.as_second())?).ok()
        }
        _ => None,
    }
}

/// Checks the INTERVAL operand as a period.
pub(crate) fn check_interval(cx: &mut Cx<'_>, interval: &ast::Interval) -> Option<Period> {
    let (text, written) = params::operand_text(cx, &interval.value)?;
    let period = parse_period(&text, false);
    if period.is_none() {
        params::bad_value(
            cx,
            SemanticCode::BadInterval,
            written,
            &interval.value,
            format!("`{text}` is not a period"),
            "write a number and a unit of s, m, h, d or w, such as `1h`",
        );
    }
    period
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_periods() {
        assert_eq!(near_period("1 week").as_deref(), Some("7d"));
        assert_eq!(near_period("2weeks").as_deref(), Some("14d"));
        assert_eq!(near_period("3 Days").as_deref(), Some("3d"));
        assert_eq!(near_period("90 mins").as_deref(), Some("90m"));
        assert_eq!(near_period("1 s").as_deref(), None);
        assert_eq!(near_period("banana"), None);
        assert_eq!(near_period("0 days"), None);
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period("24h", false).map(|p| p.seconds), Some(86_400));
        assert_eq!(parse_period("-7d", true).map(|p| p.text), Some("7d".into()));
        assert_eq!(parse_period("-7d", false), None);
        assert_eq!(parse_period("0h", false), None);
        assert_eq!(parse_period("1x", false), None);
        assert_eq!(parse_period("h", false), None);
        assert_eq!(parse_period("1.5h", false), None);
    }

    #[test]
    fn instants() {
        assert!(matches!(
            parse_instant("2026-11-01"),
            Some(TimePoint::Day(_))
        ));
        let at = |s: &str| match parse_instant(s) {
            Some(TimePoint::At(ts)) => Some(ts.to_string()),
            _ => None,
        };
        assert_eq!(
            at("2026-11-01 10:00:00").as_deref(),
            Some("2026-11-01T10:00:00Z")
        );
        assert_eq!(
            at("2026-11-01T10:00").as_deref(),
            Some("2026-11-01T10:00:00Z")
        );
        assert_eq!(
            at("2026-11-01T10:00:00+01:00").as_deref(),
            Some("2026-11-01T09:00:00Z")
        );
        assert_eq!(
            at("2026-11-01T10:00:00Z").as_deref(),
            Some("2026-11-01T10:00:00Z")
        );
        assert_eq!(parse_instant("2026-13-01"), None);
        assert_eq!(parse_instant("yesterday"), None);
    }
}
