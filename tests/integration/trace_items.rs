//! The trace-item datasets (spans, logs, tracemetrics, uptime_results, profile_functions):
//! queries Sentry accepts check clean and lower with their `dataset=`, queries Sentry refuses
//! are refused before sending. Each rule names the file of getsentry/sentry it comes from
//! (`src/sentry/search/eap/…`, the search tool's indexed copies; see catalog_trace.toml).

use dql::semantic::Catalog;
use dql::semantic::checked::{CheckedKind, ColumnValue};
use dql::semantic::field_type::{DurationUnit, FieldType, SizeUnit};

fn now() -> jiff::Timestamp {
    "2026-12-01T10:00:00Z".parse().unwrap()
}

fn compile(text: &str) -> dql::Compilation {
    dql::compile_source(
        &dql::Source::new("test.dql", text.to_string()),
        &dql::Options::new(now()),
    )
}

fn codes(text: &str) -> Vec<&'static str> {
    compile(text).diagnostics.iter().map(|d| d.code).collect()
}

/// Compiles without any diagnostic and returns the request's parameters.
fn accepted(text: &str) -> Vec<(String, String)> {
    let compilation = compile(text);
    assert!(
        compilation.diagnostics.is_empty(),
        "{text}: {:#?}",
        compilation.diagnostics
    );
    compilation.statements[0].request.params.clone()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The type of each select column, in order.
fn column_types(text: &str) -> Vec<Option<FieldType>> {
    let compilation = compile(text);
    assert!(!compilation.has_errors(), "{:#?}", compilation.diagnostics);
    let CheckedKind::Events(q) = &compilation.statements[0].checked.kind else {
        panic!("not an events query")
    };
    q.columns
        .iter()
        .map(|c| match &c.value {
            ColumnValue::Field(f) => f.ty,
            ColumnValue::Function(f) => f.ty,
            other => panic!("{other:?}"),
        })
        .collect()
}

const MS: FieldType = FieldType::Duration(DurationUnit::Millisecond);

#[test]
fn spans_fields_functions_and_dataset() {
    // spans/attributes.py: span.duration and span.self_time are durations in ms,
    // is_transaction a boolean, span.op a string; spans/aggregates.py: p95 and sum reflect
    // their column, count is an integer.
    let params = accepted(
        "SELECT span.op, count(), p95(span.duration), sum(span.self_time) FROM spans \
         WHERE is_transaction:true span.duration:>100ms GROUP BY span.op ORDER BY count() DESC",
    );
    assert_eq!(param(&params, "dataset"), ["spans"]);
    assert_eq!(
        param(&params, "field"),
        [
            "span.op",
            "count()",
            "p95(span.duration)",
            "sum(span.self_time)"
        ]
    );
    assert_eq!(
        param(&params, "query"),
        ["is_transaction:true span.duration:>100ms"]
    );
    assert_eq!(
        column_types(
            "SELECT span.op, count(), p95(span.duration), http.response_content_length FROM spans"
        ),
        [
            Some(FieldType::String),
            Some(FieldType::Integer),
            Some(MS),
            Some(FieldType::Size(SizeUnit::Byte)),
        ]
    );
    // spans/aggregates.py: every percentile defaults its column to span.duration.
    assert_eq!(column_types("SELECT p75() FROM spans"), [Some(MS)]);
    // spans/formulas.py: rates are percentages, epm a rate.
    accepted("SELECT failure_rate(), http_response_rate(5), epm() FROM spans");
    // Secondary aliases (spans/attributes.py): description and message are span.description.
    accepted("SELECT description, message FROM spans WHERE message:*SELECT*");
}

#[test]
fn spans_refusals() {
    // spans/aggregates.py: avg takes duration, number, percentage or size attributes.
    assert_eq!(
        codes("SELECT avg(span.op) FROM spans"),
        ["dql::semantic::bad_argument"]
    );
    // apdex is a transactions function; spans has no definition of it (spans/formulas.py).
    assert_eq!(
        codes("SELECT apdex() FROM spans"),
        ["dql::semantic::not_in_dataset"]
    );
    // http_response_rate takes a status class 1..5 (literal_validator in spans/formulas.py).
    assert_eq!(
        codes("SELECT http_response_rate(6) FROM spans"),
        ["dql::semantic::bad_argument"]
    );
    // count_starts takes only the app start measurements (spans/aggregates.py).
    assert_eq!(
        codes("SELECT count_starts(span.duration) FROM spans"),
        ["dql::semantic::bad_argument"]
    );
    // span.duration is a duration: a word is not one.
    assert!(
        codes("SELECT count() FROM spans WHERE span.duration:>slow")
            .iter()
            .any(|c| c.starts_with("dql::filter::"))
    );
    // A field of spans is not one of errors: Sentry reads it as a tag (text) there, and
    // errors has no p95.
    assert_eq!(
        codes("SELECT p95(span.duration) FROM errors"),
        [
            "dql::semantic::not_in_dataset",
            "dql::semantic::bad_argument"
        ]
    );
}

#[test]
fn typed_attributes_on_trace_items() {
    // Trace items store attributes typed (sentry-api-2026.md §1, §3): tags[x,number],
    // tags[x,string], tags[x,boolean] are columns, filters and arguments, sent as written.
    let params = accepted(
        "SELECT tags[region,string], avg(tags[bytes,number]) FROM spans \
         WHERE tags[cached,boolean]:true tags[bytes,number]:>100 \
         GROUP BY tags[region,string] ORDER BY avg(tags[bytes,number]) DESC",
    );
    assert_eq!(
        param(&params, "field"),
        ["tags[region,string]", "avg(tags[bytes,number])"]
    );
    assert_eq!(
        param(&params, "query"),
        ["tags[cached,boolean]:true tags[bytes,number]:>100"]
    );
    assert_eq!(param(&params, "sort"), ["-avg(tags[bytes,number])"]);
    assert_eq!(
        column_types("SELECT tags[cached,boolean], tags[n,number] FROM logs"),
        [Some(FieldType::Boolean), Some(FieldType::Number)]
    );
    // A typed boolean takes only boolean values; a typed number only numbers.
    assert_eq!(
        codes("SELECT count() FROM spans WHERE tags[cached,boolean]:maybe"),
        ["dql::filter::invalid_boolean"]
    );
    assert_eq!(
        codes("SELECT count() FROM spans WHERE tags[n,number]:>many"),
        ["dql::filter::invalid_number"]
    );
    // A text attribute is not a numeric argument.
    assert_eq!(
        codes("SELECT avg(tags[region,string]) FROM spans"),
        ["dql::semantic::bad_argument"]
    );
    // Outside the trace-item datasets tags have no type: refused, with the plain form as fix.
    assert_eq!(
        codes("SELECT tags[cached,boolean] FROM errors"),
        ["dql::semantic::typed_tag_unsupported"]
    );
}

#[test]
fn logs() {
    // ourlogs/attributes.py: severity text, severity_number integer, message = the body.
    let params = accepted(
        "SELECT severity, count(), count_unique(trace) FROM logs \
         WHERE message:*timeout* severity_number:>=17 GROUP BY severity",
    );
    assert_eq!(param(&params, "dataset"), ["logs"]);
    assert_eq!(
        column_types("SELECT severity, severity_number, payload_size FROM logs"),
        [
            Some(FieldType::String),
            Some(FieldType::Integer),
            Some(FieldType::Number)
        ]
    );
    // ourlogs/aggregates.py: the numeric aggregates return numbers and need their column
    // (no default, unlike spans).
    assert_eq!(
        column_types("SELECT p95(payload_size) FROM logs"),
        [Some(FieldType::Number)]
    );
    assert_eq!(
        codes("SELECT p95() FROM logs"),
        ["dql::semantic::wrong_arity"]
    );
    // ourlogs/aggregates.py has no failure_rate.
    assert_eq!(
        codes("SELECT failure_rate() FROM logs"),
        ["dql::semantic::not_in_dataset"]
    );
    assert_eq!(
        codes("SELECT avg(severity) FROM logs"),
        ["dql::semantic::bad_argument"]
    );
}

#[test]
fn tracemetrics_aggregates_name_their_metric() {
    // trace_metrics/aggregates.py: fn(value, metric.name, metric.type, metric.unit);
    // sentry-api-2026.md §1 gives `sum(value,my.counter,counter,-)`.
    let params = accepted(
        "SELECT sum(value,my.counter,counter,-), \
         p95(value,http.request.duration,distribution,millisecond) FROM tracemetrics SINCE 1h",
    );
    assert_eq!(param(&params, "dataset"), ["tracemetrics"]);
    assert_eq!(
        param(&params, "field"),
        [
            "sum(value,my.counter,counter,-)",
            "p95(value,http.request.duration,distribution,millisecond)"
        ]
    );
    // metric.type is one of counter, gauge, distribution (literal_validator there).
    assert_eq!(
        codes("SELECT sum(value,my.counter,histogram,-) FROM tracemetrics"),
        ["dql::semantic::bad_argument"]
    );
    // Without the metric the endpoint mixes every metric; trace_metrics/validator.py
    // refuses it ("must specify metric name, type, and unit"): a warning.
    assert_eq!(
        codes("SELECT sum(value) FROM tracemetrics"),
        ["dql::semantic::metric_unnamed"]
    );
    // value is a number (trace_metrics/attributes.py), metric.name a string.
    assert_eq!(
        codes("SELECT avg(metric.name,my.counter,counter,-) FROM tracemetrics"),
        ["dql::semantic::bad_argument"]
    );
}

#[test]
fn uptime_results_and_profile_functions() {
    // uptime_results/attributes.py: http_status_code and check_duration_us integers,
    // response_body_size_bytes a size; uptime_results/definitions.py defines no aggregates.
    let params = accepted(
        "SELECT check_status, http_status_code, request_url FROM uptime_results \
         WHERE check_status:failure http_status_code:>=500",
    );
    assert_eq!(param(&params, "dataset"), ["uptime_results"]);
    assert_eq!(
        codes("SELECT count() FROM uptime_results"),
        ["dql::semantic::not_in_dataset"]
    );
    // SELECT * expands to dql's default columns of the dataset.
    let params = accepted("SELECT * FROM uptime_results");
    assert!(param(&params, "field").contains(&"check_status"));
    // profile_functions/aggregates.py reuses the logs aggregates; its durations are integers
    // in nanoseconds (profile_functions/attributes.py: function.self_time = self_time_ns).
    let params = accepted(
        "SELECT function, package, p95(function.self_time), count() FROM profile_functions \
         GROUP BY function, package",
    );
    assert_eq!(param(&params, "dataset"), ["profile_functions"]);
    assert_eq!(
        column_types("SELECT p95(function.self_time) FROM profile_functions"),
        [Some(FieldType::Number)]
    );
    assert_eq!(
        codes("SELECT avg(function) FROM profile_functions"),
        ["dql::semantic::bad_argument"]
    );
}

#[test]
fn unknown_names_are_attributes_with_near_name_warnings() {
    // Any other name is an attribute the org may have (sentry-api-2026.md §3): no error,
    // but a near known name is a did-you-mean warning.
    assert!(
        codes("SELECT my.custom.attribute, count() FROM spans GROUP BY my.custom.attribute")
            .is_empty()
    );
    assert_eq!(
        codes("SELECT span.duraton FROM spans"),
        ["dql::semantic::near_name"]
    );
    assert_eq!(
        codes("SELECT count() FROM logs WHERE severty:error"),
        ["dql::semantic::near_name"]
    );
}

#[test]
fn transactions_fields_point_to_their_spans_equivalent() {
    // src/sentry/discover/translation/mep_to_eap.py: transaction.duration is span.duration.
    let compilation = compile("SELECT p95(transaction.duration) FROM spans");
    let codes: Vec<&str> = compilation.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"dql::semantic::near_name"), "{codes:?}");
    let fix = compilation
        .diagnostics
        .iter()
        .find_map(|d| d.fix.as_ref())
        .expect("a fix");
    assert_eq!(fix.replacement, "span.duration");
}

