//! Completion: keywords by position, datasets after `FROM`, the fields and functions of the
//! statement's dataset (types as detail), `$params` already used in the file, annotation keys.

use super::analysis::Analysis;
use super::document::Document;
use super::lex::{Kind, Token};
use crate::semantic::Params;
use crate::semantic::catalog::{Catalog, Dataset, DatasetKind, FunctionInfo, ResultType};
use crate::semantic::field_type::FieldType;
use lsp_types as lsp;
use std::collections::BTreeSet;

/// The statement around a byte offset, as tokens: from after the previous `;` to the next.
pub(crate) struct Segment<'a> {
    /// The tokens of the statement (spaces and comments included).
    pub(crate) tokens: &'a [Token],
}

impl<'a> Segment<'a> {
    /// The statement holding `offset`.
    pub(crate) fn around(src: &str, tokens: &'a [Token], offset: usize) -> Segment<'a> {
        let is_semi = |t: &Token| t.kind == Kind::Punct && t.text(src) == ";";
        let start = tokens
            .iter()
            .rposition(|t| t.end <= offset && is_semi(t))
            .map_or(0, |i| i + 1);
        let end = tokens
            .iter()
            .skip(start)
            .position(|t| t.start >= offset && is_semi(t))
            .map_or(tokens.len(), |i| start + i);
        Segment {
            tokens: tokens.get(start..end).unwrap_or(&[]),
        }
    }

    /// The dataset named after `FROM` (or `UPDATE`) in the statement, when the catalog has it.
    pub(crate) fn dataset(&self, src: &str, catalog: &Catalog) -> Option<String> {
        let words: Vec<&str> = self
            .tokens
            .iter()
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.text(src))
            .collect();
        words.windows(2).find_map(|pair| match pair {
            [kw, name] if kw.eq_ignore_ascii_case("FROM") || kw.eq_ignore_ascii_case("UPDATE") => {
                catalog.dataset(name).map(|d| d.name.clone())
            }
            _ => None,
        })
    }
}

/// The significant tokens (no spaces, no comments) of `tokens` that end at or before `offset`.
fn significant_before(tokens: &[Token], offset: usize) -> Vec<&Token> {
    tokens
        .iter()
        .filter(|t| t.end <= offset && !matches!(t.kind, Kind::Space | Kind::Comment))
        .collect()
}

/// A type as shown to people: `duration (millisecond)`, `string`.
pub(crate) fn type_name(ty: FieldType) -> String {
    match ty.meta_unit() {
        Some(unit) => format!("{} ({unit})", ty.meta_type()),
        None => ty.meta_type().to_owned(),
    }
}

/// `p95([column = transaction.duration]) → type of column`.
pub(crate) fn signature(f: &FunctionInfo) -> String {
    let args: Vec<String> = f
        .args
        .iter()
        .map(|a| match (&a.default, a.optional) {
            (Some(default), _) => format!("[{} = {default}]", a.name),
            (None, true) => format!("[{}]", a.name),
            (None, false) => a.name.clone(),
        })
        .collect();
    let result = match f.result {
        ResultType::Fixed(ty) => type_name(ty),
        ResultType::SameAsArg(i) => match f.args.get(i) {
            Some(arg) => format!("the type of {}", arg.name),
            None => "the type of its argument".to_owned(),
        },
    };
    format!("{}({}) → {result}", f.name, args.join(", "))
}

/// What a dataset is, in a few words: `events dataset`, `issues`, `trace-item dataset, 12
/// attributes of the organization cached`.
pub(crate) fn dataset_detail(catalog: &Catalog, d: &Dataset) -> String {
    let mut detail = if d.kind == DatasetKind::Issues {
        "issues".to_owned()
    } else if d.trace_items {
        "trace-item dataset".to_owned()
    } else {
        "events dataset".to_owned()
    };
    if !d.checked {
        detail.push_str(" (names not checked)");
    }
    if catalog.has_org_attributes(&d.name) {
        let n = catalog.org_attributes(&d.name).len();
        detail.push_str(&format!(", {n} attributes of the organization cached"));
    }
    detail
}

