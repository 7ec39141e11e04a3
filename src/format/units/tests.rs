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
