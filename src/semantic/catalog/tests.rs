//! The built-in catalog parses, is consistent, and says what Sentry says.

use super::*;

fn catalog() -> Catalog {
    Catalog::builtin_parts().expect("the built-in catalog must parse")
}

#[test]
fn builtin_data_parses_and_is_what_builtin_returns() {
    let parsed = catalog();
    assert_eq!(Catalog::builtin(), &parsed);
    assert!(parsed.functions().count() > 30);
}

#[test]
fn every_reference_names_a_known_dataset() {
    let catalog = catalog();
    let known = catalog.dataset_names();
    for field in catalog.fields.values().chain(&catalog.patterns) {
        assert!(!field.datasets.is_empty(), "{}", field.name);
        for dataset in &field.datasets {
            assert!(
                known.contains(&dataset.as_str()),
                "{} in {dataset}",
                field.name
            );
        }
    }
    for function in catalog.functions() {
        assert!(!function.datasets.is_empty(), "{}", function.name);
        for dataset in &function.datasets {
            assert!(
                known.contains(&dataset.as_str()),
                "{} in {dataset}",
                function.name
            );
        }
        // Only datasets with a catalog may claim functions.
        for dataset in &function.datasets {
            assert!(
                catalog.dataset(dataset).is_some_and(|d| d.checked),
                "{}",
                function.name
            );
        }
    }
}

#[test]
fn every_type_is_a_valid_sentry_type() {
    let catalog = catalog();
    let types = catalog
        .fields
        .values()
        .chain(&catalog.patterns)
        .map(|field| field.ty)
        .chain(catalog.issue_search_keys().map(|key| key.ty))
        .chain(catalog.functions().filter_map(|f| match f.result {
            ResultType::Fixed(ty) => Some(ty),
            ResultType::SameAsArg(_) => None,
        }));
    for ty in types {
        assert_eq!(
            FieldType::from_meta(ty.meta_type(), ty.meta_unit()),
            Some(ty)
        );
    }
}

#[test]
fn datasets_and_default_columns() {
    let catalog = catalog();
    let errors = catalog.dataset("errors").expect("errors");
    assert!(errors.checked);
    assert_eq!(
        errors.default_columns,
        [
            "id",
            "title",
            "project",
            "level",
            "user.display",
            "timestamp"
        ]
    );
    let issues = catalog.dataset("issues").expect("issues");
    assert_eq!(issues.kind, DatasetKind::Issues);
    assert_eq!(
        issues.default_columns,
        [
            "shortId",
            "title",
            "status",
            "count",
            "userCount",
            "lastSeen"
        ]
    );
    for trace in [
        "logs",
        "profile_functions",
        "spans",
        "tracemetrics",
        "uptime_results",
    ] {
        let dataset = catalog.dataset(trace).expect(trace);
        assert!(dataset.checked && dataset.trace_items, "{trace}");
        assert_eq!(dataset.kind, DatasetKind::Events);
        assert!(dataset.source.is_some(), "{trace} cites its source");
        assert!(
            catalog.field(trace, "timestamp").is_some(),
            "{trace}: common_columns.py gives every trace-item dataset a timestamp"
        );
        assert_eq!(
            catalog.search_key_type(trace, "transaction.duration"),
            None,
            "{trace}: a transactions field is an attribute name here"
        );
    }
    assert_eq!(
        catalog.dataset("Errors"),
        None,
        "dataset names are case-sensitive"
    );
}

#[test]
fn discover_is_the_union_of_errors_and_transactions() {
    let catalog = catalog();
    assert_eq!(
        catalog.datasets_having_field("transaction.duration"),
        ["discover", "transactions"]
    );
    assert_eq!(
        catalog.datasets_having_field("span.duration"),
        ["spans"],
        "trace-item fields belong to their dataset"
    );
    assert_eq!(
        catalog.datasets_having_field("error.type"),
        ["discover", "errors"]
    );
    assert_eq!(
        catalog.datasets_having_field("title"),
        ["discover", "errors", "issues", "transactions"]
    );
    assert_eq!(
        catalog.datasets_having_field("browser.name"),
        ["logs", "spans", "tracemetrics"],
        "a tag on errors and transactions, an attribute of the trace-item datasets"
    );
    assert_eq!(
        catalog.datasets_having_field("start"),
        Vec::<&str>::new(),
        "filter-only"
    );
    let discover = catalog.field_names("discover");
    for name in catalog
        .field_names("errors")
        .into_iter()
        .chain(catalog.field_names("transactions"))
    {
        assert!(discover.contains(&name), "{name}");
    }
    assert!(!discover.contains(&"shortId"));
}

