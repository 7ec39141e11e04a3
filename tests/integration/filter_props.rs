//! Property tests of the filter language: nothing panics on any input; printed typed filters
//! parse back to themselves; a bound parameter can never change a filter's shape.

use dql::lower::search::to_sentry_query;
use dql::semantic::checked::filter::{
    AggregateKey, CompareOp, FilterKey, RelativeDate, RelativeUnit, SearchKeyType, SpecificDate,
    TextOp, TypedFilter, TypedKind, TypedTerm,
};
use dql::semantic::checked::key::{FieldKey, FieldKeyKind};
use dql::semantic::filter_typing::{self, KeyTypes, NoParams};
use dql::span::Span;
use dql::syntax::ast::{Key, KeyKind};
use dql::syntax::filter::{FilterMode, filter};
use dql::syntax::token::{Ctx, ws};
use proptest::prelude::*;
use std::collections::HashMap;

struct Types;

impl KeyTypes for Types {
    fn key_type(&self, key: &Key) -> Option<SearchKeyType> {
        let KeyKind::Name(n) = &key.kind else {
            return None;
        };
        match n.as_str() {
            "transaction.duration" => Some(SearchKeyType::Duration),
            "project.id" => Some(SearchKeyType::Number),
            "timestamp" => Some(SearchKeyType::Date),
            "error.handled" => Some(SearchKeyType::Boolean),
            "release.version" => Some(SearchKeyType::Semver),
            _ => None,
        }
    }
    fn function_result_type(&self, _key: &AggregateKey) -> Option<SearchKeyType> {
        Some(SearchKeyType::Number)
    }
}

fn key(name: &str) -> FilterKey {
    FilterKey::Field(FieldKey {
        kind: FieldKeyKind::Name(name.to_string()),
        span: Span::DUMMY,
    })
}

fn term(negated: bool, key: FilterKey, kind: TypedKind) -> TypedFilter {
    TypedFilter::Term(TypedTerm {
        negated,
        key,
        kind,
        span: Span::DUMMY,
    })
}

/// Any text Sentry can express as a value: not ending in `\` (which would escape a closing quote).
fn value() -> impl Strategy<Value = String> {
    any::<String>().prop_filter("inexpressible: ends in a backslash", |s| !s.ends_with('\\'))
}

fn cmp() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
        Just(CompareOp::Lt),
        Just(CompareOp::Le)
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1_000_000i64..1_000_000).prop_map(|n| n as f64),
        (0u32..100_000, 1u32..1000).prop_map(|(a, b)| f64::from(a) / f64::from(b))
    ]
}

fn leaf() -> impl Strategy<Value = TypedFilter> {
    prop_oneof![
        (
            any::<bool>(),
            value(),
            prop_oneof![Just(TextOp::Compare(CompareOp::Eq)), Just(TextOp::Contains)]
        )
            .prop_map(|(n, v, op)| term(
                n,
                key("message"),
                TypedKind::Text { op, value: v }
            )),
        (any::<bool>(), prop::collection::vec(value(), 1..4)).prop_map(|(n, values)| term(
            n,
            key("browser.name"),
            TypedKind::TextIn {
                op: TextOp::Compare(CompareOp::Eq),
                values
            }
        )),
        (cmp(), number()).prop_map(|(op, value)| term(
            false,
            key("project.id"),
            TypedKind::Numeric {
                op,
                value,
                exact: None
            }
        )),
        (cmp(), (0u32..10_000_000).prop_map(f64::from)).prop_map(|(op, ms)| term(
            false,
            key("transaction.duration"),
            TypedKind::Duration { op, ms }
        )),
        prop::collection::vec(number(), 1..4).prop_map(|values| term(
            false,
            key("project.id"),
            TypedKind::NumericIn {
                values,
                exact: Vec::new()
            }
        )),
        (any::<bool>(), any::<bool>()).prop_map(|(n, value)| term(
            n,
            key("error.handled"),
            TypedKind::Boolean { value }
        )),
        any::<bool>().prop_map(|n| term(n, key("user.email"), TypedKind::Has)),
        (
            prop_oneof![Just(CompareOp::Gt), Just(CompareOp::Le)],
            0i64..4_000_000_000
        )
            .prop_map(|(op, secs)| term(
                false,
                key("timestamp"),
                TypedKind::Date {
                    op,
                    instant: jiff::Timestamp::from_second(secs).unwrap()
                }
            )),
        (2000i16..2100, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| term(
            false,
            key("timestamp"),
            TypedKind::SpecificDate {
                date: SpecificDate::Day(jiff::civil::date(y, m, d))
            }
        )),
        (any::<bool>(), 0u64..1000).prop_map(|(recent, amount)| term(
            false,
            key("timestamp"),
            TypedKind::RelativeDate {
                date: RelativeDate {
                    recent,
                    amount,
                    unit: RelativeUnit::Hours
                }
            }
        )),
        (cmp(), number()).prop_map(|(op, value)| term(
            false,
            FilterKey::Aggregate(AggregateKey {
                name: "count".into(),
                args: vec![]
            }),
            TypedKind::Numeric {
                op,
                value,
                exact: None
            }
        )),
        value()
            .prop_filter("empty free text is inexpressible", |s| !s.is_empty())
            .prop_map(|text| term(false, FilterKey::None, TypedKind::FreeText { text })),
    ]
}

