//! The catalog seen through the filter typer's eyes: which search-key type each key has in a
//! dataset, and which type an aggregate returns.

use super::catalog::{Catalog, SearchKey};
use super::checked::filter::{AggregateArg, AggregateKey, SearchKeyType};
use super::checked::key::{FieldKey, FieldKeyKind};
use super::field_type::FieldType;
use super::filter_typing::KeyTypes;
use crate::syntax::ast::{Key, KeyKind};

/// Key types of one dataset.
pub(crate) struct CatalogKeys<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) dataset: &'a str,
}

/// The catalog's spelling of a key: `name`, `tags[x]`, `tags[x,number]`.
pub(crate) fn key_name(key: &Key) -> String {
    match &key.kind {
        KeyKind::Name(n) | KeyKind::Quoted(n) => n.clone(),
        KeyKind::Explicit { prefix, name, ty } => match ty {
            Some(ty) => format!("{prefix}[{name},{ty}]"),
            None => format!("{prefix}[{name}]"),
        },
        KeyKind::ArrayIncludes(inner) => key_name(inner),
    }
}

/// [`key_name`] of the checked form's key.
fn checked_key_name(key: &FieldKey) -> String {
    match &key.kind {
        FieldKeyKind::Name(n) | FieldKeyKind::Quoted(n) => n.clone(),
        FieldKeyKind::Explicit { prefix, name, ty } => match ty {
            Some(ty) => format!("{prefix}[{name},{ty}]"),
            None => format!("{prefix}[{name}]"),
        },
        FieldKeyKind::ArrayIncludes(inner) => checked_key_name(inner),
    }
}

fn search_type(ty: FieldType) -> SearchKeyType {
    match ty {
        FieldType::String => SearchKeyType::Text,
        FieldType::Integer | FieldType::Number | FieldType::Rate(_) => SearchKeyType::Number,
        FieldType::Duration(_) => SearchKeyType::Duration,
        FieldType::Size(_) => SearchKeyType::Size,
        FieldType::Percentage => SearchKeyType::Percentage,
        FieldType::Date => SearchKeyType::Date,
        FieldType::Boolean => SearchKeyType::Boolean,
    }
}

impl KeyTypes for CatalogKeys<'_> {
    fn key_type(&self, key: &Key) -> Option<SearchKeyType> {
        let name = key_name(key);
        if let Some(SearchKey::Field(field)) = self.catalog.search_key(self.dataset, &name)
            && field.text_operators
        {
            return Some(SearchKeyType::Semver);
        }
        self.catalog
            .search_key_type(self.dataset, &name)
            .map(search_type)
    }

    fn types_attributes(&self) -> bool {
        self.catalog.types_attributes(self.dataset)
    }

    fn function_result_type(&self, key: &AggregateKey) -> Option<SearchKeyType> {
        let args: Vec<String> = key
            .args
            .iter()
            .map(|a| match a {
                AggregateArg::Value(v) | AggregateArg::Quoted(v) => v.clone(),
                AggregateArg::Key(k) => checked_key_name(k),
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.catalog
            .function_result_type(self.dataset, &key.name.to_ascii_lowercase(), &args)
            .map(search_type)
    }
}

impl super::filter_typing::Params for super::params::Params {
    fn param(&self, name: &str) -> Option<&str> {
        self.get(name)
    }
}
