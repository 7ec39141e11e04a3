//! Diagnostic codes of filter typing (`dql::filter::*`): values that do not fit their key's type,
//! and conditions that cannot be negated or expressed.

crate::codes! {
    /// Codes of `dql::filter::*`.
    pub enum FilterCode in "filter" {
        /// `WHERE timestamp:yesterday`
        InvalidDate = "invalid_date" : "a value on a date key is neither ISO 8601 nor a relative date like -24h",
        /// `WHERE error.handled:maybe`
        InvalidBoolean = "invalid_boolean" : "a value on a boolean key is not true, 1, false or 0",
        /// `WHERE project.id:one`
        InvalidNumber = "invalid_number" : "a value on a numeric key is not a number with an optional k, m or b suffix",
        /// `WHERE transaction.duration:>fast`
        InvalidDuration = "invalid_duration" : "a value on a duration key is not a number with a duration unit",
        /// `WHERE measurements.size:>big`
        InvalidSize = "invalid_size" : "a value on a size key is not a number with a size unit",
        /// `HAVING failure_rate():>high`
        InvalidPercentage = "invalid_percentage" : "a value on a percentage is not a number with `%`",
        /// `WHERE browser.name:[Chrome, ]`
        EmptyListItem = "empty_list_item" : "a `[…]` list has an empty item",
        /// `WHERE browser.name:`
        EmptyValue = "empty_value" : "nothing follows `key:`",
        /// `WHERE browser.name IN ()`
        EmptyInList = "empty_in_list" : "an IN list is empty",
        /// `WHERE has:"a b"`
        InvalidHas = "invalid_has" : "`has:` is not followed by a field or tag name",
        /// `WHERE message > 'a'`
        ComparisonOnText = "comparison_on_text" : "a text field is compared with <, <=, > or >=",
        /// `WHERE mytag:>500`
        ComparisonOnTag = "comparison_on_tag" : "a comparison on a tag is the text `>…`, as in Sentry",
        /// `WHERE url = '/api/*'`
        LiteralStar = "literal_star" : "a `*` in an exact match is sent as a literal star",
        /// `message = 'a\\*b'`: Sentry reads `\\*` in an exact value as an escaped star
        BackslashStar = "backslash_star" : "an exact text with `\\` right before `*` cannot be matched exactly in Sentry's syntax",
        /// `WHERE NOT connection reset`
        FreeTextNegated = "free_text_negated" : "free text cannot be negated",
        /// `WHERE NOT timestamp:2026-11-01T10:00:00`
        NegatedDateTime = "negated_date_time" : "an exact date-time match cannot be negated",
        /// `WHERE transaction.duration LIKE '1%'`
        LikeOnNonText = "like_on_non_text" : "LIKE is used on a key that is not text",
        /// `WHERE release:$rel` without `--param rel=…`
        UnboundParameter = "unbound_parameter" : "a parameter has no value",
        /// `HAVING count() IS NULL`
        NullOnAggregate = "null_on_aggregate" : "IS NULL or IS NOT NULL is used on an aggregate",
        /// `WHERE has:$field`
        ParameterAsName = "parameter_as_name" : "a parameter stands where a name is needed",
    }
}
