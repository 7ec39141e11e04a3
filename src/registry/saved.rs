//! Codes of saved queries as code (`dql::saved::*`): `dql push`, `pull` and `diff`.

crate::codes! {
    /// Codes of `dql::saved::*`: statements that cannot be saved queries, and what the
    /// decompiler keeps verbatim.
    pub enum SavedCode in "saved" {
        /// `UPDATE issues …` or `SHOW EVENT …` pushed as a saved query
        NotASavedQuery = "not_a_saved_query" : "the statement cannot be a saved query (UPDATE, SHOW EVENT, FROM issues)",
        /// a file of several statements, one without `-- @name`, pushed
        Unnamed = "unnamed" : "a file of several statements has one without `-- @name`, so it cannot be told apart on the server",
        /// `SELECT count() FROM errors LIMIT 10` pushed as a saved query
        Inexpressible = "inexpressible" : "a clause has no saved-query equivalent (LIMIT, INTERVAL, aliases, several sort keys, project slugs, …)",
        /// `-- @saved not json`, `-- @source elsewhere`
        BadAnnotation = "bad_annotation" : "an `@id`, `@source` or `@saved` annotation is malformed or contradicts the statement",
        /// `-- @source discover` over `FROM spans`
        WrongSource = "wrong_source" : "the statement's dataset is not one the `@source` (Discover or Explore) stores",
        /// a saved query whose chart settings are kept in `-- @saved`
        KeptVerbatim = "kept_verbatim" : "part of a saved query has no DQL form and is kept verbatim in `-- @saved`",
        /// `dql pull` with a token that may list Discover's saved queries but not Explore's
        ExploreForbidden = "explore_forbidden" : "`dql pull` could not list the Explore saved queries (403) and pulled the Discover ones alone",
    }
}
