//! Filter values as Sentry reads them: numbers (`1.5k`), durations (`300ms`), sizes (`2MiB`),
//! percentages, booleans, relative (`-24h`) and ISO 8601 dates, and the exact-text and LIKE
//! forms of Sentry's wildcard values. Pure functions of the text; the filter typer
//! (`semantic::filter_typing`) picks the reader from the key's type.

use super::checked::filter::{RelativeDate, RelativeUnit, SpecificDate};

pub(crate) fn midnight(day: jiff::civil::Date) -> Option<jiff::Timestamp> {
    jiff::tz::Offset::UTC.to_timestamp(day.at(0, 0, 0, 0)).ok()
}

/// A number as Sentry reads it: `-?[0-9]+(\.[0-9]*)?` then an optional `k`, `m` or `b` (any
/// case). `None` when not finite.
pub fn parse_number(s: &str) -> Option<f64> {
    let (body, mult) = match s.chars().last()? {
        'k' | 'K' => (s.get(..s.len() - 1)?, 1e3),
        'm' | 'M' => (s.get(..s.len() - 1)?, 1e6),
        'b' | 'B' => (s.get(..s.len() - 1)?, 1e9),
        _ => (s, 1.0),
    };
    let digits = body.strip_prefix('-').unwrap_or(body);
    if !plain_decimal(digits) {
        return None;
    }
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

/// `[0-9]+(\.[0-9]*)?`
fn plain_decimal(s: &str) -> bool {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// Splits `s` into a plain decimal and a unit suffix from `units` (longest first).
fn number_with_unit(s: &str, units: &[(&str, f64)], case_insensitive: bool) -> Option<f64> {
    for (unit, factor) in units {
        // A multi-byte character may stand where the unit would start: no split there.
        let Some(at) = s.len().checked_sub(unit.len()).filter(|&at| at > 0) else {
            continue;
        };
        let (Some(body), Some(suffix)) = (s.get(..at), s.get(at..)) else {
            continue;
        };
        let matches = if case_insensitive {
            suffix.eq_ignore_ascii_case(unit)
        } else {
            suffix == *unit
        };
        if matches && plain_decimal(body) {
            let value = body.parse::<f64>().ok()? * factor;
            return value.is_finite().then_some(value);
        }
    }
    None
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
    let recent = match s.chars().next()? {
        '-' => true,
        '+' => false,
        _ => return None,
    };
    let unit = match s.chars().last()? {
        'w' => RelativeUnit::Weeks,
        'd' => RelativeUnit::Days,
        'h' => RelativeUnit::Hours,
        'm' => RelativeUnit::Minutes,
        _ => return None,
    };
    let digits = s.get(1..s.len() - 1)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(RelativeDate {
        recent,
        amount: digits.parse().ok()?,
        unit,
    })
}

/// Sentry's ISO 8601 form: `YYYY-MM-DD[THH:MM:SS[.f{1,6}]][Z|±HH:MM]`; without an offset the
/// time is UTC. A date-only value is [`SpecificDate::Day`].
pub fn parse_iso_date(s: &str) -> Option<SpecificDate> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i32> {
        let part = s.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let date = jiff::civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(num(5, 2)?).ok()?,
        i8::try_from(num(8, 2)?).ok()?,
    )
    .ok()?;
    let mut rest = s.get(10..)?;
    let mut time = None;
    if let Some(t) = rest.strip_prefix('T') {
        let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
        if t.as_bytes().get(2) != Some(&b':') || t.as_bytes().get(5) != Some(&b':') {
            return None;
        }
        rest = s.get(19..)?;
        let mut nanos = 0i32;
        if let Some(frac) = rest.strip_prefix('.') {
            let len = frac
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(frac.len());
            if !(1..=6).contains(&len) {
                return None;
            }
            let digits = frac.get(..len)?;
            nanos = digits.parse::<i32>().ok()? * 10i32.pow(9 - u32::try_from(len).ok()?);
            rest = frac.get(len..)?;
        }
        time = Some(date.at(
            i8::try_from(h).ok()?,
            i8::try_from(mi).ok()?,
            i8::try_from(sec).ok()?,
            nanos,
        ));
    }
    let offset = match rest {
        "" | "Z" => jiff::tz::Offset::UTC,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let body = rest.get(1..)?;
            if body.len() != 5 || body.as_bytes().get(2) != Some(&b':') {
                return None;
            }
            let (h, m): (i32, i32) = (body.get(..2)?.parse().ok()?, body.get(3..)?.parse().ok()?);
            if !body
                .get(..2)?
                .bytes()
                .chain(body.get(3..)?.bytes())
                .all(|c| c.is_ascii_digit())
            {
                return None;
            }
            jiff::tz::Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()?
        }
    };
    match time {
        None => Some(SpecificDate::Day(date)),
        Some(dt) => offset.to_timestamp(dt).ok().map(SpecificDate::Instant),
    }
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
