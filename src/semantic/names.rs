//! Field and tag names: resolving a written key against the dataset's catalog, near-name
//! warnings, fields of another dataset, and the browser-only key forms.

use super::checked::FieldRef;
use super::context::Cx;
use super::field_type::FieldType;
use super::suggest;
use crate::registry::SemanticCode;
use crate::span::Span;
use crate::syntax::ast::{Key, KeyKind};

/// The name a key sends to Sentry: `user`, `tags[x]`, `tags[x,number]`.
pub(crate) fn key_name(key: &Key) -> String {
    match &key.kind {
        KeyKind::Name(name) | KeyKind::Quoted(name) => name.clone(),
        KeyKind::Explicit { prefix, name, ty } => match ty {
            Some(ty) => format!("{prefix}[{name},{}]", ty.trim()),
            None => format!("{prefix}[{name}]"),
        },
        KeyKind::ArrayIncludes(inner) => format!("{}[*]", key_name(inner)),
    }
}

/// The plain name of a key written as a bare or quoted name (what aliases can match).
pub(crate) fn plain_name(key: &Key) -> Option<&str> {
    match &key.kind {
        KeyKind::Name(name) | KeyKind::Quoted(name) => Some(name),
        _ => None,
    }
}

/// Resolves a key used as a column (select item, GROUP BY, ORDER BY, function argument).
/// Unknown names are tags; `None` after an error.
/// `tags[x,number]` on a dataset whose tags are text (errors, transactions, discover,
/// issues): Sentry's server reads it as the text tag `x` — a comparison becomes a text match
/// (`tags[x,number]:!=5` loses its `!=`) — so dql refuses it rather than change its meaning.
fn typed_tag_unsupported(cx: &mut Cx<'_>, key: &Key, prefix: &str, name: &str, ty: &str) {
    let dataset = cx.dataset.clone();
    cx.error(
        SemanticCode::TypedTagUnsupported,
        key.span,
        format!("`{prefix}[{name},{ty}]`: tags of `{dataset}` have no type"),
    )
    .label("typed tag")
    .help(format!(
        "write `{prefix}[{name}]`: its values are text on `{dataset}` (a typed attribute needs a trace-item dataset such as `spans`)"
    ))
    .fix(key.span, format!("{prefix}[{name}]"));
}

pub(crate) fn resolve_column(cx: &mut Cx<'_>, key: &Key) -> Option<FieldRef> {
    match &key.kind {
        KeyKind::Name(name) | KeyKind::Quoted(name) => resolve_name(cx, name, key.span),
        KeyKind::Explicit { prefix, name, ty } => {
            let ty = ty.as_deref().map(str::trim);
            if let Some(t @ ("string" | "number" | "boolean")) = ty
                && !cx.catalog.types_attributes(&cx.dataset)
            {
                typed_tag_unsupported(cx, key, prefix, name, t);
                return None;
            }
            match ty {
                None => Some(FieldRef {
                    name: format!("{prefix}[{name}]"),
                    ty: None,
                    array: false,
                }),
                Some("string") => Some(FieldRef {
                    name: format!("{prefix}[{name},string]"),
                    ty: Some(FieldType::String),
                    array: false,
                }),
                Some("number") => Some(FieldRef {
                    name: format!("{prefix}[{name},number]"),
                    ty: Some(FieldType::Number),
                    array: false,
                }),
                // Trace-item attributes are stored typed: `tags[x,boolean]` is one
                // (sentry-api-2026.md §1, §3).
                Some("boolean") if cx.catalog.is_trace_items(&cx.dataset) => Some(FieldRef {
                    name: format!("{prefix}[{name},boolean]"),
                    ty: Some(FieldType::Boolean),
                    array: false,
                }),
                Some(other @ ("boolean" | "array")) => {
                    cx.error(
                        SemanticCode::BrowserOnlySyntax,
                        key.span,
                        format!(
                            "`{prefix}[{name},{other}]` is accepted only by Sentry's browser search"
                        ),
                    )
                    .label("browser-only form")
                    .help(format!(
                        "write `{prefix}[{name}]` and compare with the text value"
                    ));
                    None
                }
                Some(other) => {
                    // Typed forms are offered only where Sentry types attributes: elsewhere
                    // `x,number` would be read as a tag name.
                    let typed = cx.catalog.types_attributes(&cx.dataset);
                    let help = if typed {
                        format!(
                            "write `{prefix}[{name}]`, `{prefix}[{name},string]` or `{prefix}[{name},number]`"
                        )
                    } else {
                        format!(
                            "write `{prefix}[{name}]`: tags of `{}` are text, without a type",
                            cx.dataset
                        )
                    };
                    let diagnostic = cx
                        .error(
                            SemanticCode::BadTagType,
                            key.span,
                            format!("`{other}` is not a tag type"),
                        )
                        .label("unknown type")
                        .help(help);
                    if !typed {
                        diagnostic.fix(key.span, format!("{prefix}[{name}]"));
                    }
                    None
                }
            }
        }
        KeyKind::ArrayIncludes(inner) => {
            cx.error(
                SemanticCode::BrowserOnlySyntax,
                key.span,
                format!(
                    "`{}` (array membership) is accepted only by Sentry's browser search",
                    key_name(key)
                ),
            )
            .label("browser-only form")
            .help(format!(
                "write `{}`: `=` on an array field matches any element",
                key_name(inner)
            ));
            None
        }
    }
}

