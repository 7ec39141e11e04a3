//! A minimal language-server client for the tests: spawns `dql lsp` and speaks JSON-RPC to it
//! over stdio with `Content-Length` framing, as an editor does.

use serde_json::{Value, json};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// The Sentry the test servers are configured for: a self-hosted one, where `transactions`
/// is not deprecated, so that the protocol tests see only the diagnostics they are about.
pub(crate) const SENTRY_URL: &str = "https://sentry.example.com";

/// Longest a single answer may take before the test fails as hung (a guard, not a measurement).
const HANG_GUARD: Duration = Duration::from_secs(30);

/// A running `dql lsp` and the messages it sent that nobody has read yet.
pub(crate) struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    pub(crate) notifications: Vec<Value>,
}

impl Client {
    /// Starts `dql lsp` (not yet initialized) with a clean environment and Sentry at [`SENTRY_URL`].
    pub(crate) fn spawn() -> Client {
        Client::spawn_at(SENTRY_URL)
    }

    /// `dql lsp` with a clean environment and Sentry at `url`.
    pub(crate) fn spawn_at(url: &str) -> Client {
        Client::spawn_env([("SENTRY_URL", url)])
    }

    /// `dql lsp` with a clean environment holding only `env` (`SENTRY_URL`, and for the live
    /// catalog `SENTRY_ORG` and `DQL_CACHE_DIR`).
    pub(crate) fn spawn_env<K, V>(env: impl IntoIterator<Item = (K, V)>) -> Client
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dql"))
            .arg("lsp")
            .env_clear()
            .envs(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dql lsp starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            incoming: rx,
            next_id: 1,
            notifications: Vec::new(),
        }
    }

    /// Starts `dql lsp` and completes the initialize handshake, on a clean environment with
    /// Sentry at [`SENTRY_URL`]; returns the client and the server's capabilities.
    pub(crate) fn start() -> (Client, Value) {
        Client::start_with(Value::Null)
    }

    /// [`Client::start`] with `initializationOptions`.
    pub(crate) fn start_with(options: Value) -> (Client, Value) {
        Client::start_env([("SENTRY_URL", SENTRY_URL)], options)
    }

    /// An initialized server with a clean environment holding only `env`.
    pub(crate) fn start_env<K, V>(
        env: impl IntoIterator<Item = (K, V)>,
        options: Value,
    ) -> (Client, Value)
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let mut client = Client::spawn_env(env);
        let result = client.request_ok(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}, "initializationOptions": options}),
        );
        client.notify("initialized", json!({}));
        (client, result["capabilities"].clone())
    }

    /// Writes bytes as they are.
    pub(crate) fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).expect("the server reads");
        stdin.flush().expect("the server reads");
    }

    /// Writes one framed message.
    pub(crate) fn send(&mut self, message: &Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// Sends a notification.
    pub(crate) fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns the whole response (result or error).
    pub(crate) fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(&json!(id))
    }

    /// Sends a request and returns its result, failing the test on an error response.
    pub(crate) fn request_ok(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The next message from the server.
    pub(crate) fn next(&mut self) -> Value {
        let deadline = Instant::now() + HANG_GUARD;
        match self
            .incoming
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("no message from dql lsp in {HANG_GUARD:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("dql lsp closed its output"),
        }
    }

    /// Waits for the response with `id`, keeping notifications that come first.
    pub(crate) fn response(&mut self, id: &Value) -> Value {
        loop {
            let message = self.next();
            if message.get("method").is_some() {
                self.notifications.push(message);
            } else if &message["id"] == id {
                return message;
            } else {
                panic!("a response to another request: {message}");
            }
        }
    }

    /// Opens a document; returns the diagnostics published for it.
    pub(crate) fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "dql", "version": 1, "text": text}}),
        );
        self.diagnostics(uri, 1)
    }

    /// Waits for the diagnostics of `uri` at `version`.
    pub(crate) fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let matches = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        };
        if let Some(i) = self.notifications.iter().position(matches) {
            let m = self.notifications.remove(i);
            return m["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        loop {
            let message = self.next();
            if matches(&message) {
                return message["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
            assert!(
                message.get("id").is_none(),
                "an unexpected response: {message}"
            );
            self.notifications.push(message);
        }
    }

    /// Sends incremental changes as `version`; returns the diagnostics published for it.
    pub(crate) fn change(&mut self, uri: &str, version: i64, changes: Value) -> Vec<Value> {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
        self.diagnostics(uri, version)
    }

    /// Sends `shutdown` and `exit`; returns the exit status.
    pub(crate) fn shutdown(mut self) -> ExitStatus {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result["result"], Value::Null, "{result}");
        self.notify("exit", Value::Null);
        self.wait()
    }

    /// Closes stdin and waits for the process to end.
    pub(crate) fn wait(mut self) -> ExitStatus {
        drop(self.stdin.take());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if started.elapsed() > HANG_GUARD {
                let _ = self.child.kill();
                panic!("dql lsp did not exit");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether the process is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads one framed message; `None` at the end of the stream.
fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// The protocol position (line, UTF-16 column) of byte `offset` of `text`, computed here
/// independently of the server: lines end at `\r\n`, `\n` or a lone `\r` (the protocol's
/// rule), and an offset inside a `\r\n` is the end of its line's text.
pub(crate) fn position(text: &str, offset: usize) -> Value {
    let bytes = text.as_bytes();
    let (mut line, mut line_start) = (0, 0);
    for i in 0..offset {
        let ends_line = bytes[i] == b'\n' || bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
        if ends_line {
            line += 1;
            line_start = i + 1;
        }
    }
    let character = text[line_start..offset]
        .trim_end_matches('\r')
        .encode_utf16()
        .count();
    json!({"line": line, "character": character})
}

/// The byte offsets of `text` a protocol position can name: every character boundary but the
/// one inside a `\r\n`.
pub(crate) fn positions(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .filter(|&i| !(i > 0 && text[..i].ends_with('\r') && text[i..].starts_with('\n')))
        .collect()
}

/// The protocol range of bytes `start..end` of `text`; an end inside a character is taken to
/// that character's end, a start inside one to its start (a position cannot split one).
pub(crate) fn range(text: &str, start: usize, end: usize) -> Value {
    let start = (0..=start.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let end = (end.min(text.len())..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    json!({"start": position(text, start), "end": position(text, end)})
}

/// The organization of [`attribute_cache`].
pub(crate) const CACHED_ORG: &str = "acme";

/// A cache directory holding the spans attributes of [`CACHED_ORG`] as `dql catalog pull`
/// writes them (`<dir>/attributes/acme/spans.json`): `checkout.step` (string),
/// `queue.depth` (number) and the user attribute `Batch Size` (`tags[Batch Size,number]`).
pub(crate) fn attribute_cache() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let attribute = |key: &str, name: &str, ty: &str| json!({"name": name, "key": key, "type": ty, "source": "user"});
    let cache = json!({
        "org": CACHED_ORG,
        "dataset": "spans",
        "project": null,
        "fetched_at": "2026-12-01T00:00:00Z",
        "attributes": [
            attribute("tags[Batch Size,number]", "Batch Size", "number"),
            attribute("checkout.step", "checkout.step", "string"),
            attribute("queue.depth", "queue.depth", "number"),
        ],
    });
    let file = dir
        .path()
        .join("attributes")
        .join(CACHED_ORG)
        .join("spans.json");
    std::fs::create_dir_all(file.parent().expect("a parent")).expect("the cache directory");
    std::fs::write(&file, cache.to_string()).expect("the cache file");
    dir
}

/// The environment of a server (or `dql check`) that has [`attribute_cache`] at `dir`.
pub(crate) fn cached_env(dir: &tempfile::TempDir) -> Vec<(&'static str, String)> {
    vec![
        ("SENTRY_URL", SENTRY_URL.to_owned()),
        ("SENTRY_ORG", CACHED_ORG.to_owned()),
        ("DQL_CACHE_DIR", dir.path().display().to_string()),
    ]
}
