//! The entries of the catalog: datasets, fields, issue search keys, functions and their
//! arguments, as the checker, the engine and completion read them.

use super::FieldType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a dataset is queried through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    /// The events endpoints (`/events/`, `/events-stats/`), `dataset=<name>`.
    Events,
    /// The issues endpoint (`/issues/`).
    Issues,
}

/// A dataset that `FROM` may name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dataset {
    /// The name written after `FROM` and sent as `dataset=`.
    pub name: String,
    /// False for datasets whose names pass unchecked (`spans`, `logs`): no field or
    /// function of theirs is in the catalog, and the checker should warn once.
    pub checked: bool,
    /// Which endpoint serves it.
    pub kind: DatasetKind,
    /// The columns `SELECT *` expands to, in order.
    pub default_columns: Vec<String>,
    /// The datasets whose fields and functions this one has too (`discover`).
    pub union_of: Vec<String>,
    /// A trace-item dataset of Sentry's EAP store (`spans`, `logs`, `tracemetrics`,
    /// `uptime_results`, `profile_functions`): its own fields and functions (from
    /// `catalog_trace.toml`), and typed attributes `tags[x,number|string|boolean]`.
    pub trace_items: bool,
    /// Where its facts come from in Sentry's source (trace-item datasets).
    pub source: Option<String>,
}

/// A known field, filter-only search key, or family of fields (`measurements.*`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldInfo {
    /// The field's name; for a family, the prefix followed by `*` (`measurements.*`).
    pub name: String,
    /// The value type (of each element, for an array).
    pub ty: FieldType,
    /// A list value (`error.type`, `stack.*`): `=` matches any element.
    pub array: bool,
    /// The datasets that have it, `discover` included when errors or transactions have it.
    pub datasets: Vec<String>,
    /// May stand bare in a field equation (Sentry's arithmetic allowlist).
    pub in_equations: bool,
    /// A promoted tag (`level`): on a dataset without this field the name is an ordinary
    /// tag, so its absence there is not an error.
    pub promoted_tag: bool,
    /// A text key on which `<`, `<=`, `>`, `>=` compare (`release.version`, `release.build`).
    pub text_operators: bool,
    /// A search key that is not a column (`start`, `project_id`): valid only in filters.
    pub filter_only: bool,
    /// True when this entry is a family matched by prefix, not one name.
    pub pattern: bool,
}

impl FieldInfo {
    /// True when `dataset` has this field.
    pub fn in_dataset(&self, dataset: &str) -> bool {
        self.datasets.iter().any(|name| name == dataset)
    }
}

/// A search key of the issues endpoint (`is:`, `assigned:`, `firstSeen:`), or an
/// `UPDATE issues SET` key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IssueKey {
    /// The key as written.
    pub name: String,
    /// The value type (dates take relative and absolute dates, as on event keys).
    pub ty: FieldType,
    /// The values Sentry accepts, exactly; empty when any value goes.
    pub values: Vec<String>,
    /// The key Sentry rewrites this alias to (`firstSeen` → `first_seen`), if any.
    pub canonical: Option<String>,
}

/// What a filter key resolves to in a dataset; see [`Catalog::search_key`](crate::semantic::Catalog::search_key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchKey<'a> {
    /// An event field or filter-only event key.
    Field(&'a FieldInfo),
    /// A key of the issue search.
    Issue(&'a IssueKey),
}

impl SearchKey<'_> {
    /// The type Sentry's search parser reads the key's values as.
    pub fn ty(self) -> FieldType {
        match self {
            SearchKey::Field(field) => field.ty,
            SearchKey::Issue(key) => key.ty,
        }
    }
}

