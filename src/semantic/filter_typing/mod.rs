//! Typing of filters: syntax terms (key, raw operator, raw value) become [`TypedFilter`]s,
//! reading each value with its key's type exactly as Sentry does (`sentry-api.md` §1.4–1.6),
//! SQL-style conditions become the same terms, and NOT is pushed to the leaves (language.md §4).
//!
//! Key types come from a [`KeyTypes`] lookup (the catalog in the checker; the browser parser's
//! default table in the conformance test); parameter values from a [`Params`] lookup. The
//! values themselves are read by `semantic::values`; negation is `negate.rs`, one value or list
//! `scalar.rs`, SQL-style conditions `sql.rs`.

mod negate;
mod scalar;
mod sql;

pub use negate::negate;

use super::checked::filter::{
    AggregateArg, AggregateKey, CompareOp, FilterKey, SearchKeyType, TextOp, TypedFilter,
    TypedKind, TypedTerm,
};
use super::checked::key::{FieldKey, FieldKeyKind};
use crate::diagnostic::Diagnostic;
use crate::registry::FilterCode as Code;
use crate::span::Span;
use crate::syntax::ast::{
    ArgKind, Call, Filter, FilterKind, Key, KeyKind, SearchOp, SearchTerm, SearchValueKind, Term,
    TermKey, TermKind,
};
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// Where typing learns the type of keys and aggregate results.
pub trait KeyTypes {
    /// The type of a field or tag; `None` for a tag or unknown name (read as text, where a
    /// comparison folds into the value with a warning, as in Sentry).
    fn key_type(&self, key: &Key) -> Option<SearchKeyType>;
    /// The result type of an aggregate; `None` when unknown (read as a number).
    fn function_result_type(&self, key: &AggregateKey) -> Option<SearchKeyType>;
    /// Whether the dataset types its attributes, so that help may offer `tags[x,number]`.
    fn types_attributes(&self) -> bool {
        false
    }
}

/// Where typing finds the values of `$name` parameters.
pub trait Params {
    /// The value bound to `name`, if any.
    fn param(&self, name: &str) -> Option<&str>;
}

/// No parameters bound.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoParams;

impl Params for NoParams {
    fn param(&self, _name: &str) -> Option<&str> {
        None
    }
}

