use super::member::scalar;
use super::nested;
use super::tags::lookup_tags;
use super::top::{Top, fast_top};
use super::*;
use crate::engine::scan;
use std::borrow::Cow;

fn extract(names: &[&str], json: &str) -> Vec<Value<'static>> {
    Projection::new(names)
        .extract(json.as_bytes())
        .unwrap()
        .into_iter()
        .map(Value::into_owned)
        .collect()
}

fn s(text: &str) -> Value<'static> {
    Value::Str(Cow::Owned(text.to_owned()))
}

#[test]
fn resolves_tags_measurements_and_unknown_names() {
    assert_eq!(Field::resolve("tags[level]"), Field::Tag("level".into()));
    assert_eq!(
        Field::resolve("tags[n, number]"),
        Field::TagNumber("n".into())
    );
    assert_eq!(
        Field::resolve("measurements.lcp"),
        Field::Measurement("lcp".into())
    );
    assert_eq!(
        Field::resolve("server_name"),
        Field::Tag("server_name".into())
    );
    assert_eq!(Field::resolve("title"), Field::Title);
}

#[test]
fn known_fields_win_over_tags_of_the_same_name() {
    let json = r#"{"title":"T","tags":[{"key":"title","value":"tag"}]}"#;
    assert_eq!(
        extract(&["title", "tags[title]"], json),
        vec![s("T"), s("tag")]
    );
}

#[test]
fn tags_accept_pairs_objects_and_numbers() {
    let json = r#"{"tags":[["a","1"],{"key":"b","value":2}]}"#;
    assert_eq!(
        extract(&["a", "b", "tags[b,number]"], json),
        vec![s("1"), s("2"), Value::Float(2.0)]
    );
    let json = r#"{"tags":{"a":"x"}}"#;
    assert_eq!(extract(&["a", "missing"], json), vec![s("x"), Value::Null]);
}

#[test]
fn strings_without_escapes_borrow_from_the_line() {
    let json = br#"{"title":"plain","message":"a\"b"}"#;
    let values = Projection::new(["title", "message"]).extract(json).unwrap();
    assert!(matches!(&values[0], Value::Str(Cow::Borrowed("plain"))));
    assert_eq!(values[1], s("a\"b"));
}

#[test]
fn non_objects_and_bad_json_are_told_apart() {
    let p = Projection::new(["title"]);
    assert_eq!(
        p.extract(b"[1]").unwrap_err(),
        ExtractError::NotAnEvent("an array")
    );
    assert!(matches!(
        p.extract(b"[1").unwrap_err(),
        ExtractError::BadJson(_)
    ));
    assert!(matches!(
        p.extract(b"{\"title\":").unwrap_err(),
        ExtractError::BadJson(_)
    ));
}

#[test]
fn malformed_members_fail_only_when_needed() {
    let json = r#"{"title":"T","tags":5}"#;
    assert_eq!(extract(&["title"], json), vec![s("T")]);
    let err = Projection::new(["level"])
        .extract(json.as_bytes())
        .unwrap_err();
    assert!(matches!(
        err,
        ExtractError::BadMember { member: "tags", .. }
    ));
}

#[test]
fn a_malformed_frame_fails_only_the_stack_fields() {
    let json = r#"{"entries":[{"type":"exception","data":{"values":[{"type":"E","stacktrace":{"frames":[{"lineNo":"x"}]},"value":"v"}]}}]}"#;
    for fast in [true, false] {
        let read = |names: &[&str]| Projection::new(names).extract_with(json.as_bytes(), fast);
        let errors = read(&["error.type", "error.value"]).unwrap();
        assert_eq!(
            errors,
            vec![Value::Array(vec![s("E")]), Value::Array(vec![s("v")])]
        );
        for names in [&["stack.lineno"][..], &["error.type", "stack.function"]] {
            assert!(
                matches!(
                    read(names),
                    Err(ExtractError::BadMember {
                        member: "entries",
                        ..
                    })
                ),
                "{names:?} {fast}"
            );
        }
    }
}

#[test]
fn value_order_is_total_and_consistent_with_eq() {
    let mut values = vec![
        s("b"),
        Value::Float(1.5),
        Value::Null,
        Value::Int(2),
        Value::Int(1),
    ];
    values.sort();
    assert_eq!(
        values,
        vec![
            Value::Null,
            Value::Int(1),
            Value::Float(1.5),
            Value::Int(2),
            s("b")
        ]
    );
    assert_ne!(Value::Int(1), Value::Float(1.0));
    assert_eq!(Value::Null.as_text(), "");
    assert_eq!(
        format_timestamp(1_700_000_000_000),
        "2023-11-14T22:13:20+00:00"
    );
}

