//! The library's conveniences: one way to bind parameters, `dql::jiff`, `Request::url` and
//! `dql::run_local`.

fn now() -> dql::jiff::Timestamp {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

#[test]
fn params_bind_the_same_way_written_with_or_without_dollar() {
    let text = "SELECT count() FROM errors WHERE environment:$env";
    let mut plain = dql::Options::new(now());
    plain.params.bind("env", "production");
    let mut dollar = dql::Options::new(now());
    dollar.params.bind("$env", "production");
    let collected = dql::Options {
        params: [("$env", "production")].into_iter().collect(),
        ..dql::Options::new(now())
    };
    let want = dql::compile(text, &plain).unwrap();
    assert_eq!(dql::compile(text, &dollar).unwrap(), want);
    assert_eq!(dql::compile(text, &collected).unwrap(), want);
    let query = want[0].params.iter().find(|(k, _)| k == "query").unwrap();
    assert_eq!(query.1, "environment:production");
}

#[test]
fn request_url_is_encoded_as_sent() {
    let mut options = dql::Options::new(now()).org("acme");
    options.params.bind("msg", "a&b c");
    let requests = dql::compile(
        "SELECT count() FROM errors WHERE level:error message:$msg SINCE 24h",
        &options,
    )
    .unwrap();
    let url = requests[0].url("https://sentry.io/");
    assert!(
        url.starts_with("https://sentry.io/api/0/organizations/acme/events/?field=count%28%29&"),
        "{url}"
    );
    assert!(!url.contains(' ') && !url.contains("a&b"), "{url}");
    // Decoding the query string gives back exactly the request's parameters.
    let query = url.split_once('?').unwrap().1;
    let decoded: Vec<(String, String)> = query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (decode(k), decode(v))
        })
        .collect();
    assert_eq!(decoded, requests[0].params);
}

/// `application/x-www-form-urlencoded` decoding, for the check above.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut idx = 0;
    while idx < bytes.len() {
        match bytes[idx] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(&bytes[idx + 1..idx + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                idx += 2;
            }
            b => out.push(b),
        }
        idx += 1;
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn run_local_reports_the_statements_it_could_not_run() {
    let events = dql::engine::EventFiles::open(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/events.ndjson.gz"),
    )
    .unwrap();
    let text = "-- @name ok\nSELECT count() AS n FROM errors SINCE 30d;\n\
                SELECT nope() FROM errors;\n\
                SELECT issue, count() FROM errors GROUP BY issue SINCE 30d;\n";
    let run = dql::run_local(text, &events, &dql::Options::new(now())).unwrap();
    assert_eq!(run.results.len(), 1);
    let (statement, result) = &run.results[0];
    assert_eq!(statement.checked.name.as_deref(), Some("ok"));
    assert_eq!(result.columns[0].label, "n");
    let field = result.columns[0].field.as_str();
    assert!(result.result.data[0][field].as_u64().unwrap() > 0);
    // The compile error and the statement the engine refuses are both reported.
    assert!(run.has_errors());
    let codes: Vec<&str> = run.diagnostics.iter().map(|d| d.code).collect();
    assert!(
        codes.iter().any(|c| c.contains("unknown_function")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"dql::engine::not_supported_locally"),
        "{codes:?}"
    );
    let rendered = run.diagnostics().render(false, 80);
    assert!(rendered.contains("issue"), "{rendered}");
}
