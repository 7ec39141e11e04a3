//! Rendering of single values: human text for the table and markdown (`1.52 s`, `12.5 %`,
//! `1.2 MiB`, `12.3/min`, `12,345`) from Sentry's `meta.fields` type and `meta.units` unit, and
//! the date normalisation every format shares.
//!
//! Rules, all decided here so every human format agrees:
//! - null is [`NULL_MARK`](super::NULL_MARK) (`∅`, drawn by the grid formats); booleans are `true`/`false`; arrays are their items joined with `, `;
//! - `integer`: thousands separators, except for identifiers (`id`, `*.id`, `*_id`), which stay
//!   as digits because people copy them;
//! - `number`: the integer part in full with separators, at most two decimals from 1 up, three
//!   significant digits below 1, scientific below 0.0001 and from 2^53 up (where an f64 no
//!   longer holds every integer, so more digits would be binary noise);
//! - `duration`, `size`, `rate`, `percentage`: scaled to a readable unit and shown with three
//!   significant digits, never rounding the integer part (`1.52 s`, `340 ms`, `2.1 min`, `1,234 h`);
//!   in a table column, the values shown in one unit share one count of decimals
//!   ([`human_column`]);
//! - `percentage` and `percent_change` values are ratios (Sentry compares `failure_rate():>0.05`
//!   with `>5%`), so `0.125` is `12.5 %`; a percent change carries its sign (`+3.2 %`);
//! - `date`: UTC RFC 3339 to the second (`2026-11-26T10:00:00Z`), from an RFC 3339 string with
//!   any offset, a zone-less date-time (read as UTC, like Sentry), or epoch seconds;
//! - anything that does not fit its declared type is shown as it came, never dropped.

use jiff::Timestamp;
use serde_json::{Number, Value};

/// Whether values of this `meta.fields` type are numbers that a table right-aligns.
pub fn is_numeric_type(field_type: &str) -> bool {
    matches!(
        field_type,
        "integer" | "number" | "duration" | "percentage" | "percent_change" | "rate" | "size"
    ) || duration_unit_seconds(field_type).is_some()
        || size_unit_bytes(field_type).is_some()
}

/// Whether a column of this type shows every value in one unit, so its values can share one
/// precision (durations and sizes pick a unit per value and cannot).
pub fn has_one_unit(field_type: &str) -> bool {
    matches!(
        field_type,
        "number" | "percentage" | "percent_change" | "rate"
    )
}

/// Human text for a whole column of one type: as [`human`] for each value, except that a
/// column whose type shows every value in one unit ([`has_one_unit`], or no type and only
/// numbers) gives all its numbers the same count of decimals, the most any of them needs
/// (`1.5`, `2.25`, `3` become `1.50`, `2.25`, `3.00`; `12.3/min` and `1,234.5/min` stay
/// aligned), so no row looks more or less precise than another. Values are rounded again at
/// that precision, never padded with zeros they do not have. Durations and sizes do the same
/// among the values shown in one unit (`4.52 s`, `4.10 s`, and beside them `149 ms`). A
/// column holding text, or a number shown in scientific notation, keeps each value's own text.
pub fn human_column(
    values: &[&Value],
    field: &str,
    field_type: Option<&str>,
    unit: Option<&str>,
) -> Vec<String> {
    let texts: Vec<String> = values
        .iter()
        .map(|value| human(value, field, field_type, unit))
        .collect();
    let one_unit = match field_type {
        Some(kind) => has_one_unit(kind),
        None => values.iter().all(|v| v.is_number() || v.is_null()),
    };
    if !one_unit {
        return measured(field_type, unit)
            .and_then(|(to_base, steps)| same_unit_column(values, &texts, to_base, steps))
            .unwrap_or(texts);
    }
    let mut decimals = 0;
    let mut numbers = Vec::with_capacity(values.len());
    for (value, text) in values.iter().zip(&texts) {
        let number = match value {
            Value::Null => None,
            Value::Number(number) => number.as_f64(),
            _ => return texts,
        };
        if number.is_some() {
            match decimal_count(text) {
                Some(count) => decimals = decimals.max(count),
                None => return texts,
            }
        }
        numbers.push(number);
    }
    if decimals == 0 {
        return texts;
    }
    numbers
        .into_iter()
        .zip(texts)
        .map(|(number, text)| match number {
            Some(number) => with_decimals(number, decimals, field_type, unit),
            None => text,
        })
        .collect()
}

