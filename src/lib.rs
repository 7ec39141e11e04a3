//! dql — a compiler for the Discover query language over Sentry events.
//!
//! # Pipeline
//!
//! ```text
//! source text ──parse──▶ File (AST) ──check──▶ Checked ──lower──▶ Request
//!                                                                  │
//!                       output ◀──format── ResultSet ◀──execute────┘
//!                                                (HTTP client or local engine)
//! ```
//!
//! # Architecture invariants
//!
//! - Dependencies point one way:
//!   `span, source, diagnostic ← syntax ← semantic ← lower ← client, engine, format ← cli`.
//! - Parsing and checking never fail: they return a value plus diagnostics.
//! - `syntax` knows nothing about the catalog; `semantic` nothing about HTTP; `lower` does no
//!   I/O ("now" is an input). The core (`syntax`, `semantic`, `lower`) builds without the
//!   `client`, `cli` and `local` features.
//! - Nothing in the library panics on user input.

#[cfg(feature = "client")]
pub mod client;
pub mod codes;
pub mod diagnostic;
#[cfg(feature = "local")]
pub mod engine;
pub mod format;
pub mod lower;
mod pipeline;
pub mod result;
pub mod semantic;
pub mod source;
pub mod span;
pub mod syntax;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use pipeline::{Compilation, Compiled, Options, compile, compile_source};
pub use source::Source;
pub use span::{Span, Spanned};

/// The README's Rust examples, run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