/// JSON text built from a tree, with chosen whitespace and string spellings, so the fast
/// scanners see escapes, unicode, nesting, nulls and odd spacing.
mod payloads;

const ALL_FIELDS: &[&str] = &[
    "id",
    "title",
    "message",
    "event.type",
    "timestamp",
    "timestamp.to_day",
    "release",
    "transaction",
    "user",
    "browser.name",
    "os.name",
    "level",
    "n",
    "tags[n,number]",
    "transaction.duration",
    "project",
    "project.id",
    "issue.id",
    "user.email",
    "error.type",
    "stack.function",
    "http.method",
    "trace",
    "measurements.lcp",
    "sdk.name",
    "error.received",
    "environment",
    "platform",
    "culprit",
    "user.display",
    "user.id",
    "user.ip",
    "user.username",
    "geo.city",
    "tags[user]",
    "transaction.op",
    "transaction.status",
    "os.distribution_name",
    "device.arch",
    "http.status_code",
    "error.value",
    "error.mechanism",
    "error.handled",
    "error.unhandled",
    "stack.lineno",
    "stack.colno",
    "stack.in_app",
    "stack.abs_path",
    "http.url",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 2000, ..proptest::prelude::ProptestConfig::default()
    })]

    /// The fast scanners answer exactly as serde_json alone: same values, same errors,
    /// including on corrupted text.
    #[test]
    fn fast_extraction_matches_serde(
        event in payloads::event(),
        style in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
        mutation in proptest::option::weighted(
            0.3,
            (proptest::prelude::any::<usize>(), 0u8..12),
        ),
        fields in proptest::sample::subsequence(ALL_FIELDS, 1..8),
        compact in proptest::prelude::any::<bool>(),
    ) {
        let style = if compact { compact_style(&style) } else { style };
        let mut text = String::new();
        payloads::write(&event, &style, &mut 0, &mut text);
        let mut bytes = text.into_bytes();
        mutate(&mut bytes, mutation);
        let projection = Projection::new(&fields);
        let fast = projection.extract_with(&bytes, true);
        let reference = projection.extract_with(&bytes, false);
        proptest::prop_assert_eq!(fast, reference, "{}", String::from_utf8_lossy(&bytes));
    }

    /// The compact validation ([`scan::object_members`]) takes only text that serde_json
    /// reads; it takes every compact event the generator writes (but those with a surrogate
    /// escape, which the fast path leaves to serde_json); and the members it indexes are those
    /// the token-by-token walk finds.
    #[test]
    fn compact_validation_agrees_with_serde(
        event in payloads::event(),
        style in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
        mutation in proptest::option::weighted(
            0.5,
            (proptest::prelude::any::<usize>(), 0u8..12),
        ),
    ) {
        let mut text = String::new();
        payloads::write(&event, &compact_style(&style), &mut 0, &mut text);
        let mut bytes = text.into_bytes();
        mutate(&mut bytes, mutation);
        let shown = String::from_utf8_lossy(&bytes).into_owned();
        let mut ends = [0; scan::MAX_MEMBERS];
        let taken = scan::object_members(&bytes, &mut ends);
        let serde_reads = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok();
        if taken.is_some() {
            proptest::prop_assert!(serde_reads, "taken but invalid: {}", shown);
        }
        if serde_reads && !has_surrogate_escape(&shown) && scan::no_control(&bytes) && bytes.first() == Some(&b'{') {
            proptest::prop_assert!(taken.is_some(), "valid but not taken: {}", shown);
        }
        if let (Some(n), Ok(text)) = (taken, std::str::from_utf8(&bytes)) {
            let (mut walked, mut indexed) = (Vec::new(), Vec::new());
            let walk = scan::members(text, |k, v| { walked.push((k, v)); Some(()) });
            let index = scan::indexed_members(text, ends.get(..n).unwrap_or_default(), |k, v| { indexed.push((k, v)); Some(()) });
            proptest::prop_assert_eq!(walk.is_some(), index.is_some(), "{}", shown);
            if walk.is_some() {
                proptest::prop_assert_eq!(walked, indexed, "{}", shown);
            }
        }
    }

    /// The skip of validated text ([`scan::skip_valid`], what the nested readers skip with)
    /// ends every valid JSON value exactly where the validating skip does, with more text
    /// after it as a member value has.
    #[test]
    fn skip_valid_ends_where_validation_ends(event in payloads::json(), style in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..8)) {
        let mut text = String::new();
        payloads::write(&event, &style, &mut 0, &mut text);
        let value = text.trim_matches([' ', '\t', '\r', '\n']);
        proptest::prop_assume!(serde_json::from_str::<serde::de::IgnoredAny>(value).is_ok());
        let followed = format!("{value},\"x\"}}");
        let bytes = followed.as_bytes();
        proptest::prop_assert_eq!(scan::skip_valid(bytes, 0), Some(value.len()));
        if let Some(end) = scan::skip_checked(bytes, 0, 60) {
            proptest::prop_assert_eq!(end, value.len());
        }
    }

    /// [`scalar`]'s shortcuts agree with serde_json.
    #[test]
    fn scalar_matches_serde(event in payloads::json(), style in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..8)) {
        let mut text = String::new();
        payloads::write(&event, &style, &mut 0, &mut text);
        let text = text.trim_matches([' ', '\t', '\r', '\n']);
        let fast = scalar(text).map_err(|e| e.to_string());
        let reference = serde_json::from_str::<Option<Value<'_>>>(text).map_err(|e| e.to_string());
        proptest::prop_assert_eq!(fast, reference);
    }
}