/// The clause keywords a statement may go on with, given the words it already has.
const CLAUSES: &[&str] = &[
    "FROM",
    "WHERE",
    "GROUP BY",
    "HAVING",
    "ORDER BY",
    "LIMIT",
    "SINCE",
    "UNTIL",
    "PROJECT",
    "ENVIRONMENT",
    "INTERVAL",
    "SAMPLING",
    "COMPARE TO",
];

/// `SAMPLING`'s values.
const SAMPLING_MODES: [(&str, &str); 2] = [
    ("exact", "every stored sample, not extrapolated"),
    ("normal", "Sentry's default: downsampled, extrapolated"),
];

/// Periods offered after `COMPARE TO`.
const COMPARE_PERIODS: [&str; 3] = ["1d AGO", "7d AGO", "28d AGO"];

/// Words inside a filter.
const FILTER_WORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "BETWEEN",
    "IS NULL",
    "IS NOT NULL",
];

/// Completions at `position`.
pub(crate) fn complete(
    doc: &Document,
    analysis: &Analysis,
    position: lsp::Position,
) -> Vec<lsp::CompletionItem> {
    let src = doc.text();
    let offset = doc.offset(position);
    let tokens = analysis.tokens();
    let catalog = analysis.catalog;

    // Inside a comment: annotation keys after `-- @`, nothing else.
    if let Some(t) = tokens
        .iter()
        .find(|t| t.start < offset && offset <= t.end && t.kind == Kind::Comment)
    {
        let before = src.get(t.start..offset).unwrap_or("");
        let rest = before.trim_start_matches('-').trim_start();
        if t.text(src).starts_with("--") && rest.starts_with('@') && !rest.contains(' ') {
            let start = offset - (rest.len() - 1);
            return ["name", "description"]
                .iter()
                .map(|k| {
                    item(
                        doc,
                        k,
                        lsp::CompletionItemKind::PROPERTY,
                        None,
                        (start, offset),
                        k,
                    )
                })
                .filter(|i| i.label.starts_with(rest.get(1..).unwrap_or("")))
                .collect();
        }
        return Vec::new();
    }
    if tokens
        .iter()
        .any(|t| t.start < offset && offset < t.end && t.kind == Kind::String)
    {
        return Vec::new();
    }

    // The word being typed: name characters, or a `$param`.
    let (start, prefix) = match tokens.iter().find(|t| {
        t.start < offset
            && offset <= t.end
            && matches!(t.kind, Kind::Word | Kind::Param | Kind::Number)
    }) {
        Some(t) => (t.start, src.get(t.start..offset).unwrap_or("")),
        None => (offset, ""),
    };
    let at = (start, offset);
    let segment = Segment::around(src, tokens, offset);
    let before = significant_before(segment.tokens, start);
    let prev = before.last().map(|t| t.text(src).to_ascii_uppercase());
    let words: BTreeSet<String> = segment
        .tokens
        .iter()
        .filter(|t| t.kind == Kind::Word)
        .map(|t| t.text(src).to_ascii_uppercase())
        .collect();
    // The statement's first word: `SHOW EVENT` has a grammar of its own.
    let first_word = segment
        .tokens
        .iter()
        .find(|t| !matches!(t.kind, Kind::Space | Kind::Comment))
        .map(|t| t.text(src).to_ascii_uppercase());
    let lower_case = !prefix.is_empty() && !prefix.chars().any(|c| c.is_ascii_uppercase());
    let keyword = |k: &str| {
        let text = if lower_case {
            k.to_ascii_lowercase()
        } else {
            k.to_owned()
        };
        item(
            doc,
            &text,
            lsp::CompletionItemKind::KEYWORD,
            None,
            at,
            &text,
        )
    };

    let mut out: Vec<lsp::CompletionItem> = Vec::new();
    if prefix.starts_with('$') {
        out.extend(params(src, tokens, &analysis.params).into_iter().map(|p| {
            item(
                doc,
                &p,
                lsp::CompletionItemKind::VARIABLE,
                Some("parameter"),
                at,
                &p,
            )
        }));
    } else {
        match prev.as_deref() {
            None => out.extend(["SELECT", "SHOW EVENT", "UPDATE issues SET"].map(keyword)),
            Some("FROM") => out.extend(catalog.datasets().iter().map(|d| {
                let detail = dataset_detail(catalog, d);
                item(
                    doc,
                    &d.name,
                    lsp::CompletionItemKind::MODULE,
                    Some(&detail),
                    at,
                    &d.name,
                )
            })),
            Some("UPDATE") => out.push(keyword("issues")),
            Some("SHOW") => out.push(keyword("EVENT")),
            // `SHOW EVENT id [PROJECT p]`: the id, then PROJECT.
            Some(p) if first_word.as_deref() == Some("SHOW") => {
                if !matches!(p, "EVENT" | "PROJECT") && !words.contains("PROJECT") {
                    out.push(keyword("PROJECT"));
                }
            }
            Some("GROUP" | "ORDER") => out.push(keyword("BY")),
            Some("NULLS") => out.extend(["FIRST", "LAST"].map(keyword)),
            Some("PROJECT" | "LIMIT") => out.push(keyword("ALL")),
            Some("SAMPLING") => out.extend(SAMPLING_MODES.iter().map(|(mode, detail)| {
                item(
                    doc,
                    mode,
                    lsp::CompletionItemKind::ENUM_MEMBER,
                    Some(detail),
                    at,
                    mode,
                )
            })),
            Some("COMPARE") => out.push(keyword("TO")),
            Some("TO")
                if before
                    .iter()
                    .rev()
                    .nth(1)
                    .map(|t| t.text(src).to_ascii_uppercase())
                    .as_deref()
                    == Some("COMPARE") =>
            {
                out.extend(COMPARE_PERIODS.iter().map(|p| {
                    item(
                        doc,
                        p,
                        lsp::CompletionItemKind::VALUE,
                        Some("the same range, this long before"),
                        at,
                        p,
                    )
                }));
            }
            Some("SINCE" | "UNTIL" | "INTERVAL" | "ENVIRONMENT") => {}
            Some("=") if before_set_value(src, &before) => {
                // `SET status = |`: the values the key takes.
                let key = before
                    .len()
                    .checked_sub(2)
                    .and_then(|i| before.get(i))
                    .map(|t| t.text(src));
                if let Some(k) = key.and_then(|k| catalog.issue_update_key(k)) {
                    let values: Vec<&str> = if k.values.is_empty() && k.ty == FieldType::Boolean {
                        vec!["true", "false"]
                    } else {
                        k.values.iter().map(String::as_str).collect()
                    };
                    out.extend(values.into_iter().map(|v| {
                        item(
                            doc,
                            v,
                            lsp::CompletionItemKind::ENUM_MEMBER,
                            Some(&k.name),
                            at,
                            v,
                        )
                    }));
                }
            }
            Some(_) => {
                let clause = before
                    .iter()
                    .rev()
                    .map(|t| t.text(src).to_ascii_uppercase())
                    .find(|w| {
                        matches!(
                            w.as_str(),
                            "SELECT"
                                | "FROM"
                                | "WHERE"
                                | "GROUP"
                                | "HAVING"
                                | "ORDER"
                                | "LIMIT"
                                | "SINCE"
                                | "UNTIL"
                                | "PROJECT"
                                | "ENVIRONMENT"
                                | "INTERVAL"
                                | "SAMPLING"
                                | "COMPARE"
                                | "SET"
                        )
                    });
                let dataset = segment.dataset(src, catalog);
                let names = !matches!(
                    clause.as_deref(),
                    Some(
                        "FROM"
                            | "LIMIT"
                            | "SINCE"
                            | "UNTIL"
                            | "INTERVAL"
                            | "PROJECT"
                            | "ENVIRONMENT"
                            | "SAMPLING"
                            | "COMPARE"
                    )
                );
                if clause.as_deref() == Some("SET") {
                    // `UPDATE issues SET key = value, …`: the keys an update may set.
                    out.extend(catalog.issue_update_keys().map(|k| {
                        let detail = if k.values.is_empty() {
                            type_name(k.ty)
                        } else {
                            k.values.join(" | ")
                        };
                        item(
                            doc,
                            &k.name,
                            lsp::CompletionItemKind::FIELD,
                            Some(&detail),
                            at,
                            &k.name,
                        )
                    }));
                    out.push(keyword("WHERE"));
                    return retain_prefix(out, prefix);
                }
                if names {
                    out.extend(fields(doc, catalog, dataset.as_deref(), at));
                    out.extend(functions(doc, catalog, dataset.as_deref(), at));
                    // The statement's aliases, for HAVING and ORDER BY.
                    out.extend(aliases(src, segment.tokens).into_iter().map(|a| {
                        item(
                            doc,
                            &a,
                            lsp::CompletionItemKind::VARIABLE,
                            Some("alias"),
                            at,
                            &a,
                        )
                    }));
                }
                match clause.as_deref() {
                    Some("SELECT") if prev.as_deref() == Some("SELECT") => {
                        out.push(keyword("DISTINCT"));
                    }
                    Some("SELECT") => out.push(keyword("AS")),
                    Some("WHERE" | "HAVING") => out.extend(FILTER_WORDS.iter().map(|k| keyword(k))),
                    Some("ORDER") => {
                        out.extend(["ASC", "DESC", "NULLS FIRST", "NULLS LAST"].map(keyword));
                    }
                    _ => {}
                }
                for clause in CLAUSES {
                    let first = clause.split(' ').next().unwrap_or(clause);
                    let fits = match first {
                        "UNTIL" => words.contains("SINCE"),
                        // Sentry samples only the trace-item datasets (elsewhere
                        // `dql::semantic::sampling_ignored`).
                        "SAMPLING" => dataset
                            .as_deref()
                            .and_then(|d| catalog.dataset(d))
                            .is_some_and(|d| d.trace_items),
                        _ => true,
                    };
                    if fits && !words.contains(first) {
                        out.push(keyword(clause));
                    }
                }
                if names {
                    out.extend(params(src, tokens, &analysis.params).into_iter().map(|p| {
                        item(
                            doc,
                            &p,
                            lsp::CompletionItemKind::VARIABLE,
                            Some("parameter"),
                            at,
                            &p,
                        )
                    }));
                }
            }
        }
    }
    retain_prefix(out, prefix)
}

