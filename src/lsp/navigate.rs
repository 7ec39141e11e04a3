//! Hover, go to definition, document symbols and semantic tokens.

use super::analysis::Analysis;
use super::completion::{Segment, dataset_detail, is_org_attribute, signature, type_name};
use super::document::Document;
use super::lex::{self, Kind, Token};
use crate::registry::{compile_codes, runtime_codes};
use crate::syntax::ast::{
    self, ArgKind, ExprKind, FilterKind, GroupItem, OrderTarget, StatementKind, TermKey, TermKind,
};
use crate::syntax::token::KEYWORDS;
use lsp_types as lsp;
use std::collections::HashSet;

/// The significant token after token `i` (spaces and comments skipped).
fn next_significant(tokens: &[Token], i: usize) -> Option<&Token> {
    tokens
        .iter()
        .skip(i + 1)
        .find(|t| !matches!(t.kind, Kind::Space | Kind::Comment))
}

/// The significant token before token `i`.
fn prev_significant(tokens: &[Token], i: usize) -> Option<&Token> {
    tokens
        .get(..i)
        .unwrap_or(&[])
        .iter()
        .rev()
        .find(|t| !matches!(t.kind, Kind::Space | Kind::Comment))
}

/// Hover at `position`: a field's type, unit and datasets; a function's signature; a dataset;
/// a `$param`'s uses; and the explanation of every diagnostic code there.
pub(crate) fn hover(
    doc: &Document,
    analysis: &Analysis,
    position: lsp::Position,
) -> Option<lsp::Hover> {
    let src = doc.text();
    let offset = doc.offset(position);
    let tokens = analysis.tokens();
    let catalog = analysis.catalog;
    let mut parts: Vec<String> = Vec::new();
    let mut range = None;

    if let Some(i) = lex::at(tokens, offset) {
        let token = tokens.get(i).copied();
        if let Some(token) = token {
            let text = token.text(src);
            let next = next_significant(tokens, i).map(|t| t.text(src));
            let prev = prev_significant(tokens, i).map(|t| t.text(src).to_ascii_uppercase());
            let dataset = Segment::around(src, tokens, offset).dataset(src, catalog);
            let found = match token.kind {
                Kind::Word if next == Some("(") => dataset
                    .as_deref()
                    .and_then(|d| catalog.function_in(d, text))
                    .or_else(|| catalog.function(text))
                    .map(|f| {
                        let mut s = format!("```dql\n{}\n```\n", signature(f));
                        s.push_str(if f.aggregate {
                            "aggregate function"
                        } else {
                            "function"
                        });
                        if let Some(to) = &f.alias_of {
                            s.push_str(&format!("; Sentry rewrites it to `{to}`"));
                        }
                        let datasets = catalog.datasets_having_function(&f.name);
                        if !datasets.is_empty() {
                            s.push_str(&format!(" — in {}", datasets.join(", ")));
                        }
                        s
                    }),
                Kind::Word if prev.as_deref() == Some("FROM") => catalog.dataset(text).map(|d| {
                    let mut s = format!("**{}** — {}", d.name, dataset_detail(catalog, d));
                    if !d.default_columns.is_empty() {
                        s.push_str(&format!(
                            "\n\n`SELECT *` is {}",
                            d.default_columns.join(", ")
                        ));
                    }
                    s
                }),
                Kind::Word => {
                    let field = dataset
                        .as_deref()
                        .and_then(|d| catalog.field(d, text))
                        .or_else(|| catalog.lookup_field(text));
                    field.map(|f| {
                        let array = if f.array { "array of " } else { "" };
                        let mut s = format!("**{text}**: {array}{}", type_name(f.ty));
                        if f.filter_only {
                            s.push_str(" (filter only)");
                        }
                        let org = dataset
                            .as_deref()
                            .filter(|d| is_org_attribute(catalog, d, text));
                        match org {
                            Some(d) => s.push_str(&format!(
                                "\n\nan attribute of the organization in {d} (cached by `dql catalog pull`)"
                            )),
                            None => {
                                let mut datasets = catalog.datasets_having_field(text);
                                for d in &f.datasets {
                                    if !datasets.contains(&d.as_str()) {
                                        datasets.push(d);
                                    }
                                }
                                s.push_str(&format!("\n\nin {}", datasets.join(", ")));
                            }
                        }
                        s
                    })
                }
                Kind::Param => {
                    let uses: Vec<String> = tokens
                        .iter()
                        .filter(|t| t.kind == Kind::Param && t.text(src) == text)
                        .map(|t| format!("line {}", doc.position(t.start).line + 1))
                        .collect();
                    let name = text.trim_start_matches('$');
                    let binding = match analysis.params.get(name) {
                        Some(value) => format!("bound to `{value}` by the settings"),
                        None => format!("bound with `--param {name}=VALUE`"),
                    };
                    Some(format!(
                        "parameter **{text}**, {binding}; used {} time(s): {}",
                        uses.len(),
                        uses.join(", ")
                    ))
                }
                _ => None,
            };
            if let Some(found) = found {
                parts.push(found);
                range = Some(doc.range(token.start, token.end));
            }
        }
    }

    // The codes of the diagnostics here, explained.
    let mut codes = compile_codes();
    // `dql::migrate::deprecated_dataset` and `dql::catalog::unknown_attribute` come from the
    // checker too (deprecated datasets on sentry.io, the live catalog).
    codes.extend(runtime_codes());
    for d in analysis.diagnostics.iter().filter(|d| {
        let span = d.span();
        (span.start as usize) <= offset
            && offset <= (span.end as usize).max(span.start as usize + 1)
    }) {
        let meaning = codes
            .iter()
            .find(|c| c.code == d.code)
            .map_or("", |c| c.meaning);
        let mut s = format!("`{}`: {meaning}", d.code);
        if let Some(help) = &d.help {
            s.push_str(&format!("\n\nhelp: {help}"));
        }
        parts.push(s);
    }
    if parts.is_empty() {
        return None;
    }
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range,
    })
}

