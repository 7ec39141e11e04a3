//! The catalog of datasets, fields and functions that queries are checked against.
//!
//! The facts live in `catalog.toml` beside this folder (data, not code paths), compiled in and
//! parsed once by [`Catalog::builtin`]. [`Catalog::from_toml`] reads the same format, so a
//! test or a future `--catalog` option can supply another one.

use crate::registry::CatalogCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

mod entries;
mod schema;
#[cfg(test)]
mod tests;

pub use crate::semantic::field_type::{DurationUnit, FieldType, RateUnit, SizeUnit};
pub use entries::{
    ArgKind, ArgSpec, Dataset, DatasetKind, FieldInfo, FunctionInfo, IssueKey, IssueSorts,
    ResultType, SearchKey,
};

/// The text of the built-in catalog.
const BUILTIN_TOML: &str = include_str!("../catalog.toml");
/// The text of the built-in catalog of the trace-item datasets (spans, logs, …).
const TRACE_TOML: &str = include_str!("../catalog_trace.toml");

/// The built-in data could not be read; a bug in `catalog.toml` or a supplied catalog.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The text is not valid TOML of the catalog's shape.
    #[error("the catalog is not valid: {0}")]
    Parse(String),
    /// The text parses but names something it does not define, or holds a bad type.
    #[error("the catalog is inconsistent: {0}")]
    Invalid(String),
}

impl CatalogError {
    /// The stable code of this error.
    pub fn code(&self) -> CatalogCode {
        match self {
            CatalogError::Parse(_) => CatalogCode::Parse,
            CatalogError::Invalid(_) => CatalogCode::Invalid,
        }
    }
}

impl miette::Diagnostic for CatalogError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(CatalogError::code(self).as_str()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let help = match self {
            CatalogError::Parse(_) => {
                "compare it with src/semantic/catalog.toml, whose header explains every key"
            }
            CatalogError::Invalid(_) => "fix the entry named in the message in the catalog file",
        };
        Some(Box::new(help))
    }
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
        let raw: schema::TraceCatalog =
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
        let raw: schema::Catalog =
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
