//! Filter values as Sentry reads them: numbers (`1.5k`), durations (`300ms`), sizes (`2MiB`),
//! percentages, booleans, relative (`-24h`) and ISO 8601 dates, and the exact-text and LIKE
//! forms of Sentry's wildcard values. Pure functions of the text; the filter typer
//! (`semantic::filter_typing`) picks the reader from the key's type. The shapes are nom parsers
//! that must consume the whole value; the numbers they recognise are then read by `str::parse`
//! and the calendar by jiff.

use super::checked::filter::{RelativeDate, RelativeUnit, SpecificDate};
use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while_m_n, take_while1};
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{all_consuming, eof, map, map_opt, opt, recognize, value, verify};
use nom::sequence::{preceded, terminated};

/// The parsers here only recognise; a value that does not match is `None`, with no reason.
type VResult<'a, T> = nom::IResult<&'a str, T, ()>;

pub(crate) fn midnight(day: jiff::civil::Date) -> Option<jiff::Timestamp> {
    jiff::tz::Offset::UTC.to_timestamp(day.at(0, 0, 0, 0)).ok()
}

/// A number as Sentry reads it: `-?[0-9]+(\.[0-9]*)?` then an optional `k`, `m` or `b` (any
/// case). `None` when not finite.
pub fn parse_number(s: &str) -> Option<f64> {
    let (_, (body, suffix)) =
        all_consuming((recognize((opt(char('-')), decimal)), opt(one_of("kKmMbB"))))
            .parse(s)
            .ok()?;
    let mult = match suffix {
        Some('k' | 'K') => 1e3,
        Some('m' | 'M') => 1e6,
        Some(_) => 1e9,
        None => 1.0,
    };
    let value = body.parse::<f64>().ok()? * mult;
    value.is_finite().then_some(value)
}

/// `s` when it is a plain integer (`-?[0-9]+`) that an `f64` cannot hold exactly (beyond
/// 2^53), so that it is sent as written rather than rounded.
pub fn exact_integer(s: &str) -> Option<String> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    // 2^53 = 9007199254740992 has 16 digits: shorter integers are exact in f64.
    let exact_in_f64 =
        significant.len() < 16 || (significant.len() == 16 && significant <= "9007199254740992");
    (!exact_in_f64).then(|| s.to_owned())
}

/// `[0-9]+(\.[0-9]*)?` (Sentry's numbers may end in `.`).
///
/// Not nom's `digit0` for the fraction: in nom 8.0.0 the `character::complete` parsers that may
/// match nothing return, at the end of a `&str`, a remainder that points at the start of what
/// they matched, so `recognize` cut `3.1415` to `3.` (rust-bakery/nom#1808, fixed after 8.0.0).
/// `take_while` takes the other path and is right.
fn decimal(i: &str) -> VResult<'_, &str> {
    recognize((
        digit1,
        opt((char('.'), take_while(|c: char| c.is_ascii_digit()))),
    ))
    .parse(i)
}

/// A plain decimal followed by exactly one unit of `units`. No unit holds a digit or a `.`,
/// so the decimal ends where the unit starts.
fn number_with_unit(s: &str, units: &[(&str, f64)], case_insensitive: bool) -> Option<f64> {
    let (suffix, body) = decimal(s).ok()?;
    let (_, factor) = units.iter().find(|(unit, _)| {
        if case_insensitive {
            suffix.eq_ignore_ascii_case(unit)
        } else {
            suffix == *unit
        }
    })?;
    let value = body.parse::<f64>().ok()? * factor;
    value.is_finite().then_some(value)
}

/// A duration in milliseconds: a number then `ms s min m hr h day d wk w`.
pub fn parse_duration_ms(s: &str) -> Option<f64> {
    const UNITS: &[(&str, f64)] = &[
        ("ms", 1.0),
        ("min", 60_000.0),
        ("day", 86_400_000.0),
        ("hr", 3_600_000.0),
        ("wk", 604_800_000.0),
        ("s", 1_000.0),
        ("m", 60_000.0),
        ("h", 3_600_000.0),
        ("d", 86_400_000.0),
        ("w", 604_800_000.0),
    ];
    number_with_unit(s, UNITS, false)
}

/// A size in bytes: a number then a bit/byte unit (any case).
pub fn parse_size_bytes(s: &str) -> Option<f64> {
    const UNITS: &[(&str, f64)] = &[
        ("bytes", 1.0),
        ("bit", 0.125),
        ("kib", 1024.0),
        ("mib", 1_048_576.0),
        ("gib", 1_073_741_824.0),
        ("tib", 1_099_511_627_776.0),
        ("pib", 1_125_899_906_842_624.0),
        ("eib", 1_152_921_504_606_846_976.0),
        ("zib", 1_180_591_620_717_411_303_424.0),
        ("yib", 1_208_925_819_614_629_174_706_176.0),
        ("nb", 0.5),
        ("kb", 1e3),
        ("mb", 1e6),
        ("gb", 1e9),
        ("tb", 1e12),
        ("pb", 1e15),
        ("eb", 1e18),
        ("zb", 1e21),
        ("yb", 1e24),
    ];
    number_with_unit(s, UNITS, true)
}

