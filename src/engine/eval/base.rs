//! The per-event base filter (time range, dataset, projects, environments) and the field
//! resolution of WHERE and HAVING.

use super::plan::{Builder, flat_dataset};
use super::refuse_unsupported;
use crate::diagnostic::Diagnostic;
use crate::engine::fields::Value;
use crate::engine::filter::{self, Compiled, Resolver, Slot, Unsupported};
use crate::semantic::checked::Projects;
use crate::semantic::checked::filter::{AggregateKey, TypedFilter};
use crate::span::Span;

/// The filter every event passes first: time range, dataset, projects, environments.
#[derive(Debug, Clone)]
pub(crate) struct Base {
    ts: usize,
    start_ms: i64,
    end_ms: i64,
    /// `event.type` and whether transactions are wanted (`None`: both).
    kind: Option<(usize, bool)>,
    projects: Option<(usize, Vec<Value<'static>>)>,
    environments: Option<(usize, Vec<String>)>,
}

impl Base {
    pub(crate) fn new(
        b: &mut Builder,
        dataset: Option<&str>,
        projects: &Projects,
        environments: &[String],
        (start_ms, end_ms): (i64, i64),
    ) -> Base {
        b.dataset = dataset.map(str::to_owned);
        let kind = match dataset {
            Some("errors") => Some((b.field("event.type"), false)),
            Some("transactions") => Some((b.field("event.type"), true)),
            _ => None,
        };
        let projects = match projects {
            Projects::Default | Projects::All => None,
            Projects::Slugs(slugs) => Some((
                b.field("project"),
                slugs.iter().map(|s| Value::Str(s.clone().into())).collect(),
            )),
            Projects::Ids(ids) => Some((
                b.field("project.id"),
                ids.iter()
                    .map(|i| Value::Int(i64::try_from(*i).unwrap_or(i64::MAX)))
                    .collect(),
            )),
        };
        let environments =
            (!environments.is_empty()).then(|| (b.field("environment"), environments.to_vec()));
        Base {
            ts: b.field("timestamp"),
            start_ms,
            end_ms,
            kind,
            projects,
            environments,
        }
    }

    pub(crate) fn passes(&self, values: &[Value<'_>]) -> bool {
        let in_range = matches!(values.get(self.ts), Some(Value::Timestamp(t))
            if *t >= self.start_ms && *t < self.end_ms);
        if !in_range {
            return false;
        }
        if let Some((i, want_transactions)) = self.kind {
            let is_transaction =
                matches!(values.get(i), Some(Value::Str(t)) if t.as_ref() == "transaction");
            if is_transaction != want_transactions {
                return false;
            }
        }
        if let Some((i, wanted)) = &self.projects {
            let v = values.get(*i).unwrap_or(&Value::Null);
            let hit = match v {
                Value::Str(s) => wanted.iter().any(|w| w.as_text() == s.as_ref()),
                other => wanted.iter().any(|w| w == other),
            };
            if !hit {
                return false;
            }
        }
        if let Some((i, wanted)) = &self.environments {
            let v = values.get(*i).map(Value::as_text).unwrap_or_default();
            if !wanted.iter().any(|w| *w == v) {
                return false;
            }
        }
        true
    }

    pub(crate) fn timestamp(&self, values: &[Value<'_>]) -> Option<i64> {
        match values.get(self.ts) {
            Some(Value::Timestamp(t)) => Some(*t),
            _ => None,
        }
    }
}

/// Field resolution for WHERE: any field, projected.
pub(crate) struct WhereResolver<'b> {
    pub(crate) builder: &'b mut Builder,
}

impl Resolver for WhereResolver<'_> {
    fn field(&mut self, name: &str, _span: Span) -> Result<Slot, Unsupported> {
        Ok(Slot::Field(self.builder.field(name)))
    }
    fn searches_message(&self) -> bool {
        !self.builder.dataset.as_deref().is_some_and(flat_dataset)
    }
    fn aggregate(&mut self, key: &AggregateKey, span: Span) -> Result<Slot, Unsupported> {
        Err(Unsupported {
            what: format!("the aggregate condition on `{key}` in a raw-events query"),
            span,
        })
    }
}

/// Field resolution for HAVING: aggregates, and the group fields by their key position.
struct HavingResolver<'b> {
    builder: &'b mut Builder,
    group: &'b [String],
    error: Option<Box<Diagnostic>>,
}

impl Resolver for HavingResolver<'_> {
    fn field(&mut self, name: &str, span: Span) -> Result<Slot, Unsupported> {
        match self.group.iter().position(|g| g == name) {
            Some(i) => Ok(Slot::Field(i)),
            None => Err(Unsupported {
                what: format!("a HAVING condition on `{name}`, which is not a group field,"),
                span,
            }),
        }
    }
    fn aggregate(&mut self, key: &AggregateKey, span: Span) -> Result<Slot, Unsupported> {
        match self.builder.key(key, span) {
            Ok(i) => Ok(Slot::Aggregate(i)),
            Err(d) => {
                let what = format!("`{key}`");
                self.error = Some(d);
                Err(Unsupported { what, span })
            }
        }
    }
}

/// Compiles HAVING (and the aggregate part of WHERE) over group values and aggregates.
pub(crate) fn compile_having(
    having: &TypedFilter,
    builder: &mut Builder,
    group: &[String],
) -> Result<Compiled, Box<Diagnostic>> {
    let mut resolver = HavingResolver {
        builder,
        group,
        error: None,
    };
    let compiled = filter::compile(having, 0, &mut resolver);
    match (compiled, resolver.error) {
        (Ok(c), _) => Ok(c),
        (Err(_), Some(d)) => Err(d),
        (Err(u), None) => Err(refuse_unsupported(u)),
    }
}
