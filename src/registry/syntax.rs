//! Codes of the syntax stage: the lexer and statement parser (`SyntaxCode`), the filter
//! parser (`FilterSyntaxCode`), and the places where dql reads a pasted search differently
//! from Sentry (`ReadingCode`, `dql::filter::*`).

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

crate::codes! {
    /// Codes of `dql::syntax::*` raised by the filter parser.
    pub enum FilterSyntaxCode in "syntax" {
        /// `WHERE (level:error` or `WHERE level:error)`
        UnbalancedParentheses = "unbalanced_parentheses" : "a parenthesis in a filter is never closed, or closes nothing",
        /// `WHERE OR level:error`, `WHERE a AND OR b`, `WHERE a AND`
        MissingCondition = "missing_condition" : "AND, OR or NOT has no condition on one side",
        /// `WHERE ()`
        EmptyGroup = "empty_group" : "a pair of parentheses holds no condition",
        /// `WHERE url:te"st`
        InvalidQuote = "invalid_quote" : "an unquoted value holds a `\"` that neither encloses text nor is escaped",
        /// `WHERE message:'x y'`
        SingleQuotedSearchValue = "single_quoted_search_value" : "a `key:value` term has a single-quoted value, which Sentry does not know",
        /// `WHERE percentile(measurements.fp,):>1s`
        EmptyFunctionArgument = "empty_function_argument" : "a function argument in a filter key is empty",
        /// `WHERE level = `
        MissingValue = "missing_value" : "a SQL-style condition has no value after its operator",
        /// `WHERE hello FROM errors`
        KeywordAfterFreeText = "keyword_after_free_text" : "a clause keyword ended a filter right after unquoted free text",
        /// `WHERE orderId=123`
        SqlOperatorInWord = "sql_operator_in_word" : "a word holds `=` with no spaces, which Sentry reads as free text",
        /// `WHERE $key = 5`
        ParameterAsKey = "parameter_as_key" : "a parameter stands where a filter key belongs",
        /// `WHERE -level:error`
        MinusKey = "minus_key" : "a key starts with `-`, which Sentry reads as part of the tag name",
    }
}

crate::codes! {
    /// Codes of `dql::filter::*` raised where dql reads a pasted search differently from Sentry.
    pub enum ReadingCode in "filter" {
        /// `WHERE not level:error`, `WHERE message is null`
        DiffersFromSentry = "differs_from_sentry" : "dql reads words (`not`, `is null`) as its own operators where Sentry reads them as free text",
    }
}