/// A percentage as written: `5%` → 5.
pub fn parse_percentage(s: &str) -> Option<f64> {
    number_with_unit(s, &[("%", 1.0)], false)
}

/// `true`, `1`, `false`, `0`, any case.
pub fn parse_boolean(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") || s == "1" {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") || s == "0" {
        Some(false)
    } else {
        None
    }
}

/// `[+-][0-9]+[wdhm]`.
pub fn parse_relative_date(s: &str) -> Option<RelativeDate> {
    let (_, (sign, digits, unit)) = all_consuming((one_of("+-"), digit1, relative_unit))
        .parse(s)
        .ok()?;
    Some(RelativeDate {
        recent: sign == '-',
        amount: digits.parse().ok()?,
        unit,
    })
}

/// `w`, `d`, `h` or `m`.
fn relative_unit(i: &str) -> VResult<'_, RelativeUnit> {
    alt((
        value(RelativeUnit::Weeks, char('w')),
        value(RelativeUnit::Days, char('d')),
        value(RelativeUnit::Hours, char('h')),
        value(RelativeUnit::Minutes, char('m')),
    ))
    .parse(i)
}

/// Exactly `n` ASCII digits, as a number.
fn fixed<'a, T: std::str::FromStr>(n: usize) -> impl Parser<&'a str, Output = T, Error = ()> {
    map_opt(
        take_while_m_n(n, n, |c: char| c.is_ascii_digit()),
        |d: &str| d.parse().ok(),
    )
}

/// `YYYY-MM-DD`.
fn calendar_date(i: &str) -> VResult<'_, (i16, i8, i8)> {
    map(
        (fixed(4), char('-'), fixed(2), char('-'), fixed(2)),
        |(year, _, month, _, day)| (year, month, day),
    )
    .parse(i)
}

/// `THH:MM:SS[.f{1,6}]`: hour, minute, second and the fraction's digits.
fn clock(i: &str) -> VResult<'_, (i8, i8, i8, Option<&str>)> {
    let fraction = preceded(
        char('.'),
        verify(take_while1(|c: char| c.is_ascii_digit()), |f: &str| {
            f.len() <= 6
        }),
    );
    map(
        preceded(
            char('T'),
            (
                fixed(2),
                char(':'),
                fixed(2),
                char(':'),
                fixed(2),
                opt(fraction),
            ),
        ),
        |(h, _, m, _, s, f)| (h, m, s, f),
    )
    .parse(i)
}

/// The end of the value: nothing or `Z` (UTC, `None`), or `±HH:MM` in seconds.
fn zone(i: &str) -> VResult<'_, Option<i32>> {
    let utc = value(None, alt((eof, terminated(tag("Z"), eof))));
    let offset = map(
        terminated(
            (one_of("+-"), fixed::<i32>(2), char(':'), fixed::<i32>(2)),
            eof,
        ),
        |(sign, h, _, m)| Some(if sign == '-' { -1 } else { 1 } * (h * 3600 + m * 60)),
    );
    alt((utc, offset)).parse(i)
}

/// Sentry's ISO 8601 form: `YYYY-MM-DD[THH:MM:SS[.f{1,6}]][Z|±HH:MM]`; without an offset the
/// time is UTC. A date-only value is [`SpecificDate::Day`].
pub fn parse_iso_date(s: &str) -> Option<SpecificDate> {
    let (_, ((year, month, day), time, zone)) = (calendar_date, opt(clock), zone).parse(s).ok()?;
    let date = jiff::civil::Date::new(year, month, day).ok()?;
    let offset = match zone {
        None => jiff::tz::Offset::UTC,
        Some(seconds) => jiff::tz::Offset::from_seconds(seconds).ok()?,
    };
    let Some((h, mi, sec, fraction)) = time else {
        return Some(SpecificDate::Day(date));
    };
    let nanos = match fraction {
        // 1 to 6 digits, scaled to nanoseconds.
        Some(f) => f.parse::<i32>().ok()? * 10i32.pow(9 - u32::try_from(f.len()).ok()?),
        None => 0,
    };
    // An hour, minute or second out of range is no date (jiff's `Date::at` would panic).
    let time = jiff::civil::Time::new(h, mi, sec, nanos).ok()?;
    offset
        .to_timestamp(date.to_datetime(time))
        .ok()
        .map(SpecificDate::Instant)
}

/// The instant a date value stands for in a comparison (a day is its midnight, UTC).
pub fn date_instant(date: SpecificDate) -> Option<jiff::Timestamp> {
    match date {
        SpecificDate::Day(day) => midnight(day),
        SpecificDate::Instant(ts) => Some(ts),
    }
}

