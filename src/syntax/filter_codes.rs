//! Diagnostic codes of the filter parser (`dql::syntax::*`): errors and warnings in the
//! structure of a WHERE/HAVING filter or a Sentry search string.

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
        /// `WHERE -level:error`
        /// `WHERE $key = 5`
        ParameterAsKey = "parameter_as_key" : "a parameter stands where a filter key belongs",
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
