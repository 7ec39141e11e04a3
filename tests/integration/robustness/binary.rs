//! Through the binary: waits, redirects, gzip bombs, engine shapes, export failures.

use super::*;

// 12. Through the binary: a Retry-After past the budget names the wait and the flag; a 3xx that
// is not followed is not success.

#[test]
fn the_cli_says_how_long_sentry_asked_to_wait_and_which_flag_allows_it() {
    let (_keep, dir) = scratch("SELECT title FROM errors\n");
    let server = TestServer::scripted(vec![
        Reply::json(429, json!({"detail": "slow down"})).header("Retry-After", "3600"),
    ]);
    let started = Instant::now();
    let run = at(&dir, &server, &["run", "q.dql", "--retry-seconds", "5"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("dql::client::rate_limited"), "{run:?}");
    assert!(run.stderr.contains("1 h 0 min"), "{run:?}");
    assert!(run.stderr.contains("--retry-seconds"), "{run:?}");
    assert!(!run.stderr.contains("wait a little"), "{run:?}");
    assert_eq!(
        server.requests().len(),
        1,
        "a wait past the budget is not tried"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_reset_too_far_off_is_not_a_budget_to_raise() {
    let server = TestServer::scripted(vec![
        Reply::json(429, json!("slow down")).header("X-Sentry-Rate-Limit-Reset", "inf"),
    ]);
    let client = client_for(&server.base_url)
        .clock(|| SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let error = client.execute(&events_request(None, "2")).unwrap_err();
    let help = miette::Diagnostic::help(&error).unwrap().to_string();
    assert!(help.contains("more than a year"), "{help}");
    assert!(
        !help.contains("18446744073709551615"),
        "no one raises a budget to that: {help}"
    );
}

#[test]
fn no_3xx_is_success_whether_or_not_it_could_be_followed() {
    for reply in [
        Reply::raw(304, ""),
        Reply::raw(300, "").header("Location", "/elsewhere/"),
        Reply::raw(305, "").header("Location", "/elsewhere/"),
        Reply::raw(399, ""),
    ] {
        let server = TestServer::scripted(vec![reply]);
        let error = client_for(&server.base_url)
            .execute(&events_request(None, "2"))
            .unwrap_err();
        assert!(matches!(error, ClientError::Redirect { .. }), "{error:?}");
        assert_eq!(error.exit_code(), 3);
    }
    // A loop is followed until reqwest gives up: a failure too, never rows.
    let server = TestServer::start(|_, _| Reply::raw(302, "").header("Location", "/loop/"));
    let error = client_for(&server.base_url)
        .execute(&events_request(None, "2"))
        .unwrap_err();
    assert!(error.exit_code() != 0, "{error:?}");
    let (_keep, dir) = scratch("SELECT title FROM errors\n");
    let server = TestServer::scripted(vec![Reply::raw(304, "")]);
    let run = at(&dir, &server, &["run", "q.dql", "--format", "csv"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("dql::client::redirect"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
}

// 8. A gzip body is capped after decompression (a small bomb does not become gigabytes).

#[test]
fn a_gzip_bomb_is_refused_at_the_cap() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"{\"data\":[{\"title\":\"").unwrap();
    gz.write_all(&vec![b'a'; 64 << 20]).unwrap();
    gz.write_all(b"\"}]}").unwrap();
    let body = gz.finish().unwrap();
    assert!(body.len() < 1 << 20, "{} bytes compressed", body.len());
    let (base_url, served) = serve_gzip_once(body);
    let transport = ReqwestTransport::new(Token::new(TOKEN), Timeouts::default())
        .unwrap()
        .max_body(1 << 20);
    let client = Client::with_transport(transport, &base_url, Some("acme".into()))
        .unwrap()
        .sleeper(|_| {});
    let error = client.execute(&events_request(None, "2")).unwrap_err();
    assert!(
        matches!(error, ClientError::ResponseTooLarge { limit } if limit == 1 << 20),
        "{error:?}"
    );
    assert!(served.join().unwrap().contains("gzip"));
}

/// Serves one request on 127.0.0.1 with `body` as a gzip-encoded JSON reply; the request's
/// head, once served.
fn serve_gzip_once(body: Vec<u8>) -> (String, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let served = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let n = stream.read(&mut request).unwrap_or(0);
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&body);
        String::from_utf8_lossy(&request[..n]).to_lowercase()
    });
    (base_url, served)
}

// A gzip-encoded reply is decoded (through flate2's backend, which the local engine's gzip
// input shares): every row, in order, from a body of many deflate blocks.

#[test]
fn a_gzip_reply_is_decoded_whole() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(rows(5000, 0).to_string().as_bytes()).unwrap();
    let (base_url, served) = serve_gzip_once(gz.finish().unwrap());
    let client = Client::with_transport(
        ReqwestTransport::new(Token::new(TOKEN), Timeouts::default()).unwrap(),
        &base_url,
        Some("acme".into()),
    )
    .unwrap()
    .sleeper(|_| {});
    let execution = client.execute(&events_request(None, "5000")).unwrap();
    let titles: Vec<String> = execution
        .result
        .data
        .iter()
        .map(|row| row["title"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..5000).map(|i| format!("t{i}")).collect();
    assert_eq!(titles, expected);
    assert!(served.join().unwrap().contains("accept-encoding: gzip"));
}

// 13. Through the binary: the local engine's bad shapes, dangling links and huge values.

#[test]
fn the_cli_reports_bad_members_dangling_links_and_keeps_huge_values_out_of_stderr() {
    let (_keep, dir) = scratch("SELECT title FROM errors\n");
    std::fs::write(
        dir.join("e.ndjson"),
        "{\"eventID\":\"a\",\"title\":{\"nested\":1}}\n",
    )
    .unwrap();
    let run = dql(&dir, &["run", "q.dql", "--events", "e.ndjson"], &[], b"");
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("dql::engine::bad_member"), "{run:?}");
    assert!(run.stderr.contains("e.ndjson:1"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");

    let big = "z".repeat(10_000_000);
    std::fs::write(dir.join("e.ndjson"), format!("{{\"title\":\"{big}\n")).unwrap();
    let run = dql(&dir, &["run", "q.dql", "--events", "e.ndjson"], &[], b"");
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("dql::engine::bad_json"), "{run:?}");
    assert!(
        run.stderr.len() < 4_000,
        "{} bytes on stderr",
        run.stderr.len()
    );

    #[cfg(unix)]
    {
        let events = dir.join("events");
        std::fs::create_dir(&events).unwrap();
        std::fs::write(events.join("a.ndjson"), recent_events(2)).unwrap();
        std::os::unix::fs::symlink(events.join("gone.ndjson"), events.join("b.ndjson")).unwrap();
        let run = dql(&dir, &["run", "q.dql", "--events", "events"], &[], b"");
        assert_ne!(run.code, 0, "{run:?}");
        assert!(run.stderr.contains("b.ndjson"), "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
    }
}

// 14. A byte-order mark in a file `run` and `compile` read; parameter names for `run` too.

#[test]
fn a_byte_order_mark_is_ignored_by_run_and_compile_and_bad_names_by_run_refused() {
    let (_keep, dir) = scratch("");
    std::fs::write(
        dir.join("q.dql"),
        "\u{feff}SELECT count() AS n FROM errors WHERE title:$t\n",
    )
    .unwrap();
    std::fs::write(dir.join("e.ndjson"), recent_events(3)).unwrap();
    let run = dql(
        &dir,
        &[
            "run", "q.dql", "--events", "e.ndjson", "--format", "csv", "--param", "t=t1",
        ],
        &[],
        b"",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.trim(), "n\n1", "{run:?}");
    let run = dql(&dir, &["compile", "q.dql", "--param", "t=t1"], &[], b"");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("title"), "{run:?}");
    let run = dql(
        &dir,
        &["run", "q.dql", "--events", "e.ndjson", "--param", "t q=1"],
        &[],
        b"",
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("not a parameter name"), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
}

// 2. for `export`: a cycle and an empty page said to have more fail as a repeated cursor does.

#[test]
fn export_fails_on_a_cursor_cycle_and_on_an_empty_page_with_more() {
    type Script = fn(Option<String>) -> Reply;
    let cycle: Script = |cursor| {
        match cursor.as_deref() {
        None => Reply::json(
            200,
            json!({"data": [{"id": format!("{:032x}", 1), "project": "web"}], "meta": {"fields": {}}}),
        )
        .header("Link", &next("A", true)),
        Some("A") => Reply::json(
            200,
            json!({"data": [{"id": format!("{:032x}", 2), "project": "web"}], "meta": {"fields": {}}}),
        )
        .header("Link", &next("B", true)),
        _ => Reply::json(
            200,
            json!({"data": [{"id": format!("{:032x}", 3), "project": "web"}], "meta": {"fields": {}}}),
        )
        .header("Link", &next("A", true)),
    }
    };
    let empty: Script = |cursor| {
        match cursor {
        None => Reply::json(
            200,
            json!({"data": [{"id": format!("{:032x}", 1), "project": "web"}], "meta": {"fields": {}}}),
        )
        .header("Link", &next("A", true)),
        Some(_) => Reply::json(200, json!({"data": [], "meta": {"fields": {}}}))
            .header("Link", &next("B", true)),
    }
    };
    for (what, script) in [("cycle", cycle), ("empty page", empty)] {
        let (_keep, dir) = scratch("");
        let server = TestServer::start(move |recorded, _| {
            if recorded.path() == "/api/0/organizations/acme/events/" {
                script(recorded.param("cursor"))
            } else {
                Reply::json(200, json!({"eventID": "e", "title": "t"}))
            }
        });
        let env = env_for(&server);
        let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.push(("SENTRY_PROJECT", "web"));
        let run = dql(&dir, &["export", "--query", "", "--limit", "10"], &env, b"");
        assert_eq!(run.code, 5, "{what}: {run:?}");
        assert!(
            run.stderr.contains("dql::client::incomplete"),
            "{what}: {run:?}"
        );
        assert!(run.stderr.contains(what), "{what}: {run:?}");
        assert!(
            run.stdout
                .ends_with(&format!("{}\n", dql::format::INCOMPLETE_MARK)),
            "{what}: {run:?}"
        );
    }
}

// 11. A token with a CR stops `export` at once as it stops `run`.

#[test]
fn export_with_a_token_holding_a_carriage_return_is_exit_3_without_a_request() {
    let (_keep, dir) = scratch("");
    let server = TestServer::scripted(vec![Reply::json(200, rows(1, 0))]);
    let run = dql(
        &dir,
        &["export", "--query", "", "--limit", "1"],
        &[
            ("SENTRY_URL", &server.base_url),
            ("SENTRY_ORG", "acme"),
            ("SENTRY_PROJECT", "web"),
            ("SENTRY_AUTH_TOKEN", "sntryu_abc\rdef"),
        ],
        b"",
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("dql::client::invalid_token"), "{run:?}");
    assert!(!run.stderr.contains("sntryu_abc"), "{run:?}");
    assert!(server.requests().is_empty());
}
