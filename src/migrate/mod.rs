//! Migration off the deprecated `transactions` and `discover` datasets to `spans`.
//!
//! Sentry has moved transaction queries to the spans dataset (sentry-api-2026.md §1). The
//! rules are Sentry's own translation of saved transaction queries,
//! `src/sentry/discover/translation/mep_to_eap.py` (getsentry/sentry): its column swaps
//! (`transaction.duration` → `span.duration`, `title` → `transaction`, …), `percentile(c,p)`
//! → the nearest `pN(c)`, `event.type:transaction` → `is_transaction:true`, the condition
//! `is_transaction:true` added to every query, and the columns it drops (`any`,
//! `count_miserable`, `count_web_vitals`, `last_seen`, `total.count`), which dql reports
//! instead of dropping. dql also reports what its spans catalog does not have.
//!
//! The rewrite edits the source text at the spans of what changes, so formatting, comments
//! and annotations survive. A statement with anything that has no equivalent is left as it
//! is and each such thing is reported at its span: nothing is dropped silently.

mod discover_chart;

use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::{MigrateCode, SemanticCode};
use crate::semantic::{self, Catalog, CheckOptions, Params};
use crate::source::Source;
use crate::span::Span;
use crate::syntax::ast::{
    self, Arg, ArgKind, Call, Expr, ExprKind, Filter, FilterKind, GroupItem, Key, KeyKind,
    OrderTarget, SearchValueKind, StatementKind, Term, TermKey, TermKind,
};

/// The result of migrating a source.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The rewritten text (the input where nothing changed).
    pub text: String,
    /// How many statements were rewritten.
    pub rewritten: usize,
    /// What could not be migrated, at its span in the input; each an error.
    pub reports: Vec<Diagnostic>,
}

impl Migration {
    /// True when the rewrite changed the text.
    pub fn changed(&self, source: &Source) -> bool {
        self.text != source.text()
    }
}

/// Columns Sentry's translation swaps (mep_to_eap.py, `column_switcheroo`).
const COLUMN_SWAPS: &[(&str, &str)] = &[
    ("transaction.duration", "span.duration"),
    ("http.method", "transaction.method"),
    ("title", "transaction"),
    ("url", "request.url"),
    ("http.url", "request.url"),
    ("transaction.status", "trace.status"),
    ("geo.city", "user.geo.city"),
    ("geo.country_code", "user.geo.country_code"),
    ("geo.region", "user.geo.region"),
    ("geo.subdivision", "user.geo.subdivision"),
    ("geo.subregion", "user.geo.subregion"),
    ("timestamp.to_day", "timestamp"),
    ("timestamp.to_hour", "timestamp"),
    ("platform.name", "platform"),
];

/// Functions and columns Sentry's translation drops (mep_to_eap.py, `COLUMNS_TO_DROP`).
const DROPPED: &[&str] = &[
    "any",
    "count_miserable",
    "count_web_vitals",
    "last_seen",
    "total.count",
];

/// Function renames: Sentry's alias `tpm` is `epm`, which spans have.
const FUNCTION_RENAMES: &[(&str, &str)] = &[("tpm", "epm")];

/// The spans column for a transactions column, when Sentry swaps it.
pub fn spans_column(name: &str) -> Option<&'static str> {
    COLUMN_SWAPS
        .iter()
        .find(|(old, _)| *old == name)
        .map(|(_, new)| *new)
}

/// Migrates every statement over `transactions` or `discover` in `source`.
pub fn migrate(source: &Source, catalog: &Catalog) -> Migration {
    let parsed = crate::syntax::parse(source);
    let mut edits: Vec<(Span, String)> = Vec::new();
    let mut reports = Vec::new();
    let mut rewritten = 0;
    for statement in &parsed.file.statements {
        let Some(plan) = plan_statement(source.text(), statement, catalog) else {
            continue;
        };
        if plan.reports.is_empty() {
            edits.extend(plan.edits);
            edits.extend(saved_query_edits(source.text(), statement));
            let (chart, dropped) = saved_chart_edits(source.text(), statement, &plan.columns);
            edits.extend(chart);
            reports.extend(dropped);
            rewritten += 1;
        } else {
            reports.extend(plan.reports);
        }
    }
    Migration {
        text: apply(source.text(), edits),
        rewritten,
        reports,
    }
}

