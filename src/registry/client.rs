//! Codes of execution over HTTP (`dql::client::*`), carried by `client::ClientError`. Declared
//! here whether or not the `client` feature builds the client.

crate::codes! {
    /// Codes of `dql::client::*`, one per variant of `client::ClientError`.
    pub enum ClientCode in "client" {
        /// `dql run` with no `--token`, `SENTRY_AUTH_TOKEN` nor `.sentryclirc`
        MissingToken = "missing_token" : "no auth token is configured (flag, SENTRY_AUTH_TOKEN or .sentryclirc)",
        /// `dql run` with no `--org`, `SENTRY_ORG` nor `.sentryclirc`
        MissingOrg = "missing_org" : "no organization is configured (flag, SENTRY_ORG or .sentryclirc)",
        /// a `.sentryclirc` holding the line `[auth`
        ConfigFile = "config_file" : "a .sentryclirc cannot be read or has a malformed line",
        /// `--url sentry.example.com:notaport`
        InvalidUrl = "invalid_url" : "the Sentry URL is not a valid http(s) URL",
        /// `--org 'my org/x'`
        InvalidOrg = "invalid_org" : "the organization slug holds characters a slug never holds",
        /// TLS roots that cannot be loaded
        HttpSetup = "http_setup" : "the HTTP client cannot be built",
        /// a revoked token (401)
        Unauthorized = "unauthorized" : "Sentry refused the token (401)",
        /// a token without `org:read` (403)
        Forbidden = "forbidden" : "the token lacks the scope the endpoint needs (403)",
        /// `PROJECT backnd` (403 with `projectSlug`)
        UnknownProject = "unknown_project" : "a PROJECT slug is unknown or inaccessible (403 with projectSlug)",
        /// `--org typo` (404)
        NotFound = "not_found" : "404: unknown organization or project, or an environment Sentry does not know",
        /// a 400 with a `detail`
        BadQuery = "bad_query" : "Sentry answered 400 with a detail, shown at the clause it most likely concerns",
        /// a 409 or 422
        Refused = "refused" : "another 4xx answer",
        /// 429 after every allowed try
        RateLimited = "rate_limited" : "still rate limited (429) after the allowed tries and waiting time",
        /// a token ending in a line break
        InvalidToken = "invalid_token" : "the token holds a line break or another character an HTTP header cannot carry",
        /// a 302 to a login page
        Redirect = "redirect" : "a 3xx that was not followed: the rows are not there",
        /// a server that redirects back to where it came from
        RedirectLoop = "redirect_loop" : "redirects that led nowhere: back to a URL already visited, or more than 10",
        /// a body over `--max-response-mb`
        ResponseTooLarge = "response_too_large" : "a response body over --max-response-mb after decompression",
        /// a `Link` header that repeats its cursor
        Incomplete = "incomplete" : "fewer rows than LIMIT asked while Sentry said there were more",
        /// `LIMIT ALL` past the offset cap, sorted by another field
        PastOffsetCap = "past_offset_cap" : "more rows than one Sentry query can page through, and no split by time keeps the answer whole",
        /// more than the offset cap of rows in one second
        WindowTooDense = "window_too_dense" : "more rows (or groups) than the offset cap fall in one second",
        /// 5xx after every allowed try
        ServerError = "server_error" : "Sentry kept failing (5xx) after the allowed tries",
        /// connection refused or timed out after every allowed try
        Network = "network" : "Sentry could not be reached (connection, timeout) after the allowed tries",
        /// `UPDATE issues …` answered 204 "No groups found"
        NothingUpdated = "nothing_updated" : "a bulk issue update changed none of the issues it named (204)",
        /// a 200 whose body is cut off or not JSON
        BadResponse = "bad_response" : "the body is not the JSON Sentry documents (truncated, not JSON, wrong shape)",
    }
}
