//! The catalog of datasets, fields and functions that queries are checked against.
//!
//! The facts live in `catalog.toml` beside this file (data, not code paths), compiled in and
//! parsed once by [`Catalog::builtin`]. [`Catalog::from_toml`] reads the same format, so a
//! test or a future `--catalog` option can supply another one.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use crate::semantic::types::{DurationUnit, FieldType, RateUnit, SizeUnit};

/// The text of the built-in catalog.
const BUILTIN_TOML: &str = include_str!("catalog.toml");
/// The text of the built-in catalog of the trace-item datasets (spans, logs, …).
const TRACE_TOML: &str = include_str!("catalog_trace.toml");

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

/// What a filter key resolves to in a dataset; see [`Catalog::search_key`].
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

crate::codes! {
    /// Codes of the live catalog (`dql::catalog::*`), produced only when an organization's
    /// attributes are cached (`dql catalog pull`).
    pub enum LiveCatalogCode in "catalog" {
        /// `SELECT span.opp FROM spans` with the org's spans attributes cached
        UnknownAttribute = "unknown_attribute" : "a name is neither a built-in field nor one of the organization's cached attributes",
    }
}

/// The built-in data could not be read; a bug in `catalog.toml` or a supplied catalog.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum CatalogError {
    /// The text is not valid TOML of the catalog's shape.
    #[error("the catalog is not valid: {0}")]
    #[diagnostic(
        code(dql::catalog::parse),
        help("compare it with src/semantic/catalog.toml, whose header explains every key")
    )]
    Parse(String),
    /// The text parses but names something it does not define, or holds a bad type.
    #[error("the catalog is inconsistent: {0}")]
    #[diagnostic(
        code(dql::catalog::invalid),
        help("fix the entry named in the message in the catalog file")
    )]
    Invalid(String),
}

/// Datasets, fields, search keys and functions, with lookups for the checker, the local
/// engine and completion.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Catalog {
    datasets: Vec<Dataset>,
    fields: BTreeMap<String, FieldInfo>,
    patterns: Vec<FieldInfo>,
    issue_search_keys: BTreeMap<String, IssueKey>,
    issue_update_keys: BTreeMap<String, IssueKey>,
    issue_sorts: IssueSorts,
    functions: BTreeMap<String, FunctionInfo>,
    /// The fields and functions of each trace-item dataset, by dataset name.
    trace: BTreeMap<String, TraceDataset>,
    /// The attributes an organization really has, per trace-item dataset, from the live
    /// catalog (`dql catalog pull`); see [`Catalog::add_org_attributes`].
    org: BTreeMap<String, BTreeMap<String, FieldInfo>>,
}

/// One attribute of an organization, as `/trace-items/attributes/` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgAttribute {
    /// The name to write (`device.class`, `Batch Size`).
    pub name: String,
    /// The key Sentry uses (`device.class`, `tags[Batch Size,number]`).
    pub key: String,
    /// `string`, `number` or `boolean`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Where it comes from (`sentry`, `user`).
    pub source: String,
}

/// The fields and functions of one trace-item dataset.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct TraceDataset {
    fields: BTreeMap<String, FieldInfo>,
    functions: BTreeMap<String, FunctionInfo>,
}

