//! Column values, equations and sort keys, compiled.

use super::plan::Builder;
use super::refuse;
use crate::diagnostic::Diagnostic;
use crate::engine::fields::Value;
use crate::result::Meta;
use crate::semantic::checked::{ColumnValue, Equation, EquationOp};
use crate::semantic::field_type::FieldType;
use crate::span::Span;
use std::cmp::Ordering;

/// Arithmetic over aggregates or fields.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Number(f64),
    Field(usize),
    Aggregate(usize),
    Binary(Box<Expr>, EquationOp, Box<Expr>),
}

impl Expr {
    pub(crate) fn eval(&self, fields: &[Value<'_>], aggs: &[Value<'_>]) -> Option<f64> {
        match self {
            Expr::Number(n) => Some(*n),
            Expr::Field(i) => fields.get(*i).and_then(number),
            Expr::Aggregate(i) => aggs.get(*i).and_then(number),
            Expr::Binary(l, op, r) => {
                let (a, b) = (l.eval(fields, aggs)?, r.eval(fields, aggs)?);
                match op {
                    EquationOp::Add => Some(a + b),
                    EquationOp::Sub => Some(a - b),
                    EquationOp::Mul => Some(a * b),
                    EquationOp::Div if b == 0.0 => None,
                    EquationOp::Div => Some(a / b),
                }
            }
        }
    }
}

fn number(v: &Value<'_>) -> Option<f64> {
    match v {
        Value::Str(s) => s.trim().parse().ok(),
        other => other.as_f64(),
    }
}

/// What a column or sort key computes, compiled.
#[derive(Debug, Clone)]
pub(crate) enum ColExpr {
    /// A value of the row's fields (projection or group key).
    Field(usize),
    /// An aggregate.
    Aggregate(usize),
    /// An equation.
    Equation(Expr),
}

impl ColExpr {
    pub(crate) fn value(&self, fields: &[Value<'_>], aggs: &[Value<'_>]) -> Value<'static> {
        match self {
            ColExpr::Field(i) => fields
                .get(*i)
                .cloned()
                .map_or(Value::Null, Value::into_owned),
            ColExpr::Aggregate(i) => aggs.get(*i).cloned().map_or(Value::Null, Value::into_owned),
            ColExpr::Equation(e) => e.eval(fields, aggs).map_or(Value::Null, |v| {
                Value::Float(crate::engine::aggregate::tidy(v))
            }),
        }
    }
}

/// Resolves a plain field to its position in a row's field values.
pub(crate) type FieldPosition<'f> =
    dyn FnMut(&mut Builder, &str) -> Result<usize, Box<Diagnostic>> + 'f;

/// Compiles a column value; `field` resolves a plain field to its position.
pub(crate) fn compile_value(
    value: &ColumnValue,
    span: Span,
    builder: &mut Builder,
    field: &mut FieldPosition<'_>,
) -> Result<ColExpr, Box<Diagnostic>> {
    Ok(match value {
        ColumnValue::Field(f) => ColExpr::Field(field(builder, &f.name)?),
        ColumnValue::Function(c) if c.aggregate => ColExpr::Aggregate(builder.call(c, span)?),
        ColumnValue::Function(c) => {
            return Err(refuse(
                span,
                format!("`{}` cannot be computed by the local engine", c.canonical()),
            ));
        }
        ColumnValue::Equation(e) => ColExpr::Equation(compile_equation(e, span, builder, field)?),
    })
}

fn compile_equation(
    e: &Equation,
    span: Span,
    builder: &mut Builder,
    field: &mut FieldPosition<'_>,
) -> Result<Expr, Box<Diagnostic>> {
    Ok(match e {
        Equation::Number(n) => Expr::Number(
            n.parse()
                .map_err(|_| refuse(span, format!("`{n}` is not a number")))?,
        ),
        Equation::Function(c) => Expr::Aggregate(builder.call(c, span)?),
        Equation::Field(f) => Expr::Field(field(builder, &f.name)?),
        Equation::Binary(l, op, r) => Expr::Binary(
            Box::new(compile_equation(l, span, builder, field)?),
            *op,
            Box::new(compile_equation(r, span, builder, field)?),
        ),
    })
}

/// Compares sort values: missing last either way, `descending` reverses the rest.
pub(crate) fn compare_keys(a: &[Value<'_>], b: &[Value<'_>], descending: &[bool]) -> Ordering {
    for ((x, y), desc) in a
        .iter()
        .zip(b)
        .zip(descending.iter().chain(std::iter::repeat(&false)))
    {
        let ordering = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) if *desc => y.cmp(x),
            (false, false) => x.cmp(y),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// `meta.fields` / `meta.units` entries of a column type (tags are strings).
pub(crate) fn add_meta(meta: &mut Meta, key: &str, ty: Option<FieldType>) {
    let ty = ty.unwrap_or(FieldType::String);
    meta.fields
        .insert(key.to_owned(), ty.meta_type().to_owned());
    meta.units
        .insert(key.to_owned(), ty.meta_unit().map(str::to_owned));
}