/// A one-unit number (see [`has_one_unit`]) shown with exactly `decimals` decimals.
fn with_decimals(
    value: f64,
    decimals: usize,
    field_type: Option<&str>,
    unit: Option<&str>,
) -> String {
    let grouped = |shown: f64| grouped_fixed(shown, decimals);
    match field_type {
        Some("percentage") => format!("{} %", grouped(value * 100.0)),
        Some("percent_change") => {
            let sign = if value > 0.0 { "+" } else { "" };
            format!("{sign}{} %", grouped(value * 100.0))
        }
        Some("rate") => match unit.and_then(rate_suffix) {
            Some(suffix) => format!("{}{suffix}", grouped(value)),
            None => grouped(value),
        },
        _ => grouped(value),
    }
}

/// `value` with exactly `decimals` decimals and thousands separators (`-0.00` is `0.00`).
fn grouped_fixed(value: f64, decimals: usize) -> String {
    let text = fixed(value, decimals);
    let text = match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_owned(),
        _ => text,
    };
    match text.split_once('.') {
        Some((whole, fraction)) => format!("{}.{fraction}", group_thousands(whole)),
        None => group_thousands(&text),
    }
}

/// A duration or size column with one count of decimals per unit: the values shown in the
/// same unit share the most decimals any of them has (`4.52 s`, `3.1 s` become `4.52 s`,
/// `3.10 s`), while another unit keeps its own (`149 ms`). `None` when a value is not a
/// number or no unit needs more decimals than it shows.
fn same_unit_column(
    values: &[&Value],
    texts: &[String],
    to_base: f64,
    steps: &[(f64, &str)],
) -> Option<Vec<String>> {
    // The most decimals shown in each unit, by the unit's size.
    let mut by_unit: Vec<(&str, f64, usize)> = Vec::new();
    let mut units = Vec::with_capacity(values.len());
    for (value, text) in values.iter().zip(texts) {
        match value {
            Value::Null => {
                units.push(None);
                continue;
            }
            Value::Number(_) => {}
            _ => return None,
        }
        let (number, unit) = text.rsplit_once(' ')?;
        let decimals = decimal_count(number)?;
        let (size, _) = steps.iter().find(|(_, name)| *name == unit)?;
        match by_unit.iter_mut().find(|(name, _, _)| *name == unit) {
            Some(entry) => entry.2 = entry.2.max(decimals),
            None => by_unit.push((unit, *size, decimals)),
        }
        units.push(Some((unit, decimals)));
    }
    if by_unit.iter().all(|(_, _, decimals)| *decimals == 0) {
        return None;
    }
    Some(
        values
            .iter()
            .zip(texts)
            .zip(units)
            .map(|((value, text), unit)| {
                let Some((unit, own)) = unit else {
                    return text.clone();
                };
                let Some(&(_, size, decimals)) = by_unit.iter().find(|(name, _, _)| *name == unit)
                else {
                    return text.clone();
                };
                match value.as_f64() {
                    Some(number) if decimals > own => {
                        format!(
                            "{} {unit}",
                            grouped_fixed(number * to_base / size, decimals)
                        )
                    }
                    _ => text.clone(),
                }
            })
            .collect(),
    )
}

/// For a column of durations or sizes: what one value is in seconds or bytes, and the units
/// its values are shown in.
fn measured(
    field_type: Option<&str>,
    unit: Option<&str>,
) -> Option<(f64, &'static [(f64, &'static str)])> {
    let field_type = field_type?;
    if let Some(seconds) = duration_unit_seconds(field_type) {
        return Some((seconds, &DURATION_STEPS));
    }
    if let Some(bytes) = size_unit_bytes(field_type) {
        return Some((bytes, size_steps(is_decimal_size_unit(field_type))));
    }
    match field_type {
        "duration" => Some((
            duration_unit_seconds(unit.unwrap_or("millisecond")).unwrap_or(0.001),
            &DURATION_STEPS,
        )),
        "size" => {
            let unit = unit.unwrap_or("byte");
            Some((
                size_unit_bytes(unit).unwrap_or(1.0),
                size_steps(is_decimal_size_unit(unit)),
            ))
        }
        _ => None,
    }
}