impl Catalog {
    /// The built-in catalog, parsed once. A unit test proves the built-in data is valid;
    /// were it not, this would be an empty catalog rather than a panic.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| Catalog::builtin_parts().unwrap_or_default())
    }

    /// Parses the two built-in files into one catalog.
    fn builtin_parts() -> Result<Catalog, CatalogError> {
        let mut catalog = Catalog::from_toml(BUILTIN_TOML)?;
        catalog.add_trace_items(TRACE_TOML)?;
        Ok(catalog)
    }

    /// Adds trace-item datasets in the format of `catalog_trace.toml` (each dataset with
    /// its own fields and functions); a dataset already known is an error.
    pub fn add_trace_items(&mut self, text: &str) -> Result<(), CatalogError> {
        let raw: raw::TraceCatalog =
            toml::from_str(text).map_err(|err| CatalogError::Parse(err.to_string()))?;
        raw.add_to(self)
    }

    /// Adds an organization's attributes of a trace-item dataset (the live catalog): each
    /// becomes a field of that type unless the dataset already has the name, so that did-you-mean
    /// covers both and a typed attribute types its uses. Returns how many were added.
    pub fn add_org_attributes(&mut self, dataset: &str, attributes: &[OrgAttribute]) -> usize {
        let Some(trace) = self.trace.get(dataset) else {
            return 0;
        };
        let mut added = BTreeMap::new();
        for attribute in attributes {
            let ty = match attribute.ty.as_str() {
                "number" => FieldType::Number,
                "boolean" => FieldType::Boolean,
                _ => FieldType::String,
            };
            // A user attribute shares its name with a typed key (`tags[Batch Size,number]`):
            // it is written as that key.
            let name = match attribute.key.starts_with("tags[") {
                true => attribute.key.clone(),
                false => attribute.name.clone(),
            };
            if trace.fields.contains_key(&name) {
                continue;
            }
            added.insert(
                name.clone(),
                FieldInfo {
                    name,
                    ty,
                    array: false,
                    datasets: vec![dataset.to_owned()],
                    in_equations: false,
                    promoted_tag: false,
                    text_operators: false,
                    filter_only: false,
                    pattern: false,
                },
            );
        }
        let n = added.len();
        self.org
            .entry(dataset.to_owned())
            .or_default()
            .extend(added);
        n
    }

    /// True when the live catalog of `dataset` is loaded: a name neither built in nor the
    /// organization's is then worth a warning.
    pub fn has_org_attributes(&self, dataset: &str) -> bool {
        self.org.contains_key(dataset)
    }

    /// The organization's attributes of `dataset` (the live catalog), in name order.
    pub fn org_attributes(&self, dataset: &str) -> Vec<&FieldInfo> {
        self.org
            .get(dataset)
            .map(|attrs| attrs.values().collect())
            .unwrap_or_default()
    }

    /// True when `dataset` is a trace-item dataset (`spans`, `logs`, `tracemetrics`,
    /// `uptime_results`, `profile_functions`).
    pub fn is_trace_items(&self, dataset: &str) -> bool {
        self.dataset(dataset).is_some_and(|d| d.trace_items)
    }

    /// The function `name` as `dataset` defines it (case-insensitive): a trace-item
    /// dataset's own definition, else the shared one. `None` when a trace-item dataset
    /// lacks it.
    pub fn function_in(&self, dataset: &str, name: &str) -> Option<&FunctionInfo> {
        match self.trace.get(dataset) {
            Some(trace) => trace.functions.get(&name.to_ascii_lowercase()),
            None => self.function(name),
        }
    }

    /// The function names of `dataset` (every shared one outside the trace-item
    /// datasets), lower-case, in name order.
    pub fn function_names_in(&self, dataset: &str) -> Vec<&str> {
        match self.trace.get(dataset) {
            Some(trace) => trace.functions.keys().map(String::as_str).collect(),
            None => self.function_names(),
        }
    }

    /// The functions of `dataset` (see [`Catalog::function_names_in`]), in name order.
    pub fn functions_in(&self, dataset: &str) -> Vec<&FunctionInfo> {
        match self.trace.get(dataset) {
            Some(trace) => trace.functions.values().collect(),
            None => self
                .functions
                .values()
                .filter(|f| f.in_dataset(dataset))
                .collect(),
        }
    }

    /// The fields of `dataset` in name order (named columns only; families and
    /// filter-only keys left out).
    pub fn fields_in(&self, dataset: &str) -> Vec<&FieldInfo> {
        match self.trace.get(dataset) {
            Some(trace) => trace.fields.values().filter(|f| !f.filter_only).collect(),
            None => self
                .fields
                .values()
                .filter(|field| !field.filter_only && field.in_dataset(dataset))
                .collect(),
        }
    }

    /// The datasets that have the function `name`, in name order.
    pub fn datasets_having_function(&self, name: &str) -> Vec<&str> {
        self.datasets
            .iter()
            .filter(|d| {
                self.function_in(&d.name, name)
                    .is_some_and(|f| f.in_dataset(&d.name))
            })
            .map(|d| d.name.as_str())
            .collect()
    }

    /// Reads a catalog in the format of `catalog.toml` and checks that it is consistent.
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        let raw: raw::Catalog =
            toml::from_str(text).map_err(|err| CatalogError::Parse(err.to_string()))?;
        raw.build()
    }

    /// Every dataset, in name order.
    pub fn datasets(&self) -> &[Dataset] {
        &self.datasets
    }

    /// The dataset called `name` (case-sensitive), if known.
    pub fn dataset(&self, name: &str) -> Option<&Dataset> {
        self.datasets.iter().find(|dataset| dataset.name == name)
    }

    /// Whether `dataset` types its attributes (`tags[x,number]` is valid there); false for
    /// unknown datasets.
    pub fn types_attributes(&self, dataset: &str) -> bool {
        self.is_trace_items(dataset)
    }

    /// The names of every dataset, for did-you-mean and lists of valid values.
    pub fn dataset_names(&self) -> Vec<&str> {
        self.datasets
            .iter()
            .map(|dataset| dataset.name.as_str())
            .collect()
    }

    /// The column `name` of `dataset`: a known field, else a family it belongs to
    /// (`measurements.custom` → `measurements.*`, typed number). `None` when the dataset
    /// lacks it, when it is a filter-only key, or when the dataset is unchecked — the
    /// name is then a tag, or (see [`Catalog::datasets_having_field`]) another dataset's.
    pub fn field(&self, dataset: &str, name: &str) -> Option<&FieldInfo> {
        if let Some(trace) = self.trace.get(dataset) {
            return self
                .trace_key(trace, dataset, name)
                .filter(|field| !field.filter_only);
        }
        self.lookup_field(name)
            .filter(|field| !field.filter_only && field.in_dataset(dataset))
    }

    /// A field or filter-only key of a trace-item dataset, else one of the organization's
    /// cached attributes.
    fn trace_key<'c>(
        &'c self,
        trace: &'c TraceDataset,
        dataset: &str,
        name: &str,
    ) -> Option<&'c FieldInfo> {
        trace
            .fields
            .get(name)
            .or_else(|| self.org.get(dataset)?.get(name))
    }

    /// The field or family `name` belongs to, in whichever dataset (filter-only keys too).
    pub fn lookup_field(&self, name: &str) -> Option<&FieldInfo> {
        if let Some(field) = self.fields.get(name) {
            return Some(field);
        }
        self.patterns.iter().find(|pattern| {
            let prefix = pattern.name.trim_end_matches('*');
            name.strip_prefix(prefix).is_some_and(is_family_suffix)
        })
    }

    /// The datasets in which `name` is a column, in name order (empty for tags).
    pub fn datasets_having_field(&self, name: &str) -> Vec<&str> {
        let shared = self.lookup_field(name).filter(|field| !field.filter_only);
        self.datasets
            .iter()
            .filter(|dataset| match self.trace.get(&dataset.name) {
                Some(trace) => trace.fields.get(name).is_some_and(|f| !f.filter_only),
                None => shared.is_some_and(|field| field.in_dataset(&dataset.name)),
            })
            .map(|dataset| dataset.name.as_str())
            .collect()
    }

    /// The named columns of `dataset` in name order, for completion and did-you-mean
    /// (families and filter-only keys left out).
    pub fn field_names(&self, dataset: &str) -> Vec<&str> {
        if let Some(trace) = self.trace.get(dataset) {
            let org = self.org.get(dataset).into_iter().flat_map(|a| a.keys());
            let own = trace
                .fields
                .values()
                .filter(|field| !field.filter_only)
                .map(|field| &field.name);
            let mut names: Vec<&str> = own.chain(org).map(String::as_str).collect();
            names.sort_unstable();
            return names;
        }
        self.fields
            .values()
            .filter(|field| !field.filter_only && field.in_dataset(dataset))
            .map(|field| field.name.as_str())
            .collect()
    }

    /// What the filter key `key` is in `dataset`. Issues: an issue search key, else the
    /// errors dataset's key (Sentry runs the rest on the issue's events). Event datasets: a
    /// field or filter-only key of that dataset. `None` for tags, unknown names and
    /// unchecked datasets.
    pub fn search_key(&self, dataset: &str, key: &str) -> Option<SearchKey<'_>> {
        let kind = self.dataset(dataset).filter(|d| d.checked)?.kind;
        if let Some(trace) = self.trace.get(dataset) {
            return self.trace_key(trace, dataset, key).map(SearchKey::Field);
        }
        let events_dataset = match kind {
            DatasetKind::Issues => {
                if let Some(issue_key) = self.issue_search_keys.get(key) {
                    return Some(SearchKey::Issue(issue_key));
                }
                "errors"
            }
            DatasetKind::Events => dataset,
        };
        self.lookup_field(key)
            .filter(|field| field.in_dataset(events_dataset))
            .map(SearchKey::Field)
    }

    /// The type Sentry's search parser gives `key`'s values in `dataset` (§1.6): dates,
    /// booleans, numbers, durations, sizes, or text. `tags[x,number]` is a number.
    /// `None` means a tag or unknown name: plain text.
    pub fn search_key_type(&self, dataset: &str, key: &str) -> Option<FieldType> {
        if let Some(inner) = key
            .strip_prefix("tags[")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            let ty = inner.rsplit_once(',').map(|(_, ty)| ty.trim());
            return match ty {
                Some("number") => Some(FieldType::Number),
                // Typed booleans exist only on the trace-item datasets (their attributes
                // are stored typed; sentry-api-2026.md §1 and §3).
                Some("boolean") if self.is_trace_items(dataset) => Some(FieldType::Boolean),
                _ => None,
            };
        }
        self.search_key(dataset, key).map(SearchKey::ty)
    }

    /// True when `key` belongs only to the issue search (`is`, `assigned`, `bookmarks`, …)
    /// and so is an error outside `FROM issues`.
    pub fn is_issue_search_key(&self, key: &str) -> bool {
        self.issue_search_keys.contains_key(key)
            && self
                .lookup_field(key)
                .is_none_or(|field| !field.in_dataset("errors"))
    }

    /// The issue search key `key`, if any.
    pub fn issue_search_key(&self, key: &str) -> Option<&IssueKey> {
        self.issue_search_keys.get(key)
    }

    /// Every issue search key, in name order.
    pub fn issue_search_keys(&self) -> impl Iterator<Item = &IssueKey> {
        self.issue_search_keys.values()
    }

    /// The `UPDATE issues SET` key `key`, if any.
    pub fn issue_update_key(&self, key: &str) -> Option<&IssueKey> {
        self.issue_update_keys.get(key)
    }

    /// Every `UPDATE issues SET` key, in name order.
    pub fn issue_update_keys(&self) -> impl Iterator<Item = &IssueKey> {
        self.issue_update_keys.values()
    }

    /// The issues endpoint's `sort` value for an ORDER BY key (`lastSeen` → `date`).
    pub fn issue_sort(&self, key: &str) -> Option<&str> {
        if let Some(name) = self.issue_sorts.names.iter().find(|name| *name == key) {
            return Some(name);
        }
        self.issue_sorts.aliases.get(key).map(String::as_str)
    }

    /// Every name ORDER BY accepts on issues: the sort values, then their aliases.
    pub fn issue_sort_names(&self) -> Vec<&str> {
        let names = self.issue_sorts.names.iter().map(String::as_str);
        names
            .chain(self.issue_sorts.aliases.keys().map(String::as_str))
            .collect()
    }

    /// The function called `name`, case-insensitively.
    pub fn function(&self, name: &str) -> Option<&FunctionInfo> {
        self.functions.get(&name.to_ascii_lowercase())
    }

    /// Every function name, lower-case, in name order.
    pub fn function_names(&self) -> Vec<&str> {
        self.functions.keys().map(String::as_str).collect()
    }

    /// Every function, in name order.
    pub fn functions(&self) -> impl Iterator<Item = &FunctionInfo> {
        self.functions.values()
    }

    /// The type of an argument given as text when used as a column in `dataset`: a field's
    /// type, `Number` for `tags[x,number]`, `String` for any other name (a tag).
    pub fn column_type(&self, dataset: &str, name: &str) -> FieldType {
        if let Some(field) = self.field(dataset, name) {
            return field.ty;
        }
        self.search_key_type(dataset, name)
            .unwrap_or(FieldType::String)
    }

    /// The result type of `function` called with `args` (argument texts) in `dataset`.
    /// A reflective result takes its argument's [`column_type`](Catalog::column_type),
    /// falling back to the argument's default when it is left out. `None` for an unknown
    /// function or a missing argument without a default.
    pub fn function_result_type(
        &self,
        dataset: &str,
        function: &str,
        args: &[&str],
    ) -> Option<FieldType> {
        let info = self.function_in(dataset, function)?;
        match info.result {
            ResultType::Fixed(ty) => Some(ty),
            ResultType::SameAsArg(index) => {
                let column = match args.get(index) {
                    Some(arg) => *arg,
                    None => info.args.get(index)?.default.as_deref()?,
                };
                Some(self.column_type(dataset, column))
            }
        }
    }
}