#[test]
fn spans_measurements_and_release_filters() {
    // spans/attributes.py: the web-vital scores are simple_measurements_field, whose
    // search_type defaults to "number" (columns.py): numeric arguments.
    accepted(
        "SELECT performance_score(measurements.score.lcp), avg(measurements.score.ratio.cls), \
         p75(measurements.ttfb.requesttime) FROM spans",
    );
    assert_eq!(
        column_types(
            "SELECT measurements.score.weight.inp, measurements.cache.item_size FROM spans"
        ),
        [
            Some(FieldType::Number),
            Some(FieldType::Size(SizeUnit::Byte))
        ]
    );
    // spans/filter_aliases.py: release, release.stage, release.version (semver), release.package
    // and release.build are filter aliases; release.version compares as a version.
    let params = accepted(
        "SELECT count() FROM spans WHERE release.version:>1.2.0 release.stage:adopted release.package:com.example",
    );
    assert_eq!(
        param(&params, "query"),
        ["release.version:>1.2.0 release.stage:adopted release.package:com.example"]
    );
    // ourlogs/filter_aliases.py reuses the spans converters.
    accepted("SELECT count() FROM logs WHERE release.build:>=100");
    // They are filters, not columns: SELECT reads an attribute of that name, which is not a
    // built-in field (did-you-mean candidates leave them out).
    assert!(
        !Catalog::builtin()
            .field_names("spans")
            .contains(&"release.version")
    );
    assert!(
        Catalog::builtin()
            .field("spans", "release.version")
            .is_none()
    );
}
