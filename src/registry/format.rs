//! Codes of the format stage (choosing an output format).

crate::codes! {
    /// Codes of `dql::format::*`, carried by `format::FormatError`.
    pub enum FormatCode in "format" {
        /// `--format yaml`
        UnknownFormat = "unknown_format" : "the output format is not one dql knows",
    }
}