/// True for a non-empty suffix of `[A-Za-z0-9_.-]` (a measurement or breakdown name).
fn is_family_suffix(suffix: &str) -> bool {
    !suffix.is_empty()
        && suffix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The shape of `catalog.toml` and its conversion into a checked [`Catalog`].
mod raw {
    use super::{
        ArgKind, ArgSpec, CatalogError, Dataset, DatasetKind, FieldInfo, FieldType, FunctionInfo,
        IssueKey, IssueSorts, ResultType,
    };
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Catalog {
        datasets: BTreeMap<String, RawDataset>,
        fields: BTreeMap<String, RawField>,
        #[serde(default)]
        patterns: Vec<RawPattern>,
        #[serde(default)]
        issues: RawIssues,
        #[serde(default)]
        functions: BTreeMap<String, RawFunction>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawDataset {
        checked: bool,
        kind: DatasetKind,
        #[serde(default)]
        default_columns: Vec<String>,
        #[serde(default)]
        union_of: Vec<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawField {
        #[serde(rename = "type")]
        ty: String,
        unit: Option<String>,
        #[serde(rename = "in")]
        datasets: Vec<String>,
        #[serde(default)]
        array: bool,
        #[serde(default)]
        equation: bool,
        #[serde(default)]
        promoted_tag: bool,
        #[serde(default)]
        text_operators: bool,
        #[serde(default)]
        filter_only: bool,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawPattern {
        prefix: String,
        #[serde(rename = "type")]
        ty: String,
        unit: Option<String>,
        #[serde(rename = "in")]
        datasets: Vec<String>,
        #[serde(default)]
        equation: bool,
    }

    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    struct RawIssues {
        #[serde(default)]
        search_keys: BTreeMap<String, RawIssueKey>,
        #[serde(default)]
        update_keys: BTreeMap<String, RawIssueKey>,
        #[serde(default)]
        sorts: RawSorts,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawIssueKey {
        #[serde(rename = "type")]
        ty: String,
        unit: Option<String>,
        #[serde(default)]
        values: Vec<String>,
        canonical: Option<String>,
    }

    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    struct RawSorts {
        #[serde(default)]
        names: Vec<String>,
        #[serde(default)]
        aliases: BTreeMap<String, String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawFunction {
        args: Vec<RawArg>,
        result: String,
        result_unit: Option<String>,
        #[serde(default)]
        result_arg: usize,
        #[serde(default = "yes")]
        aggregate: bool,
        #[serde(default)]
        equation: bool,
        #[serde(rename = "in", default)]
        datasets: Vec<String>,
        #[serde(default)]
        local: bool,
        alias_of: Option<String>,
    }

    /// The shape of `catalog_trace.toml`.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct TraceCatalog {
        datasets: BTreeMap<String, RawTraceDataset>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawTraceDataset {
        source: String,
        default_columns: Vec<String>,
        fields: BTreeMap<String, RawTraceField>,
        #[serde(default)]
        functions: BTreeMap<String, RawFunction>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawTraceField {
        #[serde(rename = "type")]
        ty: String,
        unit: Option<String>,
        #[serde(default)]
        text_operators: bool,
        #[serde(default)]
        filter_only: bool,
    }

    impl TraceCatalog {
        pub(super) fn add_to(self, catalog: &mut super::Catalog) -> Result<(), CatalogError> {
            for (name, raw) in self.datasets {
                if catalog.dataset(&name).is_some() {
                    return Err(invalid(format!("dataset `{name}` is defined twice")));
                }
                let mut trace = super::TraceDataset::default();
                for (field, raw_field) in raw.fields {
                    let info = FieldInfo {
                        ty: field_type(&field, &raw_field.ty, raw_field.unit.as_deref())?,
                        datasets: vec![name.clone()],
                        array: false,
                        in_equations: false,
                        promoted_tag: false,
                        text_operators: raw_field.text_operators,
                        filter_only: raw_field.filter_only,
                        pattern: false,
                        name: field.clone(),
                    };
                    trace.fields.insert(field, info);
                }
                if let Some(column) = raw
                    .default_columns
                    .iter()
                    .find(|column| !trace.fields.contains_key(*column))
                {
                    return Err(invalid(format!(
                        "default column `{column}` of `{name}` is not one of its fields"
                    )));
                }
                let no_datasets = Unions { datasets: &[] };
                for (function_name, mut raw_function) in raw.functions {
                    if !raw_function.datasets.is_empty() {
                        return Err(invalid(format!(
                            "`{function_name}` of `{name}` has `in`: trace-item functions belong to their dataset"
                        )));
                    }
                    raw_function.datasets = Vec::new();
                    let mut info = function(&function_name, raw_function, &no_datasets)?;
                    info.datasets = vec![name.clone()];
                    for arg in &info.args {
                        let known = arg
                            .default
                            .as_ref()
                            .is_none_or(|d| !arg.kind.is_column() || trace.fields.contains_key(d));
                        if !known {
                            return Err(invalid(format!(
                                "`{function_name}` of `{name}` defaults to unknown `{:?}`",
                                arg.default
                            )));
                        }
                    }
                    trace.functions.insert(function_name, info);
                }
                catalog.datasets.push(Dataset {
                    name: name.clone(),
                    checked: true,
                    kind: DatasetKind::Events,
                    default_columns: raw.default_columns,
                    union_of: Vec::new(),
                    trace_items: true,
                    source: Some(raw.source),
                });
                catalog.trace.insert(name, trace);
            }
            catalog.datasets.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(())
        }
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawArg {
        name: String,
        kind: String,
        #[serde(default)]
        allowed: Vec<String>,
        #[serde(default)]
        values: Vec<String>,
        min: Option<f64>,
        max: Option<f64>,
        below: Option<f64>,
        #[serde(default)]
        optional: bool,
        default: Option<String>,
    }

    fn yes() -> bool {
        true
    }

    fn invalid(message: String) -> CatalogError {
        CatalogError::Invalid(message)
    }

    fn field_type(owner: &str, ty: &str, unit: Option<&str>) -> Result<FieldType, CatalogError> {
        FieldType::from_meta(ty, unit).ok_or_else(|| {
            invalid(format!(
                "`{owner}` has an unknown type `{ty}` / unit {unit:?}"
            ))
        })
    }

    impl Catalog {
        pub(super) fn build(self) -> Result<super::Catalog, CatalogError> {
            let datasets: Vec<Dataset> = self
                .datasets
                .into_iter()
                .map(|(name, raw)| Dataset {
                    name,
                    checked: raw.checked,
                    kind: raw.kind,
                    default_columns: raw.default_columns,
                    union_of: raw.union_of,
                    trace_items: false,
                    source: None,
                })
                .collect();
            let known = |name: &str| datasets.iter().any(|dataset| dataset.name == name);
            for dataset in &datasets {
                if let Some(unknown) = dataset.union_of.iter().find(|name| !known(name)) {
                    return Err(invalid(format!(
                        "dataset `{}` is a union of unknown dataset `{unknown}`",
                        dataset.name
                    )));
                }
            }
            let with_unions = Unions {
                datasets: &datasets,
            };

            let mut fields = BTreeMap::new();
            for (name, raw) in self.fields {
                let info = FieldInfo {
                    ty: field_type(&name, &raw.ty, raw.unit.as_deref())?,
                    datasets: with_unions.resolve(&name, raw.datasets)?,
                    array: raw.array,
                    in_equations: raw.equation,
                    promoted_tag: raw.promoted_tag,
                    text_operators: raw.text_operators,
                    filter_only: raw.filter_only,
                    pattern: false,
                    name: name.clone(),
                };
                fields.insert(name, info);
            }
            let mut patterns = Vec::new();
            for raw in self.patterns {
                let name = format!("{}*", raw.prefix);
                patterns.push(FieldInfo {
                    ty: field_type(&name, &raw.ty, raw.unit.as_deref())?,
                    datasets: with_unions.resolve(&name, raw.datasets)?,
                    array: false,
                    in_equations: raw.equation,
                    promoted_tag: false,
                    text_operators: false,
                    filter_only: false,
                    pattern: true,
                    name,
                });
            }
            for dataset in datasets.iter().filter(|dataset| dataset.checked) {
                for column in &dataset.default_columns {
                    let present = fields
                        .get(column)
                        .is_some_and(|field: &FieldInfo| field.in_dataset(&dataset.name));
                    if !present {
                        return Err(invalid(format!(
                            "default column `{column}` of `{}` is not one of its fields",
                            dataset.name
                        )));
                    }
                }
            }

            let issue_keys = |keys: BTreeMap<String, RawIssueKey>| {
                let mut out = BTreeMap::new();
                for (name, raw) in keys {
                    let key = IssueKey {
                        ty: field_type(&name, &raw.ty, raw.unit.as_deref())?,
                        values: raw.values,
                        canonical: raw.canonical,
                        name: name.clone(),
                    };
                    out.insert(name, key);
                }
                Ok::<_, CatalogError>(out)
            };
            let issue_search_keys = issue_keys(self.issues.search_keys)?;
            let issue_update_keys = issue_keys(self.issues.update_keys)?;
            let sorts = self.issues.sorts;
            if let Some((alias, target)) = sorts
                .aliases
                .iter()
                .find(|(_, target)| !sorts.names.contains(target))
            {
                return Err(invalid(format!(
                    "issue sort alias `{alias}` names unknown `{target}`"
                )));
            }

            let mut functions = BTreeMap::new();
            for (name, raw) in self.functions {
                let info = function(&name, raw, &with_unions)?;
                if functions.insert(name.to_ascii_lowercase(), info).is_some() {
                    return Err(invalid(format!("function `{name}` is defined twice")));
                }
            }
            for info in functions.values() {
                if let Some(target) = &info.alias_of {
                    if !functions.contains_key(target) {
                        return Err(invalid(format!(
                            "function `{}` is an alias of unknown `{target}`",
                            info.name
                        )));
                    }
                }
            }

            Ok(super::Catalog {
                datasets,
                fields,
                patterns,
                issue_search_keys,
                issue_update_keys,
                issue_sorts: IssueSorts {
                    names: sorts.names,
                    aliases: sorts.aliases,
                },
                functions,
                trace: BTreeMap::new(),
                org: BTreeMap::new(),
            })
        }
    }

    /// Resolves the `in` lists of entries against the datasets.
    struct Unions<'a> {
        datasets: &'a [Dataset],
    }

    impl Unions<'_> {
        /// The datasets named, plus every union dataset one of them is part of, in
        /// dataset order; an error for an unknown name.
        fn resolve(&self, owner: &str, names: Vec<String>) -> Result<Vec<String>, CatalogError> {
            let known = |name: &String| self.datasets.iter().any(|dataset| &dataset.name == name);
            if let Some(unknown) = names.iter().find(|name| !known(name)) {
                return Err(invalid(format!(
                    "`{owner}` names unknown dataset `{unknown}`"
                )));
            }
            Ok(self
                .datasets
                .iter()
                .filter(|dataset| {
                    names.contains(&dataset.name)
                        || dataset.union_of.iter().any(|part| names.contains(part))
                })
                .map(|dataset| dataset.name.clone())
                .collect())
        }
    }

    fn function(
        name: &str,
        raw: RawFunction,
        with_unions: &Unions<'_>,
    ) -> Result<FunctionInfo, CatalogError> {
        if name != name.to_ascii_lowercase() {
            return Err(invalid(format!(
                "function `{name}` must be written in lower case"
            )));
        }
        let mut args = Vec::new();
        for arg in raw.args {
            let kind = match arg.kind.as_str() {
                "column" => ArgKind::Column {
                    allowed: arg.allowed,
                },
                "numeric_column" => ArgKind::NumericColumn {
                    allowed: arg.allowed,
                },
                "numeric_or_date_column" => ArgKind::NumericOrDateColumn {
                    allowed: arg.allowed,
                },
                "number" => ArgKind::Number {
                    min: arg.min,
                    max: arg.max,
                    below: arg.below,
                },
                "word" if !arg.values.is_empty() => ArgKind::Word { values: arg.values },
                "string" => ArgKind::String,
                other => {
                    return Err(invalid(format!(
                        "argument `{}` of `{name}` has a bad kind `{other}`",
                        arg.name
                    )));
                }
            };
            args.push(ArgSpec {
                name: arg.name,
                kind,
                optional: arg.optional,
                default: arg.default,
            });
        }
        let optional_then_required = args
            .iter()
            .skip_while(|arg| !arg.optional)
            .any(|arg| !arg.optional);
        if optional_then_required {
            return Err(invalid(format!(
                "`{name}` has a required argument after an optional one"
            )));
        }
        let result = if raw.result == "arg" {
            if raw.result_arg >= args.len() {
                return Err(invalid(format!(
                    "`{name}` reflects argument {} it lacks",
                    raw.result_arg
                )));
            }
            ResultType::SameAsArg(raw.result_arg)
        } else {
            ResultType::Fixed(field_type(name, &raw.result, raw.result_unit.as_deref())?)
        };
        Ok(FunctionInfo {
            name: name.to_owned(),
            args,
            result,
            aggregate: raw.aggregate,
            in_equations: raw.equation,
            datasets: with_unions.resolve(name, raw.datasets)?,
            local: raw.local,
            alias_of: raw.alias_of,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::builtin_parts().expect("the built-in catalog must parse")
    }

    #[test]
    fn builtin_data_parses_and_is_what_builtin_returns() {
        let parsed = catalog();
        assert_eq!(Catalog::builtin(), &parsed);
        assert!(parsed.functions().count() > 30);
    }

    #[test]
    fn every_reference_names_a_known_dataset() {
        let catalog = catalog();
        let known = catalog.dataset_names();
        for field in catalog.fields.values().chain(&catalog.patterns) {
            assert!(!field.datasets.is_empty(), "{}", field.name);
            for dataset in &field.datasets {
                assert!(
                    known.contains(&dataset.as_str()),
                    "{} in {dataset}",
                    field.name
                );
            }
        }
        for function in catalog.functions() {
            assert!(!function.datasets.is_empty(), "{}", function.name);
            for dataset in &function.datasets {
                assert!(
                    known.contains(&dataset.as_str()),
                    "{} in {dataset}",
                    function.name
                );
            }
            // Only datasets with a catalog may claim functions.
            for dataset in &function.datasets {
                assert!(
                    catalog.dataset(dataset).is_some_and(|d| d.checked),
                    "{}",
                    function.name
                );
            }
        }
    }

    #[test]
    fn every_type_is_a_valid_sentry_type() {
        let catalog = catalog();
        let types = catalog
            .fields
            .values()
            .chain(&catalog.patterns)
            .map(|field| field.ty)
            .chain(catalog.issue_search_keys().map(|key| key.ty))
            .chain(catalog.functions().filter_map(|f| match f.result {
                ResultType::Fixed(ty) => Some(ty),
                ResultType::SameAsArg(_) => None,
            }));
        for ty in types {
            assert_eq!(
                FieldType::from_meta(ty.meta_type(), ty.meta_unit()),
                Some(ty)
            );
        }
    }

    #[test]
    fn datasets_and_default_columns() {
        let catalog = catalog();
        let errors = catalog.dataset("errors").expect("errors");
        assert!(errors.checked);
        assert_eq!(
            errors.default_columns,
            [
                "id",
                "title",
                "project",
                "level",
                "user.display",
                "timestamp"
            ]
        );
        let issues = catalog.dataset("issues").expect("issues");
        assert_eq!(issues.kind, DatasetKind::Issues);
        assert_eq!(
            issues.default_columns,
            [
                "shortId",
                "title",
                "status",
                "count",
                "userCount",
                "lastSeen"
            ]
        );
        for trace in [
            "logs",
            "profile_functions",
            "spans",
            "tracemetrics",
            "uptime_results",
        ] {
            let dataset = catalog.dataset(trace).expect(trace);
            assert!(dataset.checked && dataset.trace_items, "{trace}");
            assert_eq!(dataset.kind, DatasetKind::Events);
            assert!(dataset.source.is_some(), "{trace} cites its source");
            assert!(
                catalog.field(trace, "timestamp").is_some(),
                "{trace}: common_columns.py gives every trace-item dataset a timestamp"
            );
            assert_eq!(
                catalog.search_key_type(trace, "transaction.duration"),
                None,
                "{trace}: a transactions field is an attribute name here"
            );
        }
        assert_eq!(
            catalog.dataset("Errors"),
            None,
            "dataset names are case-sensitive"
        );
    }

    #[test]
    fn discover_is_the_union_of_errors_and_transactions() {
        let catalog = catalog();
        assert_eq!(
            catalog.datasets_having_field("transaction.duration"),
            ["discover", "transactions"]
        );
        assert_eq!(
            catalog.datasets_having_field("span.duration"),
            ["spans"],
            "trace-item fields belong to their dataset"
        );
        assert_eq!(
            catalog.datasets_having_field("error.type"),
            ["discover", "errors"]
        );
        assert_eq!(
            catalog.datasets_having_field("title"),
            ["discover", "errors", "issues", "transactions"]
        );
        assert_eq!(
            catalog.datasets_having_field("browser.name"),
            ["logs", "spans", "tracemetrics"],
            "a tag on errors and transactions, an attribute of the trace-item datasets"
        );
        assert_eq!(
            catalog.datasets_having_field("start"),
            Vec::<&str>::new(),
            "filter-only"
        );
        let discover = catalog.field_names("discover");
        for name in catalog
            .field_names("errors")
            .into_iter()
            .chain(catalog.field_names("transactions"))
        {
            assert!(discover.contains(&name), "{name}");
        }
        assert!(!discover.contains(&"shortId"));
    }

    #[test]
    fn field_lookups() {
        let catalog = catalog();
        let ms = FieldType::Duration(DurationUnit::Millisecond);
        let lcp = catalog
            .field("transactions", "measurements.lcp")
            .expect("lcp");
        assert_eq!((lcp.ty, lcp.pattern, lcp.in_equations), (ms, false, true));
        assert_eq!(lcp.ty.meta_type(), "duration");
        assert_eq!(lcp.ty.meta_unit(), Some("millisecond"));

        let custom = catalog
            .field("transactions", "measurements.custom")
            .expect("custom");
        assert_eq!(
            (custom.ty, custom.pattern, custom.name.as_str()),
            (FieldType::Number, true, "measurements.*")
        );
        assert_eq!(
            catalog
                .field("transactions", "measurements.cls")
                .map(|f| f.ty),
            Some(FieldType::Number)
        );
        assert_eq!(
            catalog
                .field("transactions", "measurements.frames_slow_rate")
                .map(|f| f.ty),
            Some(FieldType::Percentage)
        );
        assert_eq!(
            catalog.field("transactions", "spans.db").map(|f| f.ty),
            Some(ms)
        );
        assert_eq!(
            catalog
                .field("transactions", "spans.custom_op")
                .map(|f| f.ty),
            Some(ms)
        );
        assert_eq!(
            catalog.field("transactions", "measurements."),
            None,
            "an empty suffix is no measurement"
        );
        assert_eq!(catalog.field("transactions", "measurements.a b"), None);
        assert_eq!(
            catalog.field("errors", "measurements.lcp"),
            None,
            "transactions only"
        );
        assert!(catalog.field("discover", "measurements.lcp").is_some());

        let error_type = catalog.field("errors", "error.type").expect("error.type");
        assert!(error_type.array);
        assert_eq!(error_type.ty, FieldType::String);
        assert!(
            catalog
                .field("errors", "stack.lineno")
                .is_some_and(|f| f.array && f.ty == FieldType::Integer)
        );
        assert!(!catalog.field("errors", "title").expect("title").array);

        let level = catalog.field("errors", "level").expect("level");
        assert_eq!(level.ty, FieldType::String);
        assert!(level.promoted_tag);
        assert_eq!(
            catalog.field("transactions", "level"),
            None,
            "there it is a tag"
        );

        assert!(
            catalog
                .field("errors", "release.version")
                .is_some_and(|f| f.text_operators)
        );
        assert_eq!(
            catalog.field("errors", "start"),
            None,
            "filter-only keys are no columns"
        );
        assert_eq!(
            catalog.field("errors", "Title"),
            None,
            "field names are case-sensitive"
        );
        assert_eq!(
            catalog.field("issues", "count").map(|f| f.ty),
            Some(FieldType::Integer)
        );
        assert_eq!(
            catalog.field("issues", "lastSeen").map(|f| f.ty),
            Some(FieldType::Date)
        );
        assert_eq!(catalog.field("errors", "lastSeen"), None);
    }

    #[test]
    fn search_key_typing() {
        let catalog = catalog();
        let ms = FieldType::Duration(DurationUnit::Millisecond);
        let cases: &[(&str, &str, Option<FieldType>)] = &[
            ("transactions", "transaction.duration", Some(ms)),
            ("transactions", "measurements.lcp", Some(ms)),
            (
                "transactions",
                "measurements.custom",
                Some(FieldType::Number),
            ),
            ("transactions", "spans.http", Some(ms)),
            ("errors", "timestamp", Some(FieldType::Date)),
            ("errors", "error.received", Some(FieldType::Date)),
            ("errors", "start", Some(FieldType::Date)),
            ("errors", "error.handled", Some(FieldType::Boolean)),
            ("errors", "stack.in_app", Some(FieldType::Boolean)),
            (
                "transactions",
                "team_key_transaction",
                Some(FieldType::Boolean),
            ),
            ("errors", "project_id", Some(FieldType::Integer)),
            ("errors", "issue.id", Some(FieldType::Integer)),
            ("errors", "stack.colno", Some(FieldType::Integer)),
            ("errors", "release.version", Some(FieldType::String)),
            ("errors", "browser.name", None),
            ("errors", "tags[build,number]", Some(FieldType::Number)),
            ("errors", "tags[build]", None),
            ("errors", "tags[build, string]", None),
            ("errors", "transaction.duration", None),
            ("issues", "firstSeen", Some(FieldType::Date)),
            ("issues", "age", Some(FieldType::Date)),
            ("issues", "timesSeen", Some(FieldType::Integer)),
            ("issues", "times_seen", Some(FieldType::Integer)),
            ("issues", "is", Some(FieldType::String)),
            ("issues", "error.handled", Some(FieldType::Boolean)),
            ("issues", "level", Some(FieldType::String)),
            ("errors", "firstSeen", None),
            (
                "spans",
                "span.duration",
                Some(FieldType::Duration(DurationUnit::Millisecond)),
            ),
            ("spans", "is_transaction", Some(FieldType::Boolean)),
            ("spans", "tags[cached,boolean]", Some(FieldType::Boolean)),
            ("errors", "tags[cached,boolean]", None),
            ("logs", "severity_number", Some(FieldType::Integer)),
            ("tracemetrics", "value", Some(FieldType::Number)),
            (
                "uptime_results",
                "response_body_size_bytes",
                Some(FieldType::Size(SizeUnit::Byte)),
            ),
        ];
        for (dataset, key, expected) in cases {
            assert_eq!(
                catalog.search_key_type(dataset, key),
                *expected,
                "{dataset} {key}"
            );
        }
        let is = catalog.issue_search_key("is").expect("is:");
        for value in [
            "unresolved",
            "resolved",
            "ignored",
            "archived",
            "assigned",
            "unassigned",
            "for_review",
            "linked",
            "unlinked",
        ] {
            assert!(is.values.iter().any(|v| v == value), "is:{value}");
        }
        assert_eq!(
            catalog
                .issue_search_key("firstSeen")
                .and_then(|k| k.canonical.as_deref()),
            Some("first_seen")
        );
        assert!(catalog.is_issue_search_key("is"));
        assert!(catalog.is_issue_search_key("bookmarks"));
        assert!(catalog.is_issue_search_key("issue.priority"));
        assert!(!catalog.is_issue_search_key("level"));
    }

    #[test]
    fn issue_sorts_and_updates() {
        let catalog = catalog();
        assert_eq!(catalog.issue_sort("freq"), Some("freq"));
        assert_eq!(catalog.issue_sort("lastSeen"), Some("date"));
        assert_eq!(catalog.issue_sort("events"), Some("freq"));
        assert_eq!(catalog.issue_sort("title"), None);
        assert!(catalog.issue_sort_names().contains(&"users"));
        let status = catalog.issue_update_key("status").expect("status");
        assert!(status.values.iter().any(|v| v == "resolvedInNextRelease"));
        assert_eq!(
            catalog.issue_update_key("isPublic").map(|k| k.ty),
            Some(FieldType::Boolean)
        );
    }

    #[test]
    fn function_lookups() {
        let catalog = catalog();
        let p95 = catalog.function("P95").expect("case-insensitive");
        assert_eq!(p95.name, "p95");
        assert!(p95.aggregate && p95.in_equations && p95.local);
        assert_eq!(p95.datasets, ["discover", "transactions"]);
        assert!(!p95.in_dataset("errors"));
        assert_eq!((p95.min_args(), p95.max_args()), (0, 1));
        assert_eq!(
            p95.args.first().and_then(|a| a.default.as_deref()),
            Some("transaction.duration")
        );
        assert_eq!(p95.result, ResultType::SameAsArg(0));
        assert!(
            !catalog.function("p90").expect("p90").in_equations,
            "not in Sentry's allowlist"
        );

        let count_if = catalog.function("count_if").expect("count_if");
        assert_eq!((count_if.min_args(), count_if.max_args()), (3, 3));
        let condition = &count_if.args.get(1).expect("condition").kind;
        let ArgKind::Word { values } = condition else {
            panic!("{condition:?}")
        };
        assert_eq!(
            values,
            &[
                "equals",
                "notEquals",
                "less",
                "greater",
                "lessOrEquals",
                "greaterOrEquals"
            ]
        );
        assert!(count_if.in_dataset("errors"));

        let web_vitals = catalog
            .function("count_web_vitals")
            .expect("count_web_vitals");
        let quality = &web_vitals.args.get(1).expect("quality").kind;
        assert_eq!(
            quality,
            &ArgKind::Word {
                values: ["good", "meh", "poor", "any"].map(String::from).to_vec()
            }
        );

        for name in [
            "apdex",
            "user_misery",
            "failure_rate",
            "failure_count",
            "p50",
            "percentile",
            "count_miserable",
        ] {
            assert!(
                !catalog.function(name).expect(name).in_dataset("errors"),
                "{name} is transactions-only"
            );
        }
        let local: Vec<&str> = catalog
            .functions()
            .filter(|f| f.local)
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(
            local,
            [
                "any",
                "apdex",
                "avg",
                "count",
                "count_if",
                "count_unique",
                "epm",
                "eps",
                "failure_count",
                "failure_rate",
                "last_seen",
                "max",
                "min",
                "p100",
                "p50",
                "p75",
                "p90",
                "p95",
                "p99",
                "percentile",
                "sum"
            ]
        );
        assert!(!catalog.function("to_other").expect("to_other").aggregate);
        assert_eq!(
            catalog.function("tpm").and_then(|f| f.alias_of.as_deref()),
            Some("epm")
        );
        assert_eq!(catalog.function("nope"), None);
        assert!(catalog.function_names().contains(&"count_unique"));
    }

    #[test]
    fn result_types() {
        let catalog = catalog();
        let ms = FieldType::Duration(DurationUnit::Millisecond);
        let cases: &[(&str, &str, &[&str], Option<FieldType>)] = &[
            ("transactions", "p95", &[], Some(ms)),
            (
                "transactions",
                "p95",
                &["measurements.cls"],
                Some(FieldType::Number),
            ),
            (
                "transactions",
                "avg",
                &["measurements.custom"],
                Some(FieldType::Number),
            ),
            (
                "transactions",
                "percentile",
                &["transaction.duration", "0.99"],
                Some(ms),
            ),
            ("errors", "max", &["timestamp"], Some(FieldType::Date)),
            ("errors", "any", &["browser.name"], Some(FieldType::String)),
            (
                "errors",
                "sum",
                &["tags[bytes,number]"],
                Some(FieldType::Number),
            ),
            ("errors", "avg", &[], None),
            ("errors", "count", &[], Some(FieldType::Integer)),
            (
                "transactions",
                "failure_rate",
                &[],
                Some(FieldType::Percentage),
            ),
            (
                "errors",
                "epm",
                &[],
                Some(FieldType::Rate(RateUnit::PerMinute)),
            ),
            ("errors", "last_seen", &[], Some(FieldType::Date)),
            ("errors", "nope", &[], None),
        ];
        for (dataset, function, args, expected) in cases {
            assert_eq!(
                catalog.function_result_type(dataset, function, args),
                *expected,
                "{function}{args:?}"
            );
        }
    }

    #[test]
    fn argument_kinds() {
        let numeric = ArgKind::NumericColumn {
            allowed: Vec::new(),
        };
        assert!(numeric.allows_type(FieldType::Duration(DurationUnit::Millisecond)));
        assert!(!numeric.allows_type(FieldType::String));
        assert!(!numeric.allows_type(FieldType::Date));
        assert!(
            ArgKind::NumericOrDateColumn {
                allowed: Vec::new()
            }
            .allows_type(FieldType::Date)
        );
        let scores = ArgKind::NumericColumn {
            allowed: vec!["measurements.score.*".into()],
        };
        assert!(scores.allows_name("measurements.score.total"));
        assert!(!scores.allows_name("measurements.score."));
        assert!(!scores.allows_name("measurements.lcp"));
        assert!(!ArgKind::String.allows_name("x"));
        assert!(
            ArgKind::Column {
                allowed: Vec::new()
            }
            .is_column()
        );
    }

    #[test]
    fn bad_catalogs_are_refused() {
        let base = "[datasets.errors]\nchecked = true\nkind = \"events\"\n";
        assert!(Catalog::from_toml(&format!("{base}[fields]\n")).is_ok());
        let bad = [
            ("not toml", "["),
            (
                "unknown key",
                &format!("{base}colour = 1\n[fields]\n") as &str,
            ),
            (
                "unknown dataset",
                &format!("{base}[fields]\nx = {{ type = \"string\", in = [\"nope\"] }}\n"),
            ),
            (
                "unknown type",
                &format!("{base}[fields]\nx = {{ type = \"text\", in = [\"errors\"] }}\n"),
            ),
            (
                "bad unit",
                &format!(
                    "{base}[fields]\nx = {{ type = \"duration\", unit = \"parsec\", in = [\"errors\"] }}\n"
                ),
            ),
            (
                "missing default column",
                &format!("{base}default_columns = [\"x\"]\n[fields]\n"),
            ),
            (
                "reflects a missing arg",
                &format!(
                    "{base}[fields]\n[functions.f]\nargs = []\nresult = \"arg\"\nin = [\"errors\"]\n"
                ),
            ),
            (
                "optional before required",
                &format!(
                    "{base}[fields]\n[functions.f]\nargs = [{{ name = \"a\", kind = \"string\", optional = true }}, {{ name = \"b\", kind = \"string\" }}]\nresult = \"integer\"\nin = [\"errors\"]\n"
                ),
            ),
            (
                "word without values",
                &format!(
                    "{base}[fields]\n[functions.f]\nargs = [{{ name = \"a\", kind = \"word\" }}]\nresult = \"integer\"\nin = [\"errors\"]\n"
                ),
            ),
            (
                "upper-case function",
                &format!(
                    "{base}[fields]\n[functions.F]\nargs = []\nresult = \"integer\"\nin = [\"errors\"]\n"
                ),
            ),
            (
                "alias of nothing",
                &format!(
                    "{base}[fields]\n[functions.f]\nargs = []\nresult = \"integer\"\nin = [\"errors\"]\nalias_of = \"g\"\n"
                ),
            ),
        ];
        for (why, text) in bad {
            assert!(Catalog::from_toml(text).is_err(), "{why}");
        }
        let err = Catalog::from_toml("[").expect_err("parse");
        assert_eq!(
            miette::Diagnostic::code(&err)
                .map(|c| c.to_string())
                .as_deref(),
            Some("dql::catalog::parse")
        );
    }
}
