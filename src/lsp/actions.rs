//! Formatting with the canonical printer, and code actions from the diagnostics' fix-its.

use super::analysis::{Analysis, to_lsp};
use super::document::Document;
use crate::diagnostic::{Diagnostic, Fix};
use crate::source::Source;
use crate::syntax;
use lsp_types as lsp;
use std::collections::HashMap;

/// The fixes `dql fmt` applies besides printing (docs/language.md §3: `count(*)` is written
/// `count()`); the same list as the CLI's, and `tests/integration/lsp.rs` checks the two agree.
const FORMAT_FIXES: &[&str] = &[crate::registry::SemanticCode::CountStar.as_str()];

/// The canonical text of `text`, as `dql fmt` prints it; `None` when it has syntax errors
/// (nothing is reformatted that does not parse).
pub(crate) fn formatted(text: &str, analysis: &Analysis) -> Option<String> {
    if analysis.syntax_errors() {
        return None;
    }
    let fixes: Vec<&Fix> = analysis
        .diagnostics
        .iter()
        .filter(|d| FORMAT_FIXES.contains(&d.code))
        .filter_map(|d| d.fix.as_ref())
        .collect();
    if !fixes.is_empty()
        && let Some(fixed) = apply(text, &fixes)
    {
        let reparsed = syntax::parse(&Source::new("<document>", fixed.as_str()));
        if !reparsed.diagnostics.iter().any(Diagnostic::is_error) {
            return Some(syntax::format(&reparsed.file, &fixed));
        }
    }
    Some(syntax::format(analysis.file(), text))
}

/// `text` with `fixes` applied, when they do not overlap and all fall on the text.
fn apply(text: &str, fixes: &[&Fix]) -> Option<String> {
    let mut sorted: Vec<&Fix> = fixes.to_vec();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.span.start));
    let mut out = text.to_owned();
    let mut limit = usize::MAX;
    for fix in sorted {
        let range = fix.span.start as usize..fix.span.end as usize;
        if range.end > limit || out.get(range.clone()).is_none() {
            continue;
        }
        out.replace_range(range.clone(), &fix.replacement);
        limit = range.start;
    }
    Some(out)
}

/// The whole-document edit of `textDocument/formatting`: empty when already formatted.
pub(crate) fn format_edits(doc: &Document, analysis: &Analysis) -> Option<Vec<lsp::TextEdit>> {
    let text = formatted(doc.text(), analysis)?;
    if text == doc.text() {
        return Some(Vec::new());
    }
    Some(vec![lsp::TextEdit::new(doc.full_range(), text)])
}

/// A quick fix for every diagnostic with a fix-it whose range meets `range`, and "apply all
/// fixes" when the document has any.
pub(crate) fn code_actions(
    doc: &Document,
    analysis: &Analysis,
    uri: &lsp::Uri,
    range: lsp::Range,
) -> Vec<lsp::CodeActionOrCommand> {
    let (start, end) = (doc.offset(range.start), doc.offset(range.end));
    let valid = |f: &Fix| {
        doc.text()
            .get(f.span.start as usize..f.span.end as usize)
            .is_some()
    };
    let with_fix: Vec<(&Diagnostic, &Fix)> = analysis
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref().filter(|f| valid(f)).map(|f| (d, f)))
        .collect();
    let edit = |fixes: &[&Fix]| {
        let edits = fixes
            .iter()
            .map(|f| {
                lsp::TextEdit::new(
                    doc.range(f.span.start as usize, f.span.end as usize),
                    f.replacement.clone(),
                )
            })
            .collect();
        lsp::WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..lsp::WorkspaceEdit::default()
        }
    };
    let mut out = Vec::new();
    for (d, fix) in &with_fix {
        let span = d.span();
        let meets = (span.start as usize) <= end && start <= (span.end as usize);
        if !meets {
            continue;
        }
        let title = if fix.replacement.is_empty() {
            format!("Remove `{}`", fix.span.slice(doc.text()).unwrap_or(""))
        } else {
            format!("Replace with `{}`", fix.replacement)
        };
        out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
            title,
            kind: Some(lsp::CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![to_lsp(doc, uri, d)]),
            edit: Some(edit(&[*fix])),
            is_preferred: Some(true),
            ..lsp::CodeAction::default()
        }));
    }
    // All fixes at once: the edits of one action must not overlap, so a fix that meets an
    // earlier one waits for the next round.
    let mut all: Vec<&Fix> = Vec::new();
    for (_, fix) in &with_fix {
        let overlaps = all.iter().any(|f| {
            fix.span.start < f.span.end.max(f.span.start + 1)
                && f.span.start < fix.span.end.max(fix.span.start + 1)
        });
        if !overlaps {
            all.push(fix);
        }
    }
    if !all.is_empty() {
        out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
            title: format!("Apply all fixes ({})", all.len()),
            kind: Some(lsp::CodeActionKind::SOURCE_FIX_ALL),
            edit: Some(edit(&all)),
            ..lsp::CodeAction::default()
        }));
    }
    out
}
