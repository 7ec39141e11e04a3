//! Output formatting of result sets: table, json, ndjson, csv, markdown.
