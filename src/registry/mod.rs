//! The registry of every diagnostic code of the library, each declared once with
//! [`codes!`](macro@crate::codes) and a one-line meaning, one file per stage: `syntax.rs`,
//! `semantic.rs` (with filter typing and the catalog), `lower.rs`, `migrate.rs`, `saved.rs`,
//! `format.rs`, `client.rs`, `engine.rs`, and `export.rs` (the codes `dql export` raises in the
//! binary).
//!
//! The registry sits beside [`crate::diagnostic`] at the foundation: it imports nothing but the
//! [`Code`] trait, and every stage imports its codes from here, so the lists below need no stage
//! (and no feature: the client's and the engine's codes are listed whether or not those are
//! built). The README's "Diagnostic codes" table is checked against [`compile_codes`] and
//! [`runtime_codes`] by `tests/integration/codes.rs`.

mod client;
mod engine;
mod export;
mod format;
mod lower;
mod migrate;
mod saved;
mod semantic;
mod syntax;

pub use client::ClientCode;
pub use engine::{EngineCode, EvalCode};
pub use export::{ExportCode, ResumeCode};
pub use format::FormatCode;
pub use lower::{LowerCode, LowerFilterCode};
pub use migrate::MigrateCode;
pub use saved::SavedCode;
pub use semantic::{CatalogCode, FilterCode, LiveCatalogCode, SemanticCode};
pub use syntax::{FilterSyntaxCode, ReadingCode, SyntaxCode};

use crate::diagnostic::Code;

/// A code and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    /// `dql::<stage>::<name>`.
    pub code: &'static str,
    /// One line.
    pub meaning: &'static str,
}

fn infos<C: Code>(all: &[C]) -> impl Iterator<Item = CodeInfo> + '_ {
    all.iter().map(|c| CodeInfo {
        code: c.code(),
        meaning: c.meaning(),
    })
}

/// The codes a query file can produce: syntax, filter typing, semantic checks and lowering.
/// Every one of them has a file in `tests/errors/` that produces it.
pub fn compile_codes() -> Vec<CodeInfo> {
    let mut all: Vec<CodeInfo> = infos(SyntaxCode::ALL)
        .chain(infos(FilterSyntaxCode::ALL))
        .chain(infos(ReadingCode::ALL))
        .chain(infos(FilterCode::ALL))
        .chain(infos(SemanticCode::ALL))
        .chain(infos(LowerCode::ALL))
        .chain(infos(LowerFilterCode::ALL))
        .collect();
    all.sort_by_key(|c| c.code);
    all
}

/// The codes of everything else: output formats, migration, saved queries, the catalog, the
/// HTTP client, the local engine and `dql export`.
pub fn runtime_codes() -> Vec<CodeInfo> {
    let mut all: Vec<CodeInfo> = infos(FormatCode::ALL)
        .chain(infos(MigrateCode::ALL))
        .chain(infos(SavedCode::ALL))
        .chain(infos(CatalogCode::ALL))
        .chain(infos(LiveCatalogCode::ALL))
        .chain(infos(ClientCode::ALL))
        .chain(infos(EngineCode::ALL))
        .chain(infos(EvalCode::ALL))
        .chain(infos(ExportCode::ALL))
        .chain(infos(ResumeCode::ALL))
        .collect();
    all.sort_by_key(|c| c.code);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_code_is_declared_once_and_well_formed() {
        let all: Vec<CodeInfo> = compile_codes().into_iter().chain(runtime_codes()).collect();
        let distinct: BTreeSet<&str> = all.iter().map(|c| c.code).collect();
        assert_eq!(distinct.len(), all.len(), "a code is declared twice");
        for info in &all {
            let parts: Vec<&str> = info.code.split("::").collect();
            assert_eq!(parts.len(), 3, "{}", info.code);
            assert_eq!(parts.first(), Some(&"dql"), "{}", info.code);
            assert!(
                parts.iter().all(
                    |p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                ),
                "{} is not dql::<stage>::<snake_case>",
                info.code
            );
            assert!(!info.meaning.is_empty(), "{} has no meaning", info.code);
        }
    }
}
