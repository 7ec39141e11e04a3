//! Diagnostic codes of the syntax stage raised by the lexer and the statement parser.
//! (The filter parser keeps its own codes in `filter_codes.rs`.)

crate::codes! {
    /// Codes of `dql::syntax::*` raised by the lexer and statement parser.
    pub enum SyntaxCode in "syntax" {
        /// `SELECT count() FROM errors )`
        UnexpectedToken = "unexpected_token" : "the parser met text it did not expect here",
        /// `SELECT count() WHERE ((((…` nested past the limit
        TooDeeplyNested = "too_deeply_nested" : "parentheses are nested deeper than dql allows",
        /// `/* never closed`
        UnterminatedComment = "unterminated_comment" : "a block comment is never closed",
        /// `WHERE message:"never closed`
        UnterminatedString = "unterminated_string" : "a quoted string is never closed",
        /// `WHERE release:$5`
        BadParameter = "bad_parameter" : "`$` is followed by something that is not a parameter name",
    }
}
