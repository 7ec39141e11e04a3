//! Canonical DQL text of a filter (`Display` for the filter AST).