/// Whether the `=` that `before` ends with is one of `UPDATE issues SET key = value`'s: the
/// last clause word before it is `SET`.
fn before_set_value(src: &str, before: &[&Token]) -> bool {
    before
        .iter()
        .rev()
        .map(|t| t.text(src).to_ascii_uppercase())
        .find(|w| {
            matches!(
                w.as_str(),
                "SET" | "WHERE" | "FROM" | "HAVING" | "ORDER" | "GROUP" | "SELECT"
            )
        })
        .is_some_and(|w| w == "SET")
}

/// The items whose label starts with `prefix`, ignoring case.
fn retain_prefix(mut items: Vec<lsp::CompletionItem>, prefix: &str) -> Vec<lsp::CompletionItem> {
    let lower = prefix.to_lowercase();
    items.retain(|i| i.label.to_lowercase().starts_with(&lower));
    items
}

/// The names given with `AS` in a statement.
fn aliases(src: &str, tokens: &[Token]) -> Vec<String> {
    let words: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t.kind, Kind::Space | Kind::Comment))
        .collect();
    let mut out: Vec<String> = Vec::new();
    for pair in words.windows(2) {
        if let [kw, name] = pair
            && kw.text(src).eq_ignore_ascii_case("AS")
            && name.kind == Kind::Word
            && !out.iter().any(|a| a == name.text(src))
        {
            out.push(name.text(src).to_owned());
        }
    }
    out
}

