//! The integration tests, one binary: each file (or folder) here is a module. They were 47
//! binaries, each linking the crate, reqwest and rustls; one link builds faster (issue 21).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code and its shared helpers: a failed expectation is a failed test"
)]

mod common;
mod lsp_client;
mod saved_support;
mod support;

mod architecture;
mod bad_messages;
mod catalog_live;
mod chart;
mod check;
mod cli;
mod client;
mod codes;
mod compare;
mod compile;
mod date_values;
mod engine_eval;
mod engine_io;
mod engine_parity;
mod engine_progress;
mod engine_trace_items;
mod exact_meaning;
mod export;
mod export_resume;
mod export_resume_errors;
mod export_trace_items;
mod fidelity;
mod fidelity_catalog;
mod fidelity_engine;
mod filter_props;
mod format;
mod format_edges;
mod gaps_compare;
mod gaps_files;
mod gaps_repl;
mod gaps_syntax;
mod grammar;
mod library;
mod limit_all;
mod lower;
mod lsp;
mod lsp_props;
mod lsp_robust;
mod migrate;
mod no_panic;
mod output;
mod repl;
mod repl_cancel;
mod repl_cost;
mod repl_habits;
mod robustness;
mod run_progress;
mod saved;
mod saved_cli;
mod saved_readme;
mod search_syntax;
mod series;
mod series_gaps;
mod shell;
mod span_order;
mod terminal;
mod trace_items;
