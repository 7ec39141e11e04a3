//! Property: after any sequence of incremental edits, the diagnostics `dql lsp` publishes are
//! exactly those `dql check --message-format json` prints for the resulting text (code,
//! severity, message and help, range in UTF-16, related spans) — both without a live catalog
//! and with an organization's attributes cached by `dql catalog pull`, the server and
//! `dql check` run in the same environment.

use crate::lsp_client;

use crate::lsp_client::{Client, attribute_cache, cached_env, positions, range};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::io::Write;
use std::process::{Command, Stdio};

/// What `dql check` says about `text` in the environment `env`, in the protocol's form.
fn check(uri: &str, text: &str, env: &[(&'static str, String)]) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dql"))
        .args(["check", "--message-format", "json", "-"])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout
        .lines()
        .map(|line| {
            let d: Value = serde_json::from_str(line).unwrap();
            let label_range = |l: &Value| {
                let start = l["offset"].as_u64().unwrap() as usize;
                range(text, start, start + l["length"].as_u64().unwrap() as usize)
            };
            let labels = d["labels"].as_array().unwrap();
            let mut message = d["message"].as_str().unwrap().to_owned();
            if let Some(help) = d["help"].as_str() {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            let severity = match d["severity"].as_str().unwrap() {
                "error" => 1,
                "warning" => 2,
                _ => 3,
            };
            let related: Vec<Value> = labels
                .iter()
                .skip(1)
                .map(|l| {
                    let text = l["text"].as_str().unwrap();
                    json!({
                        "location": {"uri": uri, "range": label_range(l)},
                        "message": if text.is_empty() { "here" } else { text },
                    })
                })
                .collect();
            let mut want = json!({
                "range": label_range(&labels[0]),
                "severity": severity,
                "code": d["code"],
                "source": "dql",
                "message": message,
            });
            if !related.is_empty() {
                want["relatedInformation"] = json!(related);
            }
            want
        })
        .collect()
}

/// Texts to start from: the examples, a few with multi-byte characters and errors, and a few
/// on spans using the cached attributes of `lsp_client::attribute_cache`.
fn seeds() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dql"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    out.sort();
    out.push(
        "-- @name é\nSELECT count(*), relase FROM errors WHERE message:\"😀 x\" SINCE 1d;\n".into(),
    );
    out.push("SELECT p95(transaction.duraton) AS ü FROM transactions\r\nWHERE user.email:*@exämple.com\r\nORDER BY ü".into());
    out.push(String::new());
    out.push(
        "SELECT checkout.step, avg(queue.depth) FROM spans WHERE queue.depth:>3 checkout.stp:pay GROUP BY checkout.step;\n".into(),
    );
    out.push(
        "SELECT count() FROM spans WHERE span.op:db\nSINCE 1h;\nSELECT log.body FROM logs".into(),
    );
    out
}

/// Text an edit may insert.
fn insertion() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\n".to_owned()),
        Just(" ".to_owned()),
        Just(";".to_owned()),
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("(".to_owned()),
        Just("é".to_owned()),
        Just("😀".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("count(*)".to_owned()),
        Just(" WHERE ".to_owned()),
        Just(" FROM transactions ".to_owned()),
        Just(" FROM spans ".to_owned()),
        Just(" checkout.stp ".to_owned()),
        Just(" queue.depth:>x ".to_owned()),
        Just("$env".to_owned()),
        Just("-- @name x\n".to_owned()),
        Just("transaction.duraton:>1s ".to_owned()),
        "[a-z.:>*$ ]{1,8}",
        any::<String>().prop_map(|s| s.chars().take(4).collect()),
    ]
}

/// One edit: where (a fraction of the text's characters), how many characters go, what comes.
fn edit() -> impl Strategy<Value = (f64, usize, String)> {
    (0.0..=1.0f64, 0usize..6, insertion())
}

/// A server of one environment, kept for every case, and how many documents it was given.
struct Session {
    client: Client,
    env: Vec<(&'static str, String)>,
    count: usize,
    /// Keeps the cache directory alive as long as the server reads it.
    _cache: Option<tempfile::TempDir>,
}

impl Session {
    fn new(cached: bool) -> Session {
        let cache = cached.then(attribute_cache);
        let env = match &cache {
            Some(dir) => cached_env(dir),
            None => vec![("SENTRY_URL", lsp_client::SENTRY_URL.to_owned())],
        };
        let (client, _) = Client::start_env(env.clone(), Value::Null);
        Session {
            client,
            env,
            count: 0,
            _cache: cache,
        }
    }

    /// Opens seed `seed`, applies `edits` one notification at a time, and compares every
    /// publication with `dql check` of the text it is about.
    fn run(&mut self, seed: usize, edits: Vec<(f64, usize, String)>) {
        let seeds = seeds();
        let mut text = seeds[seed % seeds.len()].clone();
        // A new document for every case, so nothing of an earlier case can be mistaken for
        // an answer about this one.
        self.count += 1;
        let uri = format!("file:///prop{}.dql", self.count);
        let published = self.client.open(&uri, &text);
        assert_eq!(
            published,
            check(&uri, &text, &self.env),
            "on open of {text:?}"
        );
        for (version, (at, delete, insert)) in edits.into_iter().enumerate() {
            // Only offsets a position can name: an editor never edits inside a `\r\n`.
            let chars = positions(&text);
            let first = ((chars.len() - 1) as f64 * at) as usize;
            let start = chars[first];
            let end = chars[(first + delete).min(chars.len() - 1)];
            let change = json!([{"range": range(&text, start, end), "text": insert}]);
            text.replace_range(start..end, &insert);
            let published = self.client.change(&uri, version as i64 + 2, change);
            assert_eq!(
                published,
                check(&uri, &text, &self.env),
                "after edits, on {text:?}"
            );
        }
    }
}

thread_local! {
    static PLAIN: RefCell<Option<Session>> = const { RefCell::new(None) };
    static CACHED: RefCell<Option<Session>> = const { RefCell::new(None) };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn diagnostics_after_random_edits_are_dql_checks(
        seed in 0usize..64,
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        PLAIN.with(|cell| {
            cell.borrow_mut()
                .get_or_insert_with(|| Session::new(false))
                .run(seed, edits);
        });
    }

    #[test]
    fn with_cached_attributes_diagnostics_are_dql_checks_with_the_same_cache(
        seed in 0usize..64,
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        CACHED.with(|cell| {
            cell.borrow_mut()
                .get_or_insert_with(|| Session::new(true))
                .run(seed, edits);
        });
    }
}

/// The cached run sees the cache: the spans seed warns about `checkout.stp` exactly where
/// `dql check` does, and without the cache neither does.
#[test]
fn the_cached_seed_warns_only_with_the_cache() {
    let seeds = seeds();
    let seed = seeds
        .iter()
        .position(|s| s.contains("checkout.stp"))
        .unwrap();
    let text = &seeds[seed];
    let codes = |env: &[(&'static str, String)]| -> Vec<String> {
        check("file:///x.dql", text, env)
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let cache = attribute_cache();
    assert!(codes(&cached_env(&cache)).contains(&"dql::catalog::unknown_attribute".to_owned()));
    let plain = vec![("SENTRY_URL", lsp_client::SENTRY_URL.to_owned())];
    assert!(!codes(&plain).contains(&"dql::catalog::unknown_attribute".to_owned()));
    let mut session = Session::new(true);
    session.run(seed, Vec::new());
}
