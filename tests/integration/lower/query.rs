//! The query param, through the filter printer.

use super::issues::issues_query;
use super::*;

// ---- the query param, through the filter printer ----

use dql::semantic::checked::filter::{
    AggregateKey, CompareOp, FilterKey, SearchKeyType, TextOp, TypedFilter, TypedKind, TypedTerm,
};
use dql::semantic::checked::key::{FieldKey, FieldKeyKind};
use dql::semantic::filter_typing::{self, KeyTypes, NoParams};
use dql::syntax::ast::Key;

fn term(key: FilterKey, kind: TypedKind) -> TypedFilter {
    TypedFilter::Term(TypedTerm {
        negated: false,
        key,
        kind,
        span: Span::DUMMY,
    })
}

fn key(name: &str) -> FilterKey {
    FilterKey::Field(FieldKey {
        kind: FieldKeyKind::Name(name.into()),
        span: Span::DUMMY,
    })
}

pub(super) fn text_term(k: &str, v: &str) -> TypedFilter {
    term(
        key(k),
        TypedKind::Text {
            op: TextOp::Compare(CompareOp::Eq),
            value: v.into(),
        },
    )
}

fn agg_gt(name: &str, args: &[&str], value: f64) -> TypedFilter {
    term(
        FilterKey::Aggregate(AggregateKey {
            name: name.into(),
            args: args
                .iter()
                .map(|a| dql::semantic::checked::filter::AggregateArg::Value((*a).into()))
                .collect(),
        }),
        TypedKind::Numeric {
            op: CompareOp::Gt,
            value,
            exact: None,
        },
    )
}

#[test]
fn query_is_where_then_having_each_grouped_when_its_top_is_an_or() {
    let mut q = events(vec![col(field("transaction")), col(func("count", &[]))]);
    q.filter = TypedFilter::or(vec![
        text_term("level", "error"),
        text_term("level", "fatal"),
    ]);
    q.having = TypedFilter::and(vec![
        agg_gt("count", &[], 10.0),
        agg_gt("p95", &["transaction.duration"], 2.0),
    ]);
    let r = lower_events(q.clone());
    assert_eq!(
        values(&r, "query"),
        ["(level:error OR level:fatal) count():>10 p95(transaction.duration):>2"]
    );
    // HAVING's p95 is not selected: it is sent as a hidden field; count() is selected.
    assert_eq!(r.hidden, ["p95(transaction.duration)"]);
    let query_at = r.params.iter().position(|(k, _)| k == "query").unwrap();
    let per_page_at = r.params.iter().position(|(k, _)| k == "per_page").unwrap();
    let last_field = r.params.iter().rposition(|(k, _)| k == "field").unwrap();
    assert!(last_field < query_at && query_at < per_page_at);

    q.filter = Some(text_term("level", "error"));
    q.having = TypedFilter::or(vec![agg_gt("count", &[], 10.0), agg_gt("count", &[], 1.0)]);
    let r = lower_events(q);
    assert_eq!(
        values(&r, "query"),
        ["level:error (count():>10 OR count():>1)"]
    );
    assert!(r.hidden.is_empty());
}

#[test]
fn issue_queries_print_their_filter() {
    let mut q = issues_query();
    q.filter = TypedFilter::and(vec![
        text_term("is", "unresolved"),
        text_term("message", "a b"),
    ]);
    let r = lower(&stmt(CheckedKind::Issues(q)), &opts()).unwrap();
    assert_eq!(values(&r, "query"), ["is:unresolved message:\"a b\""]);
}

#[test]
fn an_inexpressible_value_is_a_lower_error() {
    let mut q = events(vec![col(field("title"))]);
    q.filter = Some(text_term("message", "ends in \\ and space\\"));
    let err = lower(&stmt(CheckedKind::Events(q)), &opts()).unwrap_err();
    assert!(err[0].code.starts_with("dql::lower::"), "{}", err[0].code);
}

struct Types;

impl KeyTypes for Types {
    fn key_type(&self, _key: &Key) -> Option<SearchKeyType> {
        None
    }
    fn function_result_type(&self, _key: &AggregateKey) -> Option<SearchKeyType> {
        Some(SearchKeyType::Number)
    }
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    /// Whatever a parameter is bound to, the request's `query` reads back as exactly the WHERE
    /// term holding that one value, then the HAVING term: the value changes neither the
    /// filter's shape nor HAVING's.
    #[test]
    fn a_bound_value_cannot_change_the_shape_of_the_query(
        v in proptest::prelude::any::<String>()
            .prop_filter("ends in a backslash: inexpressible", |s| !s.ends_with('\\')),
        extra in proptest::prop_oneof![
            proptest::strategy::Just(""),
            proptest::strategy::Just(" OR level:fatal"),
            proptest::strategy::Just(") count():>0 ("),
            proptest::strategy::Just("\" !has:user"),
        ],
    ) {
        let bound = format!("{v}{extra}");
        let mut q = events(vec![col(func("count", &[]))]);
        q.filter = Some(text_term("message", &bound));
        q.having = Some(agg_gt("count", &[], 5.0));
        let r = lower(&stmt(CheckedKind::Events(q)), &opts()).unwrap();
        let query = values(&r, "query")[0].to_owned();
        let (parsed, diagnostics) = dql::syntax::parse_search(&query);
        prop_assert!(diagnostics.iter().all(|d| !d.is_error()), "{query:?}");
        let (typed, diagnostics) = filter_typing::type_filter(&parsed.unwrap(), &Types, &NoParams);
        prop_assert!(diagnostics.iter().all(|d| !d.is_error()), "{query:?}");
        let Some(TypedFilter::And(items)) = typed.map(TypedFilter::without_spans) else {
            return Err(TestCaseError::fail(format!("not two terms: {query:?}")));
        };
        prop_assert_eq!(items.len(), 2, "{:?}", query);
        let TypedFilter::Term(t) = &items[0] else {
            return Err(TestCaseError::fail(format!("WHERE is not one term: {query:?}")));
        };
        let TypedKind::Text { op: TextOp::Compare(CompareOp::Eq), value } = &t.kind else {
            return Err(TestCaseError::fail(format!("not a text match: {query:?}")));
        };
        prop_assert!(!t.negated);
        prop_assert_eq!(&t.key, &key("message"));
        prop_assert_eq!(value, &bound, "{:?}", query);
        prop_assert_eq!(&items[1], &agg_gt("count", &[], 5.0), "{:?}", query);
    }
}
