//! The syntax tree of a DQL file. Every node carries the [`Span`] it was parsed from.
//!
//! The tree is untyped: a filter term is (key, raw operator, raw value) exactly as written;
//! deciding whether `2m` is minutes or millions is the semantic stage's job.

use crate::span::{Span, Spanned};
use serde::Serialize;

/// A name as written (field, tag, dataset, alias, function name, annotation value).
pub type Ident = Spanned<String>;

/// A whole `.dql` file: statements separated by `;`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct File {
    /// The statements, in source order.
    pub statements: Vec<Statement>,
    /// Comments after the last statement.
    pub trailing_comments: Vec<Comment>,
    /// The whole file.
    pub span: Span,
}

/// A comment, kept so that `dql fmt` can print it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// The comment's text without its markers (`--`, `/*`, `*/`).
    pub text: String,
    /// `--` or `/* */`.
    pub block: bool,
    /// Where it was written.
    pub span: Span,
}

/// An `-- @key value` annotation above a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    /// `name`, `description` or an unknown key (which warns).
    pub key: Ident,
    /// The rest of the line, trimmed.
    pub value: Ident,
    /// The whole comment line.
    pub span: Span,
}

/// One statement with its annotations and comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// `-- @name`, `-- @description` and other annotations directly above it.
    pub annotations: Vec<Annotation>,
    /// Other comments above or inside it, in source order.
    pub comments: Vec<Comment>,
    /// What the statement is.
    pub kind: StatementKind,
    /// From its first keyword to its last token (annotations and `;` excluded).
    pub span: Span,
}

/// The statement forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum StatementKind {
    /// `SELECT …`
    Select(Box<Select>),
    /// `SHOW EVENT id [PROJECT slug]`
    ShowEvent(ShowEvent),
    /// `UPDATE issues SET … WHERE …`
    UpdateIssues(Box<UpdateIssues>),
    /// A statement that failed to parse; its diagnostics say why.
    Error,
}

/// `SELECT [DISTINCT] items clauses`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Select {
    /// The `DISTINCT` keyword, when written.
    pub distinct: Option<Span>,
    /// The select list.
    pub items: Vec<SelectItem>,
    /// The clauses after the select list, each at most once.
    pub clauses: Clauses,
    /// The whole statement.
    pub span: Span,
}

/// The clauses of a SELECT (and of UPDATE issues), each at most once, in any order.
#[derive(Clone, PartialEq, Eq, Default, Serialize)]
pub struct Clauses {
    /// `FROM dataset`
    pub from: Option<FromClause>,
    /// `WHERE filter`
    pub where_: Option<FilterClause>,
    /// `GROUP BY items`
    pub group_by: Option<GroupBy>,
    /// `HAVING filter`
    pub having: Option<FilterClause>,
    /// `ORDER BY keys`
    pub order_by: Option<OrderBy>,
    /// `LIMIT n`
    pub limit: Option<Limit>,
    /// `SINCE a [UNTIL b]`
    pub since: Option<TimeRange>,
    /// `PROJECT …`
    pub project: Option<ProjectClause>,
    /// `ENVIRONMENT …`
    pub environment: Option<EnvironmentClause>,
    /// `INTERVAL period`
    pub interval: Option<Interval>,
    /// `SAMPLING exact|normal`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampling: Option<SamplingClause>,
    /// `COMPARE TO period [AGO]`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare: Option<CompareClause>,
}

/// Written out by hand so that the clauses added later (SAMPLING, COMPARE TO) show only when
/// present: the printed tree of a query without them stays what it was.
impl std::fmt::Debug for Clauses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Clauses");
        d.field("from", &self.from)
            .field("where_", &self.where_)
            .field("group_by", &self.group_by)
            .field("having", &self.having)
            .field("order_by", &self.order_by)
            .field("limit", &self.limit)
            .field("since", &self.since)
            .field("project", &self.project)
            .field("environment", &self.environment)
            .field("interval", &self.interval);
        if let Some(sampling) = &self.sampling {
            d.field("sampling", sampling);
        }
        if let Some(compare) = &self.compare {
            d.field("compare", compare);
        }
        d.finish()
    }
}

/// `FROM dataset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FromClause {
    /// The dataset name as written.
    pub dataset: Ident,
    /// The whole clause.
    pub span: Span,
}

