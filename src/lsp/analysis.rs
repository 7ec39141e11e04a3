//! What the server knows about a document's text: its tree, its tokens and every diagnostic
//! of the stages that need no network, exactly as `dql check` reports them.

use super::document::Document;
use super::lex::{self, Token};
use crate::diagnostic::{Diagnostic, Severity};
use crate::semantic::Catalog;
use crate::source::Source;
use crate::syntax::{self, ast};
use lsp_types as lsp;
use std::cell::OnceCell;

/// Settings that change what the checker reports.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Near-name warnings become errors, as with `dql check --strict`.
    pub strict: bool,
    /// Values of `$name` parameters, as with `dql check --param name=value`.
    pub params: crate::semantic::Params,
    /// The catalog names are checked against (the built-in one when `None`); `dql lsp` gives
    /// the one `dql check` uses, with the organization's cached attributes.
    pub catalog: Option<&'static Catalog>,
    /// Warn on the datasets sentry.io has deprecated, as `dql check` does when the configured
    /// Sentry is sentry.io (`dql::migrate::deprecation_warnings`).
    pub deprecated_datasets: bool,
}

/// A document's diagnostics, and its tree and tokens when a request needs them.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The text analysed.
    text: String,
    /// The parsed file (always a tree, whatever the text) and whether parsing found an error
    /// (then nothing is reformatted, as with `dql fmt`); made on first use, so that a change's
    /// diagnostics are published without parsing twice.
    parsed: OnceCell<(ast::File, bool)>,
    /// The lexer's tokens, covering the text exactly; made on first use.
    tokens: OnceCell<Vec<Token>>,
    /// Every diagnostic of parsing, checking and lowering, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// The catalog the text was checked against (with the organization's cached attributes
    /// when the server was given them): completion, hover and highlighting use the same one.
    pub(crate) catalog: &'static Catalog,
    /// The `$params` the settings bind (completion offers them, hover shows their values).
    pub(crate) params: crate::semantic::Params,
}

impl Analysis {
    /// Parses, checks and lowers `text` as `dql check` does: the same stages, the same
    /// catalog, the parameters of `settings` bound, "now" from the clock.
    pub fn new(text: &str, settings: &Settings) -> Analysis {
        let source = Source::new("<document>", text);
        let mut options = crate::Options::new(jiff::Timestamp::now());
        options.strict = settings.strict;
        options.params = settings.params.clone();
        let catalog = settings.catalog.unwrap_or_else(|| Catalog::builtin());
        let mut compilation = crate::compile_source_with(&source, &options, catalog);
        if settings.deprecated_datasets {
            compilation
                .diagnostics
                .extend(crate::migrate::deprecation_warnings(&source, catalog));
            compilation
                .diagnostics
                .sort_by_key(|d| (d.span().start, d.span().end));
        }
        Analysis {
            text: text.to_owned(),
            parsed: OnceCell::new(),
            tokens: OnceCell::new(),
            diagnostics: compilation.diagnostics,
            catalog,
            params: settings.params.clone(),
        }
    }

    fn parsed(&self) -> &(ast::File, bool) {
        self.parsed.get_or_init(|| {
            let parsed = syntax::parse(&Source::new("<document>", self.text.as_str()));
            let errors = parsed.diagnostics.iter().any(Diagnostic::is_error);
            (parsed.file, errors)
        })
    }

    /// The parsed file.
    pub(crate) fn file(&self) -> &ast::File {
        &self.parsed().0
    }

    /// Whether parsing found an error.
    pub(crate) fn syntax_errors(&self) -> bool {
        self.parsed().1
    }

    /// The lexer's tokens.
    pub(crate) fn tokens(&self) -> &[Token] {
        self.tokens.get_or_init(|| lex::tokens(&self.text))
    }
}

/// A dql diagnostic as the protocol's: the primary label's range, the code, the severity,
/// the message with the help on a line after it (`help: …`), and the other labels as related
/// information.
pub fn to_lsp(doc: &Document, uri: &lsp::Uri, d: &Diagnostic) -> lsp::Diagnostic {
    let span = d.span();
    let severity = match d.severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Advice => lsp::DiagnosticSeverity::INFORMATION,
    };
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .skip(1)
        .map(|l| lsp::DiagnosticRelatedInformation {
            location: lsp::Location::new(
                uri.clone(),
                doc.range(l.span.start as usize, l.span.end as usize),
            ),
            message: if l.text.is_empty() {
                "here".to_owned()
            } else {
                l.text.clone()
            },
        })
        .collect();
    lsp::Diagnostic {
        range: doc.range(span.start as usize, span.end as usize),
        severity: Some(severity),
        code: Some(lsp::NumberOrString::String(d.code.to_owned())),
        code_description: None,
        source: Some("dql".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// Every diagnostic of `analysis` in the protocol's form.
pub fn lsp_diagnostics(
    doc: &Document,
    uri: &lsp::Uri,
    analysis: &Analysis,
) -> Vec<lsp::Diagnostic> {
    analysis
        .diagnostics
        .iter()
        .map(|d| to_lsp(doc, uri, d))
        .collect()
}
