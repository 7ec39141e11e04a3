//! Typed filters: what a WHERE/HAVING filter means once every term has been read with its key's
//! type, SQL-style conditions have become Sentry terms and NOT has been pushed to the leaves.
//!
//! This is what lowering prints back to Sentry syntax (`lower::search`) and what a local engine
//! evaluates. Invariants (established by `semantic::filter_typing`):
//! - there is no NOT node: negation lives on leaves ([`TypedTerm::negated`]);
//! - date terms ([`TypedKind::Date`], [`TypedKind::SpecificDate`], [`TypedKind::RelativeDate`])
//!   are never negated (Sentry cannot negate them; their operator was flipped instead);
//! - [`TypedFilter::And`] / [`TypedFilter::Or`] hold at least two children and never a child of
//!   their own kind;
//! - text values are in Sentry's form: an unescaped `*` is a wildcard, `\*` a literal star, and
//!   every other character (including `"` and `\`) is literal.

use super::key::FieldKey;
use crate::span::Span;
use serde::Serialize;
use std::fmt;

/// The type a key (or an aggregate's result) has for reading filter values, as Sentry decides
/// it (`sentry-api.md` §1.4–1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SearchKeyType {
    /// A known text field: comparisons (`:>`) on it are errors.
    Text,
    /// A text field that Sentry compares as a version (`release.version`, `release.build`).
    Semver,
    /// Numbers with `k`/`m`/`b` suffixes (`2m` = two million).
    Number,
    /// Durations (`2m` = two minutes), normalised to milliseconds; bare numbers are numeric.
    Duration,
    /// Sizes (`10kib`), normalised to bytes; bare numbers are numeric.
    Size,
    /// Percentages (`5%`); bare numbers are numeric.
    Percentage,
    /// Dates: ISO 8601, relative (`-24h`).
    Date,
    /// `true`, `1`, `false`, `0` (any case).
    Boolean,
}

/// A comparison operator of a typed term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CompareOp {
    /// `:` or `:=` (equality; negation is [`TypedTerm::negated`]).
    Eq,
    /// `:>`
    Gt,
    /// `:>=`
    Ge,
    /// `:<`
    Lt,
    /// `:<=`
    Le,
}

impl CompareOp {
    /// The operator that holds exactly when this one does not (Sentry's
    /// `OPERATOR_NEGATION_MAP`); `None` for `Eq`, which is negated with `!`.
    pub fn negated(self) -> Option<CompareOp> {
        match self {
            CompareOp::Eq => None,
            CompareOp::Gt => Some(CompareOp::Le),
            CompareOp::Ge => Some(CompareOp::Lt),
            CompareOp::Lt => Some(CompareOp::Ge),
            CompareOp::Le => Some(CompareOp::Gt),
        }
    }

    /// As written after `key:` (`""` for `Eq`).
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
        }
    }
}

/// How a text value is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TextOp {
    /// Equality, or a wildcard pattern when the value holds an unescaped `*`; also the
    /// comparisons of [`SearchKeyType::Semver`] keys.
    Compare(CompareOp),
    /// `\u{F00D}Contains\u{F00D}`
    Contains,
    /// `\u{F00D}StartsWith\u{F00D}`
    StartsWith,
    /// `\u{F00D}EndsWith\u{F00D}`
    EndsWith,
    /// `\u{F00D}Matches\u{F00D}` (browser-only; the checker refuses it).
    Matches,
}

/// A whole-day or exact-instant date match (`timestamp:2026-11-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SpecificDate {
    /// The whole UTC day `[d 00:00, d+1 00:00)`.
    Day(jiff::civil::Date),
    /// A date-time (Sentry matches a small window around it).
    Instant(jiff::Timestamp),
}

/// The unit of a relative date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RelativeUnit {
    /// `w`
    Weeks,
    /// `d`
    Days,
    /// `h`
    Hours,
    /// `m`
    Minutes,
}

/// `-24h` (within the last 24 hours: `>=` now−24h) or `+24h` (older than that: `<=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct RelativeDate {
    /// `true` for `-` (recent), `false` for `+` (older).
    pub recent: bool,
    /// How many units.
    pub amount: u64,
    /// The unit.
    pub unit: RelativeUnit,
}

/// What a typed term tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypedKind {
    /// Text equality, pattern or (semver) comparison. `value` is in Sentry's form (see module
    /// docs); an empty value means "is empty / missing".
    Text {
        /// How it matches.
        op: TextOp,
        /// The value.
        value: String,
    },
    /// `key:[a, b]`: one of the values (`op` is `Compare(Eq)` or a wildcard operator).
    TextIn {
        /// How each value matches.
        op: TextOp,
        /// The values, in Sentry's form.
        values: Vec<String>,
    },
    /// A number (with `k`/`m`/`b` applied); on a duration key, milliseconds.
    Numeric {
        /// The comparison.
        op: CompareOp,
        /// The number.
        value: f64,
        /// The integer as written, when an `f64` cannot hold it exactly (beyond 2^53:
        /// `issue.id:9007199254740993`): it is sent as written, never rounded.
        #[serde(skip_serializing_if = "Option::is_none")]
        exact: Option<String>,
    },
    /// `key:[1, 2]` on a numeric key (durations in milliseconds, sizes in bytes).
    NumericIn {
        /// The numbers.
        values: Vec<f64>,
        /// Each value as written when an `f64` cannot hold it exactly (see
        /// [`TypedKind::Numeric`]); empty when none needs it, else one per value.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        exact: Vec<Option<String>>,
    },
    /// `key:true`.
    Boolean {
        /// The value.
        value: bool,
    },
    /// `key:>2026-11-01T10:00:00Z` (a date-only value is its midnight, UTC).
    Date {
        /// The comparison (never `Eq` after typing: that is a [`TypedKind::SpecificDate`]).
        op: CompareOp,
        /// The instant.
        instant: jiff::Timestamp,
    },
    /// `key:2026-11-01`.
    SpecificDate {
        /// The day or instant.
        date: SpecificDate,
    },
    /// `key:-24h`.
    RelativeDate {
        /// The offset from "now".
        date: RelativeDate,
    },
    /// A duration, in milliseconds.
    Duration {
        /// The comparison.
        op: CompareOp,
        /// Milliseconds.
        ms: f64,
    },
    /// A size, in bytes.
    Size {
        /// The comparison.
        op: CompareOp,
        /// Bytes.
        bytes: f64,
    },
    /// A percentage as written (`5` for `5%`, i.e. the ratio 0.05).
    Percentage {
        /// The comparison.
        op: CompareOp,
        /// The percentage.
        percent: f64,
    },
    /// `has:key` (negated: `!has:key`); the tested key is [`TypedTerm::key`].
    Has,
    /// `is:value` (issue search only; the checker refuses it elsewhere).
    Is {
        /// The value.
        value: String,
    },
    /// Free text (searched in the message). Never negated.
    FreeText {
        /// The text.
        text: String,
    },
}