/// `WHERE filter` or `HAVING filter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterClause {
    /// The filter.
    pub filter: Filter,
    /// The whole clause.
    pub span: Span,
}

/// `GROUP BY item, …`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupBy {
    /// The grouping items.
    pub items: Vec<GroupItem>,
    /// The whole clause.
    pub span: Span,
}

/// A GROUP BY item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum GroupItem {
    /// A 1-based select-list position.
    Position(Spanned<u32>),
    /// A field, tag or alias (a call here is parsed so that it can be refused with a span).
    Expr(Expr),
}

/// `ORDER BY key, …`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderBy {
    /// The sort keys, most significant first.
    pub keys: Vec<OrderKey>,
    /// The whole clause.
    pub span: Span,
}

/// One sort key: `key [ASC|DESC]`, `-key`, or a position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderKey {
    /// What to sort by.
    pub target: OrderTarget,
    /// How the direction was written.
    pub direction: SortDirection,
    /// `NULLS FIRST` / `NULLS LAST`, parsed only to be refused.
    pub nulls: Option<Span>,
    /// The whole key.
    pub span: Span,
}

/// What an ORDER BY key refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum OrderTarget {
    /// A 1-based select-list position.
    Position(Spanned<u32>),
    /// A field, alias, function call or arithmetic.
    Expr(Expr),
}

/// How a sort direction was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SortDirection {
    /// Nothing written: ascending.
    Default,
    /// `ASC`
    Asc(Span),
    /// `DESC`
    Desc(Span),
    /// A leading `-`: descending.
    Minus(Span),
    /// `-key ASC`: an error, kept so it can be labelled.
    MinusAsc(Span, Span),
    /// `-key DESC`: descending twice over, kept so it can be labelled.
    MinusDesc(Span, Span),
}

/// `LIMIT n`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limit {
    /// The operand.
    pub value: Operand,
    /// The whole clause.
    pub span: Span,
}

/// `SINCE a [UNTIL b]` (a lone `UNTIL` is parsed with `since: None` and refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeRange {
    /// The start.
    pub since: Option<Operand>,
    /// The end.
    pub until: Option<Operand>,
    /// The whole clause.
    pub span: Span,
}

/// `PROJECT ALL` or `PROJECT item, …`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectClause {
    /// `ALL`, when written.
    pub all: Option<Span>,
    /// The slugs, ids or parameters.
    pub items: Vec<Operand>,
    /// The whole clause.
    pub span: Span,
}

/// `ENVIRONMENT item, …`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvironmentClause {
    /// The environment names or parameters.
    pub items: Vec<Operand>,
    /// The whole clause.
    pub span: Span,
}

/// `INTERVAL period`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interval {
    /// The operand.
    pub value: Operand,
    /// The whole clause.
    pub span: Span,
}

/// `SAMPLING exact|normal`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SamplingClause {
    /// The mode as written.
    pub value: Operand,
    /// The whole clause.
    pub span: Span,
}

/// `COMPARE TO period [AGO]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompareClause {
    /// The period.
    pub value: Operand,
    /// The `AGO` keyword, when written.
    pub ago: Option<Span>,
    /// The whole clause.
    pub span: Span,
}

/// A value outside the filter language: a clause operand, SQL operand, PROJECT item, SET value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Operand {
    /// What was written.
    pub kind: OperandKind,
    /// Where.
    pub span: Span,
}

/// The forms an operand can take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum OperandKind {
    /// An unquoted word: `24h`, `2026-11-01`, `frontend`, `500`, `1.5s`, `NULL`.
    Word(String),
    /// `'…'`, with `''` already turned into `'`.
    SingleQuoted(String),
    /// `"…"`, with `\"` already turned into `"`.
    DoubleQuoted(String),
    /// `$name`.
    Param(String),
}

/// One item of the select list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectItem {
    /// The expression (or `*`).
    pub expr: Expr,
    /// `AS alias`.
    pub alias: Option<Alias>,
    /// The whole item, alias included.
    pub span: Span,
}

/// An output column name given with `AS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alias {
    /// The name.
    pub name: String,
    /// Written as `"…"`.
    pub quoted: bool,
    /// Where (the name only, without `AS`).
    pub span: Span,
}