/// The decimals of a human number (`-1,234.5 %` → 1), `None` when the text is not one.
fn decimal_count(text: &str) -> Option<usize> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let end = body
        .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(end);
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if suffix.starts_with(|c: char| c.is_alphanumeric()) && !suffix.starts_with(' ') {
        // `1.23e-5`
        return None;
    }
    match number.split_once('.') {
        Some((_, fraction)) if fraction.bytes().all(|b| b.is_ascii_digit()) => Some(fraction.len()),
        Some(_) => None,
        None => Some(0),
    }
}

/// Human text for one cell of column `field` whose meta says `field_type` and `unit`.
pub fn human(value: &Value, field: &str, field_type: Option<&str>, unit: Option<&str>) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(flag) => flag.to_string(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                // Items are rendered plainly: the type describes the array, not its items.
                Value::String(text) => text.clone(),
                other => human(other, field, None, None),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(_) => value.to_string(),
        Value::String(text) => human_string(text, field, field_type, unit),
        Value::Number(number) => human_number(number, field, field_type, unit),
    }
}

/// The UTC RFC 3339 form of a date value, keeping sub-second digits when there are any
/// (`2025-04-07T12:23:39Z`); `None` when the value is not a date dql can read.
pub fn normalize_date(value: &Value) -> Option<String> {
    parse_date(value).map(|timestamp| timestamp.to_string())
}

/// Reads a date given as an RFC 3339 string (any offset), a zone-less date-time or date (UTC),
/// or a number of epoch seconds (fractions allowed).
fn parse_date(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(text) => parse_date_text(text.trim()),
        Value::Number(number) => {
            if let Some(seconds) = number.as_i64() {
                return Timestamp::from_second(seconds).ok();
            }
            let seconds = number.as_f64()?;
            let duration = jiff::SignedDuration::try_from_secs_f64(seconds).ok()?;
            Timestamp::from_duration(duration).ok()
        }
        _ => None,
    }
}

fn parse_date_text(text: &str) -> Option<Timestamp> {
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Some(timestamp);
    }
    // Sentry writes some dates without an offset; they are UTC.
    let civil = text.parse::<jiff::civil::DateTime>().ok().or_else(|| {
        text.parse::<jiff::civil::Date>()
            .ok()
            .map(|date| date.at(0, 0, 0, 0))
    })?;
    jiff::tz::Offset::UTC.to_timestamp(civil).ok()
}

fn human_string(text: &str, field: &str, field_type: Option<&str>, unit: Option<&str>) -> String {
    match field_type {
        Some("date") => match parse_date_text(text.trim()) {
            Some(timestamp) => date_to_second(timestamp),
            None => text.to_owned(),
        },
        // A number sent as text in a numeric column is still a number to show.
        Some(numeric) if is_numeric_type(numeric) => match text.trim().parse::<f64>() {
            Ok(parsed) if parsed.is_finite() => match Number::from_f64(parsed) {
                Some(number) => human_number(&number, field, field_type, unit),
                None => text.to_owned(),
            },
            _ => text.to_owned(),
        },
        _ => text.to_owned(),
    }
}

fn date_to_second(timestamp: Timestamp) -> String {
    match Timestamp::from_second(timestamp.as_second()) {
        Ok(whole) => whole.to_string(),
        Err(_) => timestamp.to_string(),
    }
}

fn human_number(
    number: &Number,
    field: &str,
    field_type: Option<&str>,
    unit: Option<&str>,
) -> String {
    let Some(value) = number.as_f64() else {
        return number.to_string();
    };
    let field_type = field_type.unwrap_or("number");
    // Sentry splits unit-typed values itself, but a backend may still send the unit as type.
    if let Some(seconds) = duration_unit_seconds(field_type) {
        return human_duration(value * seconds);
    }
    if let Some(bytes) = size_unit_bytes(field_type) {
        return human_size(value * bytes, is_decimal_size_unit(field_type));
    }
    match field_type {
        "integer" => integer_text(number, value, field),
        "duration" => {
            // Sentry's default duration unit is the millisecond.
            let seconds = duration_unit_seconds(unit.unwrap_or("millisecond")).unwrap_or(0.001);
            human_duration(value * seconds)
        }
        "size" => {
            let unit = unit.unwrap_or("byte");
            let bytes = size_unit_bytes(unit).unwrap_or(1.0);
            human_size(value * bytes, is_decimal_size_unit(unit))
        }
        "percentage" => format!("{} %", significant(value * 100.0)),
        "percent_change" => {
            let sign = if value > 0.0 { "+" } else { "" };
            format!("{sign}{} %", significant(value * 100.0))
        }
        "rate" => match unit.and_then(rate_suffix) {
            Some(suffix) => format!("{}{suffix}", significant(value)),
            None => significant(value),
        },
        "date" => match parse_date(&Value::Number(number.clone())) {
            Some(timestamp) => date_to_second(timestamp),
            None => number.to_string(),
        },
        _ => plain_number(number, value),
    }
}

