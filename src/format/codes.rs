//! Diagnostic codes of the format stage (choosing and opening an output format).

crate::codes! {
    /// Codes of `dql::format::*`, carried by [`FormatError`](super::FormatError).
    pub enum FormatCode in "format" {
        /// `--format yaml`
        UnknownFormat = "unknown_format" : "the output format is not one dql knows",
    }
}
