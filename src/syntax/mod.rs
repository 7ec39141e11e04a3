//! The syntax stage: DQL text to [`ast::File`] plus diagnostics. Parsing never fails.

pub mod ast;
pub mod codes;
