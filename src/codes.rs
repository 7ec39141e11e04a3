//! Every diagnostic code of every stage, with its one-line meaning: the registry the README's
//! table is checked against.

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
    let mut all: Vec<CodeInfo> = infos(crate::syntax::codes::SyntaxCode::ALL)
        .chain(infos(crate::syntax::filter_codes::FilterSyntaxCode::ALL))
        .chain(infos(crate::syntax::filter_codes::ReadingCode::ALL))
        .chain(infos(crate::semantic::filter_codes::FilterCode::ALL))
        .chain(infos(crate::semantic::codes::SemanticCode::ALL))
        .chain(infos(crate::lower::codes::LowerCode::ALL))
        .chain(infos(crate::lower::search::LowerFilterCode::ALL))
        .collect();
    all.sort_by_key(|c| c.code);
    all
}

/// The codes of running queries: output formats and (with the `local` feature) the local
/// engine. The HTTP client's codes are declared on its error type (`client::error`).
pub fn runtime_codes() -> Vec<CodeInfo> {
    let mut all: Vec<CodeInfo> = infos(crate::format::codes::FormatCode::ALL)
        .chain(infos(crate::migrate::MigrateCode::ALL))
        .chain(infos(crate::saved::SavedCode::ALL))
        .chain(infos(crate::semantic::catalog::LiveCatalogCode::ALL))
        .collect();
    #[cfg(feature = "local")]
    all.extend(
        infos(crate::engine::codes::EngineCode::ALL)
            .chain(infos(crate::engine::codes::EvalCode::ALL)),
    );
    all.sort_by_key(|c| c.code);
    all
}