/// Go to definition of a `$param`: its first use in the file.
pub(crate) fn definition(
    doc: &Document,
    analysis: &Analysis,
    uri: &lsp::Uri,
    position: lsp::Position,
) -> Option<lsp::Location> {
    let src = doc.text();
    let tokens = analysis.tokens();
    let token = tokens.get(lex::at(tokens, doc.offset(position))?)?;
    if token.kind != Kind::Param {
        return None;
    }
    let first = tokens
        .iter()
        .find(|t| t.kind == Kind::Param && t.text(src) == token.text(src))?;
    Some(lsp::Location::new(
        uri.clone(),
        doc.range(first.start, first.end),
    ))
}

/// One symbol per statement, named by its `@name` (or its first words when it has none).
pub(crate) fn symbols(doc: &Document, analysis: &Analysis) -> Vec<lsp::DocumentSymbol> {
    let src = doc.text();
    let mut out = Vec::new();
    for statement in &analysis.file().statements {
        let span = statement.span;
        let name_annotation = statement
            .annotations
            .iter()
            .find(|a| a.key.node == "name" && !a.value.node.is_empty());
        let description = statement
            .annotations
            .iter()
            .find(|a| a.key.node == "description")
            .map(|a| a.value.node.clone());
        let name = match name_annotation {
            Some(a) => a.value.node.clone(),
            None => {
                let words: Vec<&str> = span
                    .slice(src)
                    .unwrap_or("")
                    .split_whitespace()
                    .take(6)
                    .collect();
                if words.is_empty() {
                    "statement".to_owned()
                } else {
                    words.join(" ")
                }
            }
        };
        let start = statement
            .annotations
            .first()
            .map_or(span.start, |a| a.span.start.min(span.start)) as usize;
        let end = (span.end as usize).max(start);
        let selection = match name_annotation {
            Some(a) => (a.value.span.start as usize, a.value.span.end as usize),
            None => (span.start as usize, span.end as usize),
        };
        let kind = match statement.kind {
            StatementKind::Select(_) => "SELECT",
            StatementKind::ShowEvent(_) => "SHOW EVENT",
            StatementKind::UpdateIssues(_) => "UPDATE",
            StatementKind::Error => "does not parse",
        };
        #[allow(
            deprecated,
            reason = "the protocol type still has the field; it must be set"
        )]
        out.push(lsp::DocumentSymbol {
            name,
            detail: Some(description.unwrap_or_else(|| kind.to_owned())),
            kind: lsp::SymbolKind::FUNCTION,
            tags: None,
            deprecated: None,
            range: doc.range(start, end),
            selection_range: doc.range(
                selection.0.max(start),
                selection.1.min(end).max(selection.0.max(start)),
            ),
            children: None,
        });
    }
    out
}

/// The legend of [`semantic_tokens`]: the index of each type is its number in the encoding.
pub(crate) const TOKEN_TYPES: &[lsp::SemanticTokenType] = &[
    lsp::SemanticTokenType::KEYWORD,
    lsp::SemanticTokenType::FUNCTION,
    lsp::SemanticTokenType::PROPERTY,
    lsp::SemanticTokenType::PARAMETER,
    lsp::SemanticTokenType::STRING,
    lsp::SemanticTokenType::NUMBER,
    lsp::SemanticTokenType::COMMENT,
    lsp::SemanticTokenType::OPERATOR,
    lsp::SemanticTokenType::NAMESPACE,
    lsp::SemanticTokenType::DECORATOR,
];