fn integer_text(number: &Number, value: f64, field: &str) -> String {
    let digits = match (number.as_i64(), number.as_u64()) {
        (Some(int), _) => int.to_string(),
        (None, Some(uint)) => uint.to_string(),
        // A float in an integer column: show it as a number rather than truncate it.
        (None, None) => return plain_number(number, value),
    };
    if is_identifier(field) {
        digits
    } else {
        group_thousands(&digits)
    }
}

/// Identifiers are copied by people, so they keep their bare digits.
fn is_identifier(field: &str) -> bool {
    field == "id" || field.ends_with(".id") || field.ends_with("_id")
}

fn plain_number(number: &Number, value: f64) -> String {
    if number.is_i64() || number.is_u64() {
        return group_thousands(&number.to_string());
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let magnitude = value.abs();
    if magnitude < 0.0001 {
        return format!("{value:.2e}");
    }
    if magnitude < 1.0 {
        return significant(value);
    }
    trim_and_group(&fixed(value, 2))
}

/// `value` with `decimals` fractional digits, halves rounded away from zero (`{:.0}` alone
/// would round 1234.5 to the even 1234).
fn fixed(value: f64, decimals: usize) -> String {
    // Past 2^53 an f64 is no longer exact to the unit: its full decimal expansion would print
    // digits that are binary noise (1e300 as 1,000…052,504,760…), so it is written in
    // scientific form with three significant digits, as tiny values are.
    if value.abs() >= LARGEST_EXACT {
        return format!("{value:.2e}");
    }
    let scale = 10f64.powi(i32::try_from(decimals).unwrap_or(0));
    let rounded = (value * scale).round() / scale;
    let rounded = if rounded.is_finite() { rounded } else { value };
    format!("{rounded:.decimals$}")
}

/// Three significant digits, but never fewer digits than the integer part has.
fn significant(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".to_owned();
    }
    let magnitude = value.abs();
    if magnitude < 0.0001 {
        return format!("{value:.2e}");
    }
    // floor(log10) is at most 308 for finite f64, so the casts cannot overflow.
    let exponent = magnitude.log10().floor() as i32;
    let decimals = (2 - exponent).max(0) as usize;
    trim_and_group(&fixed(value, decimals))
}

/// Floats from here up are shown in scientific form (2^53: the first integer an f64 skips).
const LARGEST_EXACT: f64 = 9_007_199_254_740_992.0;

/// Drops trailing fractional zeros and groups the integer part by thousands.
fn trim_and_group(text: &str) -> String {
    if text.contains('e') {
        return text.to_owned();
    }
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    };
    let text = if text == "-0" { "0" } else { text };
    match text.split_once('.') {
        Some((whole, fraction)) => format!("{}.{fraction}", group_thousands(whole)),
        None => group_thousands(text),
    }
}

