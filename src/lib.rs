//! dql — a compiler for the Discover query language over Sentry events.
//!
//! # Pipeline
//!
//! ```text
//!  source text ──syntax::parse──▶ File (AST) ──semantic::check──▶ Checked ──lower::lower──▶ Request
//!                                                                   │                         │
//!                                                        engine::run│          client::Client::execute
//!                                                                   ▼                         ▼
//!                                  output ◀──format::Format::sink── ResultSet ◀───────────────┘
//! ```
//!
//! One function per arrow: [`syntax::parse`] (never fails: a tree plus diagnostics),
//! [`semantic::check`] (never fails: checked statements plus diagnostics), [`lower::lower`]
//! (pure; "now" is an input), then either `client::Client::execute` (feature `client`, over
//! HTTP) or `engine::run` (feature `local`, over exported events), and [`format`](mod@format). The
//! convenience [`compile`] runs the pure stages in one call:
//!
//! ```
//! let now = "2026-11-26T10:00:00Z".parse().unwrap();
//! let requests = dql::compile(
//!     "SELECT p95(transaction.duration) AS p95, transaction FROM transactions GROUP BY transaction",
//!     &dql::Options::new(now),
//! )
//! .unwrap();
//! assert_eq!(requests[0].columns[0].label, "p95");
//! assert!(requests[0].params.contains(&("field".into(), "p95(transaction.duration)".into())));
//! ```
//!
//! # Architecture invariants
//!
//! - Dependencies point one way:
//!   `span, source, diagnostic, registry ← syntax ← semantic ← lower ← client, engine, format ← cli`.
//! - The checked form (`semantic::checked`, with its own key type `checked::key::FieldKey`)
//!   holds nothing of the syntax tree: the engine evaluates it without importing `syntax`.
//! - Parsing and checking never fail: they return a value plus diagnostics.
//! - `syntax` knows nothing about the catalog; `semantic` nothing about HTTP; `lower` does no
//!   I/O ("now" is an input). The core (`syntax`, `semantic`, `lower`) builds without the
//!   `client`, `cli` and `local` features.
//! - Nothing in the library panics on user input.

#[doc = include_str!("../ARCHITECTURE.md")]
pub mod architecture {}
pub mod answer;
mod chart;
#[cfg(feature = "client")]
pub mod client;
pub mod diagnostic;
#[cfg(feature = "local")]
pub mod engine;
pub mod execute;
pub mod format;
pub mod lower;
#[cfg(feature = "lsp")]
pub mod lsp;
pub mod migrate;
mod pipeline;
pub mod registry;
pub mod result;
pub mod saved;
pub mod semantic;
pub mod source;
pub mod span;
pub mod syntax;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
#[cfg(feature = "local")]
pub use execute::{LocalRun, run_local};
/// The date-time crate dql's API speaks (`Options::now`, results' instants), re-exported so
/// that callers use the same version.
pub use jiff;
pub use pipeline::{Compilation, Compiled, Options, compile, compile_source, compile_source_with};
pub use source::Source;
pub use span::{Span, Spanned};

/// The README's Rust examples, run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