const KEYWORD: u32 = 0;
const FUNCTION: u32 = 1;
const PROPERTY: u32 = 2;
const PARAMETER: u32 = 3;
const STRING: u32 = 4;
const NUMBER: u32 = 5;
const COMMENT: u32 = 6;
const OPERATOR: u32 = 7;
const NAMESPACE: u32 = 8;
const DECORATOR: u32 = 9;

/// Semantic tokens for the whole document, classified from the tokens and their neighbours:
/// a word before `(` that the catalog knows is a function, a word after `FROM` a dataset, a
/// word before `:` or a comparison a field, a keyword elsewhere a keyword, a word after `:` a
/// value; annotation keys are decorators.
pub(crate) fn semantic_tokens(doc: &Document, analysis: &Analysis) -> Vec<lsp::SemanticToken> {
    let src = doc.text();
    let tokens = analysis.tokens();
    let catalog = analysis.catalog;
    // Every function name of every dataset (the trace-item datasets have their own).
    let function_names: HashSet<String> = catalog
        .datasets()
        .iter()
        .flat_map(|d| catalog.function_names_in(&d.name))
        .chain(catalog.function_names())
        .map(str::to_owned)
        .collect();
    let mut classified: Vec<(usize, usize, u32)> = Vec::new();
    // Where the tree has a field or tag name: `environment` there is a field, not the keyword.
    let mut names = HashSet::new();
    for statement in &analysis.file().statements {
        key_starts(statement, &mut names);
    }
    for (i, t) in tokens.iter().enumerate() {
        let text = t.text(src);
        let next = next_significant(tokens, i).map(|n| n.text(src));
        let prev = prev_significant(tokens, i).map(|p| p.text(src));
        let class = match t.kind {
            Kind::Space => None,
            Kind::Comment => {
                // `-- @name value`: the key is a decorator, the rest a comment.
                let body = text.trim_start_matches('-');
                let lead = text.len() - body.trim_start().len();
                let rest = body.trim_start();
                if text.starts_with("--") && rest.starts_with('@') {
                    let key_len = rest.find(' ').unwrap_or(rest.len());
                    classified.push((t.start, t.start + lead, COMMENT));
                    classified.push((t.start + lead, t.start + lead + key_len, DECORATOR));
                    if t.start + lead + key_len < t.end {
                        classified.push((t.start + lead + key_len, t.end, COMMENT));
                    }
                    None
                } else {
                    Some(COMMENT)
                }
            }
            Kind::String => Some(STRING),
            Kind::Param => Some(PARAMETER),
            Kind::Number => Some(NUMBER),
            Kind::Punct => matches!(text, "=" | "<" | ">" | "!" | "+" | "-" | "*" | "/" | ":")
                .then_some(OPERATOR),
            Kind::Word if names.contains(&t.start) => Some(PROPERTY),
            Kind::Word => {
                let is_keyword = KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(text));
                let before_key_op = matches!(next, Some(":" | "=" | "<" | ">" | "!"));
                if next == Some("(") && function_names.contains(&text.to_ascii_lowercase()) {
                    Some(FUNCTION)
                } else if prev.is_some_and(|p| p.eq_ignore_ascii_case("FROM")) {
                    Some(NAMESPACE)
                } else if prev == Some(":") {
                    Some(STRING)
                } else if before_key_op || !is_keyword && catalog.lookup_field(text).is_some() {
                    Some(PROPERTY)
                } else if is_keyword {
                    Some(KEYWORD)
                } else {
                    Some(PROPERTY)
                }
            }
        };
        if let Some(class) = class {
            classified.push((t.start, t.end, class));
        }
    }
    encode(doc, &classified)
}

