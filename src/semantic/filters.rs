//! The rules of WHERE and HAVING that do not depend on value types: aggregate versus plain
//! conditions, OR mixing, issue-search keys, `start:`/`end:`, browser-only forms, text
//! comparisons, aliases, free text, and unbound parameters. Value typing (dates, numbers,
//! durations, booleans, lists) is the typing code's, which reports its own diagnostics.

use super::checked::ColumnValue;
use super::checked::filter::TypedFilter;
use super::context::Cx;
use super::field_type::FieldType;
use super::functions;
use super::names;
use super::params;
use crate::registry::SemanticCode;
use crate::span::Span;
use crate::syntax::ast::{
    Filter, FilterKind, Key, KeyKind, Operand, SearchOp, SearchValueKind, SqlKind, Term, TermKey,
    TermKind,
};

/// Which clause a filter is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// WHERE of an events query.
    Where {
        /// The query aggregates (else an aggregate condition is an error).
        aggregate: bool,
    },
    /// HAVING of an events query.
    Having {
        /// The query aggregates (else HAVING is an error).
        aggregate: bool,
    },
    /// WHERE of `FROM issues` or `UPDATE issues`.
    Issues,
}

/// An alias of the select list, visible to HAVING (and warned about in WHERE).
pub(crate) struct AliasInfo<'v> {
    pub(crate) name: &'v str,
    pub(crate) value: &'v ColumnValue,
    pub(crate) span: Span,
}

