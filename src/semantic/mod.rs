//! The semantic stage: checks a parsed file against the catalog and types its filters.

pub mod catalog;
pub mod checked;
pub mod filter_codes;
pub mod suggest;
pub mod typed;
pub mod types;
pub mod typing;