/// Exact text as a Sentry value that is no wildcard: `*` escaped as `\*`, backslashes kept
/// (Sentry's `translate_escape_sequences` turns only `\*` back into `*`). `None` when the text
/// has an odd run of `\` right before a `*`: escaping that star makes the run even, and Sentry
/// then reads the star as a wildcard (`WILDCARD_CHARS` in `src/sentry/api/event_search.py`).
pub fn exact_literal(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 2);
    let mut run = 0usize;
    for c in text.chars() {
        match c {
            '\\' => {
                run += 1;
                out.push(c);
            }
            '*' => {
                if run % 2 == 1 {
                    return None;
                }
                run = 0;
                out.push_str("\\*");
            }
            other => {
                run = 0;
                out.push(other);
            }
        }
    }
    Some(out)
}

/// Text taken literally inside a pattern (a wildcard operator or LIKE): `\` and `*` both
/// escaped, as Sentry's `translate_wildcard` and `handle_backslash` (event_search.py) read
/// `\x` as the literal `x`.
pub(crate) fn escape_in_pattern(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(c, '\\' | '*') {
            out.push('\\');
        }
        out.push(c);
    }
}

/// A SQL LIKE pattern as a Sentry wildcard value: `%` → `*`, `_` literal, `*` → `\*`, `\%` and
/// `\_` literal.
///
/// Without a `%` the pattern is exact text (see [`exact_literal`]; `None` when Sentry cannot
/// match it); with one, literal `\` and `*` are escaped for Sentry's wildcard reading.
pub fn like_to_sentry(pattern: &str) -> Option<String> {
    // The literal runs between the wildcards.
    let mut parts = vec![String::new()];
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('%' | '_')) => {
                if let (Some(n), Some(last)) = (chars.next(), parts.last_mut()) {
                    last.push(n);
                }
            }
            '%' => parts.push(String::new()),
            other => {
                if let Some(last) = parts.last_mut() {
                    last.push(other);
                }
            }
        }
    }
    if let [only] = parts.as_slice() {
        return exact_literal(only);
    }
    let mut out = String::with_capacity(pattern.len() + 4);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('*');
        }
        escape_in_pattern(part, &mut out);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_durations_and_sizes_read_the_whole_value() {
        assert_eq!(parse_number("-1.5k"), Some(-1500.0));
        assert_eq!(parse_number("2.625"), Some(2.625));
        assert_eq!(parse_number("0.5"), Some(0.5));
        assert_eq!(parse_number("2."), Some(2.0));
        assert_eq!(parse_number("5kk"), None);
        assert_eq!(parse_number("k"), None);
        assert_eq!(parse_duration_ms("1.5s"), Some(1500.0));
        assert_eq!(parse_duration_ms("2min"), Some(120_000.0));
        assert_eq!(parse_duration_ms("5MS"), None);
        assert_eq!(parse_duration_ms("ms"), None);
        assert_eq!(parse_size_bytes("2KiB"), Some(2048.0));
        assert_eq!(parse_percentage("5%"), Some(5.0));
        assert_eq!(parse_duration_ms("5é"), None);
    }

    #[test]
    fn relative_dates_are_a_sign_digits_and_a_unit() {
        let d = parse_relative_date("-24h").expect("a relative date");
        assert!(d.recent && d.amount == 24 && d.unit == RelativeUnit::Hours);
        assert!(parse_relative_date("24h").is_none());
        assert!(parse_relative_date("-h").is_none());
        assert!(parse_relative_date("-24y").is_none());
    }

    #[test]
    fn iso_dates_in_sentrys_shape() {
        let day = jiff::civil::date(2026, 11, 1);
        assert_eq!(parse_iso_date("2026-11-01"), Some(SpecificDate::Day(day)));
        assert_eq!(parse_iso_date("2026-11-01Z"), Some(SpecificDate::Day(day)));
        let at = |s: &str| match parse_iso_date(s) {
            Some(SpecificDate::Instant(ts)) => Some(ts.to_string()),
            _ => None,
        };
        assert_eq!(
            at("2026-11-01T10:00:00").as_deref(),
            Some("2026-11-01T10:00:00Z")
        );
        assert_eq!(
            at("2026-11-01T10:00:00.5+01:00").as_deref(),
            Some("2026-11-01T09:00:00.5Z")
        );
        assert_eq!(at("2026-11-01T10:00:00.1234567"), None);
        assert_eq!(parse_iso_date("2026-11-01T10:00"), None);
        assert_eq!(parse_iso_date("2026-13-01"), None);
        assert_eq!(parse_iso_date("2026-11-01+1:00"), None);
        // Out of range: no date, and no panic.
        assert_eq!(parse_iso_date("2026-11-01T25:00:00"), None);
        assert_eq!(parse_iso_date("2026-11-01T23:59:60"), None);
    }
}