/// A field's type as completion's detail: `duration (millisecond)`, `array of string`, and
/// for an attribute of the organization (the live catalog) `number, attribute of the
/// organization`.
pub(crate) fn field_detail(catalog: &Catalog, dataset: &str, name: &str) -> Option<String> {
    let f = catalog.field(dataset, name)?;
    let ty = type_name(f.ty);
    let mut detail = if f.array {
        format!("array of {ty}")
    } else {
        ty
    };
    if is_org_attribute(catalog, dataset, name) {
        detail.push_str(", attribute of the organization");
    }
    Some(detail)
}

/// Whether `name` is one of the organization's cached attributes of `dataset` rather than a
/// built-in field.
pub(crate) fn is_org_attribute(catalog: &Catalog, dataset: &str, name: &str) -> bool {
    catalog
        .org_attributes(dataset)
        .iter()
        .any(|a| a.name == name)
}

/// The fields of `dataset` (every dataset's when none is known), with their types; on a
/// trace-item dataset with the organization's attributes cached (`dql catalog pull`), those
/// attributes too.
fn fields(
    doc: &Document,
    catalog: &Catalog,
    dataset: Option<&str>,
    at: (usize, usize),
) -> Vec<lsp::CompletionItem> {
    let datasets: Vec<&str> = match dataset {
        Some(d) => vec![d],
        None => catalog.dataset_names(),
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for d in datasets {
        for name in catalog.field_names(d) {
            if !seen.insert(name.to_owned()) {
                continue;
            }
            let detail = field_detail(catalog, d, name);
            out.push(item(
                doc,
                name,
                lsp::CompletionItemKind::FIELD,
                detail.as_deref(),
                at,
                name,
            ));
        }
    }
    out
}

/// The functions of `dataset` — a trace-item dataset's own ones (`spans`, `logs`,
/// `tracemetrics`), else the shared ones it has — or every shared one when none is known,
/// with their signatures.
fn functions(
    doc: &Document,
    catalog: &Catalog,
    dataset: Option<&str>,
    at: (usize, usize),
) -> Vec<lsp::CompletionItem> {
    let list: Vec<&FunctionInfo> = match dataset {
        Some(d) => catalog.functions_in(d),
        None => catalog.functions().collect(),
    };
    list.into_iter()
        .map(|f| {
            let insert = if f.max_args() == 0 {
                format!("{}()", f.name)
            } else {
                format!("{}(", f.name)
            };
            item(
                doc,
                &f.name,
                lsp::CompletionItemKind::FUNCTION,
                Some(&signature(f)),
                at,
                &insert,
            )
        })
        .collect()
}

/// Every distinct `$param` of the file, in order of first use, then those the settings bind
/// that the file does not use yet.
pub(crate) fn params(src: &str, tokens: &[Token], bound: &Params) -> Vec<String> {
    let mut out = used_params(src, tokens);
    for (name, _) in bound.iter() {
        let name = format!("${name}");
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Every distinct `$param` of the file, in order of first use.
fn used_params(src: &str, tokens: &[Token]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tokens
        .iter()
        .filter(|t| t.kind == Kind::Param && t.end - t.start > 1)
    {
        let text = t.text(src).to_owned();
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

fn item(
    doc: &Document,
    label: &str,
    kind: lsp::CompletionItemKind,
    detail: Option<&str>,
    (start, end): (usize, usize),
    insert: &str,
) -> lsp::CompletionItem {
    lsp::CompletionItem {
        label: label.to_owned(),
        kind: Some(kind),
        detail: detail.map(str::to_owned),
        filter_text: Some(label.to_owned()),
        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit::new(
            doc.range(start, end),
            insert.to_owned(),
        ))),
        ..lsp::CompletionItem::default()
    }
}
