//! Diagnostic codes of the syntax stage (statements and clauses).

crate::codes! {
    /// Codes of `dql::syntax::*` raised by the statement parser.
    pub enum SyntaxCode in "syntax" {
        /// `SELECT count() FROM errors )`
        UnexpectedToken = "unexpected_token" : "the parser met text it did not expect here",
    }
}
