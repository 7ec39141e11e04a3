//! The plan of a query: which fields to project and which aggregates to keep, and how an
//! aggregate reads one event.

use super::refuse;
use crate::diagnostic::Diagnostic;
use crate::engine::aggregate::{Accumulator, AggregateFn, FinishContext};
use crate::engine::fields::{Projection, Value};
use crate::engine::filter;
use crate::semantic::Catalog;
use crate::semantic::checked::filter::{AggregateArg, AggregateKey};
use crate::semantic::checked::{FunctionArgKind, FunctionCall};
use crate::span::Span;
use std::cmp::Ordering;
use std::collections::HashMap;

/// What an aggregate reads per event.
#[derive(Debug, Clone)]
pub(crate) enum Input {
    /// Nothing (`count()`).
    None,
    /// A projected field.
    Field(usize),
    /// `count_if(field, condition, value)`: the predicate's truth.
    CountIf {
        field: usize,
        condition: String,
        value: String,
    },
}

/// One aggregate to compute per group.
#[derive(Debug, Clone)]
pub(crate) struct AggSpec {
    pub(crate) function: AggregateFn,
    pub(crate) input: Input,
    /// `epm(60)`: the interval given instead of the query range.
    pub(crate) range_override: Option<f64>,
}

/// An argument of an aggregate, whichever way it was written.
enum Arg {
    Field(String),
    Number(f64),
    Text(String),
}

/// Collects the projection and the aggregates of a plan.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    names: Vec<String>,
    index: HashMap<String, usize>,
    pub(crate) aggs: Vec<AggSpec>,
    agg_index: HashMap<String, usize>,
    /// The dataset whose functions apply; a trace-item dataset reads flat rows.
    pub(super) dataset: Option<String>,
}

/// The trace-item datasets the engine reads (flat rows; see [`Projection::flat_rows`]).
pub(crate) fn flat_dataset(dataset: &str) -> bool {
    matches!(dataset, "spans" | "logs")
}

impl Builder {
    /// The projection index of `name`, added when new.
    pub(crate) fn field(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), self.names.len() - 1);
        self.names.len() - 1
    }

    pub(crate) fn projection(&self) -> Projection {
        match self.dataset.as_deref() {
            Some(dataset) if flat_dataset(dataset) => Projection::flat_rows(&self.names),
            _ => Projection::new(&self.names),
        }
    }

    /// Refuses a field the engine cannot read from a payload as Sentry reads it
    /// ([`crate::engine::fields::UNREADABLE`]), rather than answering it blank.
    pub(crate) fn check_readable(&self, span: Span) -> Result<(), Box<Diagnostic>> {
        match self
            .names
            .iter()
            .find(|n| crate::engine::fields::unreadable(n))
        {
            Some(name) => Err(refuse(
                span,
                format!("`{name}` is not in the event payload as Sentry reads it"),
            )),
            None => Ok(()),
        }
    }

    /// The index of the aggregate `call` computes, added when new.
    pub(crate) fn call(
        &mut self,
        call: &FunctionCall,
        span: Span,
    ) -> Result<usize, Box<Diagnostic>> {
        let key = call.canonical();
        if let Some(&i) = self.agg_index.get(&key) {
            return Ok(i);
        }
        let args = call
            .effective_args
            .iter()
            .map(|a| match &a.kind {
                FunctionArgKind::Field(f) => Arg::Field(f.name.clone()),
                FunctionArgKind::Number(n) => Arg::Number(*n),
                FunctionArgKind::Word(w) | FunctionArgKind::Text(w) => Arg::Text(w.clone()),
            })
            .collect();
        let spec = self.spec(&call.name, args, span)?;
        self.aggs.push(spec);
        self.agg_index.insert(key, self.aggs.len() - 1);
        Ok(self.aggs.len() - 1)
    }

    /// The index of the aggregate a HAVING key names, added when new.
    pub(crate) fn key(&mut self, key: &AggregateKey, span: Span) -> Result<usize, Box<Diagnostic>> {
        let canonical = key.to_string();
        if let Some(&i) = self.agg_index.get(&canonical) {
            return Ok(i);
        }
        let name = key.name.to_ascii_lowercase();
        let info = Catalog::builtin().function(&name);
        let mut args = Vec::new();
        for (i, arg) in key.args.iter().enumerate() {
            let spec = info.and_then(|f| f.args.get(i));
            let text = match arg {
                AggregateArg::Value(v) | AggregateArg::Quoted(v) => v.clone(),
                AggregateArg::Key(k) => filter::key_name(k).map_err(|what| {
                    refuse(span, format!("{what} cannot be read by the local engine"))
                })?,
            };
            args.push(match spec.map(|s| &s.kind) {
                Some(k) if k.is_column() => Arg::Field(text),
                Some(crate::semantic::catalog::ArgKind::Number { .. }) => Arg::Number(
                    text.parse()
                        .map_err(|_| refuse(span, format!("`{text}` is not a number")))?,
                ),
                _ => Arg::Text(text),
            });
        }
        // Defaults the checker fills for select items (`p95()` reads transaction.duration).
        if let Some(info) = info {
            for spec in info.args.iter().skip(args.len()) {
                match (&spec.default, &spec.kind) {
                    (Some(d), k) if k.is_column() => args.push(Arg::Field(d.clone())),
                    (Some(d), crate::semantic::catalog::ArgKind::Number { .. }) => {
                        if let Ok(n) = d.parse() {
                            args.push(Arg::Number(n));
                        }
                    }
                    _ => {}
                }
            }
        }
        let spec = self.spec(&name, args, span)?;
        self.aggs.push(spec);
        self.agg_index.insert(canonical, self.aggs.len() - 1);
        Ok(self.aggs.len() - 1)
    }

    fn spec(&mut self, name: &str, args: Vec<Arg>, span: Span) -> Result<AggSpec, Box<Diagnostic>> {
        let catalog = Catalog::builtin();
        let dataset = self.dataset.as_deref().unwrap_or("errors");
        let local = catalog.function_in(dataset, name).is_some_and(|f| {
            f.local
                || f.alias_of
                    .as_deref()
                    .and_then(|a| catalog.function(a))
                    .is_some_and(|a| a.local)
        });
        let number = args.iter().find_map(|a| match a {
            Arg::Number(n) => Some(*n),
            _ => None,
        });
        let function = AggregateFn::named(name, number)
            .filter(|_| local)
            .ok_or_else(|| {
                refuse(
                    span,
                    format!("`{name}()` cannot be computed by the local engine"),
                )
            })?;
        let field = args.iter().find_map(|a| match a {
            Arg::Field(f) => Some(f.clone()),
            _ => None,
        });
        let input = match function {
            AggregateFn::Count | AggregateFn::Epm | AggregateFn::Eps => Input::None,
            AggregateFn::CountIf => {
                let texts: Vec<&str> = args
                    .iter()
                    .filter_map(|a| match a {
                        Arg::Text(t) => Some(t.as_str()),
                        _ => None,
                    })
                    .collect();
                let number_text = number.map(|n| n.to_string());
                let (condition, value) = match (texts.as_slice(), number_text) {
                    ([c, v, ..], _) => ((*c).to_owned(), (*v).to_owned()),
                    ([c], Some(n)) => ((*c).to_owned(), n),
                    _ => {
                        return Err(refuse(
                            span,
                            "`count_if` needs a column, a condition and a value",
                        ));
                    }
                };
                let field = field.ok_or_else(|| refuse(span, "`count_if` needs a column"))?;
                Input::CountIf {
                    field: self.field(&field),
                    condition,
                    value,
                }
            }
            _ => match field.as_deref().or(function.implicit_input()) {
                Some(f) => Input::Field(self.field(f)),
                None => return Err(refuse(span, format!("`{name}()` needs a column"))),
            },
        };
        let range_override = match function {
            AggregateFn::Epm | AggregateFn::Eps => number,
            _ => None,
        };
        Ok(AggSpec {
            function,
            input,
            range_override,
        })
    }
}