/// What an argument of a function may be.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ArgKind {
    /// Any column or tag (Sentry's ColumnTagArg); `allowed` narrows it when not empty.
    Column {
        /// Allowed names; an entry ending in `*` is a prefix. Empty: any.
        allowed: Vec<String>,
    },
    /// A numeric column: integer, number, duration, percentage or size field, measurement,
    /// breakdown, or `tags[x,number]` (Sentry's NumericColumn).
    NumericColumn {
        /// Allowed names; an entry ending in `*` is a prefix. Empty: any numeric column.
        allowed: Vec<String>,
    },
    /// A numeric or date column (`min`, `max`).
    NumericOrDateColumn {
        /// Allowed names; an entry ending in `*` is a prefix. Empty: any such column.
        allowed: Vec<String>,
    },
    /// A number literal within inclusive bounds (and below an exclusive one).
    Number {
        /// Smallest allowed value.
        min: Option<f64>,
        /// Largest allowed value.
        max: Option<f64>,
        /// Every value must be less than this (Sentry's `NumberRange` end is exclusive).
        below: Option<f64>,
    },
    /// One of a fixed list of words, matched exactly (`count_if`'s `greater`).
    Word {
        /// The accepted words.
        values: Vec<String>,
    },
    /// Any value, quoted or not (`count_if`'s third argument).
    String,
}

impl ArgKind {
    /// True for the three column kinds.
    pub fn is_column(&self) -> bool {
        matches!(
            self,
            ArgKind::Column { .. }
                | ArgKind::NumericColumn { .. }
                | ArgKind::NumericOrDateColumn { .. }
        )
    }

    /// For a column kind: whether its name list allows `name` (always true for a kind
    /// without a list). False for non-column kinds.
    pub fn allows_name(&self, name: &str) -> bool {
        let allowed = match self {
            ArgKind::Column { allowed }
            | ArgKind::NumericColumn { allowed }
            | ArgKind::NumericOrDateColumn { allowed } => allowed,
            _ => return false,
        };
        allowed.is_empty()
            || allowed.iter().any(|entry| match entry.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix) && name.len() > prefix.len(),
                None => entry == name,
            })
    }

    /// For a column kind: whether a column of type `ty` fits. False for non-column kinds.
    pub fn allows_type(&self, ty: FieldType) -> bool {
        match self {
            ArgKind::Column { .. } => true,
            ArgKind::NumericColumn { .. } => ty.is_numeric(),
            ArgKind::NumericOrDateColumn { .. } => ty.is_numeric() || ty == FieldType::Date,
            _ => false,
        }
    }
}

/// One argument of a function.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArgSpec {
    /// A short name for messages (`column`, `condition`).
    pub name: String,
    /// What it may be.
    pub kind: ArgKind,
    /// May be left out (only trailing arguments are optional).
    pub optional: bool,
    /// The value Sentry uses when it is left out (`transaction.duration` for `p95`).
    pub default: Option<String>,
}

/// The type of a function's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultType {
    /// Always this type.
    Fixed(FieldType),
    /// The type of the column given as the argument at this index ("reflective":
    /// `p95(transaction.duration)` is a duration, `avg(measurements.cls)` a number).
    SameAsArg(usize),
}

/// A function callable in a select list, filter or equation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FunctionInfo {
    /// Lower-case name, as sent to Sentry.
    pub name: String,
    /// Its arguments, in order.
    pub args: Vec<ArgSpec>,
    /// Its result type.
    pub result: ResultType,
    /// An aggregate (every function but `to_other`).
    pub aggregate: bool,
    /// Allowed in an aggregate equation (Sentry's arithmetic allowlist).
    pub in_equations: bool,
    /// The datasets that have it, `discover` included.
    pub datasets: Vec<String>,
    /// The local engine evaluates it.
    pub local: bool,
    /// The function Sentry rewrites it to (`tpm` → `epm`), if any.
    pub alias_of: Option<String>,
}

impl FunctionInfo {
    /// How many arguments must be given.
    pub fn min_args(&self) -> usize {
        self.args.iter().filter(|arg| !arg.optional).count()
    }

    /// How many arguments may be given.
    pub fn max_args(&self) -> usize {
        self.args.len()
    }

    /// True when `dataset` has this function.
    pub fn in_dataset(&self, dataset: &str) -> bool {
        self.datasets.iter().any(|name| name == dataset)
    }
}

/// The `sort` values of the issues endpoint and the names dql accepts for them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IssueSorts {
    /// Sentry's sort names (`date new freq user trends inbox recommended`).
    pub names: Vec<String>,
    /// Friendlier names and what they mean (`lastSeen` → `date`).
    pub aliases: BTreeMap<String, String>,
}
