//! Codes of `dql migrate` and of the deprecation warnings (`dql::migrate::*`).

crate::codes! {
    /// Codes of `dql::migrate::*`.
    pub enum MigrateCode in "migrate" {
        /// `SELECT last_seen() FROM transactions` under `dql migrate`
        NoEquivalent = "no_equivalent" : "a field, function or filter of the old dataset has no spans equivalent",
        /// `SELECT title, count() FROM discover` under `dql migrate`
        MixedDataset = "mixed_dataset" : "a discover query mixes errors and transactions, so it has no one spans equivalent",
        /// a migrated statement that the checker refuses
        DoesNotCheck = "does_not_check" : "the rewritten statement does not check against the spans catalog",
        /// a migrated Discover saved query with `-- @saved {"topEvents":5}`
        ChartDropped = "chart_dropped" : "a Discover chart setting of a migrated saved query has no Explore form and was dropped",
        /// `SELECT count() FROM transactions` checked for sentry.io
        DeprecatedDataset = "deprecated_dataset" : "`transactions` and `discover` are deprecated on sentry.io in favour of `spans`",
    }
}
