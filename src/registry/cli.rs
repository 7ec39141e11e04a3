//! Codes of the `dql` binary's own input (`dql::cli::*`): a query file that cannot be read.
//! The binary raises them; they are listed here with every other code.

crate::codes! {
    /// Why a query file given on the command line cannot be read.
    pub enum CliCode in "cli" {
        /// `dql run querys.dql` where there is no such file
        FileNotFound = "file_not_found" : "the query file does not exist (with the nearest name in its folder, if one is close)",
        /// `dql run queries/` where `queries/` is a directory
        FileIsDirectory = "file_is_directory" : "the query file named is a directory",
        /// `dql run q.dql` where `q.dql` cannot be read (permissions)
        FileUnreadable = "file_unreadable" : "the query file (or standard input) exists but cannot be read",
        /// `dql run q.dql` where `q.dql` is Latin-1 or binary
        BadEncoding = "bad_encoding" : "the query file is not UTF-8 text",
    }
}
