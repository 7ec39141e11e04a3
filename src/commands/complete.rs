//! The flags of `dql run` about complete results: `--all`, `--offset-cap`, `--progress`.

use dql::client::DEFAULT_OFFSET_CAP;

/// How `dql run` fetches results larger than a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub(crate) struct CompleteFlags {
    /// Fetch every row of event queries without LIMIT, as `LIMIT ALL` does (past Sentry's
    /// offset cap in windows of time, or an error saying why not).
    #[arg(long)]
    pub(crate) all: bool,
    /// The most rows one Sentry query is paged through before dql splits its time range
    /// (Snuba returns at most 10,000 rows of one query).
    #[arg(long, value_name = "ROWS", default_value_t = DEFAULT_OFFSET_CAP,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) offset_cap: u64,
    /// Show progress on stderr even when it is not a terminal.
    #[arg(long)]
    pub(crate) progress: bool,
}

impl Default for CompleteFlags {
    fn default() -> Self {
        CompleteFlags {
            all: false,
            offset_cap: DEFAULT_OFFSET_CAP,
            progress: false,
        }
    }
}