fn typed_filter() -> impl Strategy<Value = TypedFilter> {
    leaf().prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_filter_map("flat", TypedFilter::and),
            prop::collection::vec(inner, 2..4).prop_filter_map("flat", TypedFilter::or),
        ]
    })
}

fn read_back(query: &str) -> (Option<TypedFilter>, Vec<dql::Diagnostic>) {
    let (parsed, mut diagnostics) = dql::syntax::parse_search(query);
    let typed = parsed.and_then(|f| {
        let (typed, more) = filter_typing::type_filter(&f, &Types, &NoParams);
        diagnostics.extend(more);
        typed
    });
    (typed, diagnostics)
}

fn clause(text: &str) -> Vec<dql::Diagnostic> {
    let ctx = Ctx::new(text);
    let start = ws(&ctx, text);
    let _ = filter(&ctx, start, FilterMode::Clause);
    ctx.finish().0
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn nothing_panics(text in any::<String>()) {
        let _ = dql::syntax::parse_search(&text);
        let _ = clause(&text);
    }

    #[test]
    fn nothing_panics_on_filter_like_text(text in "[ a-z:!()\\[\\],\"'$*<>=;\\\\\\-\t\n]{0,40}") {
        let (parsed, _) = dql::syntax::parse_search(&text);
        if let Some(f) = parsed {
            let _ = filter_typing::type_filter(&f, &Types, &NoParams);
        }
        let _ = clause(&text);
    }

    #[test]
    fn printed_filters_parse_back(f in typed_filter()) {
        let query = to_sentry_query(&f).unwrap();
        let (back, diagnostics) = read_back(&query);
        let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
        prop_assert!(errors.is_empty(), "{query:?}: {errors:?}");
        prop_assert_eq!(back.map(TypedFilter::without_spans), Some(f), "{:?}", query);
    }

    #[test]
    fn a_bound_parameter_is_one_value(v in value(), level in prop_oneof![Just("x OR level:fatal"), Just("/api/*")]) {
        for bound in [v.clone(), level.to_string(), format!("{v} {level}")] {
            let src = "message:$p";
            let ctx = Ctx::new(src);
            let (_, parsed) = filter(&ctx, src, FilterMode::Clause).unwrap();
            let params: HashMap<String, String> = [("p".to_string(), bound.clone())].into();
            let (typed, diagnostics) = filter_typing::type_filter(&parsed, &Types, &params);
            // An odd run of `\` right before `*` cannot be matched exactly in Sentry's syntax
            // (issue 12): refused, never sent as a wildcard.
            if odd_backslashes_before_star(&bound) {
                prop_assert!(
                    diagnostics.iter().any(|d| d.code == "dql::filter::backslash_star"),
                    "{bound:?}: {diagnostics:?}"
                );
                continue;
            }
            prop_assert!(diagnostics.iter().all(|d| !d.is_error()));
            let query = to_sentry_query(&typed.unwrap()).unwrap();
            let (back, diagnostics) = read_back(&query);
            prop_assert!(diagnostics.iter().all(|d| !d.is_error()), "{query:?}");
            let Some(TypedFilter::Term(t)) = back else { return Err(TestCaseError::fail(format!("not one term: {query:?}"))) };
            let TypedKind::Text { op: TextOp::Compare(CompareOp::Eq), value } = &t.kind else {
                return Err(TestCaseError::fail(format!("not a text match: {query:?}")));
            };
            prop_assert!(!t.negated);
            // Sentry's reading of the value: no wildcard, and only `\*` unescaped (to `*`).
            prop_assert!(!sentry_wildcard(value), "sent as a wildcard: {:?}", query);
            prop_assert_eq!(value.replace("\\*", "*"), bound, "{:?}", query);
        }
    }
}

/// Whether `text` has an odd run of `\` right before a `*`.
fn odd_backslashes_before_star(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        match c {
            '\\' => run += 1,
            '*' if run % 2 == 1 => return true,
            _ => run = 0,
        }
    }
    false
}