/// Checks a filter clause and types it. `None` after an error.
pub(crate) fn check(
    cx: &mut Cx<'_>,
    filter: &Filter,
    place: Place,
    aliases: &[AliasInfo<'_>],
) -> Option<TypedFilter> {
    let before = cx.error_count();
    let read = sentry_null_reading(cx, filter);
    let filter = read.as_ref().unwrap_or(filter);
    let mut walker = Walker { cx, place, aliases };
    walker.filter(filter, false);
    let keys = super::keys::CatalogKeys {
        catalog: walker.cx.catalog,
        dataset: &walker.cx.dataset,
    };
    // In HAVING an alias stands for the aggregate it names; WHERE never resolves aliases.
    let resolved;
    let filter = if matches!(place, Place::Having { .. }) && !aliases.is_empty() {
        resolved = resolve_aliases(filter, aliases);
        &resolved
    } else {
        filter
    };
    let (typed, diagnostics) = super::filter_typing::type_filter(filter, &keys, walker.cx.params);
    // The checker reports unbound parameters everywhere with one code; the typer's own
    // report of the same thing would say it twice.
    for d in diagnostics {
        if d.code != crate::registry::FilterCode::UnboundParameter.as_str() {
            walker.cx.push(d);
        }
    }
    if walker.cx.error_count() == before {
        typed
    } else {
        None
    }
}

/// Whether `key` names a field of the catalog (or is a `tags[…]` form): only there does
/// `key IS NULL` mean a null test; elsewhere it is Sentry's free text (language.md §5).
fn is_catalog_key(cx: &Cx<'_>, key: &TermKey) -> bool {
    match key {
        TermKey::Call(_) => true,
        TermKey::Key(k) => match &k.kind {
            KeyKind::Name(n) | KeyKind::Quoted(n) => {
                cx.catalog.lookup_field(n).is_some()
                    || cx.catalog.search_key(&cx.dataset, n).is_some()
            }
            KeyKind::Explicit { .. } | KeyKind::ArrayIncludes(_) => true,
        },
    }
}

/// `x is null` (not in capitals) after a word that is no field is free text to Sentry (a
/// browser's TypeError reads "x is null"): read it so, merged with the free text beside it.
/// After a field, the SQL reading stays, and differs from Sentry's, which is said
/// (`dql::filter::differs_from_sentry`). `IS NULL` in capitals is taken as meant. `None` when
/// nothing changes.
fn sentry_null_reading(cx: &mut Cx<'_>, filter: &Filter) -> Option<Filter> {
    let mut changed = false;
    let out = null_reading(cx, filter, &mut changed);
    changed.then_some(out)
}

fn null_reading(cx: &mut Cx<'_>, filter: &Filter, changed: &mut bool) -> Filter {
    use crate::syntax::ast::FreeText;
    let free = |f: &Filter| -> bool {
        matches!(
            &f.kind,
            FilterKind::Term(Term {
                kind: TermKind::FreeText(FreeText {
                    quoted: false,
                    param: false,
                    ..
                }),
                ..
            })
        )
    };
    match &filter.kind {
        FilterKind::Term(term) => {
            let TermKind::Sql(sql) = &term.kind else {
                return filter.clone();
            };
            let SqlKind::IsNull {
                negated,
                written,
                words: words_span,
            } = &sql.kind
            else {
                return filter.clone();
            };
            let key_len = match &sql.key {
                TermKey::Key(k) => k.span.len(),
                TermKey::Call(c) => c.span.len(),
            };
            let words = written.get(key_len..).unwrap_or("");
            let capitals = words
                .split_whitespace()
                .all(|w| w.chars().all(|c| c.is_ascii_uppercase()));
            if !capitals && !is_catalog_key(cx, &sql.key) {
                *changed = true;
                return Filter {
                    span: filter.span,
                    kind: FilterKind::Term(Term {
                        span: term.span,
                        kind: TermKind::FreeText(FreeText {
                            text: written.clone(),
                            quoted: false,
                            param: false,
                        }),
                    }),
                };
            }
            if !capitals {
                let words_span = *words_span;
                let canonical = if *negated { "IS NOT NULL" } else { "IS NULL" };
                let severity = if cx.options.strict {
                    crate::diagnostic::Severity::Error
                } else {
                    crate::diagnostic::Severity::Warning
                };
                let phrase = written.clone();
                cx.push(
                    crate::diagnostic::Diagnostic::new(
                        severity,
                        crate::registry::ReadingCode::DiffersFromSentry,
                        words_span,
                        format!("`{}` tests for a missing value here; Sentry reads `{phrase}` as free text", words.trim()),
                    )
                    .label(format!("read as {canonical}"))
                    .help(format!(
                        "dql reads {canonical}; Sentry (a pasted search) searches the message for \"{phrase}\". Write `{canonical}` in capitals for the test, or `\"{phrase}\"` to search for the text"
                    ))
                    .fix(words_span, canonical),
                );
            }
            filter.clone()
        }
        FilterKind::Not(inner) => Filter {
            span: filter.span,
            kind: FilterKind::Not(Box::new(null_reading(cx, inner, changed))),
        },
        FilterKind::Or(items) => Filter {
            span: filter.span,
            kind: FilterKind::Or(items.iter().map(|f| null_reading(cx, f, changed)).collect()),
        },
        FilterKind::And(items) => {
            let mut out: Vec<Filter> = Vec::with_capacity(items.len());
            // Whether each item of `out` holds a phrase read as free text here.
            let mut from_null: Vec<bool> = Vec::with_capacity(items.len());
            for item in items {
                let was_sql = matches!(
                    &item.kind,
                    FilterKind::Term(Term {
                        kind: TermKind::Sql(_),
                        ..
                    })
                );
                let read = null_reading(cx, item, changed);
                let became_free = was_sql && free(&read);
                // Free text beside the phrase is one free text to Sentry: merge them.
                let prev_null = from_null.last().copied().unwrap_or(false);
                match out.last_mut() {
                    Some(prev) if free(prev) && free(&read) && (became_free || prev_null) => {
                        merge_free(prev, &read);
                        if let Some(last) = from_null.last_mut() {
                            *last = true;
                        }
                    }
                    _ => {
                        out.push(read);
                        from_null.push(became_free);
                    }
                }
            }
            if out.len() == 1
                && let Some(only) = out.pop()
            {
                return only;
            }
            Filter {
                span: filter.span,
                kind: FilterKind::And(out),
            }
        }
    }
}

/// Appends the free text `next` to the free text `prev`, with the spaces between them.
fn merge_free(prev: &mut Filter, next: &Filter) {
    let gap = next.span.start.saturating_sub(prev.span.end) as usize;
    if let (
        FilterKind::Term(Term {
            kind: TermKind::FreeText(a),
            span,
        }),
        FilterKind::Term(Term {
            kind: TermKind::FreeText(b),
            ..
        }),
    ) = (&mut prev.kind, &next.kind)
    {
        a.text.push_str(&" ".repeat(gap.max(1)));
        a.text.push_str(&b.text);
        *span = span.to(next.span);
    }
    prev.span = prev.span.to(next.span);
}

/// A copy of `filter` where every key naming an alias of a function is that function's call.
fn resolve_aliases(filter: &Filter, aliases: &[AliasInfo<'_>]) -> Filter {
    use crate::syntax::ast::{Arg, ArgKind, Call};
    let call_for = |key: &TermKey| -> Option<TermKey> {
        let TermKey::Key(Key {
            kind: KeyKind::Name(name) | KeyKind::Quoted(name),
            span,
        }) = key
        else {
            return None;
        };
        let info = aliases.iter().find(|a| a.name == name)?;
        let ColumnValue::Function(function) = info.value else {
            return None;
        };
        let args = function
            .args
            .iter()
            .map(|a| Arg {
                kind: match a.text.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                    Some(inner) => ArgKind::Quoted(inner.replace("\\\"", "\"")),
                    None => ArgKind::Word(a.text.clone()),
                },
                span: *span,
            })
            .collect();
        Some(TermKey::Call(Call {
            name: crate::span::Spanned::new(function.name.clone(), *span),
            distinct: None,
            args,
            span: *span,
        }))
    };
    let mut out = filter.clone();
    rewrite_keys(&mut out, &call_for);
    out
}

fn rewrite_keys(filter: &mut Filter, call_for: &dyn Fn(&TermKey) -> Option<TermKey>) {
    match &mut filter.kind {
        FilterKind::Term(term) => {
            let key = match &mut term.kind {
                TermKind::Search(s) => &mut s.key,
                TermKind::Sql(s) => &mut s.key,
                TermKind::FreeText(_) => return,
            };
            if let Some(replacement) = call_for(key) {
                *key = replacement;
            }
        }
        FilterKind::And(items) | FilterKind::Or(items) => {
            for item in items {
                rewrite_keys(item, call_for);
            }
        }
        FilterKind::Not(inner) => rewrite_keys(inner, call_for),
    }
}

struct Walker<'x, 'a, 'v> {
    cx: &'x mut Cx<'a>,
    place: Place,
    aliases: &'x [AliasInfo<'v>],
}

