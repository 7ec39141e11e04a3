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
    /// What Sentry said about how exact the numbers are (never read from Sentry's own `meta`,
    /// whose keys differ by endpoint: the client fills it).
    #[serde(
        default,
        skip_deserializing,
        skip_serializing_if = "Accuracy::is_exact"
    )]
    pub accuracy: Accuracy,
}

/// Signs that a result is an estimate or not final, as Sentry reports them: events meta
/// `dataScanned`, `isMetricsData`, `isMetricsExtractedData`; events-timeseries per-series
/// `meta.dataScanned` and per-point `sampleRate`, `confidence`, `incomplete` (getsentry/sentry
/// `src/sentry/api/endpoints/timeseries.py`, `organization_events_timeseries.py`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Accuracy {
    /// Sentry scanned only part of the data (`dataScanned: "partial"`), so counts are low.
    #[serde(default, skip_serializing_if = "is_false")]
    pub partial_scan: bool,
    /// The numbers came from metrics or were extrapolated from sampled data
    /// (`isMetricsData`, `isMetricsExtractedData`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub metrics_data: bool,
    /// The smallest sample rate below 1 of any point: the values are extrapolated from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_sample_rate: Option<f64>,
    /// Bucket starts (RFC 3339) whose value Sentry called `confidence: "low"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub low_confidence: Vec<String>,
    /// Bucket starts (RFC 3339) that are not complete yet (the current bucket, ingestion delay).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<String>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Accuracy {
    /// Nothing to say: the numbers are whole and exact as far as Sentry said.
    pub fn is_exact(&self) -> bool {
        *self == Accuracy::default()
    }

    /// Adds what `other` says (a later page, another series).
    pub fn merge(&mut self, other: &Accuracy) {
        self.partial_scan |= other.partial_scan;
        self.metrics_data |= other.metrics_data;
        self.min_sample_rate = match (self.min_sample_rate, other.min_sample_rate) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        for (into, from) in [
            (&mut self.low_confidence, &other.low_confidence),
            (&mut self.incomplete, &other.incomplete),
        ] {
            for item in from {
                if !into.contains(item) {
                    into.push(item.clone());
                }
            }
            into.sort();
        }
    }

    /// Reads the top-level flags of an events (or events-stats) `meta` object.
    pub fn from_events_meta(meta: &serde_json::Value) -> Accuracy {
        let flag = |key: &str| meta.get(key).and_then(serde_json::Value::as_bool) == Some(true);
        Accuracy {
            partial_scan: meta.get("dataScanned").and_then(serde_json::Value::as_str)
                == Some("partial"),
            metrics_data: flag("isMetricsData") || flag("isMetricsExtractedData"),
            ..Accuracy::default()
        }
    }

    /// One sentence per thing to say, for the lines under a table or chart.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.partial_scan {
            notes.push(
                "Sentry scanned only part of the data (dataScanned: partial): values may be low"
                    .to_owned(),
            );
        }
        if self.metrics_data {
            notes.push(
                "values come from metrics or sampled data, extrapolated by Sentry: estimates"
                    .to_owned(),
            );
        }
        if let Some(rate) = self.min_sample_rate {
            notes.push(format!(
                "values are extrapolated from samples (sample rate as low as {})",
                percent(rate)
            ));
        }
        if !self.low_confidence.is_empty() {
            notes.push(format!(
                "low confidence (few samples) in {}: {}",
                plural(self.low_confidence.len(), "bucket"),
                list(&self.low_confidence)
            ));
        }
        if !self.incomplete.is_empty() {
            notes.push(format!(
                "incomplete (still receiving data) {}: {}",
                plural(self.incomplete.len(), "bucket"),
                list(&self.incomplete)
            ));
        }
        notes
    }
}

fn percent(rate: f64) -> String {
    let p = rate * 100.0;
    if p >= 1.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.2}%")
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// At most three items, then how many more.
fn list(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(3).map(String::as_str).collect();
    let mut text = shown.join(", ");
    if items.len() > 3 {
        text.push_str(&format!(" and {} more", items.len() - 3));
    }
    text
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
    if let Some(value) = row.get_mut("count")
        && let Some(count) = value
            .as_str()
            .and_then(|text| text.trim().parse::<u64>().ok())
    {
        *value = serde_json::Value::from(count);
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
