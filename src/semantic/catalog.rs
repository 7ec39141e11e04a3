//! The catalog of datasets, fields and functions that queries are checked against.
