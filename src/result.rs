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