#[test]
fn field_lookups() {
    let catalog = catalog();
    let ms = FieldType::Duration(DurationUnit::Millisecond);
    let lcp = catalog
        .field("transactions", "measurements.lcp")
        .expect("lcp");
    assert_eq!((lcp.ty, lcp.pattern, lcp.in_equations), (ms, false, true));
    assert_eq!(lcp.ty.meta_type(), "duration");
    assert_eq!(lcp.ty.meta_unit(), Some("millisecond"));

    let custom = catalog
        .field("transactions", "measurements.custom")
        .expect("custom");
    assert_eq!(
        (custom.ty, custom.pattern, custom.name.as_str()),
        (FieldType::Number, true, "measurements.*")
    );
    assert_eq!(
        catalog
            .field("transactions", "measurements.cls")
            .map(|f| f.ty),
        Some(FieldType::Number)
    );
    assert_eq!(
        catalog
            .field("transactions", "measurements.frames_slow_rate")
            .map(|f| f.ty),
        Some(FieldType::Percentage)
    );
    assert_eq!(
        catalog.field("transactions", "spans.db").map(|f| f.ty),
        Some(ms)
    );
    assert_eq!(
        catalog
            .field("transactions", "spans.custom_op")
            .map(|f| f.ty),
        Some(ms)
    );
    assert_eq!(
        catalog.field("transactions", "measurements."),
        None,
        "an empty suffix is no measurement"
    );
    assert_eq!(catalog.field("transactions", "measurements.a b"), None);
    assert_eq!(
        catalog.field("errors", "measurements.lcp"),
        None,
        "transactions only"
    );
    assert!(catalog.field("discover", "measurements.lcp").is_some());

    let error_type = catalog.field("errors", "error.type").expect("error.type");
    assert!(error_type.array);
    assert_eq!(error_type.ty, FieldType::String);
    assert!(
        catalog
            .field("errors", "stack.lineno")
            .is_some_and(|f| f.array && f.ty == FieldType::Integer)
    );
    assert!(!catalog.field("errors", "title").expect("title").array);

    let level = catalog.field("errors", "level").expect("level");
    assert_eq!(level.ty, FieldType::String);
    assert!(level.promoted_tag);
    assert_eq!(
        catalog.field("transactions", "level"),
        None,
        "there it is a tag"
    );

    assert!(
        catalog
            .field("errors", "release.version")
            .is_some_and(|f| f.text_operators)
    );
    assert_eq!(
        catalog.field("errors", "start"),
        None,
        "filter-only keys are no columns"
    );
    assert_eq!(
        catalog.field("errors", "Title"),
        None,
        "field names are case-sensitive"
    );
    assert_eq!(
        catalog.field("issues", "count").map(|f| f.ty),
        Some(FieldType::Integer)
    );
    assert_eq!(
        catalog.field("issues", "lastSeen").map(|f| f.ty),
        Some(FieldType::Date)
    );
    assert_eq!(catalog.field("errors", "lastSeen"), None);
}