/// `-1234567` → `-1,234,567`; anything that is not an optional sign and digits is returned as is.
pub(crate) fn group_thousands(digits: &str) -> String {
    let (sign, body) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    if body.is_empty() || !body.bytes().all(|byte| byte.is_ascii_digit()) {
        return digits.to_owned();
    }
    let mut grouped = String::with_capacity(body.len() + body.len() / 3 + 1);
    grouped.push_str(sign);
    for (index, digit) in body.chars().enumerate() {
        if index > 0 && (body.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Seconds in one of Sentry's DURATION_UNITS.
fn duration_unit_seconds(unit: &str) -> Option<f64> {
    Some(match unit {
        "nanosecond" => 1e-9,
        "microsecond" => 1e-6,
        "millisecond" => 1e-3,
        "second" => 1.0,
        "minute" => 60.0,
        "hour" => 3600.0,
        "day" => 86_400.0,
        "week" => 604_800.0,
        _ => return None,
    })
}

/// Bytes in one of Sentry's SIZE_UNITS.
fn size_unit_bytes(unit: &str) -> Option<f64> {
    Some(match unit {
        "bit" => 0.125,
        "byte" => 1.0,
        "kibibyte" => KI,
        "mebibyte" => KI * KI,
        "gibibyte" => KI * KI * KI,
        "tebibyte" => KI * KI * KI * KI,
        "pebibyte" => KI * KI * KI * KI * KI,
        "exbibyte" => KI * KI * KI * KI * KI * KI,
        "kilobyte" => 1e3,
        "megabyte" => 1e6,
        "gigabyte" => 1e9,
        "terabyte" => 1e12,
        "petabyte" => 1e15,
        "exabyte" => 1e18,
        _ => return None,
    })
}

/// Values measured in decimal units are shown in decimal units (kB, MB), others in binary ones.
fn is_decimal_size_unit(unit: &str) -> bool {
    matches!(
        unit,
        "kilobyte" | "megabyte" | "gigabyte" | "terabyte" | "petabyte" | "exabyte"
    )
}

fn rate_suffix(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "1/second" => "/s",
        "1/minute" => "/min",
        "1/hour" => "/h",
        _ => return None,
    })
}

/// Picks the largest unit the value reaches, then moves up once more if rounding reached the
/// next unit (999.96 ms is `1 s`, not `1000 ms`).
fn scaled(value: f64, steps: &[(f64, &str)]) -> String {
    let magnitude = value.abs();
    let mut chosen = 0;
    for (index, (size, _)) in steps.iter().enumerate() {
        if magnitude >= *size {
            chosen = index;
        }
    }
    loop {
        let Some((size, name)) = steps.get(chosen) else {
            return significant(value);
        };
        let shown = significant(value / size);
        let rounded: f64 = shown.replace(',', "").parse().unwrap_or(0.0);
        match steps.get(chosen + 1) {
            Some((next, _)) if rounded.abs() * size >= *next => chosen += 1,
            _ => return format!("{shown} {name}"),
        }
    }
}

fn human_duration(seconds: f64) -> String {
    if seconds == 0.0 {
        return "0 ms".to_owned();
    }
    scaled(seconds, &DURATION_STEPS)
}

/// The units durations are shown in, by their size in seconds.
const DURATION_STEPS: [(f64, &str); 7] = [
    (1e-9, "ns"),
    (1e-6, "µs"),
    (1e-3, "ms"),
    (1.0, "s"),
    (60.0, "min"),
    (3600.0, "h"),
    (86_400.0, "d"),
];

const KI: f64 = 1024.0;

/// The units sizes are shown in, by their size in bytes: decimal (kB) or binary (KiB).
const DECIMAL_SIZE_STEPS: [(f64, &str); 7] = [
    (1.0, "B"),
    (1e3, "kB"),
    (1e6, "MB"),
    (1e9, "GB"),
    (1e12, "TB"),
    (1e15, "PB"),
    (1e18, "EB"),
];
const BINARY_SIZE_STEPS: [(f64, &str); 7] = [
    (1.0, "B"),
    (KI, "KiB"),
    (KI * KI, "MiB"),
    (KI * KI * KI, "GiB"),
    (KI * KI * KI * KI, "TiB"),
    (KI * KI * KI * KI * KI, "PiB"),
    (KI * KI * KI * KI * KI * KI, "EiB"),
];

fn size_steps(decimal: bool) -> &'static [(f64, &'static str)] {
    if decimal {
        &DECIMAL_SIZE_STEPS
    } else {
        &BINARY_SIZE_STEPS
    }
}