/// Spans of the aggregate and plain conditions under a node.
#[derive(Default)]
struct Kinds {
    aggregate: Vec<Span>,
    plain: Vec<Span>,
}

impl Walker<'_, '_, '_> {
    fn filter(&mut self, filter: &Filter, negated: bool) -> Kinds {
        match &filter.kind {
            FilterKind::Term(term) => self.term(term, negated),
            FilterKind::And(items) => {
                if negated && items.len() > 1 && self.place == Place::Issues {
                    self.issue_or(filter.span, "NOT over several conditions makes an OR");
                }
                let kinds = self.all(items, negated);
                // NOT pushed down makes this AND an OR: it must not mix either.
                if negated && items.len() > 1 {
                    self.or_mix(filter.span, &kinds);
                }
                kinds
            }
            FilterKind::Or(items) => {
                if !negated && self.place == Place::Issues {
                    self.issue_or(filter.span, "issue search has no OR");
                }
                let kinds = self.all(items, negated);
                if !negated {
                    self.or_mix(filter.span, &kinds);
                }
                kinds
            }
            FilterKind::Not(inner) => self.filter(inner, !negated),
        }
    }

    /// An OR (as sent, after NOT is pushed down) mixing aggregate and plain conditions.
    fn or_mix(&mut self, span: Span, kinds: &Kinds) {
        if let (Some(agg), Some(plain)) = (kinds.aggregate.first(), kinds.plain.first()) {
            let (agg, plain) = (*agg, *plain);
            self.cx
                .error(
                    SemanticCode::OrMixesAggregates,
                    span,
                    "an OR cannot mix an aggregate condition and a plain condition",
                )
                .label("this OR")
                .with_label(agg, "an aggregate condition")
                .with_label(plain, "a plain condition")
                .help("Sentry refuses it: move the plain condition out of the OR, into WHERE");
        }
    }

    fn all(&mut self, items: &[Filter], negated: bool) -> Kinds {
        let mut kinds = Kinds::default();
        for item in items {
            let k = self.filter(item, negated);
            kinds.aggregate.extend(k.aggregate);
            kinds.plain.extend(k.plain);
        }
        kinds
    }

    fn issue_or(&mut self, span: Span, why: &str) {
        self.cx
            .error(SemanticCode::IssueFilterOr, span, format!("{why}; Sentry's issue search refuses OR"))
            .label("an OR in an issue search")
            .help("issue search takes conditions side by side only; run one query per alternative, or use a list `key:[a, b]`");
    }

    fn term(&mut self, term: &Term, negated: bool) -> Kinds {
        let mut kinds = Kinds::default();
        let key = match &term.kind {
            TermKind::FreeText(text) => {
                if text.param {
                    params::bound(self.cx, &text.text, term.span);
                } else if !text.quoted {
                    self.free_text(&text.text, term.span);
                }
                kinds.plain.push(term.span);
                return kinds;
            }
            TermKind::Search(search) => {
                // `has:$x` puts a parameter where a name belongs: the typer reports that, and
                // "unbound" would only add noise.
                let names_a_key = matches!(&search.key, TermKey::Key(Key { kind: KeyKind::Name(n), .. }) if n == "has");
                if !names_a_key {
                    self.search_value(&search.value.kind, search.value.span);
                }
                if let Some(op) = &search.op
                    && op.node == SearchOp::Matches
                {
                    self.cx
                        .error(SemanticCode::BrowserOnlySyntax, op.span, "regular-expression matches are accepted only by Sentry's browser search")
                        .label("browser-only operator")
                        .help("use a wildcard instead: `key:*part*`");
                }
                &search.key
            }
            TermKind::Sql(sql) => {
                self.sql_operands(&sql.kind);
                &sql.key
            }
        };
        if let TermKind::Sql(s) = &term.kind
            && self.place == Place::Issues
            && matches!(s.kind, SqlKind::Between { negated: true, .. })
            && !negated
        {
            self.issue_or(term.span, "NOT BETWEEN makes an OR");
        }
        match key {
            TermKey::Call(call) => {
                let aggregate = match functions::check_call(self.cx, call) {
                    Some(f) => f.aggregate,
                    None => true,
                };
                if aggregate {
                    self.aggregate_term(term.span);
                    kinds.aggregate.push(term.span);
                } else {
                    kinds.plain.push(term.span);
                }
            }
            TermKey::Key(key) => {
                if self.key_term(key, term) {
                    kinds.aggregate.push(term.span);
                } else {
                    kinds.plain.push(term.span);
                }
            }
        }
        kinds
    }

    /// An aggregate condition: where it may stand.
    fn aggregate_term(&mut self, span: Span) {
        match self.place {
            Place::Where { aggregate: true } => {
                self.cx
                    .warning(
                        SemanticCode::AggregateInWhere,
                        span,
                        "an aggregate condition in WHERE",
                    )
                    .label("an aggregate condition")
                    .help("Sentry accepts it, but it belongs in HAVING: move it there");
            }
            Place::Where { aggregate: false } | Place::Having { aggregate: false } => {
                self.cx
                    .error(
                        SemanticCode::AggregateInRawQuery,
                        span,
                        "an aggregate condition in a raw-events query",
                    )
                    .label("an aggregate condition")
                    .help("add GROUP BY … or select an aggregate, so the query aggregates");
            }
            Place::Having { aggregate: true } => {}
            Place::Issues => {
                self.cx
                    .error(
                        SemanticCode::IssuesAggregate,
                        span,
                        "aggregate conditions are not supported in issue searches",
                    )
                    .label("an aggregate condition")
                    .help("filter on issue keys such as `timesSeen:>100` instead");
            }
        }
    }

    /// Checks a condition on a key; true when it is an aggregate (an alias of one in HAVING).
    fn key_term(&mut self, key: &Key, term: &Term) -> bool {
        let name = names::plain_name(key).map(str::to_string);
        if let (Some(name), Place::Having { .. }) = (&name, self.place)
            && let Some(alias) = self.aliases.iter().find(|a| a.name == name.as_str())
        {
            if alias.value.is_aggregate() {
                if let Place::Having { aggregate: false } = self.place {
                    self.aggregate_term(term.span);
                }
                return true;
            }
            let span = alias.span;
            self.cx
                .error(
                    SemanticCode::PlainConditionInHaving,
                    key.span,
                    format!("`{name}` is an alias of a plain field"),
                )
                .label("not an aggregate")
                .with_label(span, "defined here")
                .help("HAVING holds aggregate conditions; filter plain fields in WHERE");
            return false;
        }
        if let Place::Having { .. } = self.place {
            self.cx
                .error(
                    SemanticCode::PlainConditionInHaving,
                    term.span,
                    "a plain condition in HAVING",
                )
                .label("not an aggregate condition")
                .help(
                    "move it to WHERE; HAVING holds conditions on aggregates such as `count():>10`",
                );
        }
        let Some(name) = name else {
            // tags[…] forms: only the browser-only ones are refused.
            names::resolve_column(self.cx, key);
            return false;
        };
        if name == "has" {
            return false;
        }
        if matches!(name.as_str(), "start" | "end") {
            self.cx
                .error(
                    SemanticCode::TimeKeyInFilter,
                    key.span,
                    format!("Sentry ignores `{name}:` in a filter"),
                )
                .label("ignored by Sentry")
                .help("use SINCE/UNTIL for the time range");
            return false;
        }
        let catalog = self.cx.catalog;
        if self.place != Place::Issues && catalog.is_issue_search_key(&name) {
            self.cx
                .error(
                    SemanticCode::IssueKeyOutsideIssues,
                    key.span,
                    format!("`{name}:` is an issue-search key"),
                )
                .label("only in FROM issues")
                .help("add `FROM issues` to search issues, or filter events on their fields");
            return false;
        }
        if let Place::Where { .. } = self.place
            && let Some(alias) = self.aliases.iter().find(|a| a.name == name.as_str())
        {
            let span = alias.span;
            self.cx
                .warning(
                    SemanticCode::AliasInWhere,
                    key.span,
                    format!("`{name}` here is the tag, not the alias"),
                )
                .label("read as a tag")
                .with_label(span, "the alias")
                .help(format!(
                    "aliases do not resolve in WHERE; move the condition on `{name}` to HAVING"
                ));
        }
        if self.cx.checked {
            if self.place == Place::Issues {
                self.issue_values(&name, term);
            }
            let unknown = catalog.search_key(&self.cx.dataset, &name).is_none();
            if unknown && catalog.is_trace_items(&self.cx.dataset) {
                // Any other name is an attribute the org may have.
                names::unknown_attribute(self.cx, &name, key.span);
            } else if unknown {
                let others = names::events_datasets_having(self.cx, &name);
                match catalog.lookup_field(&name) {
                    Some(field)
                        if !field.promoted_tag && !field.filter_only && !others.is_empty() =>
                    {
                        names::not_in_dataset(self.cx, "field", &name, key.span, &others);
                        return false;
                    }
                    Some(field) if field.promoted_tag || field.filter_only => {}
                    _ => names::unknown_name_warnings(self.cx, &name, key.span),
                }
            }
        }
        false
    }

    /// Values of issue keys with a closed set (`is:`, `issue.priority:` …).
    fn issue_values(&mut self, name: &str, term: &Term) {
        let catalog = self.cx.catalog;
        let Some(key) = catalog.issue_search_key(name) else {
            return;
        };
        if key.values.is_empty() {
            return;
        }
        let TermKind::Search(search) = &term.kind else {
            return;
        };
        let mut values: Vec<(String, Span)> = Vec::new();
        match &search.value.kind {
            SearchValueKind::Text { text, .. } => values.push((text.clone(), search.value.span)),
            SearchValueKind::List(items) => {
                values.extend(
                    items
                        .iter()
                        .filter(|i| !i.param)
                        .map(|i| (i.text.clone(), i.span)),
                );
            }
            SearchValueKind::Param(_) => {}
        }
        // Sentry upper-cases a category and looks a priority up by name
        // (`issue_search.py` `convert_category_value`, `convert_priority_value`).
        let fold = matches!(name, "issue.category" | "issue.priority");
        for (value, span) in values {
            let ok = key.values.iter().any(|v| {
                if fold {
                    v.eq_ignore_ascii_case(&value)
                } else {
                    *v == value
                }
            });
            if !ok {
                let list: Vec<&str> = key.values.iter().map(String::as_str).collect();
                self.cx
                    .error(
                        SemanticCode::BadIssueValue,
                        span,
                        format!("`{value}` is not a value of `{name}:`"),
                    )
                    .label("unknown value")
                    .help_closest(&value, list);
            }
        }
    }

    fn free_text(&mut self, text: &str, span: Span) {
        let catalog = self.cx.catalog;
        if self.cx.checked
            && catalog.search_key_type(&self.cx.dataset, text) == Some(FieldType::Boolean)
        {
            let replacement = format!("{text}:true");
            self.cx
                .warning(
                    SemanticCode::FreeTextBoolean,
                    span,
                    format!("`{text}` is free text (a message search)"),
                )
                .label("searched in the message")
                .help(format!("did you mean `{replacement}`?"))
                .fix(span, replacement);
        }
    }

    fn search_value(&mut self, value: &SearchValueKind, span: Span) {
        match value {
            SearchValueKind::Param(name) => {
                params::bound(self.cx, name, span);
            }
            SearchValueKind::List(items) => {
                for item in items.iter().filter(|i| i.param) {
                    params::bound(self.cx, &item.text, item.span);
                }
            }
            SearchValueKind::Text { .. } => {}
        }
    }

    fn sql_operands(&mut self, kind: &SqlKind) {
        let check = |cx: &mut Cx<'_>, op: &Operand| {
            params::operand_text(cx, op);
        };
        match kind {
            SqlKind::Compare(_, op) => check(self.cx, op),
            SqlKind::In { items, .. } => items.iter().for_each(|op| check(self.cx, op)),
            SqlKind::Like { pattern, .. } => check(self.cx, pattern),
            SqlKind::Between { low, high, .. } => {
                check(self.cx, low);
                check(self.cx, high);
            }
            SqlKind::IsNull { .. } => {}
        }
    }
}
