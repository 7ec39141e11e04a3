//! End-to-end tests of the `dql` binary: each test runs the built executable in a fresh
//! directory (its HOME and cwd, no inherited environment) and checks stdout, stderr, the exit
//! code and, for `dql run`, what a scripted Sentry on 127.0.0.1 received.

use crate::support::binary::{self, Run, wait};
use crate::support::server::{Recorded, Reply, TestServer};
use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

mod budgets;
mod offline;
mod output;
mod refusals;
mod run;
mod threads;

/// A token distinctive enough that finding it anywhere in the output means it leaked.
const TOKEN: &str = "sntryu_cli7e57c0ffee5ecre7da7a0123456789";

/// The fixed instant most tests compile with.
const NOW: &str = "2026-11-26T10:00:00Z";

/// A scratch directory that is the binary's HOME and cwd.
struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `name` in the directory and returns its path.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `dql args…` in this directory with only `env` set (plus HOME), every stream piped.
    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        binary::command(self.path(), args, env)
    }

    /// Runs `dql args…` with only `env` set (plus HOME), `stdin` piped in. Whatever the
    /// command, the token never reaches the output (and dql never panics).
    fn dql_with(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
        binary::finish(self.command(args, env), args, stdin.as_bytes()).hides(TOKEN)
    }

    /// Runs `dql args…` with no environment and empty stdin.
    fn dql(&self, args: &[&str]) -> Run {
        self.dql_with(args, &[], "")
    }

    /// Runs `dql args…` pointed at `server` (org `acme`, the test token).
    fn dql_at(&self, server: &TestServer, args: &[&str]) -> Run {
        self.dql_with(args, &sentry_env(server), "")
    }
}

fn sentry_env(server: &TestServer) -> [(&'static str, &str); 3] {
    [
        ("SENTRY_URL", server.base_url.as_str()),
        ("SENTRY_ORG", "acme"),
        ("SENTRY_AUTH_TOKEN", TOKEN),
    ]
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> String {
    repo().join("examples").join(name).display().to_string()
}

/// An events page in Sentry's documented shape (`sentry-api.md` §4).
fn page(rows: Vec<Value>, fields: Value) -> Value {
    let units: serde_json::Map<String, Value> = fields
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (k.clone(), Value::Null))
        .collect();
    json!({"data": rows, "meta": {"fields": fields, "units": units, "isMetricsData": false,
           "tips": {"query": null, "columns": null}, "dataset": "errors"}})
}

/// One small page answering `SIMPLE`.
fn simple_page() -> Reply {
    Reply::json(
        200,
        page(
            vec![
                json!({"title": "TypeError: x is undefined", "count()": 12}),
                json!({"title": "ZeroDivisionError", "count()": 3}),
            ],
            json!({"title": "string", "count()": "integer"}),
        ),
    )
}

/// A grouped query with a WHERE, an alias and a limit: one request of `per_page=5`.
const SIMPLE: &str = "SELECT title, count() AS n\nFROM errors\nWHERE level:error\nGROUP BY title\nORDER BY n DESC\nLIMIT 5\nSINCE 7d;\n";

/// Sentry's answer to `request` over `total` numbered raw events, paginated by the offset
/// cursor in the `Link` header (`sentry-api.md` §5).
fn paged_reply(request: &Recorded, total: usize) -> Reply {
    let per_page: usize = request.param("per_page").unwrap().parse().unwrap();
    let offset: usize = request
        .param("cursor")
        .map(|c| c.split(':').nth(1).unwrap().parse().unwrap())
        .unwrap_or(0);
    let end = (offset + per_page).min(total);
    let rows: Vec<Value> = (offset..end)
        .map(|n| json!({"id": format!("{n:032x}"), "title": format!("event {n}")}))
        .collect();
    let next = offset + per_page;
    let link = format!(
        "<http://ignored/?cursor=0:{offset}:1>; rel=\"previous\"; results=\"{}\"; cursor=\"0:{offset}:1\", \
         <http://ignored/?cursor=0:{next}:0>; rel=\"next\"; results=\"{}\"; cursor=\"0:{next}:0\"",
        offset > 0,
        next < total,
    );
    Reply::json(200, page(rows, json!({"id": "string", "title": "string"}))).header("Link", &link)
}

/// A server holding `total` numbered raw events.
fn paged_server(total: usize) -> TestServer {
    TestServer::start(move |request: &Recorded, _| paged_reply(request, total))
}

/// A query with an alias and a hidden sort column; the server answers with its keys in
/// another order than the select list.
const HIDDEN: &str = "SELECT transaction, count() AS n\nFROM transactions\nGROUP BY transaction\nORDER BY p95(transaction.duration) DESC\nLIMIT 3\nSINCE 1d;\n";

/// Two named statements, for the formats that hold several results.
const TWO: &str = "-- @name errors\nSELECT count() FROM errors SINCE 1d;\n\n-- @name slow\nSELECT count() AS n FROM transactions WHERE transaction.duration:>2s SINCE 1d;\n";
