//! The key of a field term in the checked form: which field, tag or attribute a filter term
//! reads, and how Sentry's syntax writes it. The checked form's own type, so that lowering and
//! the local engine never read the syntax tree (as regex-syntax keeps `hir` apart from `ast`);
//! the filter typer makes it from the written key.

use crate::span::Span;
use serde::Serialize;
use std::fmt;

/// A field or tag a term reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldKey {
    /// Which name, in which form.
    pub kind: FieldKeyKind,
    /// Where the key was written.
    pub span: Span,
}

/// The forms of a [`FieldKey`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum FieldKeyKind {
    /// A bare name: `transaction.duration`, `browser.name`, `a-b`.
    Name(String),
    /// A name Sentry's syntax writes in quotes (`"hi:there"`).
    Quoted(String),
    /// `tags[x]`, `tags[x,number]`, `flags[x]`.
    Explicit {
        /// `tags` or `flags`.
        prefix: String,
        /// The tag name.
        name: String,
        /// The type after the comma (`string`, `number`, `boolean`, `array`), as written.
        ty: Option<String>,
    },
    /// `key[*]`: browser-only array membership (the checker refuses it).
    ArrayIncludes(Box<FieldKey>),
}

impl FieldKey {
    /// The same key with every span set to [`Span::DUMMY`].
    pub(crate) fn clear_spans(&mut self) {
        self.span = Span::DUMMY;
        if let FieldKeyKind::ArrayIncludes(inner) = &mut self.kind {
            inner.clear_spans();
        }
    }
}

/// The key in Sentry's syntax: `name`, `"quoted:name"`, `tags[x]`, `tags[x,number]`, `key[*]`.
impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FieldKeyKind::Name(n) => f.write_str(n),
            FieldKeyKind::Quoted(n) => write!(f, "\"{}\"", n.replace('"', "\\\"")),
            FieldKeyKind::Explicit {
                prefix,
                name,
                ty: None,
            } => write!(f, "{prefix}[{name}]"),
            FieldKeyKind::Explicit {
                prefix,
                name,
                ty: Some(ty),
            } => write!(f, "{prefix}[{name},{ty}]"),
            FieldKeyKind::ArrayIncludes(inner) => write!(f, "{inner}[*]"),
        }
    }
}