/// A style for [`payloads::write`] that writes no white space between tokens (what Sentry and
/// `dql export` write), and still escapes some strings whole.
fn compact_style(style: &[u8]) -> Vec<u8> {
    style.iter().map(|s| 5 + s % 11).collect()
}

/// Corrupts `bytes` at one place: a byte removed, the text cut, or a byte that matters to JSON
/// inserted.
fn mutate(bytes: &mut Vec<u8>, mutation: Option<(usize, u8)>) {
    if let Some((at, what)) = mutation
        && !bytes.is_empty()
    {
        let at = at % bytes.len();
        match what {
            0 => {
                bytes.remove(at);
            }
            1 => bytes.truncate(at),
            n => bytes.insert(at, b",{}[]\":\\x0\xff"[usize::from(n - 2)]),
        }
    }
}

/// Whether `text` holds a `\uXXXX` escape of a UTF-16 surrogate (the fast path leaves those to
/// serde_json).
fn has_surrogate_escape(text: &str) -> bool {
    text.match_indices("\\u").any(|(at, _)| {
        text.get(at + 2..at + 6)
            .and_then(|hex| u16::from_str_radix(hex, 16).ok())
            .is_some_and(|unit| (0xD800..0xE000).contains(&unit))
    })
}

/// Most generated events take the fast path, so the property above tests it.
#[test]
fn generated_events_mostly_take_the_fast_path() {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (
        payloads::event(),
        proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
    );
    let mut fast = 0;
    // Nested members present, and those the nested fast path read (`nested.rs`).
    let (mut nested_seen, mut nested_fast) = (0, 0);
    for _ in 0..400 {
        let (event, style) = strategy.new_tree(&mut runner).unwrap().current();
        let mut text = String::new();
        payloads::write(&event, &style, &mut 0, &mut text);
        let mut top = Top::default();
        if fast_top(&mut top, text.as_bytes(), u32::MAX).is_some() {
            fast += 1;
            let read = [
                top.user.map(|t| nested::user(t).is_some()),
                top.contexts.map(|t| nested::contexts(t).is_some()),
                top.entries.map(|t| nested::entry(t, "exception").is_some()),
                top.exception.map(|t| nested::exceptions(t, true).is_some()),
                top.request.map(|t| nested::request(t).is_some()),
            ];
            for ok in read.into_iter().flatten() {
                nested_seen += 1;
                nested_fast += usize::from(ok);
            }
        }
    }
    assert!(fast > 160, "only {fast} of 400 took the fast path");
    assert!(
        nested_fast * 3 > nested_seen,
        "only {nested_fast} of {nested_seen} nested members took the fast path"
    );
}