/// Resolves a bare or quoted name in the dataset: a field, or a tag (with a did-you-mean
/// warning when near a known name), or an error when only another dataset has it.
pub(crate) fn resolve_name(cx: &mut Cx<'_>, name: &str, span: Span) -> Option<FieldRef> {
    let tag = FieldRef {
        name: name.to_string(),
        ty: None,
        array: false,
    };
    if !cx.checked {
        return Some(tag);
    }
    let catalog = cx.catalog;
    if let Some(field) = catalog.field(&cx.dataset, name) {
        return Some(FieldRef {
            name: name.to_string(),
            ty: Some(field.ty),
            array: field.array,
        });
    }
    // On a trace-item dataset any other name is an attribute the org may have.
    if catalog.is_trace_items(&cx.dataset) {
        unknown_attribute(cx, name, span);
        return Some(tag);
    }
    let shared = catalog.lookup_field(name);
    if let Some(field) = shared {
        if field.promoted_tag || field.filter_only {
            return Some(tag);
        }
        let others = events_datasets_having(cx, name);
        if !others.is_empty() {
            not_in_dataset(cx, "field", name, span, &others);
            return None;
        }
    }
    unknown_name_warnings(cx, name, span);
    Some(tag)
}

/// The datasets of the same kind as the current one (events or issues) that have `name`.
pub(crate) fn events_datasets_having<'c>(cx: &Cx<'c>, name: &str) -> Vec<&'c str> {
    let catalog = cx.catalog;
    let kind = catalog.dataset(&cx.dataset).map(|d| d.kind);
    catalog
        .datasets_having_field(name)
        .into_iter()
        .filter(|d| catalog.dataset(d).map(|x| x.kind) == kind)
        .collect()
}

/// Reports that `dataset` lacks a field or function that `others` have.
pub(crate) fn not_in_dataset(cx: &mut Cx<'_>, what: &str, name: &str, span: Span, others: &[&str]) {
    let others: Vec<&str> = others
        .iter()
        .copied()
        .filter(|d| *d != "discover")
        .collect();
    let help = match others.first() {
        Some(first) => format!("add `FROM {first}`"),
        None => String::from("choose a dataset that has it"),
    };
    let dataset = cx.dataset.clone();
    cx.error(
        SemanticCode::NotInDataset,
        span,
        format!("`{name}` is not a {what} of `{dataset}`"),
    )
    .label(match others.is_empty() {
        true => format!("not in `{dataset}`"),
        false => format!("only in {}", suggest::one_of(&others)),
    })
    .help(help);
}

