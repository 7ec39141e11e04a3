//! The whole compilation in one call: parse, check and lower a source, gathering every
//! diagnostic of every stage in source order.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::lower::{self, Request};
use crate::semantic::checked::CheckedStatement;
use crate::semantic::{self, CheckOptions, Params};
use crate::source::Source;
use crate::syntax;

/// Everything a compilation needs besides the source.
#[derive(Debug, Clone)]
pub struct Options {
    /// Values of `$name` parameters. Bound values are data: they can never change a query's
    /// shape.
    pub params: Params,
    /// Turn near-name warnings into errors.
    pub strict: bool,
    /// The instant relative times count back from.
    pub now: jiff::Timestamp,
    /// The organization slug; `None` leaves `{org}` literal in paths.
    pub org: Option<String>,
    /// The project of statements without PROJECT (see [`lower::Options::default_project`]).
    pub default_project: Option<String>,
    /// Event queries without LIMIT fetch every row, as with `LIMIT ALL` (`dql run --all`).
    pub all: bool,
}

impl Options {
    /// Options with `now`, no parameters, not strict, no organization.
    pub fn new(now: jiff::Timestamp) -> Self {
        Options {
            params: Params::new(),
            strict: false,
            now,
            org: None,
            default_project: None,
            all: false,
        }
    }

    /// Sets the organization.
    #[must_use]
    pub fn org(mut self, org: impl Into<String>) -> Self {
        self.org = Some(org.into());
        self
    }
}

/// One compiled statement: its checked form (what the local engine evaluates) and its request.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The checked statement.
    pub checked: CheckedStatement,
    /// The request that expresses it.
    pub request: Request,
}

/// The result of compiling a source: the statements that compiled, and every diagnostic.
#[derive(Debug, Clone)]
pub struct Compilation {
    /// The source the diagnostics point into.
    pub source: Source,
    /// Statements without errors, in source order.
    pub statements: Vec<Compiled>,
    /// Every diagnostic of every stage, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compilation {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The diagnostics with their source, for rendering.
    pub fn diagnostics(&self) -> Diagnostics {
        Diagnostics {
            source: self.source.clone(),
            items: self.diagnostics.clone(),
        }
    }
}

/// Parses, checks and lowers `source`. Never fails: see [`Compilation::has_errors`].
pub fn compile_source(source: &Source, options: &Options) -> Compilation {
    compile_source_with(source, options, semantic::Catalog::builtin())
}

/// [`compile_source`] against another catalog (the built-in one with an organization's
/// attributes, say).
pub fn compile_source_with(
    source: &Source,
    options: &Options,
    catalog: &semantic::Catalog,
) -> Compilation {
    let parsed = syntax::parse(source);
    let mut diagnostics = parsed.diagnostics;
    if options.strict {
        // A reading that differs from Sentry's is an error under `--strict` (language.md §5).
        let differs =
            crate::diagnostic::Code::code(crate::registry::ReadingCode::DiffersFromSentry);
        for d in diagnostics.iter_mut().filter(|d| d.code == differs) {
            d.severity = crate::diagnostic::Severity::Error;
        }
    }
    let checked = semantic::check(
        &parsed.file,
        catalog,
        &options.params,
        &CheckOptions {
            strict: options.strict,
        },
    );
    diagnostics.extend(checked.diagnostics);
    // A statement whose syntax failed is not in `checked`; one with a syntax error that still
    // produced a tree is dropped here so nothing half-parsed is sent.
    let syntax_errors: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(Diagnostic::span)
        .collect();
    let lower_options = lower::Options {
        now: options.now,
        org: options.org.clone(),
        default_project: options.default_project.clone(),
        all: options.all,
    };
    let mut statements = Vec::new();
    for stmt in checked.statements {
        if syntax_errors.iter().any(|s| stmt.span.contains(*s)) {
            continue;
        }
        match lower::lower(&stmt, &lower_options) {
            Ok(request) => statements.push(Compiled {
                checked: stmt,
                request,
            }),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    diagnostics.sort_by_key(|d| (d.span().start, d.span().end));
    Compilation {
        source: source.clone(),
        statements,
        diagnostics,
    }
}

/// Compiles `text` to the requests it stands for; any error fails the whole compilation.
///
/// ```
/// let now = "2026-11-26T10:00:00Z".parse().unwrap();
/// let mut options = dql::Options::new(now);
/// options.params.bind("env", "production");
/// let requests = dql::compile(
///     "SELECT count() AS n, release FROM errors WHERE environment:$env GROUP BY release",
///     &options,
/// )
/// .unwrap();
/// let query = requests[0].params.iter().find(|(k, _)| k == "query").unwrap();
/// assert_eq!(query.1, "environment:production");
/// ```
pub fn compile(text: &str, options: &Options) -> Result<Vec<Request>, Diagnostics> {
    let compilation = compile_source(&Source::new("<query>", text), options);
    if compilation.has_errors() {
        return Err(compilation.diagnostics());
    }
    Ok(compilation
        .statements
        .into_iter()
        .map(|c| c.request)
        .collect())
}
