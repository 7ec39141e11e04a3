//! SQL-style conditions (`x = 1`, `x IN (…)`, `x LIKE '%a'`, `x BETWEEN a AND b`, `x IS NULL`)
//! typed into the same terms as Sentry syntax.

use super::{Code, Typer, WrittenOp, leaf};
use crate::semantic::checked::filter::{
    CompareOp, FilterKey, SearchKeyType, TextOp, TypedFilter, TypedKind, TypedTerm,
};
use crate::semantic::values::like_to_sentry;
use crate::span::Span;
use crate::syntax::ast::{SqlCondition, SqlKind, SqlOp};

impl Typer<'_> {
    pub(super) fn sql(&mut self, c: &SqlCondition, span: Span) -> Option<TypedFilter> {
        let (key, ty) = self.key(&c.key)?;
        match &c.kind {
            SqlKind::Compare(op, operand) => {
                let raw = self.operand(operand)?;
                let (written, text) = match op.node {
                    SqlOp::Eq => (WrittenOp::None, "="),
                    SqlOp::Ne | SqlOp::LtGt => (WrittenOp::Ne, "!="),
                    SqlOp::Lt => (WrittenOp::Compare(CompareOp::Lt), "<"),
                    SqlOp::Le => (WrittenOp::Compare(CompareOp::Le), "<="),
                    SqlOp::Gt => (WrittenOp::Compare(CompareOp::Gt), ">"),
                    SqlOp::Ge => (WrittenOp::Compare(CompareOp::Ge), ">="),
                };
                let (neg, kind) = self.scalar(&key, ty, written, text, raw, true, span)?;
                let term = leaf(key, kind, span);
                if neg { self.negated(term) } else { Some(term) }
            }
            SqlKind::In { negated, items } => {
                if items.is_empty() {
                    self.error(
                        Code::EmptyInList,
                        span,
                        "empty IN list",
                        "write at least one value; Sentry would read `key:[]` as the text `[]`",
                    );
                    return None;
                }
                let raws = items
                    .iter()
                    .map(|o| self.operand(o))
                    .collect::<Option<Vec<_>>>()?;
                let kind = self.list(&key, ty, TextOp::Compare(CompareOp::Eq), raws, span)?;
                let term = leaf(key, kind, span);
                if *negated {
                    self.negated(term)
                } else {
                    Some(term)
                }
            }
            SqlKind::Like { negated, pattern } => {
                let text_like =
                    matches!(ty, None | Some(SearchKeyType::Text | SearchKeyType::Semver))
                        && matches!(key, FilterKey::Field(_));
                if !text_like {
                    self.error(
                        Code::LikeOnNonText,
                        span,
                        "LIKE matches text, and this key is not text",
                        "compare with =, <, > instead",
                    );
                    return None;
                }
                let raw = self.operand(pattern)?;
                let Some(value) = like_to_sentry(&raw.text) else {
                    self.error(
                        Code::BackslashStar,
                        span,
                        "Sentry cannot match this text exactly: a `\\` right before `*` makes the `*` a wildcard or swallows the `\\`",
                        "add `%` around it (`LIKE '%a\\*b%'`): inside a pattern it can be written",
                    );
                    return None;
                };
                let term = leaf(
                    key,
                    TypedKind::Text {
                        op: TextOp::Compare(CompareOp::Eq),
                        value,
                    },
                    span,
                );
                if *negated {
                    self.negated(term)
                } else {
                    Some(term)
                }
            }
            SqlKind::Between { negated, low, high } => {
                let (low, high) = (self.operand(low)?, self.operand(high)?);
                let (lo_op, hi_op) = if *negated {
                    (CompareOp::Lt, CompareOp::Gt)
                } else {
                    (CompareOp::Ge, CompareOp::Le)
                };
                let (_, lo) = self.scalar(
                    &key,
                    ty,
                    WrittenOp::Compare(lo_op),
                    lo_op.as_str(),
                    low,
                    true,
                    span,
                )?;
                let (_, hi) = self.scalar(
                    &key,
                    ty,
                    WrittenOp::Compare(hi_op),
                    hi_op.as_str(),
                    high,
                    true,
                    span,
                )?;
                let items = vec![leaf(key.clone(), lo, span), leaf(key, hi, span)];
                if *negated {
                    TypedFilter::or(items)
                } else {
                    TypedFilter::and(items)
                }
            }
            SqlKind::IsNull { negated, .. } => {
                if !matches!(key, FilterKey::Field(_)) {
                    self.error(
                        Code::NullOnAggregate,
                        span,
                        "IS NULL does not apply to an aggregate",
                        "compare the aggregate with a number",
                    );
                    return None;
                }
                Some(TypedFilter::Term(TypedTerm {
                    negated: !*negated,
                    key,
                    kind: TypedKind::Has,
                    span,
                }))
            }
        }
    }
}