/// An expression of the select list, GROUP BY or ORDER BY.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

/// Expression forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ExprKind {
    /// A field, tag or alias reference.
    Field(Key),
    /// A function call.
    Call(Call),
    /// A number literal as written (`100`, `0.5`).
    Number(String),
    /// `$name` (refused as a name by the semantic stage).
    Param(String),
    /// `a op b`.
    Binary(Box<Expr>, BinOp, Box<Expr>),
    /// `-a`.
    Neg(Box<Expr>),
    /// `*`.
    Star,
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// A field or tag name in any of its written forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Key {
    /// The form.
    pub kind: KeyKind,
    /// Where.
    pub span: Span,
}

/// How a key was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum KeyKind {
    /// `transaction.duration`, `browser.name`, `a-b`.
    Name(String),
    /// `"hi:there"` (Sentry's quoted key, DQL's quoted name).
    Quoted(String),
    /// `tags[x]`, `tags[x,number]`, `flags[x]`; `prefix` is `tags` or `flags`.
    Explicit {
        /// `tags` or `flags`.
        prefix: String,
        /// The tag name.
        name: String,
        /// The type after the comma (`string`, `number`, `boolean`, `array`), as written.
        ty: Option<String>,
    },
    /// `key[*]`: browser-only array membership, parsed to be refused.
    ArrayIncludes(Box<Key>),
}

/// A function call: `name(args)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// The function name as written (names are case-insensitive).
    pub name: Ident,
    /// `DISTINCT` inside the parentheses (`count(DISTINCT x)`, refused with a fix-it).
    pub distinct: Option<Span>,
    /// The arguments.
    pub args: Vec<Arg>,
    /// The whole call.
    pub span: Span,
}

/// A function argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Arg {
    /// What was written.
    pub kind: ArgKind,
    /// Where.
    pub span: Span,
}

/// Function argument forms; their meaning depends on the function's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ArgKind {
    /// A bare word: a column, a number (`0.99`, `300`), an enumerated word (`greater`).
    Word(String),
    /// `"…"` with `\"` turned into `"`.
    Quoted(String),
    /// `tags[x]` and its typed forms.
    Key(Key),
    /// `$name`.
    Param(String),
    /// A nested call (refused unless the function allows it).
    Call(Box<Call>),
    /// `*` (as in `count(*)`, accepted with a warning).
    Star,
}

/// `SHOW EVENT id [PROJECT slug]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShowEvent {
    /// The event id (or `'slug:id'`, or a parameter).
    pub id: Operand,
    /// `PROJECT slug`.
    pub project: Option<Operand>,
    /// The whole statement.
    pub span: Span,
}

/// `UPDATE issues SET k = v, … WHERE filter …`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateIssues {
    /// The target (must be `issues`).
    pub target: Ident,
    /// The assignments.
    pub assignments: Vec<Assignment>,
    /// WHERE (mandatory), PROJECT, ENVIRONMENT, SINCE, LIMIT; other clauses are refused.
    pub clauses: Clauses,
    /// The whole statement.
    pub span: Span,
}

/// `key = value` in UPDATE … SET.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    /// The issue attribute.
    pub key: Ident,
    /// The value.
    pub value: Operand,
    /// The whole assignment.
    pub span: Span,
}

// ---------------------------------------------------------------------------------------------
// Filters (WHERE and HAVING): Sentry's search syntax plus SQL-style conditions and NOT.

/// A filter: terms combined with AND, OR and NOT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Filter {
    /// What it is.
    pub kind: FilterKind,
    /// Where.
    pub span: Span,
}

/// Filter forms. And/Or are n-ary and flattened: no And directly holds an And.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum FilterKind {
    /// One term.
    Term(Term),
    /// All of these (juxtaposition or `AND`).
    And(Vec<Filter>),
    /// Any of these (`OR`).
    Or(Vec<Filter>),
    /// `NOT x` or `!(…)`.
    Not(Box<Filter>),
}

/// A leaf of a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    /// What it is.
    pub kind: TermKind,
    /// Where.
    pub span: Span,
}