fn human_size(bytes: f64, decimal: bool) -> String {
    if bytes.abs() < 1.0 {
        return format!("{} B", significant(bytes));
    }
    scaled(bytes, size_steps(decimal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn show(value: Value, field_type: &str, unit: Option<&str>) -> String {
        human(&value, "x", Some(field_type), unit)
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        let ms = Some("millisecond");
        assert_eq!(show(json!(1520), "duration", ms), "1.52 s");
        assert_eq!(show(json!(340), "duration", ms), "340 ms");
        assert_eq!(show(json!(126_000), "duration", ms), "2.1 min");
        assert_eq!(show(json!(4_680_000), "duration", ms), "1.3 h");
        assert_eq!(show(json!(12.345), "duration", ms), "12.3 ms");
        assert_eq!(show(json!(0.5), "duration", ms), "500 µs");
        assert_eq!(show(json!(0), "duration", ms), "0 ms");
        // Rounding up to the next unit moves to that unit.
        assert_eq!(show(json!(999.96), "duration", ms), "1 s");
        assert_eq!(show(json!(2.5), "duration", Some("second")), "2.5 s");
        assert_eq!(show(json!(3), "duration", Some("day")), "3 d");
        // The integer part is never rounded away.
        assert_eq!(show(json!(1234), "duration", Some("day")), "1,234 d");
        // No unit: Sentry's default, milliseconds.
        assert_eq!(show(json!(340), "duration", None), "340 ms");
        // A unit given as the type, as Sentry's handler does before splitting.
        assert_eq!(show(json!(90), "second", None), "1.5 min");
    }

    #[test]
    fn percentages_are_ratios() {
        assert_eq!(show(json!(0.125), "percentage", None), "12.5 %");
        assert_eq!(show(json!(1), "percentage", None), "100 %");
        assert_eq!(show(json!(0.0), "percentage", None), "0 %");
        assert_eq!(show(json!(0.000_123), "percentage", None), "0.0123 %");
        assert_eq!(show(json!(0.032), "percent_change", None), "+3.2 %");
        assert_eq!(show(json!(-0.5), "percent_change", None), "-50 %");
    }

    #[test]
    fn sizes_rates_and_integers() {
        assert_eq!(show(json!(1_258_291), "size", Some("byte")), "1.2 MiB");
        assert_eq!(show(json!(512), "size", Some("byte")), "512 B");
        assert_eq!(show(json!(2048), "size", Some("kibibyte")), "2 MiB");
        assert_eq!(show(json!(1500), "size", Some("kilobyte")), "1.5 MB");
        assert_eq!(show(json!(16), "size", Some("bit")), "2 B");
        assert_eq!(show(json!(1023.99), "size", None), "1 KiB");
        assert_eq!(show(json!(12.345), "rate", Some("1/minute")), "12.3/min");
        assert_eq!(show(json!(0.5), "rate", Some("1/second")), "0.5/s");
        assert_eq!(show(json!(3.25), "rate", None), "3.25");
        assert_eq!(show(json!(1234.5), "rate", Some("1/minute")), "1,235/min");
        assert_eq!(show(json!(0.125), "number", None), "0.125");
        assert_eq!(show(json!(2.125), "number", None), "2.13");
        assert_eq!(show(json!(12345), "integer", None), "12,345");
        assert_eq!(show(json!(-1_234_567), "integer", None), "-1,234,567");
        assert_eq!(show(json!(999), "integer", None), "999");
        assert_eq!(
            human(&json!(6_114_575_469_u64), "issue.id", Some("integer"), None),
            "6114575469"
        );
        assert_eq!(human(&json!(42), "project_id", Some("integer"), None), "42");
    }

    #[test]
    fn plain_numbers_keep_sensible_precision() {
        assert_eq!(show(json!(1234.5678), "number", None), "1,234.57");
        assert_eq!(show(json!(3.0), "number", None), "3");
        assert_eq!(show(json!(0.123_456), "number", None), "0.123");
        assert_eq!(show(json!(0.000_012_3), "number", None), "1.23e-5");
        assert_eq!(show(json!(-2.5), "number", None), "-2.5");
        // Huge floats: no digits past what an f64 knows.
        assert_eq!(show(json!(1e300), "number", None), "1.00e300");
        assert_eq!(show(json!(-1.5e20), "number", None), "-1.50e20");
        assert_eq!(show(json!(1.5e25), "duration", Some("second")), "1.74e20 d");
        assert_eq!(show(json!(1945.5999999999988), "number", None), "1,945.6");
        assert_eq!(human(&json!(7), "x", None, None), "7");
        // A number sent as text in a numeric column.
        assert_eq!(
            show(json!("1520"), "duration", Some("millisecond")),
            "1.52 s"
        );
        assert_eq!(show(json!("n/a"), "duration", Some("millisecond")), "n/a");
    }

    #[test]
    fn dates_become_utc() {
        assert_eq!(
            show(json!("2025-04-07T12:23:39+00:00"), "date", None),
            "2025-04-07T12:23:39Z"
        );
        assert_eq!(
            show(json!("2025-04-07T14:23:39+02:00"), "date", None),
            "2025-04-07T12:23:39Z"
        );
        assert_eq!(
            show(json!("2025-04-07T12:23:39.250Z"), "date", None),
            "2025-04-07T12:23:39Z"
        );
        assert_eq!(
            show(json!("2025-04-07T12:23:39"), "date", None),
            "2025-04-07T12:23:39Z"
        );
        assert_eq!(
            show(json!("2025-04-07"), "date", None),
            "2025-04-07T00:00:00Z"
        );
        assert_eq!(
            show(json!(1_795_687_200), "date", None),
            "2026-11-26T10:00:00Z"
        );
        assert_eq!(show(json!("yesterday"), "date", None), "yesterday");
        assert_eq!(
            normalize_date(&json!("2025-04-07T14:23:39.25+02:00")).as_deref(),
            Some("2025-04-07T12:23:39.25Z")
        );
        assert_eq!(
            normalize_date(&json!(1_795_687_200.5)).as_deref(),
            Some("2026-11-26T10:00:00.5Z")
        );
        assert_eq!(normalize_date(&json!(true)), None);
    }

    #[test]
    fn nulls_booleans_and_arrays() {
        assert_eq!(show(Value::Null, "duration", Some("millisecond")), "");
        assert_eq!(show(json!(true), "boolean", None), "true");
        assert_eq!(show(json!(["a", "b", 3]), "array", None), "a, b, 3");
        assert_eq!(show(json!([]), "array", None), "");
        assert_eq!(show(json!({"k": 1}), "string", None), r#"{"k":1}"#);
    }

    #[test]
    fn one_precision_per_column() {
        let column = |values: Value, kind: Option<&str>, unit: Option<&str>| {
            let values = values.as_array().unwrap().clone();
            let refs: Vec<&Value> = values.iter().collect();
            human_column(&refs, "x", kind, unit)
        };
        assert_eq!(
            column(json!([1.5, 2.25, 3, null, -1234.5]), Some("number"), None),
            ["1.50", "2.25", "3.00", "", "-1,234.50"]
        );
        // Rounded again at the column's precision, not padded: 1234.5 is not `1,235.0`.
        assert_eq!(
            column(json!([12.345, 1234.5]), Some("rate"), Some("1/minute")),
            ["12.3/min", "1,234.5/min"]
        );
        assert_eq!(
            column(json!([0.125, 0, 1]), Some("percentage"), None),
            ["12.5 %", "0.0 %", "100.0 %"]
        );
        assert_eq!(
            column(json!([0.032, -0.5]), Some("percent_change"), None),
            ["+3.2 %", "-50.0 %"]
        );
        // Scientific notation, text, integers and durations keep their own text.
        assert_eq!(
            column(json!([1.5, 0.0000123]), None, None),
            ["1.5", "1.23e-5"]
        );
        assert_eq!(
            column(json!([1.5, "n/a"]), Some("number"), None),
            ["1.5", "n/a"]
        );
        assert_eq!(column(json!([1, 20]), Some("number"), None), ["1", "20"]);
        // Durations and sizes share decimals among the values shown in one unit.
        assert_eq!(
            column(json!([1520, 340]), Some("duration"), Some("millisecond")),
            ["1.52 s", "340 ms"]
        );
        assert_eq!(
            column(
                json!([3100, 149, 4550, 377.4]),
                Some("duration"),
                Some("millisecond")
            ),
            ["3.10 s", "149 ms", "4.55 s", "377 ms"]
        );
        assert_eq!(
            column(
                json!([4524.25, 4101.7, null, 3870.95, 12000]),
                Some("duration"),
                Some("millisecond")
            ),
            ["4.52 s", "4.10 s", "", "3.87 s", "12.00 s"]
        );
        assert_eq!(
            column(json!([1.5, 3]), Some("second"), None),
            ["1.5 s", "3.0 s"]
        );
        assert_eq!(
            column(json!([1536, 2048, 4096]), Some("size"), Some("byte")),
            ["1.5 KiB", "2.0 KiB", "4.0 KiB"]
        );
        assert_eq!(
            column(json!([120, 340]), Some("duration"), Some("millisecond")),
            ["120 ms", "340 ms"]
        );
    }

    #[test]
    fn numeric_types() {
        for numeric in [
            "integer",
            "duration",
            "percentage",
            "size",
            "rate",
            "millisecond",
            "byte",
        ] {
            assert!(is_numeric_type(numeric), "{numeric}");
        }
        for other in ["string", "date", "boolean", "array"] {
            assert!(!is_numeric_type(other), "{other}");
        }
    }
}