#[test]
fn search_key_typing() {
    let catalog = catalog();
    let ms = FieldType::Duration(DurationUnit::Millisecond);
    let cases: &[(&str, &str, Option<FieldType>)] = &[
        ("transactions", "transaction.duration", Some(ms)),
        ("transactions", "measurements.lcp", Some(ms)),
        (
            "transactions",
            "measurements.custom",
            Some(FieldType::Number),
        ),
        ("transactions", "spans.http", Some(ms)),
        ("errors", "timestamp", Some(FieldType::Date)),
        ("errors", "error.received", Some(FieldType::Date)),
        ("errors", "start", Some(FieldType::Date)),
        ("errors", "error.handled", Some(FieldType::Boolean)),
        ("errors", "stack.in_app", Some(FieldType::Boolean)),
        (
            "transactions",
            "team_key_transaction",
            Some(FieldType::Boolean),
        ),
        ("errors", "project_id", Some(FieldType::Integer)),
        ("errors", "issue.id", Some(FieldType::Integer)),
        ("errors", "stack.colno", Some(FieldType::Integer)),
        ("errors", "release.version", Some(FieldType::String)),
        ("errors", "browser.name", None),
        ("errors", "tags[build,number]", Some(FieldType::Number)),
        ("errors", "tags[build]", None),
        ("errors", "tags[build, string]", None),
        ("errors", "transaction.duration", None),
        ("issues", "firstSeen", Some(FieldType::Date)),
        ("issues", "age", Some(FieldType::Date)),
        ("issues", "timesSeen", Some(FieldType::Integer)),
        ("issues", "times_seen", Some(FieldType::Integer)),
        ("issues", "is", Some(FieldType::String)),
        ("issues", "error.handled", Some(FieldType::Boolean)),
        ("issues", "level", Some(FieldType::String)),
        ("errors", "firstSeen", None),
        (
            "spans",
            "span.duration",
            Some(FieldType::Duration(DurationUnit::Millisecond)),
        ),
        ("spans", "is_transaction", Some(FieldType::Boolean)),
        ("spans", "tags[cached,boolean]", Some(FieldType::Boolean)),
        ("errors", "tags[cached,boolean]", None),
        ("logs", "severity_number", Some(FieldType::Integer)),
        ("tracemetrics", "value", Some(FieldType::Number)),
        (
            "uptime_results",
            "response_body_size_bytes",
            Some(FieldType::Size(SizeUnit::Byte)),
        ),
    ];
    for (dataset, key, expected) in cases {
        assert_eq!(
            catalog.search_key_type(dataset, key),
            *expected,
            "{dataset} {key}"
        );
    }
    let is = catalog.issue_search_key("is").expect("is:");
    for value in [
        "unresolved",
        "resolved",
        "ignored",
        "archived",
        "assigned",
        "unassigned",
        "for_review",
        "linked",
        "unlinked",
    ] {
        assert!(is.values.iter().any(|v| v == value), "is:{value}");
    }
    assert_eq!(
        catalog
            .issue_search_key("firstSeen")
            .and_then(|k| k.canonical.as_deref()),
        Some("first_seen")
    );
    assert!(catalog.is_issue_search_key("is"));
    assert!(catalog.is_issue_search_key("bookmarks"));
    assert!(catalog.is_issue_search_key("issue.priority"));
    assert!(!catalog.is_issue_search_key("level"));
}

#[test]
fn issue_sorts_and_updates() {
    let catalog = catalog();
    assert_eq!(catalog.issue_sort("freq"), Some("freq"));
    assert_eq!(catalog.issue_sort("lastSeen"), Some("date"));
    assert_eq!(catalog.issue_sort("events"), Some("freq"));
    assert_eq!(catalog.issue_sort("title"), None);
    assert!(catalog.issue_sort_names().contains(&"users"));
    let status = catalog.issue_update_key("status").expect("status");
    assert!(status.values.iter().any(|v| v == "resolvedInNextRelease"));
    assert_eq!(
        catalog.issue_update_key("isPublic").map(|k| k.ty),
        Some(FieldType::Boolean)
    );
}