#[test]
fn fast_paths_are_taken_for_plain_events() {
    let line = r#"{"type":"error","dateCreated":"2026-11-16T06:25:01Z","tags":[{"key":"level","value":"error"},{"key":"release","value":"a@1"}],"entries":[{"data":{"values":[1,2.5,true,null]},"type":"x"}]}"#;
    let mut top = Top::default();
    assert!(fast_top(&mut top, line.as_bytes(), u32::MAX).is_some());
    let keys = vec!["release".to_owned(), "level".to_owned()];
    let mut found = vec![None, None];
    assert!(lookup_tags(top.tags, &keys, &mut found).is_some());
    assert_eq!(found, vec![Some(s("a@1")), Some(s("error"))]);
    // Repeated known members are serde_json's error: the scanner leaves them to it.
    assert!(fast_top(&mut Top::default(), br#"{"title":null,"title":"x"}"#, 0).is_none());
    assert!(matches!(
        Projection::new(["title"]).extract(br#"{"title":null,"title":"x"}"#),
        Err(ExtractError::BadJson(_))
    ));
}

/// Catalog fields Sentry itself reads from the event's tags (`src/sentry/snuba/events.py`
/// Columns: `tags[...]` or a promoted tag column), so reading the tag is reading what
/// Sentry reads.
const READ_AS_TAGS: &[&str] = &["environment", "level"];

#[test]
fn every_catalog_field_of_events_is_read_as_sentry_reads_it_or_refused() {
    // A catalog field the engine has no reading for would fall through to a tag of the
    // same name and answer blank; each must be read from its payload member or refused.
    let catalog = crate::semantic::Catalog::builtin();
    let mut blank = Vec::new();
    for dataset in ["errors", "transactions"] {
        // Filter-only keys too (`start`/`end` are refused before any engine runs).
        let keys = ["project_id", "time", "is_application"];
        let filter_only = keys.iter().filter_map(|k| catalog.lookup_field(k));
        for field in catalog.fields_in(dataset).into_iter().chain(filter_only) {
            let name = field.name.as_str();
            if name.ends_with('*') || unreadable(name) || READ_AS_TAGS.contains(&name) {
                continue;
            }
            if let Field::Tag(_) = Field::resolve(name) {
                blank.push(format!("{dataset}: {name}"));
            }
        }
    }
    blank.dedup();
    assert!(blank.is_empty(), "read as a tag of that name: {blank:?}");
}

/// The names of `names` that no local dataset of the catalog declares (`errors`,
/// `transactions`, or as a filter-only key).
fn not_in_catalog<'n>(names: impl IntoIterator<Item = &'n str>) -> Vec<&'n str> {
    let catalog = crate::semantic::Catalog::builtin();
    names
        .into_iter()
        .filter(|name| {
            catalog.lookup_field(name).is_none_or(|field| {
                !field.filter_only
                    && !field.in_dataset("errors")
                    && !field.in_dataset("transactions")
            })
        })
        .collect()
}

/// Names the catalog leaves to the tag fallback (no Sentry column: the checker treats them as
/// tags) that the engine nevertheless reads from the payload when the tag is missing.
const TAGS_WITH_A_FALLBACK: &[(&str, &str)] = &[
    (
        "browser.name",
        "a tag Relay derives from contexts.browser; the engine reads the tag, else that context",
    ),
    (
        "os.name",
        "a tag Relay derives from contexts.os; the engine reads the tag, else that context",
    ),
    (
        "platform",
        "the column `platform` of Sentry's events.py (`discover_name`; its public alias is \
         `platform.name`), which the engine reads for both names",
    ),
];

#[test]
fn every_name_the_engine_reads_is_a_catalog_field() {
    // The other direction of the test above: a name the engine reads (or refuses, or reads
    // as a tag on purpose) that the catalog does not declare is a reading no query can
    // reach, or a catalog entry that went missing.
    let named = NAMED
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| *name != SEARCH_MESSAGE)
        .filter(|name| !TAGS_WITH_A_FALLBACK.iter().any(|(tag, _)| tag == name));
    let devices: Vec<String> = DEVICE_MEMBERS
        .iter()
        .map(|m| format!("device.{m}"))
        .collect();
    // The families `Field::resolve` reads by prefix, each with a member.
    let families = [
        "measurements.lcp",
        "spans.db",
        "measurements.score.weight.lcp",
    ];
    let known = named
        .chain(UNREADABLE.iter().copied())
        .chain(READ_AS_TAGS.iter().copied())
        .chain(devices.iter().map(String::as_str))
        .chain(families);
    let missing = not_in_catalog(known);
    assert!(
        missing.is_empty(),
        "the engine reads names no local dataset of the catalog declares: {missing:?}"
    );
    // Each deliberate tag is still read by the engine, and still a tag to the catalog.
    for (tag, _) in TAGS_WITH_A_FALLBACK {
        assert!(NAMED.iter().any(|(name, _)| name == tag), "{tag}");
        assert_eq!(not_in_catalog([*tag]), [*tag]);
    }
    // The check is no tautology: a reading the catalog lacks is caught.
    assert_eq!(not_in_catalog(["user.nickname"]), ["user.nickname"]);
    // The projection name of free-text search is no field (it holds a space).
    assert!(SEARCH_MESSAGE.contains(' '));
}

#[test]
fn os_distribution_comes_from_contexts_os() {
    let row = extract(
        &[
            "os.distribution_name",
            "os.distribution_version",
            "device.screen_dpi",
        ],
        r#"{"eventID":"a","contexts":{"os":{"distribution_name":"ubuntu","distribution_version":"24.04"},"device":{"screen_dpi":480}}}"#,
    );
    assert_eq!(row[0], s("ubuntu"));
    assert_eq!(row[1], s("24.04"));
    assert_eq!(row[2], Value::Int(480));
}
