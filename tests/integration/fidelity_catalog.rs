//! Sentry fidelity of the catalog (issue 11): function arguments as Sentry's discover
//! functions check them (`src/sentry/search/events/datasets/discover.py`,
//! `search/events/fields.py`, `search/events/constants.py`), the equation field allowlist
//! (`src/sentry/discover/arithmetic.py`), `total.count`, the errors columns and the issue
//! search values (`src/sentry/issues/issue_search.py`).

use dql::{Options, Source};

fn now() -> jiff::Timestamp {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

/// The error codes compiling `text` gives (warnings left out).
fn errors(text: &str) -> Vec<&'static str> {
    let compilation = dql::compile_source(&Source::new("t.dql", text), &Options::new(now()));
    compilation
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect()
}

fn passes(text: &str) {
    assert_eq!(errors(text), Vec::<&str>::new(), "{text}");
}

fn refused(text: &str, code: &str) {
    let got = errors(text);
    assert!(got.contains(&code), "{text}: {got:?}");
}

/// The params of the one request `text` compiles to.
fn params(text: &str) -> Vec<(String, String)> {
    let requests = dql::compile(text, &Options::new(now())).unwrap();
    requests[0].params.clone()
}

#[test]
fn numeric_arguments_take_only_what_sentrys_numeric_column_takes() {
    for bad in [
        "SELECT avg(project.id) FROM errors",
        "SELECT sum(issue.id) FROM errors",
        "SELECT avg(stack.lineno) FROM errors",
        "SELECT max(error.received) FROM errors",
        "SELECT p95(precise.start_ts) FROM transactions",
        "SELECT min(reprocessing.original_issue_id) FROM errors",
    ] {
        refused(bad, "dql::semantic::bad_argument");
    }
    for good in [
        "SELECT max(timestamp) FROM errors",
        "SELECT min(timestamp) FROM transactions",
        "SELECT avg(transaction.duration) FROM transactions",
        "SELECT p75(measurements.lcp), sum(spans.db), avg(measurements.custom_thing) FROM transactions",
    ] {
        passes(good);
    }
}

#[test]
fn percentile_fraction_is_below_one() {
    passes("SELECT percentile(transaction.duration, 0.99) FROM transactions");
    passes("SELECT percentile(transaction.duration, 0) FROM transactions");
    refused(
        "SELECT percentile(transaction.duration, 1) FROM transactions",
        "dql::semantic::bad_argument",
    );
}

#[test]
fn count_web_vitals_takes_only_the_vital_threshold_measurements() {
    for vital in ["lcp", "fp", "fcp", "fid", "cls"] {
        passes(&format!(
            "SELECT count_web_vitals(measurements.{vital}, good) FROM transactions"
        ));
    }
    refused(
        "SELECT count_web_vitals(measurements.ttfb, good) FROM transactions",
        "dql::semantic::bad_argument",
    );
}

#[test]
fn score_functions_take_only_the_score_measurements_sentry_lists() {
    passes("SELECT performance_score(measurements.score.lcp) FROM transactions");
    refused(
        "SELECT performance_score(measurements.score.total) FROM transactions",
        "dql::semantic::bad_argument",
    );
    refused(
        "SELECT performance_score(measurements.score.inp) FROM transactions",
        "dql::semantic::bad_argument",
    );
    passes("SELECT opportunity_score(measurements.score.total) FROM transactions");
    passes("SELECT count_scores(measurements.score.total) FROM transactions");
    refused(
        "SELECT count_scores(measurements.score.weight.lcp) FROM transactions",
        "dql::semantic::bad_argument",
    );
}

#[test]
fn count_if_follows_normalize_count_if_value() {
    // Array fields: only equals / notEquals.
    passes("SELECT count_if(error.type, equals, TypeError) FROM errors");
    passes("SELECT count_if(error.type, notEquals, TypeError) FROM errors");
    refused(
        "SELECT count_if(error.type, greater, TypeError) FROM errors",
        "dql::semantic::bad_argument",
    );
    // Field aliases are refused.
    for alias in [
        "project",
        "issue",
        "user.display",
        "timestamp.to_hour",
        "timestamp.to_day",
        "error.unhandled",
    ] {
        refused(
            &format!("SELECT count_if({alias}, equals, x) FROM errors"),
            "dql::semantic::bad_argument",
        );
    }
    // transaction.status takes status names.
    passes("SELECT count_if(transaction.status, equals, internal_error) FROM transactions");
    refused(
        "SELECT count_if(transaction.status, equals, broken) FROM transactions",
        "dql::semantic::bad_argument",
    );
    // Durations as DURATION_PATTERN reads them; measurements too.
    passes("SELECT count_if(transaction.duration, greater, 1.5s) FROM transactions");
    passes("SELECT count_if(transaction.duration, greater, 300) FROM transactions");
    refused(
        "SELECT count_if(transaction.duration, greater, 1.25s) FROM transactions",
        "dql::semantic::bad_argument",
    );
    refused(
        "SELECT count_if(measurements.cls, greater, abc) FROM transactions",
        "dql::semantic::bad_argument",
    );
}

