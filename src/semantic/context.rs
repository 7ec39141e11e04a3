//! The state one statement is checked with: catalog, parameters, options, the dataset, and
//! the diagnostics found so far.

use super::CheckOptions;
use super::catalog::Catalog;
use super::params::Params;
use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::SemanticCode;
use crate::span::Span;
use std::cell::RefCell;
use std::collections::HashMap;

/// Checking state of one statement.
pub(crate) struct Cx<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) params: &'a Params,
    pub(crate) options: &'a CheckOptions,
    /// The dataset names resolve in (`errors` without FROM).
    pub(crate) dataset: String,
    /// False for datasets without a catalog (`spans`, `logs`) and unknown ones: names pass.
    pub(crate) checked: bool,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Did-you-mean answers already worked out in this file, by (dataset, name): a file
    /// repeats its tags, and each answer costs a distance to every known name.
    pub(crate) near_names: &'a RefCell<HashMap<(String, String), Option<String>>>,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(
        catalog: &'a Catalog,
        params: &'a Params,
        options: &'a CheckOptions,
        near_names: &'a RefCell<HashMap<(String, String), Option<String>>>,
    ) -> Self {
        Cx {
            catalog,
            params,
            options,
            dataset: String::from("errors"),
            checked: true,
            diagnostics: Vec::new(),
            near_names,
        }
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn error(
        &mut self,
        code: SemanticCode,
        span: Span,
        message: impl Into<String>,
    ) -> Pending<'_, 'a> {
        self.report(Severity::Error, code, span, message)
    }

    pub(crate) fn warning(
        &mut self,
        code: SemanticCode,
        span: Span,
        message: impl Into<String>,
    ) -> Pending<'_, 'a> {
        self.report(Severity::Warning, code, span, message)
    }

    /// A near-name warning: an error under `--strict`.
    pub(crate) fn near(
        &mut self,
        code: SemanticCode,
        span: Span,
        message: impl Into<String>,
    ) -> Pending<'_, 'a> {
        let severity = if self.options.strict {
            Severity::Error
        } else {
            Severity::Warning
        };
        self.report(severity, code, span, message)
    }

    /// A diagnostic of `severity`, pushed when the returned builder is dropped.
    fn report(
        &mut self,
        severity: Severity,
        code: SemanticCode,
        span: Span,
        message: impl Into<String>,
    ) -> Pending<'_, 'a> {
        Pending {
            cx: self,
            diagnostic: Some(Diagnostic::new(severity, code, span, message)),
        }
    }

    /// Whether an error has been reported for this statement.
    pub(crate) fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The number of diagnostics so far (to see whether a step added errors).
    pub(crate) fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// A diagnostic being built; it is reported when dropped, so no rule can forget to push it.
pub(crate) struct Pending<'c, 'a> {
    cx: &'c mut Cx<'a>,
    diagnostic: Option<Diagnostic>,
}

impl Pending<'_, '_> {
    fn map(mut self, f: impl FnOnce(Diagnostic) -> Diagnostic) -> Self {
        self.diagnostic = self.diagnostic.take().map(f);
        self
    }

    pub(crate) fn label(self, text: impl Into<String>) -> Self {
        self.map(|d| d.label(text))
    }

    pub(crate) fn with_label(self, span: Span, text: impl Into<String>) -> Self {
        self.map(|d| d.with_label(span, text))
    }

    pub(crate) fn help(self, text: impl Into<String>) -> Self {
        self.map(|d| d.help(text))
    }

    pub(crate) fn fix(self, span: Span, replacement: impl Into<String>) -> Self {
        self.map(|d| d.fix(span, replacement))
    }

    /// Help naming the closest of `candidates` to `name` (and the full list), with a fix that
    /// puts the closest in place of the primary span when there is one.
    pub(crate) fn help_closest<'n>(
        self,
        name: &str,
        candidates: impl IntoIterator<Item = &'n str>,
    ) -> Self {
        let candidates: Vec<&str> = candidates.into_iter().collect();
        let help = super::suggest::closest_list(name, candidates.iter().copied());
        let near = super::suggest::suggest(name, candidates.iter().copied()).map(str::to_string);
        self.map(|d| {
            let span = d.span();
            let d = d.help(help);
            match near {
                Some(near) => d.fix(span, near),
                None => d,
            }
        })
    }
}

impl Drop for Pending<'_, '_> {
    fn drop(&mut self) {
        if let Some(diagnostic) = self.diagnostic.take() {
            self.cx.diagnostics.push(diagnostic);
        }
    }
}