/// An unknown name on a trace-item dataset: with the organization's attributes cached, a
/// warning (did-you-mean over the built-in fields and the cache); without, the near-name
/// warnings of any tag.
pub(crate) fn unknown_attribute(cx: &mut Cx<'_>, name: &str, span: Span) {
    let catalog = cx.catalog;
    if name.starts_with("tags[") {
        // An explicit attribute: written on purpose, nothing to suggest.
        return;
    }
    // A transactions field with a spans equivalent (Sentry's own translation, see
    // crate::migrate): would read an empty attribute here.
    if let Some(new) = crate::migrate::spans_column(name)
        && catalog.field(&cx.dataset, new).is_some()
        && catalog.field(&cx.dataset, name).is_none()
    {
        cx.near(
            SemanticCode::NearName,
            span,
            format!(
                "`{name}` is a transactions field; on `{}` it is `{new}`",
                cx.dataset
            ),
        )
        .label("an empty attribute here")
        .help(format!(
            "write `{new}` (`dql migrate` rewrites whole files)"
        ))
        .fix(span, new);
        return;
    }
    if !catalog.has_org_attributes(&cx.dataset) {
        unknown_name_warnings(cx, name, span);
        return;
    }
    let names = catalog.field_names(&cx.dataset);
    // The attributes endpoint keys a user's number or boolean attribute `tags[x,number]`
    // (as_attribute_key in src/sentry/api/endpoints/organization_trace_item_attributes.py),
    // and Sentry's resolver reads a bare unknown name as a string attribute
    // (SearchResolver.resolve_attribute in src/sentry/search/eap/resolver.py): the bare
    // name would match nothing.
    let typed = ["number", "boolean"]
        .iter()
        .map(|ty| format!("tags[{name},{ty}]"))
        .find(|key| names.contains(&key.as_str()));
    let near = typed
        .clone()
        .or_else(|| suggest::suggest(name, names.iter().copied()).map(str::to_owned));
    let dataset = cx.dataset.clone();
    let mut diagnostic = crate::diagnostic::Diagnostic::new(
        if cx.options.strict {
            crate::diagnostic::Severity::Error
        } else {
            crate::diagnostic::Severity::Warning
        },
        crate::registry::LiveCatalogCode::UnknownAttribute,
        span,
        format!("`{name}` is not a field of `{dataset}` nor one of the organization's attributes"),
    )
    .label("unknown attribute");
    diagnostic = match (near, typed) {
        (Some(near), Some(_)) => diagnostic
            .help(format!(
                "the organization's `{name}` is typed: write `{near}` (a bare name is a string attribute)"
            ))
            .fix(span, near),
        (Some(near), None) => diagnostic
            .help(format!("did you mean `{near}`?"))
            .fix(span, near),
        (None, _) => diagnostic.help(
            "the cached attributes may be old: `dql catalog pull` refreshes them; `dql catalog show` lists them",
        ),
    };
    cx.push(diagnostic);
}

/// The warnings an unknown name (a tag) gets: a bare function name, or a near known name.
pub(crate) fn unknown_name_warnings(cx: &mut Cx<'_>, name: &str, span: Span) {
    let catalog = cx.catalog;
    if let Some(function) = catalog.function(name) {
        let call = format!("{}()", function.name);
        cx.near(
            SemanticCode::BareFunctionName,
            span,
            format!("`{name}` is read as a tag; did you mean `{call}`?"),
        )
        .label("a tag named like a function")
        .help(format!(
            "write `{call}` for the function, or `tags[{name}]` for the tag"
        ))
        .fix(span, call.clone());
        return;
    }
    let key = (cx.dataset.clone(), name.to_string());
    let cached = cx.near_names.borrow().get(&key).cloned();
    let suggestion = match cached {
        Some(answer) => answer,
        None => {
            let fields = catalog.field_names(&cx.dataset);
            let functions = catalog.function_names_in(&cx.dataset);
            let near_field = suggest::suggest(name, fields.iter().copied());
            let near_function = suggest::suggest(name, functions.iter().copied());
            let answer = match (near_field, near_function) {
                (Some(field), _) => Some(field.to_string()),
                (None, Some(function)) => Some(format!("{function}()")),
                (None, None) => None,
            };
            cx.near_names.borrow_mut().insert(key, answer.clone());
            answer
        }
    };
    if let Some(suggestion) = suggestion {
        cx.near(
            SemanticCode::NearName,
            span,
            format!("`{name}` is not a known field, so it is read as a tag; did you mean `{suggestion}`?"),
        )
        .label("unknown name, read as a tag")
        .help(format!("write `{suggestion}`, or `tags[{name}]` if you mean the tag"))
        .fix(span, suggestion.clone());
    }
}

/// The type a column argument has for function signatures: the field's, else text.
pub(crate) fn column_type(field: &FieldRef) -> FieldType {
    field.ty.unwrap_or(FieldType::String)
}
