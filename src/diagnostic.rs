//! The one diagnostic type every stage reports with, its stable codes, and rendering.
//!
//! Every stage's codes are declared with [`codes!`](macro@crate::codes) in the one registry,
//! [`crate::registry`]; a code is `dql::<stage>::<name>` and carries a one-line meaning that the
//! README lists.

use crate::source::Source;
use crate::span::Span;
use serde::Serialize;
use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Advice,
    /// Probably a mistake; the query still compiles (`--strict` makes it an error).
    Warning,
    /// The query cannot be compiled.
    Error,
}

/// A stable diagnostic code, declared with [`codes!`](macro@crate::codes).
pub trait Code: Copy + fmt::Debug + 'static {
    /// The full code, `dql::<stage>::<name>`.
    fn code(self) -> &'static str;
    /// One line saying what the code means.
    fn meaning(self) -> &'static str;
}

/// Declares a stage's diagnostic codes as an enum implementing [`Code`].
#[macro_export]
macro_rules! codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident in $stage:literal {
            $( $(#[doc = $doc:literal])* $variant:ident = $code:literal : $meaning:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[doc = $doc])* #[doc = $meaning] $variant, )*
        }

        impl $name {
            /// Every code of this stage.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The full code, `dql::<stage>::<name>`, where a constant is needed.
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$variant => concat!("dql::", $stage, "::", $code), )* }
            }
        }

        impl $crate::diagnostic::Code for $name {
            fn code(self) -> &'static str {
                self.as_str()
            }
            fn meaning(self) -> &'static str {
                match self { $( $name::$variant => $meaning, )* }
            }
        }
    };
}

/// A labelled span.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// The labelled source range.
    pub span: Span,
    /// What the label says (may be empty).
    pub text: String,
}

/// A machine-applicable replacement of a source range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The range to replace.
    pub span: Span,
    /// The text to put there.
    pub replacement: String,
}

/// One problem found in a source, with its code, labels, help and optional fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code, `dql::<stage>::<name>`.
    pub code: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// The headline.
    pub message: String,
    /// Labelled spans; the first is the primary one.
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// A replacement that fixes it, when one is certain.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic of `severity` with `code`, labelling `span` with an empty label.
    pub fn new(
        severity: Severity,
        code: impl Code,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code: code.code(),
            severity,
            message: message.into(),
            labels: vec![Label {
                span,
                text: String::new(),
            }],
            help: None,
            fix: None,
        }
    }

    /// An error.
    pub fn error(code: impl Code, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, span, message)
    }

    /// A warning.
    pub fn warning(code: impl Code, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, span, message)
    }

    /// Sets the primary label's text.
    #[must_use]
    pub fn label(mut self, text: impl Into<String>) -> Self {
        if let Some(first) = self.labels.first_mut() {
            first.text = text.into();
        }
        self
    }

    /// Adds a secondary label.
    #[must_use]
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    /// Sets the help text.
    #[must_use]
    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    /// Sets a machine-applicable fix.
    #[must_use]
    pub fn fix(mut self, span: Span, replacement: impl Into<String>) -> Self {
        self.fix = Some(Fix {
            span,
            replacement: replacement.into(),
        });
        self
    }

    /// Sets a machine-applicable fix when there is a replacement.
    #[must_use]
    pub fn fix_opt(self, span: Span, replacement: Option<impl Into<String>>) -> Self {
        match replacement {
            Some(r) => self.fix(span, r),
            None => self,
        }
    }

    /// The primary span.
    pub fn span(&self) -> Span {
        self.labels.first().map_or(Span::DUMMY, |l| l.span)
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The diagnostic as the JSON object of `--message-format json`.
    pub fn to_json(&self, source: &Source) -> serde_json::Value {
        let label = |l: &Label| {
            let (line, column) = source.line_col(l.span.start as usize);
            serde_json::json!({
                "offset": l.span.start,
                "length": l.span.len(),
                "line": line,
                "column": column,
                "text": l.text,
            })
        };
        serde_json::json!({
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "labels": self.labels.iter().map(label).collect::<Vec<_>>(),
            "help": self.help,
            "fix": self.fix.as_ref().map(|f| serde_json::json!({
                "offset": f.span.start,
                "length": f.span.len(),
                "replacement": f.replacement,
            })),
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Advice => miette::Severity::Advice,
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let help = self.help.as_deref()?;
        Some(Box::new(help))
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().map(|l| {
            let text = (!l.text.is_empty()).then(|| l.text.clone());
            miette::LabeledSpan::new_with_span(text, l.span)
        })))
    }
}

/// A diagnostic paired with its source, as miette renders it.
#[derive(Debug)]
pub struct WithSource<'a> {
    diagnostic: &'a Diagnostic,
    source: miette::NamedSource<String>,
}

impl<'a> WithSource<'a> {
    /// Pairs `diagnostic` with `source`.
    pub fn new(diagnostic: &'a Diagnostic, source: &Source) -> Self {
        WithSource {
            diagnostic,
            source: source.named(),
        }
    }
}

impl fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.diagnostic, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl miette::Diagnostic for WithSource<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        miette::Diagnostic::code(self.diagnostic)
    }
    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(self.diagnostic)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        miette::Diagnostic::help(self.diagnostic)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        miette::Diagnostic::labels(self.diagnostic)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
}