/// A pulled Discover saved query (`-- @source discover`) moved to spans belongs in Explore:
/// Sentry's own migration (getsentry/sentry `src/sentry/explore/translation/discover_translation.py`)
/// turns a Discover transaction query into a new Explore saved query and leaves the Discover
/// one be. So `-- @source discover` becomes `-- @source explore` and the `-- @id` line (a
/// Discover id, which names no Explore query) goes: `dql push` then creates the Explore query,
/// and `dql push --prune` removes the Discover original no file names any more.
fn saved_query_edits(text: &str, statement: &ast::Statement) -> Vec<(Span, String)> {
    let discover = statement
        .annotations
        .iter()
        .find(|a| a.key.node == "source" && a.value.node.trim() == "discover");
    let Some(source) = discover else {
        return Vec::new();
    };
    let mut edits = vec![(source.value.span, "explore".to_owned())];
    for a in statement.annotations.iter().filter(|a| a.key.node == "id") {
        let end = a.span.end as usize;
        let end = match text.get(end..end + 1) {
            Some("\n") => end + 1,
            _ => end,
        };
        edits.push((Span::new(a.span.start as usize, end), String::new()));
    }
    edits
}

/// A migrated Discover query's chart settings in `-- @saved` (`yAxis`, `display`,
/// `topEvents`…), rewritten in Explore's terms where Sentry's migration has them
/// ([`discover_chart`]), so `push` takes the file as it is; each setting dropped
/// is a warning at the annotation.
fn saved_chart_edits(
    text: &str,
    statement: &ast::Statement,
    columns: &[(String, bool)],
) -> (Vec<(Span, String)>, Vec<Diagnostic>) {
    let from_discover = statement
        .annotations
        .iter()
        .any(|a| a.key.node == "source" && a.value.node.trim() == "discover");
    let saved = statement.annotations.iter().find(|a| a.key.node == "saved");
    let (true, Some(saved)) = (from_discover, saved) else {
        return (Vec::new(), Vec::new());
    };
    let Ok(serde_json::Value::Object(object)) = serde_json::from_str(&saved.value.node) else {
        // A malformed annotation is push's to report (`dql::saved::bad_annotation`).
        return (Vec::new(), Vec::new());
    };
    let before = object.clone();
    let (translated, dropped) = discover_chart::translate(object, columns);
    let warnings = dropped
        .into_iter()
        .map(|message| {
            Diagnostic::warning(MigrateCode::ChartDropped, saved.value.span, message)
                .label("in the Discover chart settings")
                .help("Explore's chart is its `aggregateField` chart types and `interval`; set what you need there in `-- @saved`")
        })
        .collect();
    if translated == before {
        return (Vec::new(), warnings);
    }
    let edit = if translated.is_empty() {
        let end = saved.span.end as usize;
        let end = match text.get(end..end + 1) {
            Some("\n") => end + 1,
            _ => end,
        };
        (Span::new(saved.span.start as usize, end), String::new())
    } else {
        let json = serde_json::Value::Object(translated).to_string();
        (saved.value.span, json)
    };
    (vec![edit], warnings)
}

/// The warning for a session default of `dataset` (the REPL's `.set dataset NAME`, `span` at
/// the name) when it is `transactions` or `discover`: the same code and words as a statement's.
pub fn dataset_default_warning(name: &str, span: Span) -> Option<Diagnostic> {
    if name != "transactions" && name != "discover" {
        return None;
    }
    Some(
        Diagnostic::warning(
            MigrateCode::DeprecatedDataset,
            span,
            format!("`{name}` is deprecated on sentry.io: Sentry has moved transaction queries to `spans`"),
        )
        .label("deprecated dataset")
        .help("query spans instead (`.set dataset spans`; `dql migrate FILE` rewrites saved queries); self-hosted Sentry still serves this dataset"),
    )
}

/// Warnings for statements over `transactions` or `discover`, which sentry.io has deprecated
/// (self-hosted Sentry still serves them): each at the dataset name, with the whole
/// statement's rewrite as its fix when the statement migrates cleanly.
pub fn deprecation_warnings(source: &Source, catalog: &Catalog) -> Vec<Diagnostic> {
    let parsed = crate::syntax::parse(source);
    let mut out = Vec::new();
    for statement in &parsed.file.statements {
        let StatementKind::Select(select) = &statement.kind else {
            continue;
        };
        let Some(from) = &select.clauses.from else {
            continue;
        };
        let name = from.dataset.node.as_str();
        if name != "transactions" && name != "discover" {
            continue;
        }
        let warning = Diagnostic::warning(
            MigrateCode::DeprecatedDataset,
            from.dataset.span,
            format!("`{name}` is deprecated on sentry.io: Sentry has moved transaction queries to `spans`"),
        )
        .label("deprecated dataset");
        let warning = match migrate_statement(source.text(), statement, catalog) {
            Some(rewrite) => warning
                .help(format!("query spans instead (`dql migrate FILE` rewrites it): {rewrite}"))
                .fix(statement.span, rewrite),
            None => warning.help(
                "`dql migrate FILE` says what has no spans equivalent; self-hosted Sentry still serves this dataset",
            ),
        };
        out.push(warning);
    }
    out
}

