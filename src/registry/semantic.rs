//! Codes of the semantic stage: the checker (`SemanticCode`), filter typing (`FilterCode`,
//! `dql::filter::*`), and the catalog (`CatalogCode`, `LiveCatalogCode`, `dql::catalog::*`).

crate::codes! {
    /// Codes of `dql::semantic::*`.
    pub enum SemanticCode in "semantic" {
        /// `SELECT cout() FROM errors`
        UnknownFunction = "unknown_function" : "a function name is not in the catalog",
        /// `SELECT count_unique() FROM errors`
        WrongArity = "wrong_arity" : "a function is called with too few or too many arguments",
        /// `SELECT avg(browser.name) FROM transactions`
        BadArgument = "bad_argument" : "a function argument is not of the kind its signature needs",
        /// `SELECT count_unique(count()) FROM errors`
        NestedAggregate = "nested_aggregate" : "an aggregate is used inside another function",
        /// `SELECT count(*) FROM errors`
        CountStar = "count_star" : "`count(*)` is written for `count()`",
        /// `SELECT count(DISTINCT user) FROM errors`
        DistinctInCall = "distinct_in_call" : "DISTINCT is written inside a function call",
        /// `SELECT p95(transaction.duration) FROM errors`
        NotInDataset = "not_in_dataset" : "a field or function belongs to another dataset",
        /// `SELECT count() FROM erors`
        UnknownDataset = "unknown_dataset" : "FROM names a dataset that does not exist",
        /// `SELECT transaction.durtion FROM transactions`
        NearName = "near_name" : "an unknown name (a tag) is close to a known field or function",
        /// `SELECT count FROM errors`
        BareFunctionName = "bare_function_name" : "a bare name equals a function name",
        /// `SELECT $field FROM errors`
        ParamAsName = "param_as_name" : "a parameter stands where a name is needed",
        /// `SELECT count() FROM errors LIMIT $n` without `--param n=…`
        UnboundParam = "unbound_param" : "a parameter has no bound value",
        /// `SELECT count() FROM errors LIMIT $n` with `--param n=ten`
        BadParamValue = "bad_param_value" : "a bound parameter value does not fit the place it fills",
        /// `SELECT sum(value) FROM tracemetrics`
        MetricUnnamed = "metric_unnamed" : "a tracemetrics aggregate does not name its metric (name, type, unit)",
        /// `SELECT tags[x,boolean] FROM errors`
        BrowserOnlySyntax = "browser_only_syntax" : "a form only Sentry's browser search accepts",
        /// `SELECT tags[x,date] FROM errors`
        BadTagType = "bad_tag_type" : "the type in `tags[x,type]` is not `string` or `number`",
        /// `WHERE tags[cart_size,number]:>5` on `FROM errors`
        TypedTagUnsupported = "typed_tag_unsupported" : "`tags[x,number]`, `tags[x,string]` or `tags[x,boolean]` is used on a dataset whose tags have no type",
        /// `SELECT *, count() FROM errors`
        StarNotAllowed = "star_not_allowed" : "`*` is used outside a raw-events query",
        /// `SELECT title FROM errors ORDER BY count()`
        AggregateInRawQuery = "aggregate_in_raw_query" : "an aggregate is used in ORDER BY, HAVING or WHERE of a raw-events query",
        /// `SELECT count() AS n, count_unique(user) AS n FROM errors`
        DuplicateAlias = "duplicate_alias" : "two select items have the same alias",
        /// `SELECT count() AS title FROM errors`
        AliasShadowsField = "alias_shadows_field" : "an alias equals a catalog field name",
        /// `SELECT count() AS n, n-1 FROM errors`
        AmbiguousHyphen = "ambiguous_hyphen" : "a hyphenated name reads like a subtraction",
        /// `SELECT count() / 0 FROM errors`
        DivisionByZero = "division_by_zero" : "an equation divides by a literal zero",
        /// `SELECT -count() FROM errors`
        UnaryMinus = "unary_minus" : "unary minus is applied to something other than a number literal",
        /// `SELECT count() + transaction.duration FROM transactions`
        MixedEquation = "mixed_equation" : "an equation mixes fields and functions",
        /// `SELECT count() + 1 + 1 + … FROM errors` with more than 10 operators
        TooManyOperators = "too_many_operators" : "an equation has more than 10 operators",
        /// `SELECT count_at_least(transaction.duration, 5) * 2 FROM transactions`
        NotInEquations = "not_in_equations" : "a field or function is not allowed in Sentry's arithmetic",
        /// `SELECT 1 + 2 FROM errors`
        ConstantEquation = "constant_equation" : "an equation or select item has no field or function",
        /// `SELECT transaction.duration * 2, count() FROM transactions`
        FieldEquationInAggregateQuery = "field_equation_in_aggregate_query" : "a field equation is used in an aggregate query",
        /// `SELECT total.count FROM transactions`
        TotalWithoutAggregate = "total_without_aggregate" : "`total.count` or `total.transaction_duration` is selected without another aggregate",
        /// `SELECT count() FROM errors GROUP BY count()`
        AggregateInGroupBy = "aggregate_in_group_by" : "GROUP BY names an aggregate or an equation",
        /// `SELECT title, count() FROM errors GROUP BY release`
        NotGrouped = "not_grouped" : "a plain select item is missing from GROUP BY",
        /// `SELECT count() FROM errors GROUP BY timestamp INTERVAL 1h`
        GroupByTimestamp = "group_by_timestamp" : "GROUP BY timestamp (an error in a series, a hint otherwise)",
        /// `SELECT count() FROM errors ORDER BY 3`
        BadPosition = "bad_position" : "a GROUP BY or ORDER BY position is outside the select list",
        /// `SELECT release, count() FROM errors GROUP BY release ORDER BY title`
        SortNotGrouped = "sort_not_grouped" : "an aggregate query is sorted by a plain field it does not group by",
        /// `SELECT title FROM errors ORDER BY -timestamp DESC`
        MinusWithDesc = "minus_with_desc" : "a sort key has both `-` and DESC",
        /// `SELECT count() FROM errors WHERE count():>10`
        AggregateInWhere = "aggregate_in_where" : "an aggregate condition is written in WHERE",
        /// `SELECT count() FROM errors HAVING level:error`
        PlainConditionInHaving = "plain_condition_in_having" : "HAVING holds a condition on a plain field",
        /// `SELECT count() FROM errors WHERE level:error OR count():>5`
        OrMixesAggregates = "or_mixes_aggregates" : "an OR mixes an aggregate and a plain condition",
        /// `SELECT p95() AS slow FROM transactions WHERE slow:>1`
        AliasInWhere = "alias_in_where" : "a WHERE key equals an alias (aliases do not resolve in WHERE)",
        /// `SELECT count() FROM errors WHERE start:2026-01-01`
        TimeKeyInFilter = "time_key_in_filter" : "`start:` or `end:` in a filter, which Sentry ignores",
        /// `SELECT count() FROM errors WHERE is:unresolved`
        IssueKeyOutsideIssues = "issue_key_outside_issues" : "an issue-search key is used outside FROM issues",
        /// `SELECT count() FROM errors WHERE error.handled`
        FreeTextBoolean = "free_text_boolean" : "free text equals a boolean field name",
        /// `SELECT count() FROM errors LIMIT 0`
        BadLimit = "bad_limit" : "LIMIT is not an integer of at least 1",
        /// `SELECT title FROM issues LIMIT ALL`
        LimitAllUnsupported = "limit_all_unsupported" : "LIMIT ALL on issues, UPDATE or a series, which take a number",
        /// `SELECT count() FROM errors SINCE yesterday`
        BadTime = "bad_time" : "SINCE or UNTIL is not a period, date or datetime",
        /// `SELECT count() FROM errors SINCE 2026-11-02 UNTIL 2026-11-01`
        SinceAfterUntil = "since_after_until" : "SINCE is later than UNTIL",
        /// `SELECT count() FROM errors INTERVAL 1x`
        BadInterval = "bad_interval" : "INTERVAL is not a period, or gives too few or too many buckets",
        /// `SELECT title FROM errors INTERVAL 1h`
        IntervalWithoutAggregate = "interval_without_aggregate" : "a series (INTERVAL) selects no aggregate",
        /// `SELECT count(), release FROM errors GROUP BY release INTERVAL 1h`
        TopNLimit = "top_n_limit" : "a top-n series needs LIMIT between 1 and 10",
        /// `SELECT count() FROM errors LIMIT 5 INTERVAL 1h`
        NotInSeries = "not_in_series" : "LIMIT without GROUP BY, HAVING or an equation in a series",
        /// `SELECT count() FROM spans SAMPLING fast`
        BadSampling = "bad_sampling" : "SAMPLING is not `exact` or `normal`",
        /// `SELECT count() FROM errors SAMPLING exact`
        SamplingIgnored = "sampling_ignored" : "SAMPLING on a dataset Sentry does not sample (it changes nothing)",
        /// `SELECT count() FROM errors COMPARE TO last week`
        BadCompare = "bad_compare" : "COMPARE TO is not a period",
        /// `SELECT title FROM errors COMPARE TO 7d AGO`
        NotComparable = "not_comparable" : "COMPARE TO where rows cannot be matched across periods (raw rows, top-n series, issues, UPDATE)",
        /// `SELECT release, count() AS c FROM errors GROUP BY release ORDER BY c_previous COMPARE TO 7d`
        CompareSort = "compare_sort" : "ORDER BY a column COMPARE TO adds after the join (`_previous`, `_change`, `_change_pct`)",
        /// `SELECT count() FROM errors PROJECT frontend, 42`
        MixedProjects = "mixed_projects" : "PROJECT mixes slugs and numeric ids",
        /// a select list of more than 20 fields, hidden ones included
        TooManyFields = "too_many_fields" : "the request would have more than 20 fields",
        /// `SELECT nope FROM issues`
        UnknownIssueColumn = "unknown_issue_column" : "an issues select item is not an issue column",
        /// `SELECT count() FROM issues`
        IssuesAggregate = "issues_aggregate" : "an aggregate, arithmetic or aggregate filter on issues",
        /// `SELECT title FROM issues GROUP BY title`
        IssuesClause = "issues_clause" : "a clause issues do not support (GROUP BY, HAVING, INTERVAL)",
        /// `SELECT title FROM issues WHERE is:unresolved OR is:ignored`
        IssueFilterOr = "issue_filter_or" : "an OR in an issue search, which Sentry refuses",
        /// `SELECT title FROM issues ORDER BY title`
        BadIssueSort = "bad_issue_sort" : "ORDER BY on issues is not one descending sort name",
        /// `SELECT title FROM issues WHERE is:open`
        BadIssueValue = "bad_issue_value" : "an issue-search value is not one Sentry accepts",
        /// `SHOW EVENT 1234`
        BadEventId = "bad_event_id" : "an event id is not 32 hex digits",
        /// `SHOW EVENT 'a:0123456789abcdef0123456789abcdef' PROJECT b`
        DuplicateProject = "duplicate_project" : "SHOW EVENT names its project twice",
        /// `UPDATE events SET status = resolved WHERE is:unresolved`
        UpdateTarget = "update_target" : "UPDATE names something other than `issues`",
        /// `UPDATE issues SET state = resolved WHERE is:unresolved`
        UnknownUpdateKey = "unknown_update_key" : "a SET key is not an issue attribute",
        /// `UPDATE issues SET status = done WHERE is:unresolved`
        BadUpdateValue = "bad_update_value" : "a SET value is not one the attribute accepts",
        /// `UPDATE issues SET status = resolved, status = ignored WHERE is:unresolved`
        DuplicateAssignment = "duplicate_assignment" : "SET assigns the same key twice",
        /// `UPDATE issues SET status = resolved GROUP BY title`
        UpdateClause = "update_clause" : "UPDATE has a clause it does not take, or lacks WHERE",
        /// two statements annotated `-- @name same`
        DuplicateName = "duplicate_name" : "two statements have the same `@name`",
        /// `-- @nmae x` above a statement
        UnknownAnnotation = "unknown_annotation" : "an annotation key is not `@name` or `@description`",
        /// `-- @name has space`
        BadStatementName = "bad_statement_name" : "an `@name` value is not `[A-Za-z0-9_.-]+`",
    }
}

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

crate::codes! {
    /// Codes of a catalog given as text (`Catalog::from_toml`) that cannot be read, carried by
    /// `semantic::catalog::CatalogError`.
    pub enum CatalogCode in "catalog" {
        /// a catalog file with `[fields` never closed
        Parse = "parse" : "a catalog given as text is not valid TOML of the catalog's shape",
        /// a catalog whose function names an argument kind that does not exist
        Invalid = "invalid" : "a catalog given as text parses but names something it does not define, or holds a bad type",
    }
}

crate::codes! {
    /// Codes of the live catalog (`dql::catalog::*`), produced only when an organization's
    /// attributes are cached (`dql catalog pull`).
    pub enum LiveCatalogCode in "catalog" {
        /// `SELECT span.opp FROM spans` with the org's spans attributes cached
        UnknownAttribute = "unknown_attribute" : "a name is neither a built-in field nor one of the organization's cached attributes",
    }
}
