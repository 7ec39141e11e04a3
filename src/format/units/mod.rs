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

mod column;
#[cfg(test)]
mod tests;

pub use column::human_column;

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