impl<S: BuildHasher> Params for HashMap<String, String, S> {
    fn param(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Params for BTreeMap<String, String> {
    fn param(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

/// Types a parsed filter. Returns the typed filter (`None` when nothing valid is left) and every
/// problem found; a term with an error is left out of the result, so the result is only
/// meaningful when no error was reported.
pub fn type_filter(
    filter: &Filter,
    keys: &dyn KeyTypes,
    params: &dyn Params,
) -> (Option<TypedFilter>, Vec<Diagnostic>) {
    let mut typer = Typer {
        keys,
        params,
        diagnostics: Vec::new(),
    };
    let typed = typer.filter(filter);
    (typed, typer.diagnostics)
}

fn leaf(key: FilterKey, kind: TypedKind, span: Span) -> TypedFilter {
    TypedFilter::Term(TypedTerm {
        negated: false,
        key,
        kind,
        span,
    })
}

/// The checked form's key for a written one.
pub fn checked_key(key: &Key) -> FieldKey {
    let kind = match &key.kind {
        KeyKind::Name(name) => FieldKeyKind::Name(name.clone()),
        KeyKind::Quoted(name) => FieldKeyKind::Quoted(name.clone()),
        KeyKind::Explicit { prefix, name, ty } => FieldKeyKind::Explicit {
            prefix: prefix.clone(),
            name: name.clone(),
            ty: ty.clone(),
        },
        KeyKind::ArrayIncludes(inner) => FieldKeyKind::ArrayIncludes(Box::new(checked_key(inner))),
    };
    FieldKey {
        kind,
        span: key.span,
    }
}

/// `tags[x]`, `tags[x,number]`, `flags[x]` as a key.
fn explicit_key_kind(text: &str) -> Option<FieldKeyKind> {
    let (prefix, rest) = text.split_once('[')?;
    let body = rest.strip_suffix(']')?;
    let (name, ty) = match body.split_once(',') {
        Some((n, t)) => (n, Some(t.trim().to_string())),
        None => (body, None),
    };
    (!name.is_empty() && !name.contains(['[', ']'])).then(|| FieldKeyKind::Explicit {
        prefix: prefix.to_string(),
        name: name.to_string(),
        ty,
    })
}

// ---------------------------------------------------------------------------------------------

struct Typer<'k> {
    keys: &'k dyn KeyTypes,
    params: &'k dyn Params,
    diagnostics: Vec<Diagnostic>,
}

/// A value to type, with how it was written.
struct Raw {
    text: String,
    /// Written in double quotes in Sentry syntax (typed keys then refuse it, as Sentry does).
    quoted: bool,
    /// A SQL operand or bound parameter: exact text, never a pattern.
    literal: bool,
}

/// The written operator of a term in a form shared by both styles.
#[derive(Clone, Copy, PartialEq)]
enum WrittenOp {
    None,
    Ne,
    Compare(CompareOp),
    Wildcard(TextOp),
}

impl<'k> Typer<'k> {
    fn error(&mut self, code: Code, span: Span, message: impl Into<String>, help: &str) {
        self.diagnostics
            .push(Diagnostic::error(code, span, message).help(help));
    }

    fn filter(&mut self, f: &Filter) -> Option<TypedFilter> {
        match &f.kind {
            FilterKind::Term(t) => self.term(t),
            FilterKind::And(items) => {
                TypedFilter::and(items.iter().filter_map(|f| self.filter(f)).collect())
            }
            FilterKind::Or(items) => {
                TypedFilter::or(items.iter().filter_map(|f| self.filter(f)).collect())
            }
            FilterKind::Not(inner) => {
                let typed = self.filter(inner)?;
                match negate(typed) {
                    Ok(f) => Some(f),
                    Err(d) => {
                        self.diagnostics.push(*d);
                        None
                    }
                }
            }
        }
    }

    fn bind(&mut self, name: &str, span: Span) -> Option<String> {
        match self.params.param(name) {
            Some(v) => Some(v.to_string()),
            None => {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::UnboundParameter,
                        span,
                        format!("parameter `${name}` has no value"),
                    )
                    .label("unbound")
                    .help(format!("bind it with `--param {name}=…`")),
                );
                None
            }
        }
    }

    fn term(&mut self, t: &Term) -> Option<TypedFilter> {
        match &t.kind {
            TermKind::FreeText(ft) => {
                let text = if ft.param {
                    self.bind(&ft.text, t.span)?
                } else {
                    ft.text.clone()
                };
                Some(leaf(FilterKey::None, TypedKind::FreeText { text }, t.span))
            }
            TermKind::Search(s) => self.search(s, t.span),
            TermKind::Sql(c) => self.sql(c, t.span),
        }
    }

    fn aggregate_key(&mut self, call: &Call) -> Option<AggregateKey> {
        let mut args = Vec::with_capacity(call.args.len());
        for arg in &call.args {
            args.push(match &arg.kind {
                ArgKind::Word(w) => AggregateArg::Value(w.clone()),
                ArgKind::Quoted(q) => AggregateArg::Quoted(q.clone()),
                ArgKind::Key(k) => AggregateArg::Key(checked_key(k)),
                ArgKind::Param(p) => AggregateArg::Value(self.bind(p, arg.span)?),
                ArgKind::Star => AggregateArg::Value("*".to_string()),
                ArgKind::Call(inner) => AggregateArg::Value(inner.name.node.clone()),
            });
        }
        Some(AggregateKey {
            name: call.name.node.clone(),
            args,
        })
    }

    /// The key and its type.
    fn key(&mut self, key: &TermKey) -> Option<(FilterKey, Option<SearchKeyType>)> {
        match key {
            TermKey::Key(k) => Some((FilterKey::Field(checked_key(k)), self.keys.key_type(k))),
            TermKey::Call(c) => {
                let agg = self.aggregate_key(c)?;
                let ty = self
                    .keys
                    .function_result_type(&agg)
                    .or(Some(SearchKeyType::Number));
                Some((FilterKey::Aggregate(agg), ty))
            }
        }
    }

    fn search(&mut self, s: &SearchTerm, span: Span) -> Option<TypedFilter> {
        if let TermKey::Key(Key {
            kind: KeyKind::Name(name),
            ..
        }) = &s.key
            && (name == "has" || name == "is")
        {
            return self.has_or_is(s, name == "has", span);
        }
        let (key, ty) = self.key(&s.key)?;
        let op = match s.op.as_ref().map(|o| o.node) {
            None | Some(SearchOp::Eq) => WrittenOp::None,
            Some(SearchOp::Ne) => WrittenOp::Ne,
            Some(SearchOp::Gt) => WrittenOp::Compare(CompareOp::Gt),
            Some(SearchOp::Ge) => WrittenOp::Compare(CompareOp::Ge),
            Some(SearchOp::Lt) => WrittenOp::Compare(CompareOp::Lt),
            Some(SearchOp::Le) => WrittenOp::Compare(CompareOp::Le),
            Some(SearchOp::Contains) => WrittenOp::Wildcard(TextOp::Contains),
            Some(SearchOp::StartsWith) => WrittenOp::Wildcard(TextOp::StartsWith),
            Some(SearchOp::EndsWith) => WrittenOp::Wildcard(TextOp::EndsWith),
            Some(SearchOp::Matches) => WrittenOp::Wildcard(TextOp::Matches),
        };
        let op_text = match s.op.as_ref().map(|o| o.node) {
            Some(SearchOp::Eq) => "=",
            Some(SearchOp::Gt) => ">",
            Some(SearchOp::Ge) => ">=",
            Some(SearchOp::Lt) => "<",
            Some(SearchOp::Le) => "<=",
            _ => "",
        };
        let (extra_neg, kind) = match &s.value.kind {
            SearchValueKind::List(items) => {
                let mut raws = Vec::with_capacity(items.len());
                for item in items {
                    if item.param {
                        raws.push(Raw {
                            text: self.bind(&item.text, item.span)?,
                            quoted: true,
                            literal: true,
                        });
                    } else {
                        if item.text.is_empty() && !item.quoted {
                            // An empty item has no text: label the separator after it.
                            let at = Span {
                                start: item.span.start,
                                end: item.span.start.saturating_add(1),
                            };
                            self.error(
                                Code::EmptyListItem,
                                at,
                                "lists should not have empty values",
                                "remove the extra comma, or write the value",
                            );
                            return None;
                        }
                        raws.push(Raw {
                            text: item.text.clone(),
                            quoted: item.quoted,
                            literal: false,
                        });
                    }
                }
                let list_op = match op {
                    WrittenOp::Wildcard(w) => w,
                    _ => TextOp::Compare(CompareOp::Eq),
                };
                (
                    op == WrittenOp::Ne,
                    self.list(&key, ty, list_op, raws, span)?,
                )
            }
            SearchValueKind::Text { text, quoted } => {
                let raw = Raw {
                    text: text.clone(),
                    quoted: *quoted,
                    literal: false,
                };
                self.scalar(&key, ty, op, op_text, raw, false, span)?
            }
            SearchValueKind::Param(name) => {
                let raw = Raw {
                    text: self.bind(name, s.value.span)?,
                    quoted: true,
                    literal: true,
                };
                self.scalar(&key, ty, op, op_text, raw, false, span)?
            }
        };
        let term = leaf(key, kind, span);
        if s.negated ^ extra_neg {
            self.negated(term)
        } else {
            Some(term)
        }
    }

    fn negated(&mut self, f: TypedFilter) -> Option<TypedFilter> {
        match negate(f) {
            Ok(f) => Some(f),
            Err(d) => {
                self.diagnostics.push(*d);
                None
            }
        }
    }

    fn has_or_is(&mut self, s: &SearchTerm, has: bool, span: Span) -> Option<TypedFilter> {
        let text = match &s.value.kind {
            SearchValueKind::Text { text, .. } if s.op.is_none() && !text.is_empty() => {
                text.clone()
            }
            SearchValueKind::Param(_) if has => {
                self.error(
                    Code::ParameterAsName,
                    s.value.span,
                    "a parameter cannot stand for a field name",
                    "write the field or tag name",
                );
                return None;
            }
            SearchValueKind::Param(name) => self.bind(name, s.value.span)?,
            _ => {
                let code = if has {
                    Code::InvalidHas
                } else {
                    Code::EmptyValue
                };
                self.error(
                    code,
                    s.value.span,
                    "invalid format for \"has\" search: was expecting a field or tag instead",
                    "write `has:field`",
                );
                return None;
            }
        };
        let kind = if has {
            TypedKind::Has
        } else {
            TypedKind::Is {
                value: text.clone(),
            }
        };
        let key = if has {
            let plain = text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            let explicit = (text.starts_with("tags[") || text.starts_with("flags["))
                && text.ends_with(']')
                && !text
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '"'));
            // A name Sentry's keys cannot hold (`has:"hi there"`) is kept, as Sentry's browser
            // keeps it; lowering refuses it, as Sentry's server does.
            let key_kind = if explicit {
                // `has:tags[x]` is valid Sentry (`has_filter` takes a `search_key`).
                explicit_key_kind(&text).unwrap_or(FieldKeyKind::Name(text))
            } else if plain {
                FieldKeyKind::Name(text)
            } else {
                FieldKeyKind::Quoted(text)
            };
            FilterKey::Field(FieldKey {
                kind: key_kind,
                span: s.value.span,
            })
        } else {
            FilterKey::None
        };
        let term = TypedFilter::Term(TypedTerm {
            negated: s.negated,
            key,
            kind,
            span,
        });
        Some(term)
    }
}
