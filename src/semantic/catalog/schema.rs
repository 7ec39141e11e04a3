//! The shape of `catalog.toml` and `catalog_trace.toml` (serde's view of the files) and its
//! conversion into a checked [`Catalog`](super::Catalog), with the consistency rules the
//! conversion enforces.

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
            if let Some(target) = &info.alias_of
                && !functions.contains_key(target)
            {
                return Err(invalid(format!(
                    "function `{}` is an alias of unknown `{target}`",
                    info.name
                )));
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