#[test]
fn floored_epm_takes_its_interval_and_count_miserable_any_column() {
    passes("SELECT floored_epm(60) FROM transactions");
    passes("SELECT count_miserable(user.email) FROM transactions");
}

#[test]
fn to_others_value_is_always_sent_quoted() {
    let p = params("SELECT to_other(release, v1) FROM errors");
    assert!(
        p.contains(&("field".into(), "to_other(release,\"v1\")".into())),
        "{p:?}"
    );
}

#[test]
fn field_equations_allow_only_sentrys_allowlist() {
    passes("SELECT transaction.duration - spans.db FROM transactions");
    passes("SELECT measurements.stall_count * 2 FROM transactions");
    for field in [
        "measurements.inp",
        "measurements.frames_slow_rate",
        "measurements.frames_frozen_rate",
        "measurements.stall_percentage",
        "measurements.stall_total_time",
        "spans.ui",
        "spans.custom_op",
        "measurements.score.lcp",
    ] {
        refused(
            &format!("SELECT {field} * 2 FROM transactions"),
            "dql::semantic::not_in_equations",
        );
    }
}

#[test]
fn total_count_needs_another_aggregate() {
    refused(
        "SELECT total.count FROM transactions",
        "dql::semantic::total_without_aggregate",
    );
    refused(
        "SELECT transaction.duration / total.transaction_duration FROM transactions",
        "dql::semantic::total_without_aggregate",
    );
}

#[test]
fn errors_columns_sentry_has() {
    passes(
        "SELECT num_processing_errors, replay.id, profile.id, trace.sampled, geo.subdivision FROM errors",
    );
    passes("SELECT avg(transaction.duration) FROM transactions WHERE geo.subdivision:Bavaria");
    // Typed, not tags: an integer compares, a boolean takes only booleans.
    passes("SELECT count() FROM errors WHERE num_processing_errors:>0");
    refused(
        "SELECT count() FROM errors WHERE trace.sampled:maybe",
        "dql::filter::invalid_boolean",
    );
}

#[test]
fn issue_category_and_priority_take_every_value_in_any_case() {
    for value in [
        "error",
        "Performance",
        "FEEDBACK",
        "metric_alert",
        "db_query",
        "outage",
    ] {
        passes(&format!(
            "SELECT title FROM issues WHERE issue.category:{value}"
        ));
    }
    passes("SELECT title FROM issues WHERE issue.priority:HIGH");
    refused(
        "SELECT title FROM issues WHERE issue.category:nonsense",
        "dql::semantic::bad_issue_value",
    );
}

#[test]
fn replay_and_profile_ids_are_transactions_columns_too() {
    // `snuba/events.py`: REPLAY_ID and PROFILE_ID have a transaction_name.
    passes(
        "SELECT replay.id, profile.id, count() FROM transactions GROUP BY replay.id, profile.id",
    );
    passes("SELECT os.distribution_name, device.screen_dpi FROM errors");
}

/// The diagnostics of `text` with `code`.
fn diagnostics(text: &str, code: &str) -> Vec<dql::Diagnostic> {
    dql::compile_source(&Source::new("t.dql", text), &Options::new(now()))
        .diagnostics
        .into_iter()
        .filter(|d| d.code == code)
        .collect()
}

#[test]
fn typed_tags_are_never_suggested_where_tags_have_no_type() {
    for dataset in ["errors", "transactions", "discover"] {
        let found = diagnostics(
            &format!("SELECT tags[cart,int] FROM {dataset}"),
            "dql::semantic::bad_tag_type",
        );
        assert_eq!(found.len(), 1, "{dataset}");
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(
            !help.contains(",number]") && !help.contains(",string]"),
            "{help}"
        );
        assert_eq!(
            found[0].fix.as_ref().map(|f| f.replacement.as_str()),
            Some("tags[cart]")
        );
        let typed = diagnostics(
            &format!("SELECT count() FROM {dataset} WHERE tags[cart,number]:>5"),
            "dql::semantic::typed_tag_unsupported",
        );
        assert_eq!(typed.len(), 1, "{dataset}");
        let help = typed[0].help.as_deref().unwrap_or_default();
        assert!(!help.contains(",number]"), "{help}");
    }
    // Where attributes are typed, the typed forms are what to write.
    let found = diagnostics(
        "SELECT tags[cart,int] FROM spans",
        "dql::semantic::bad_tag_type",
    );
    assert!(
        found[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("tags[cart,number]")),
        "{found:?}"
    );
}