/// Term forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TermKind {
    /// Sentry style: `!?key:op?value`, including `has:x`, `is:x` and aggregate keys.
    Search(SearchTerm),
    /// Free text, quoted or not.
    FreeText(FreeText),
    /// SQL style: `key = 'v'`, `key IN (…)`, `key LIKE '…'`, `BETWEEN`, `IS [NOT] NULL`.
    Sql(SqlCondition),
}

/// `!?key:op?value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchTerm {
    /// A leading `!`.
    pub negated: bool,
    /// The key.
    pub key: TermKey,
    /// The operator after `:`, when written.
    pub op: Option<Spanned<SearchOp>>,
    /// The value as written.
    pub value: SearchValue,
}

/// The key of a search term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TermKey {
    /// A field or tag.
    Key(Key),
    /// An aggregate: `count()`, `p95(transaction.duration)`.
    Call(Call),
}

/// Operators of the search syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SearchOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `\u{F00D}Contains\u{F00D}`
    Contains,
    /// `\u{F00D}StartsWith\u{F00D}` (also `starts with`)
    StartsWith,
    /// `\u{F00D}EndsWith\u{F00D}`
    EndsWith,
    /// `\u{F00D}Matches\u{F00D}` or a regex form: browser-only.
    Matches,
}

/// A search-term value as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchValue {
    /// What it is.
    pub kind: SearchValueKind,
    /// Where.
    pub span: Span,
}

/// Forms of a search-term value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SearchValueKind {
    /// A single value; `text` has `\"` turned into `"` and every other `\` kept.
    Text {
        /// The value.
        text: String,
        /// Written in double quotes.
        quoted: bool,
    },
    /// `[a, "b c", …]`.
    List(Vec<ListItem>),
    /// `$name`.
    Param(String),
}

/// An item of a `[…]` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListItem {
    /// The item (an empty unquoted item is kept so that it can be refused).
    pub text: String,
    /// Written in double quotes.
    pub quoted: bool,
    /// A `$name` parameter.
    pub param: bool,
    /// Where.
    pub span: Span,
}

/// Free text in a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FreeText {
    /// The text; for unquoted text, the words as written.
    pub text: String,
    /// Written in double quotes.
    pub quoted: bool,
    /// A `$name` parameter standing as free text.
    pub param: bool,
}

/// A SQL-style condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SqlCondition {
    /// The left side.
    pub key: TermKey,
    /// The operator and right side.
    pub kind: SqlKind,
}

/// SQL condition forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SqlKind {
    /// `key op value`.
    Compare(Spanned<SqlOp>, Operand),
    /// `key [NOT] IN (a, b)`.
    In {
        /// `NOT IN`.
        negated: bool,
        /// The items.
        items: Vec<Operand>,
    },
    /// `key [NOT] LIKE 'pattern'`.
    Like {
        /// `NOT LIKE`.
        negated: bool,
        /// The pattern.
        pattern: Operand,
    },
    /// `key [NOT] BETWEEN low AND high`.
    Between {
        /// `NOT BETWEEN`.
        negated: bool,
        /// The low bound.
        low: Operand,
        /// The high bound.
        high: Operand,
    },
    /// `key IS [NOT] NULL`.
    IsNull {
        /// `IS NOT NULL`.
        negated: bool,
        /// The condition as written, key included (`x is  not null`), its comments left out as
        /// trivia: Sentry reads it as free text, which dql does too unless the key is a known
        /// field (language.md §5).
        written: String,
        /// Where `IS [NOT] NULL` is written.
        words: Span,
    },
}

/// SQL comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SqlOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<>`
    LtGt,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// The tree as JSON with every span removed, for comparing trees that were parsed from
/// different text (round-trip tests). A span is any object with exactly `start` and `end`.
pub fn without_spans<T: Serialize>(node: &T) -> serde_json::Value {
    fn strip(value: serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let is_span =
                    map.len() == 2 && map.contains_key("start") && map.contains_key("end");
                if is_span {
                    return serde_json::Value::Null;
                }
                map.into_iter()
                    .filter(|(k, _)| k != "span")
                    .map(|(k, v)| (k, strip(v)))
                    .collect()
            }
            serde_json::Value::Array(items) => items.into_iter().map(strip).collect(),
            other => other,
        }
    }
    strip(serde_json::to_value(node).unwrap_or(serde_json::Value::Null))
}
