//! A whole column of one type: the values shown in one unit share one count of decimals.

use super::*;

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
