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
        /// `SELECT count() FROM errors FROM transactions`
        DuplicateClause = "duplicate_clause" : "a clause is given twice in one statement",
        /// `SELECT count() n`
        AliasWithoutAs = "alias_without_as" : "a name follows a select item without `AS`",
        /// `SELECT count() AS 1st`
        BadAlias = "bad_alias" : "an alias is not a plain identifier or a quoted name",
        /// `SELECT 'user'`
        SingleQuotedName = "single_quoted_name" : "a name is written in single quotes",
        /// `SELECT tags[browser FROM errors`
        UnclosedTagKey = "unclosed_tag_key" : "`tags[` is never closed with `]`",
        /// `SELECT count() WHERE`
        EmptyClause = "empty_clause" : "a clause keyword has nothing after it",
        /// `SELECT count() UNTIL 1d`
        UntilWithoutSince = "until_without_since" : "UNTIL is written without SINCE before it",
        /// `ORDER BY -count() ASC`
        MinusWithAsc = "minus_with_asc" : "a sort key has both `-` and ASC",
        /// `ORDER BY count() DESC NULLS LAST`
        NullsOrdering = "nulls_ordering" : "NULLS FIRST/LAST cannot be expressed in Sentry",
        /// `UPDATE issues SET status = resolved AND priority = high WHERE …`
        AndBetweenAssignments = "and_between_assignments" : "assignments in SET are joined with AND instead of `,`",
    }
}
