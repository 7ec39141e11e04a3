//! The result of executing one request, whichever backend produced it: rows plus Sentry's
//! `meta.fields` / `meta.units`. Both the HTTP client and the local engine produce it, and the
//! formatters consume it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One row, keyed by the field strings exactly as requested (`count()`, `equation|…`).
pub type Row = serde_json::Map<String, serde_json::Value>;

/// Types and units of the columns, as Sentry's `meta` gives them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Field → type string (`integer`, `number`, `string`, `date`, `duration`, `percentage`,
    /// `size`, `rate`, `boolean`, `array`, …).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Field → unit (`millisecond`, `byte`, `1/minute`, …) or null.
    #[serde(default)]
    pub units: BTreeMap<String, Option<String>>,
}

/// A whole result: rows and their meta.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultSet {
    /// The rows, in the order the backend returned them.
    pub data: Vec<Row>,
    /// Column types and units.
    pub meta: Meta,
}

/// Sentry's issues list sends `count` as a string (`"count": "12"`, in
/// src/sentry/api/serializers/models/group.py, `"count": str(times_seen)`) and `userCount` as
/// a number. Rows of issues are normalised here, on every backend, so `count` is the number it
/// is in every format (right-aligned and grouped in tables, a JSON number in json). A count that
/// does not read as a whole number is kept as it came.
pub fn normalize_issue_row(row: &mut Row) {
    if let Some(value) = row.get_mut("count") {
        if let Some(count) = value
            .as_str()
            .and_then(|text| text.trim().parse::<u64>().ok())
        {
            *value = serde_json::Value::from(count);
        }
    }
}

/// The meta of an issues result: what Sentry's issues list would describe if it sent meta.
pub fn issue_meta() -> Meta {
    let mut meta = Meta::default();
    for (field, kind) in [
        ("count", "integer"),
        ("userCount", "integer"),
        ("firstSeen", "date"),
        ("lastSeen", "date"),
    ] {
        meta.fields.insert(field.to_owned(), kind.to_owned());
        meta.units.insert(field.to_owned(), None);
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_counts_become_numbers() {
        let mut row = Row::new();
        row.insert("count".into(), "12".into());
        normalize_issue_row(&mut row);
        assert_eq!(row["count"], serde_json::json!(12));
        row.insert("count".into(), "many".into());
        normalize_issue_row(&mut row);
        assert_eq!(row["count"], serde_json::json!("many"));
        assert_eq!(issue_meta().fields["count"], "integer");
    }
}