impl AggSpec {
    /// Feeds one event to `acc`.
    pub(crate) fn update(&self, acc: &mut Accumulator, values: &[Value<'_>]) {
        match &self.input {
            Input::None => acc.update(&Value::Null),
            Input::Field(i) => acc.update(values.get(*i).unwrap_or(&Value::Null)),
            Input::CountIf {
                field,
                condition,
                value,
            } => {
                let v = values.get(*field).unwrap_or(&Value::Null);
                acc.update(&Value::Bool(count_if_holds(v, condition, value)));
            }
        }
    }

    /// The result of `acc` for a range of `range_seconds`.
    pub(crate) fn finish(&self, acc: &mut Accumulator, range_seconds: f64) -> Value<'static> {
        acc.finish(&FinishContext {
            range_seconds: Some(self.range_override.unwrap_or(range_seconds)),
        })
    }
}

fn count_if_holds(v: &Value<'_>, condition: &str, value: &str) -> bool {
    let ordering = match (v.as_f64(), value.trim().parse::<f64>()) {
        (Some(x), Ok(y)) if !matches!(v, Value::Timestamp(_)) => x.total_cmp(&y),
        _ => match (v, crate::engine::fields::parse_timestamp(value)) {
            (Value::Timestamp(t), Some(u)) => t.cmp(&u),
            _ => v.as_text().as_ref().cmp(value),
        },
    };
    match condition {
        "equals" => ordering == Ordering::Equal,
        "notEquals" => ordering != Ordering::Equal,
        "less" => ordering == Ordering::Less,
        "greater" => ordering == Ordering::Greater,
        "lessOrEquals" => ordering != Ordering::Greater,
        "greaterOrEquals" => ordering != Ordering::Less,
        _ => false,
    }
}

/// Fresh accumulators for `aggs`.
pub(crate) fn new_accs(aggs: &[AggSpec]) -> Vec<Accumulator> {
    aggs.iter().map(|a| Accumulator::new(a.function)).collect()
}

/// Merges accumulator lists position by position.
pub(crate) fn merge_accs(into: &mut [Accumulator], from: Vec<Accumulator>) {
    for (a, b) in into.iter_mut().zip(from) {
        a.merge(b);
    }
}