#[test]
fn function_lookups() {
    let catalog = catalog();
    let p95 = catalog.function("P95").expect("case-insensitive");
    assert_eq!(p95.name, "p95");
    assert!(p95.aggregate && p95.in_equations && p95.local);
    assert_eq!(p95.datasets, ["discover", "transactions"]);
    assert!(!p95.in_dataset("errors"));
    assert_eq!((p95.min_args(), p95.max_args()), (0, 1));
    assert_eq!(
        p95.args.first().and_then(|a| a.default.as_deref()),
        Some("transaction.duration")
    );
    assert_eq!(p95.result, ResultType::SameAsArg(0));
    assert!(
        !catalog.function("p90").expect("p90").in_equations,
        "not in Sentry's allowlist"
    );

    let count_if = catalog.function("count_if").expect("count_if");
    assert_eq!((count_if.min_args(), count_if.max_args()), (3, 3));
    let condition = &count_if.args.get(1).expect("condition").kind;
    let ArgKind::Word { values } = condition else {
        panic!("{condition:?}")
    };
    assert_eq!(
        values,
        &[
            "equals",
            "notEquals",
            "less",
            "greater",
            "lessOrEquals",
            "greaterOrEquals"
        ]
    );
    assert!(count_if.in_dataset("errors"));

    let web_vitals = catalog
        .function("count_web_vitals")
        .expect("count_web_vitals");
    let quality = &web_vitals.args.get(1).expect("quality").kind;
    assert_eq!(
        quality,
        &ArgKind::Word {
            values: ["good", "meh", "poor", "any"].map(String::from).to_vec()
        }
    );

    for name in [
        "apdex",
        "user_misery",
        "failure_rate",
        "failure_count",
        "p50",
        "percentile",
        "count_miserable",
    ] {
        assert!(
            !catalog.function(name).expect(name).in_dataset("errors"),
            "{name} is transactions-only"
        );
    }
    let local: Vec<&str> = catalog
        .functions()
        .filter(|f| f.local)
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        local,
        [
            "any",
            "apdex",
            "avg",
            "count",
            "count_if",
            "count_unique",
            "epm",
            "eps",
            "failure_count",
            "failure_rate",
            "last_seen",
            "max",
            "min",
            "p100",
            "p50",
            "p75",
            "p90",
            "p95",
            "p99",
            "percentile",
            "sum"
        ]
    );
    assert!(!catalog.function("to_other").expect("to_other").aggregate);
    assert_eq!(
        catalog.function("tpm").and_then(|f| f.alias_of.as_deref()),
        Some("epm")
    );
    assert_eq!(catalog.function("nope"), None);
    assert!(catalog.function_names().contains(&"count_unique"));
}

#[test]
fn result_types() {
    let catalog = catalog();
    let ms = FieldType::Duration(DurationUnit::Millisecond);
    let cases: &[(&str, &str, &[&str], Option<FieldType>)] = &[
        ("transactions", "p95", &[], Some(ms)),
        (
            "transactions",
            "p95",
            &["measurements.cls"],
            Some(FieldType::Number),
        ),
        (
            "transactions",
            "avg",
            &["measurements.custom"],
            Some(FieldType::Number),
        ),
        (
            "transactions",
            "percentile",
            &["transaction.duration", "0.99"],
            Some(ms),
        ),
        ("errors", "max", &["timestamp"], Some(FieldType::Date)),
        ("errors", "any", &["browser.name"], Some(FieldType::String)),
        (
            "errors",
            "sum",
            &["tags[bytes,number]"],
            Some(FieldType::Number),
        ),
        ("errors", "avg", &[], None),
        ("errors", "count", &[], Some(FieldType::Integer)),
        (
            "transactions",
            "failure_rate",
            &[],
            Some(FieldType::Percentage),
        ),
        (
            "errors",
            "epm",
            &[],
            Some(FieldType::Rate(RateUnit::PerMinute)),
        ),
        ("errors", "last_seen", &[], Some(FieldType::Date)),
        ("errors", "nope", &[], None),
    ];
    for (dataset, function, args, expected) in cases {
        assert_eq!(
            catalog.function_result_type(dataset, function, args),
            *expected,
            "{function}{args:?}"
        );
    }
}