/// The key of an aggregate filter: `p95(transaction.duration)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AggregateKey {
    /// The function name as written (printed lower-case).
    pub name: String,
    /// The arguments, parameters bound.
    pub args: Vec<AggregateArg>,
}

/// An argument of an aggregate key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum AggregateArg {
    /// A column, number or enumerated word, or a quoted string — unescaped; quoted on printing
    /// when the aggregate-argument context needs it.
    Value(String),
    /// A `"…"` argument — unescaped; printed in quotes again, because Sentry keeps the
    /// spelling of a key as written (it echoes it back as the column name).
    Quoted(String),
    /// `tags[x]`, `tags[x,number]` (printed as written, never quoted).
    Key(FieldKey),
}

impl fmt::Display for AggregateKey {
    /// The canonical function string `name(arg1,arg2)` (lower-case name, no spaces), with
    /// arguments quoted as language.md §11 says. An argument that cannot be expressed is
    /// printed anyway; `lower::search` refuses it before printing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name.to_ascii_lowercase())?;
        for (idx, arg) in self.args.iter().enumerate() {
            if idx > 0 {
                f.write_str(",")?;
            }
            match arg {
                AggregateArg::Value(v) => {
                    f.write_str(&crate::syntax::quote::aggregate_arg_unchecked(v))?
                }
                AggregateArg::Quoted(v) => {
                    write!(f, "\"{}\"", v.replace('"', "\\\""))?;
                }
                AggregateArg::Key(k) => write!(f, "{k}")?,
            }
        }
        f.write_str(")")
    }
}

/// What a term's key is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FilterKey {
    /// A field or tag.
    Field(FieldKey),
    /// An aggregate (HAVING).
    Aggregate(AggregateKey),
    /// No key: free text and `is:`.
    None,
}

/// One typed condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypedTerm {
    /// Negated with `!` (never for date kinds and free text).
    pub negated: bool,
    /// The key.
    pub key: FilterKey,
    /// What it tests.
    pub kind: TypedKind,
    /// The source it came from (derived terms share their origin's span).
    pub span: Span,
}

/// A typed filter: an AND/OR tree of typed terms, NOT already pushed down.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypedFilter {
    /// One condition.
    Term(TypedTerm),
    /// All of these (at least two, none an `And`).
    And(Vec<TypedFilter>),
    /// Any of these (at least two, none an `Or`).
    Or(Vec<TypedFilter>),
}

impl TypedFilter {
    /// All of `items`, flattened; a single item is returned as is. `None` when empty.
    pub fn and(items: Vec<TypedFilter>) -> Option<TypedFilter> {
        Self::join(items, false)
    }

    /// Any of `items`, flattened; a single item is returned as is. `None` when empty.
    pub fn or(items: Vec<TypedFilter>) -> Option<TypedFilter> {
        Self::join(items, true)
    }

    fn join(items: Vec<TypedFilter>, or: bool) -> Option<TypedFilter> {
        let mut flat = Vec::with_capacity(items.len());
        for item in items {
            match item {
                TypedFilter::Or(inner) if or => flat.extend(inner),
                TypedFilter::And(inner) if !or => flat.extend(inner),
                other => flat.push(other),
            }
        }
        if flat.len() <= 1 {
            return flat.pop();
        }
        Some(if or {
            TypedFilter::Or(flat)
        } else {
            TypedFilter::And(flat)
        })
    }

    /// The leaves, left to right.
    pub fn terms(&self) -> Vec<&TypedTerm> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a TypedTerm>) {
        match self {
            TypedFilter::Term(t) => out.push(t),
            TypedFilter::And(v) | TypedFilter::Or(v) => v.iter().for_each(|f| f.collect(out)),
        }
    }

    /// The same filter with every span (terms and keys) set to [`Span::DUMMY`], for comparing
    /// filters read from different text.
    #[must_use]
    pub fn without_spans(mut self) -> TypedFilter {
        self.clear_spans();
        self
    }

    fn clear_spans(&mut self) {
        match self {
            TypedFilter::Term(t) => {
                t.span = Span::DUMMY;
                match &mut t.key {
                    FilterKey::Field(k) => k.clear_spans(),
                    FilterKey::Aggregate(a) => a.args.iter_mut().for_each(|arg| {
                        if let AggregateArg::Key(k) = arg {
                            k.clear_spans();
                        }
                    }),
                    FilterKey::None => {}
                }
            }
            TypedFilter::And(v) | TypedFilter::Or(v) => {
                v.iter_mut().for_each(TypedFilter::clear_spans)
            }
        }
    }
}
