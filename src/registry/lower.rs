//! Codes of the lowering stage: problems only visible once the request is built (hidden
//! fields counted, "now" known), and values the printer of Sentry's search syntax cannot
//! write (`LowerFilterCode`).

crate::codes! {
    /// Codes of `dql::lower::*`.
    pub enum LowerCode in "lower" {
        /// `SELECT a1, …, a19, p95() AS p … GROUP BY x HAVING p99():>1` (21 fields with hidden ones)
        TooManyFields = "too_many_fields" : "more than 20 fields, hidden ones included, would be sent to Sentry",
        /// `SELECT count() INTERVAL 1m SINCE 30d`
        TooManyBuckets = "too_many_buckets" : "the interval cuts the time range into more buckets than Sentry allows",
        /// `SELECT count() FROM spans INTERVAL 2d SINCE 1d`
        IntervalExceedsRange = "interval_exceeds_range" : "the interval is longer than the whole time range",
        /// `SELECT count() SINCE 2h UNTIL 2030-01-01` evaluated before 2030
        EmptyTimeRange = "empty_time_range" : "once \"now\" is known, the time range ends before it starts",
        /// `SELECT count() SINCE 99999999w`
        TimeOutOfRange = "time_out_of_range" : "a time of the range cannot be represented",
        /// `SHOW EVENT … PROJECT "a b"`
        BadPathSegment = "bad_path_segment" : "a name that goes into the URL path holds characters Sentry names never hold",
        /// `SELECT * FROM issues ORDER BY title`
        UnknownIssueSort = "unknown_issue_sort" : "the issues endpoint cannot sort this way",
        /// `SELECT p95() GROUP BY transaction INTERVAL 1h LIMIT 20`
        TopEventsOutOfRange = "top_events_out_of_range" : "a top-n series needs LIMIT between 1 and 10",
        /// `SELECT transaction GROUP BY transaction INTERVAL 1h`
        SeriesWithoutAggregate = "series_without_aggregate" : "a time series has no aggregate to plot",
    }
}

crate::codes! {
    /// Codes of `dql::lower::*` raised while printing a filter.
    pub enum LowerFilterCode in "lower" {
        /// `WHERE message = $p` with `p` bound to a value ending in `\` that needs quotes
        InexpressibleValue = "inexpressible_value" : "a filter value cannot be written in Sentry's search syntax",
        /// `WHERE NOT timestamp:…` reaching the printer un-pushed (an internal invariant)
        NegatedDate = "negated_date" : "a date term is negated, which Sentry cannot express",
    }
}
