//! The `dql` command-line tool.

fn main() {}