/// Whether Sentry reads `value` as a wildcard: a `*` after an even run of `\`
/// (`WILDCARD_CHARS` in `src/sentry/api/event_search.py`).
fn sentry_wildcard(value: &str) -> bool {
    let mut run = 0;
    for c in value.chars() {
        match c {
            '\\' => run += 1,
            '*' if run % 2 == 0 => return true,
            _ => run = 0,
        }
    }
    false
}

#[test]
fn not_push_down() {
    let src = "NOT (level:error OR transaction.duration:>1s) NOT timestamp:2026-11-01 NOT has:user.email NOT timestamp:-24h";
    let ctx = Ctx::new(src);
    let (_, parsed) = filter(&ctx, src, FilterMode::Clause).unwrap();
    let (typed, diagnostics) = filter_typing::type_filter(&parsed, &Types, &NoParams);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let q = to_sentry_query(&typed.unwrap()).unwrap();
    assert_eq!(
        q,
        "!level:error transaction.duration:<=1000ms (timestamp:<2026-11-01T00:00:00Z OR timestamp:>=2026-11-02T00:00:00Z) !has:user.email timestamp:+24h"
    );
    let src = "NOT connection reset";
    let ctx = Ctx::new(src);
    let (_, parsed) = filter(&ctx, src, FilterMode::Clause).unwrap();
    let (_, diagnostics) = filter_typing::type_filter(&parsed, &Types, &NoParams);
    assert_eq!(
        diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
        vec!["dql::filter::free_text_negated"]
    );
}

#[test]
fn sql_conditions_lower_to_terms() {
    let cases = [
        ("level = 'error'", "level:error"),
        ("level != 'error'", "!level:error"),
        ("level <> 'error'", "!level:error"),
        ("transaction.duration > 1s", "transaction.duration:>1000ms"),
        (
            "browser.name IN ('Chrome', 'Firefox')",
            "browser.name:[Chrome, Firefox]",
        ),
        ("browser.name NOT IN ('Chrome')", "!browser.name:[Chrome]"),
        ("url LIKE '%/api/%'", "url:*/api/*"),
        ("url NOT LIKE 'a_b\\%*'", "!url:a_b%\\*"),
        (
            "transaction.duration BETWEEN 1s AND 2s",
            "transaction.duration:>=1000ms transaction.duration:<=2000ms",
        ),
        (
            "transaction.duration NOT BETWEEN 1s AND 2s",
            "transaction.duration:<1000ms OR transaction.duration:>2000ms",
        ),
        ("user.email IS NOT NULL", "has:user.email"),
        ("user.email IS NULL", "!has:user.email"),
        ("NOT (a:b OR c:d)", "!a:b !c:d"),
        ("!(a:b OR c:d) e:f", "!a:b !c:d e:f"),
        (
            "transaction.duration IN (1s, 2)",
            "transaction.duration:[1000, 2]",
        ),
        ("url = '/api/*'", "url:/api/\\*"),
        (
            "project.id:2m transaction.duration:2m",
            "project.id:2000000 transaction.duration:120000ms",
        ),
        ("(a:b OR c:d) x", "(a:b OR c:d) x"),
        ("hello (a:b OR c:d)", "\"hello\" (a:b OR c:d)"),
    ];
    for (src, expected) in cases {
        let ctx = Ctx::new(src);
        let (rest, parsed) = filter(&ctx, src, FilterMode::Clause).unwrap();
        assert!(rest.is_empty(), "{src}: rest {rest:?}");
        let (typed, diagnostics) = filter_typing::type_filter(&parsed, &Types, &NoParams);
        assert!(
            diagnostics.iter().all(|d| !d.is_error()),
            "{src}: {diagnostics:?}"
        );
        assert_eq!(to_sentry_query(&typed.unwrap()).unwrap(), expected, "{src}");
    }
}

#[test]
fn invalid_values_are_diagnostics() {
    let cases = [
        ("timestamp:yesterday", "dql::filter::invalid_date"),
        ("error.handled:maybe", "dql::filter::invalid_boolean"),
        ("project.id:one", "dql::filter::invalid_number"),
        (
            "transaction.duration:>fast",
            "dql::filter::invalid_duration",
        ),
        ("browser.name:[a,,b]", "dql::filter::empty_list_item"),
        ("browser.name:", "dql::filter::empty_value"),
        ("browser.name IN ()", "dql::filter::empty_in_list"),
        ("message > 'a'", "dql::filter::comparison_on_text"),
        ("release:$missing", "dql::filter::unbound_parameter"),
    ];
    for (src, code) in cases {
        let ctx = Ctx::new(src);
        let (_, parsed) = filter(&ctx, src, FilterMode::Clause).unwrap();
        let (_, diagnostics) = filter_typing::type_filter(&parsed, &Types, &NoParams);
        let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![code], "{src}");
        assert!(
            diagnostics.iter().all(|d| !d.span().is_empty()),
            "{src}: a diagnostic without a span"
        );
    }
}
