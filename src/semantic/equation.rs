//! Select-list arithmetic: building Sentry equations and their rules (allowlists, no mixing
//! of fields and functions, at most 10 operators, no literal `/ 0`, unary minus on numbers).

use super::checked::{ColumnValue, Equation, EquationOp};
use super::context::Cx;
use super::functions::{self, param_as_name};
use super::names;
use crate::registry::SemanticCode;
use crate::span::Span;
use crate::syntax::ast::{BinOp, Expr, ExprKind};

/// Sentry's limit on operators in one equation.
const MAX_OPERATORS: usize = 10;

/// Fields that may mix with functions (Sentry's exception).
const MIXABLE_FIELDS: &[&str] = &["total.count", "total.transaction_duration"];

/// An alias defined earlier in the select list, usable in arithmetic.
pub(crate) struct Alias {
    pub(crate) name: String,
    pub(crate) value: ColumnValue,
}

struct Builder<'x, 'a> {
    cx: &'x mut Cx<'a>,
    aliases: &'x [Alias],
    operators: usize,
    fields: Vec<(String, Span)>,
    functions: Vec<Span>,
    failed: bool,
}

/// Builds and checks the equation of a select item (or ORDER BY key) written as arithmetic.
pub(crate) fn check(cx: &mut Cx<'_>, expr: &Expr, aliases: &[Alias]) -> Option<Equation> {
    let mut b = Builder {
        cx,
        aliases,
        operators: 0,
        fields: Vec::new(),
        functions: Vec::new(),
        failed: false,
    };
    let equation = b.go(expr);
    if b.operators > MAX_OPERATORS {
        let n = b.operators;
        b.cx.error(
            SemanticCode::TooManyOperators,
            expr.span,
            format!("this equation has {n} operators; Sentry allows at most {MAX_OPERATORS}"),
        )
        .label("too many operators")
        .help("split it into several select items");
        b.failed = true;
    }
    let mixable = |name: &str| MIXABLE_FIELDS.contains(&name);
    if let (Some(field), Some(function)) = (
        b.fields.iter().find(|(name, _)| !mixable(name)),
        b.functions.first(),
    ) {
        let (name, span) = field.clone();
        let function = *function;
        b.cx.error(
            SemanticCode::MixedEquation,
            span,
            "an equation cannot mix fields and functions",
        )
        .label(format!("the field `{name}`"))
        .with_label(function, "a function")
        .help(format!(
            "aggregate the field (`avg({name})`) or select it as its own column"
        ));
        b.failed = true;
    }
    if b.fields.is_empty() && b.functions.is_empty() && !b.failed {
        b.cx.error(
            SemanticCode::ConstantEquation,
            expr.span,
            "this item has no field or function",
        )
        .label("only numbers")
        .help("Sentry's equations need a field or function, such as `count() * 2`");
        b.failed = true;
    }
    if b.failed { None } else { equation }
}

impl Builder<'_, '_> {
    fn go(&mut self, expr: &Expr) -> Option<Equation> {
        match &expr.kind {
            ExprKind::Number(n) => Some(Equation::Number(n.clone())),
            ExprKind::Neg(inner) => match &inner.kind {
                ExprKind::Number(n) => Some(Equation::Number(format!("-{n}"))),
                _ => {
                    self.go(inner);
                    self.cx
                        .error(
                            SemanticCode::UnaryMinus,
                            expr.span,
                            "unary minus applies only to a number",
                        )
                        .label("minus before a non-number")
                        .help("multiply by `-1` instead: `-1 * x`");
                    self.failed = true;
                    None
                }
            },
            ExprKind::Binary(left, op, right) => {
                self.operators += 1;
                let l = self.go(left);
                let r = self.go(right);
                if *op == BinOp::Div
                    && let ExprKind::Number(n) = &right.kind
                    && n.parse::<f64>().is_ok_and(|v| v == 0.0)
                {
                    self.cx
                        .error(SemanticCode::DivisionByZero, right.span, "division by zero")
                        .label("a literal zero")
                        .help(
                            "Sentry refuses `/ 0`; a division by a zero-valued column gives null",
                        );
                    self.failed = true;
                }
                let op = match op {
                    BinOp::Add => EquationOp::Add,
                    BinOp::Sub => EquationOp::Sub,
                    BinOp::Mul => EquationOp::Mul,
                    BinOp::Div => EquationOp::Div,
                };
                Some(Equation::Binary(Box::new(l?), op, Box::new(r?)))
            }
            ExprKind::Call(call) => {
                let Some(function) = functions::check_call(self.cx, call) else {
                    self.failed = true;
                    return None;
                };
                self.functions.push(call.span);
                let allowed = self
                    .cx
                    .catalog
                    .function(&function.name)
                    .is_none_or(|f| f.in_equations);
                if !allowed && self.cx.checked {
                    self.cx
                        .error(
                            SemanticCode::NotInEquations,
                            call.span,
                            format!("`{}` is not allowed in Sentry's arithmetic", function.name),
                        )
                        .label("not in the equation allowlist")
                        .help("select it as its own column instead");
                    self.failed = true;
                    return None;
                }
                Some(Equation::Function(function))
            }
            ExprKind::Field(key) => {
                if let Some(name) = names::plain_name(key)
                    && let Some(alias) = self.aliases.iter().find(|a| a.name == name)
                {
                    return match &alias.value {
                        ColumnValue::Function(call) => {
                            self.functions.push(key.span);
                            Some(Equation::Function(call.clone()))
                        }
                        ColumnValue::Equation(eq) => {
                            if eq.is_aggregate() {
                                self.functions.push(key.span);
                            } else {
                                self.fields.push((name.to_string(), key.span));
                            }
                            Some(eq.clone())
                        }
                        ColumnValue::Field(field) => self.field(field.clone(), key.span),
                    };
                }
                let Some(field) = names::resolve_column(self.cx, key) else {
                    self.failed = true;
                    return None;
                };
                self.field(field, key.span)
            }
            ExprKind::Param(name) => {
                param_as_name(self.cx, name, expr.span, "a field or function");
                self.failed = true;
                None
            }
            ExprKind::Star => {
                self.cx
                    .error(
                        SemanticCode::StarNotAllowed,
                        expr.span,
                        "`*` cannot be used in arithmetic",
                    )
                    .label("`*` here")
                    .help("`*` stands alone in the select list; multiply with spaces around `*`");
                self.failed = true;
                None
            }
        }
    }

    fn field(&mut self, field: super::checked::FieldRef, span: Span) -> Option<Equation> {
        self.fields.push((field.name.clone(), span));
        let allowed = self
            .cx
            .catalog
            .lookup_field(&field.name)
            .is_some_and(|f| f.in_equations);
        if self.cx.checked && !allowed {
            self.cx
                .error(
                    SemanticCode::NotInEquations,
                    span,
                    format!("`{}` is not allowed in Sentry's arithmetic", field.name),
                )
                .label("not in the equation allowlist")
                .help("field equations take `transaction.duration`, `measurements.*`, `spans.*` and `total.*`");
            self.failed = true;
            return None;
        }
        Some(Equation::Field(field))
    }
}
