//! The semantic stage: checks a parsed file against the catalog and types its filters.
//!
//! [`check`] reports every problem at once and returns the statements that passed as
//! [`checked::Checked`]; a statement with errors yields no checked statement.

mod annotations;
pub mod catalog;
pub mod checked;
mod clauses;
pub(crate) mod compare;
mod context;
mod equation;
pub mod field_type;
pub mod filter_typing;
mod filters;
mod functions;
mod issues;
mod keys;
mod names;
pub mod params;
pub mod range;
mod select;
pub mod suggest;
mod time;
pub mod values;

pub use catalog::Catalog;
pub use checked::Checked;
pub use params::Params;

use crate::syntax::ast::{self, StatementKind};
use checked::CheckedStatement;
use context::Cx;

/// Options of the checker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// Turn near-name warnings ("did you mean …?") into errors (`--strict`).
    pub strict: bool,
}

/// Checks `file` against `catalog` with the bound `params`. Never fails: the statements
/// without errors come back checked, and every diagnostic, in source order.
pub fn check(
    file: &ast::File,
    catalog: &Catalog,
    params: &Params,
    options: &CheckOptions,
) -> Checked {
    let mut diagnostics = annotations::check(file);
    let mut statements = Vec::new();
    let near_names = std::cell::RefCell::new(std::collections::HashMap::new());
    for statement in &file.statements {
        let mut cx = Cx::new(catalog, params, options, &near_names);
        let kind = match &statement.kind {
            StatementKind::Select(select) => {
                if select::choose_dataset(&mut cx, select) {
                    issues::check_select(&mut cx, select)
                } else {
                    select::check_events(&mut cx, select)
                }
            }
            StatementKind::ShowEvent(show) => issues::check_show_event(&mut cx, show),
            StatementKind::UpdateIssues(update) => issues::check_update(&mut cx, update),
            StatementKind::Error => None,
        };
        let failed = cx.has_errors();
        diagnostics.append(&mut cx.diagnostics);
        if let (Some(kind), false) = (kind, failed) {
            let annotation = |key: &str| {
                statement
                    .annotations
                    .iter()
                    .find(|a| a.key.node == key)
                    .map(|a| a.value.node.clone())
            };
            statements.push(CheckedStatement {
                name: annotation("name"),
                description: annotation("description"),
                span: statement.span,
                kind,
                clauses: clauses::clause_spans(statement),
            });
        }
    }
    diagnostics.sort_by_key(|d| d.span().start);
    Checked {
        statements,
        diagnostics,
    }
}