#[test]
fn argument_kinds() {
    let numeric = ArgKind::NumericColumn {
        allowed: Vec::new(),
    };
    assert!(numeric.allows_type(FieldType::Duration(DurationUnit::Millisecond)));
    assert!(!numeric.allows_type(FieldType::String));
    assert!(!numeric.allows_type(FieldType::Date));
    assert!(
        ArgKind::NumericOrDateColumn {
            allowed: Vec::new()
        }
        .allows_type(FieldType::Date)
    );
    let scores = ArgKind::NumericColumn {
        allowed: vec!["measurements.score.*".into()],
    };
    assert!(scores.allows_name("measurements.score.total"));
    assert!(!scores.allows_name("measurements.score."));
    assert!(!scores.allows_name("measurements.lcp"));
    assert!(!ArgKind::String.allows_name("x"));
    assert!(
        ArgKind::Column {
            allowed: Vec::new()
        }
        .is_column()
    );
}

#[test]
fn bad_catalogs_are_refused() {
    let base = "[datasets.errors]\nchecked = true\nkind = \"events\"\n";
    assert!(Catalog::from_toml(&format!("{base}[fields]\n")).is_ok());
    let bad = [
        ("not toml", "["),
        (
            "unknown key",
            &format!("{base}colour = 1\n[fields]\n") as &str,
        ),
        (
            "unknown dataset",
            &format!("{base}[fields]\nx = {{ type = \"string\", in = [\"nope\"] }}\n"),
        ),
        (
            "unknown type",
            &format!("{base}[fields]\nx = {{ type = \"text\", in = [\"errors\"] }}\n"),
        ),
        (
            "bad unit",
            &format!(
                "{base}[fields]\nx = {{ type = \"duration\", unit = \"parsec\", in = [\"errors\"] }}\n"
            ),
        ),
        (
            "missing default column",
            &format!("{base}default_columns = [\"x\"]\n[fields]\n"),
        ),
        (
            "reflects a missing arg",
            &format!(
                "{base}[fields]\n[functions.f]\nargs = []\nresult = \"arg\"\nin = [\"errors\"]\n"
            ),
        ),
        (
            "optional before required",
            &format!(
                "{base}[fields]\n[functions.f]\nargs = [{{ name = \"a\", kind = \"string\", optional = true }}, {{ name = \"b\", kind = \"string\" }}]\nresult = \"integer\"\nin = [\"errors\"]\n"
            ),
        ),
        (
            "word without values",
            &format!(
                "{base}[fields]\n[functions.f]\nargs = [{{ name = \"a\", kind = \"word\" }}]\nresult = \"integer\"\nin = [\"errors\"]\n"
            ),
        ),
        (
            "upper-case function",
            &format!(
                "{base}[fields]\n[functions.F]\nargs = []\nresult = \"integer\"\nin = [\"errors\"]\n"
            ),
        ),
        (
            "alias of nothing",
            &format!(
                "{base}[fields]\n[functions.f]\nargs = []\nresult = \"integer\"\nin = [\"errors\"]\nalias_of = \"g\"\n"
            ),
        ),
    ];
    for (why, text) in bad {
        assert!(Catalog::from_toml(text).is_err(), "{why}");
    }
    let err = Catalog::from_toml("[").expect_err("parse");
    assert_eq!(
        miette::Diagnostic::code(&err)
            .map(|c| c.to_string())
            .as_deref(),
        Some("dql::catalog::parse")
    );
}

#[test]
fn catalog_errors_carry_their_registry_codes() {
    let parse = Catalog::from_toml("[fields").unwrap_err();
    assert!(matches!(parse, CatalogError::Parse(_)));
    let text = r#"
[datasets.errors]
checked = true
kind = "events"
[fields]
x = { type = "bogus", in = ["errors"] }
"#;
    let invalid = Catalog::from_toml(text).unwrap_err();
    assert!(matches!(invalid, CatalogError::Invalid(_)), "{invalid:?}");
    let errors = [parse, invalid];
    let carried: Vec<&str> = errors.iter().map(|e| e.code().as_str()).collect();
    let declared: Vec<&str> = CatalogCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(carried, declared);
    for error in &errors {
        let code = miette::Diagnostic::code(error).map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some(error.code().as_str()));
        assert!(miette::Diagnostic::help(error).is_some());
    }
}