/// Renders diagnostics with miette's graphical handler.
///
/// `colour` picks a colour theme; `width` wraps lines. Tests use no colour and width 80.
pub fn render(source: &Source, diagnostics: &[Diagnostic], colour: bool, width: usize) -> String {
    render_with(source, diagnostics, colour, Some(width))
}

/// The graphical handler every dql diagnostic is drawn with: unicode, coloured or not, wrapped
/// at `width` or (`None`, for a pipe or a file, as rustc does) not wrapped at all.
fn handler(colour: bool, width: Option<usize>) -> miette::GraphicalReportHandler {
    let theme = if colour {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme);
    match width {
        Some(width) => handler.with_width(width),
        None => handler.with_wrap_lines(false),
    }
}

/// Renders any other miette diagnostic (an HTTP, configuration or file error) in the same
/// style as [`render`] draws query diagnostics.
pub fn render_report(
    diagnostic: &dyn miette::Diagnostic,
    colour: bool,
    width: Option<usize>,
) -> String {
    let mut out = String::new();
    if handler(colour, width)
        .render_report(&mut out, diagnostic)
        .is_err()
    {
        out = format!("error: {diagnostic}\n");
    }
    out
}

/// [`render`], with `width: None` for no wrapping (output to a pipe or a file).
pub fn render_with(
    source: &Source,
    diagnostics: &[Diagnostic],
    colour: bool,
    width: Option<usize>,
) -> String {
    let handler = handler(colour, width);
    let mut out = String::new();
    // Each rendering shows its source lines: past a screenful more add nothing but time.
    for diagnostic in diagnostics.iter().take(MAX_RENDERED) {
        // miette cannot draw a label past column 65,535 (it panics): a label on a long line is
        // drawn over a window of that line.
        let clipped = clip_long_lines(diagnostic, source);
        let (diagnostic, source) = match &clipped {
            Some((d, s)) => (d, s),
            None => (diagnostic, source),
        };
        let with_source = WithSource::new(diagnostic, source);
        if handler.render_report(&mut out, &with_source).is_err() {
            // Rendering into a String cannot fail; fall back to the plain message anyway.
            out.push_str(&diagnostic.message);
            out.push('\n');
        }
    }
    if let Some(more) = diagnostics
        .len()
        .checked_sub(MAX_RENDERED)
        .filter(|n| *n > 0)
    {
        out.push_str(&format!("… and {more} more diagnostic(s) not shown\n"));
    }
    out
}

/// Lines longer than this (in bytes) are shown as a window around the labels.
const MAX_SHOWN_LINE: usize = 2_000;

/// Bytes of context kept on each side of the labels in such a window.
const WINDOW_CONTEXT: usize = 120;

/// For a diagnostic whose labels sit on a line longer than [`MAX_SHOWN_LINE`], the same
/// diagnostic over a source holding only a window of that text (`…` marks what was cut; the
/// name says where the window starts). Labels that do not fit one window are dropped from the
/// drawing and named in the message's place instead. `None` when nothing needs clipping.
fn clip_long_lines(diagnostic: &Diagnostic, source: &Source) -> Option<(Diagnostic, Source)> {
    let text = source.text();
    let line_len = |offset: usize| {
        let offset = offset.min(text.len());
        let start = text
            .get(..offset)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        let end = text
            .get(offset..)
            .and_then(|t| t.find('\n'))
            .map_or(text.len(), |i| offset + i);
        end - start
    };
    let long = diagnostic.labels.iter().any(|l| {
        line_len(l.span.start as usize) > MAX_SHOWN_LINE
            || line_len(l.span.end as usize) > MAX_SHOWN_LINE
    });
    if !long {
        return None;
    }
    let first = diagnostic
        .labels
        .iter()
        .map(|l| l.span.start as usize)
        .min()?;
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(first.saturating_sub(WINDOW_CONTEXT));
    let end = floor(first.saturating_add(MAX_SHOWN_LINE / 2).min(text.len()));
    let window = text.get(start..end)?.replace('\n', " ");
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < text.len() { "…" } else { "" };
    let shift = |offset: usize| (offset.saturating_sub(start) + lead.len()) as u32;
    let (line, column) = source.line_col(start);
    let mut clipped = diagnostic.clone();
    clipped.labels = diagnostic
        .labels
        .iter()
        .filter(|l| (l.span.start as usize) >= start && (l.span.end as usize) <= end)
        .map(|l| Label {
            span: Span {
                start: shift(l.span.start as usize),
                end: shift(l.span.end as usize),
            },
            text: l.text.clone(),
        })
        .collect();
    let name = format!(
        "{} (a long line, shown from line {line}, column {column})",
        source.name()
    );
    Some((clipped, Source::new(name, format!("{lead}{window}{tail}"))))
}

/// How many diagnostics [`render`] shows at most.
pub const MAX_RENDERED: usize = 100;

/// All diagnostics of a failed compilation, with their source.
#[derive(Clone, Debug)]
pub struct Diagnostics {
    /// The source the spans point into.
    pub source: Source,
    /// Every diagnostic, errors and warnings, in source order.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Whether any of them is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Renders them all (see [`render`]).
    pub fn render(&self, colour: bool, width: usize) -> String {
        render(&self.source, &self.items, colour, width)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.items.iter().filter(|d| d.is_error()).count();
        write!(f, "{} error(s) in {}", errors, self.source.name())
    }
}

impl std::error::Error for Diagnostics {}
