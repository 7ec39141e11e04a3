//! Placeholder: the typed filter lands with the filter branch.

use serde::Serialize;

/// A typed filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypedFilter;