/// The rewritten text of one statement (its span's text), when it migrates cleanly; `None`
/// when it is not over an old dataset or something in it has no equivalent. For the
/// checker's fix-it on a deprecated dataset.
pub fn migrate_statement(
    text: &str,
    statement: &ast::Statement,
    catalog: &Catalog,
) -> Option<String> {
    let plan = plan_statement(text, statement, catalog)?;
    if !plan.reports.is_empty() {
        return None;
    }
    let span = statement.span;
    let start = span.start as usize;
    let local: Vec<(Span, String)> = plan
        .edits
        .into_iter()
        .map(|(s, r)| (shift(s, span), r))
        .collect();
    let slice = text.get(start..span.end as usize)?;
    Some(apply(slice, local))
}

/// `s` relative to the start of `base`.
fn shift(s: Span, base: Span) -> Span {
    let start = s.start.saturating_sub(base.start) as usize;
    let end = s.end.saturating_sub(base.start) as usize;
    Span::new(start, end)
}

/// An empty span at `offset`.
fn at(offset: u32) -> Span {
    Span::new(offset as usize, offset as usize)
}

/// Applies non-overlapping edits (later ones first, so earlier offsets stay valid).
fn apply(text: &str, mut edits: Vec<(Span, String)>) -> String {
    edits.sort_by_key(|(span, _)| (span.start, span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0usize;
    for (span, replacement) in edits {
        let (start, end) = (span.start as usize, span.end as usize);
        if start < at || end > text.len() {
            continue;
        }
        out.push_str(text.get(at..start).unwrap_or_default());
        out.push_str(&replacement);
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// The edits and reports of one statement.
struct Plan {
    edits: Vec<(Span, String)>,
    reports: Vec<Diagnostic>,
    /// The rewritten statement's columns (canonical text, whether it aggregates), once checked.
    columns: Vec<(String, bool)>,
}

fn plan_statement(text: &str, statement: &ast::Statement, catalog: &Catalog) -> Option<Plan> {
    let StatementKind::Select(select) = &statement.kind else {
        return None;
    };
    let from = select.clauses.from.as_ref()?;
    let dataset = from.dataset.node.as_str();
    if dataset != "transactions" && dataset != "discover" {
        return None;
    }
    let mut plan = Plan {
        edits: vec![(from.dataset.span, String::from("spans"))],
        reports: Vec::new(),
        columns: Vec::new(),
    };
    let mut walker = Walker {
        catalog,
        dataset,
        plan: &mut plan,
        found_transaction_type: false,
    };
    for item in &select.items {
        walker.expr(&item.expr);
    }
    if let Some(where_) = &select.clauses.where_ {
        walker.filter(&where_.filter, true);
    }
    if let Some(having) = &select.clauses.having {
        walker.filter(&having.filter, false);
    }
    if let Some(group_by) = &select.clauses.group_by {
        for item in &group_by.items {
            if let GroupItem::Expr(expr) = item {
                walker.expr(expr);
            }
        }
    }
    if let Some(order_by) = &select.clauses.order_by {
        for key in &order_by.keys {
            if let OrderTarget::Expr(expr) = &key.target {
                walker.expr(expr);
            }
        }
    }
    let found = walker.found_transaction_type;
    if dataset == "discover" && !found {
        plan.reports.push(
            Diagnostic::error(
                MigrateCode::MixedDataset,
                from.dataset.span,
                "`discover` holds errors and transactions; spans hold only the transactions",
            )
            .label("no one spans equivalent")
            .help(
                "add `event.type:transaction` to WHERE to migrate the transactions, or write \
                 `FROM errors` for the errors",
            ),
        );
    }
    if !found {
        // mep_to_eap.py, apply_is_segment_condition: `(query) AND is_transaction:1`.
        match &select.clauses.where_ {
            Some(where_) => {
                let filter = &where_.filter;
                if matches!(filter.kind, FilterKind::Or(_)) {
                    plan.edits.push((at(filter.span.start), "(".into()));
                    plan.edits
                        .push((at(filter.span.end), ") AND is_transaction:true".into()));
                } else {
                    plan.edits
                        .push((at(filter.span.end), " AND is_transaction:true".into()));
                }
            }
            None => plan
                .edits
                .push((at(from.span.end), " WHERE is_transaction:true".into())),
        }
    }
    if plan.reports.is_empty() {
        check_rewrite(text, statement, &mut plan, catalog);
    }
    Some(plan)
}

/// Checks the rewritten statement against the catalog; its errors become reports at the
/// statement, so that a rewrite that would not compile is never written.
fn check_rewrite(text: &str, statement: &ast::Statement, plan: &mut Plan, catalog: &Catalog) {
    let span = statement.span;
    let local: Vec<(Span, String)> = plan
        .edits
        .iter()
        .map(|(s, r)| (shift(*s, span), r.clone()))
        .collect();
    let Some(slice) = text.get(span.start as usize..span.end as usize) else {
        return;
    };
    let rewritten = apply(slice, local);
    let source = Source::new("migrated", rewritten.clone());
    let parsed = crate::syntax::parse(&source);
    let checked = semantic::check(
        &parsed.file,
        catalog,
        &Params::new(),
        &CheckOptions::default(),
    );
    if let Some(crate::semantic::checked::CheckedKind::Events(q)) =
        checked.statements.first().map(|s| &s.kind)
    {
        plan.columns = q
            .columns
            .iter()
            .map(|c| (c.value.canonical(), c.value.is_aggregate()))
            .collect();
    }
    let errors = parsed
        .diagnostics
        .iter()
        .chain(&checked.diagnostics)
        .filter(|d| d.severity == Severity::Error && d.code != SemanticCode::UnboundParam.as_str());
    for error in errors {
        let what = error
            .span()
            .slice(&rewritten)
            .map(|t| format!(" (at `{t}`)"))
            .unwrap_or_default();
        plan.reports.push(
            Diagnostic::error(
                MigrateCode::DoesNotCheck,
                span,
                format!(
                    "rewritten to spans, this statement fails: {}{what}",
                    error.message
                ),
            )
            .label("left unchanged")
            .help(format!("the rewrite was: {rewritten}")),
        );
    }
}

struct Walker<'a, 'p> {
    catalog: &'a Catalog,
    dataset: &'a str,
    plan: &'p mut Plan,
    found_transaction_type: bool,
}

impl Walker<'_, '_> {
    fn report(&mut self, span: Span, message: String, help: &str) {
        self.plan.reports.push(
            Diagnostic::error(MigrateCode::NoEquivalent, span, message)
                .label("no spans equivalent")
                .help(help.to_string()),
        );
    }

    /// A column name as written: swapped, kept, or reported.
    fn column(&mut self, name: &str, span: Span) {
        if let Some(new) = spans_column(name) {
            self.plan.edits.push((span, new.to_string()));
            return;
        }
        if DROPPED.contains(&name) {
            self.report(
                span,
                format!("`{name}` has no spans equivalent"),
                "Sentry's own migration drops it (mep_to_eap.py); remove it or keep this query on the old dataset",
            );
            return;
        }
        if name == "event.type" {
            self.report(
                span,
                "`event.type` has no spans equivalent outside `event.type:transaction`".into(),
                "on spans, filter with `is_transaction:true`",
            );
            return;
        }
        // A field of the old dataset that spans lack would become an empty attribute.
        let old = self
            .catalog
            .field(self.dataset, name)
            .is_some_and(|f| !f.promoted_tag);
        if old && self.catalog.field("spans", name).is_none() {
            self.report(
                span,
                format!(
                    "`{name}` is a field of `{}` that spans do not have",
                    self.dataset
                ),
                "remove it, or keep this query on the old dataset",
            );
        }
    }

    fn key(&mut self, key: &Key) {
        match &key.kind {
            KeyKind::Name(name) => self.column(name, key.span),
            KeyKind::Quoted(name) => {
                if let Some(new) = spans_column(name) {
                    self.plan.edits.push((key.span, format!("\"{new}\"")));
                }
            }
            KeyKind::Explicit { .. } => {}
            KeyKind::ArrayIncludes(inner) => self.key(inner),
        }
    }

    fn call(&mut self, call: &Call) {
        let name = call.name.node.to_ascii_lowercase();
        if DROPPED.contains(&name.as_str()) {
            self.report(
                call.span,
                format!("`{name}()` has no spans equivalent"),
                "Sentry's own migration drops it (mep_to_eap.py); remove it or keep this query on the old dataset",
            );
            return;
        }
        if let Some((_, new)) = FUNCTION_RENAMES.iter().find(|(old, _)| *old == name) {
            self.plan.edits.push((call.name.span, (*new).to_string()));
        }
        if name == "percentile" {
            self.percentile(call);
            return;
        }
        for arg in &call.args {
            self.arg(arg);
        }
    }

    /// `percentile(c, p)` → the nearest of p50 … p100 (mep_to_eap.py, format_percentile_term:
    /// ties round up).
    fn percentile(&mut self, call: &Call) {
        let (
            Some(column),
            Some(Arg {
                kind: ArgKind::Word(p),
                ..
            }),
        ) = (call.args.first(), call.args.get(1))
        else {
            return;
        };
        let Ok(value) = p.parse::<f64>() else { return };
        let choices = [
            (0.5, "p50"),
            (0.75, "p75"),
            (0.9, "p90"),
            (0.95, "p95"),
            (0.99, "p99"),
            (1.0, "p100"),
        ];
        let mut best = choices[0];
        for choice in choices {
            if (value - choice.0).abs() <= (value - best.0).abs() {
                best = choice;
            }
        }
        let column_text = match &column.kind {
            ArgKind::Word(word) => spans_column(word).unwrap_or(word).to_string(),
            _ => return,
        };
        if (value - best.0).abs() > f64::EPSILON {
            self.report(
                call.span,
                format!(
                    "spans have no `percentile(…, {p})`; the nearest is `{}`",
                    best.1
                ),
                "write the nearest percentile function if it will do",
            );
            return;
        }
        self.plan
            .edits
            .push((call.span, format!("{}({column_text})", best.1)));
    }

    fn arg(&mut self, arg: &Arg) {
        match &arg.kind {
            ArgKind::Word(word) => {
                if let Some(new) = spans_column(word) {
                    self.plan.edits.push((arg.span, new.to_string()));
                }
            }
            ArgKind::Key(key) => self.key(key),
            ArgKind::Call(call) => self.call(call),
            ArgKind::Quoted(_) | ArgKind::Param(_) | ArgKind::Star => {}
        }
    }

    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Field(key) => self.key(key),
            ExprKind::Call(call) => self.call(call),
            ExprKind::Binary(left, _, right) => {
                self.expr(left);
                self.expr(right);
            }
            ExprKind::Neg(inner) => self.expr(inner),
            _ => {}
        }
    }

    fn filter(&mut self, filter: &Filter, top: bool) {
        match &filter.kind {
            FilterKind::Term(term) => self.term(term, top),
            FilterKind::And(items) => items.iter().for_each(|f| self.filter(f, top)),
            FilterKind::Or(items) => items.iter().for_each(|f| self.filter(f, false)),
            FilterKind::Not(inner) => self.filter(inner, false),
        }
    }

    fn term(&mut self, term: &Term, top: bool) {
        match &term.kind {
            TermKind::Search(search) => {
                if let TermKey::Key(Key {
                    kind: KeyKind::Name(name),
                    ..
                }) = &search.key
                    && name == "event.type"
                {
                    let value = match &search.value.kind {
                        SearchValueKind::Text { text, .. } => Some(text.as_str()),
                        _ => None,
                    };
                    // mep_to_eap.py, search_term_switcheroo.
                    if value == Some("transaction") && !search.negated && search.op.is_none() {
                        self.plan
                            .edits
                            .push((term.span, String::from("is_transaction:true")));
                        self.found_transaction_type |= top;
                        return;
                    }
                    self.report(
                        term.span,
                        "only `event.type:transaction` has a spans equivalent".into(),
                        "spans hold no error events; query errors with `FROM errors`",
                    );
                    return;
                }
                match &search.key {
                    TermKey::Key(key) => self.key(key),
                    TermKey::Call(call) => self.call(call),
                }
            }
            TermKind::Sql(sql) => match &sql.key {
                TermKey::Key(key) => self.key(key),
                TermKey::Call(call) => self.call(call),
            },
            TermKind::FreeText(_) => {}
        }
    }
}