/// The start offsets of the field and tag names of a statement's select list, GROUP BY,
/// ORDER BY and filter keys.
fn key_starts(statement: &ast::Statement, out: &mut HashSet<usize>) {
    fn expr(e: &ast::Expr, out: &mut HashSet<usize>) {
        match &e.kind {
            ExprKind::Field(key) => {
                out.insert(key.span.start as usize);
            }
            ExprKind::Call(c) => call(c, out),
            ExprKind::Binary(a, _, b) => {
                expr(a, out);
                expr(b, out);
            }
            ExprKind::Neg(a) => expr(a, out),
            ExprKind::Number(_) | ExprKind::Param(_) | ExprKind::Star => {}
        }
    }
    fn call(c: &ast::Call, out: &mut HashSet<usize>) {
        for arg in &c.args {
            match &arg.kind {
                ArgKind::Key(key) => {
                    out.insert(key.span.start as usize);
                }
                ArgKind::Call(inner) => call(inner, out),
                _ => {}
            }
        }
    }
    fn filter(f: &ast::Filter, out: &mut HashSet<usize>) {
        match &f.kind {
            FilterKind::Term(t) => {
                let key = match &t.kind {
                    TermKind::Search(s) => Some(&s.key),
                    TermKind::Sql(s) => Some(&s.key),
                    TermKind::FreeText(_) => None,
                };
                match key {
                    Some(TermKey::Key(k)) => {
                        out.insert(k.span.start as usize);
                    }
                    Some(TermKey::Call(c)) => call(c, out),
                    None => {}
                }
            }
            FilterKind::And(all) | FilterKind::Or(all) => all.iter().for_each(|f| filter(f, out)),
            FilterKind::Not(inner) => filter(inner, out),
        }
    }
    let clauses = match &statement.kind {
        StatementKind::Select(select) => {
            for item in &select.items {
                expr(&item.expr, out);
            }
            &select.clauses
        }
        StatementKind::UpdateIssues(update) => &update.clauses,
        StatementKind::ShowEvent(_) | StatementKind::Error => return,
    };
    for clause in [&clauses.where_, &clauses.having].into_iter().flatten() {
        filter(&clause.filter, out);
    }
    if let Some(group) = &clauses.group_by {
        for item in &group.items {
            if let GroupItem::Expr(e) = item {
                expr(e, out);
            }
        }
    }
    if let Some(order) = &clauses.order_by {
        for key in &order.keys {
            if let OrderTarget::Expr(e) = &key.target {
                expr(e, out);
            }
        }
    }
}

/// The protocol's relative encoding; a token that spans lines is split at each line end.
fn encode(doc: &Document, classified: &[(usize, usize, u32)]) -> Vec<lsp::SemanticToken> {
    let src = doc.text();
    let mut out = Vec::new();
    let (mut last_line, mut last_char) = (0u32, 0u32);
    for &(start, end, class) in classified {
        for (piece_start, piece_end) in doc.line_pieces(start, end) {
            let text = src.get(piece_start..piece_end).unwrap_or("");
            let length = u32::try_from(text.encode_utf16().count()).unwrap_or(0);
            if length == 0 {
                continue;
            }
            let pos = doc.position(piece_start);
            let delta_line = pos.line.saturating_sub(last_line);
            let delta_start = if delta_line == 0 {
                pos.character.saturating_sub(last_char)
            } else {
                pos.character
            };
            out.push(lsp::SemanticToken {
                delta_line,
                delta_start,
                length,
                token_type: class,
                token_modifiers_bitset: 0,
            });
            last_line = pos.line;
            last_char = pos.character;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::analysis::Settings;

    #[test]
    fn classifies_words_by_their_neighbours() {
        let text = "-- @name x\nSELECT count() FROM errors WHERE environment:production";
        let doc = Document::new(text, 1);
        let analysis = Analysis::new(text, &Settings::default());
        let tokens = semantic_tokens(&doc, &analysis);
        // Decode back to (line, char, len, type).
        let (mut line, mut ch) = (0, 0);
        let decoded: Vec<(u32, u32, u32, u32)> = tokens
            .iter()
            .map(|t| {
                if t.delta_line > 0 {
                    line += t.delta_line;
                    ch = t.delta_start;
                } else {
                    ch += t.delta_start;
                }
                (line, ch, t.length, t.token_type)
            })
            .collect();
        assert!(decoded.contains(&(0, 3, 5, DECORATOR)), "{decoded:?}");
        assert!(decoded.contains(&(1, 0, 6, KEYWORD)), "{decoded:?}");
        assert!(decoded.contains(&(1, 7, 5, FUNCTION)), "{decoded:?}");
        assert!(decoded.contains(&(1, 20, 6, NAMESPACE)), "{decoded:?}");
        // `environment` is a keyword elsewhere but a field before `:`.
        assert!(decoded.contains(&(1, 33, 11, PROPERTY)), "{decoded:?}");
        assert!(decoded.contains(&(1, 45, 10, STRING)), "{decoded:?}");
    }

    #[test]
    fn a_keyword_spelt_field_in_the_tree_is_a_field() {
        let text =
            "SELECT environment, count() FROM errors GROUP BY environment ORDER BY environment";
        let doc = Document::new(text, 1);
        let analysis = Analysis::new(text, &Settings::default());
        let tokens = semantic_tokens(&doc, &analysis);
        let mut ch = 0;
        let decoded: Vec<(u32, u32)> = tokens
            .iter()
            .map(|t| {
                ch += t.delta_start;
                (ch, t.token_type)
            })
            .collect();
        for start in [7, 49, 70] {
            assert!(
                decoded.contains(&(start, PROPERTY)),
                "{start} in {decoded:?}"
            );
        }
        assert!(decoded.contains(&(40, KEYWORD)), "GROUP: {decoded:?}");
    }
}
